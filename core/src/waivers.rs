//! Lien waivers, tracked per job and pay application, and drafted as documents to mail.
//!
//! A waiver moves through four states ([`Status`]): the GC asks for one (`requested`), we give a
//! conditional waiver (`conditional_sent`: it takes effect only when the payment clears), the
//! payment comes in (`paid`: the unconditional waiver is now owed), and we give the
//! unconditional waiver (`unconditional_sent`). [`next`] is the state machine; an unconditional
//! waiver is never drafted before the payment is in, since it gives up the lien right whether or
//! not the money arrives (Tex. Prop. Code § 53.283 forbids requiring one before payment;
//! California's form warns of the same).
//!
//! Payments are matched from the ledger: cash applied to the job's invoices (to the pay
//! application's own invoice when the waiver names one) on or after the day the waiver was first
//! recorded, oldest waiver first ([`allocate`]). A conditional waiver out whose payment is late
//! ([`is_late`]) is escalated by the bot.
//!
//! The forms ([`form_for`], [`draft`]):
//!
//! * **California**, Civ. Code §§ 8132 (conditional, progress), 8134 (unconditional,
//!   progress), 8136 (conditional, final) and 8138 (unconditional, final).
//! * **Texas**, Prop. Code § 53.284(b)–(e), in the wording enacted by H.B. 1456 (2011). H.B. 2237
//!   (2021) amended Subchapter L from January 1, 2022; arbot has not confirmed whether it changed
//!   the forms' wording, and each Texas draft says so.
//! * **Florida**, Fla. Stat. § 713.20(4) (progress) and (5) (final). Florida's forms are not
//!   conditional; a conditional Florida waiver is the statute's form with a condition of payment
//!   added, and says so.
//! * **Georgia, Arizona, Michigan, Missouri, Mississippi, Nevada, Utah and Wyoming** prescribe
//!   their own forms ([`PRESCRIBED`]); arbot does not hold their wording yet, so it drafts a
//!   generic waiver and says, on the page and in chat, that the statutory form should be used
//!   instead or compared with it.
//! * **Every other state**: a generic waiver in arbot's own words.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::liens::{JobParties, PartyFact, state_name};
use crate::money::Money;
use crate::notices::{Block, Claimant, Missing};

/// Progress (a pay application) or final (the last payment on the job).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Progress,
    Final,
}

impl Stage {
    pub fn word(self) -> &'static str {
        match self {
            Stage::Progress => "progress",
            Stage::Final => "final",
        }
    }

    pub fn parse(word: &str) -> Option<Stage> {
        [Stage::Progress, Stage::Final].into_iter().find(|s| s.word() == word)
    }
}

/// Conditional (effective when the payment clears) or unconditional (effective when signed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WaiverKind {
    Conditional,
    Unconditional,
}

impl WaiverKind {
    pub fn word(self) -> &'static str {
        match self {
            WaiverKind::Conditional => "conditional",
            WaiverKind::Unconditional => "unconditional",
        }
    }

    pub fn parse(word: &str) -> Option<WaiverKind> {
        [WaiverKind::Conditional, WaiverKind::Unconditional].into_iter().find(|k| k.word() == word)
    }
}

/// Where a pay application's waiver stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The GC asked for a waiver; nothing given yet.
    Requested,
    /// A conditional waiver was given; the payment has not (all) come in.
    ConditionalSent,
    /// The payment is in: the unconditional waiver is owed.
    Paid,
    /// The unconditional waiver was given: nothing more is owed on this pay application.
    UnconditionalSent,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Requested, Status::ConditionalSent, Status::Paid, Status::UnconditionalSent];

    pub fn word(self) -> &'static str {
        match self {
            Status::Requested => "requested",
            Status::ConditionalSent => "conditional_sent",
            Status::Paid => "paid",
            Status::UnconditionalSent => "unconditional_sent",
        }
    }

    pub fn parse(word: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.word() == word)
    }

    /// How it reads in a list.
    pub fn text(self) -> &'static str {
        match self {
            Status::Requested => "requested by the GC",
            Status::ConditionalSent => "conditional out, awaiting payment",
            Status::Paid => "paid: unconditional owed",
            Status::UnconditionalSent => "unconditional given",
        }
    }

    /// Whether something is still to be done on it.
    pub fn outstanding(self) -> bool {
        self != Status::UnconditionalSent
    }

    /// Whether a payment can still be matched to it.
    pub fn awaiting_payment(self) -> bool {
        matches!(self, Status::Requested | Status::ConditionalSent)
    }
}

/// A pay application's waiver, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiver {
    pub id: i64,
    pub job_id: i64,
    pub customer_id: i64,
    /// The pay application: "Pay app 7", or the invoice number it was billed on.
    pub pay_app: String,
    /// The pay application's invoice, when its label is one of the job's invoice numbers.
    pub invoice_id: Option<i64>,
    pub stage: Stage,
    pub status: Status,
    /// The amount of the payment the waiver is given for.
    pub amount: Money,
    /// Received toward it so far.
    pub paid: Money,
    /// The last day of work it covers (progress waivers).
    pub through: Option<NaiveDate>,
    pub requested_on: Option<NaiveDate>,
    pub conditional_on: Option<NaiveDate>,
    pub paid_on: Option<NaiveDate>,
    pub unconditional_on: Option<NaiveDate>,
    pub created_by: String,
}

impl Waiver {
    /// What is still to come in before the unconditional waiver is owed.
    pub fn unpaid(&self) -> Money {
        Money::new((self.amount.minor - self.paid.minor).max(0), self.amount.currency)
    }

    /// The first day it was recorded on (asked for, or given): payments count from then.
    pub fn counts_from(&self) -> Option<NaiveDate> {
        [self.requested_on, self.conditional_on, self.paid_on].into_iter().flatten().min()
    }
}

/// Something that happens to a pay application's waiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The GC asks for a waiver.
    Request,
    /// We give (draft) the conditional waiver.
    Conditional,
    /// A payment toward it came in; `fully` when it now covers the whole amount.
    Received { fully: bool },
    /// We give (draft) the unconditional waiver.
    Unconditional,
}

/// Why a step does not apply where the waiver stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Refusal {
    /// Asked for again: it is already recorded (at `status`).
    AlreadyRecorded { status: Status },
    /// An unconditional waiver before the payment is in.
    NotPaid,
    /// A conditional waiver, or a payment, after the payment is in.
    AlreadyPaid,
    /// Anything but a redraft after the unconditional waiver was given.
    AlreadyGiven,
}

/// The state after `step`, from `current` (`None`: nothing recorded for the pay application
/// yet). Drafting the same waiver again (a conditional while it is out, an unconditional once
/// given or owed) keeps the state: it is another draft.
pub fn next(current: Option<Status>, step: Step) -> Result<Status, Refusal> {
    use Status::*;
    match (current, step) {
        (None, Step::Request) => Ok(Requested),
        (Some(s), Step::Request) => Err(Refusal::AlreadyRecorded { status: s }),
        (None | Some(Requested | ConditionalSent), Step::Conditional) => Ok(ConditionalSent),
        (Some(Paid), Step::Conditional) => Err(Refusal::AlreadyPaid),
        (Some(UnconditionalSent), Step::Conditional | Step::Received { .. }) => Err(Refusal::AlreadyGiven),
        (None | Some(Requested), Step::Received { fully: false }) => Ok(Requested),
        (Some(ConditionalSent), Step::Received { fully: false }) => Ok(ConditionalSent),
        (None | Some(Requested | ConditionalSent), Step::Received { fully: true }) => Ok(Paid),
        (Some(Paid), Step::Received { .. }) => Err(Refusal::AlreadyPaid),
        (None | Some(Requested | ConditionalSent), Step::Unconditional) => Err(Refusal::NotPaid),
        (Some(Paid | UnconditionalSent), Step::Unconditional) => Ok(UnconditionalSent),
    }
}

/// Cash applied to one of the job's invoices by one payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobApplication {
    pub payment_id: i64,
    pub invoice_id: i64,
    pub received: NaiveDate,
    pub amount: Money,
    /// The check number or other reference the accounting system holds.
    pub reference: Option<String>,
}

/// Part of a payment counted toward a waiver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allocation {
    pub waiver_id: i64,
    pub payment_id: Option<i64>,
    pub invoice_id: Option<i64>,
    pub received: NaiveDate,
    pub amount: Money,
    pub reference: Option<String>,
}

/// Matches the job's payments to its waivers awaiting payment: oldest waiver first, each
/// application in the order received, an application counted toward a waiver only if it came
/// on or after the day the waiver was first recorded, in its currency, and (when the waiver
/// names its invoice) to that invoice. `used` is what earlier matches already took of each
/// (payment, invoice) application, so nothing is counted twice.
pub fn allocate(
    waivers: &[Waiver],
    applications: &[JobApplication],
    used: &HashMap<(i64, i64), i64>,
) -> Vec<Allocation> {
    let mut left: Vec<i64> = applications
        .iter()
        .map(|a| a.amount.minor - used.get(&(a.payment_id, a.invoice_id)).copied().unwrap_or(0))
        .collect();
    let mut order: Vec<usize> = (0..applications.len()).collect();
    order.sort_by_key(|&i| (applications[i].received, applications[i].payment_id, applications[i].invoice_id));
    let mut waivers: Vec<&Waiver> = waivers.iter().filter(|w| w.status.awaiting_payment()).collect();
    waivers.sort_by_key(|w| w.id);
    let mut out = Vec::new();
    for w in waivers {
        let Some(from) = w.counts_from() else { continue };
        let mut need = w.unpaid().minor;
        for &i in &order {
            if need <= 0 {
                break;
            }
            let a = &applications[i];
            if left[i] <= 0
                || a.received < from
                || a.amount.currency != w.amount.currency
                || w.invoice_id.is_some_and(|inv| inv != a.invoice_id)
            {
                continue;
            }
            let take = left[i].min(need);
            left[i] -= take;
            need -= take;
            out.push(Allocation {
                waiver_id: w.id,
                payment_id: Some(a.payment_id),
                invoice_id: Some(a.invoice_id),
                received: a.received,
                amount: Money::new(take, a.amount.currency),
                reference: a.reference.clone(),
            });
        }
    }
    out
}

/// How long a conditional waiver may be out, with no invoice to say when its payment is due,
/// before its payment counts as late.
pub const PAY_WITHIN_DAYS: u64 = 30;

/// The day the payment a conditional waiver was given for is due: its invoice's due date if the
/// waiver names one, else [`PAY_WITHIN_DAYS`] after the conditional waiver went out. `None` when
/// no conditional waiver is out.
pub fn pay_by(w: &Waiver, invoice_due: Option<NaiveDate>) -> Option<NaiveDate> {
    if w.status != Status::ConditionalSent {
        return None;
    }
    invoice_due.or_else(|| w.conditional_on.and_then(|d| d.checked_add_days(Days::new(PAY_WITHIN_DAYS))))
}

/// Whether a conditional waiver is out while its payment is late.
pub fn is_late(w: &Waiver, invoice_due: Option<NaiveDate>, today: NaiveDate) -> bool {
    pay_by(w, invoice_due).is_some_and(|d| today > d) && w.unpaid().minor > 0
}

/// A waiver the digest names: its unconditional waiver owed (the payment is in), or its
/// conditional out while the payment is late.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaiverDue {
    pub job_id: i64,
    pub job_name: String,
    pub customer_name: String,
    pub pay_app: String,
    pub amount: Money,
    /// `None`: the unconditional waiver is owed; else the day the payment was due.
    pub late_since: Option<NaiveDate>,
}

/// The outstanding waivers that need someone on `today`: unconditionals owed first, then
/// conditionals out with the payment late, each by job name.
pub async fn due_today(store: &dyn crate::store::Store, today: NaiveDate) -> Result<Vec<WaiverDue>, crate::StoreError> {
    let outstanding = store.waivers(None, true).await?;
    let mut out = Vec::new();
    let mut jobs: std::collections::HashMap<i64, (Vec<crate::ledger::Job>, String)> = std::collections::HashMap::new();
    let mut invoices: std::collections::HashMap<i64, Vec<crate::ledger::Invoice>> = std::collections::HashMap::new();
    for w in outstanding.iter().filter(|w| matches!(w.status, Status::Paid | Status::ConditionalSent)) {
        let late_since = if w.status == Status::ConditionalSent {
            if let std::collections::hash_map::Entry::Vacant(e) = invoices.entry(w.customer_id) {
                e.insert(store.customer_invoices(w.customer_id).await?);
            }
            let due = w.invoice_id.and_then(|id| {
                invoices.get(&w.customer_id).and_then(|list| list.iter().find(|i| i.id == id)).map(|i| i.due)
            });
            if !is_late(w, due, today) {
                continue;
            }
            pay_by(w, due)
        } else {
            None
        };
        if let std::collections::hash_map::Entry::Vacant(e) = jobs.entry(w.customer_id) {
            let name = store.customer(w.customer_id).await?.map(|c| c.name).unwrap_or_default();
            e.insert((store.jobs_for_customer(w.customer_id).await?, name));
        }
        let (list, customer_name) = &jobs[&w.customer_id];
        let job_name =
            list.iter().find(|j| j.id == w.job_id).map_or_else(|| format!("job {}", w.job_id), |j| j.name.clone());
        out.push(WaiverDue {
            job_id: w.job_id,
            job_name,
            customer_name: customer_name.clone(),
            pay_app: w.pay_app.clone(),
            amount: w.amount,
            late_since,
        });
    }
    out.sort_by(|a, b| a.late_since.is_some().cmp(&b.late_since.is_some()).then_with(|| a.job_name.cmp(&b.job_name)));
    Ok(out)
}

/// The states whose statutes prescribe waiver forms arbot does not hold the wording of yet,
/// with the statute, where arbot could confirm it.
pub const PRESCRIBED: &[(&str, Option<&str>)] = &[
    ("GA", Some("O.C.G.A. § 44-14-366")),
    ("AZ", Some("A.R.S. § 33-1008")),
    ("MI", Some("MCL 570.1115")),
    ("MO", None),
    ("MS", Some("Miss. Code Ann. § 85-7-433")),
    ("NV", Some("NRS 108.2457")),
    ("UT", Some("Utah Code § 38-1a-802")),
    ("WY", Some("Wyo. Stat. § 29-10-101")),
];

/// The states whose statutory waiver forms arbot drafts in the statute's words.
pub const STATUTORY: &[&str] = &["CA", "TX", "FL"];

/// Which form a waiver is drafted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FormSpec {
    /// The stable word kept with a draft: `ca_8132`, `tx_53_284_b`, `generic`.
    pub word: &'static str,
    /// The title on the page.
    pub title: &'static str,
    /// The statute whose form it is, or which governs it.
    pub citation: &'static str,
    /// Whether the text is the statute's own form.
    pub statutory: bool,
    /// What arbot checked the wording against, printed at the foot of the form.
    pub source: &'static str,
}

const CA_SOURCE: &str = "Wording of Cal. Civ. Code §§ 8132–8138: §§ 8136 and 8138 checked against public copies of \
the code (2026-12-04), § 8132 up to its exceptions; § 8134 and § 8132's exceptions follow the published forms. Compare \
with the official text at leginfo.legislature.ca.gov before use.";
const TX_SOURCE: &str = "Wording of Tex. Prop. Code § 53.284 as enacted by H.B. 1456 (2011), from a public copy of \
the section; arbot has not confirmed whether H.B. 2237 (2021, effective January 1, 2022) changed it. Compare with \
the current text at statutes.capitol.texas.gov before use.";
const FL_SOURCE: &str = "Wording of Fla. Stat. § 713.20(4)–(5) as reproduced in a public copy of the statute \
(2019 edition); compare with the current text at leg.state.fl.us.";
const FL_CONDITIONAL_SOURCE: &str = "Florida prescribes no conditional waiver: this is the form of Fla. Stat. \
§ 713.20(4)–(5) (from a public copy, 2019 edition) with a condition of payment added by arbot. Under § 713.20(6) a \
payer may not require a form different from the statute's; give it only where the payer accepts it.";
const GENERIC_SOURCE: &str = "arbot's own wording: not a statutory form. Have counsel review it before it is given.";

/// The form for a waiver of `kind` at `stage` on a job in `state` (a two-letter code).
pub fn form_for(state: &str, stage: Stage, kind: WaiverKind) -> FormSpec {
    use Stage::*;
    use WaiverKind::*;
    let spec = |word, title, citation, statutory, source| FormSpec { word, title, citation, statutory, source };
    match (state, stage, kind) {
        ("CA", Progress, Conditional) => spec(
            "ca_8132",
            "CONDITIONAL WAIVER AND RELEASE ON PROGRESS PAYMENT",
            "Cal. Civ. Code § 8132",
            true,
            CA_SOURCE,
        ),
        ("CA", Progress, Unconditional) => spec(
            "ca_8134",
            "UNCONDITIONAL WAIVER AND RELEASE ON PROGRESS PAYMENT",
            "Cal. Civ. Code § 8134",
            true,
            CA_SOURCE,
        ),
        ("CA", Final, Conditional) => {
            spec("ca_8136", "CONDITIONAL WAIVER AND RELEASE ON FINAL PAYMENT", "Cal. Civ. Code § 8136", true, CA_SOURCE)
        }
        ("CA", Final, Unconditional) => spec(
            "ca_8138",
            "UNCONDITIONAL WAIVER AND RELEASE ON FINAL PAYMENT",
            "Cal. Civ. Code § 8138",
            true,
            CA_SOURCE,
        ),
        ("TX", Progress, Conditional) => spec(
            "tx_53_284_b",
            "CONDITIONAL WAIVER AND RELEASE ON PROGRESS PAYMENT",
            "Tex. Prop. Code § 53.284(b)",
            true,
            TX_SOURCE,
        ),
        ("TX", Progress, Unconditional) => spec(
            "tx_53_284_c",
            "UNCONDITIONAL WAIVER AND RELEASE ON PROGRESS PAYMENT",
            "Tex. Prop. Code § 53.284(c)",
            true,
            TX_SOURCE,
        ),
        ("TX", Final, Conditional) => spec(
            "tx_53_284_d",
            "CONDITIONAL WAIVER AND RELEASE ON FINAL PAYMENT",
            "Tex. Prop. Code § 53.284(d)",
            true,
            TX_SOURCE,
        ),
        ("TX", Final, Unconditional) => spec(
            "tx_53_284_e",
            "UNCONDITIONAL WAIVER AND RELEASE ON FINAL PAYMENT",
            "Tex. Prop. Code § 53.284(e)",
            true,
            TX_SOURCE,
        ),
        ("FL", Progress, Unconditional) => spec(
            "fl_713_20_4",
            "WAIVER AND RELEASE OF LIEN UPON PROGRESS PAYMENT",
            "Fla. Stat. § 713.20(4)",
            true,
            FL_SOURCE,
        ),
        ("FL", Final, Unconditional) => spec(
            "fl_713_20_5",
            "WAIVER AND RELEASE OF LIEN UPON FINAL PAYMENT",
            "Fla. Stat. § 713.20(5)",
            true,
            FL_SOURCE,
        ),
        ("FL", Progress, Conditional) => spec(
            "fl_713_20_4_conditional",
            "CONDITIONAL WAIVER AND RELEASE OF LIEN UPON PROGRESS PAYMENT",
            "Fla. Stat. § 713.20(4)",
            false,
            FL_CONDITIONAL_SOURCE,
        ),
        ("FL", Final, Conditional) => spec(
            "fl_713_20_5_conditional",
            "CONDITIONAL WAIVER AND RELEASE OF LIEN UPON FINAL PAYMENT",
            "Fla. Stat. § 713.20(5)",
            false,
            FL_CONDITIONAL_SOURCE,
        ),
        (_, Progress, Conditional) => spec(
            "generic",
            "CONDITIONAL WAIVER AND RELEASE OF LIEN ON PROGRESS PAYMENT",
            "generic form",
            false,
            GENERIC_SOURCE,
        ),
        (_, Progress, Unconditional) => spec(
            "generic",
            "UNCONDITIONAL WAIVER AND RELEASE OF LIEN ON PROGRESS PAYMENT",
            "generic form",
            false,
            GENERIC_SOURCE,
        ),
        (_, Final, Conditional) => spec(
            "generic",
            "CONDITIONAL WAIVER AND RELEASE OF LIEN ON FINAL PAYMENT",
            "generic form",
            false,
            GENERIC_SOURCE,
        ),
        (_, Final, Unconditional) => spec(
            "generic",
            "UNCONDITIONAL WAIVER AND RELEASE OF LIEN ON FINAL PAYMENT",
            "generic form",
            false,
            GENERIC_SOURCE,
        ),
    }
}

/// For a state that prescribes forms arbot does not hold: the sentence that says so.
pub fn prescribed_text(state: &str) -> Option<String> {
    let (_, statute) = PRESCRIBED.iter().find(|(s, _)| *s == state)?;
    let name = state_name(state).unwrap_or(state);
    Some(match statute {
        Some(statute) => format!(
            "{name} prescribes its own waiver forms ({statute}), and arbot doesn't hold their wording yet: this is a \
             generic waiver. Use the statutory form, or have counsel compare this one with it, before it is given."
        ),
        None => format!(
            "{name} is listed among the states with statutory waiver forms, but arbot could not confirm the statute or \
             its wording: this is a generic waiver. Check {name}'s law before it is given."
        ),
    })
}

// The statutes' notices, as printed in bold on their forms (tests look for them on the page).

/// Cal. Civ. Code §§ 8132 and 8136.
pub const CA_CONDITIONAL_NOTICE: &str = "NOTICE: THIS DOCUMENT WAIVES THE CLAIMANT’S LIEN, STOP PAYMENT NOTICE, AND \
PAYMENT BOND RIGHTS EFFECTIVE ON RECEIPT OF PAYMENT. A PERSON SHOULD NOT RELY ON THIS DOCUMENT UNLESS SATISFIED THAT THE \
CLAIMANT HAS RECEIVED PAYMENT.";
/// Cal. Civ. Code §§ 8134 and 8138.
pub const CA_UNCONDITIONAL_NOTICE: &str = "NOTICE TO CLAIMANT: THIS DOCUMENT WAIVES AND RELEASES LIEN, STOP PAYMENT \
NOTICE, AND PAYMENT BOND RIGHTS UNCONDITIONALLY AND STATES THAT YOU HAVE BEEN PAID FOR GIVING UP THOSE RIGHTS. THIS \
DOCUMENT IS ENFORCEABLE AGAINST YOU IF YOU SIGN IT, EVEN IF YOU HAVE NOT BEEN PAID. IF YOU HAVE NOT BEEN PAID, USE A \
CONDITIONAL WAIVER AND RELEASE FORM.";
/// Tex. Prop. Code § 53.284(c) and (e).
pub const TX_UNCONDITIONAL_NOTICE: &str = "NOTICE: This document waives rights unconditionally and states that you \
have been paid for giving up those rights. It is prohibited for a person to require you to sign this document if you \
have not been paid the payment amount set forth below. If you have not been paid, use a conditional release form.";
/// Fla. Stat. § 713.20(4).
pub const FL_PROGRESS_TAIL: &str = "This waiver and release does not cover any retention or labor, services, or materials furnished after the date specified.";

const CA_CHANGE_ORDERS: &str = "Rights based upon labor or service provided, or equipment or material delivered, \
pursuant to a written change order that has been fully executed by the parties prior to the date that this document is \
signed by the claimant, are waived and released by this document, unless listed as an Exception below.";
const TX_RIGHTS: &str = "any mechanic's lien right, any right arising from a payment bond that complies with a state \
or federal statute, any common law payment bond right, any claim for payment, and any rights under any similar \
ordinance, rule, or statute related to claim or payment rights for persons in the signer's position";

/// What a waiver is drawn from.
#[derive(Debug, Clone)]
pub struct WaiverInput<'a> {
    pub waiver: &'a Waiver,
    pub kind: WaiverKind,
    /// The job's state, a two-letter code.
    pub state: &'a str,
    pub parties: &'a JobParties,
    pub job_name: &'a str,
    /// Whom we contracted with: the ledger's customer for the job, who pays us.
    pub customer: &'a str,
    pub claimant: &'a Claimant,
    /// The payment's amount: what the conditional waiver is given for, or what was received.
    pub amount: Money,
    /// Earlier conditional waivers on the job still unpaid, with the day each was given and what
    /// is unpaid on it (California's § 8132 lists them as exceptions).
    pub earlier_unpaid: Vec<(NaiveDate, Money)>,
    pub today: NaiveDate,
}

/// A waiver ready to lay out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaiverDraft {
    pub form: FormSpec,
    pub kind: WaiverKind,
    pub stage: Stage,
    pub state: String,
    /// What the document is, in chat and the file's properties: "Conditional waiver and release
    /// on progress payment".
    pub document: String,
    pub date: NaiveDate,
    pub amount: Money,
    /// The statute's notice, printed boxed in bold.
    pub notice: Option<String>,
    pub blocks: Vec<Block>,
    pub claimant: String,
    pub claimant_address: Vec<String>,
    pub signer: Option<String>,
    /// Whether the form has a notary's block (Texas, as enacted in 2011).
    pub notary: bool,
    /// The line at the foot of the form: where its wording comes from.
    pub source: String,
    /// What the person drafting should know.
    pub advice: Vec<String>,
    /// `conditional-progress-waiver`: the file name's middle.
    pub file_stem: String,
}

/// The waiver in its form, or what it needs first.
pub fn draft(input: &WaiverInput<'_>) -> Result<WaiverDraft, Vec<Missing>> {
    let w = input.waiver;
    let form = form_for(input.state, w.stage, input.kind);
    let mut missing = Vec::new();
    if input.claimant.address.is_empty() {
        missing
            .push(Missing::Setting { key: "[business] address", what: "our business address, which the waiver gives" });
    }
    let owner = input.parties.get(PartyFact::Owner);
    let place = match input.state {
        // Florida's form describes the property; its legal description where known.
        "FL" => input.parties.get(PartyFact::LegalDescription).or(input.parties.get(PartyFact::Property)),
        _ => input.parties.get(PartyFact::Property),
    };
    for (fact, value) in [(PartyFact::Owner, owner), (PartyFact::Property, place)] {
        if value.is_none() {
            missing.push(Missing::Fact {
                fact: fact.name(),
                what: fact.label().to_string(),
                placeholder: fact.placeholder(),
            });
        }
    }
    // Every progress form but Texas's (which refers to the attached pay application) covers
    // work through a date.
    let through = w.through;
    if w.stage == Stage::Progress && through.is_none() && input.state != "TX" {
        missing.push(Missing::Fact {
            fact: "through",
            what: "the through date: the last day of work the payment covers".to_string(),
            placeholder: "<date>",
        });
    }
    if !missing.is_empty() {
        return Err(missing);
    }
    let owner = owner.unwrap_or_default().to_string();
    let place = place.unwrap_or_default().to_string();
    let through = through.map(|d| d.format("%B %-d, %Y").to_string()).unwrap_or_default();
    let amount = input.amount.to_string();
    let customer = input.customer.to_string();
    let claimant = input.claimant.name.clone();
    let field = |label: &str, value: &str| Block::Field { label: label.to_string(), value: value.to_string() };
    let text = |s: String| Block::Text(s);
    let heading = |s: &str| Block::Heading(s.to_string());
    let conditional = input.kind == WaiverKind::Conditional;
    let progress = w.stage == Stage::Progress;
    let mut blocks = Vec::new();
    let mut notice = None;
    let mut notary = false;
    let mut advice = Vec::new();
    match input.state {
        "CA" => {
            notice = Some(if conditional { CA_CONDITIONAL_NOTICE } else { CA_UNCONDITIONAL_NOTICE }.to_string());
            blocks.push(heading("Identifying Information"));
            blocks.push(field("Name of Claimant:", &claimant));
            blocks.push(field("Name of Customer:", &customer));
            blocks.push(field("Job Location:", &place));
            blocks.push(field("Owner:", &owner));
            if progress {
                blocks.push(field("Through Date:", &through));
            }
            blocks.push(heading(if conditional {
                "Conditional Waiver and Release"
            } else {
                "Unconditional Waiver and Release"
            }));
            let covers = match (progress, conditional) {
                (true, _) => {
                    "for labor and service provided, and equipment and material delivered, to the customer on \
                              this job through the Through Date of this document."
                        .to_string()
                }
                (false, true) => {
                    "for labor and service provided, and equipment and material delivered, to the customer \
                                  on this job."
                        .to_string()
                }
                (false, false) => "for all labor and service provided, and equipment and material delivered, to the \
                                   customer on this job."
                    .to_string(),
            };
            let mut body = format!(
                "This document waives and releases lien, stop payment notice, and payment bond rights the claimant has \
                 {covers} {CA_CHANGE_ORDERS}"
            );
            if conditional {
                body.push_str(
                    " This document is effective only on the claimant’s receipt of payment from the financial \
                     institution on which the following check is drawn:",
                );
                blocks.push(text(body));
                blocks.push(field("Maker of Check:", &customer));
                blocks.push(field("Amount of Check:", &amount));
                blocks.push(field("Check Payable to:", &claimant));
            } else if progress {
                body.push_str(" The claimant has received the following progress payment:");
                blocks.push(text(body));
                blocks.push(field("Amount:", &amount));
            } else {
                body.push_str(" The claimant has been paid in full.");
                blocks.push(text(body));
            }
            blocks.push(heading("Exceptions"));
            if progress {
                blocks.push(text("This document does not affect any of the following:".to_string()));
                blocks.push(text("(1) Retentions.".to_string()));
                blocks.push(text("(2) Extras for which the claimant has not received payment.".to_string()));
                if conditional {
                    blocks.push(text(
                        "(3) The following progress payments for which the claimant has previously given a conditional \
                         waiver and release but has not received payment:"
                            .to_string(),
                    ));
                    let (dates, amounts) = if input.earlier_unpaid.is_empty() {
                        ("none".to_string(), "none".to_string())
                    } else {
                        let dates: Vec<String> =
                            input.earlier_unpaid.iter().map(|(d, _)| d.format("%B %-d, %Y").to_string()).collect();
                        let amounts: Vec<String> = input.earlier_unpaid.iter().map(|(_, m)| m.to_string()).collect();
                        (dates.join("; "), amounts.join("; "))
                    };
                    blocks.push(field("Date(s) of waiver and release:", &dates));
                    blocks.push(field("Amount(s) of unpaid progress payment(s):", &amounts));
                    blocks.push(text(
                        "(4) Contract rights, including (A) a right based on rescission, abandonment, or breach of \
                         contract, and (B) the right to recover compensation for work not compensated by the payment."
                            .to_string(),
                    ));
                } else {
                    blocks.push(text(
                        "(3) Contract rights, including (A) a right based on rescission, abandonment, or breach of \
                         contract, and (B) the right to recover compensation for work not compensated by the payment."
                            .to_string(),
                    ));
                }
            } else {
                blocks.push(text(
                    if conditional {
                        "This document does not affect any of the following:"
                    } else {
                        "This document does not affect the following:"
                    }
                    .to_string(),
                ));
                blocks.push(field("Disputed claims for extras in the amount of:", "none"));
            }
            if progress && conditional {
                advice.push(
                    "Exception (3) lists the earlier conditional waivers on this job that arbot has recorded as still \
                     unpaid (\"none\" if there are none): correct it by hand before signing if that is incomplete."
                        .to_string(),
                );
            } else if !progress {
                advice.push(
                    "Disputed claims for extras read \"none\": arbot does not track them; write them in before signing \
                     if there are any."
                        .to_string(),
                );
            }
        }
        "TX" => {
            if !conditional {
                notice = Some(TX_UNCONDITIONAL_NOTICE.to_string());
            }
            blocks.push(field("Project:", &format!("{}, {place}", input.job_name)));
            let extent = match input.parties.get(PartyFact::Work) {
                Some(work) => format!("{work} on {}", input.job_name),
                None => format!("the work of {} on {}", claimant, input.job_name),
            };
            let owner_at = format!(
                "the property of {owner} (owner) located at {place} (location) to the following extent: {extent} (job description)"
            );
            let scope = if progress {
                format!(
                    "This release covers a progress payment for all labor, services, equipment, or materials furnished to \
                     the property or to {customer} (person with whom signer contracted) as indicated in the attached \
                     statement(s) or progress payment request(s){}, except for unpaid retention, pending modifications and \
                     changes, or other items furnished.",
                    if w.pay_app.is_empty() { String::new() } else { format!(" ({})", w.pay_app) }
                )
            } else {
                format!(
                    "This release covers the final payment to the signer for all labor, services, equipment, or \
                     materials furnished to the property or to {customer} (person with whom signer contracted)."
                )
            };
            let warrant = if progress {
                "The signer warrants that the signer has already paid or will use the funds received from this progress \
                 payment to promptly pay in full all of the signer's laborers, subcontractors, materialmen, and suppliers \
                 for all work, materials, equipment, or services provided for or to the above referenced project in \
                 regard to the attached statement(s) or progress payment request(s)."
            } else {
                "The signer warrants that the signer has already paid or will use the funds received from this final \
                 payment to promptly pay in full all of the signer's laborers, subcontractors, materialmen, and suppliers \
                 for all work, materials, equipment, or services provided for or to the above referenced project up to \
                 the date of this waiver and release."
            };
            if conditional {
                blocks.push(text(format!(
                    "On receipt by the signer of this document of a check from {customer} (maker of check) in the sum of \
                     {amount} payable to {claimant} (payee or payees of check) and when the check has been properly \
                     endorsed and has been paid by the bank on which it is drawn, this document becomes effective to \
                     release {TX_RIGHTS} that the signer has on {owner_at}."
                )));
                blocks.push(text(scope));
                blocks.push(text(
                    "Before any recipient of this document relies on this document, the recipient should verify evidence \
                     of payment to the signer."
                        .to_string(),
                ));
            } else if progress {
                blocks.push(text(format!(
                    "The signer of this document has been paid and has received a progress payment in the sum of {amount} \
                     for all labor, services, equipment, or materials furnished to the property or to {customer} (person \
                     with whom signer contracted) on {owner_at}. The signer therefore waives and releases {TX_RIGHTS} \
                     that the signer has on the above referenced project to the following extent:"
                )));
                blocks.push(text(scope));
            } else {
                blocks.push(text(format!(
                    "The signer of this document has been paid in full for all labor, services, equipment, or materials \
                     furnished to the property or to {customer} (person with whom signer contracted) on {owner_at}. The \
                     signer therefore waives and releases {TX_RIGHTS}."
                )));
            }
            blocks.push(text(warrant.to_string()));
            notary = true;
            advice.push(
                "The form leaves out the statute's \"Job No.\": arbot holds no job number for the job; add the \
                 customer's by hand if it uses one."
                    .to_string(),
            );
        }
        "FL" => {
            let consideration = if progress {
                format!("in consideration of the sum of {amount}")
            } else {
                format!("in consideration of the final payment in the amount of {amount}")
            };
            let what = if progress {
                format!(
                    "for labor, services, or materials furnished through {through} to {customer} on the job of {owner} to the following property:"
                )
            } else {
                format!(
                    "for labor, services, or materials furnished to {customer} on the job of {owner} to the following described property:"
                )
            };
            blocks.push(text(format!(
                "The undersigned lienor, {consideration}, hereby waives and releases its lien and right to claim a lien {what}"
            )));
            blocks.push(Block::Bold(place.clone()));
            if progress {
                blocks.push(text(FL_PROGRESS_TAIL.to_string()));
            }
            if conditional {
                blocks.push(Block::Bold(format!(
                    "This waiver and release is conditioned on the lienor's receipt of the payment of {amount} from \
                     {customer} in good funds, and takes effect only when that payment has been received and has cleared."
                )));
            }
        }
        _ => {
            if let Some(text) = prescribed_text(input.state) {
                advice.push(text);
            }
            let through_part = if progress { format!(" through {through}") } else { String::new() };
            blocks.push(field("Claimant:", &claimant));
            blocks.push(field("Customer (who pays the claimant):", &customer));
            blocks.push(field("Owner:", &owner));
            blocks.push(field("Property:", &place));
            blocks.push(field("Project:", input.job_name));
            if progress {
                blocks.push(field("Through date:", &through));
            }
            blocks.push(field(if conditional { "Payment expected:" } else { "Payment received:" }, &amount));
            let all = if progress { "" } else { "all " };
            let release = format!(
                "the claimant waives and releases its lien rights, and any payment bond and stop payment notice rights, \
                 for {all}labor, services, equipment and materials furnished to the customer on this project{through_part}"
            );
            blocks.push(text(if conditional {
                format!(
                    "This waiver and release is conditional. On the claimant's receipt of the payment above from the \
                     customer, and when that payment has cleared, {release}. Until then it has no effect."
                )
            } else if progress {
                format!("The claimant has received the payment above. In exchange, {release}.")
            } else {
                format!("The claimant has been paid in full. In exchange, {release}.")
            }));
            if progress {
                blocks.push(text(
                    "It does not waive or release retention, extras not yet paid for, work furnished after the through \
                     date, or rights under the contract."
                        .to_string(),
                ));
            }
        }
    }
    let stage = if progress { "progress" } else { "final" };
    let document = format!("{} waiver and release on {stage} payment", crate::dates::capitalize(input.kind.word()));
    Ok(WaiverDraft {
        form,
        kind: input.kind,
        stage: w.stage,
        state: input.state.to_string(),
        document,
        date: input.today,
        amount: input.amount,
        notice,
        blocks,
        claimant,
        claimant_address: input.claimant.address.clone(),
        signer: input.claimant.signer.clone(),
        notary,
        // A generic waiver in a state with its own forms says so on the page too.
        source: match prescribed_text(input.state).filter(|_| form.word == "generic") {
            Some(warning) => format!("{warning} {}", form.source),
            None => form.source.to_string(),
        },
        advice,
        file_stem: format!("{}-{stage}-waiver", input.kind.word()),
    })
}

/// A new pay application's waiver, as first recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWaiver {
    pub job_id: i64,
    pub customer_id: i64,
    pub pay_app: String,
    pub invoice_id: Option<i64>,
    pub stage: Stage,
    pub status: Status,
    pub amount: Money,
    pub through: Option<NaiveDate>,
    pub on: NaiveDate,
    pub created_by: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// A change to a recorded waiver: its new state, and what else the step recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaiverUpdate {
    pub id: i64,
    pub status: Status,
    /// A new amount or through date, given with a conditional waiver.
    pub amount: Option<Money>,
    pub through: Option<NaiveDate>,
    pub stage: Option<Stage>,
    /// The days of the steps taken now (each kept as first recorded if already set).
    pub conditional_on: Option<NaiveDate>,
    pub paid_on: Option<NaiveDate>,
    pub unconditional_on: Option<NaiveDate>,
    /// Payments counted toward it.
    pub payments: Vec<Allocation>,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// A drafted waiver, kept with its PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWaiverDraft {
    pub waiver_id: i64,
    pub kind: WaiverKind,
    pub form: &'static str,
    pub document: String,
    pub amount: Money,
    pub drafted_on: NaiveDate,
    pub file_name: String,
    pub pdf: Vec<u8>,
    pub drafted_by: String,
    pub drafted_at: chrono::DateTime<chrono::Utc>,
}

/// A kept draft, without its PDF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredWaiverDraft {
    pub id: i64,
    pub waiver_id: i64,
    pub kind: WaiverKind,
    pub form: String,
    pub document: String,
    pub amount: Money,
    pub drafted_on: NaiveDate,
    pub file_name: String,
    pub drafted_by: String,
}

#[cfg(test)]
mod tests;
