//! The command table: every `/ar` command once, with its typed parameters, help text, example and
//! the permission it needs. The console parser, Discord's registration and autocomplete, `/ar help`
//! and dispatch all read it.

use arbot_core::collections::{DISPUTE_OUTCOMES, NOTE_KINDS};

use crate::roles::Permission;

/// The kind of value a parameter takes. The parser turns what was typed into a
/// [`super::args::Value`] of the same kind, or says what it could not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// A customer, by part of its name (resolved against the ledger).
    Customer,
    /// A job, by part of its name (resolved against the ledger).
    Job,
    /// An invoice number (`1042` or `#1042`).
    Invoice,
    /// One or more invoice numbers (`1042 1043`, `#1042, #1043`): every word with a digit.
    Invoices,
    /// A project manager, by the name the ledger knows them by (resolved against the ledger).
    Pm,
    /// An amount of money as people type it (`12,500`, `$12,500.00`, `40k`).
    Amount,
    /// A date as people type it (1 to 3 words: `2026-11-30`, `Nov 30`, `Nov 30 2026`).
    Date,
    /// A number of days (`60`, `90+`, `30d`).
    Days,
    /// A count of things (`3`, `12`): a whole number from 1.
    Count,
    /// One of a fixed set of words (at most 25, Discord's limit for choices).
    Choice(&'static [&'static str]),
    /// A kind of lien notice (`nto`, `prelim`, `lien`, ...).
    Notice,
    /// A job fact the lien engine reads (one of [`FACTS`]).
    Fact,
    /// The name of an `/ar` command.
    Command,
    /// Free text; as the last parameter it takes the rest of the line.
    Text,
}

/// What a chat can suggest while a parameter is typed (Discord's autocomplete).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suggest {
    Nothing,
    Customer,
    Job,
    Invoice,
    Pm,
    Command,
    NoticeKind,
    Fact,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    pub name: &'static str,
    pub kind: ParamKind,
    pub required: bool,
    pub help: &'static str,
    /// A word that may stand before the value in the console (`by` in `/ar aging by job`, `set`
    /// in `/ar job marina set last_furnished 2026-11-20`); it also ends a name typed before it.
    pub keyword: Option<&'static str>,
}

impl Param {
    const fn new(name: &'static str, kind: ParamKind, required: bool, help: &'static str) -> Param {
        Param { name, kind, required, help, keyword: None }
    }

    const fn after(mut self, keyword: &'static str) -> Param {
        self.keyword = Some(keyword);
        self
    }

    pub fn suggest(&self) -> Suggest {
        match self.kind {
            ParamKind::Customer => Suggest::Customer,
            ParamKind::Job => Suggest::Job,
            ParamKind::Invoice | ParamKind::Invoices => Suggest::Invoice,
            ParamKind::Pm => Suggest::Pm,
            ParamKind::Command => Suggest::Command,
            ParamKind::Notice => Suggest::NoticeKind,
            ParamKind::Fact => Suggest::Fact,
            _ => Suggest::Nothing,
        }
    }

    /// Whether the value is a name that may run over several words.
    pub fn is_name(&self) -> bool {
        matches!(self.kind, ParamKind::Customer | ParamKind::Job | ParamKind::Text)
    }

    /// What the value should look like, for messages.
    pub fn expects(&self) -> String {
        match self.kind {
            ParamKind::Customer => "a customer's name".to_string(),
            ParamKind::Job => "a job's name".to_string(),
            ParamKind::Invoice => "an invoice number".to_string(),
            ParamKind::Invoices => "invoice numbers, like 1042 1043".to_string(),
            ParamKind::Pm => "a PM's name".to_string(),
            ParamKind::Amount => "an amount, like 12,500 or $12,500.00".to_string(),
            ParamKind::Date => "a date, like 2026-11-30 or Nov 30".to_string(),
            ParamKind::Days => "a number of days, like 60 or 90+".to_string(),
            ParamKind::Count => "a whole number, like 3 or 12".to_string(),
            ParamKind::Choice(options) => format!("one of {}", options.join(", ")),
            ParamKind::Notice => format!("a notice: {}", arbot_core::liens::notice_words().join(", ")),
            ParamKind::Fact => format!("a job fact: {}", FACTS.join(", ")),
            ParamKind::Command => "a command name".to_string(),
            ParamKind::Text => "text".to_string(),
        }
    }
}

/// A top-level chat command. Discord caps one command at 25 subcommands and 4,000 characters of
/// names, descriptions and choices, so arbot's commands come in families: `/ar` for the ledger,
/// collections and liens, `/report` for what leadership reads, `/mail` for what goes to customers,
/// `/lien` for lien waivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Family {
    pub name: &'static str,
    pub description: &'static str,
}

pub const AR: &str = "ar";
pub const REPORT: &str = "report";
pub const MAIL: &str = "mail";
pub const LIEN: &str = "lien";

/// Every family, in the order help lists them. A family with no command yet is not registered.
pub const FAMILIES: &[Family] = &[
    Family { name: AR, description: "arbot: receivables, collections and lien deadlines" },
    Family { name: REPORT, description: "arbot: cash, weekly and month-end reports for leadership" },
    Family { name: MAIL, description: "arbot: reminders, statements and letters to customers" },
    // Its own family because /ar is within a few hundred characters of Discord's 4,000.
    Family { name: LIEN, description: "arbot: lien waivers per job and pay application" },
];

/// The commands of one family, in table order.
pub fn family_commands(family: &str) -> impl Iterator<Item = &'static CommandSpec> + '_ {
    COMMANDS.iter().filter(move |c| c.family == family)
}

/// One command: `/<family> <name> …`.
#[derive(Debug, Clone, Copy)]
pub struct CommandSpec {
    /// The top-level command it sits under ([`AR`], [`REPORT`], [`MAIL`]).
    pub family: &'static str,
    pub name: &'static str,
    pub summary: &'static str,
    pub params: &'static [Param],
    pub example: &'static str,
    pub permission: Permission,
}

impl CommandSpec {
    /// The parameters in the order a chat with named options lists them: Discord wants every
    /// required option before the optional ones, while the console reads words in table order
    /// (`/ar note acme 1042 call …`, the optional invoice before the kind).
    pub fn options(&self) -> Vec<&'static Param> {
        let mut out: Vec<&'static Param> = self.params.iter().collect();
        out.sort_by_key(|p| !p.required);
        out
    }

    /// `/ar customer`: what a person types to run it.
    pub fn invocation(&self) -> String {
        format!("/{} {}", self.family, self.name)
    }

    /// `customer <name>` / `overdue [min-days] [pm]`.
    pub fn usage(&self) -> String {
        let mut s = self.name.to_string();
        for p in self.params {
            let part = match p.keyword {
                // `[by customer|job|pm]`, `[follow-up <date>]`: the word, then what goes after it.
                Some(k) => match p.kind {
                    ParamKind::Choice(words) if words.len() <= 4 => format!("{k} {}", words.join("|")),
                    ParamKind::Date => format!("{k} <date>"),
                    _ => format!("{k} <{}>", p.name),
                },
                None if p.required => format!("<{}>", p.name),
                None => p.name.to_string(),
            };
            s.push_str(&if p.required { format!(" {part}") } else { format!(" [{part}]") });
        }
        s
    }
}

/// The dispute reason codes (core's `DISPUTE_REASONS`), and `resolve`.
pub const DISPUTE_WORDS: &[&str] =
    &["quantity", "pricing", "backcharge", "lien_waiver", "change_order", "paperwork", "other", "resolve"];

/// The job facts `/ar job … set` records: the dated facts and settings
/// `arbot_core::liens::JobFacts::set` reads, then the parties and descriptions a notice names
/// (`arbot_core::liens::PartyFact`). More than Discord's 25 choices, so Discord suggests them as
/// they are typed.
pub const FACTS: &[&str] = &[
    "state",
    "project",
    "role",
    "bonded",
    "first_furnished",
    "last_furnished",
    "completed",
    "contract_signed",
    "noc_recorded",
    "notice_of_completion_recorded",
    "lien_recorded",
    "owner_final_payment",
    "suit_planned",
    "furnished_month",
    "owner",
    "owner_address",
    "gc",
    "gc_address",
    "lender",
    "lender_address",
    "surety",
    "surety_address",
    "bond_number",
    "property",
    "legal_description",
    "work",
    "estimate",
];

pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        family: AR,
        name: "customer",
        summary: "A customer's balance, aging, oldest invoice, last payment, promise, jobs and last note",
        params: &[Param::new("name", ParamKind::Customer, true, "part of the customer's name")],
        example: "/ar customer acme",
        permission: Permission::Read,
    },
    CommandSpec {
        family: AR,
        name: "invoice",
        summary: "One invoice: amounts, due date, what was applied to it, disputes",
        params: &[Param::new("number", ParamKind::Invoice, true, "the invoice number")],
        example: "/ar invoice 1042",
        permission: Permission::Read,
    },
    CommandSpec {
        family: AR,
        name: "overdue",
        summary: "Overdue invoices, oldest first",
        params: &[
            Param::new("min-days", ParamKind::Days, false, "only this many days past due or more (60, 90+)"),
            Param::new("pm", ParamKind::Pm, false, "only this project manager's accounts"),
        ],
        example: "/ar overdue 60 dana",
        permission: Permission::Read,
    },
    CommandSpec {
        family: AR,
        name: "aging",
        summary: "The aging report: open balances by age bucket",
        params: &[
            Param::new("as-of", ParamKind::Date, false, "balances as of this date (default today)"),
            Param::new(
                "by",
                ParamKind::Choice(&["customer", "job", "pm"]),
                false,
                "group by customer (default), job or pm",
            )
            .after("by"),
            Param::new(
                "basis",
                ParamKind::Choice(&["due_date", "invoice_date"]),
                false,
                "age by due_date or invoice_date (default: [aging] basis)",
            )
            .after("basis"),
        ],
        example: "/ar aging by pm",
        permission: Permission::Read,
    },
    CommandSpec {
        family: AR,
        name: "digest",
        summary: "Today's overdue digest: totals and change, who needs a call, new overdue, payments, promises",
        params: &[],
        example: "/ar digest",
        permission: Permission::Read,
    },
    CommandSpec {
        family: AR,
        name: "kpi",
        summary: "DSO, share of overdue over 90 days, CEI, average days delinquent",
        params: &[],
        example: "/ar kpi",
        permission: Permission::Read,
    },
    CommandSpec {
        family: AR,
        name: "liens",
        summary: "Lien and notice deadlines coming up across jobs, with what is unpaid on each",
        params: &[Param::new("days", ParamKind::Days, false, "how far ahead to look (default 30, at most 366)")],
        example: "/ar liens 14",
        permission: Permission::Read,
    },
    CommandSpec {
        family: AR,
        name: "job",
        summary: "A job's lien facts, every deadline with days left, and its unpaid balance; `set` records a fact",
        params: &[
            Param::new("name", ParamKind::Job, true, "part of the job's name"),
            Param::new(
                "fact",
                ParamKind::Fact,
                false,
                "a fact to record (AR team): last_furnished, owner_address, ...",
            )
            .after("set"),
            Param::new(
                "value",
                ParamKind::Text,
                false,
                "the fact's value: a date, a state, a name or address, or none",
            ),
        ],
        example: "/ar job marina tower set last_furnished 2026-11-20",
        permission: Permission::Read,
    },
    CommandSpec {
        family: AR,
        name: "notice",
        summary: "Record a notice served or a lien recorded on a job (nto, prelim, lien, ...)",
        params: &[
            Param::new("job", ParamKind::Job, true, "the job"),
            Param::new(
                "kind",
                ParamKind::Notice,
                true,
                "nto, prelim, monthly, nonpayment, lien, service, noi, stop, final_affidavit",
            ),
            Param::new("date", ParamKind::Date, true, "the day it was served or recorded"),
            Param::new("tracking", ParamKind::Text, false, "certified mail tracking or recording number"),
        ],
        example: "/ar notice marina tower nto 2026-11-20 9407111899560000000000",
        permission: Permission::Record,
    },
    CommandSpec {
        family: AR,
        name: "nto",
        summary: "Draft a job's Notice to Owner or preliminary notice as PDF, in the state's form, to mail",
        params: &[
            Param::new("job", ParamKind::Job, true, "the job"),
            Param::new("month", ParamKind::Text, false, "for a Texas monthly notice: the month of work, like 2026-10"),
        ],
        example: "/ar nto marina tower",
        permission: Permission::Record,
    },
    CommandSpec {
        family: AR,
        name: "escalate",
        summary: "Hand an account to its PM in a thread, or move it up a level: PM → manager → legal",
        params: &[
            Param::new("customer", ParamKind::Customer, true, "the customer"),
            Param::new(
                "reason",
                ParamKind::Text,
                false,
                "why; start with `up` or `level manager|legal` to move it up a level",
            ),
        ],
        example: "/ar escalate harborview board treasurer stopped answering",
        permission: Permission::Escalate,
    },
    CommandSpec {
        family: AR,
        name: "note",
        summary: "Log a call, email, letter, meeting or note on an account, with an optional follow-up day",
        params: &[
            Param::new("customer", ParamKind::Customer, true, "the customer"),
            Param::new("invoice", ParamKind::Invoice, false, "the invoice it is about, if one"),
            Param::new("kind", ParamKind::Choice(NOTE_KINDS), true, "call, email, letter, meeting or note"),
            Param::new("text", ParamKind::Text, true, "what was said or done"),
            Param::new("follow-up", ParamKind::Date, false, "a day to follow up: the digest lists the account then")
                .after("follow-up"),
        ],
        example: "/ar note acme call Spoke to Rita in AP; check run Friday follow-up Dec 4",
        permission: Permission::Log,
    },
    CommandSpec {
        family: AR,
        name: "promise",
        summary: "Log a promise to pay an amount by a date; `cancel` drops the open one, `correct` replaces it",
        params: &[
            Param::new("customer", ParamKind::Customer, true, "the customer"),
            Param::new(
                "change",
                ParamKind::Choice(&["cancel", "correct"]),
                false,
                "cancel the open promise, or correct it (with the new amount and date)",
            ),
            Param::new("amount", ParamKind::Amount, false, "how much they promised (at most what they owe)"),
            Param::new("date", ParamKind::Date, false, "the day they promised to pay by (today or later)"),
            Param::new("invoices", ParamKind::Invoices, false, "the invoices it pays (default: the oldest first)"),
            Param::new("note", ParamKind::Text, false, "who promised, and anything worth keeping"),
        ],
        example: "/ar promise harborview 40000 2026-11-30 treasurer Paul Greer, by wire",
        permission: Permission::Log,
    },
    CommandSpec {
        family: AR,
        name: "dispute",
        summary: "Put an invoice in dispute with a reason (its PM is asked in the thread), or `resolve` it",
        params: &[
            Param::new("invoice", ParamKind::Invoice, true, "the invoice number"),
            Param::new(
                "reason",
                ParamKind::Choice(DISPUTE_WORDS),
                true,
                "why (quantity, pricing, lien_waiver, ...), or resolve",
            ),
            Param::new(
                "outcome",
                ParamKind::Choice(DISPUTE_OUTCOMES),
                false,
                "with resolve: paid, credit, rebilled, withdrawn or other",
            ),
            Param::new("detail", ParamKind::Text, false, "what the customer says, or how it was settled"),
        ],
        example: "/ar dispute 1039 lien_waiver GC wants the conditional waiver for the Oct pay app",
        permission: Permission::Record,
    },
    CommandSpec {
        family: AR,
        name: "disputes",
        summary: "Invoices in dispute until resolved, oldest first, with the reason and who opened it",
        params: &[],
        example: "/ar disputes",
        permission: Permission::Read,
    },
    CommandSpec {
        family: AR,
        name: "history",
        summary: "An account's timeline, newest first: notes, promises, disputes, escalations, notices, payments",
        params: &[Param::new("customer", ParamKind::Customer, true, "the customer")],
        example: "/ar history harborview",
        permission: Permission::Read,
    },
    CommandSpec {
        family: AR,
        name: "audit",
        summary: "Who changed what and when, from chat or the CLI, with the value before and after",
        params: &[
            Param::new("customer", ParamKind::Customer, false, "only this customer's account (its jobs included)"),
            Param::new("job", ParamKind::Job, false, "only this job").after("job"),
        ],
        example: "/ar audit job marina tower",
        permission: Permission::Audit,
    },
    CommandSpec {
        family: AR,
        name: "sync",
        summary: "Pull new and changed records from the accounting system now, or reconcile every open invoice",
        params: &[
            Param::new(
                "mode",
                ParamKind::Choice(&["reconcile"]),
                false,
                "reconcile: compare every open invoice with the accounting system and repair what drifted",
            ),
            Param::new("source", ParamKind::Text, false, "only this source (default: all)"),
        ],
        example: "/ar sync reconcile",
        permission: Permission::Sync,
    },
    CommandSpec {
        family: AR,
        name: "plan",
        summary: "Agree a payment plan: a total in installments, judged like promises; `cancel` drops it",
        params: &[
            Param::new("customer", ParamKind::Customer, true, "the customer"),
            Param::new("change", ParamKind::Choice(&["cancel"]), false, "cancel the plan that stands"),
            Param::new("total", ParamKind::Amount, false, "the total they will pay (at most what is open)"),
            Param::new("n", ParamKind::Count, false, "how many installments (2 to 36)"),
            Param::new("every", ParamKind::Choice(arbot_core::collections::Every::WORDS), false, "how often"),
            Param::new("first", ParamKind::Date, false, "the first installment's day (today or later)"),
            Param::new("dates", ParamKind::Text, false, "or each day and amount: Dec 15 10000, Jan 15 10000")
                .after("dates"),
            Param::new("note", ParamKind::Text, false, "who agreed, and anything worth keeping").after("note"),
        ],
        example: "/ar plan harborview 30000 3 month Dec 15 note agreed with their CFO, by ACH",
        permission: Permission::Log,
    },
    CommandSpec {
        family: AR,
        name: "help",
        summary: "What arbot can do, or how to use one command",
        params: &[Param::new("command", ParamKind::Command, false, "a command name")],
        example: "/ar help customer",
        permission: Permission::Read,
    },
    CommandSpec {
        family: REPORT,
        name: "cash",
        summary: "A day's cash: received by customer and job, against a week and a year before, and what is expected",
        params: &[Param::new("date", ParamKind::Date, false, "the day to report (default today)")],
        example: "/report cash Nov 20",
        permission: Permission::Read,
    },
    CommandSpec {
        family: REPORT,
        name: "weekly",
        summary: "The weekly AR report: aging against 1 and 4 weeks before, KPIs, risks and actions",
        params: &[Param::new("date", ParamKind::Date, false, "the day to report (default today)")],
        example: "/report weekly",
        permission: Permission::Read,
    },
    CommandSpec {
        family: REPORT,
        name: "trends",
        summary: "How fast a customer pays, over four quarters: slower or faster, likely payment dates, risk",
        params: &[Param::new("customer", ParamKind::Customer, true, "the customer")],
        example: "/report trends gulf coast",
        permission: Permission::Read,
    },
    CommandSpec {
        family: REPORT,
        name: "guardrails",
        summary: "The KPI guardrails today: each against its limit, since when, and what holds one over it",
        params: &[],
        example: "/report guardrails",
        permission: Permission::Read,
    },
    CommandSpec {
        family: REPORT,
        name: "float",
        summary: "The minimum-float watch: bank balances plus expected cash, day by day, against the minimum",
        params: &[
            Param::new("action", ParamKind::Choice(&["set", "clear"]), false, "set a bank balance, or clear one"),
            Param::new("amount", ParamKind::Amount, false, "the balance to set, like 182,400"),
            Param::new("account", ParamKind::Text, false, "the bank account (default Operating)"),
        ],
        example: "/report float set 182,400 operating",
        permission: Permission::Read,
    },
    CommandSpec {
        family: REPORT,
        name: "close",
        summary: "The month-end close pack: aging at month end, cash and credits to clear, disputes, retainage",
        params: &[Param::new(
            "month",
            ParamKind::Text,
            false,
            "the month, like november, Nov 2026 or 2026-11 (default: last month)",
        )],
        example: "/report close Nov 2026",
        permission: Permission::Read,
    },
    CommandSpec {
        family: MAIL,
        name: "remind",
        summary: "Today's reminder email for an account: every invoice at its stage, to send, edit or skip",
        params: &[Param::new("customer", ParamKind::Customer, true, "the customer")],
        example: "/mail remind acme",
        permission: Permission::Record,
    },
    CommandSpec {
        family: MAIL,
        name: "round",
        summary: "Today's reminders: every account a stage has newly reached, with Send all",
        params: &[],
        example: "/mail round",
        permission: Permission::Record,
    },
    CommandSpec {
        family: MAIL,
        name: "latefee",
        summary: "What the late-fee terms allow on an account's open invoices to a day (never booked)",
        params: &[
            Param::new("customer", ParamKind::Customer, true, "the customer"),
            Param::new("date", ParamKind::Date, false, "the day to compute to (default today)"),
        ],
        example: "/mail latefee harborview",
        permission: Permission::Read,
    },
    CommandSpec {
        family: MAIL,
        name: "statement",
        summary: "A customer's statement for last month, as PDF and CSV",
        params: &[
            Param::new("customer", ParamKind::Customer, true, "the customer"),
            Param::new(
                "date",
                ParamKind::Date,
                false,
                "the statement date (default today); covers the month ending by it",
            ),
        ],
        example: "/mail statement brightwater",
        permission: Permission::Read,
    },
    CommandSpec {
        family: MAIL,
        name: "statements",
        summary: "Every customer's statement for last month, to review and email",
        params: &[Param::new("date", ParamKind::Date, false, "the statement date (default today)")],
        example: "/mail statements",
        permission: Permission::Read,
    },
    CommandSpec {
        family: MAIL,
        name: "letter",
        summary: "Draft a demand letter, final notice or notice of intent to lien as PDF",
        params: &[
            Param::new("customer", ParamKind::Customer, true, "the customer"),
            Param::new(
                "kind",
                ParamKind::Choice(arbot_core::letters::LETTER_WORDS),
                true,
                "demand, final (notice) or lien (notice of intent to lien)",
            ),
            Param::new("job", ParamKind::Job, false, "the job, for a notice of intent to lien"),
        ],
        example: "/mail letter harborview demand",
        permission: Permission::Record,
    },
    CommandSpec {
        family: MAIL,
        name: "sent",
        summary: "Record how and when a drafted letter went: certified mail and its tracking number, mail, email",
        params: &[
            Param::new("letter", ParamKind::Count, true, "the letter's number (/mail letters lists them)"),
            Param::new(
                "how",
                ParamKind::Choice(arbot_core::letters::SENT_WORDS),
                true,
                "certified, mail, email, hand or courier",
            ),
            Param::new("tracking", ParamKind::Text, false, "the tracking number (certified mail and courier)"),
            Param::new("on", ParamKind::Date, false, "the day it went (default today)").after("on"),
        ],
        example: "/mail sent 3 certified 9407 1118 9876 5432 1098 76",
        permission: Permission::Record,
    },
    CommandSpec {
        family: MAIL,
        name: "letters",
        summary: "The letters drafted, newest first, and how each went",
        params: &[Param::new("customer", ParamKind::Customer, false, "one customer's letters")],
        example: "/mail letters harborview",
        permission: Permission::Read,
    },
    CommandSpec {
        family: MAIL,
        name: "contact",
        summary: "Set the billing email reminders go to, and the postal address letters go to",
        params: &[
            Param::new("customer", ParamKind::Customer, true, "the customer"),
            Param::new("email", ParamKind::Text, false, "their accounts-payable address, like ap@acme.com"),
            Param::new(
                "address",
                ParamKind::Text,
                false,
                "the mailing address, lines split by ; (street; City, ST ZIP)",
            )
            .after("address"),
        ],
        example: "/mail contact acme ap@acmebuilders.example",
        permission: Permission::Record,
    },
    CommandSpec {
        family: MAIL,
        name: "hold",
        summary: "Keep reminders away from an account until a day, with the reason",
        params: &[
            Param::new("customer", ParamKind::Customer, true, "the customer"),
            Param::new("until", ParamKind::Date, true, "the last day of the hold"),
            Param::new("reason", ParamKind::Text, true, "why: a reliable slow payer, the PM handles it, ..."),
        ],
        example: "/mail hold harborview Dec 31 PM Dana is negotiating the change order",
        permission: Permission::Record,
    },
    CommandSpec {
        family: MAIL,
        name: "unhold",
        summary: "Lift a reminder hold: reminders resume today",
        params: &[Param::new("customer", ParamKind::Customer, true, "the customer")],
        example: "/mail unhold harborview",
        permission: Permission::Record,
    },
    CommandSpec {
        family: LIEN,
        name: "waiver",
        summary: "Track a job's lien waiver: GC asked, conditional given (drafted as PDF), paid, unconditional given",
        params: &[
            Param::new("job", ParamKind::Job, true, "the job"),
            Param::new(
                "action",
                ParamKind::Choice(super::waivers::ACTIONS),
                true,
                "requested, conditional (drafts it), received (a payment), unconditional (drafts it)",
            ),
            Param::new("stage", ParamKind::Choice(super::waivers::STAGES), false, "progress (default) or final"),
            Param::new("amount", ParamKind::Amount, false, "the payment it is for, or the amount received"),
            Param::new(
                "pay-app",
                ParamKind::Text,
                false,
                "the pay application: a label (Pay app 7) or its invoice number",
            )
            .after("for"),
            Param::new("through", ParamKind::Date, false, "the last day of work it covers (progress)").after("through"),
            Param::new("on", ParamKind::Date, false, "the day it happened (default today)").after("on"),
        ],
        example: "/lien waiver midtown sacramento conditional 18250 for Pay app 7 through Oct 31",
        permission: Permission::Record,
    },
    CommandSpec {
        family: LIEN,
        name: "waivers",
        summary: "Lien waivers outstanding: asked for, conditional out (late ones marked), unconditional owed",
        params: &[Param::new("job", ParamKind::Job, false, "one job's waivers, settled ones too")],
        example: "/lien waivers",
        permission: Permission::Read,
    },
];

pub fn spec(name: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|c| c.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Discord refuses a command whose subcommands, options, choices or text exceed its limits.
    #[test]
    fn the_table_fits_discords_limits() {
        for f in FAMILIES {
            let commands: Vec<&CommandSpec> = family_commands(f.name).collect();
            assert!(commands.len() <= 25, "/{}", f.name);
            let mut chars = f.name.len() + f.description.len();
            for c in commands {
                assert!(c.params.len() <= 25, "{}", c.name);
                assert!(c.summary.chars().count() <= 100, "{}", c.name);
                chars += c.name.len() + c.summary.chars().count();
                for p in c.params {
                    assert!(p.help.chars().count() <= 100, "{} {}", c.name, p.name);
                    chars += p.name.len() + p.help.chars().count();
                    // Facts are suggested as they are typed (autocomplete), not registered as
                    // choices, so they are not part of the command's size.
                    if let ParamKind::Choice(options) = p.kind {
                        assert!(options.len() <= 25, "{} {}", c.name, p.name);
                        chars += options.iter().map(|o| o.len()).sum::<usize>();
                    }
                }
            }
            assert!(chars <= 4000, "/{}: {chars} characters", f.name);
        }
    }

    /// A command is found by its name alone (the console accepts `/ar cash` for `/report cash`),
    /// so names are unique across families, and every command's family exists.
    #[test]
    fn names_are_unique_across_families() {
        let mut seen = std::collections::HashSet::new();
        for c in COMMANDS {
            assert!(seen.insert(c.name), "{} twice", c.name);
            assert!(FAMILIES.iter().any(|f| f.name == c.family), "{}: no family {}", c.name, c.family);
            assert!(c.example.starts_with(&c.invocation()), "{}: example {}", c.name, c.example);
        }
    }

    #[test]
    fn dispute_words_are_core_reasons_and_resolve() {
        let reasons: Vec<&str> = arbot_core::collections::DISPUTE_REASONS.iter().map(|(c, _)| *c).collect();
        assert_eq!(DISPUTE_WORDS[..DISPUTE_WORDS.len() - 1], reasons[..]);
        assert_eq!(DISPUTE_WORDS.last(), Some(&"resolve"));
    }

    #[test]
    fn facts_are_the_ones_the_lien_engine_or_a_notice_reads() {
        for fact in FACTS {
            if arbot_core::liens::PartyFact::parse(fact).is_some() {
                continue;
            }
            let mut facts = arbot_core::liens::JobFacts::new(
                "FL",
                arbot_core::ledger::ProjectType::Private,
                arbot_core::ledger::OurRole::Sub,
            );
            let value = match *fact {
                "state" => "TX",
                "project" => "public",
                "role" => "sub",
                "bonded" => "yes",
                "furnished_month" => "2026-10",
                _ => "2026-10-01",
            };
            assert!(facts.set(fact, value).is_ok(), "{fact}");
        }
        for fact in arbot_core::liens::PartyFact::ALL {
            assert!(FACTS.contains(&fact.name()), "{} is settable", fact.name());
        }
    }
}
