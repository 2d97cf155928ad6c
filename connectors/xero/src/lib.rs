//! Xero (Accounting API 2.0) as an arbot [`Source`].
//!
//! - Every call names the organisation (`xero-tenant-id`) and asks only for what changed
//!   (`If-Modified-Since`, UTC), ordered by `UpdatedDateUTC`. Pages are read by *seeking on that
//!   time* (the next page asks for what changed since the last row's second, less one second),
//!   so a record changed mid-sync moves to the end and is read there; only when a whole page
//!   shares one second does it turn to the next page number.
//! - **Contacts** including archived ones (`includeArchived=true`), suppliers left out.
//! - **Invoices**: `ACCREC` only. `AUTHORISED`/`PAID` are open or paid, `VOIDED` is kept as a
//!   void, `DELETED` is a deletion, drafts are not receivables yet.
//! - **Payments**: invoice payments (`ACCRECPAYMENT`); `DELETED` ones are deletions; a refund of a
//!   credit note is not an invoice payment. **Overpayments and prepayments** received
//!   (`RECEIVE-*`) are payments whose allocations are applications and whose remaining credit is
//!   unapplied cash.
//! - **Credit notes** (`ACCRECCREDIT`): the credit memo, and its live allocations as applications
//!   "by credit memo" (a deleted allocation, `IsDeleted`, is gone).
//! - Dates: `/Date(ms+hhmm)/` read as dates (the `*String` twin, or the offset applied) or as
//!   instants (the milliseconds), negative and zero values included.
//! - Limits: under 55 calls a minute and 5 at once; `Retry-After` honoured; a daily-limit 429
//!   (`X-Rate-Limit-Problem: day`) stops the sync and reschedules it, and so does the 5,000-a-day
//!   budget running low (`X-DayLimit-Remaining` under [`XeroSettings::day_reserve`]): the sync
//!   stops before the next call and resumes at the next UTC day. `ValidationException` and
//!   problem-details bodies are read; an organisation too large for a `where` filter is asked
//!   with `Statuses` and smaller pages instead.
//! - Reconcile: the open sales invoices are listed with `Statuses=AUTHORISED` (and
//!   `where=Type=="ACCREC"`, dropped for an organisation too large for it) in pages of 100, and
//!   re-read by id (`IDs`, 40 at a time); a `DELETED` or `VOIDED` status, or an id Xero no
//!   longer returns, closes the invoice here. Every call counts against the daily allowance as a
//!   sync's do.
//! - Bank balances (for the float watch): after each sync, `GET /Reports/BankSummary` for today
//!   (`fromDate` = `toDate`), each bank account's closing balance, in the organisation's currency.
//! - Progress: each endpoint's first answer says how many rows it holds
//!   (`pagination.itemCount`, when Xero sends it), so `arbot sync` can draw a bar.

mod wire;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arbot_connector_http::call::{Caller, Pacing, Reply, RetryPolicy, Verdict};
use arbot_connector_http::tokens::TokenManager;
use arbot_connector_http::{ExposeSecret, Num, Secret};
use arbot_core::ledger::{CustomerKind, InvoiceKind};
use arbot_core::source::{
    ApplicationRecord, BankAccountBalance, CreditMemoRecord, CustomerRecord, Deletion, Entity, InvoiceRecord,
    OpenInvoice, OpenInvoicePage, Page, PaymentRecord, Reconcilable, Record, Source, SourceError, Version,
};
use arbot_core::{Clock, Currency};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

pub use wire::{Tenant, date as xero_date, instant as xero_instant};

pub const API_BASE: &str = "https://api.xero.com/api.xro/2.0";
/// Lists the organisations a token set may read.
pub const CONNECTIONS_URL: &str = "https://api.xero.com/connections";
pub const AUTHORIZE_URL: &str = "https://login.xero.com/identity/connect/authorize";
pub const TOKEN_URL: &str = "https://identity.xero.com/connect/token";
/// Read-only scopes, and `offline_access` for a refresh token.
/// `accounting.reports.read` is for the Bank Summary the float watch reads; an organisation
/// connected before arbot asked for it answers that report 403 until it is connected again.
pub const SCOPES: &str = "offline_access accounting.transactions.read accounting.contacts.read accounting.reports.read";
/// The key of the organisation (tenant) id in the saved token set.
pub const TENANT_KEY: &str = "tenant_id";

/// How a Xero source is set up.
#[derive(Debug, Clone)]
pub struct XeroSettings {
    pub source_name: String,
    /// The organisation; when `None`, the one saved by `arbot connect` is used.
    pub tenant_id: Option<String>,
    pub api_base: String,
    /// Rows per page (Xero allows up to 1,000).
    pub page_size: u32,
    pub home_currency: Currency,
    pub overlap: chrono::Duration,
    pub retry: RetryPolicy,
    pub pacing: Pacing,
    /// Calls a day left unused: once Xero says fewer remain today (`X-DayLimit-Remaining`), a
    /// sync stops before its next call and resumes the next UTC day.
    pub day_reserve: u64,
}

impl XeroSettings {
    pub fn new(source_name: &str) -> XeroSettings {
        XeroSettings {
            source_name: source_name.to_string(),
            tenant_id: None,
            api_base: API_BASE.to_string(),
            page_size: 1000,
            home_currency: Currency::USD,
            overlap: chrono::Duration::minutes(5),
            retry: RetryPolicy::default(),
            // Xero allows 60 a minute, 5 at once and 5,000 a day per organisation.
            pacing: Pacing { max_requests: 55, per: Duration::from_secs(60), concurrent: 5 },
            day_reserve: 50,
        }
    }
}

/// The endpoints an entity's pass reads, in order.
fn phases(entity: Entity) -> &'static [&'static str] {
    match entity {
        Entity::Customer | Entity::Job => &["Contacts"],
        Entity::Invoice => &["Invoices"],
        Entity::CreditMemo => &["CreditNotes"],
        Entity::Payment => &["Payments", "Overpayments", "Prepayments"],
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Cursor {
    phase: usize,
    #[serde(default)]
    since: Option<DateTime<Utc>>,
    page: u32,
    /// The watermark so far: per endpoint, the last `UpdatedDateUTC` fully read.
    wm: BTreeMap<String, DateTime<Utc>>,
    /// The rows the pass's endpoints said they hold (`pagination.itemCount` on the first page
    /// of each), for progress.
    #[serde(default)]
    expected: Option<u64>,
    /// This endpoint's item count has been added to `expected`.
    #[serde(default)]
    counted: bool,
}

/// The records one row makes, with the row's `UpdatedDateUTC`.
type Row = (DateTime<Utc>, Vec<Record>);

/// A Xero organisation.
#[derive(Debug)]
pub struct XeroSource {
    settings: XeroSettings,
    caller: Caller,
    /// Set once Xero says a `where` filter is too slow for this organisation.
    plain_filters: AtomicBool,
    /// The calls left today as Xero last said (`X-DayLimit-Remaining`), and the UTC day it said so.
    day_left: Mutex<Option<(NaiveDate, u64)>>,
}

/// What a list call returns: the rows, or "filter differently".
#[derive(Debug)]
enum Listed {
    Rows(Box<wire::Envelope>),
    Inefficient,
}

impl XeroSource {
    pub fn new(settings: XeroSettings, tokens: Arc<TokenManager>, clock: Arc<dyn Clock>) -> Result<XeroSource, String> {
        let caller = Caller::new(&settings.source_name, "Xero", settings.pacing, settings.retry, tokens, clock)?;
        Ok(XeroSource { settings, caller, plain_filters: AtomicBool::new(false), day_left: Mutex::new(None) })
    }

    /// Remembers what Xero says is left of today's calls.
    fn note_day_left(&self, reply: &Reply) {
        let Some(left) = reply.header("x-daylimit-remaining").and_then(|v| v.trim().parse::<u64>().ok()) else {
            return;
        };
        let today = self.caller.clock.now().date_naive();
        *self.day_left.lock().unwrap_or_else(|p| p.into_inner()) = Some((today, left));
    }

    /// Refuses a call that would eat into the reserve of today's calls: the sync stops here and
    /// resumes when the next UTC day begins.
    fn within_day_budget(&self) -> Result<(), SourceError> {
        let now = self.caller.clock.now();
        let said = *self.day_left.lock().unwrap_or_else(|p| p.into_inner());
        let Some((day, left)) = said else { return Ok(()) };
        if day != now.date_naive() || left >= self.settings.day_reserve {
            return Ok(());
        }
        let next_day = now.date_naive().succ_opt().unwrap_or(day).and_time(NaiveTime::MIN).and_utc();
        tracing::warn!(source = %self.settings.source_name, left, "Xero's calls for today are nearly used up; stopping until {next_day}");
        Err(SourceError::RateLimited {
            source_name: self.settings.source_name.clone(),
            retry_at: next_day.max(now),
            reason: Some(format!(
                "Xero allows 5,000 requests a day for each organisation and only {left} are left today, so arbot \
                 paused the sync before using them up"
            )),
        })
    }

    fn garbled(&self, detail: String) -> SourceError {
        SourceError::Garbled { source_name: self.settings.source_name.clone(), detail }
    }

    async fn tenant(&self) -> Result<String, SourceError> {
        if let Some(t) = &self.settings.tenant_id {
            return Ok(t.clone());
        }
        match self.caller.tokens.company().await?.get(TENANT_KEY) {
            Some(t) => Ok(t.clone()),
            None => Err(SourceError::NeedsReconnect {
                source_name: self.settings.source_name.clone(),
                reason: format!(
                    "no Xero organisation is known; run `arbot connect xero --source {}` or set tenant_id",
                    self.settings.source_name
                ),
            }),
        }
    }

    async fn list(
        &self,
        endpoint: &str,
        params: Vec<(&'static str, String)>,
        since: Option<DateTime<Utc>>,
    ) -> Result<Listed, SourceError> {
        self.within_day_budget()?;
        let tenant = self.tenant().await?;
        let url = format!("{}/{endpoint}", self.settings.api_base.trim_end_matches('/'));
        let since = since.map(|s| s.format("%Y-%m-%dT%H:%M:%S").to_string());
        let source = self.settings.source_name.clone();
        self.caller
            .call(
                &format!("Xero {endpoint}"),
                |client, token: &Secret| {
                    let mut r = client
                        .get(&url)
                        .query(&params)
                        .bearer_auth(token.expose_secret())
                        .header("xero-tenant-id", &tenant)
                        .header(reqwest::header::ACCEPT, "application/json");
                    if let Some(s) = &since {
                        r = r.header("If-Modified-Since", s);
                    }
                    r
                },
                |reply| {
                    self.note_day_left(&reply);
                    judge(&source, reply)
                },
            )
            .await
    }

    /// `GET /Invoices/{InvoiceID}` with `Accept: application/pdf`: the invoice as Xero prints it.
    async fn pdf(&self, id: &str) -> Result<Option<Vec<u8>>, SourceError> {
        // Xero's ids are GUIDs; anything else is not one of its invoices.
        if id.is_empty() || id.len() > 40 || !id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
            return Ok(None);
        }
        self.within_day_budget()?;
        let tenant = self.tenant().await?;
        let url = format!("{}/Invoices/{id}", self.settings.api_base.trim_end_matches('/'));
        let source = self.settings.source_name.clone();
        self.caller
            .call(
                &format!("Xero invoice {id} as PDF"),
                |client, token: &Secret| {
                    client
                        .get(&url)
                        .bearer_auth(token.expose_secret())
                        .header("xero-tenant-id", &tenant)
                        .header(reqwest::header::ACCEPT, "application/pdf")
                },
                |reply| {
                    self.note_day_left(&reply);
                    judge_pdf(&source, reply)
                },
            )
            .await
    }

    fn currency(&self, code: &Option<String>) -> Result<Currency, SourceError> {
        match code {
            None => Ok(self.settings.home_currency),
            Some(c) => Currency::parse(c).map_err(|e| self.garbled(format!("currency {c:?}: {e}"))),
        }
    }

    fn amount(&self, n: Option<&Num>, currency: Currency, what: &str, id: &str) -> Result<i64, SourceError> {
        match n {
            None => Ok(0),
            Some(n) => n.minor(currency).map_err(|e| self.garbled(format!("{what} of {id}: {e}"))),
        }
    }

    fn version(&self, updated: &Option<String>, id: &str) -> Result<Version, SourceError> {
        let text = updated.as_deref().unwrap_or_default();
        wire::instant(text)
            .map(Version::at)
            .ok_or_else(|| self.garbled(format!("UpdatedDateUTC {text:?} of {id} is not a /Date(ms)/ value")))
    }

    fn a_date(
        &self,
        value: &Option<String>,
        string: &Option<String>,
        what: &str,
        id: &str,
    ) -> Result<chrono::NaiveDate, SourceError> {
        wire::date(value.as_deref(), string.as_deref())
            .ok_or_else(|| self.garbled(format!("{what} {value:?} of {id} is not a date")))
    }

    /// Rows of one endpoint as records, with each row's time.
    fn records(&self, endpoint: &str, env: wire::Envelope) -> Result<Vec<Row>, SourceError> {
        let mut out = Vec::new();
        match endpoint {
            "Contacts" => {
                for c in env.contacts {
                    let version = self.version(&c.updated, &c.id)?;
                    if c.is_supplier == Some(true) && c.is_customer != Some(true) {
                        out.push((version.updated_at, Vec::new()));
                        continue;
                    }
                    let phone = c
                        .phones
                        .iter()
                        .filter(|p| p.number.as_deref().is_some_and(|n| !n.trim().is_empty()))
                        .min_by_key(|p| p.kind.as_deref() != Some("DEFAULT"))
                        .map(|p| match &p.area {
                            Some(a) if !a.is_empty() => format!("({a}) {}", p.number.clone().unwrap_or_default()),
                            _ => p.number.clone().unwrap_or_default(),
                        });
                    let record = Record::Customer(CustomerRecord {
                        external_id: c.id.clone(),
                        name: c.name.clone().unwrap_or_else(|| format!("Xero contact {}", c.id)),
                        kind: CustomerKind::Other,
                        email: c.email_address.filter(|e| !e.trim().is_empty()),
                        // Invoices go to the postal address; the street address when that is all.
                        address: c
                            .addresses
                            .iter()
                            .filter(|a| matches!(a.address_type.as_deref(), Some("POBOX") | Some("STREET")))
                            .min_by_key(|a| a.address_type.as_deref() != Some("POBOX"))
                            .and_then(|a| a.lines()),
                        phone,
                        terms_days: None,
                        pm: None,
                        active: c.contact_status.as_deref() != Some("ARCHIVED"),
                        version,
                    });
                    out.push((version.updated_at, vec![record]));
                }
            }
            "Invoices" => {
                for i in env.invoices {
                    let version = self.version(&i.updated, &i.id)?;
                    out.push((version.updated_at, self.invoice(i, version)?));
                }
            }
            "CreditNotes" => {
                for c in env.credits {
                    let version = self.version(&c.updated, &c.id)?;
                    out.push((version.updated_at, self.credit_note(c, version)?));
                }
            }
            "Payments" => {
                for p in env.payments {
                    let version = self.version(&p.updated, &p.id)?;
                    out.push((version.updated_at, self.payment(p, version)?));
                }
            }
            _ => {
                let prefix = if endpoint == "Overpayments" { "op" } else { "pp" };
                for c in env.credits {
                    let version = self.version(&c.updated, &c.id)?;
                    out.push((version.updated_at, self.prepayment(prefix, c, version)?));
                }
            }
        }
        Ok(out)
    }

    fn invoice(&self, i: wire::Invoice, version: Version) -> Result<Vec<Record>, SourceError> {
        if i.kind.as_deref().is_some_and(|k| k != "ACCREC") {
            return Ok(Vec::new());
        }
        let status = i.status.as_deref().unwrap_or("AUTHORISED");
        match status {
            "DELETED" => {
                return Ok(vec![Record::Deleted(Deletion { entity: Entity::Invoice, external_id: i.id, version })]);
            }
            "DRAFT" | "SUBMITTED" => return Ok(Vec::new()),
            _ => {}
        }
        let currency = self.currency(&i.currency_code)?;
        let total = self.amount(i.total.as_ref(), currency, "Total", &i.id)?;
        let voided = status == "VOIDED";
        let balance = if voided { 0 } else { self.amount(i.amount_due.as_ref(), currency, "AmountDue", &i.id)? };
        let issued = self.a_date(&i.date, &i.date_string, "Date", &i.id)?;
        let due = match &i.due_date {
            Some(_) => self.a_date(&i.due_date, &i.due_date_string, "DueDate", &i.id)?,
            None => issued,
        };
        let number = i
            .invoice_number
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| format!("XERO-{}", short(&i.id)));
        Ok(vec![Record::Invoice(InvoiceRecord {
            external_id: i.id,
            customer_external_id: i.contact.id,
            job_external_id: None,
            number,
            kind: InvoiceKind::Progress,
            issued,
            due,
            currency,
            total_minor: total,
            balance_minor: balance,
            retainage_minor: 0,
            voided,
            memo: i.reference.filter(|r| !r.trim().is_empty()),
            balance_as_of: None,
            version,
        })])
    }

    /// Live allocations to invoices, as applications.
    fn allocations(
        &self,
        c: &wire::Credit,
        currency: Currency,
        by_memo: bool,
    ) -> Result<Vec<ApplicationRecord>, SourceError> {
        let mut out = Vec::new();
        for a in &c.allocations {
            if a.is_deleted == Some(true) {
                continue;
            }
            let Some(inv) = &a.invoice else { continue };
            out.push(ApplicationRecord {
                invoice_external_id: inv.id.clone(),
                amount_minor: self.amount(Some(&a.amount), currency, "an allocation Amount", &c.id)?,
                credit_memo_external_id: by_memo.then(|| c.id.clone()),
            });
        }
        Ok(out)
    }

    fn credit_note(&self, c: wire::Credit, version: Version) -> Result<Vec<Record>, SourceError> {
        if c.kind.as_deref().is_some_and(|k| k != "ACCRECCREDIT") {
            return Ok(Vec::new());
        }
        let applied_id = format!("cn:{}", c.id);
        let gone = |id: String, entity| Record::Deleted(Deletion { entity, external_id: id, version });
        match c.status.as_deref() {
            Some("DELETED") | Some("VOIDED") => {
                return Ok(vec![gone(c.id.clone(), Entity::CreditMemo), gone(applied_id, Entity::Payment)]);
            }
            Some("DRAFT") | Some("SUBMITTED") => return Ok(Vec::new()),
            _ => {}
        }
        let currency = self.currency(&c.currency_code)?;
        let total = self.amount(c.total.as_ref(), currency, "Total", &c.id)?;
        let remaining = self.amount(c.remaining_credit.as_ref(), currency, "RemainingCredit", &c.id)?;
        let issued = self.a_date(&c.date, &c.date_string, "Date", &c.id)?;
        let applications = self.allocations(&c, currency, true)?;
        let mut out = vec![Record::CreditMemo(CreditMemoRecord {
            external_id: c.id.clone(),
            customer_external_id: c.contact.id.clone(),
            number: c
                .credit_note_number
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| format!("CN-{}", short(&c.id))),
            issued,
            currency,
            total_minor: total,
            remaining_minor: remaining,
            version,
        })];
        // Crediting an invoice is an allocation, not a payment: arbot keeps it as a $0 payment
        // whose applications are "by credit memo", as QuickBooks does.
        if applications.is_empty() {
            out.push(gone(applied_id, Entity::Payment));
        } else {
            out.push(Record::Payment(PaymentRecord {
                external_id: applied_id,
                customer_external_id: c.contact.id,
                received: issued,
                currency,
                amount_minor: 0,
                unapplied_minor: 0,
                method: Some("credit note".into()),
                reference: c.credit_note_number,
                applications,
                version,
            }));
        }
        Ok(out)
    }

    fn payment(&self, p: wire::Payment, version: Version) -> Result<Vec<Record>, SourceError> {
        let Some(inv) = p.invoice else { return Ok(Vec::new()) };
        let invoice_payment = p.payment_type.as_deref().is_none_or(|t| t == "ACCRECPAYMENT")
            && inv.kind.as_deref().is_none_or(|k| k == "ACCREC");
        if !invoice_payment {
            return Ok(Vec::new());
        }
        if p.status.as_deref() == Some("DELETED") {
            return Ok(vec![Record::Deleted(Deletion { entity: Entity::Payment, external_id: p.id, version })]);
        }
        let currency = self.currency(&inv.currency)?;
        let amount = self.amount(Some(&p.amount), currency, "Amount", &p.id)?;
        let received = self.a_date(&p.date, &None, "Date", &p.id)?;
        let Some(contact) = inv.contact else {
            return Err(self.garbled(format!("payment {} names no contact on its invoice", p.id)));
        };
        Ok(vec![Record::Payment(PaymentRecord {
            external_id: p.id,
            customer_external_id: contact.id,
            received,
            currency,
            amount_minor: amount,
            unapplied_minor: 0,
            method: p.batch_payment_id.map(|_| "batch".to_string()),
            reference: p.reference.filter(|r| !r.trim().is_empty()),
            applications: vec![ApplicationRecord {
                invoice_external_id: inv.id,
                amount_minor: amount,
                credit_memo_external_id: None,
            }],
            version,
        })])
    }

    fn prepayment(&self, prefix: &str, c: wire::Credit, version: Version) -> Result<Vec<Record>, SourceError> {
        let received = c.kind.as_deref().is_some_and(|k| k.starts_with("RECEIVE") || k.starts_with("AR"));
        if !received {
            return Ok(Vec::new());
        }
        let id = format!("{prefix}:{}", c.id);
        if matches!(c.status.as_deref(), Some("VOIDED") | Some("DELETED")) {
            return Ok(vec![Record::Deleted(Deletion { entity: Entity::Payment, external_id: id, version })]);
        }
        let currency = self.currency(&c.currency_code)?;
        Ok(vec![Record::Payment(PaymentRecord {
            external_id: id,
            customer_external_id: c.contact.id.clone(),
            received: self.a_date(&c.date, &c.date_string, "Date", &c.id)?,
            currency,
            amount_minor: self.amount(c.total.as_ref(), currency, "Total", &c.id)?,
            unapplied_minor: self.amount(c.remaining_credit.as_ref(), currency, "RemainingCredit", &c.id)?,
            method: Some(if prefix == "op" { "overpayment" } else { "prepayment" }.to_string()),
            reference: c.reference.clone().filter(|r| !r.trim().is_empty()),
            applications: self.allocations(&c, currency, false)?,
            version,
        })])
    }

    fn params(&self, endpoint: &str, page: u32) -> Vec<(&'static str, String)> {
        let plain = self.plain_filters.load(Ordering::Relaxed);
        let size = if plain { self.settings.page_size.min(100) } else { self.settings.page_size.clamp(1, 1000) };
        let mut p =
            vec![("page", page.to_string()), ("pageSize", size.to_string()), ("order", "UpdatedDateUTC ASC".into())];
        match (endpoint, plain) {
            ("Contacts", _) => p.push(("includeArchived", "true".into())),
            ("Invoices", false) => p.push(("where", "Type==\"ACCREC\"".into())),
            ("Invoices", true) => p.push(("Statuses", "AUTHORISED,PAID,VOIDED,DELETED".into())),
            ("CreditNotes", false) => p.push(("where", "Type==\"ACCRECCREDIT\"".into())),
            _ => {}
        }
        p
    }

    fn page_size(&self) -> usize {
        if self.plain_filters.load(Ordering::Relaxed) {
            self.settings.page_size.min(100) as usize
        } else {
            self.settings.page_size.clamp(1, 1000) as usize
        }
    }

    async fn page(&self, entity: Entity, mut cursor: Cursor) -> Result<Page, SourceError> {
        let all = phases(entity);
        let endpoint = all.get(cursor.phase).copied().unwrap_or("Contacts");
        let env = loop {
            match self.list(endpoint, self.params(endpoint, cursor.page), cursor.since).await? {
                Listed::Rows(env) => break env,
                Listed::Inefficient if !self.plain_filters.swap(true, Ordering::Relaxed) => {
                    tracing::info!(source = %self.settings.source_name, "Xero asked for simpler filters; using Statuses and smaller pages");
                }
                Listed::Inefficient => return Err(self.garbled("Xero refused even the simplest filter".into())),
            }
        };
        let served_at = env.time.as_deref().and_then(wire::instant);
        let page_count = env.pagination.as_ref().and_then(|p| p.page_count);
        if !cursor.counted {
            // Later pages seek (`If-Modified-Since` moves), so only an endpoint's first answer
            // counts the whole of what it will read.
            if let Some(n) = env.pagination.as_ref().and_then(|p| p.item_count) {
                cursor.expected = Some(cursor.expected.unwrap_or(0) + n);
            }
            cursor.counted = true;
        }
        let rows = self.records(endpoint, *env)?;
        let full = rows.len() >= self.page_size() && page_count.is_none_or(|n| cursor.page < n);
        let last = rows.iter().map(|r| r.0).max();
        let records: Vec<Record> = rows.into_iter().flat_map(|r| r.1).collect();
        let stored = cursor.wm.get(endpoint).copied();
        let next = if full {
            // Seek: what changed since the last row's second, less one (If-Modified-Since is "after").
            let seek = last.map(|l| floor_second(l) - chrono::Duration::seconds(1));
            let mut next = cursor.clone();
            if seek > cursor.since {
                next.since = seek;
                next.page = 1;
            } else {
                next.page += 1;
            }
            if let Some(s) = next.since.filter(|_| next.page == 1) {
                // Everything at or before the seek point is read.
                let w = stored.map_or(s, |w| w.max(s));
                next.wm.insert(endpoint.to_string(), w);
            }
            Some(next)
        } else {
            let done = last.into_iter().chain(stored).max();
            if let Some(d) = done {
                cursor.wm.insert(endpoint.to_string(), d);
            }
            (cursor.phase + 1 < all.len()).then(|| {
                let phase = cursor.phase + 1;
                let since = cursor.wm.get(all[phase]).map(|w| *w - self.settings.overlap);
                Cursor { phase, since, page: 1, wm: cursor.wm.clone(), expected: cursor.expected, counted: false }
            })
        };
        let wm = next.as_ref().map(|n| &n.wm).unwrap_or(&cursor.wm);
        Ok(Page {
            records,
            watermark: serde_json::to_string(wm).ok(),
            next: match &next {
                Some(c) => Some(serde_json::to_string(c).map_err(|e| self.garbled(e.to_string()))?),
                None => None,
            },
            served_at,
            complete: false,
            expected_total: cursor.expected,
        })
    }
}

/// Rows per page of the open-invoice listing.
const OPEN_PAGE: usize = 100;

impl XeroSource {
    /// One page (numbered from 1) of the open sales invoices: `AUTHORISED`, `ACCREC`.
    async fn open_page(&self, page: u32) -> Result<OpenInvoicePage, SourceError> {
        let env = loop {
            let mut params = vec![
                ("page", page.to_string()),
                ("pageSize", OPEN_PAGE.to_string()),
                ("Statuses", "AUTHORISED".to_string()),
                ("order", "UpdatedDateUTC ASC".to_string()),
            ];
            if !self.plain_filters.load(Ordering::Relaxed) {
                params.push(("where", "Type==\"ACCREC\"".to_string()));
            }
            match self.list("Invoices", params, None).await? {
                Listed::Rows(env) => break env,
                Listed::Inefficient if !self.plain_filters.swap(true, Ordering::Relaxed) => {}
                Listed::Inefficient => return Err(self.garbled("Xero refused even the simplest filter".into())),
            }
        };
        let served_at = env.time.as_deref().and_then(wire::instant);
        let page_count = env.pagination.as_ref().and_then(|p| p.page_count);
        let rows = env.invoices;
        let full = rows.len() >= OPEN_PAGE && page_count.is_none_or(|n| page < n);
        let mut invoices = Vec::with_capacity(rows.len());
        for i in rows {
            if i.kind.as_deref().is_some_and(|k| k != "ACCREC") {
                continue;
            }
            let currency = self.currency(&i.currency_code)?;
            let balance = self.amount(i.amount_due.as_ref(), currency, "AmountDue", &i.id)?;
            let number = i
                .invoice_number
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| format!("XERO-{}", short(&i.id)));
            invoices.push(OpenInvoice { external_id: i.id, number, currency, balance_minor: balance });
        }
        Ok(OpenInvoicePage { invoices, next: full.then(|| (page + 1).to_string()), served_at })
    }
}

fn floor_second(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// Reads a Xero answer: rows, or which failure it is.
/// An invoice's PDF: its bytes when Xero sends one; `None` when Xero has no such invoice (404);
/// otherwise what [`judge`] makes of the answer.
fn judge_pdf(source: &str, reply: Reply) -> Verdict<Option<Vec<u8>>> {
    match reply.status {
        200 if arbot_connector_http::call::is_pdf(&reply.body) => Verdict::Done(Some(reply.body)),
        404 => Verdict::Done(None),
        400 if String::from_utf8_lossy(&reply.body).contains("supplied id was not found") => Verdict::Done(None),
        _ => judge(source, reply).and_then(|_| {
            Verdict::Fail(SourceError::Unavailable {
                source_name: source.to_string(),
                detail: "Xero answered without the invoice's PDF".to_string(),
            })
        }),
    }
}

fn judge(source: &str, reply: Reply) -> Verdict<Listed> {
    let problem = reply.header("x-rate-limit-problem").unwrap_or("").to_ascii_lowercase();
    let body: Option<wire::ErrorBody> = serde_json::from_slice(&reply.body).ok();
    let describe = |b: &Option<wire::ErrorBody>| {
        let Some(b) = b else {
            tracing::debug!(
                status = reply.status,
                "Xero answer: {}",
                String::from_utf8_lossy(&reply.body).chars().take(2000).collect::<String>()
            );
            return arbot_connector_http::not_json(&reply.body).to_string();
        };
        let mut parts: Vec<String> = [b.kind.clone(), b.title.clone(), b.message.clone(), b.detail.clone()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect();
        parts.extend(b.elements.iter().flat_map(|e| e.validation_errors.iter().filter_map(|v| v.message.clone())));
        parts.join(": ")
    };
    match reply.status {
        200 => match serde_json::from_slice::<wire::Envelope>(&reply.body) {
            Ok(env) => Verdict::Done(Listed::Rows(Box::new(env))),
            Err(e) => {
                tracing::debug!("unreadable Xero answer: {e}");
                Verdict::Retry {
                    after_secs: None,
                    why: format!("Xero sent {}", arbot_connector_http::not_json(&reply.body)),
                }
            }
        },
        401 => Verdict::Unauthorized { why: describe(&body) },
        403 => Verdict::Fail(SourceError::NeedsReconnect {
            source_name: source.to_string(),
            reason: format!(
                "Xero refused access to this organisation ({}); reconnect with `arbot connect xero --source {source}`",
                describe(&body)
            ),
        }),
        429 if problem == "day" => Verdict::Reschedule {
            after_secs: reply.retry_after().unwrap_or(3600),
            why: "Xero's 5,000 requests a day for this organisation are used up".to_string(),
        },
        429 => Verdict::Retry {
            after_secs: reply.retry_after(),
            why: format!("Xero asked us to slow down ({} limit)", if problem.is_empty() { "rate" } else { &problem }),
        },
        s if s >= 500 => Verdict::Retry { after_secs: reply.retry_after(), why: format!("Xero answered HTTP {s}") },
        400 => {
            let text = describe(&body);
            if text.contains("not filtering") && text.contains("efficiently") {
                Verdict::Done(Listed::Inefficient)
            } else {
                Verdict::Fail(SourceError::Unavailable {
                    source_name: source.to_string(),
                    detail: format!("Xero refused the request: {text}"),
                })
            }
        }
        s => Verdict::Fail(SourceError::Unavailable {
            source_name: source.to_string(),
            detail: format!("Xero answered HTTP {s} with {}", describe(&body)),
        }),
    }
}

#[async_trait::async_trait]
impl Source for XeroSource {
    fn name(&self) -> &str {
        &self.settings.source_name
    }

    fn entities(&self) -> &[Entity] {
        &[Entity::Customer, Entity::Invoice, Entity::CreditMemo, Entity::Payment]
    }

    async fn fetch(&self, entity: Entity, since: Option<&str>, cursor: Option<&str>) -> Result<Page, SourceError> {
        let cursor = match cursor {
            Some(c) => serde_json::from_str(c).map_err(|e| self.garbled(format!("cursor {c:?}: {e}")))?,
            None => {
                let wm: BTreeMap<String, DateTime<Utc>> =
                    since.and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
                let since = wm.get(phases(entity)[0]).map(|w| *w - self.settings.overlap);
                Cursor { phase: 0, since, page: 1, wm, ..Cursor::default() }
            }
        };
        self.page(entity, cursor).await
    }

    async fn fetch_by_ids(&self, entity: Entity, ids: &[String]) -> Result<Vec<Record>, SourceError> {
        if entity != Entity::Invoice {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        // Long ID lists break Xero's URLs (about 50 GUIDs): ask in small groups.
        for chunk in ids.chunks(40) {
            let params = vec![("IDs", chunk.join(","))];
            match self.list("Invoices", params, None).await? {
                Listed::Rows(env) => out.extend(self.records("Invoices", *env)?.into_iter().flat_map(|r| r.1)),
                Listed::Inefficient => return Err(self.garbled("Xero refused a lookup by id".into())),
            }
        }
        Ok(out)
    }

    fn reconcilable(&self) -> Reconcilable {
        Reconcilable::Api
    }

    async fn open_invoices(&self, cursor: Option<&str>) -> Result<OpenInvoicePage, SourceError> {
        let page = match cursor {
            None => 1,
            Some(c) => c.trim().parse::<u32>().map_err(|e| self.garbled(format!("listing cursor {c:?}: {e}")))?,
        };
        self.open_page(page.max(1)).await
    }

    fn serves_invoice_pdfs(&self) -> bool {
        true
    }

    fn serves_bank_balances(&self) -> bool {
        true
    }

    async fn bank_balances(&self, today: NaiveDate) -> Result<Vec<BankAccountBalance>, SourceError> {
        let day = today.format("%Y-%m-%d").to_string();
        let listed = self.list("Reports/BankSummary", vec![("fromDate", day.clone()), ("toDate", day)], None).await?;
        let Listed::Rows(env) = listed else {
            return Err(self.garbled("the Bank Summary report was refused as inefficient".to_string()));
        };
        let Some(report) = env.reports.into_iter().find(|r| r.kind.as_deref() == Some("BankSummary")) else {
            return Err(self.garbled("the answer held no Bank Summary report".to_string()));
        };
        let currency = self.settings.home_currency;
        let mut out = Vec::new();
        let rows = report.rows.iter().filter(|r| r.kind.as_deref() == Some("Section")).flat_map(|s| s.rows.iter());
        for row in rows.filter(|r| r.kind.as_deref() == Some("Row")) {
            let (Some(first), Some(last)) = (row.cells.first(), row.cells.last()) else { continue };
            let name = first.value.clone().unwrap_or_default();
            let id = first
                .attributes
                .iter()
                .find(|a| a.id.as_deref() == Some("accountID"))
                .and_then(|a| a.value.clone())
                .unwrap_or_else(|| name.clone());
            let closing = last.value.as_deref().unwrap_or("0");
            let minor = Num::from_text(closing)
                .minor(currency)
                .map_err(|e| self.garbled(format!("closing balance of bank account {name:?}: {e}")))?;
            out.push(BankAccountBalance {
                external_id: id,
                name,
                balance: arbot_core::Money::new(minor, currency),
                as_of: today,
            });
        }
        Ok(out)
    }

    async fn invoice_pdf(&self, external_id: &str) -> Result<Option<Vec<u8>>, SourceError> {
        self.pdf(external_id).await
    }
}

/// The organisations a fresh token set may read (`GET /connections`), for `arbot connect xero`.
pub async fn tenants(
    client: &reqwest::Client,
    connections_url: &str,
    access_token: &Secret,
) -> Result<Vec<Tenant>, String> {
    let resp = client
        .get(connections_url)
        .bearer_auth(access_token.expose_secret())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| format!("Xero's connections endpoint could not be reached: {e}"))?;
    let status = resp.status();
    let body = resp.bytes().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("Xero's connections endpoint answered {status}"));
    }
    serde_json::from_slice(&body).map_err(|e| format!("Xero's connections answer is unreadable: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, headers: &[(&'static str, &str)], body: &str) -> Reply {
        let mut h = reqwest::header::HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, v.parse().expect("header"));
        }
        Reply { status, headers: h, body: body.as_bytes().to_vec() }
    }

    #[test]
    fn errors_are_read() {
        let validation = r#"{"ErrorNumber":10,"Type":"ValidationException","Message":"A validation exception occurred","Elements":[{"ValidationErrors":[{"Message":"The document with the supplied id was not found for this endpoint."}]}]}"#;
        let v = judge("xero", reply(400, &[], validation));
        assert!(matches!(&v, Verdict::Fail(e) if e.to_string().contains("supplied id was not found")), "{v:?}");
        let expired = r#"{"Type":null,"Title":"Unauthorized","Status":401,"Detail":"TokenExpired: token expired at 09/24/2021 08:23:47","Instance":"04115443-c574-4949-9cfa-102bdb03ca91","Extensions":{}}"#;
        assert!(
            matches!(judge("xero", reply(401, &[], expired)), Verdict::Unauthorized { why } if why.contains("TokenExpired"))
        );
        let day = judge("xero", reply(429, &[("retry-after", "66975"), ("x-rate-limit-problem", "day")], ""));
        assert!(matches!(day, Verdict::Reschedule { after_secs: 66975, .. }));
        let minute = judge("xero", reply(429, &[("retry-after", "3"), ("x-rate-limit-problem", "minute")], ""));
        assert!(matches!(minute, Verdict::Retry { after_secs: Some(3), .. }));
        let slow = r#"{"ErrorNumber":10,"Type":"ValidationException","Message":"Your request is not filtering Invoices efficiently, given the extremely high volume for this organisation"}"#;
        assert!(matches!(judge("xero", reply(400, &[], slow)), Verdict::Done(Listed::Inefficient)));
        assert!(matches!(
            judge("xero", reply(503, &[], "oauth_problem=rate%20limit%20exceeded")),
            Verdict::Retry { .. }
        ));
        assert!(matches!(
            judge("xero", reply(403, &[], r#"{"Title":"Forbidden","Detail":"AuthenticationUnsuccessful"}"#)),
            Verdict::Fail(SourceError::NeedsReconnect { .. })
        ));
        assert!(matches!(judge("xero", reply(200, &[], r#"{"Invoices":[{"InvoiceID":"#)), Verdict::Retry { .. }));
        // An invoice's PDF: the document, an id Xero does not know, and JSON where a PDF was asked for.
        assert!(matches!(judge_pdf("xero", reply(200, &[], "%PDF-1.7\n")), Verdict::Done(Some(_))));
        assert!(matches!(judge_pdf("xero", reply(404, &[], "")), Verdict::Done(None)));
        assert!(matches!(judge_pdf("xero", reply(400, &[], validation)), Verdict::Done(None)));
        let json = judge_pdf("xero", reply(200, &[], r#"{"Invoices":[]}"#));
        assert!(matches!(&json, Verdict::Fail(e) if e.to_string().contains("without the invoice's PDF")), "{json:?}");
        assert!(matches!(judge_pdf("xero", reply(401, &[], expired)), Verdict::Unauthorized { .. }));
    }
}
