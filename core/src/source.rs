//! What a connector implements: a [`Source`] yields pages of [`Record`]s changed after a
//! watermark. The sync engine ([`crate::sync`]) writes them to the store.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::ledger::{CustomerKind, InvoiceKind, OurRole, ProjectType};
use crate::money::Currency;

/// The kinds of record a source delivers, in the order a sync pulls them (parents first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Customer,
    Job,
    Invoice,
    CreditMemo,
    Payment,
}

impl Entity {
    pub const ALL: [Entity; 5] = [Entity::Customer, Entity::Job, Entity::Invoice, Entity::CreditMemo, Entity::Payment];

    pub fn as_str(&self) -> &'static str {
        match self {
            Entity::Customer => "customer",
            Entity::Job => "job",
            Entity::Invoice => "invoice",
            Entity::CreditMemo => "credit_memo",
            Entity::Payment => "payment",
        }
    }

    /// Plural for people: "invoices".
    pub fn plural(&self) -> &'static str {
        match self {
            Entity::Customer => "customers",
            Entity::Job => "jobs",
            Entity::Invoice => "invoices",
            Entity::CreditMemo => "credit memos",
            Entity::Payment => "payments",
        }
    }
}

/// A record's version at the source. A newer version replaces an older one, never the reverse.
/// `seq` breaks ties between equal timestamps (QuickBooks' SyncToken).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Version {
    pub updated_at: DateTime<Utc>,
    pub seq: i64,
}

impl Version {
    pub fn at(updated_at: DateTime<Utc>) -> Version {
        Version { updated_at, seq: 0 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerRecord {
    pub external_id: String,
    pub name: String,
    pub kind: CustomerKind,
    pub email: Option<String>,
    /// The billing (bill-to) address, one line per line.
    pub address: Option<String>,
    pub phone: Option<String>,
    pub terms_days: Option<i64>,
    pub pm: Option<String>,
    pub active: bool,
    pub version: Version,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobRecord {
    pub external_id: String,
    pub customer_external_id: String,
    pub name: String,
    pub city: Option<String>,
    pub county: Option<String>,
    pub state: Option<String>,
    pub project_type: Option<ProjectType>,
    pub role: Option<OurRole>,
    pub owner_name: Option<String>,
    pub gc_name: Option<String>,
    pub pm: Option<String>,
    pub first_furnished: Option<NaiveDate>,
    pub last_furnished: Option<NaiveDate>,
    pub noc_recorded: Option<NaiveDate>,
    pub noc_expires: Option<NaiveDate>,
    pub retainage_bp: i64,
    pub version: Version,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InvoiceRecord {
    pub external_id: String,
    pub customer_external_id: String,
    pub job_external_id: Option<String>,
    pub number: String,
    pub kind: InvoiceKind,
    pub issued: NaiveDate,
    pub due: NaiveDate,
    pub currency: Currency,
    pub total_minor: i64,
    /// What is still owed: the source's current figure when `balance_as_of` is `None`.
    pub balance_minor: i64,
    pub retainage_minor: i64,
    pub voided: bool,
    pub memo: Option<String>,
    /// `None`: the source keeps `balance_minor` current itself (QuickBooks, Xero, the sample: a
    /// payment there changes the invoice, which the sync reads again). `Some(day)`: the balance
    /// is what the source said at the end of `day` (a spreadsheet export), and the store derives
    /// the current balance from it and the source's payments: see [`settled_balance`].
    pub balance_as_of: Option<NaiveDate>,
    pub version: Version,
}

/// The balance rule for an invoice whose balance is stated as of a day (a spreadsheet): the
/// stated balance already counts what was paid up to that day (`total - stated`), so payments
/// applied by then are not counted again, unless they add up to more than it says was paid
/// (then the balance was older than they are, and they count in full); payments applied after
/// that day move it. Never below zero, never above the total. The store computes the same in SQL
/// (`store::sql::sync`); this is the rule as data, for tests and documentation.
pub fn settled_balance(total: i64, stated: i64, as_of: NaiveDate, applied: &[(NaiveDate, i64)]) -> i64 {
    let before: i64 = applied.iter().filter(|(d, _)| *d <= as_of).map(|(_, a)| a).sum();
    let after: i64 = applied.iter().filter(|(d, _)| *d > as_of).map(|(_, a)| a).sum();
    let paid = (total - stated).max(before) + after;
    (total - paid).clamp(0, total.max(0))
}

/// One line of a payment: an amount applied to an invoice, in cash or by a credit memo.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApplicationRecord {
    pub invoice_external_id: String,
    pub amount_minor: i64,
    pub credit_memo_external_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PaymentRecord {
    pub external_id: String,
    pub customer_external_id: String,
    pub received: NaiveDate,
    pub currency: Currency,
    pub amount_minor: i64,
    pub unapplied_minor: i64,
    pub method: Option<String>,
    pub reference: Option<String>,
    /// The whole set: a sync replaces a payment's applications, it never merges them.
    pub applications: Vec<ApplicationRecord>,
    pub version: Version,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreditMemoRecord {
    pub external_id: String,
    pub customer_external_id: String,
    pub number: String,
    pub issued: NaiveDate,
    pub currency: Currency,
    pub total_minor: i64,
    pub remaining_minor: i64,
    pub version: Version,
}

/// A record the source says is gone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deletion {
    pub entity: Entity,
    pub external_id: String,
    pub version: Version,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Record {
    Customer(CustomerRecord),
    Job(JobRecord),
    Invoice(InvoiceRecord),
    CreditMemo(CreditMemoRecord),
    Payment(PaymentRecord),
    Deleted(Deletion),
}

/// One page from a source.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    pub records: Vec<Record>,
    /// The watermark that is safe to store once this page's rows are committed, if it moved.
    pub watermark: Option<String>,
    /// Where the next page starts; `None` when this entity is done.
    pub next: Option<String>,
    /// The source's own clock when it served this page, if it says (QuickBooks' `time`, Xero's
    /// `DateTimeUTC`). The sync engine compares record versions with it, never with ours.
    pub served_at: Option<DateTime<Utc>>,
    /// This page belongs to a pass that lists every live record of the entity (a full read). When
    /// its last page arrives, the engine marks the stored records the pass did not deliver as
    /// deleted, in the same transaction: how a source without a deletion feed (or whose feed no
    /// longer reaches back far enough) reports deletions.
    pub complete: bool,
    /// How many records of the entity the whole pass is expected to deliver, when the source can
    /// say (QuickBooks' `count(*)`, Xero's `pagination.itemCount`); usually on the first page
    /// only, and a later page may correct it. Only for showing progress: an estimate, since
    /// records that change while the pass pages are read again and some rows make no record.
    pub expected_total: Option<u64>,
}

/// One invoice a source holds open, as its open-invoice listing gives it for a reconcile
/// ([`Source::open_invoices`]): enough to compare with what arbot holds, never written as is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenInvoice {
    pub external_id: String,
    pub number: String,
    pub currency: Currency,
    /// What the source says is still owed, in minor units (always above zero: the listing holds
    /// open invoices only).
    pub balance_minor: i64,
}

impl OpenInvoice {
    /// The listing's line for an invoice a source holds, when it is open (not void, something owed).
    pub fn of(i: &InvoiceRecord) -> Option<OpenInvoice> {
        (!i.voided && i.balance_minor > 0).then(|| OpenInvoice {
            external_id: i.external_id.clone(),
            number: i.number.clone(),
            currency: i.currency,
            balance_minor: i.balance_minor,
        })
    }
}

/// One page of a source's open invoices.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OpenInvoicePage {
    pub invoices: Vec<OpenInvoice>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<String>,
    /// The source's own clock when it served this page, if it says.
    pub served_at: Option<DateTime<Utc>>,
}

/// Whether, and how, a source can be reconciled (its open invoices listed and compared with
/// arbot's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reconcilable {
    /// An accounting system's API: it lists its open invoices, and an invoice that
    /// [`Source::fetch_by_ids`] leaves out is gone there (deleted).
    Api,
    /// A file: it lists the open invoices it holds, but an invoice absent from it is merely not
    /// in the file, so nothing is taken as deleted for being absent.
    File,
    /// It cannot list its open invoices; the sentence says why and what to do instead.
    No(String),
}

/// Why a source could not deliver. Each variant tells the sync what to do next.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Slow down and come back at the given time; nothing is lost. `reason` says why in words
    /// for the person reading the sync's outcome, when it is more than the vendor asking us to
    /// slow down (a daily allowance used up, or nearly).
    #[error("{}; try again after {retry_at}", slow_down(.source_name, .reason))]
    RateLimited { source_name: String, retry_at: DateTime<Utc>, reason: Option<String> },
    /// The connection's credentials no longer work; a person must reconnect it.
    #[error("{source_name} needs to be reconnected: {reason}")]
    NeedsReconnect { source_name: String, reason: String },
    /// The source answered with something we cannot read.
    #[error("{source_name} sent something we couldn't read: {detail}")]
    Garbled { source_name: String, detail: String },
    /// The source could not be reached or failed, after retries.
    #[error("{source_name} is unavailable: {detail}")]
    Unavailable { source_name: String, detail: String },
}

fn slow_down(source_name: &str, reason: &Option<String>) -> String {
    reason.clone().unwrap_or_else(|| format!("{source_name} asked us to slow down"))
}

/// An accounting system (or file, or the bundled sample) that arbot syncs from.
#[async_trait::async_trait]
pub trait Source: Send + Sync + std::fmt::Debug {
    /// The configured name of this source (`sample`, `quickbooks`, ...): part of every record key.
    fn name(&self) -> &str;

    /// The entities this source delivers, in the order to pull them.
    fn entities(&self) -> &[Entity] {
        &Entity::ALL
    }

    /// The page of `entity` records changed at or after `since` (everything when `None`),
    /// starting at `cursor` (the first page when `None`).
    async fn fetch(&self, entity: Entity, since: Option<&str>, cursor: Option<&str>) -> Result<Page, SourceError>;

    /// The current version of these records, read again by id (those the source no longer has
    /// are left out). The engine asks for the invoices a changed or deleted payment applies to,
    /// because a vendor may change an invoice's balance without moving its own timestamp. A
    /// source that cannot do this returns nothing.
    async fn fetch_by_ids(&self, entity: Entity, ids: &[String]) -> Result<Vec<Record>, SourceError> {
        let _ = (entity, ids);
        Ok(Vec::new())
    }

    /// Whether this source can be reconciled ([`crate::reconcile`]). A source that says
    /// [`Reconcilable::Api`] or [`Reconcilable::File`] implements [`Source::open_invoices`] and
    /// reads invoices back faithfully through [`Source::fetch_by_ids`].
    fn reconcilable(&self) -> Reconcilable {
        Reconcilable::No(format!("{} can't list its open invoices, so it can't be reconciled", self.name()))
    }

    /// One page of the invoices the source holds open (id, number, currency, balance), starting
    /// at `cursor` (the first page when `None`), for a reconcile to compare with arbot's.
    async fn open_invoices(&self, cursor: Option<&str>) -> Result<OpenInvoicePage, SourceError> {
        let _ = cursor;
        Ok(OpenInvoicePage::default())
    }

    /// Whether [`Source::invoice_pdf`] can give an invoice's own PDF.
    fn serves_invoice_pdfs(&self) -> bool {
        false
    }

    /// The accounting system's own PDF of the invoice `external_id`, as the customer got it
    /// (QuickBooks and Xero both serve one). `None` from a source that has no such document (a
    /// spreadsheet) or no such invoice any more.
    async fn invoice_pdf(&self, external_id: &str) -> Result<Option<Vec<u8>>, SourceError> {
        let _ = external_id;
        Ok(None)
    }

    /// Whether [`Source::bank_balances`] reads the company's bank accounts.
    fn serves_bank_balances(&self) -> bool {
        false
    }

    /// The company's bank accounts and their balances as the accounting system has them on
    /// `today` (its books, which may lag the bank by what is not yet entered): active accounts
    /// only. Read after each sync for the float watch.
    async fn bank_balances(&self, today: NaiveDate) -> Result<Vec<BankAccountBalance>, SourceError> {
        let _ = today;
        Ok(Vec::new())
    }
}

/// A bank account's balance as an accounting system has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankAccountBalance {
    pub external_id: String,
    pub name: String,
    pub balance: crate::money::Money,
    pub as_of: NaiveDate,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn a_stated_balance_is_moved_by_later_payments_and_never_counts_earlier_ones_twice() {
        let as_of = d("2026-11-01");
        // The template's example: 12,500 total, 7,500 left on Nov 1, then 7,500 paid on Nov 20.
        assert_eq!(settled_balance(1_250_000, 750_000, as_of, &[(d("2026-11-20"), 750_000)]), 0);
        // A payment on or before the day is already in the stated balance...
        assert_eq!(settled_balance(1_250_000, 750_000, as_of, &[(d("2026-10-20"), 500_000)]), 750_000);
        // ...unless it is more than the balance says was paid by then: then it counts, once.
        assert_eq!(settled_balance(1_250_000, 750_000, as_of, &[(d("2026-10-20"), 750_000)]), 500_000);
        // No balance column: the total, moved by every payment.
        assert_eq!(
            settled_balance(100_000, 100_000, as_of, &[(d("2026-01-01"), 30_000), (d("2027-01-01"), 20_000)]),
            50_000
        );
        // Never below zero.
        assert_eq!(settled_balance(100_000, 10_000, as_of, &[(d("2026-12-01"), 50_000)]), 0);
    }
}

/// An address as the lines a letter is addressed with: the street lines that have text, then
/// "City, ST 33602", then the country; `None` when nothing is there.
pub fn address_lines(
    street: [&Option<String>; 5],
    city: Option<&str>,
    region: Option<&str>,
    postal: Option<&str>,
    country: Option<&str>,
) -> Option<String> {
    let text = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let mut lines: Vec<String> = street.iter().filter_map(|l| text(l.as_deref())).collect();
    let place = [text(city), [text(region), text(postal)].into_iter().flatten().collect::<Vec<_>>().join(" ").into()]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    if !place.is_empty() {
        lines.push(place);
    }
    lines.extend(text(country));
    (!lines.is_empty()).then(|| lines.join("\n"))
}

#[cfg(test)]
mod address_tests {
    use super::address_lines;

    #[test]
    fn an_address_reads_as_its_lines() {
        let s = |v: &str| Some(v.to_string());
        let a = address_lines(
            [&s("400 Channelside Dr"), &s(" Suite 2 "), &None, &s(""), &None],
            Some("Tampa"),
            Some("FL"),
            Some("33602"),
            None,
        );
        assert_eq!(a.as_deref(), Some("400 Channelside Dr\nSuite 2\nTampa, FL 33602"));
        let a = address_lines([&None, &None, &None, &None, &None], Some("Tampa"), None, None, Some("USA"));
        assert_eq!(a.as_deref(), Some("Tampa\nUSA"));
        assert_eq!(address_lines([&None, &None, &None, &None, &None], None, Some(" "), None, None), None);
    }
}
