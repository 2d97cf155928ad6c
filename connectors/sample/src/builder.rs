//! A small builder for the demo ledger: the data in [`crate::data`] declares customers, jobs,
//! invoices and payments in days-before-today, and [`Builder::finish`] turns them into source
//! records with numbers, balances and versions that are consistent by construction.
//!
//! Handles ([`Cust`], [`Job`], [`Inv`], [`Memo`]) are indexes handed out by the builder, so the
//! data cannot refer to something that does not exist.

use std::cmp::Reverse;

use arbot_core::Currency;
use arbot_core::ledger::{CustomerKind, InvoiceKind, OurRole, ProjectType};
use arbot_core::source::{
    ApplicationRecord, CreditMemoRecord, CustomerRecord, InvoiceRecord, JobRecord, PaymentRecord, Record, Version,
};
use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeDelta, Utc};

use crate::{CollectionsSeed, SeedDispute, SeedNote, SeedPromise};

/// A customer declared to the builder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cust(usize);

/// A job declared to the builder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Job(usize);

/// An invoice declared to the builder; its number is given out by [`Builder::finish`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Inv(usize);

/// A credit memo declared to the builder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Memo(usize);

#[derive(Debug, Clone)]
pub(crate) struct CustomerSpec {
    pub id: &'static str,
    pub name: &'static str,
    pub kind: CustomerKind,
    pub terms: i64,
    pub pm: &'static str,
    pub email: &'static str,
    pub phone: &'static str,
}

/// A job. Dates are in days before today (`first: 44` is 44 days ago; negative is in the future).
#[derive(Debug, Clone)]
pub(crate) struct JobSpec {
    pub id: &'static str,
    pub name: &'static str,
    pub city: &'static str,
    pub county: &'static str,
    pub state: &'static str,
    pub project_type: ProjectType,
    pub role: OurRole,
    pub owner: &'static str,
    /// The general contractor above us, for sub, sub-sub and supplier jobs.
    pub gc: Option<&'static str>,
    pub pm: &'static str,
    pub first: i64,
    /// Last furnished; `None` while the job is ongoing.
    pub last: Option<i64>,
    /// Notice of commencement: (recorded, expires), in days ago.
    pub noc: Option<(i64, i64)>,
    pub retainage_bp: i64,
}

impl JobSpec {
    /// The defaults a job literal spreads from (`..JobSpec::BASE`).
    pub const BASE: JobSpec = JobSpec {
        id: "",
        name: "",
        city: "",
        county: "",
        state: "",
        project_type: ProjectType::Private,
        role: OurRole::Sub,
        owner: "",
        gc: None,
        pm: "",
        first: 0,
        last: None,
        noc: None,
        retainage_bp: 0,
    };

    fn ongoing(&self) -> bool {
        self.last.is_none()
    }
}

/// How a payment arrived; decides the method text and the shape of its reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Check,
    Ach,
    Wire,
    Card,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Check => "check",
            Method::Ach => "ach",
            Method::Wire => "wire",
            Method::Card => "card",
        }
    }
}

#[derive(Debug)]
struct CustomerDraft {
    spec: CustomerSpec,
    active: bool,
    next_check: u64,
    card_last4: u64,
}

#[derive(Debug)]
struct JobDraft {
    customer: Cust,
    spec: JobSpec,
}

#[derive(Debug)]
struct InvoiceDraft {
    customer: Cust,
    job: Option<Job>,
    kind: InvoiceKind,
    issued_ago: i64,
    total: i64,
    /// Retainage the source shows as held within the balance.
    retainage: i64,
    /// What the customer withholds from its payment (retainage, whether or not still shown).
    withheld: i64,
    voided: bool,
    memo: Option<String>,
}

#[derive(Debug)]
struct MemoDraft {
    customer: Cust,
    issued_ago: i64,
    total: i64,
}

#[derive(Debug)]
struct Line {
    invoice: Inv,
    amount: i64,
    credit: Option<Memo>,
}

#[derive(Debug)]
struct PaymentDraft {
    customer: Cust,
    received_ago: i64,
    method: Option<Method>,
    reference: Option<String>,
    unapplied: i64,
    lines: Vec<Line>,
}

#[derive(Debug)]
struct NoteDraft {
    customer: Cust,
    kind: &'static str,
    author: &'static str,
    days_ago: i64,
    body: &'static str,
}

#[derive(Debug)]
struct PromiseDraft {
    customer: Cust,
    amount: i64,
    due_in_days: i64,
    status: &'static str,
    created_by: &'static str,
    days_ago: i64,
}

#[derive(Debug)]
struct DisputeDraft {
    invoice: Inv,
    reason: &'static str,
    detail: &'static str,
    opened_by: &'static str,
    days_ago: i64,
}

/// The finished ledger: every record in entity order, and arbot's own collections data.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ledger {
    pub records: Vec<Record>,
    pub collections: CollectionsSeed,
}

/// Collects the demo ledger in days-before-today and builds its records.
#[derive(Debug)]
pub(crate) struct Builder {
    today: NaiveDate,
    rng: u64,
    customers: Vec<CustomerDraft>,
    jobs: Vec<JobDraft>,
    invoices: Vec<InvoiceDraft>,
    memos: Vec<MemoDraft>,
    payments: Vec<PaymentDraft>,
    notes: Vec<NoteDraft>,
    promises: Vec<PromiseDraft>,
    disputes: Vec<DisputeDraft>,
}

/// `bp` basis points of `total`, rounded half up: the retainage on an amount.
pub(crate) fn share(total: i64, bp: i64) -> i64 {
    (total * bp + 5_000) / 10_000
}

impl Builder {
    pub fn new(today: NaiveDate) -> Builder {
        Builder {
            today,
            rng: 0x5C0A_57ED_u64,
            customers: Vec::new(),
            jobs: Vec::new(),
            invoices: Vec::new(),
            memos: Vec::new(),
            payments: Vec::new(),
            notes: Vec::new(),
            promises: Vec::new(),
            disputes: Vec::new(),
        }
    }

    /// A tiny deterministic generator (64-bit LCG, top bits) for check numbers and the like.
    fn next_rand(&mut self, below: u64) -> u64 {
        self.rng = self.rng.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.rng >> 33) % below.max(1)
    }

    // ----- declaring the ledger -----

    pub fn customer(&mut self, spec: CustomerSpec) -> Cust {
        let next_check = 1_000 + self.next_rand(80) * 100 + self.next_rand(100);
        let card_last4 = 1_000 + self.next_rand(9_000);
        self.customers.push(CustomerDraft { spec, active: true, next_check, card_last4 });
        Cust(self.customers.len() - 1)
    }

    /// Marks a customer inactive (no longer doing business; history kept).
    pub fn inactive(&mut self, c: Cust) {
        if let Some(d) = self.customers.get_mut(c.0) {
            d.active = false;
        }
    }

    pub fn job(&mut self, customer: Cust, spec: JobSpec) -> Job {
        self.jobs.push(JobDraft { customer, spec });
        Job(self.jobs.len() - 1)
    }

    fn job_spec(&self, job: Job) -> Option<&JobSpec> {
        self.jobs.get(job.0).map(|j| &j.spec)
    }

    fn job_customer(&self, job: Job) -> Cust {
        self.jobs.get(job.0).map_or(Cust(0), |j| j.customer)
    }

    /// An invoice on a job. Progress invoices carry the job's retainage: withheld by the customer
    /// when it pays, and shown as held within the balance while the job is not complete.
    pub fn invoice(&mut self, job: Job, kind: InvoiceKind, issued_ago: i64, total: i64, memo: &str) -> Inv {
        let (bp, ongoing) = self.job_spec(job).map_or((0, false), |j| (j.retainage_bp, j.ongoing()));
        let withheld = if kind == InvoiceKind::Progress { share(total, bp) } else { 0 };
        let retainage = if ongoing { withheld } else { 0 };
        self.push_invoice(InvoiceDraft {
            customer: self.job_customer(job),
            job: Some(job),
            kind,
            issued_ago,
            total,
            retainage,
            withheld,
            voided: false,
            memo: Some(memo.to_string()),
        })
    }

    fn push_invoice(&mut self, draft: InvoiceDraft) -> Inv {
        self.invoices.push(draft);
        Inv(self.invoices.len() - 1)
    }

    /// Monthly pay applications billed at their gross value, every 30 days from `first_ago`.
    pub fn progress<const N: usize>(&mut self, job: Job, first_ago: i64, gross: [i64; N]) -> [Inv; N] {
        let name = self.job_spec(job).map_or("", |j| j.name);
        std::array::from_fn(|i| {
            let memo = format!("Pay app #{} - {name}", i + 1);
            self.invoice(job, InvoiceKind::Progress, first_ago - 30 * i as i64, gross[i], &memo)
        })
    }

    /// Monthly pay applications billed net of retainage, for a job whose retainage is billed on
    /// its own retainage invoice at the end. Returns the invoices and the retainage kept back.
    pub fn progress_net<const N: usize>(&mut self, job: Job, first_ago: i64, gross: [i64; N]) -> ([Inv; N], i64) {
        let (name, bp) = self.job_spec(job).map_or(("", 0), |j| (j.name, j.retainage_bp));
        let customer = self.job_customer(job);
        let mut kept = 0;
        let invs = std::array::from_fn(|i| {
            let held = share(gross[i], bp);
            kept += held;
            self.push_invoice(InvoiceDraft {
                customer,
                job: Some(job),
                kind: InvoiceKind::Progress,
                issued_ago: first_ago - 30 * i as i64,
                total: gross[i] - held,
                retainage: 0,
                withheld: 0,
                voided: false,
                memo: Some(format!("Pay app #{} - {name} (less {}% retainage)", i + 1, bp / 100)),
            })
        });
        (invs, kept)
    }

    /// A voided invoice: zero total, zero balance, never paid.
    pub fn voided(&mut self, job: Job, kind: InvoiceKind, issued_ago: i64, memo: &str) -> Inv {
        self.push_invoice(InvoiceDraft {
            customer: self.job_customer(job),
            job: Some(job),
            kind,
            issued_ago,
            total: 0,
            retainage: 0,
            withheld: 0,
            voided: true,
            memo: Some(memo.to_string()),
        })
    }

    fn invoice_draft(&self, inv: Inv) -> Option<&InvoiceDraft> {
        self.invoices.get(inv.0)
    }

    /// What a customer pays on an invoice when it pays it "in full": the total less retainage.
    pub fn net(&self, inv: Inv) -> i64 {
        self.invoice_draft(inv).map_or(0, |d| d.total - d.withheld)
    }

    /// The retainage withheld on an invoice (paid when it is released).
    pub fn withheld(&self, inv: Inv) -> i64 {
        self.invoice_draft(inv).map_or(0, |d| d.withheld)
    }

    fn reference(&mut self, c: Cust, method: Method) -> String {
        let bump = 3 + self.next_rand(40);
        let trace = 100_000 + self.next_rand(900_000);
        let Some(d) = self.customers.get_mut(c.0) else {
            return String::new();
        };
        match method {
            Method::Check => {
                d.next_check += bump;
                format!("Check {}", d.next_check)
            }
            Method::Ach => format!("ACH {trace}"),
            Method::Wire => format!("Wire FED{trace}"),
            Method::Card => format!("Card x{}", d.card_last4),
        }
    }

    /// A payment of `lines` (invoice, amount) plus `unapplied` cash left on account.
    pub fn pay(&mut self, customer: Cust, received_ago: i64, method: Method, lines: &[(Inv, i64)], unapplied: i64) {
        let reference = self.reference(customer, method);
        let lines = lines.iter().map(|&(invoice, amount)| Line { invoice, amount, credit: None }).collect();
        self.payments.push(PaymentDraft {
            customer,
            received_ago,
            method: Some(method),
            reference: Some(reference),
            unapplied,
            lines,
        });
    }

    /// Pays an invoice net of retainage `after` days after it was issued, if that day has come
    /// (at least a day ago). Returns whether it did.
    pub fn pay_net(&mut self, inv: Inv, after: i64, method: Method) -> bool {
        let Some(d) = self.invoice_draft(inv) else {
            return false;
        };
        let received_ago = d.issued_ago - after;
        let customer = d.customer;
        let amount = self.net(inv);
        if received_ago < 1 || amount <= 0 {
            return false;
        }
        self.pay(customer, received_ago, method, &[(inv, amount)], 0);
        true
    }

    /// [`Builder::pay_net`] for each invoice: a customer's habit of paying `after` days out.
    pub fn pay_each(&mut self, invs: &[Inv], after: i64, method: Method) {
        for &inv in invs {
            self.pay_net(inv, after, method);
        }
    }

    /// One payment releasing the retainage withheld on each of `invs`.
    pub fn release_retainage(&mut self, invs: &[Inv], received_ago: i64, method: Method) {
        let lines: Vec<(Inv, i64)> = invs.iter().map(|&i| (i, self.withheld(i))).filter(|&(_, a)| a > 0).collect();
        let Some(&(first, _)) = lines.first() else {
            return;
        };
        let customer = self.invoice_draft(first).map_or(Cust(0), |d| d.customer);
        self.pay(customer, received_ago, method, &lines, 0);
    }

    /// A credit memo; numbered CM-9001, CM-9002, ... in the order declared.
    pub fn credit_memo(&mut self, customer: Cust, issued_ago: i64, total: i64) -> Memo {
        self.memos.push(MemoDraft { customer, issued_ago, total });
        Memo(self.memos.len() - 1)
    }

    /// Applies `amount` of a credit memo to an invoice, QuickBooks style: a $0 payment whose one
    /// line carries the credit.
    pub fn apply_credit(&mut self, memo: Memo, invoice: Inv, applied_ago: i64, amount: i64) {
        let customer = self.memos.get(memo.0).map_or(Cust(0), |m| m.customer);
        self.payments.push(PaymentDraft {
            customer,
            received_ago: applied_ago,
            method: None,
            reference: Some(format!("Applied {}", memo_number(memo))),
            unapplied: 0,
            lines: vec![Line { invoice, amount, credit: Some(memo) }],
        });
    }

    pub fn note(
        &mut self,
        customer: Cust,
        kind: &'static str,
        author: &'static str,
        days_ago: i64,
        body: &'static str,
    ) {
        self.notes.push(NoteDraft { customer, kind, author, days_ago, body });
    }

    pub fn promise(
        &mut self,
        customer: Cust,
        amount: i64,
        due_in_days: i64,
        status: &'static str,
        created_by: &'static str,
        days_ago: i64,
    ) {
        self.promises.push(PromiseDraft { customer, amount, due_in_days, status, created_by, days_ago });
    }

    pub fn dispute(
        &mut self,
        invoice: Inv,
        reason: &'static str,
        opened_by: &'static str,
        days_ago: i64,
        detail: &'static str,
    ) {
        self.disputes.push(DisputeDraft { invoice, reason, detail, opened_by, days_ago });
    }

    // ----- building the records -----

    /// `ago` days before today (after it when negative); today itself if that is out of range.
    fn day(&self, ago: i64) -> NaiveDate {
        let n = Days::new(ago.unsigned_abs());
        let d = if ago >= 0 { self.today.checked_sub_days(n) } else { self.today.checked_add_days(n) };
        d.unwrap_or(self.today)
    }

    /// The version of a record whose last business event was `ago` days ago: that day at 18:00
    /// UTC, but never later than today at 12:00 UTC, so versions do not move during a day.
    fn version(&self, ago: i64) -> Version {
        let at = |d: NaiveDate, h: i64| d.and_time(NaiveTime::MIN).checked_add_signed(TimeDelta::hours(h));
        let noon = at(self.today, 12).unwrap_or_else(|| self.today.and_time(NaiveTime::MIN));
        let evening = at(self.day(ago), 18).unwrap_or(noon);
        Version::at(DateTime::from_naive_utc_and_offset(evening.min(noon), Utc))
    }

    fn terms(&self, c: Cust) -> i64 {
        self.customers.get(c.0).map_or(30, |d| d.spec.terms)
    }

    /// A billing address in the city of the customer's first job (the sample has no addresses
    /// of its own), the same on every run.
    fn billing_address(&self, who: Cust, id: &str) -> Option<String> {
        let job = self.jobs.iter().filter(|j| j.customer == who).min_by_key(|j| j.spec.id)?;
        let (city, state) = (job.spec.city, job.spec.state);
        let zip = match city {
            "Austin" => "78701",
            "Clearwater" => "33755",
            "Fort Myers" => "33901",
            "Fort Worth" => "76102",
            "Fresno" => "93721",
            "Gulf Breeze" => "32561",
            "Houston" => "77002",
            "Jacksonville" => "32202",
            "Katy" => "77494",
            "Miami" => "33131",
            "Naples" => "34102",
            "Oakland" => "94612",
            "Ocala" => "34471",
            "Orlando" => "32801",
            "Palm Springs" => "92262",
            "Pflugerville" => "78660",
            "Plano" => "75074",
            "Round Rock" => "78664",
            "Sacramento" => "95814",
            "San Antonio" => "78205",
            "San Diego" => "92101",
            "San Francisco" => "94105",
            "San Jose" => "95113",
            "Sarasota" => "34236",
            "St. Petersburg" => "33701",
            "Tampa" => "33602",
            _ => "",
        };
        const STREETS: [&str; 8] = [
            "Commerce Park Dr",
            "Industrial Blvd",
            "Corporate Way",
            "Main St, Suite 300",
            "Enterprise Pkwy",
            "Harbor View Rd",
            "Business Center Dr",
            "Professional Ct",
        ];
        let n: usize = id.bytes().map(usize::from).sum();
        let street = STREETS[n % STREETS.len()];
        Some(
            format!("Attn: Accounts Payable\n{} {street}\n{city}, {state} {zip}", 100 + (n * 37) % 9800)
                .trim_end()
                .to_string(),
        )
    }

    fn customer_id(&self, c: Cust) -> String {
        self.customers.get(c.0).map_or_else(String::new, |d| d.spec.id.to_string())
    }

    fn job_id(&self, j: Job) -> String {
        self.job_spec(j).map_or_else(String::new, |s| s.id.to_string())
    }

    pub fn finish(self) -> Ledger {
        // Invoice numbers follow issue dates (oldest first), from 1001; payments likewise from 5001.
        let invoice_numbers = ranks(self.invoices.iter().map(|d| d.issued_ago), 1001);
        let payment_numbers = ranks(self.payments.iter().map(|d| d.received_ago), 5001);
        let invoice_id = |i: Inv| invoice_numbers.get(i.0).map_or_else(String::new, |n| format!("INV-{n}"));

        // What has been applied to each invoice and credit memo, and the latest day it happened.
        let mut applied = vec![0i64; self.invoices.len()];
        let mut invoice_last = self.invoices.iter().map(|d| d.issued_ago).collect::<Vec<_>>();
        let mut memo_used = vec![0i64; self.memos.len()];
        let mut memo_last = self.memos.iter().map(|m| m.issued_ago).collect::<Vec<_>>();
        for p in &self.payments {
            for l in &p.lines {
                if let Some(a) = applied.get_mut(l.invoice.0) {
                    *a += l.amount;
                }
                if let Some(last) = invoice_last.get_mut(l.invoice.0) {
                    *last = (*last).min(p.received_ago);
                }
                if let Some(m) = l.credit {
                    if let Some(u) = memo_used.get_mut(m.0) {
                        *u += l.amount;
                    }
                    if let Some(last) = memo_last.get_mut(m.0) {
                        *last = (*last).min(p.received_ago);
                    }
                }
            }
        }

        let mut records = Vec::new();

        let mut customers: Vec<(usize, &CustomerDraft)> = self.customers.iter().enumerate().collect();
        customers.sort_by_key(|(_, c)| c.spec.id);
        for (i, c) in customers {
            let me = Cust(i);
            let mut activity: Vec<i64> = Vec::new();
            for j in self.jobs.iter().filter(|j| j.customer == me) {
                activity.push(j.spec.first);
                activity.extend(j.spec.last);
            }
            activity.extend(self.invoices.iter().filter(|d| d.customer == me).map(|d| d.issued_ago));
            activity.extend(self.payments.iter().filter(|p| p.customer == me).map(|p| p.received_ago));
            // Set up ten days before the first activity; an inactive one closed a month after the last.
            let changed = if c.active {
                activity.iter().max().map_or(0, |a| a + 10)
            } else {
                activity.iter().min().map_or(0, |a| (a - 30).max(0))
            };
            records.push(Record::Customer(CustomerRecord {
                external_id: c.spec.id.to_string(),
                name: c.spec.name.to_string(),
                kind: c.spec.kind,
                email: Some(c.spec.email.to_string()),
                address: self.billing_address(me, c.spec.id),
                phone: Some(c.spec.phone.to_string()),
                terms_days: Some(c.spec.terms),
                pm: Some(c.spec.pm.to_string()),
                active: c.active,
                version: self.version(changed),
            }));
        }

        let mut jobs: Vec<&JobDraft> = self.jobs.iter().collect();
        jobs.sort_by_key(|j| j.spec.id);
        for j in jobs {
            let s = &j.spec;
            let changed = [Some(s.first), s.last, s.noc.map(|n| n.0)].into_iter().flatten().min().unwrap_or(0);
            records.push(Record::Job(JobRecord {
                external_id: s.id.to_string(),
                customer_external_id: self.customer_id(j.customer),
                name: s.name.to_string(),
                city: Some(s.city.to_string()),
                county: Some(s.county.to_string()),
                state: Some(s.state.to_string()),
                project_type: Some(s.project_type),
                role: Some(s.role),
                owner_name: Some(s.owner.to_string()),
                gc_name: s.gc.map(str::to_string),
                pm: Some(s.pm.to_string()),
                first_furnished: Some(self.day(s.first)),
                last_furnished: s.last.map(|d| self.day(d)),
                noc_recorded: s.noc.map(|n| self.day(n.0)),
                noc_expires: s.noc.map(|n| self.day(n.1)),
                retainage_bp: s.retainage_bp,
                version: self.version(changed),
            }));
        }

        let mut invoices: Vec<(i64, Record)> = Vec::new();
        for (i, d) in self.invoices.iter().enumerate() {
            let issued = self.day(d.issued_ago);
            let due = issued.checked_add_days(Days::new(self.terms(d.customer).unsigned_abs())).unwrap_or(issued);
            let number = invoice_numbers.get(i).copied().unwrap_or_default();
            let balance = d.total - applied.get(i).copied().unwrap_or(0);
            invoices.push((
                number,
                Record::Invoice(InvoiceRecord {
                    external_id: invoice_id(Inv(i)),
                    customer_external_id: self.customer_id(d.customer),
                    job_external_id: d.job.map(|j| self.job_id(j)),
                    number: number.to_string(),
                    kind: d.kind,
                    issued,
                    due,
                    currency: Currency::USD,
                    total_minor: d.total,
                    balance_minor: balance,
                    retainage_minor: d.retainage.min(balance.max(0)),
                    voided: d.voided,
                    memo: d.memo.clone(),
                    balance_as_of: None,
                    version: self.version(invoice_last.get(i).copied().unwrap_or(d.issued_ago)),
                }),
            ));
        }
        invoices.sort_by_key(|(n, _)| *n);
        records.extend(invoices.into_iter().map(|(_, r)| r));

        for (i, m) in self.memos.iter().enumerate() {
            let number = memo_number(Memo(i));
            records.push(Record::CreditMemo(CreditMemoRecord {
                external_id: number.clone(),
                customer_external_id: self.customer_id(m.customer),
                number,
                issued: self.day(m.issued_ago),
                currency: Currency::USD,
                total_minor: m.total,
                remaining_minor: m.total - memo_used.get(i).copied().unwrap_or(0),
                version: self.version(memo_last.get(i).copied().unwrap_or(m.issued_ago)),
            }));
        }

        let mut payments: Vec<(i64, Record)> = Vec::new();
        for (i, p) in self.payments.iter().enumerate() {
            let cash: i64 = p.lines.iter().filter(|l| l.credit.is_none()).map(|l| l.amount).sum();
            let number = payment_numbers.get(i).copied().unwrap_or_default();
            let applications = p
                .lines
                .iter()
                .map(|l| ApplicationRecord {
                    invoice_external_id: invoice_id(l.invoice),
                    amount_minor: l.amount,
                    credit_memo_external_id: l.credit.map(memo_number),
                })
                .collect();
            payments.push((
                number,
                Record::Payment(PaymentRecord {
                    external_id: format!("PMT-{number}"),
                    customer_external_id: self.customer_id(p.customer),
                    received: self.day(p.received_ago),
                    currency: Currency::USD,
                    amount_minor: cash + p.unapplied,
                    unapplied_minor: p.unapplied,
                    method: p.method.map(|m| m.as_str().to_string()),
                    reference: p.reference.clone(),
                    applications,
                    version: self.version(p.received_ago),
                }),
            ));
        }
        payments.sort_by_key(|(n, _)| *n);
        records.extend(payments.into_iter().map(|(_, r)| r));

        let collections = CollectionsSeed {
            notes: self
                .notes
                .iter()
                .map(|n| SeedNote {
                    customer_external_id: self.customer_id(n.customer),
                    kind: n.kind,
                    body: n.body.to_string(),
                    author: n.author.to_string(),
                    days_ago: n.days_ago,
                })
                .collect(),
            promises: self
                .promises
                .iter()
                .map(|p| SeedPromise {
                    customer_external_id: self.customer_id(p.customer),
                    amount_minor: p.amount,
                    due_in_days: p.due_in_days,
                    status: p.status,
                    created_by: p.created_by.to_string(),
                    days_ago: p.days_ago,
                })
                .collect(),
            disputes: self
                .disputes
                .iter()
                .map(|d| SeedDispute {
                    invoice_external_id: invoice_id(d.invoice),
                    reason: d.reason,
                    detail: d.detail.to_string(),
                    opened_by: d.opened_by.to_string(),
                    days_ago: d.days_ago,
                })
                .collect(),
        };

        Ledger { records, collections }
    }
}

fn memo_number(m: Memo) -> String {
    format!("CM-{}", 9001 + m.0)
}

/// Sequential numbers from `start` in date order (most days ago first), ties in declaration order.
fn ranks(days_ago: impl Iterator<Item = i64>, start: i64) -> Vec<i64> {
    let ago: Vec<i64> = days_ago.collect();
    let mut order: Vec<usize> = (0..ago.len()).collect();
    order.sort_by_key(|&i| (Reverse(ago[i]), i));
    let mut numbers = vec![0; ago.len()];
    for (rank, &i) in order.iter().enumerate() {
        numbers[i] = start + rank as i64;
    }
    numbers
}
