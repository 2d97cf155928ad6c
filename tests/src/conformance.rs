//! The vendor adapter the connector conformance suite (`tests/connector_conformance.rs`) drives:
//! one [`FakeVendor`] for the fake QuickBooks and one for the fake Xero, so that the stories every
//! accounting connector must pass (a sync equal to the books, records changing while paging, a
//! fault storm, token refresh, rate limits, invoices paid off between syncs) are told once and
//! run against both.
//!
//! An adapter starts its fake on books it was given, seeds and alters those books through a
//! vendor-neutral API (a customer, an invoice, a payment on it, its balance or its timestamp
//! set), builds the connector on a store, reads the fake's books as the [`Snapshot`] the store
//! must then hold, and reaches the fake's faults, OAuth server and page hook. What only one
//! vendor has (QuickBooks' CDC, Xero's daily limit) stays with its fake and its own test file.

use std::sync::Arc;

use arbot_core::ManualClock;
use arbot_core::source::Source;
use arbot_core::store::Store;
use chrono::{DateTime, Utc};

use crate::fake_quickbooks::{self, Amt, FakeQbo, Ledger};
use crate::fake_xero::{self, FakeXero, XLedger};
use crate::snapshot::Snapshot;
use crate::vendor_kit::{Faults, LedgerTime, OAuthServer, PageHook};

/// A fake accounting system and the connector that reads it, as the conformance suite uses them.
///
/// Its futures are not `Send`: the suite awaits them on the test's own runtime.
#[allow(async_fn_in_trait)]
pub trait FakeVendor: Sized + 'static {
    /// The fake's books.
    type Books: LedgerTime + Send + 'static;
    /// The connector.
    type Source: Source + 'static;
    /// The names of the records of [`FakeVendor::sample`].
    type Sample;

    /// The vendor's name, for messages.
    const VENDOR: &'static str;
    /// The vendor's kind, as `arbot connect KIND` and `[[sources]] kind` take it.
    const KIND: &'static str;
    /// The name the suite gives the source (what `arbot connect NAME` takes).
    const SOURCE: &'static str;

    /// Empty books, their clock at `now`.
    fn books(now: DateTime<Utc>) -> Self::Books;
    /// The vendor's sample books: every kind of record and edge case its connector maps.
    fn sample(books: &mut Self::Books) -> Self::Sample;
    /// Starts the fake on these books.
    async fn start(books: Self::Books) -> Self;
    /// Files a working token set for [`FakeVendor::SOURCE`] (what `arbot connect` leaves) and
    /// builds a connector reading `page_size` records a page.
    async fn connect(&self, store: &Arc<dyn Store>, page_size: u32) -> Self::Source;
    /// A connector with whatever tokens are filed.
    fn source(&self, store: &Arc<dyn Store>, page_size: u32) -> Self::Source;
    /// The books' clock, which the connector and the engine read too.
    fn clock(&self) -> ManualClock;

    /// Runs `f` on the fake's books (the fake's lock held only for `f`).
    fn books_mut<T>(&self, f: impl FnOnce(&mut Self::Books) -> T) -> T;
    /// Runs `f` on the fake's faults.
    fn faults<T>(&self, f: impl FnOnce(&mut Faults) -> T) -> T;
    /// Runs `f` on the fake's OAuth server.
    fn oauth<T>(&self, f: impl FnOnce(&mut OAuthServer) -> T) -> T;
    /// API requests served so far, faults included (token calls are not API requests).
    fn api_calls(&self) -> usize;
    /// Runs `hook` after each page of records the fake serves.
    fn after_page(&self, hook: PageHook<Self::Books>);
    /// Pages served so far (what [`FakeVendor::after_page`]'s hook counts).
    fn pages_so_far(&self) -> usize;
    /// What the store must hold after a sync of the fake's books.
    fn expected(&self) -> Snapshot;

    /// A customer (QuickBooks) or contact (Xero).
    fn customer(books: &mut Self::Books, name: &str) -> String;
    /// An open invoice to `customer` for `cents`.
    fn invoice(books: &mut Self::Books, customer: &str, cents: i64) -> String;
    /// A payment of `cents` on `invoice`, from its customer.
    fn pay(books: &mut Self::Books, invoice: &str, cents: i64) -> String;
    /// An edit that leaves `invoice` with `cents` still to pay.
    fn set_balance(books: &mut Self::Books, invoice: &str, cents: i64);
    /// An edit that changes nothing a sync reads but the invoice's time (QuickBooks: a private
    /// note; Xero: saved again).
    fn touch(books: &mut Self::Books, invoice: &str);
    /// The invoice's last-updated time set to `at` (several saved in the same second).
    fn set_updated(books: &mut Self::Books, invoice: &str, at: DateTime<Utc>);
}

impl FakeVendor for FakeQbo {
    type Books = Ledger;
    type Source = arbot_connector_quickbooks::QboSource;
    type Sample = fake_quickbooks::Company;
    const VENDOR: &'static str = "QuickBooks";
    const KIND: &'static str = "quickbooks";
    const SOURCE: &'static str = "qbo";

    fn books(now: DateTime<Utc>) -> Ledger {
        Ledger::new(now)
    }
    fn sample(books: &mut Ledger) -> Self::Sample {
        fake_quickbooks::sample_company(books)
    }
    async fn start(books: Ledger) -> FakeQbo {
        FakeQbo::start(books).await
    }
    async fn connect(&self, store: &Arc<dyn Store>, page_size: u32) -> Self::Source {
        FakeQbo::connect(self, store, Self::SOURCE, page_size).await
    }
    fn source(&self, store: &Arc<dyn Store>, page_size: u32) -> Self::Source {
        FakeQbo::source(self, store, Self::SOURCE, page_size)
    }
    fn clock(&self) -> ManualClock {
        FakeQbo::clock(self)
    }
    fn books_mut<T>(&self, f: impl FnOnce(&mut Ledger) -> T) -> T {
        self.with(|s| f(&mut s.ledger))
    }
    fn faults<T>(&self, f: impl FnOnce(&mut Faults) -> T) -> T {
        self.with(|s| f(&mut s.faults))
    }
    fn oauth<T>(&self, f: impl FnOnce(&mut OAuthServer) -> T) -> T {
        self.with(|s| f(&mut s.oauth))
    }
    fn api_calls(&self) -> usize {
        self.with(|s| s.api_calls)
    }
    fn after_page(&self, hook: PageHook<Ledger>) {
        self.with(|s| s.after_query = Some(hook));
    }
    fn pages_so_far(&self) -> usize {
        self.with(|s| s.queries_so_far())
    }
    fn expected(&self) -> Snapshot {
        self.with(|s| s.ledger.expected())
    }

    fn customer(books: &mut Ledger, name: &str) -> String {
        books.customer(name)
    }
    fn invoice(books: &mut Ledger, customer: &str, cents: i64) -> String {
        books.invoice(customer, Amt::cents(cents))
    }
    fn pay(books: &mut Ledger, invoice: &str, cents: i64) -> String {
        let customer = books.invoices.get(invoice).map(|i| i.customer.clone()).unwrap_or_default();
        books.pay(&customer, &[(invoice, cents)], 0)
    }
    fn set_balance(books: &mut Ledger, invoice: &str, cents: i64) {
        books.edit_invoice(invoice, |i| i.balance = Amt::cents(cents));
    }
    fn touch(books: &mut Ledger, invoice: &str) {
        books.edit_invoice(invoice, |i| i.note = Some("reviewed".into()));
    }
    fn set_updated(books: &mut Ledger, invoice: &str, at: DateTime<Utc>) {
        if let Some(i) = books.invoices.get_mut(invoice) {
            i.updated = at;
        }
    }
}

impl FakeVendor for FakeXero {
    type Books = XLedger;
    type Source = arbot_connector_xero::XeroSource;
    type Sample = fake_xero::Org;
    const VENDOR: &'static str = "Xero";
    const KIND: &'static str = "xero";
    const SOURCE: &'static str = "xero";

    fn books(now: DateTime<Utc>) -> XLedger {
        XLedger::new(now)
    }
    fn sample(books: &mut XLedger) -> Self::Sample {
        fake_xero::sample_org(books)
    }
    async fn start(books: XLedger) -> FakeXero {
        FakeXero::start(books).await
    }
    async fn connect(&self, store: &Arc<dyn Store>, page_size: u32) -> Self::Source {
        FakeXero::connect(self, store, Self::SOURCE, page_size).await
    }
    fn source(&self, store: &Arc<dyn Store>, page_size: u32) -> Self::Source {
        FakeXero::source(self, store, Self::SOURCE, page_size)
    }
    fn clock(&self) -> ManualClock {
        FakeXero::clock(self)
    }
    fn books_mut<T>(&self, f: impl FnOnce(&mut XLedger) -> T) -> T {
        self.with(|s| f(&mut s.ledger))
    }
    fn faults<T>(&self, f: impl FnOnce(&mut Faults) -> T) -> T {
        self.with(|s| f(&mut s.faults))
    }
    fn oauth<T>(&self, f: impl FnOnce(&mut OAuthServer) -> T) -> T {
        self.with(|s| f(&mut s.oauth))
    }
    fn api_calls(&self) -> usize {
        self.with(|s| s.api_calls)
    }
    fn after_page(&self, hook: PageHook<XLedger>) {
        self.with(|s| s.after_list = Some(hook));
    }
    fn pages_so_far(&self) -> usize {
        self.with(|s| s.lists_so_far())
    }
    fn expected(&self) -> Snapshot {
        self.with(|s| s.ledger.expected())
    }

    fn customer(books: &mut XLedger, name: &str) -> String {
        books.contact(name)
    }
    fn invoice(books: &mut XLedger, customer: &str, cents: i64) -> String {
        books.invoice(customer, cents)
    }
    fn pay(books: &mut XLedger, invoice: &str, cents: i64) -> String {
        books.pay(invoice, cents)
    }
    fn set_balance(books: &mut XLedger, invoice: &str, cents: i64) {
        books.edit_invoice(invoice, |i| i.amount_due = cents);
    }
    fn touch(books: &mut XLedger, invoice: &str) {
        books.edit_invoice(invoice, |_| {});
    }
    fn set_updated(books: &mut XLedger, invoice: &str, at: DateTime<Utc>) {
        if let Some(i) = books.invoices.get_mut(invoice) {
            i.updated = at;
        }
    }
}
