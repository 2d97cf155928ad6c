//! QuickBooks Online (Accounting API v3) as an arbot [`Source`].
//!
//! How it reads a company:
//!
//! - **Changed rows** through the query endpoint, ordered by `MetaData.LastUpdatedTime` and
//!   paged by *seeking on that time* (`>=` the last time seen) rather than by an ever-growing
//!   `STARTPOSITION`: a record updated while the sync is paging moves to the end of the order and
//!   is read there, and no other record shifts past a page boundary, so nothing is skipped; the
//!   few rows read twice are deduplicated by the store. Only when a whole page shares one
//!   timestamp does it page by position within that second, checking that the page starts with
//!   the row the last one ended on (and re-reading that second when it does not).
//! - **Deletions** through Change Data Capture (`/cdc`), at the start of each entity's pass, from
//!   the time of the previous CDC call; deleted rows never appear in queries. When the last CDC
//!   call is older than CDC's 30-day reach (or CDC returns its 1,000-object maximum), the pass is
//!   a full read instead and the engine marks what it did not deliver as deleted.
//! - **Customers and jobs**: every customer, active or not (`Active IN (true, false)`); a
//!   sub-customer (`Job: true` or a `ParentRef`) is a job of its top-level customer, and an
//!   invoice, payment or credit memo made out to a job belongs to that customer and that job.
//! - **Invoices**: a void is zero totals with a private note starting "Voided": kept, closed.
//!   Amounts stay in the document's currency (`CurrencyRef`; the home currency when absent).
//! - **Payments**: each line linked to an invoice is an application; credit memos linked in the
//!   same payment are applied to its invoice lines in order, so a `TotalAmt: 0` payment that
//!   applies a credit memo becomes applications "by credit memo"; unapplied cash is kept.
//! - **Errors**: JSON `Fault`, lowercase `fault`, the XML throttle, a fault inside a 200, HTML
//!   5xx pages; `intuit_tid` is logged with every failure. Requests stay under 490 a minute.
//! - **Reconcile**: the open invoices are listed with `SELECT * FROM Invoice WHERE Balance > '0'`
//!   in pages of up to 1,000 (read as id, number, currency and balance only, so listing costs
//!   nothing but its pages), and re-read by id (`Id IN (...)`, 200 at a time); an id QuickBooks
//!   no longer returns is deleted there.
//! - **Bank balances** (for the float watch): after each sync, the active bank accounts'
//!   `CurrentBalance` (`SELECT * FROM Account WHERE AccountType = 'Bank' AND Active = true`), as
//!   QuickBooks' books have it today.
//! - **Progress**: each query pass is counted first (`SELECT COUNT(*)` with the same filter), so
//!   `arbot sync` can draw a bar against what is coming.

mod wire;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arbot_connector_http::call::{Caller, Pacing, Reply, RetryPolicy, Verdict};
use arbot_connector_http::tokens::TokenManager;
use arbot_connector_http::{ExposeSecret, Num, Secret};
use arbot_core::ledger::{CustomerKind, InvoiceKind};
use arbot_core::source::{
    ApplicationRecord, BankAccountBalance, CreditMemoRecord, CustomerRecord, Deletion, Entity, InvoiceRecord,
    JobRecord, OpenInvoice, OpenInvoicePage, Page, PaymentRecord, Reconcilable, Record, Source, SourceError, Version,
};
use arbot_core::{Clock, Currency};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use wire::Envelope;

/// Intuit's production API host.
pub const API_BASE: &str = "https://quickbooks.api.intuit.com";
/// Intuit's sandbox API host.
pub const SANDBOX_API_BASE: &str = "https://sandbox-quickbooks.api.intuit.com";
/// Where a person grants arbot access.
pub const AUTHORIZE_URL: &str = "https://appcenter.intuit.com/connect/oauth2";
/// Where codes and refresh tokens are exchanged.
pub const TOKEN_URL: &str = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer";
/// The one scope arbot asks for: read the books.
pub const SCOPE: &str = "com.intuit.quickbooks.accounting";
/// The key of the realm (company) id in the saved token set.
pub const REALM_KEY: &str = "realm_id";
/// Sent with every request; Intuit ignores older ones since August 2025.
pub const MINOR_VERSION: &str = "75";
/// The most objects one CDC answer holds.
const CDC_LIMIT: usize = 1000;

/// How a QuickBooks source is set up.
#[derive(Debug, Clone)]
pub struct QboSettings {
    /// The configured source name: part of every record key.
    pub source_name: String,
    /// The company; when `None`, the realm saved by `arbot connect` is used.
    pub realm_id: Option<String>,
    pub api_base: String,
    /// Rows per query page (QuickBooks allows up to 1,000).
    pub page_size: u32,
    /// The company's home currency, for documents without a `CurrencyRef`.
    pub home_currency: Currency,
    /// Each incremental read starts this much before the last watermark.
    pub overlap: chrono::Duration,
    /// A last CDC call older than this means a full read (CDC reaches back 30 days).
    pub cdc_reach: chrono::Duration,
    pub retry: RetryPolicy,
    pub pacing: Pacing,
}

impl QboSettings {
    pub fn new(source_name: &str) -> QboSettings {
        QboSettings {
            source_name: source_name.to_string(),
            realm_id: None,
            api_base: API_BASE.to_string(),
            page_size: 1000,
            home_currency: Currency::USD,
            overlap: chrono::Duration::minutes(5),
            cdc_reach: chrono::Duration::days(29),
            retry: RetryPolicy::default(),
            // Intuit allows 500 a minute and 10 at once per realm; stay under both.
            pacing: Pacing { max_requests: 490, per: Duration::from_secs(60), concurrent: 4 },
        }
    }
}

/// What is known about a customer id: whether it is a job, and its parent.
#[derive(Debug, Clone)]
struct Node {
    parent: Option<String>,
    job: bool,
}

/// A QuickBooks Online company.
#[derive(Debug)]
pub struct QboSource {
    settings: QboSettings,
    caller: Caller,
    /// The customer tree seen so far (customers are never deleted in QuickBooks).
    tree: Mutex<HashMap<String, Node>>,
}

/// The stored watermark of an entity: the last `LastUpdatedTime` fully read, and the server
/// time of the last CDC call (deletions before it are applied).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Watermark {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    q: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cdc: Option<DateTime<Utc>>,
}

/// Where a pass stands between pages.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Cursor {
    /// A full read whose pages are `complete`.
    #[serde(default)]
    full: bool,
    /// Read rows updated at or after this time (everything when `None`).
    #[serde(default)]
    from: Option<DateTime<Utc>>,
    /// Rows at exactly `from` already read (only when a page was all one timestamp).
    #[serde(default)]
    skip: u32,
    /// The last row read, to check that positions did not shift.
    #[serde(default)]
    last_id: Option<String>,
    #[serde(default)]
    restarts: u32,
    /// The CDC time the pages of this pass may store.
    #[serde(default)]
    cdc: Option<DateTime<Utc>>,
    /// The server time when a full read began (its CDC time once it is done).
    #[serde(default)]
    started: Option<DateTime<Utc>>,
    /// The watermark the pass began from, so it never moves back.
    #[serde(default)]
    q0: Option<DateTime<Utc>>,
}

fn entity_name(entity: Entity) -> &'static str {
    match entity {
        Entity::Customer | Entity::Job => "Customer",
        Entity::Invoice => "Invoice",
        Entity::CreditMemo => "CreditMemo",
        Entity::Payment => "Payment",
    }
}

/// QuickBooks' times carry an offset; arbot keeps UTC.
fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim()).ok().map(|t| t.with_timezone(&Utc))
}

/// A time for a query: explicit offset, whole seconds (QuickBooks' own precision).
fn query_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

/// The WHERE clause of a pass's queries (its pages and its count): rows changed at or after
/// `from`, and for customers the inactive ones too.
fn filter(entity: Entity, from: Option<DateTime<Utc>>) -> String {
    let mut conditions = Vec::new();
    if let Some(from) = from {
        conditions.push(format!("MetaData.LastUpdatedTime >= '{}'", query_time(from)));
    }
    if entity == Entity::Customer {
        conditions.push("Active IN (true, false)".to_string());
    }
    if conditions.is_empty() { String::new() } else { format!(" WHERE {}", conditions.join(" AND ")) }
}

fn seq(sync_token: &Option<String>) -> i64 {
    sync_token.as_deref().and_then(|s| s.trim().parse().ok()).unwrap_or(0)
}

/// Ids go into query text: QuickBooks ids are digits; anything else is refused.
fn safe_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 40 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl QboSource {
    pub fn new(settings: QboSettings, tokens: Arc<TokenManager>, clock: Arc<dyn Clock>) -> Result<QboSource, String> {
        let caller = Caller::new(&settings.source_name, "QuickBooks", settings.pacing, settings.retry, tokens, clock)?;
        Ok(QboSource { settings, caller, tree: Mutex::new(HashMap::new()) })
    }

    fn garbled(&self, detail: String) -> SourceError {
        SourceError::Garbled { source_name: self.settings.source_name.clone(), detail }
    }

    async fn realm(&self) -> Result<String, SourceError> {
        if let Some(r) = &self.settings.realm_id {
            return Ok(r.clone());
        }
        let company = self.caller.tokens.company().await?;
        match company.get(REALM_KEY) {
            Some(r) => Ok(r.clone()),
            None => Err(SourceError::NeedsReconnect {
                source_name: self.settings.source_name.clone(),
                reason: format!(
                    "no QuickBooks company is known; run `arbot connect quickbooks --source {}` or set realm_id",
                    self.settings.source_name
                ),
            }),
        }
    }

    /// Runs a query (POSTed as text, so long `IN` lists fit).
    async fn query(&self, statement: &str) -> Result<Envelope, SourceError> {
        let realm = self.realm().await?;
        let url = format!("{}/v3/company/{realm}/query", self.settings.api_base.trim_end_matches('/'));
        let what = format!("QuickBooks query \"{}\"", statement.chars().take(80).collect::<String>());
        let statement = statement.to_string();
        self.caller
            .call(
                &what,
                |client, token: &Secret| {
                    client
                        .post(&url)
                        .query(&[("minorversion", MINOR_VERSION)])
                        .bearer_auth(token.expose_secret())
                        .header(reqwest::header::ACCEPT, "application/json")
                        .header(reqwest::header::CONTENT_TYPE, "application/text")
                        .body(statement.clone())
                },
                judge,
            )
            .await
    }

    /// `GET /v3/company/{realm}/invoice/{id}/pdf` with `Accept: application/pdf`: the invoice as
    /// QuickBooks prints it.
    async fn pdf(&self, id: &str) -> Result<Option<Vec<u8>>, SourceError> {
        if !safe_id(id) {
            return Ok(None);
        }
        let realm = self.realm().await?;
        let url = format!("{}/v3/company/{realm}/invoice/{id}/pdf", self.settings.api_base.trim_end_matches('/'));
        self.caller
            .call(
                &format!("QuickBooks invoice {id} as PDF"),
                |client, token: &Secret| {
                    client
                        .get(&url)
                        .query(&[("minorversion", MINOR_VERSION)])
                        .bearer_auth(token.expose_secret())
                        .header(reqwest::header::ACCEPT, "application/pdf")
                },
                judge_pdf,
            )
            .await
    }

    async fn cdc(&self, entity: Entity, since: DateTime<Utc>) -> Result<Envelope, SourceError> {
        let realm = self.realm().await?;
        let url = format!("{}/v3/company/{realm}/cdc", self.settings.api_base.trim_end_matches('/'));
        let since = query_time(since);
        let name = entity_name(entity);
        self.caller
            .call(
                &format!("QuickBooks change feed for {name}"),
                |client, token: &Secret| {
                    client
                        .get(&url)
                        .query(&[("entities", name), ("changedSince", since.as_str()), ("minorversion", MINOR_VERSION)])
                        .bearer_auth(token.expose_secret())
                        .header(reqwest::header::ACCEPT, "application/json")
                },
                judge,
            )
            .await
    }

    /// Learns the customers named by `ids` and their ancestors, asking QuickBooks for those not
    /// seen yet.
    async fn learn_customers(&self, ids: impl IntoIterator<Item = String>) -> Result<(), SourceError> {
        let mut wanted: Vec<String> = ids.into_iter().collect();
        for _ in 0..6 {
            let unknown: Vec<String> = {
                let tree = self.tree.lock().unwrap_or_else(|p| p.into_inner());
                let mut out = Vec::new();
                for id in &wanted {
                    let mut at = id.clone();
                    for _ in 0..6 {
                        match tree.get(&at) {
                            Some(Node { parent: Some(p), .. }) => at = p.clone(),
                            Some(_) => break,
                            None => {
                                out.push(at.clone());
                                break;
                            }
                        }
                    }
                }
                out.sort();
                out.dedup();
                out.retain(|id| safe_id(id));
                out
            };
            if unknown.is_empty() {
                return Ok(());
            }
            for chunk in unknown.chunks(100) {
                let list = chunk.iter().map(|id| format!("'{id}'")).collect::<Vec<_>>().join(", ");
                let env = self
                    .query(&format!(
                        "SELECT * FROM Customer WHERE Id IN ({list}) AND Active IN (true, false) MAXRESULTS 1000"
                    ))
                    .await?;
                let found = env.query_response.map(|q| q.customers).unwrap_or_default();
                let mut tree = self.tree.lock().unwrap_or_else(|p| p.into_inner());
                for c in &found {
                    tree.insert(c.id.clone(), node_of(c));
                }
                // Ids QuickBooks does not know stay top-level customers (placeholders in the store).
                for id in chunk {
                    tree.entry(id.clone()).or_insert(Node { parent: None, job: false });
                }
            }
            wanted = unknown;
        }
        Ok(())
    }

    /// The customer and job a document made out to `customer_ref` belongs to.
    fn owner(&self, customer_ref: &str, project_ref: Option<&str>) -> (String, Option<String>) {
        let tree = self.tree.lock().unwrap_or_else(|p| p.into_inner());
        let top = |id: &str| {
            let mut at = id.to_string();
            for _ in 0..6 {
                match tree.get(&at) {
                    Some(Node { parent: Some(p), .. }) => at = p.clone(),
                    _ => break,
                }
            }
            at
        };
        let is_job = tree.get(customer_ref).is_some_and(|n| n.job || n.parent.is_some());
        if is_job {
            return (top(customer_ref), Some(customer_ref.to_string()));
        }
        let job = project_ref.filter(|p| *p != customer_ref).map(str::to_string);
        (top(customer_ref), job)
    }

    fn currency(&self, r: &Option<wire::Ref>) -> Result<Currency, SourceError> {
        match r {
            None => Ok(self.settings.home_currency),
            Some(r) => Currency::parse(&r.value).map_err(|e| self.garbled(format!("currency {:?}: {e}", r.value))),
        }
    }

    fn amount(&self, n: &Num, currency: Currency, what: &str, id: &str) -> Result<i64, SourceError> {
        n.minor(currency).map_err(|e| self.garbled(format!("{what} of {id}: {e}")))
    }

    fn version(&self, meta: &wire::MetaData, sync_token: &Option<String>, id: &str) -> Result<Version, SourceError> {
        let at = parse_time(&meta.last_updated_time)
            .ok_or_else(|| self.garbled(format!("LastUpdatedTime {:?} of {id}", meta.last_updated_time)))?;
        Ok(Version { updated_at: at, seq: seq(sync_token) })
    }

    /// Turns a page of rows into records (learning customers first).
    async fn records(
        &self,
        entity: Entity,
        q: wire::QueryResponse,
    ) -> Result<Vec<(String, DateTime<Utc>, Record)>, SourceError> {
        let mut out = Vec::new();
        match entity {
            Entity::Customer | Entity::Job => {
                {
                    let mut tree = self.tree.lock().unwrap_or_else(|p| p.into_inner());
                    for c in &q.customers {
                        tree.insert(c.id.clone(), node_of(c));
                    }
                }
                let parents: Vec<String> =
                    q.customers.iter().filter_map(|c| c.parent_ref.as_ref().map(|p| p.value.clone())).collect();
                self.learn_customers(parents).await?;
                for c in q.customers {
                    let version = self.version(&c.meta_data, &c.sync_token, &c.id)?;
                    let name = c
                        .display_name
                        .clone()
                        .or(c.company_name.clone())
                        .or(c.fully_qualified_name.clone())
                        .unwrap_or_else(|| format!("QuickBooks customer {}", c.id));
                    let record = if c.job == Some(true) || c.parent_ref.is_some() {
                        let (customer, _) = self.owner(&c.id, None);
                        Record::Job(JobRecord {
                            external_id: c.id.clone(),
                            customer_external_id: customer,
                            name,
                            city: c.bill_addr.as_ref().and_then(|a| a.city.clone()),
                            county: None,
                            state: c.bill_addr.as_ref().and_then(|a| a.country_sub_division_code.clone()),
                            project_type: None,
                            role: None,
                            owner_name: None,
                            gc_name: None,
                            pm: None,
                            first_furnished: None,
                            last_furnished: None,
                            noc_recorded: None,
                            noc_expires: None,
                            retainage_bp: 0,
                            version,
                        })
                    } else {
                        Record::Customer(CustomerRecord {
                            external_id: c.id.clone(),
                            name,
                            kind: CustomerKind::Other,
                            email: c.primary_email_addr.and_then(|e| e.address),
                            address: c.bill_addr.as_ref().and_then(|a| a.lines()),
                            phone: c.primary_phone.and_then(|p| p.free_form_number),
                            terms_days: None,
                            pm: None,
                            active: c.active.unwrap_or(true),
                            version,
                        })
                    };
                    out.push((c.id, version.updated_at, record));
                }
            }
            Entity::Invoice => {
                self.learn_customers(q.invoices.iter().map(|i| i.customer_ref.value.clone())).await?;
                for i in q.invoices {
                    let version = self.version(&i.meta_data, &i.sync_token, &i.id)?;
                    let currency = self.currency(&i.currency_ref)?;
                    let total = self.amount(&i.total_amt, currency, "TotalAmt", &i.id)?;
                    let balance = self.amount(&i.balance, currency, "Balance", &i.id)?;
                    let note = i.private_note.clone().filter(|n| !n.trim().is_empty());
                    let voided = total == 0
                        && balance == 0
                        && note.as_deref().is_some_and(|n| n.trim_start().to_ascii_lowercase().starts_with("voided"));
                    let (customer, job) =
                        self.owner(&i.customer_ref.value, i.project_ref.as_ref().map(|p| p.value.as_str()));
                    let number = i
                        .doc_number
                        .clone()
                        .filter(|d| !d.trim().is_empty())
                        .unwrap_or_else(|| format!("QBO-{}", i.id));
                    out.push((
                        i.id.clone(),
                        version.updated_at,
                        Record::Invoice(InvoiceRecord {
                            external_id: i.id,
                            customer_external_id: customer,
                            job_external_id: job,
                            number,
                            kind: InvoiceKind::Progress,
                            issued: i.txn_date,
                            due: i.due_date.unwrap_or(i.txn_date),
                            currency,
                            total_minor: total,
                            balance_minor: balance,
                            retainage_minor: 0,
                            voided,
                            memo: note,
                            balance_as_of: None,
                            version,
                        }),
                    ));
                }
            }
            Entity::CreditMemo => {
                self.learn_customers(q.credit_memos.iter().map(|m| m.customer_ref.value.clone())).await?;
                for m in q.credit_memos {
                    let version = self.version(&m.meta_data, &m.sync_token, &m.id)?;
                    let currency = self.currency(&m.currency_ref)?;
                    let total = self.amount(&m.total_amt, currency, "TotalAmt", &m.id)?;
                    let remaining = match m.remaining_credit.as_ref().or(m.balance.as_ref()) {
                        Some(n) => self.amount(n, currency, "RemainingCredit", &m.id)?,
                        None => total,
                    };
                    let (customer, _) = self.owner(&m.customer_ref.value, None);
                    let number = m
                        .doc_number
                        .clone()
                        .filter(|d| !d.trim().is_empty())
                        .unwrap_or_else(|| format!("QBO-CM-{}", m.id));
                    out.push((
                        m.id.clone(),
                        version.updated_at,
                        Record::CreditMemo(CreditMemoRecord {
                            external_id: m.id,
                            customer_external_id: customer,
                            number,
                            issued: m.txn_date,
                            currency,
                            total_minor: total,
                            remaining_minor: remaining,
                            version,
                        }),
                    ));
                }
            }
            Entity::Payment => {
                self.learn_customers(q.payments.iter().map(|p| p.customer_ref.value.clone())).await?;
                for p in q.payments {
                    let version = self.version(&p.meta_data, &p.sync_token, &p.id)?;
                    let currency = self.currency(&p.currency_ref)?;
                    let amount = self.amount(&p.total_amt, currency, "TotalAmt", &p.id)?;
                    let unapplied = match &p.unapplied_amt {
                        Some(n) => self.amount(n, currency, "UnappliedAmt", &p.id)?,
                        None => 0,
                    };
                    let applications = self.applications(&p, currency)?;
                    let (customer, _) = self.owner(&p.customer_ref.value, None);
                    out.push((
                        p.id.clone(),
                        version.updated_at,
                        Record::Payment(PaymentRecord {
                            external_id: p.id,
                            customer_external_id: customer,
                            received: p.txn_date,
                            currency,
                            amount_minor: amount,
                            unapplied_minor: unapplied,
                            method: p.payment_method_ref.and_then(|m| m.name),
                            reference: p.payment_ref_num.filter(|r| !r.trim().is_empty()),
                            applications,
                            version,
                        }),
                    ));
                }
            }
        }
        Ok(out)
    }

    /// A payment's lines as applications. Lines linked to a credit memo are credit, which is
    /// spread over the invoice lines in order; what is left of each invoice line is cash.
    fn applications(&self, p: &wire::Payment, currency: Currency) -> Result<Vec<ApplicationRecord>, SourceError> {
        let mut invoices: Vec<(String, i64)> = Vec::new();
        let mut credits: Vec<(String, i64)> = Vec::new();
        for line in &p.line {
            let amount = self.amount(&line.amount, currency, "a line Amount", &p.id)?;
            // A line normally links one transaction; several links share the line's amount on the first.
            if let Some(link) = line.linked_txn.first() {
                match link.txn_type.as_str() {
                    "Invoice" => invoices.push((link.txn_id.clone(), amount)),
                    "CreditMemo" => credits.push((link.txn_id.clone(), amount)),
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        let mut credit = credits.into_iter().peekable();
        let mut credit_left = 0i64;
        let mut credit_id: Option<String> = None;
        for (invoice, mut amount) in invoices {
            while amount > 0 {
                if credit_left == 0 {
                    match credit.next() {
                        Some((id, a)) if a > 0 => {
                            credit_left = a;
                            credit_id = Some(id);
                        }
                        Some(_) => continue,
                        None => break,
                    }
                }
                let used = credit_left.min(amount);
                out.push(ApplicationRecord {
                    invoice_external_id: invoice.clone(),
                    amount_minor: used,
                    credit_memo_external_id: credit_id.clone(),
                });
                credit_left -= used;
                amount -= used;
            }
            if amount != 0 {
                out.push(ApplicationRecord {
                    invoice_external_id: invoice,
                    amount_minor: amount,
                    credit_memo_external_id: None,
                });
            }
        }
        Ok(out)
    }

    fn watermark(q: Option<DateTime<Utc>>, cdc: Option<DateTime<Utc>>) -> Option<String> {
        serde_json::to_string(&Watermark { q, cdc }).ok()
    }

    /// One page of the query pass described by `cursor`.
    async fn query_page(&self, entity: Entity, mut cursor: Cursor) -> Result<Page, SourceError> {
        let n = self.settings.page_size.clamp(2, 1000);
        loop {
            let check = cursor.skip > 0 && cursor.last_id.is_some() && cursor.restarts <= 3;
            let start = if check { cursor.skip } else { cursor.skip + 1 };
            let statement = format!(
                "SELECT * FROM {}{} ORDER BY MetaData.LastUpdatedTime ASC STARTPOSITION {start} MAXRESULTS {n}",
                entity_name(entity),
                filter(entity, cursor.from)
            );
            let env = self.query(&statement).await?;
            let served_at = env.time.as_deref().and_then(parse_time);
            if cursor.full && cursor.started.is_none() {
                cursor.started = served_at;
            }
            let returned = env
                .query_response
                .as_ref()
                .map(|q| q.customers.len() + q.invoices.len() + q.payments.len() + q.credit_memos.len())
                .unwrap_or(0);
            let mut rows = self.records(entity, env.query_response.unwrap_or_default()).await?;
            if check {
                if rows.first().map(|r| &r.0) != cursor.last_id.as_ref() {
                    // Rows moved under us within one second's worth of records: read that second again.
                    tracing::info!(source = %self.settings.source_name, "positions shifted while paging; re-reading");
                    cursor.skip = 0;
                    cursor.last_id = None;
                    cursor.restarts += 1;
                    continue;
                }
                rows.remove(0);
            }
            let more = returned >= n as usize;
            let q_done = rows.iter().map(|r| r.1).max().into_iter().chain(cursor.q0).chain(cursor.from).max();
            let next = if more {
                let last = rows.last().map(|r| r.1).or(cursor.from);
                let same = last.map(|l| rows.iter().filter(|r| r.1 == l).count()).unwrap_or(0);
                let mut next = cursor.clone();
                if same == rows.len() && !rows.is_empty() {
                    next.skip = if last == cursor.from { cursor.skip + same as u32 } else { same as u32 };
                    next.last_id = rows.last().map(|r| r.0.clone());
                } else {
                    next.skip = 0;
                    next.last_id = None;
                }
                next.from = last;
                Some(next)
            } else {
                None
            };
            // Everything before the next page's start is read; a finished pass is read up to its last row.
            let (q, cdc) = match &next {
                Some(c) => (c.from.into_iter().chain(cursor.q0).max(), cursor.cdc),
                None if cursor.full => (q_done, cursor.started.or(cursor.cdc)),
                None => (q_done, cursor.cdc),
            };
            let watermark = if entity == Entity::Customer { Self::watermark(q, None) } else { Self::watermark(q, cdc) };
            return Ok(Page {
                records: rows.into_iter().map(|r| r.2).collect(),
                watermark,
                next: match next {
                    Some(c) => Some(serde_json::to_string(&c).map_err(|e| self.garbled(e.to_string()))?),
                    None => None,
                },
                served_at,
                complete: cursor.full,
                expected_total: None,
            });
        }
    }

    /// How many rows the query pass from `from` will read, asked before it pages
    /// (`SELECT COUNT(*)` with the same filter), for progress; `None` if QuickBooks does not say.
    async fn count(&self, entity: Entity, from: Option<DateTime<Utc>>) -> Result<Option<u64>, SourceError> {
        let statement = format!("SELECT COUNT(*) FROM {}{}", entity_name(entity), filter(entity, from));
        let env = self.query(&statement).await?;
        Ok(env.query_response.and_then(|q| q.total_count))
    }

    /// The first page of a query pass, carrying the count of the rows the pass will read.
    async fn counted_query_page(&self, entity: Entity, cursor: Cursor) -> Result<Page, SourceError> {
        let expected_total = self.count(entity, cursor.from).await?;
        let page = self.query_page(entity, cursor).await?;
        Ok(Page { expected_total, ..page })
    }

    /// The first page of an entity's pass: deletions from CDC, or the first page of a full read.
    async fn first_page(&self, entity: Entity, wm: Watermark, had_watermark: bool) -> Result<Page, SourceError> {
        if entity == Entity::Customer {
            let from = wm.q.map(|q| q - self.settings.overlap);
            return self.counted_query_page(entity, Cursor { from, q0: wm.q, ..Cursor::default() }).await;
        }
        let now = self.caller.clock.now();
        let full = Cursor { full: true, cdc: wm.cdc, q0: None, ..Cursor::default() };
        let cdc_from = match wm.cdc {
            Some(cdc) if had_watermark && now - cdc < self.settings.cdc_reach => cdc - self.settings.overlap,
            _ => return self.counted_query_page(entity, full).await,
        };
        let env = self.cdc(entity, cdc_from).await?;
        let served_at = env.time.as_deref().and_then(parse_time);
        let mut items = Vec::new();
        for block in env.cdc_response.unwrap_or_default() {
            for g in block.groups {
                items.extend(match entity {
                    Entity::Invoice => g.invoices,
                    Entity::Payment => g.payments,
                    Entity::CreditMemo => g.credit_memos,
                    _ => g.customers,
                });
            }
        }
        if items.len() >= CDC_LIMIT {
            tracing::info!(source = %self.settings.source_name, "more than CDC can show changed; reading all {}", entity.plural());
            return self.counted_query_page(entity, full).await;
        }
        let Some(served_at) = served_at else {
            return Err(self.garbled("the change feed did not say what time it is".into()));
        };
        let mut records = Vec::new();
        for item in items {
            if !item.status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("deleted")) {
                continue;
            }
            let at = item.meta_data.as_ref().and_then(|m| parse_time(&m.last_updated_time)).unwrap_or(served_at);
            records.push(Record::Deleted(Deletion {
                entity,
                external_id: item.id,
                version: Version { updated_at: at, seq: i64::MAX },
            }));
        }
        let next = Cursor {
            from: wm.q.map(|q| q - self.settings.overlap),
            cdc: Some(served_at),
            q0: wm.q,
            ..Cursor::default()
        };
        // This page's deletions, then the changed rows the query pass will read.
        let expected_total = self.count(entity, next.from).await?.map(|n| n + records.len() as u64);
        Ok(Page {
            records,
            watermark: Self::watermark(wm.q, Some(served_at)),
            next: Some(serde_json::to_string(&next).map_err(|e| self.garbled(e.to_string()))?),
            served_at: Some(served_at),
            complete: false,
            expected_total,
        })
    }
}

impl QboSource {
    /// One page of the open invoices (`Balance > '0'`) from position `start`, ordered by
    /// `MetaData.LastUpdatedTime`; the next page's position when this one was full.
    async fn open_page(&self, start: u32) -> Result<OpenInvoicePage, SourceError> {
        let n = self.settings.page_size.clamp(2, 1000);
        let env = self
            .query(&format!(
                "SELECT * FROM Invoice WHERE Balance > '0' ORDER BY MetaData.LastUpdatedTime ASC STARTPOSITION {start} \
                 MAXRESULTS {n}"
            ))
            .await?;
        let served_at = env.time.as_deref().and_then(parse_time);
        let rows = env.query_response.map(|q| q.invoices).unwrap_or_default();
        let full = rows.len() >= n as usize;
        let mut invoices = Vec::with_capacity(rows.len());
        for i in rows {
            let currency = self.currency(&i.currency_ref)?;
            let balance = self.amount(&i.balance, currency, "Balance", &i.id)?;
            let number =
                i.doc_number.clone().filter(|d| !d.trim().is_empty()).unwrap_or_else(|| format!("QBO-{}", i.id));
            invoices.push(OpenInvoice { external_id: i.id, number, currency, balance_minor: balance });
        }
        let next = full.then(|| (start + n).to_string());
        Ok(OpenInvoicePage { invoices, next, served_at })
    }
}

fn node_of(c: &wire::Customer) -> Node {
    Node { parent: c.parent_ref.as_ref().map(|p| p.value.clone()), job: c.job == Some(true) }
}

/// Reads a QuickBooks answer: a result, or which of its failure shapes it is.
fn judge(reply: Reply) -> Verdict<Envelope> {
    let tid = reply.header("intuit_tid").unwrap_or("none").to_string();
    let text = String::from_utf8_lossy(&reply.body);
    let xml_throttle =
        text.contains("ThrottleExceeded") || (text.trim_start().starts_with('<') && text.contains("3001"));
    if reply.status == 429 || xml_throttle {
        tracing::warn!(intuit_tid = %tid, status = reply.status, "QuickBooks throttled the request");
        return Verdict::Retry {
            after_secs: reply.retry_after(),
            why: format!("QuickBooks asked us to slow down (HTTP {}, intuit_tid {tid})", reply.status),
        };
    }
    if reply.status >= 500 {
        tracing::warn!(intuit_tid = %tid, status = reply.status, "QuickBooks failed");
        return Verdict::Retry {
            after_secs: reply.retry_after(),
            why: format!("QuickBooks answered HTTP {} (intuit_tid {tid})", reply.status),
        };
    }
    let parsed: Result<Envelope, _> = serde_json::from_slice(&reply.body);
    let fault = match (&parsed, reply.status) {
        (Ok(env), _) => env.fault.as_ref().map(describe_fault),
        (Err(_), 401) => Some(("3200".to_string(), "unauthorized".to_string())),
        (Err(e), 200) => {
            tracing::warn!(intuit_tid = %tid, "unreadable answer from QuickBooks: {e}");
            return Verdict::Retry {
                after_secs: None,
                why: format!("QuickBooks sent {} (intuit_tid {tid})", arbot_connector_http::not_json(&reply.body)),
            };
        }
        (Err(_), status) => {
            tracing::debug!(intuit_tid = %tid, status, "QuickBooks answer: {}", text.chars().take(2000).collect::<String>());
            Some((String::new(), format!("HTTP {status} with {}", arbot_connector_http::not_json(&reply.body))))
        }
    };
    match (fault, parsed) {
        (None, Ok(env)) if reply.status == 200 => Verdict::Done(env),
        (Some((code, why)), _) => {
            tracing::warn!(intuit_tid = %tid, status = reply.status, code = %code, "QuickBooks fault: {why}");
            if reply.status == 401 || code == "3200" || code == "100" || code.starts_with("32") {
                Verdict::Unauthorized { why: format!("{why} (intuit_tid {tid})") }
            } else if code == "3001" {
                Verdict::Retry {
                    after_secs: reply.retry_after(),
                    why: format!("QuickBooks asked us to slow down (intuit_tid {tid})"),
                }
            } else {
                Verdict::Fail(unavailable(format!(
                    "QuickBooks refused the request: {why} (code {code}, intuit_tid {tid})"
                )))
            }
        }
        (None, _) => {
            tracing::warn!(intuit_tid = %tid, status = reply.status, "unexpected QuickBooks answer");
            if reply.status == 401 {
                Verdict::Unauthorized { why: format!("HTTP 401 (intuit_tid {tid})") }
            } else {
                Verdict::Fail(unavailable(format!("QuickBooks answered HTTP {} (intuit_tid {tid})", reply.status)))
            }
        }
    }
}

/// An invoice's PDF: its bytes when QuickBooks sends one; `None` when QuickBooks no longer has
/// the invoice (fault 610, "Object Not Found"); otherwise what [`judge`] makes of the answer.
fn judge_pdf(reply: Reply) -> Verdict<Option<Vec<u8>>> {
    if reply.status == 200 && arbot_connector_http::call::is_pdf(&reply.body) {
        return Verdict::Done(Some(reply.body));
    }
    let tid = reply.header("intuit_tid").unwrap_or("none").to_string();
    if let Ok(env) = serde_json::from_slice::<Envelope>(&reply.body)
        && env.fault.as_ref().map(describe_fault).is_some_and(|(code, _)| code == "610")
    {
        return Verdict::Done(None);
    }
    judge(reply).and_then(|_| {
        Verdict::Fail(unavailable(format!("QuickBooks answered without the invoice's PDF (intuit_tid {tid})")))
    })
}

fn unavailable(detail: String) -> SourceError {
    SourceError::Unavailable { source_name: "QuickBooks".to_string(), detail }
}

fn describe_fault(f: &wire::Fault) -> (String, String) {
    let first = f.errors.first();
    let code = first.and_then(|e| e.code.clone()).unwrap_or_default();
    let message = first.and_then(|e| e.message.clone()).unwrap_or_default();
    let detail = first.and_then(|e| e.detail.clone()).unwrap_or_default();
    let kind = f.kind.clone().unwrap_or_default();
    let why = [kind, message, detail].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(": ");
    (code, why)
}

#[async_trait::async_trait]
impl Source for QboSource {
    fn name(&self) -> &str {
        &self.settings.source_name
    }

    fn entities(&self) -> &[Entity] {
        &[Entity::Customer, Entity::Invoice, Entity::CreditMemo, Entity::Payment]
    }

    async fn fetch(&self, entity: Entity, since: Option<&str>, cursor: Option<&str>) -> Result<Page, SourceError> {
        match cursor {
            Some(c) => {
                let cursor: Cursor = serde_json::from_str(c).map_err(|e| self.garbled(format!("cursor {c:?}: {e}")))?;
                self.query_page(entity, cursor).await
            }
            None => {
                // A watermark arbot cannot read (another version's) means reading everything again.
                let wm: Watermark = since.and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
                self.first_page(entity, wm, since.is_some()).await
            }
        }
    }

    async fn fetch_by_ids(&self, entity: Entity, ids: &[String]) -> Result<Vec<Record>, SourceError> {
        let mut out = Vec::new();
        let ids: Vec<&String> = ids.iter().filter(|id| safe_id(id)).collect();
        for chunk in ids.chunks(200) {
            let list = chunk.iter().map(|id| format!("'{id}'")).collect::<Vec<_>>().join(", ");
            let env = self
                .query(&format!("SELECT * FROM {} WHERE Id IN ({list}) MAXRESULTS 1000", entity_name(entity)))
                .await?;
            out.extend(self.records(entity, env.query_response.unwrap_or_default()).await?.into_iter().map(|r| r.2));
        }
        Ok(out)
    }

    fn reconcilable(&self) -> Reconcilable {
        Reconcilable::Api
    }

    async fn open_invoices(&self, cursor: Option<&str>) -> Result<OpenInvoicePage, SourceError> {
        let start = match cursor {
            None => 1,
            Some(c) => c.trim().parse::<u32>().map_err(|e| self.garbled(format!("listing cursor {c:?}: {e}")))?,
        };
        self.open_page(start.max(1)).await
    }

    fn serves_invoice_pdfs(&self) -> bool {
        true
    }

    async fn invoice_pdf(&self, external_id: &str) -> Result<Option<Vec<u8>>, SourceError> {
        self.pdf(external_id).await
    }

    fn serves_bank_balances(&self) -> bool {
        true
    }

    async fn bank_balances(&self, today: chrono::NaiveDate) -> Result<Vec<BankAccountBalance>, SourceError> {
        let env =
            self.query("SELECT * FROM Account WHERE AccountType = 'Bank' AND Active = true MAXRESULTS 1000").await?;
        let mut out = Vec::new();
        for a in env.query_response.map(|q| q.accounts).unwrap_or_default() {
            if a.account_type.as_deref() != Some("Bank") || a.active == Some(false) {
                continue;
            }
            let currency = self.currency(&a.currency_ref)?;
            let Some(balance) = &a.current_balance else {
                return Err(self.garbled(format!("bank account {} has no CurrentBalance", a.id)));
            };
            let minor = self.amount(balance, currency, "CurrentBalance", &a.id)?;
            let name = a.name.filter(|n| !n.trim().is_empty()).unwrap_or_else(|| format!("Account {}", a.id));
            out.push(BankAccountBalance {
                external_id: a.id,
                name,
                balance: arbot_core::Money::new(minor, currency),
                as_of: today,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn times_keep_their_offset_and_become_utc() {
        // Across the DST change: -07:00 in summer, -08:00 in winter.
        assert_eq!(parse_time("2025-11-02T01:30:00-07:00").unwrap().to_rfc3339(), "2025-11-02T08:30:00+00:00");
        assert_eq!(parse_time("2025-11-02T01:30:00-08:00").unwrap().to_rfc3339(), "2025-11-02T09:30:00+00:00");
        assert_eq!(parse_time("2015-07-24T10:38:50.01-07:00").unwrap().timestamp_subsec_millis(), 10);
        assert!(parse_time("2015-07-24 10:38").is_none());
        assert_eq!(query_time(parse_time("2025-11-02T01:30:00-08:00").unwrap()), "2025-11-02T09:30:00+00:00");
    }

    #[test]
    fn faults_are_told_apart() {
        let reply =
            |status: u16, body: &str| Reply { status, headers: Default::default(), body: body.as_bytes().to_vec() };
        let validation = r#"{"Fault":{"Error":[{"Message":"Error parsing object","Detail":"ObjectParserError: Request Body is Empty","code":"2310","element":""}],"type":"ValidationFault"},"time":"2020-02-21T09:59:08.733-08:00"}"#;
        assert!(
            matches!(judge(reply(400, validation)), Verdict::Fail(e) if e.to_string().contains("Request Body is Empty"))
        );
        let expired = r#"{"warnings":null,"intuitObject":null,"fault":{"error":[{"message":"message=AuthenticationFailed; errorCode=003200; statusCode=401","detail":"Token expired","code":"3200"}],"type":"AUTHENTICATION"}}"#;
        assert!(matches!(judge(reply(401, expired)), Verdict::Unauthorized { why } if why.contains("Token expired")));
        let throttle = r#"<?xml version="1.0"?><IntuitResponse><Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message><Detail>The request limit was reached.  Try again later</Detail></Error></Fault></IntuitResponse>"#;
        assert!(matches!(judge(reply(429, throttle)), Verdict::Retry { .. }));
        assert!(matches!(judge(reply(403, &throttle.replace("429", "403"))), Verdict::Retry { .. }));
        let in_200 = r#"{"Fault":{"Error":[{"Message":"Object Not Found","Detail":"Object Not Found : Something you're trying to use has been made inactive.","code":"610"}],"type":"ValidationFault"},"time":"2020-02-21T09:59:08.733-08:00"}"#;
        assert!(matches!(judge(reply(200, in_200)), Verdict::Fail(e) if e.to_string().contains("610")));
        assert!(matches!(judge(reply(502, "<html>Bad Gateway</html>")), Verdict::Retry { .. }));
        assert!(matches!(judge(reply(503, "")), Verdict::Retry { .. }));
        assert!(matches!(judge(reply(200, r#"{"QueryResponse":{"Invoice":[{"Id":"1""#)), Verdict::Retry { .. }));
        assert!(matches!(judge(reply(200, r#"{"QueryResponse":{},"time":"x"}"#)), Verdict::Done(_)));
        // An invoice's PDF: the document, a deleted invoice, and JSON where a PDF was asked for.
        assert!(matches!(judge_pdf(reply(200, "%PDF-1.4 ...")), Verdict::Done(Some(b)) if b.starts_with(b"%PDF")));
        assert!(matches!(judge_pdf(reply(400, &in_200.replace("200", "400"))), Verdict::Done(None)));
        assert!(
            matches!(judge_pdf(reply(200, r#"{"Invoice":{"Id":"1"}}"#)), Verdict::Fail(e) if e.to_string().contains("without the invoice's PDF"))
        );
        assert!(matches!(judge_pdf(reply(401, expired)), Verdict::Unauthorized { .. }));
        assert!(matches!(judge_pdf(reply(503, "")), Verdict::Retry { .. }));
    }
}
