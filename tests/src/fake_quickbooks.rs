//! A fake QuickBooks Online company on loopback, speaking the Accounting API v3 wire format:
//! the query endpoint (the grammar subset arbot uses: `SELECT * | COUNT(*) FROM E [WHERE c AND c ...]
//! [ORDER BY MetaData.LastUpdatedTime] [STARTPOSITION n] [MAXRESULTS n]`, conditions on
//! `MetaData.LastUpdatedTime`, `Active IN (...)`, `Id IN (...)`, `Balance > '0'`), the `QueryResponse` envelope
//! (no entity key past the last row), CDC with tombstones, the OAuth token endpoint with rotating
//! refresh tokens, and every error shape (JSON `Fault`, lowercase `fault` on 401, the XML
//! throttle on 429, a fault inside a 200, HTML 5xx pages).
//!
//! It is stateful: the test builds a [`Ledger`] (customers and jobs, invoices, payments, credit
//! memos), changes it between syncs or between pages ([`QboState::after_query`]), and compares
//! the store with [`Ledger::expected`]. Like QuickBooks as the connector must assume it, a
//! payment changes an invoice's balance without moving the invoice's `LastUpdatedTime`. Silent
//! drift on request: [`Ledger::drift_balance`] changes a balance with no change stamp at all, and
//! [`Ledger::delete_unseen`] deletes an invoice with its tombstone already past CDC's 30 days.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use arbot_core::ManualClock;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::snapshot::{InvoiceRow, PaymentRow, Snapshot};
use crate::vendor_kit::{self, Fault, Faults, LedgerTime, OAuthServer, PageHook, VendorState, fast_retries, js};

/// How this vendor's tokens are filed (see [`crate::vendor_kit::Vendor`]).
const VENDOR: vendor_kit::Vendor =
    vendor_kit::Vendor { kind: "quickbooks", name: "QuickBooks", company_key: arbot_connector_quickbooks::REALM_KEY };

/// An amount: cents, and optionally the exact text to send (`"150.0"`, `"1.23456789"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amt {
    pub cents: i64,
    pub text: Option<String>,
}

impl Amt {
    pub fn cents(cents: i64) -> Amt {
        Amt { cents, text: None }
    }

    /// A wire text with its value in cents as the test expects it.
    pub fn text(text: &str, cents: i64) -> Amt {
        Amt { cents, text: Some(text.to_string()) }
    }

    /// QuickBooks style: `150.0` for whole amounts, `362.07` otherwise.
    pub fn render(&self) -> String {
        if let Some(t) = &self.text {
            return t.clone();
        }
        let sign = if self.cents < 0 { "-" } else { "" };
        let a = self.cents.unsigned_abs();
        if a.is_multiple_of(100) { format!("{sign}{}.0", a / 100) } else { format!("{sign}{}.{:02}", a / 100, a % 100) }
    }
}

#[derive(Debug, Clone)]
pub struct QCustomer {
    pub id: String,
    pub sync: u64,
    pub name: String,
    pub active: bool,
    pub job: bool,
    pub parent: Option<String>,
    pub updated: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct QInvoice {
    pub id: String,
    pub sync: u64,
    pub doc: Option<String>,
    pub customer: String,
    pub txn: NaiveDate,
    pub due: NaiveDate,
    pub total: Amt,
    pub balance: Amt,
    pub currency: Option<String>,
    pub note: Option<String>,
    pub updated: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct QLine {
    pub amount: Amt,
    pub txn_id: String,
    /// "Invoice" or "CreditMemo".
    pub txn_type: &'static str,
}

#[derive(Debug, Clone)]
pub struct QPayment {
    pub id: String,
    pub sync: u64,
    pub customer: String,
    pub txn: NaiveDate,
    pub total: Amt,
    pub unapplied: Amt,
    pub currency: Option<String>,
    pub lines: Vec<QLine>,
    pub updated: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct QMemo {
    pub id: String,
    pub sync: u64,
    pub doc: Option<String>,
    pub customer: String,
    pub txn: NaiveDate,
    pub total: Amt,
    pub remaining: Amt,
    pub updated: DateTime<Utc>,
}

/// A chart-of-accounts entry (the fake keeps only accounts a test adds: bank accounts, and
/// others the bank-account query must leave out).
#[derive(Debug, Clone)]
pub struct QAccount {
    pub id: String,
    pub name: String,
    /// `Bank`, `Accounts Receivable`, `Income`, ...
    pub account_type: String,
    pub active: bool,
    pub balance: Amt,
    pub currency: String,
    pub updated: DateTime<Utc>,
}

impl QAccount {
    fn json(&self) -> String {
        format!(
            r#"{{"Id":{id},"SyncToken":"0","domain":"QBO","Name":{n},"FullyQualifiedName":{n},"SubAccount":false,"Classification":"Asset","AccountType":{t},"AccountSubType":"Checking","Active":{a},"CurrentBalance":{b},"CurrentBalanceWithSubAccounts":{b},"CurrencyRef":{{"value":{c},"name":"United States Dollar"}},{meta}}}"#,
            id = js(&self.id),
            n = js(&self.name),
            t = js(&self.account_type),
            a = self.active,
            b = self.balance.render(),
            c = js(&self.currency),
            meta = meta(self.updated)
        )
    }
}

/// The company's books.
#[derive(Debug)]
pub struct Ledger {
    /// The company's clock, shared with the connector and the engine ([`FakeQbo::clock`]).
    pub clock: ManualClock,
    next_id: u64,
    next_doc: u64,
    pub customers: BTreeMap<String, QCustomer>,
    pub invoices: BTreeMap<String, QInvoice>,
    pub payments: BTreeMap<String, QPayment>,
    pub memos: BTreeMap<String, QMemo>,
    pub accounts: BTreeMap<String, QAccount>,
    /// Tombstones: (entity, id, when).
    pub deleted: Vec<(&'static str, String, DateTime<Utc>)>,
}

impl LedgerTime for Ledger {
    fn clock(&self) -> &ManualClock {
        &self.clock
    }
}

impl Ledger {
    pub fn new(now: DateTime<Utc>) -> Ledger {
        Ledger {
            clock: vendor_kit::books_clock(now),
            next_id: 1,
            next_doc: 1001,
            customers: BTreeMap::new(),
            invoices: BTreeMap::new(),
            payments: BTreeMap::new(),
            memos: BTreeMap::new(),
            accounts: BTreeMap::new(),
            deleted: Vec::new(),
        }
    }

    fn id(&mut self) -> String {
        self.next_id += 1;
        self.next_id.to_string()
    }

    /// Adds an account to the chart of accounts (`Bank`, or another type the bank query must
    /// leave out); returns its id.
    pub fn account(&mut self, name: &str, account_type: &str, cents: i64) -> String {
        let id = self.id();
        let updated = self.now();
        self.accounts.insert(
            id.clone(),
            QAccount {
                id: id.clone(),
                name: name.to_string(),
                account_type: account_type.to_string(),
                active: true,
                balance: Amt::cents(cents),
                currency: "USD".to_string(),
                updated,
            },
        );
        id
    }

    pub fn customer(&mut self, name: &str) -> String {
        let id = self.id();
        let updated = self.tick();
        self.customers.insert(
            id.clone(),
            QCustomer {
                id: id.clone(),
                sync: 0,
                name: name.to_string(),
                active: true,
                job: false,
                parent: None,
                updated,
            },
        );
        id
    }

    /// A job (sub-customer) under `parent`, which may itself be a job.
    pub fn job(&mut self, parent: &str, name: &str) -> String {
        let id = self.customer(name);
        if let Some(c) = self.customers.get_mut(&id) {
            c.job = true;
            c.parent = Some(parent.to_string());
        }
        id
    }

    pub fn deactivate(&mut self, id: &str) {
        let t = self.tick();
        if let Some(c) = self.customers.get_mut(id) {
            c.active = false;
            c.sync += 1;
            c.updated = t;
        }
    }

    pub fn invoice(&mut self, customer: &str, total: Amt) -> String {
        let id = self.id();
        let doc = self.next_doc.to_string();
        self.next_doc += 1;
        let updated = self.tick();
        let txn = self.utc_today() - Duration::days(40);
        self.invoices.insert(
            id.clone(),
            QInvoice {
                id: id.clone(),
                sync: 0,
                doc: Some(doc),
                customer: customer.to_string(),
                txn,
                due: txn + Duration::days(30),
                balance: total.clone(),
                total,
                currency: None,
                note: None,
                updated,
            },
        );
        id
    }

    /// Edits an invoice (its SyncToken and time move).
    pub fn edit_invoice(&mut self, id: &str, f: impl FnOnce(&mut QInvoice)) {
        let t = self.tick();
        if let Some(i) = self.invoices.get_mut(id) {
            f(i);
            i.sync += 1;
            i.updated = t;
        }
    }

    /// Voids an invoice: zero totals, "Voided" prepended to the private note, SyncToken kept.
    pub fn void_invoice(&mut self, id: &str) {
        let t = self.tick();
        if let Some(i) = self.invoices.get_mut(id) {
            i.total = Amt::cents(0);
            i.balance = Amt::cents(0);
            i.note = Some(format!("Voided - {}", i.note.clone().unwrap_or_default()));
            i.updated = t;
        }
    }

    /// Silent drift: the balance changes and nothing says so (neither `LastUpdatedTime` nor the
    /// SyncToken moves), as when QuickBooks applies a payment the change feed never shows.
    pub fn drift_balance(&mut self, id: &str, cents: i64) {
        if let Some(i) = self.invoices.get_mut(id) {
            i.balance = Amt::cents(cents);
        }
    }

    /// Silent drift: the invoice is deleted outside the change feed's reach (its tombstone is
    /// older than CDC's 30 days, so no sync will ever see it).
    pub fn delete_unseen(&mut self, id: &str) {
        if self.invoices.remove(id).is_some() {
            let long_ago = self.now() - Duration::days(45);
            self.deleted.push(("Invoice", id.to_string(), long_ago));
        }
    }

    pub fn delete_invoice(&mut self, id: &str) {
        let t = self.tick();
        if self.invoices.remove(id).is_some() {
            self.deleted.push(("Invoice", id.to_string(), t));
        }
    }

    /// A payment paying `lines` (invoice, cents) in cash, plus `unapplied` cents on account.
    pub fn pay(&mut self, customer: &str, lines: &[(&str, i64)], unapplied: i64) -> String {
        let id = self.id();
        let updated = self.tick();
        let mut total = unapplied;
        let mut ql = Vec::new();
        for (inv, cents) in lines {
            total += cents;
            if let Some(i) = self.invoices.get_mut(*inv) {
                i.balance = Amt::cents(i.balance.cents - cents);
            }
            ql.push(QLine { amount: Amt::cents(*cents), txn_id: inv.to_string(), txn_type: "Invoice" });
        }
        let txn = self.utc_today();
        self.payments.insert(
            id.clone(),
            QPayment {
                id: id.clone(),
                sync: 0,
                customer: customer.to_string(),
                txn,
                total: Amt::cents(total),
                unapplied: Amt::cents(unapplied),
                currency: None,
                lines: ql,
                updated,
            },
        );
        id
    }

    pub fn credit_memo(&mut self, customer: &str, cents: i64) -> String {
        let id = self.id();
        let doc = format!("CM-{}", self.next_doc);
        self.next_doc += 1;
        let updated = self.tick();
        let txn = self.utc_today() - Duration::days(5);
        self.memos.insert(
            id.clone(),
            QMemo {
                id: id.clone(),
                sync: 0,
                doc: Some(doc),
                customer: customer.to_string(),
                txn,
                total: Amt::cents(cents),
                remaining: Amt::cents(cents),
                updated,
            },
        );
        id
    }

    /// Applies a credit memo to an invoice the QuickBooks way: a `TotalAmt: 0` payment with an
    /// invoice line and a credit-memo line.
    pub fn apply_credit(&mut self, customer: &str, invoice: &str, memo: &str, cents: i64) -> String {
        let id = self.pay(customer, &[(invoice, cents)], 0);
        let t = self.tick();
        if let Some(p) = self.payments.get_mut(&id) {
            p.total = Amt::cents(0);
            p.lines.push(QLine { amount: Amt::cents(cents), txn_id: memo.to_string(), txn_type: "CreditMemo" });
        }
        if let Some(m) = self.memos.get_mut(memo) {
            m.remaining = Amt::cents(m.remaining.cents - cents);
            m.sync += 1;
            m.updated = t;
        }
        id
    }

    /// Deletes a payment: its invoices' balances come back (their timestamps do not move).
    pub fn delete_payment(&mut self, id: &str) {
        let t = self.tick();
        let Some(p) = self.payments.remove(id) else { return };
        for l in &p.lines {
            match l.txn_type {
                "Invoice" => {
                    if let Some(i) = self.invoices.get_mut(&l.txn_id) {
                        i.balance = Amt::cents(i.balance.cents + l.amount.cents);
                    }
                }
                _ => {
                    if let Some(m) = self.memos.get_mut(&l.txn_id) {
                        m.remaining = Amt::cents(m.remaining.cents + l.amount.cents);
                        m.sync += 1;
                        m.updated = t;
                    }
                }
            }
        }
        self.deleted.push(("Payment", id.to_string(), t));
    }

    fn top(&self, id: &str) -> String {
        let mut at = id.to_string();
        for _ in 0..6 {
            match self.customers.get(&at).and_then(|c| c.parent.clone()) {
                Some(p) => at = p,
                None => break,
            }
        }
        at
    }

    fn owner(&self, id: &str) -> (String, Option<String>) {
        match self.customers.get(id) {
            Some(c) if c.job || c.parent.is_some() => (self.top(id), Some(id.to_string())),
            _ => (id.to_string(), None),
        }
    }

    /// What the store should hold after a sync of this ledger (under any source name).
    pub fn expected(&self) -> Snapshot {
        let mut s = Snapshot::default();
        for c in self.customers.values() {
            if c.job || c.parent.is_some() {
                s.jobs.insert(c.id.clone(), (self.top(&c.id), c.name.clone()));
            } else {
                s.customers.insert(c.id.clone(), (c.name.clone(), c.active));
            }
        }
        for i in self.invoices.values() {
            let (customer, job) = self.owner(&i.customer);
            let voided = i.total.cents == 0 && i.note.as_deref().is_some_and(|n| n.starts_with("Voided"));
            let status = if voided {
                "void"
            } else if i.balance.cents > 0 {
                "open"
            } else {
                "paid"
            };
            s.invoices.insert(
                i.id.clone(),
                InvoiceRow {
                    customer,
                    job,
                    number: i.doc.clone().unwrap_or_else(|| format!("QBO-{}", i.id)),
                    status: status.to_string(),
                    currency: i.currency.clone().unwrap_or_else(|| "USD".into()),
                    total: i.total.cents,
                    balance: i.balance.cents,
                },
            );
        }
        for m in self.memos.values() {
            s.memos.insert(m.id.clone(), (self.owner(&m.customer).0, m.total.cents, m.remaining.cents));
        }
        for p in self.payments.values() {
            // Each credit-memo line pairs with an invoice line of the same amount (how the test builds them).
            let mut credits: Vec<&QLine> = p.lines.iter().filter(|l| l.txn_type == "CreditMemo").collect();
            let mut apps = Vec::new();
            for l in p.lines.iter().filter(|l| l.txn_type == "Invoice") {
                let memo = credits.iter().position(|c| c.amount == l.amount).map(|k| credits.remove(k).txn_id.clone());
                apps.push((l.txn_id.clone(), l.amount.cents, memo));
            }
            s.payments.insert(
                p.id.clone(),
                PaymentRow {
                    customer: self.owner(&p.customer).0,
                    amount: p.total.cents,
                    unapplied: p.unapplied.cents,
                    currency: p.currency.clone().unwrap_or_else(|| "USD".into()),
                    applications: apps,
                },
            );
        }
        s
    }
}

/// QuickBooks sends Pacific time: -08:00 in winter, -07:00 in summer.
pub fn pacific(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::America::Los_Angeles).format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

fn pacific_millis(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::America::Los_Angeles).format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string()
}

fn meta(t: DateTime<Utc>) -> String {
    format!(r#""MetaData":{{"CreateTime":{c},"LastUpdatedTime":{c}}}"#, c = js(&pacific(t)))
}

fn currency_ref(c: &Option<String>) -> String {
    match c {
        Some(c) => format!(r#","CurrencyRef":{{"value":{},"name":"x"}},"ExchangeRate":1.3579,"HomeBalance":0"#, js(c)),
        None => String::new(),
    }
}

impl QCustomer {
    fn json(&self) -> String {
        let parent = match &self.parent {
            Some(p) => format!(r#","ParentRef":{{"value":{}}},"Level":1"#, js(p)),
            None => String::new(),
        };
        format!(
            r#"{{"Id":{id},"SyncToken":{st},"domain":"QBO","DisplayName":{n},"FullyQualifiedName":{n},"Active":{a},"Job":{j}{parent},"Balance":0,"BalanceWithJobs":0,"PrimaryEmailAddr":{{"Address":"ar@example.com"}},"BillAddr":{{"Id":"2","Line1":"400 Channelside Dr","Line2":"Suite 2","City":"Tampa","CountrySubDivisionCode":"FL","PostalCode":"33602"}},{meta}}}"#,
            id = js(&self.id),
            st = js(&self.sync.to_string()),
            n = js(&self.name),
            a = self.active,
            j = self.job,
            meta = meta(self.updated)
        )
    }
}

impl QInvoice {
    fn json(&self) -> String {
        format!(
            r#"{{"Id":{id},"SyncToken":{st},"domain":"QBO","DocNumber":{doc},"TxnDate":"{txn}","DueDate":"{due}","TotalAmt":{t},"Balance":{b},"Deposit":0,"CustomerRef":{{"value":{c},"name":"x"}}{cur}{note},"Line":[{{"Id":"1","LineNum":1,"Amount":{t},"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{{"ItemRef":{{"value":"1"}}}}}}],"LinkedTxn":[],{meta}}}"#,
            id = js(&self.id),
            st = js(&self.sync.to_string()),
            doc = self.doc.as_deref().map(js).unwrap_or_else(|| "null".into()),
            txn = self.txn,
            due = self.due,
            t = self.total.render(),
            b = self.balance.render(),
            c = js(&self.customer),
            cur = currency_ref(&self.currency),
            note = self.note.as_deref().map(|n| format!(r#","PrivateNote":{}"#, js(n))).unwrap_or_default(),
            meta = meta(self.updated)
        )
    }
}

impl QPayment {
    fn json(&self) -> String {
        let lines: Vec<String> = self
            .lines
            .iter()
            .map(|l| {
                format!(
                    r#"{{"Amount":{},"LinkedTxn":[{{"TxnId":{},"TxnType":"{}"}}]}}"#,
                    l.amount.render(),
                    js(&l.txn_id),
                    l.txn_type
                )
            })
            .collect();
        format!(
            r#"{{"Id":{id},"SyncToken":{st},"domain":"QBO","TxnDate":"{txn}","TotalAmt":{t},"UnappliedAmt":{u},"CustomerRef":{{"value":{c}}}{cur},"PaymentMethodRef":{{"value":"2","name":"Check"}},"PaymentRefNum":"CHK-{id_raw}","ProcessPayment":false,"Line":[{lines}],{meta}}}"#,
            id = js(&self.id),
            id_raw = self.id,
            st = js(&self.sync.to_string()),
            txn = self.txn,
            t = self.total.render(),
            u = self.unapplied.render(),
            c = js(&self.customer),
            cur = currency_ref(&self.currency),
            lines = lines.join(","),
            meta = meta(self.updated)
        )
    }
}

impl QMemo {
    fn json(&self) -> String {
        format!(
            r#"{{"Id":{id},"SyncToken":{st},"domain":"QBO","DocNumber":{doc},"TxnDate":"{txn}","TotalAmt":{t},"Balance":{r},"RemainingCredit":{r},"CustomerRef":{{"value":{c}}},{meta}}}"#,
            id = js(&self.id),
            st = js(&self.sync.to_string()),
            doc = self.doc.as_deref().map(js).unwrap_or_else(|| "null".into()),
            txn = self.txn,
            t = self.total.render(),
            r = self.remaining.render(),
            c = js(&self.customer),
            meta = meta(self.updated)
        )
    }
}

/// Everything the fake holds.
pub struct QboState {
    pub realm: String,
    pub ledger: Ledger,
    pub oauth: OAuthServer,
    pub faults: Faults,
    /// Called after each query page is built, with how many query pages have been served.
    pub after_query: Option<PageHook<Ledger>>,
    /// Every query statement and CDC call, in order.
    pub log: Vec<String>,
    /// API requests (queries and CDC), faults included.
    pub api_calls: usize,
    /// Requests without `minorversion=75`.
    pub wrong_minor_version: usize,
    /// Return one row more than MAXRESULTS asked for (seen in the wild).
    pub extra_row: bool,
    queries: usize,
}

impl std::fmt::Debug for QboState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QboState").field("realm", &self.realm).field("api_calls", &self.api_calls).finish()
    }
}

impl VendorState for QboState {
    fn oauth(&mut self) -> &mut OAuthServer {
        &mut self.oauth
    }
    fn faults(&mut self) -> &mut Faults {
        &mut self.faults
    }
}

impl QboState {
    /// Query pages served so far (what [`QboState::after_query`] counts).
    pub fn queries_so_far(&self) -> usize {
        self.queries
    }
}

pub type Shared = Arc<Mutex<QboState>>;

/// A running fake QuickBooks.
#[derive(Debug, Clone)]
pub struct FakeQbo {
    pub url: String,
    pub state: Shared,
}

pub const CLIENT_ID: &str = "qbo-client";
pub const CLIENT_SECRET: &str = "qbo-secret";

impl FakeQbo {
    pub async fn start(ledger: Ledger) -> FakeQbo {
        let state = Arc::new(Mutex::new(QboState {
            realm: "9130350000000001".to_string(),
            ledger,
            oauth: OAuthServer::new(CLIENT_ID, CLIENT_SECRET),
            faults: Faults::default(),
            after_query: None,
            log: Vec::new(),
            api_calls: 0,
            wrong_minor_version: 0,
            extra_row: false,
            queries: 0,
        }));
        let router = axum::Router::new()
            .route("/v3/company/{realm}/query", get(query).post(query))
            .route("/v3/company/{realm}/cdc", get(cdc))
            .route("/v3/company/{realm}/invoice/{id}/pdf", get(invoice_pdf))
            .route("/oauth2/v1/tokens/bearer", post(token))
            .with_state(state.clone());
        let url = vendor_kit::serve(router).await;
        FakeQbo { url, state }
    }

    /// Runs `f` on the state (lock held only for `f`).
    pub fn with<T>(&self, f: impl FnOnce(&mut QboState) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// The company's clock (what the connector and the engine read).
    pub fn clock(&self) -> ManualClock {
        self.with(|s| s.ledger.clock.clone())
    }

    pub fn token_url(&self) -> String {
        format!("{}/oauth2/v1/tokens/bearer", self.url)
    }
}

fn fault_json(code: &str, message: &str, detail: &str, kind: &str) -> String {
    format!(
        r#"{{"Fault":{{"Error":[{{"Message":{},"Detail":{},"code":"{code}","element":""}}],"type":"{kind}"}},"time":"2020-02-21T09:59:08.733-08:00"}}"#,
        js(message),
        js(detail)
    )
}

fn unauthorized() -> Response {
    let body = r#"{"warnings":null,"intuitObject":null,"fault":{"error":[{"message":"message=AuthenticationFailed; errorCode=003200; statusCode=401","detail":"Token expired","code":"3200"}],"type":"AUTHENTICATION"},"report":null,"queryResponse":null,"batchItemResponse":[],"attachableResponse":[],"syncErrorResponse":null,"requestId":null,"time":1600000000000,"status":null,"cdcresponse":[]}"#;
    with_tid(vendor_kit::json(StatusCode::UNAUTHORIZED, body.to_string()))
}

fn with_tid(mut r: Response) -> Response {
    if let Ok(v) = "1-628f0be4-19ed5ea63980105102b16b1e".parse() {
        r.headers_mut().insert("intuit_tid", v);
    }
    r
}

/// What happens before a request is served: counting, auth, faults. `Err` is the response to send.
async fn gate(
    state: &Shared,
    realm: &str,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Result<Option<Fault>, Response> {
    let fault = {
        let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
        s.api_calls += 1;
        if params.get("minorversion").map(String::as_str) != Some("75") {
            s.wrong_minor_version += 1;
        }
        let fault = s.next_fault();
        if !s.oauth.authorized(headers) {
            return Err(unauthorized());
        }
        if realm != s.realm {
            return Err(with_tid(vendor_kit::json(
                StatusCode::FORBIDDEN,
                fault_json("3100", "ApplicationAuthorizationFailed", "the realm is not this app's", "AUTHORIZATION"),
            )));
        }
        fault
    };
    match fault {
        Some(Fault::Throttle { retry_after }) => {
            let body = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="2017-04-24T06:53:37.103-07:00"><Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message><Detail>The request limit was reached.  Try again later</Detail></Error></Fault></IntuitResponse>"#;
            let mut b =
                Response::builder().status(StatusCode::TOO_MANY_REQUESTS).header("content-type", "application/xml");
            if let Some(s) = retry_after {
                b = b.header("retry-after", s.to_string());
            }
            Err(with_tid(b.body(axum::body::Body::from(body)).unwrap_or_default()))
        }
        Some(Fault::DayLimit { retry_after }) => Err(Response::builder()
            .status(StatusCode::TOO_MANY_REQUESTS)
            .header("retry-after", retry_after.to_string())
            .body(axum::body::Body::from(""))
            .unwrap_or_default()),
        Some(Fault::ServerError(502)) => Err(with_tid(
            Response::builder()
                .status(StatusCode::BAD_GATEWAY)
                .header("content-type", "text/html")
                .body(axum::body::Body::from("<html><body><h1>502 Bad Gateway</h1></body></html>"))
                .unwrap_or_default(),
        )),
        Some(Fault::ServerError(code)) => Err(Response::builder()
            .status(StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE))
            .body(axum::body::Body::empty())
            .unwrap_or_default()),
        Some(Fault::ExpireTokens) => Err(unauthorized()),
        Some(Fault::WebPage(status)) => Err(vendor_kit::web_page(status)),
        Some(Fault::Refused) => Err(with_tid(vendor_kit::json(
            StatusCode::OK,
            fault_json(
                "610",
                "Object Not Found",
                "Object Not Found : Something you're trying to use has been made inactive.",
                "ValidationFault",
            ),
        ))),
        Some(Fault::Slow(d)) => {
            tokio::time::sleep(d).await;
            Ok(None)
        }
        other => Ok(other),
    }
}

fn deliver(fault: Option<Fault>, status: StatusCode, body: String) -> Response {
    with_tid(vendor_kit::deliver(fault.as_ref(), status, body))
}

async fn query(
    State(state): State<Shared>,
    Path(realm): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let fault = match gate(&state, &realm, &params, &headers).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let statement = params.get("query").cloned().unwrap_or(body);
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
    s.log.push(format!("QUERY {statement}"));
    let parsed = match parse_query(&statement) {
        Ok(q) => q,
        Err(why) => {
            return deliver(
                None,
                StatusCode::BAD_REQUEST,
                fault_json("4000", "Error parsing query", &why, "ValidationFault"),
            );
        }
    };
    if parsed.max_results > 1000 {
        return deliver(
            None,
            StatusCode::BAD_REQUEST,
            fault_json("4000", "Error parsing query", "MAXRESULTS over 1000", "ValidationFault"),
        );
    }
    let rows = select(&s.ledger, &parsed);
    let time = js(&pacific_millis(s.ledger.now()));
    if parsed.count {
        // As QuickBooks answers `count(*)`: the number alone, no rows, not a page.
        let body = format!(r#"{{"QueryResponse":{{"totalCount":{}}},"time":{time}}}"#, rows.len());
        return deliver(fault, StatusCode::OK, body);
    }
    let start = parsed.start_position.saturating_sub(1);
    let take = parsed.max_results + usize::from(s.extra_row);
    let page: Vec<String> =
        rows.iter().skip(start).take(take).map(|r| render(&s.ledger, &parsed.entity, r.2)).collect();
    let body = if page.is_empty() {
        format!(r#"{{"QueryResponse":{{}},"time":{time}}}"#)
    } else {
        let items = &page;
        format!(
            r#"{{"QueryResponse":{{"{e}":[{items}],"startPosition":{sp},"maxResults":{n}}},"time":{time}}}"#,
            e = parsed.entity,
            items = items.join(","),
            sp = parsed.start_position,
            n = page.len()
        )
    };
    let QboState { ledger, after_query, queries, .. } = &mut *s;
    vendor_kit::page_served(after_query, queries, ledger);
    deliver(fault, StatusCode::OK, body)
}

/// `GET /v3/company/{realm}/invoice/{id}/pdf`: the invoice as QuickBooks prints it, when the
/// request accepts a PDF; an unknown or deleted invoice is fault 610, "Object Not Found".
async fn invoice_pdf(
    State(state): State<Shared>,
    Path((realm, id)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let fault = match gate(&state, &realm, &params, &headers).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
    s.log.push(format!("PDF {id}"));
    let accepts_pdf = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/pdf"));
    if !accepts_pdf {
        let why = "The request must accept application/pdf";
        return deliver(
            None,
            StatusCode::BAD_REQUEST,
            fault_json("4000", "Unsupported Media Type", why, "ValidationFault"),
        );
    }
    let Some(inv) = s.ledger.invoices.get(&id) else {
        let detail = "Object Not Found : Something you're trying to use has been made inactive or deleted.";
        return deliver(
            None,
            StatusCode::BAD_REQUEST,
            fault_json("610", "Object Not Found", detail, "ValidationFault"),
        );
    };
    if fault.is_some() {
        return deliver(fault, StatusCode::OK, String::new());
    }
    let lines = [
        "QuickBooks invoice".to_string(),
        format!("Invoice no. {}", inv.doc.as_deref().unwrap_or("")),
        format!("Total {}", inv.total.render()),
        format!("Balance due {}", inv.balance.render()),
    ];
    with_tid(vendor_kit::pdf_response(vendor_kit::invoice_pdf(&lines)))
}

async fn cdc(
    State(state): State<Shared>,
    Path(realm): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let fault = match gate(&state, &realm, &params, &headers).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
    let entities = params.get("entities").cloned().unwrap_or_default();
    let since_text = params.get("changedSince").cloned().unwrap_or_default();
    s.log.push(format!("CDC {entities} {since_text}"));
    let Ok(since) = DateTime::parse_from_rfc3339(&since_text).map(|t| t.with_timezone(&Utc)) else {
        return deliver(
            None,
            StatusCode::BAD_REQUEST,
            fault_json("2020", "Invalid changedSince", &since_text, "ValidationFault"),
        );
    };
    let now = s.ledger.now();
    if now - since > Duration::days(30) {
        return deliver(
            None,
            StatusCode::BAD_REQUEST,
            fault_json("2020", "changedSince", "cannot be older than 30 days", "ValidationFault"),
        );
    }
    let mut groups = Vec::new();
    let mut budget = 1000usize;
    for entity in entities.split(',').map(str::trim) {
        let q = ParsedQuery { entity: entity.to_string(), from: Some(since), ..ParsedQuery::default() };
        let mut items: Vec<String> =
            select(&s.ledger, &q).into_iter().map(|r| render(&s.ledger, entity, r.2)).collect();
        for (e, id, t) in &s.ledger.deleted {
            if *e == entity && *t >= since {
                items.push(format!(
                    r#"{{"status":"Deleted","domain":"QBO","Id":{},"MetaData":{{"LastUpdatedTime":{}}}}}"#,
                    js(id),
                    js(&pacific(*t))
                ));
            }
        }
        items.truncate(budget);
        budget -= items.len();
        if !items.is_empty() {
            groups.push(format!(
                r#"{{"{entity}":[{}],"startPosition":1,"maxResults":{n},"totalCount":{n}}}"#,
                items.join(","),
                n = items.len()
            ));
        }
    }
    let groups = if groups.is_empty() { "{}".to_string() } else { groups.join(",") };
    let body = format!(r#"{{"CDCResponse":[{{"QueryResponse":[{groups}]}}],"time":{}}}"#, js(&pacific_millis(now)));
    deliver(fault, StatusCode::OK, body)
}

async fn token(State(state): State<Shared>, headers: HeaderMap, body: String) -> Response {
    vendor_kit::token_endpoint(&state, &headers, &body).await
}

/// A parsed statement.
#[derive(Debug, Clone, Default)]
pub struct ParsedQuery {
    /// `SELECT COUNT(*)`: how many rows match, not the rows.
    pub count: bool,
    pub entity: String,
    pub from: Option<DateTime<Utc>>,
    pub strictly_after: bool,
    pub include_inactive: bool,
    pub ids: Option<HashSet<String>>,
    /// `Balance > '0'`: open invoices only.
    pub open_only: bool,
    /// `AccountType = '…'` and `Active = true` (accounts).
    pub account_type: Option<String>,
    pub active_only: bool,
    pub start_position: usize,
    pub max_results: usize,
}

fn tokenize(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    let flush = |cur: &mut String, out: &mut Vec<String>| {
        if !cur.is_empty() {
            out.push(std::mem::take(cur));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => flush(&mut cur, &mut out),
            '(' | ')' | ',' => {
                flush(&mut cur, &mut out);
                out.push(c.to_string());
            }
            '\'' => {
                flush(&mut cur, &mut out);
                let mut lit = String::from("'");
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => lit.push(ch),
                        None => return Err("unterminated string".into()),
                    }
                }
                out.push(lit);
            }
            '>' | '<' | '=' => {
                flush(&mut cur, &mut out);
                let mut op = c.to_string();
                if chars.peek() == Some(&'=') {
                    op.push('=');
                    chars.next();
                }
                out.push(op);
            }
            c => cur.push(c),
        }
    }
    flush(&mut cur, &mut out);
    Ok(out)
}

/// The grammar subset arbot uses; anything else is refused, as QuickBooks would.
pub fn parse_query(s: &str) -> Result<ParsedQuery, String> {
    let t = tokenize(s)?;
    let up = |i: usize| t.get(i).map(|x| x.to_ascii_uppercase()).unwrap_or_default();
    let tok = |i: usize| t.get(i).map(String::as_str).unwrap_or_default();
    // `SELECT * FROM E` or `SELECT COUNT(*) FROM E` (any case, spaces allowed inside).
    let (count, from_at) = match (up(0).as_str(), tok(1)) {
        ("SELECT", "*") => (false, 2),
        ("SELECT", _) if up(1) == "COUNT" && (tok(2), tok(3), tok(4)) == ("(", "*", ")") => (true, 5),
        _ => return Err(format!("expected SELECT * FROM or SELECT COUNT(*) FROM: {s}")),
    };
    if up(from_at) != "FROM" {
        return Err(format!("expected FROM: {s}"));
    }
    let entity = t.get(from_at + 1).cloned().ok_or("no entity")?;
    if !["Customer", "Invoice", "Payment", "CreditMemo", "Account"].contains(&entity.as_str()) {
        return Err(format!("unknown entity {entity}"));
    }
    let mut q = ParsedQuery { count, entity, start_position: 1, max_results: 100, ..ParsedQuery::default() };
    let mut i = from_at + 2;
    let num =
        |i: usize| t.get(i).and_then(|x| x.parse::<usize>().ok()).ok_or_else(|| format!("expected a number at {i}"));
    while i < t.len() {
        match up(i).as_str() {
            "WHERE" | "AND" => {
                let field = up(i + 1);
                match field.as_str() {
                    "METADATA.LASTUPDATEDTIME" => {
                        let op = t.get(i + 2).cloned().unwrap_or_default();
                        let lit = t.get(i + 3).and_then(|l| l.strip_prefix('\'')).ok_or("expected a time")?;
                        let at = DateTime::parse_from_rfc3339(lit).map_err(|e| format!("bad time {lit}: {e}"))?;
                        if !lit.contains('+') && !lit.contains('-') {
                            return Err("time without offset".into());
                        }
                        match op.as_str() {
                            ">=" => {}
                            ">" => q.strictly_after = true,
                            _ => return Err(format!("unsupported operator {op}")),
                        }
                        q.from = Some(at.with_timezone(&Utc));
                        i += 4;
                    }
                    // `AccountType = 'Bank'`, `Active = true`: the bank-account query.
                    "ACCOUNTTYPE" | "ACTIVE" if tok(i + 2) == "=" && q.entity == "Account" => {
                        let lit =
                            t.get(i + 3).map(|l| l.trim_start_matches('\'').to_string()).ok_or("expected a value")?;
                        if field == "ACCOUNTTYPE" {
                            q.account_type = Some(lit);
                        } else if lit.eq_ignore_ascii_case("true") {
                            q.active_only = true;
                        } else {
                            return Err(format!("unsupported condition Active = {lit}"));
                        }
                        i += 4;
                    }
                    "BALANCE" => {
                        let op = t.get(i + 2).cloned().unwrap_or_default();
                        let lit = t.get(i + 3).and_then(|l| l.strip_prefix('\'')).ok_or("expected an amount")?;
                        if op != ">" || lit != "0" || q.entity != "Invoice" {
                            return Err(format!("unsupported condition Balance {op} '{lit}'"));
                        }
                        q.open_only = true;
                        i += 4;
                    }
                    "ACTIVE" | "ID" if up(i + 2) == "IN" => {
                        if t.get(i + 3).map(String::as_str) != Some("(") {
                            return Err("expected (".into());
                        }
                        let mut j = i + 4;
                        let mut values = Vec::new();
                        while j < t.len() && t[j] != ")" {
                            if t[j] != "," {
                                values.push(t[j].trim_start_matches('\'').to_string());
                            }
                            j += 1;
                        }
                        if field == "ACTIVE" {
                            q.include_inactive = values.iter().any(|v| v.eq_ignore_ascii_case("false"));
                        } else {
                            q.ids = Some(values.into_iter().collect());
                        }
                        i = j + 1;
                    }
                    other => return Err(format!("unsupported condition on {other}")),
                }
            }
            "ORDER" if up(i + 1) == "BY" => {
                if up(i + 2) != "METADATA.LASTUPDATEDTIME" {
                    return Err("only ORDER BY MetaData.LastUpdatedTime".into());
                }
                i += 3;
                if up(i) == "ASC" {
                    i += 1;
                }
            }
            "STARTPOSITION" => {
                q.start_position = num(i + 1)?.max(1);
                i += 2;
            }
            "MAXRESULTS" => {
                q.max_results = num(i + 1)?;
                i += 2;
            }
            other => return Err(format!("unexpected {other}")),
        }
    }
    Ok(q)
}

/// Matching rows in order (time, then id): (second, numeric id, id). Rendered only when served.
fn select<'a>(l: &'a Ledger, q: &ParsedQuery) -> Vec<(i64, u64, &'a str)> {
    let keep = |id: &str, t: DateTime<Utc>| {
        let after = match q.from {
            Some(f) if q.strictly_after => t > f,
            Some(f) => t >= f,
            None => true,
        };
        after && q.ids.as_ref().is_none_or(|ids| ids.contains(id))
    };
    let key = |id: &'a String, t: DateTime<Utc>| (t.timestamp(), id.parse().unwrap_or(0), id.as_str());
    let mut rows: Vec<(i64, u64, &str)> = match q.entity.as_str() {
        "Customer" => l
            .customers
            .values()
            .filter(|c| (c.active || q.include_inactive) && keep(&c.id, c.updated))
            .map(|c| key(&c.id, c.updated))
            .collect(),
        "Invoice" => l
            .invoices
            .values()
            .filter(|i| keep(&i.id, i.updated) && (!q.open_only || i.balance.cents > 0))
            .map(|i| key(&i.id, i.updated))
            .collect(),
        "Payment" => l.payments.values().filter(|p| keep(&p.id, p.updated)).map(|p| key(&p.id, p.updated)).collect(),
        "CreditMemo" => l.memos.values().filter(|m| keep(&m.id, m.updated)).map(|m| key(&m.id, m.updated)).collect(),
        "Account" => l
            .accounts
            .values()
            .filter(|a| {
                keep(&a.id, a.updated)
                    && (a.active || !q.active_only)
                    && q.account_type.as_ref().is_none_or(|t| *t == a.account_type)
            })
            .map(|a| key(&a.id, a.updated))
            .collect(),
        _ => Vec::new(),
    };
    // QuickBooks' time precision is the second.
    rows.sort_unstable_by_key(|r| (r.0, r.1));
    rows
}

/// One row's JSON.
fn render(l: &Ledger, entity: &str, id: &str) -> String {
    match entity {
        "Customer" => l.customers.get(id).map(QCustomer::json),
        "Invoice" => l.invoices.get(id).map(QInvoice::json),
        "Payment" => l.payments.get(id).map(QPayment::json),
        "CreditMemo" => l.memos.get(id).map(QMemo::json),
        "Account" => l.accounts.get(id).map(QAccount::json),
        _ => None,
    }
    .unwrap_or_default()
}

impl FakeQbo {
    /// The OAuth app as arbot is configured for this fake.
    pub fn app(&self) -> arbot_connector_http::OAuthApp {
        arbot_connector_http::OAuthApp {
            client_id: CLIENT_ID.to_string(),
            client_secret: arbot_connector_http::Secret::from(CLIENT_SECRET),
            authorize_url: format!("{}/connect/oauth2", self.url),
            token_url: self.token_url(),
        }
    }

    /// Saves a working token set for `name` (what `arbot connect` leaves) and returns a connector.
    pub async fn connect(
        &self,
        store: &Arc<dyn arbot_core::Store>,
        name: &str,
        page_size: u32,
    ) -> arbot_connector_quickbooks::QboSource {
        use arbot_core::Clock;
        let granted = self.with(|s| (s.oauth.issue_access(), s.oauth.refresh.clone(), s.realm.clone()));
        vendor_kit::store_connection(store, VENDOR, name, granted, Duration::hours(1), self.clock().now()).await;
        self.source(store, name, page_size)
    }

    /// A connector for `name`, using whatever tokens are stored.
    pub fn source(
        &self,
        store: &Arc<dyn arbot_core::Store>,
        name: &str,
        page_size: u32,
    ) -> arbot_connector_quickbooks::QboSource {
        let clock: Arc<dyn arbot_core::Clock> = Arc::new(self.clock());
        let tokens = vendor_kit::token_manager(store, VENDOR, name, self.app(), clock.clone());
        let mut settings = arbot_connector_quickbooks::QboSettings::new(name);
        settings.api_base = self.url.clone();
        settings.page_size = page_size;
        settings.retry = fast_retries();
        arbot_connector_quickbooks::QboSource::new(settings, Arc::new(tokens), clock).expect("connector")
    }
}

/// The names of the records of [`sample_company`]: a small subcontractor's company.
#[derive(Debug, Clone)]
pub struct Company {
    pub acme: String,
    pub gulf: String,
    pub maple: String,
    pub phase2: String,
    pub inv: Vec<String>,
    pub check: String,
}

/// Customers with a job and a sub-job, an inactive customer with an invoice, multi-line and
/// unapplied payments, a credit memo applied through a $0 payment, a CAD invoice, a void, an
/// invoice without a number and a number used twice.
pub fn sample_company(l: &mut Ledger) -> Company {
    let acme = l.customer("Acme Builders");
    let gulf = l.customer("Gulf Coast GC");
    let maple = l.customer("Maple Homes");
    let marina = l.job(&acme, "Marina Tower");
    let phase2 = l.job(&marina, "Marina Tower Phase 2");
    let mut inv = vec![
        l.invoice(&acme, Amt::cents(1_250_000)),
        l.invoice(&marina, Amt::cents(800_000)),
        l.invoice(&phase2, Amt::cents(123_456)),
        l.invoice(&gulf, Amt::cents(50_000)),
        l.invoice(&maple, Amt::cents(99_999)),
        l.invoice(&maple, Amt::cents(30_000)),
        l.invoice(&acme, Amt::cents(10_000)),
        l.invoice(&maple, Amt::cents(20_000)),
    ];
    l.edit_invoice(&inv[4], |i| i.currency = Some("CAD".into()));
    l.edit_invoice(&inv[6], |i| i.doc = None);
    let first_doc = l.invoices[&inv[0]].doc.clone();
    l.edit_invoice(&inv[7], |i| i.doc = first_doc);
    l.void_invoice(&inv[5]);
    l.deactivate(&gulf);
    let check = l.pay(&acme, &[(&inv[0], 500_000), (&inv[1], 800_000)], 0);
    l.pay(&maple, &[], 25_000);
    let memo = l.credit_memo(&acme, 20_000);
    l.apply_credit(&acme, &inv[2], &memo, 20_000);
    // A day later, one more invoice: the watermark moves well past the older documents.
    l.set_now(l.now() + chrono::Duration::days(1));
    inv.push(l.invoice(&phase2, Amt::cents(5_000)));
    Company { acme, gulf, maple, phase2, inv, check }
}
