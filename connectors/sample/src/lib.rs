//! The bundled demo ledger: Suncoast Mechanical, a fictional mechanical and plumbing
//! subcontractor working in Florida, Texas and California, served through arbot's
//! [`Source`] trait so the demo loads it the way it would load a real accounting system.
//!
//! What is in it:
//!
//! - 30 customers: general contractors, property owners and associations, a few homeowners
//!   (and two specialty contractors we work under), one of them inactive with a paid-up history;
//! - 36 jobs with the facts lien rules need: state, county, project type, our role (mostly sub;
//!   two sub-sub jobs, one supply-only job), owner and GC, furnishing dates, notices of
//!   commencement on the larger Florida private jobs, and retainage (10% or 5% on commercial
//!   construction; none on residential, service or supply work);
//! - invoices numbered from 1001 in issue order: about nine months of monthly pay apps on the big
//!   jobs (retainage held within the balance while a job is ongoing), deposits, final bills,
//!   touch-ups, service calls, retainage releases and one voided invoice;
//! - payments, mostly net of retainage, including short pays, an overpayment, unapplied cash,
//!   checks paying several invoices, and a credit memo applied QuickBooks-style through a $0
//!   payment;
//! - a [`CollectionsSeed`] of arbot's own records (notes, promises, one dispute) that no
//!   accounting system holds.
//!
//! Open invoices sit in every aging bucket, from not yet due to about 150 days past due.
//!
//! Every date is relative to the `today` given to [`SampleSource::new`], so the demo always looks
//! current: the same invoices are 35 days past due whatever day it is run. Record versions are
//! derived from the same dates (the business day at 18:00 UTC, capped at today 12:00 UTC), so two
//! sources built for the same day are identical and a second sync that day changes nothing.

mod builder;
mod data;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use arbot_core::source::{
    BankAccountBalance, Entity, OpenInvoice, OpenInvoicePage, Page, Reconcilable, Record, Source, SourceError, Version,
};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

use crate::builder::{Builder, Ledger};

/// The default source name, part of every record key.
pub const DEFAULT_NAME: &str = "sample";

/// The default number of records per page.
pub const DEFAULT_PAGE_SIZE: usize = 40;

/// arbot-native demo data: what the AR team recorded about the sample ledger.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CollectionsSeed {
    pub notes: Vec<SeedNote>,
    pub promises: Vec<SeedPromise>,
    pub disputes: Vec<SeedDispute>,
}

/// A note on a customer's account.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedNote {
    pub customer_external_id: String,
    /// call, email, letter, meeting or note.
    pub kind: &'static str,
    pub body: String,
    pub author: String,
    pub days_ago: i64,
}

/// A promise to pay.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedPromise {
    pub customer_external_id: String,
    pub amount_minor: i64,
    /// Days from today the payment was promised for; negative is in the past.
    pub due_in_days: i64,
    /// open, kept or broken.
    pub status: &'static str,
    pub created_by: String,
    pub days_ago: i64,
}

/// A dispute on an invoice.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedDispute {
    pub invoice_external_id: String,
    /// quantity, pricing, backcharge, lien_waiver, change_order or other.
    pub reason: &'static str,
    pub detail: String,
    pub opened_by: String,
    pub days_ago: i64,
}

/// The demo ledger as a [`Source`].
#[derive(Debug, Clone)]
pub struct SampleSource {
    name: String,
    today: NaiveDate,
    page_size: usize,
    ledger: Arc<Ledger>,
}

impl SampleSource {
    /// The demo ledger with all dates relative to `today`.
    pub fn new(today: NaiveDate) -> SampleSource {
        let mut b = Builder::new(today);
        data::build(&mut b);
        SampleSource {
            name: DEFAULT_NAME.to_string(),
            today,
            page_size: DEFAULT_PAGE_SIZE,
            ledger: Arc::new(b.finish()),
        }
    }

    /// The same ledger under another source name.
    pub fn with_name(mut self, name: &str) -> SampleSource {
        self.name = name.to_string();
        self
    }

    /// Records per page (at least 1); 40 by default.
    pub fn with_page_size(mut self, n: usize) -> SampleSource {
        self.page_size = n.max(1);
        self
    }

    /// The day the ledger is relative to.
    pub fn today(&self) -> NaiveDate {
        self.today
    }

    /// Every record, in entity order (customers, jobs, invoices, credit memos, payments).
    pub fn records(&self) -> &[Record] {
        &self.ledger.records
    }

    /// arbot's own demo data: notes, promises and a dispute.
    pub fn collections(&self) -> &CollectionsSeed {
        &self.ledger.collections
    }

    /// The ledger's own clock as it serves a page: a second after its latest change (the
    /// ledger does not change while it is read), so the sync does not read again, with a
    /// payment, an invoice it already read in the same run.
    fn clock_time(&self) -> DateTime<Utc> {
        let latest = self.ledger.records.iter().map(|r| key(r).2.updated_at).max().unwrap_or(DateTime::UNIX_EPOCH);
        latest + chrono::Duration::seconds(1)
    }

    fn garbled(&self, detail: String) -> SourceError {
        SourceError::Garbled { source_name: self.name.clone(), detail }
    }
}

/// The entity, external id and version of a record.
fn key(r: &Record) -> (Entity, &str, Version) {
    match r {
        Record::Customer(c) => (Entity::Customer, &c.external_id, c.version),
        Record::Job(j) => (Entity::Job, &j.external_id, j.version),
        Record::Invoice(i) => (Entity::Invoice, &i.external_id, i.version),
        Record::CreditMemo(m) => (Entity::CreditMemo, &m.external_id, m.version),
        Record::Payment(p) => (Entity::Payment, &p.external_id, p.version),
        Record::Deleted(d) => (d.entity, &d.external_id, d.version),
    }
}

/// The sample company's bank accounts: (id, name, balance in cents).
pub const SAMPLE_BANK_ACCOUNTS: [(&str, &str, i64); 2] =
    [("bank-1", "Operating checking", 11_845_000), ("bank-2", "Payroll account", 1_230_000)];

/// A watermark: the RFC 3339 text of a version's time.
fn watermark(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

#[async_trait::async_trait]
impl Source for SampleSource {
    fn name(&self) -> &str {
        &self.name
    }

    async fn fetch(&self, entity: Entity, since: Option<&str>, cursor: Option<&str>) -> Result<Page, SourceError> {
        let since = match since {
            None => None,
            Some(s) => Some(
                DateTime::parse_from_rfc3339(s.trim())
                    .map_err(|e| self.garbled(format!("watermark {s:?} is not an RFC 3339 time: {e}")))?
                    .with_timezone(&Utc),
            ),
        };
        let offset = match cursor {
            None => 0,
            Some(c) => {
                c.trim().parse::<usize>().map_err(|e| self.garbled(format!("cursor {c:?} is not an offset: {e}")))?
            }
        };
        let mut changed: Vec<(DateTime<Utc>, &str, &Record)> = self
            .ledger
            .records
            .iter()
            .filter_map(|r| {
                let (e, id, v) = key(r);
                (e == entity && since.is_none_or(|s| v.updated_at >= s)).then_some((v.updated_at, id, r))
            })
            .collect();
        changed.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        let end = offset.saturating_add(self.page_size).min(changed.len());
        let page = changed.get(offset..end).unwrap_or_default();
        Ok(Page {
            records: page.iter().map(|(_, _, r)| (*r).clone()).collect(),
            // Sorted by time, so the last record on the page has the latest time so far.
            watermark: page.last().map(|(at, _, _)| watermark(*at)),
            next: (end < changed.len()).then(|| end.to_string()),
            expected_total: (offset == 0).then_some(changed.len() as u64),
            served_at: Some(self.clock_time()),
            ..Page::default()
        })
    }

    async fn fetch_by_ids(&self, entity: Entity, ids: &[String]) -> Result<Vec<Record>, SourceError> {
        let wanted: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
        Ok(self
            .ledger
            .records
            .iter()
            .filter(|r| {
                let (e, id, _) = key(r);
                e == entity && wanted.contains(id)
            })
            .cloned()
            .collect())
    }

    fn serves_bank_balances(&self) -> bool {
        true
    }

    /// The sample company's two bank accounts, as its books have them today.
    async fn bank_balances(&self, today: NaiveDate) -> Result<Vec<BankAccountBalance>, SourceError> {
        Ok(SAMPLE_BANK_ACCOUNTS
            .iter()
            .map(|(id, name, minor)| BankAccountBalance {
                external_id: id.to_string(),
                name: name.to_string(),
                balance: arbot_core::Money::new(*minor, arbot_core::Currency::USD),
                as_of: today,
            })
            .collect())
    }

    fn reconcilable(&self) -> Reconcilable {
        Reconcilable::Api
    }

    /// The open invoices, a page at a time (the cursor is an offset).
    async fn open_invoices(&self, cursor: Option<&str>) -> Result<OpenInvoicePage, SourceError> {
        let offset = match cursor {
            None => 0,
            Some(c) => c.trim().parse::<usize>().map_err(|e| self.garbled(format!("cursor {c:?}: {e}")))?,
        };
        let open: Vec<OpenInvoice> = self
            .ledger
            .records
            .iter()
            .filter_map(|r| match r {
                Record::Invoice(i) => OpenInvoice::of(i),
                _ => None,
            })
            .collect();
        let end = offset.saturating_add(self.page_size).min(open.len());
        Ok(OpenInvoicePage {
            invoices: open.get(offset..end).unwrap_or_default().to_vec(),
            next: (end < open.len()).then(|| end.to_string()),
            served_at: Some(self.clock_time()),
        })
    }
}
