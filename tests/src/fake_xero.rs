//! A fake Xero organisation on loopback, speaking the Accounting API 2.0 wire format: the list
//! endpoints arbot reads (`/Contacts`, `/Invoices`, `/Payments`, `/CreditNotes`,
//! `/Overpayments`, `/Prepayments`) with `page`/`pageSize`, `order`, `where` (`Type==...`),
//! `Statuses`, `IDs`, `includeArchived` and `If-Modified-Since`; the envelope with or without
//! `pagination`; `/Date(ms+hhmm)/` values with their `*String` twins; the rate-limit headers
//! (`X-DayLimit-Remaining` counting down 5,000 calls a UTC day, then a daily-limit 429);
//! `/connections`; the identity token endpoint with rotating refresh tokens; and the error
//! bodies (problem details on 401/403, `ValidationException` on 400, 429 with `Retry-After` and
//! `X-Rate-Limit-Problem`).
//!
//! Unlike QuickBooks as the connector must assume it, Xero moves an invoice's `UpdatedDateUTC`
//! when a payment or allocation changes its amount due; the fake does too. Silent drift on
//! request: [`XLedger::drift_amount_due`] and [`XLedger::close_unseen`] change an invoice without
//! moving its `UpdatedDateUTC`.

use std::collections::{BTreeMap, HashMap};
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
    vendor_kit::Vendor { kind: "xero", name: "Xero", company_key: arbot_connector_xero::TENANT_KEY };

fn guid(n: u64) -> String {
    format!("{n:08x}-0000-4000-8000-{n:012x}")
}

/// Xero prints money with two decimals.
fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.unsigned_abs() / 100, cents.unsigned_abs() % 100)
}

/// `\/Date(ms+0000)\/` as it appears in the JSON text.
fn ms_date(ms: i64, offset: &str) -> String {
    format!(r#""\/Date({ms}{offset})\/""#)
}

fn date_ms(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(0)
}

#[derive(Debug, Clone)]
pub struct XContact {
    pub id: String,
    pub name: String,
    pub archived: bool,
    pub supplier_only: bool,
    pub updated: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct XInvoice {
    pub id: String,
    pub number: String,
    pub accpay: bool,
    pub contact: String,
    pub status: &'static str,
    pub date: NaiveDate,
    pub due: NaiveDate,
    pub total: i64,
    pub amount_due: i64,
    pub currency: String,
    /// Send dates as a New Zealand organisation does: local midnight with `+1300`, no `*String`.
    pub nz_dates: bool,
    pub updated: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct XPayment {
    pub id: String,
    /// The invoice (or, for a refund, the credit note) it pays.
    pub invoice: String,
    pub refund: bool,
    pub amount: i64,
    pub date: NaiveDate,
    pub deleted: bool,
    pub batch: Option<String>,
    pub updated: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct XAllocation {
    pub invoice: String,
    pub amount: i64,
    pub deleted: bool,
}

/// A credit note, overpayment or prepayment.
#[derive(Debug, Clone)]
pub struct XCredit {
    pub id: String,
    pub number: String,
    pub kind: &'static str,
    pub contact: String,
    pub status: &'static str,
    pub total: i64,
    pub remaining: i64,
    pub date: NaiveDate,
    pub allocations: Vec<XAllocation>,
    pub updated: DateTime<Utc>,
}

/// The organisation's books.
#[derive(Debug)]
pub struct XLedger {
    /// The organisation's clock, shared with the connector and the engine ([`FakeXero::clock`]).
    pub clock: ManualClock,
    next: u64,
    next_number: u64,
    pub contacts: BTreeMap<String, XContact>,
    pub invoices: BTreeMap<String, XInvoice>,
    pub payments: BTreeMap<String, XPayment>,
    pub credit_notes: BTreeMap<String, XCredit>,
    pub overpayments: BTreeMap<String, XCredit>,
    pub prepayments: BTreeMap<String, XCredit>,
    /// Bank accounts for the Bank Summary report: (account id, name, closing balance in cents).
    pub bank_accounts: Vec<(String, String, i64)>,
}

impl LedgerTime for XLedger {
    fn clock(&self) -> &ManualClock {
        &self.clock
    }
}

impl XLedger {
    pub fn new(now: DateTime<Utc>) -> XLedger {
        XLedger {
            clock: vendor_kit::books_clock(now),
            next: 0,
            next_number: 1,
            contacts: BTreeMap::new(),
            invoices: BTreeMap::new(),
            payments: BTreeMap::new(),
            credit_notes: BTreeMap::new(),
            overpayments: BTreeMap::new(),
            prepayments: BTreeMap::new(),
            bank_accounts: Vec::new(),
        }
    }

    fn id(&mut self) -> String {
        self.next += 1;
        guid(self.next)
    }

    pub fn contact(&mut self, name: &str) -> String {
        let id = self.id();
        let updated = self.tick();
        self.contacts.insert(
            id.clone(),
            XContact { id: id.clone(), name: name.into(), archived: false, supplier_only: false, updated },
        );
        id
    }

    pub fn supplier(&mut self, name: &str) -> String {
        let id = self.contact(name);
        if let Some(c) = self.contacts.get_mut(&id) {
            c.supplier_only = true;
        }
        id
    }

    pub fn archive(&mut self, id: &str) {
        let t = self.tick();
        if let Some(c) = self.contacts.get_mut(id) {
            c.archived = true;
            c.updated = t;
        }
    }

    pub fn invoice(&mut self, contact: &str, cents: i64) -> String {
        let id = self.id();
        let number = format!("INV-{:04}", self.next_number);
        self.next_number += 1;
        let updated = self.tick();
        let date = self.utc_today() - Duration::days(20);
        self.invoices.insert(
            id.clone(),
            XInvoice {
                id: id.clone(),
                number,
                accpay: false,
                contact: contact.into(),
                status: "AUTHORISED",
                date,
                due: date + Duration::days(30),
                total: cents,
                amount_due: cents,
                currency: "USD".into(),
                nz_dates: false,
                updated,
            },
        );
        id
    }

    pub fn edit_invoice(&mut self, id: &str, f: impl FnOnce(&mut XInvoice)) {
        let t = self.tick();
        if let Some(i) = self.invoices.get_mut(id) {
            f(i);
            i.updated = t;
        }
    }

    /// Silent drift: the amount due changes (and the status with it) without `UpdatedDateUTC`
    /// moving, so no `If-Modified-Since` read will see it.
    pub fn drift_amount_due(&mut self, id: &str, cents: i64) {
        if let Some(i) = self.invoices.get_mut(id) {
            i.amount_due = cents;
            if i.status != "VOIDED" {
                i.status = if cents == 0 { "PAID" } else { "AUTHORISED" };
            }
        }
    }

    /// Silent drift: the invoice is voided (or deleted, with `"DELETED"`) without
    /// `UpdatedDateUTC` moving: outside what the change feed reaches.
    pub fn close_unseen(&mut self, id: &str, status: &'static str) {
        if let Some(i) = self.invoices.get_mut(id) {
            i.status = status;
            if status == "VOIDED" {
                i.amount_due = 0;
            }
        }
    }

    fn touch_invoice(&mut self, id: &str, delta_due: i64) {
        self.edit_invoice(id, |i| {
            i.amount_due += delta_due;
            if i.status != "VOIDED" {
                i.status = if i.amount_due == 0 { "PAID" } else { "AUTHORISED" };
            }
        });
    }

    pub fn pay(&mut self, invoice: &str, cents: i64) -> String {
        let id = self.id();
        let updated = self.tick();
        let date = self.utc_today();
        self.payments.insert(
            id.clone(),
            XPayment {
                id: id.clone(),
                invoice: invoice.into(),
                refund: false,
                amount: cents,
                date,
                deleted: false,
                batch: None,
                updated,
            },
        );
        self.touch_invoice(invoice, -cents);
        id
    }

    pub fn delete_payment(&mut self, id: &str) {
        let t = self.tick();
        let Some(p) = self.payments.get_mut(id) else { return };
        p.deleted = true;
        p.updated = t;
        let (inv, amount, refund) = (p.invoice.clone(), p.amount, p.refund);
        if !refund {
            self.touch_invoice(&inv, amount);
        }
    }

    fn credit(&mut self, kind: &'static str, contact: &str, cents: i64) -> XCredit {
        let id = self.id();
        let number = format!("CN-{:04}", self.next_number);
        self.next_number += 1;
        let updated = self.tick();
        XCredit {
            id,
            number,
            kind,
            contact: contact.into(),
            status: "AUTHORISED",
            total: cents,
            remaining: cents,
            date: self.utc_today() - Duration::days(3),
            allocations: Vec::new(),
            updated,
        }
    }

    pub fn credit_note(&mut self, contact: &str, cents: i64) -> String {
        let c = self.credit("ACCRECCREDIT", contact, cents);
        let id = c.id.clone();
        self.credit_notes.insert(id.clone(), c);
        id
    }

    /// An overpayment (`RECEIVE-OVERPAYMENT`) or prepayment (`RECEIVE-PREPAYMENT`) received.
    pub fn prepayment(&mut self, kind: &'static str, contact: &str, cents: i64) -> String {
        let c = self.credit(kind, contact, cents);
        let id = c.id.clone();
        if kind.contains("OVERPAYMENT") {
            self.overpayments.insert(id.clone(), c);
        } else {
            self.prepayments.insert(id.clone(), c);
        }
        id
    }

    fn credit_mut(&mut self, id: &str) -> Option<&mut XCredit> {
        if self.credit_notes.contains_key(id) {
            return self.credit_notes.get_mut(id);
        }
        if self.overpayments.contains_key(id) {
            return self.overpayments.get_mut(id);
        }
        self.prepayments.get_mut(id)
    }

    /// Allocates credit (a credit note, overpayment or prepayment) to an invoice.
    pub fn allocate(&mut self, credit: &str, invoice: &str, cents: i64) {
        let t = self.tick();
        if let Some(c) = self.credit_mut(credit) {
            c.allocations.push(XAllocation { invoice: invoice.into(), amount: cents, deleted: false });
            c.remaining -= cents;
            c.status = if c.remaining == 0 { "PAID" } else { "AUTHORISED" };
            c.updated = t;
        }
        self.touch_invoice(invoice, -cents);
    }

    /// Deletes the `n`th allocation of a credit (`IsDeleted: true`).
    pub fn delete_allocation(&mut self, credit: &str, n: usize) {
        let t = self.tick();
        let Some(c) = self.credit_mut(credit) else { return };
        let Some(a) = c.allocations.get_mut(n) else { return };
        a.deleted = true;
        let (inv, amount) = (a.invoice.clone(), a.amount);
        c.remaining += amount;
        c.status = "AUTHORISED";
        c.updated = t;
        self.touch_invoice(&inv, amount);
    }

    /// Refunds part of a credit note in cash: a payment against the credit note (`ARCREDITPAYMENT`).
    pub fn refund(&mut self, credit_note: &str, cents: i64) -> String {
        let id = self.id();
        let updated = self.tick();
        let date = self.utc_today();
        self.payments.insert(
            id.clone(),
            XPayment {
                id: id.clone(),
                invoice: credit_note.into(),
                refund: true,
                amount: cents,
                date,
                deleted: false,
                batch: None,
                updated,
            },
        );
        if let Some(c) = self.credit_notes.get_mut(credit_note) {
            c.remaining -= cents;
            c.updated = updated;
        }
        id
    }

    /// What the store should hold after a sync.
    pub fn expected(&self) -> Snapshot {
        let mut s = Snapshot::default();
        for c in self.contacts.values().filter(|c| !c.supplier_only) {
            s.customers.insert(c.id.clone(), (c.name.clone(), !c.archived));
        }
        for i in self.invoices.values().filter(|i| !i.accpay && ["AUTHORISED", "PAID", "VOIDED"].contains(&i.status)) {
            let voided = i.status == "VOIDED";
            s.invoices.insert(
                i.id.clone(),
                InvoiceRow {
                    customer: i.contact.clone(),
                    job: None,
                    number: i.number.clone(),
                    status: if voided {
                        "void"
                    } else if i.amount_due > 0 {
                        "open"
                    } else {
                        "paid"
                    }
                    .to_string(),
                    currency: i.currency.clone(),
                    total: i.total,
                    balance: if voided { 0 } else { i.amount_due },
                },
            );
        }
        for c in self.credit_notes.values().filter(|c| ["AUTHORISED", "PAID"].contains(&c.status)) {
            s.memos.insert(c.id.clone(), (c.contact.clone(), c.total, c.remaining));
            let apps: Vec<_> = c
                .allocations
                .iter()
                .filter(|a| !a.deleted)
                .map(|a| (a.invoice.clone(), a.amount, Some(c.id.clone())))
                .collect();
            if !apps.is_empty() {
                s.payments.insert(
                    format!("cn:{}", c.id),
                    PaymentRow {
                        customer: c.contact.clone(),
                        amount: 0,
                        unapplied: 0,
                        currency: "USD".into(),
                        applications: apps,
                    },
                );
            }
        }
        for p in self.payments.values().filter(|p| !p.deleted && !p.refund) {
            let inv = &self.invoices[&p.invoice];
            s.payments.insert(
                p.id.clone(),
                PaymentRow {
                    customer: inv.contact.clone(),
                    amount: p.amount,
                    unapplied: 0,
                    currency: inv.currency.clone(),
                    applications: vec![(p.invoice.clone(), p.amount, None)],
                },
            );
        }
        for (prefix, map) in [("op", &self.overpayments), ("pp", &self.prepayments)] {
            for c in
                map.values().filter(|c| c.kind.starts_with("RECEIVE") && ["AUTHORISED", "PAID"].contains(&c.status))
            {
                s.payments.insert(
                    format!("{prefix}:{}", c.id),
                    PaymentRow {
                        customer: c.contact.clone(),
                        amount: c.total,
                        unapplied: c.remaining,
                        currency: "USD".into(),
                        applications: c
                            .allocations
                            .iter()
                            .filter(|a| !a.deleted)
                            .map(|a| (a.invoice.clone(), a.amount, None))
                            .collect(),
                    },
                );
            }
        }
        s
    }

    fn contact_ref(&self, id: &str) -> String {
        let name = self.contacts.get(id).map(|c| c.name.as_str()).unwrap_or("?");
        format!(
            r#"{{"ContactID":{},"Name":{},"Addresses":[],"Phones":[],"ContactGroups":[],"ContactPersons":[],"HasValidationErrors":false}}"#,
            js(id),
            js(name)
        )
    }
}

fn updated(t: DateTime<Utc>) -> String {
    format!(
        r#""UpdatedDateUTC":{},"UpdatedDateUTCString":"{}""#,
        ms_date(t.timestamp_millis(), "+0000"),
        t.format("%Y-%m-%dT%H:%M:%SZ")
    )
}

impl XContact {
    fn json(&self) -> String {
        format!(
            r#"{{"ContactID":{},"ContactStatus":"{}","Name":{},"EmailAddress":"ar@example.com","IsSupplier":{},"IsCustomer":{},"Phones":[{{"PhoneType":"DEFAULT","PhoneNumber":"555-0100","PhoneAreaCode":"813","PhoneCountryCode":""}}],"Addresses":[{{"AddressType":"STREET","AddressLine1":"9 Harbour St","City":"Sydney","Region":"NSW","PostalCode":"2000","Country":"Australia"}},{{"AddressType":"POBOX","AddressLine1":"PO Box 12","City":"Sydney","Region":"NSW","PostalCode":"2001","Country":"Australia"}}],"HasAttachments":false,{}}}"#,
            js(&self.id),
            if self.archived { "ARCHIVED" } else { "ACTIVE" },
            js(&self.name),
            self.supplier_only,
            !self.supplier_only,
            updated(self.updated)
        )
    }
}

fn doc_date(name: &str, d: NaiveDate, nz: bool) -> String {
    if nz {
        // Midnight in Auckland (UTC+13 in summer) is 11:00 the day before in UTC.
        format!(r#""{name}":{}"#, ms_date(date_ms(d) - 13 * 3_600_000, "+1300"))
    } else {
        format!(r#""{name}String":"{d}T00:00:00","{name}":{}"#, ms_date(date_ms(d), "+0000"))
    }
}

impl XInvoice {
    fn json(&self, l: &XLedger) -> String {
        format!(
            r#"{{"Type":"{}","InvoiceID":{},"InvoiceNumber":{},"Reference":"","Payments":[],"CreditNotes":[],"Prepayments":[],"Overpayments":[],"AmountDue":{},"AmountPaid":{},"AmountCredited":0.00,"CurrencyRate":1.000000,"IsDiscounted":false,"HasAttachments":false,"HasErrors":false,"Contact":{},{},{},"Status":"{}","LineAmountTypes":"Exclusive","LineItems":[],"SubTotal":{},"TotalTax":0.00,"Total":{},{},"CurrencyCode":"{}"}}"#,
            if self.accpay { "ACCPAY" } else { "ACCREC" },
            js(&self.id),
            js(&self.number),
            money(self.amount_due),
            money(self.total - self.amount_due),
            l.contact_ref(&self.contact),
            doc_date("Date", self.date, self.nz_dates),
            doc_date("DueDate", self.due, self.nz_dates),
            self.status,
            money(self.total),
            money(self.total),
            updated(self.updated),
            self.currency
        )
    }
}

impl XPayment {
    fn json(&self, l: &XLedger) -> String {
        let (kind, ptype, contact, currency, number) = if self.refund {
            let c = &l.credit_notes[&self.invoice];
            ("ACCRECCREDIT", "ARCREDITPAYMENT", c.contact.clone(), "USD".to_string(), c.number.clone())
        } else {
            let i = &l.invoices[&self.invoice];
            (
                if i.accpay { "ACCPAY" } else { "ACCREC" },
                "ACCRECPAYMENT",
                i.contact.clone(),
                i.currency.clone(),
                i.number.clone(),
            )
        };
        let batch = match &self.batch {
            Some(b) => format!(
                r#","BatchPaymentID":{},"BatchPayment":{{"BatchPaymentID":{},"Type":"RECBATCH"}}"#,
                js(b),
                js(b)
            ),
            None => String::new(),
        };
        format!(
            r#"{{"PaymentID":{},"Date":{},"BankAmount":{a},"Amount":{a},"Reference":"EFT","CurrencyRate":1.000000,"PaymentType":"{ptype}","Status":"{}",{},"HasAccount":true,"IsReconciled":false,"Account":{{"AccountID":"136ebd08-60ea-4592-8982-be92c153b53a","Code":"090"}},"Invoice":{{"Type":"{kind}","InvoiceID":{},"InvoiceNumber":{},"Contact":{},"CurrencyCode":"{currency}"}}{batch}}}"#,
            js(&self.id),
            ms_date(date_ms(self.date), "+0000"),
            if self.deleted { "DELETED" } else { "AUTHORISED" },
            updated(self.updated),
            js(&self.invoice),
            js(&number),
            l.contact_ref(&contact),
            a = money(self.amount),
        )
    }
}

impl XCredit {
    fn json(&self, l: &XLedger, id_field: &str) -> String {
        let allocs: Vec<String> = self
            .allocations
            .iter()
            .enumerate()
            .map(|(n, a)| {
                format!(
                    r#"{{"AllocationID":"{}","Amount":{},"Date":{},"Invoice":{{"InvoiceID":{},"InvoiceNumber":"x"}},"IsDeleted":{}}}"#,
                    guid(9_000_000 + n as u64),
                    money(a.amount),
                    ms_date(date_ms(self.date), "+0000"),
                    js(&a.invoice),
                    a.deleted
                )
            })
            .collect();
        let number = if id_field == "CreditNoteID" {
            format!(r#""CreditNoteNumber":{},"#, js(&self.number))
        } else {
            String::new()
        };
        format!(
            r#"{{"{id_field}":{id},"ID":{id},{number}"Type":"{}","Reference":"","RemainingCredit":{},"Allocations":[{}],"Payments":[],"HasAttachments":false,"Contact":{},"DateString":"{}T00:00:00","Date":{},"Status":"{}","LineAmountTypes":"NoTax","LineItems":[],"SubTotal":{t},"TotalTax":0.00,"Total":{t},{},"CurrencyCode":"USD"}}"#,
            self.kind,
            money(self.remaining),
            allocs.join(","),
            l.contact_ref(&self.contact),
            self.date,
            ms_date(date_ms(self.date), "+0000"),
            self.status,
            updated(self.updated),
            id = js(&self.id),
            t = money(self.total),
        )
    }
}

/// Everything the fake holds.
pub struct XeroState {
    pub tenant: String,
    pub ledger: XLedger,
    pub oauth: OAuthServer,
    pub faults: Faults,
    /// Called after each list page is built, with how many list pages have been served.
    pub after_list: Option<PageHook<XLedger>>,
    /// Every list call: endpoint, query string, If-Modified-Since.
    pub log: Vec<(String, String, Option<String>)>,
    pub api_calls: usize,
    pub without_tenant: usize,
    /// Leave `pagination` out of answers (older API responses).
    pub no_pagination: bool,
    /// Refuse `where` filters as "not filtering efficiently" (a very large organisation).
    pub refuse_where: bool,
    /// Answer reports 403, as Xero does for a connection made without `accounting.reports.read`.
    pub reports_forbidden: bool,
    /// Calls left today (`X-DayLimit-Remaining`); back to 5,000 when the UTC day changes, and a
    /// daily-limit 429 once none are left.
    pub day_remaining: i64,
    /// The UTC day `day_remaining` counts.
    limit_day: NaiveDate,
    lists: usize,
}

impl std::fmt::Debug for XeroState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XeroState").field("tenant", &self.tenant).field("api_calls", &self.api_calls).finish()
    }
}

impl VendorState for XeroState {
    fn oauth(&mut self) -> &mut OAuthServer {
        &mut self.oauth
    }
    fn faults(&mut self) -> &mut Faults {
        &mut self.faults
    }
}

impl XeroState {
    /// List pages served so far (what [`XeroState::after_list`] counts).
    pub fn lists_so_far(&self) -> usize {
        self.lists
    }
}

pub type Shared = Arc<Mutex<XeroState>>;

#[derive(Debug, Clone)]
pub struct FakeXero {
    pub url: String,
    pub state: Shared,
}

/// Xero's calls a day per organisation.
pub const DAY_LIMIT: i64 = 5_000;

pub const CLIENT_ID: &str = "xero-client";
pub const CLIENT_SECRET: &str = "xero-secret";

impl FakeXero {
    pub async fn start(ledger: XLedger) -> FakeXero {
        let limit_day = ledger.now().date_naive();
        let state = Arc::new(Mutex::new(XeroState {
            tenant: "fe79f7dd-b6d4-4a92-ba7b-538af6289c58".into(),
            ledger,
            oauth: OAuthServer::new(CLIENT_ID, CLIENT_SECRET),
            faults: Faults::default(),
            after_list: None,
            log: Vec::new(),
            api_calls: 0,
            without_tenant: 0,
            no_pagination: false,
            refuse_where: false,
            reports_forbidden: false,
            day_remaining: DAY_LIMIT,
            limit_day,
            lists: 0,
        }));
        let router = axum::Router::new()
            .route("/api.xro/2.0/{endpoint}", get(list))
            .route("/api.xro/2.0/Invoices/{id}", get(invoice_pdf))
            .route("/api.xro/2.0/Reports/BankSummary", get(bank_summary))
            .route("/connections", get(connections))
            .route("/connect/token", post(token))
            .with_state(state.clone());
        let url = vendor_kit::serve(router).await;
        FakeXero { url, state }
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut XeroState) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// The organisation's clock (what the connector and the engine read).
    pub fn clock(&self) -> ManualClock {
        self.with(|s| s.ledger.clock.clone())
    }

    pub fn app(&self) -> arbot_connector_http::OAuthApp {
        arbot_connector_http::OAuthApp {
            client_id: CLIENT_ID.into(),
            client_secret: arbot_connector_http::Secret::from(CLIENT_SECRET),
            authorize_url: format!("{}/identity/connect/authorize", self.url),
            token_url: format!("{}/connect/token", self.url),
        }
    }

    /// Saves a working token set for `name` and returns a connector.
    pub async fn connect(
        &self,
        store: &Arc<dyn arbot_core::Store>,
        name: &str,
        page_size: u32,
    ) -> arbot_connector_xero::XeroSource {
        use arbot_core::Clock;
        let granted = self.with(|s| (s.oauth.issue_access(), s.oauth.refresh.clone(), s.tenant.clone()));
        vendor_kit::store_connection(store, VENDOR, name, granted, Duration::minutes(30), self.clock().now()).await;
        self.source(store, name, page_size)
    }

    pub fn source(
        &self,
        store: &Arc<dyn arbot_core::Store>,
        name: &str,
        page_size: u32,
    ) -> arbot_connector_xero::XeroSource {
        let clock: Arc<dyn arbot_core::Clock> = Arc::new(self.clock());
        let tokens = vendor_kit::token_manager(store, VENDOR, name, self.app(), clock.clone());
        let mut settings = arbot_connector_xero::XeroSettings::new(name);
        settings.api_base = format!("{}/api.xro/2.0", self.url);
        settings.page_size = page_size;
        settings.retry = fast_retries();
        settings.pacing = arbot_connector_http::Pacing {
            max_requests: 10_000,
            per: std::time::Duration::from_secs(60),
            concurrent: 5,
        };
        arbot_connector_xero::XeroSource::new(settings, Arc::new(tokens), clock).expect("connector")
    }
}

fn problem(status: StatusCode, title: &str, detail: &str) -> Response {
    vendor_kit::json(
        status,
        format!(
            r#"{{"Type":null,"Title":{},"Status":{},"Detail":{},"Instance":"04115443-c574-4949-9cfa-102bdb03ca91","Extensions":{{}}}}"#,
            js(title),
            status.as_u16(),
            js(detail)
        ),
    )
}

fn validation(message: &str) -> Response {
    vendor_kit::json(
        StatusCode::BAD_REQUEST,
        format!(
            r#"{{"ErrorNumber":10,"Type":"ValidationException","Message":"A validation exception occurred","Elements":[{{"ValidationErrors":[{{"Message":{}}}]}}]}}"#,
            js(message)
        ),
    )
}

fn with_limits(mut r: Response, day: i64) -> Response {
    let h = r.headers_mut();
    if let Ok(v) = day.to_string().parse() {
        h.insert("x-daylimit-remaining", v);
    }
    if let Ok(v) = "59".parse() {
        h.insert("x-minlimit-remaining", v);
    }
    if let Ok(v) = "9999".parse() {
        h.insert("x-appminlimit-remaining", v);
    }
    r
}

/// `If-Modified-Since`: "2020-02-06T12:17:43" (UTC) or with an offset.
fn parse_since(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S").ok().map(|t| t.and_utc()))
}

/// What happens before a request is served: the day's limit, auth, the tenant and an injected
/// fault. `Err` is the response to send instead.
async fn admit(state: &Shared, headers: &HeaderMap) -> Result<Option<Fault>, Response> {
    let fault = {
        let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
        s.api_calls += 1;
        let now = s.ledger.now();
        if s.limit_day != now.date_naive() {
            s.limit_day = now.date_naive();
            s.day_remaining = DAY_LIMIT;
        }
        if s.day_remaining <= 0 {
            let midnight = now.date_naive().succ_opt().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc());
            let wait = midnight.map_or(86_400, |m| (m - now).num_seconds().max(1));
            return Err(with_limits(
                Response::builder()
                    .status(StatusCode::TOO_MANY_REQUESTS)
                    .header("x-rate-limit-problem", "day")
                    .header("retry-after", wait.to_string())
                    .body(axum::body::Body::empty())
                    .unwrap_or_default(),
                0,
            ));
        }
        s.day_remaining -= 1;
        let fault = s.next_fault();
        if !s.oauth.authorized(headers) {
            return Err(problem(
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
                "TokenExpired: token expired at 09/24/2021 08:23:47",
            ));
        }
        let tenant = headers.get("xero-tenant-id").and_then(|v| v.to_str().ok()).map(str::to_string);
        if tenant.is_none() {
            s.without_tenant += 1;
        }
        if tenant.as_deref() != Some(s.tenant.as_str()) {
            return Err(problem(StatusCode::FORBIDDEN, "Forbidden", "AuthenticationUnsuccessful"));
        }
        fault
    };
    let day = state.lock().unwrap_or_else(|p| p.into_inner()).day_remaining;
    match fault {
        Some(Fault::Throttle { retry_after }) => {
            let mut b =
                Response::builder().status(StatusCode::TOO_MANY_REQUESTS).header("x-rate-limit-problem", "minute");
            if let Some(s) = retry_after {
                b = b.header("retry-after", s.to_string());
            }
            Err(with_limits(b.body(axum::body::Body::empty()).unwrap_or_default(), day))
        }
        Some(Fault::DayLimit { retry_after }) => Err(with_limits(
            Response::builder()
                .status(StatusCode::TOO_MANY_REQUESTS)
                .header("x-rate-limit-problem", "day")
                .header("retry-after", retry_after.to_string())
                .body(axum::body::Body::empty())
                .unwrap_or_default(),
            0,
        )),
        Some(Fault::ServerError(code)) => Err(Response::builder()
            .status(StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE))
            .body(axum::body::Body::from("oauth_problem=rate%20limit%20exceeded"))
            .unwrap_or_default()),
        Some(Fault::WebPage(status)) => Err(vendor_kit::web_page(status)),
        Some(Fault::Refused) => Err(validation("The document with the supplied id was not found for this endpoint.")),
        Some(Fault::ExpireTokens) => {
            Err(problem(StatusCode::UNAUTHORIZED, "Unauthorized", "TokenExpired: token expired at 09/24/2021 08:23:47"))
        }
        Some(Fault::Slow(d)) => {
            tokio::time::sleep(d).await;
            Ok(None)
        }
        other => Ok(other),
    }
}

/// `GET /Invoices/{InvoiceID}` with `Accept: application/pdf`: the invoice as Xero prints it. An
/// id Xero does not know is a 404.
async fn invoice_pdf(State(state): State<Shared>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let fault = match admit(&state, &headers).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let accepts_pdf = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/pdf"));
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
    s.log.push((format!("Invoices/{id}"), if accepts_pdf { "pdf" } else { "json" }.to_string(), None));
    let day = s.day_remaining;
    let Some(inv) = s.ledger.invoices.get(&id) else {
        return with_limits(
            problem(StatusCode::NOT_FOUND, "Not Found", "The resource you're looking for cannot be found"),
            day,
        );
    };
    if !accepts_pdf {
        return validation("This fake serves an invoice by id only as a PDF (Accept: application/pdf)");
    }
    if fault.is_some() {
        return with_limits(vendor_kit::deliver(fault.as_ref(), StatusCode::OK, String::new()), day);
    }
    let money = |minor: i64| format!("{}.{:02}", minor / 100, (minor % 100).abs());
    let lines = [
        "Xero tax invoice".to_string(),
        format!("Invoice number {}", inv.number),
        format!("Total {} {}", inv.currency, money(inv.total)),
        format!("Amount due {} {}", inv.currency, money(inv.amount_due)),
    ];
    with_limits(vendor_kit::pdf_response(vendor_kit::invoice_pdf(&lines)), day)
}

/// `GET /Reports/BankSummary?fromDate=&toDate=`: each bank account's opening and closing balance
/// over the period, as Xero's `ReportWithRows` (here the closing balance is the account's
/// balance now, and the period's cash is left at zero).
async fn bank_summary(
    State(state): State<Shared>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let fault = match admit(&state, &headers).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
    let mut q: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    q.sort();
    s.log.push(("Reports/BankSummary".to_string(), q.join("&"), None));
    let day = s.day_remaining;
    if s.reports_forbidden {
        return with_limits(
            problem(StatusCode::FORBIDDEN, "Forbidden", "AuthorizationUnsuccessful: insufficient scope"),
            day,
        );
    }
    for key in ["fromDate", "toDate"] {
        if let Some(v) = params.get(key)
            && NaiveDate::parse_from_str(v, "%Y-%m-%d").is_err()
        {
            return validation(&format!("{key} is not a date: {v}"));
        }
    }
    let money =
        |minor: i64| format!("{}{}.{:02}", if minor < 0 { "-" } else { "" }, minor.abs() / 100, minor.abs() % 100);
    let rows: Vec<String> = s
        .ledger
        .bank_accounts
        .iter()
        .map(|(id, name, closing)| {
            format!(
                r#"{{"RowType":"Row","Cells":[{{"Value":{n},"Attributes":[{{"Value":{id},"Id":"accountID"}}]}},{{"Value":{b}}},{{"Value":"0.00","Attributes":[{{"Value":{id},"Id":"account"}}]}},{{"Value":"0.00","Attributes":[{{"Value":{id},"Id":"account"}}]}},{{"Value":{b}}}]}}"#,
                n = js(name),
                id = js(id),
                b = js(&money(*closing))
            )
        })
        .collect();
    let total: i64 = s.ledger.bank_accounts.iter().map(|a| a.2).sum();
    let body = format!(
        r#"{{"Id":"ae58d0ec-9c5c-455f-b96e-690107579257","Status":"OK","ProviderName":"arbot tests","DateTimeUTC":"/Date({ms})/","Reports":[{{"ReportName":"Bank Summary","ReportType":"BankSummary","ReportTitles":["Bank Summary","Fake Org","today"],"ReportDate":"today","Fields":[],"Rows":[{{"RowType":"Header","Cells":[{{"Value":"Bank Accounts"}},{{"Value":"Opening Balance"}},{{"Value":"Cash Received"}},{{"Value":"Cash Spent"}},{{"Value":"Closing Balance"}}]}},{{"RowType":"Section","Title":"","Rows":[{rows}{sep}{{"RowType":"SummaryRow","Cells":[{{"Value":"Total"}},{{"Value":{t}}},{{"Value":"0.00"}},{{"Value":"0.00"}},{{"Value":{t}}}]}}]}}]}}]}}"#,
        ms = s.ledger.now().timestamp_millis(),
        rows = rows.join(","),
        sep = if rows.is_empty() { "" } else { "," },
        t = js(&money(total))
    );
    with_limits(vendor_kit::deliver(fault.as_ref(), StatusCode::OK, body), day)
}

async fn list(
    State(state): State<Shared>,
    Path(endpoint): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let fault = match admit(&state, &headers).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let since_header = headers.get("if-modified-since").and_then(|v| v.to_str().ok()).map(str::to_string);
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
    let query: Vec<String> = {
        let mut q: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        q.sort();
        q
    };
    s.log.push((endpoint.clone(), query.join("&"), since_header.clone()));
    let since = match since_header.as_deref().map(parse_since) {
        Some(None) => return validation("If-Modified-Since is not a date"),
        Some(Some(t)) => Some(t),
        None => None,
    };
    if let Some(w) = params.get("where") {
        if s.refuse_where {
            return vendor_kit::json(
                StatusCode::BAD_REQUEST,
                r#"{"ErrorNumber":10,"Type":"ValidationException","Message":"Your request is not filtering Invoices efficiently, given the extremely high volume for this organisation. Please add a date filter or use the Statuses parameter."}"#.to_string(),
            );
        }
        if !matches!(w.as_str(), r#"Type=="ACCREC""# | r#"Type=="ACCRECCREDIT""#) {
            return validation(&format!("unsupported where: {w}"));
        }
    }
    let kind = params.get("where").map(|w| w.trim_start_matches("Type==").trim_matches('"').to_string());
    let statuses: Option<Vec<String>> = params.get("Statuses").map(|v| v.split(',').map(str::to_string).collect());
    let ids: Option<Vec<String>> = params.get("IDs").map(|v| v.split(',').map(str::to_string).collect());
    let archived = params.get("includeArchived").is_some_and(|v| v == "true");
    let page: usize = params.get("page").and_then(|p| p.parse().ok()).unwrap_or(1).max(1);
    let size: usize = params.get("pageSize").and_then(|p| p.parse().ok()).unwrap_or(100).clamp(1, 1000);
    let keep = |id: &str, updated: DateTime<Utc>, status: &str, k: &str| {
        since.is_none_or(|t| updated > t)
            && ids.as_ref().is_none_or(|ids| ids.iter().any(|i| i == id))
            && statuses.as_ref().is_none_or(|st| st.iter().any(|x| x == status))
            && kind.as_deref().is_none_or(|want| want == k)
    };
    let l = &s.ledger;
    let mut rows: Vec<(DateTime<Utc>, String, String)> = match endpoint.as_str() {
        "Contacts" => l
            .contacts
            .values()
            .filter(|c| (archived || !c.archived) && keep(&c.id, c.updated, "", ""))
            .map(|c| (c.updated, c.id.clone(), c.json()))
            .collect(),
        "Invoices" => l
            .invoices
            .values()
            .filter(|i| keep(&i.id, i.updated, i.status, if i.accpay { "ACCPAY" } else { "ACCREC" }))
            .map(|i| (i.updated, i.id.clone(), i.json(l)))
            .collect(),
        "Payments" => l
            .payments
            .values()
            .filter(|p| keep(&p.id, p.updated, if p.deleted { "DELETED" } else { "AUTHORISED" }, ""))
            .map(|p| (p.updated, p.id.clone(), p.json(l)))
            .collect(),
        "CreditNotes" => l
            .credit_notes
            .values()
            .filter(|c| keep(&c.id, c.updated, c.status, c.kind))
            .map(|c| (c.updated, c.id.clone(), c.json(l, "CreditNoteID")))
            .collect(),
        "Overpayments" => l
            .overpayments
            .values()
            .filter(|c| keep(&c.id, c.updated, c.status, ""))
            .map(|c| (c.updated, c.id.clone(), c.json(l, "OverpaymentID")))
            .collect(),
        "Prepayments" => l
            .prepayments
            .values()
            .filter(|c| keep(&c.id, c.updated, c.status, ""))
            .map(|c| (c.updated, c.id.clone(), c.json(l, "PrepaymentID")))
            .collect(),
        _ => return validation(&format!("unknown endpoint {endpoint}")),
    };
    rows.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let total = rows.len();
    let items: Vec<&str> = rows.iter().skip((page - 1) * size).take(size).map(|r| r.2.as_str()).collect();
    let pagination = if s.no_pagination {
        String::new()
    } else {
        format!(
            r#""pagination":{{"page":{page},"pageSize":{size},"pageCount":{},"itemCount":{total}}},"#,
            total.div_ceil(size).max(1)
        )
    };
    let body = format!(
        r#"{{"Id":"900c500b-e83c-4ce2-902a-b8ba04751748","Status":"OK","ProviderName":"arbot tests","DateTimeUTC":{},{pagination}"{endpoint}":[{}]}}"#,
        ms_date(l.now().timestamp_millis(), ""),
        items.join(",")
    );
    let XeroState { ledger, after_list, lists, .. } = &mut *s;
    vendor_kit::page_served(after_list, lists, ledger);
    let day = s.day_remaining;
    with_limits(vendor_kit::deliver(fault.as_ref(), StatusCode::OK, body), day)
}

async fn connections(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let s = state.lock().unwrap_or_else(|p| p.into_inner());
    if !s.oauth.authorized(&headers) {
        return problem(StatusCode::UNAUTHORIZED, "Unauthorized", "TokenExpired");
    }
    vendor_kit::json(
        StatusCode::OK,
        format!(
            r#"[{{"id":"7cb59f93-2964-421d-bb5e-a0f7a4572a44","authEventId":"x","tenantId":{},"tenantType":"ORGANISATION","tenantName":"Suncoast Mechanical (US)","createdDateUtc":"2019-12-07T18:46:19.5165400","updatedDateUtc":"2019-12-07T18:46:19.5187840"}}]"#,
            js(&s.tenant)
        ),
    )
}

async fn token(State(state): State<Shared>, headers: HeaderMap, body: String) -> Response {
    vendor_kit::token_endpoint(&state, &headers, &body).await
}

/// The names of the records of [`sample_org`]: a small subcontractor's organisation.
#[derive(Debug, Clone)]
pub struct Org {
    pub acme: String,
    pub bayside: String,
    pub inv: Vec<String>,
    pub eft: String,
    pub credit: String,
    pub over: String,
}

/// Contacts (one archived, one a supplier only), invoices in every status (a draft deleted, a
/// void, a bill to ignore, NZ-style dates, a 1917 due date), payments (one in a batch, one a
/// credit-note refund), a credit note allocated twice, an overpayment and a prepayment applied.
pub fn sample_org(l: &mut XLedger) -> Org {
    let acme = l.contact("Acme Builders");
    let bayside = l.contact("Bayside Construction");
    let old = l.contact("Old Harbor LLC");
    let vendor = l.supplier("Pipe Supply Co");
    let mut inv = vec![
        l.invoice(&acme, 1_250_000),
        l.invoice(&acme, 800_000),
        l.invoice(&bayside, 46_00),
        l.invoice(&old, 12_345),
        l.invoice(&bayside, 99_999),
        l.invoice(&bayside, 10_000),
    ];
    l.edit_invoice(&inv[1], |i| i.nz_dates = true);
    l.edit_invoice(&inv[3], |i| i.due = NaiveDate::from_ymd_opt(1917, 12, 15).expect("a date"));
    l.edit_invoice(&inv[4], |i| i.currency = "NZD".into());
    l.edit_invoice(&inv[5], |i| i.status = "VOIDED");
    let draft = l.invoice(&bayside, 500);
    l.edit_invoice(&draft, |i| i.status = "DELETED");
    let bill = l.invoice(&vendor, 7_700);
    l.edit_invoice(&bill, |i| i.accpay = true);
    l.archive(&old);
    let eft = l.pay(&inv[0], 500_000);
    let batch = l.pay(&inv[2], 46_00);
    let b = "b7d1b0ec-0000-4000-8000-000000000001".to_string();
    if let Some(p) = l.payments.get_mut(&batch) {
        p.batch = Some(b);
    }
    let credit = l.credit_note(&acme, 30_000);
    l.allocate(&credit, &inv[1], 10_000);
    l.allocate(&credit, &inv[0], 5_000);
    l.refund(&credit, 2_000);
    let over = l.prepayment("RECEIVE-OVERPAYMENT", &bayside, 20_000);
    l.allocate(&over, &inv[4], 9_999);
    let pre = l.prepayment("RECEIVE-PREPAYMENT", &acme, 100_000);
    l.allocate(&pre, &inv[1], 50_000);
    l.prepayment("SPEND-OVERPAYMENT", &vendor, 3_000);
    l.set_now(l.now() + chrono::Duration::days(1));
    inv.push(l.invoice(&bayside, 1));
    Org { acme, bayside, inv, eft, credit, over }
}
