//! One connector suite, run against every vendor's fake (QuickBooks, Xero) through the kit's
//! [`FakeVendor`] adapter, each story on a real SQLite file and (with ARBOT_TEST_POSTGRES_URL) a
//! real PostgreSQL database: the store must match the vendor's books exactly after full and
//! incremental syncs, while records change mid-paging, through a fault storm, across token
//! refreshes and rate limits. Each story is a generic function; `stories!` runs it as
//! `quickbooks::NAME` and `xero::NAME`. What a vendor checks beyond the shared story (and the
//! numbers of its own scenario) is in its [`Stories`] impl below; what only one vendor has is in
//! `connector_quickbooks.rs` and `connector_xero.rs`.

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::time::Duration;

use arbot_connector_http::{ExposeSecret, SecretKey, TokenSet};
use arbot_core::Clock;
use arbot_core::source::{Entity, Source, SourceError};
use arbot_core::store::ConnectionStatus;
use arbot_core::sync::{SyncError, SyncReport, sync_source};
use arbot_tests::TestDb;
use arbot_tests::conformance::FakeVendor;
use arbot_tests::fake_quickbooks::FakeQbo;
use arbot_tests::fake_xero::FakeXero;
use arbot_tests::snapshot::{self, Snapshot, assert_matches, invoice_status};
use arbot_tests::vendor_kit::{Fault, LedgerTime, TEST_SECRET_KEY};
use chrono::{DateTime, NaiveDate, Utc};

fn start_time() -> DateTime<Utc> {
    "2026-06-01T15:00:00Z".parse().unwrap()
}

async fn sync<V: FakeVendor>(db: &TestDb, fake: &V, source: &V::Source, full: bool) -> Result<SyncReport, SyncError> {
    sync_source(db.store.as_ref(), source, &fake.clock(), full, |_| {}).await
}

fn stats(r: &SyncReport, entity: Entity) -> arbot_core::store::PageStats {
    r.entities.iter().find(|e| e.entity == entity).map(|e| e.stats).unwrap_or_default()
}

/// The sample books, started and connected.
async fn sample<V: FakeVendor>(db: &TestDb, page_size: u32) -> (V, V::Sample, V::Source) {
    let mut books = V::books(start_time());
    let sample = V::sample(&mut books);
    let fake = V::start(books).await;
    let source = fake.connect(&db.store, page_size).await;
    (fake, sample, source)
}

/// The tokens stored for `source`, unsealed.
async fn stored_tokens(db: &TestDb, source: &str) -> (TokenSet, i64) {
    let conn = db.store.connection(source).await.unwrap().unwrap();
    let key = SecretKey::from_hex(TEST_SECRET_KEY).unwrap();
    let plain = key.open(source, conn.sealed_tokens.as_ref().unwrap()).unwrap();
    (serde_json::from_slice(&plain).unwrap(), conn.token_version)
}

/// Invoices paid off by [`Stories::pay_off_between_syncs`].
struct PaidOff {
    /// Paid in full.
    paid: Vec<String>,
    /// What the sync must count as paid off.
    count: u64,
    /// Voided at the same time.
    voided: u64,
}

/// A change made between two pages.
#[derive(Debug, Clone, Copy)]
enum Edit {
    /// The `n`th invoice made is left with this balance.
    Balance(usize, i64),
    /// A new invoice for this amount.
    New(i64),
}

/// A vendor's scenario for [`records_changing_while_paging_are_neither_skipped_nor_duplicated`].
struct Paging {
    page_size: u32,
    /// Invoices made one second apart, then in the same second (more than a page), then one
    /// second apart again: (how many, cents of the first; each next one a cent more).
    batches: [(i64, i64); 3],
    /// After which page served, what changes.
    edits: &'static [(usize, &'static [Edit])],
    /// Invoices in the books at the end.
    invoices: usize,
    /// Then, incrementally: how many invoices are edited first, and the balances set (by their
    /// place among the invoice ids) after the third page.
    then: (usize, &'static [(usize, i64)]),
}

/// A vendor's scenario for the fault storm: extra invoices for one customer, every `pay_every`th
/// paid in part, and the vendor's two 5xx answers among the faults.
struct Storm {
    invoices: i64,
    cents: i64,
    pay_every: i64,
    pay: i64,
    server_errors: [u16; 2],
}

/// What the stories need to know about a vendor beyond the kit's adapter: its scenario's numbers
/// and the checks it makes beyond the shared ones.
trait Stories: FakeVendor {
    /// The sample's invoices, in the order made.
    fn invoices(s: &Self::Sample) -> &[String];
    /// The sample customer the storm's extra invoices are for.
    fn storm_customer(s: &Self::Sample) -> String;

    /// Checks after the first sync of the sample books.
    async fn after_first_sync(db: &TestDb, fake: &Self, s: &Self::Sample, expected: &Snapshot, report: &SyncReport);
    /// An hour later: the changes an incremental sync must pick up.
    fn change_between_syncs(fake: &Self, s: &Self::Sample);
    /// Checks after the incremental sync.
    async fn after_incremental_sync(
        db: &TestDb,
        fake: &Self,
        s: &Self::Sample,
        expected: &Snapshot,
        report: &SyncReport,
    );

    /// An hour later: invoices paid in full, in part, voided.
    fn pay_off_between_syncs(fake: &Self, s: &Self::Sample) -> PaidOff;

    const PAGING: Paging;
    /// Run `run` of the paging story (one per database) may vary the fake.
    fn vary_paging(_fake: &Self, _run: usize) {}

    const STORM: Storm;

    /// Makes the saved access token expire before two syncs start.
    async fn expire_saved_access(db: &TestDb, fake: &Self);

    /// The same fake's books, but reached at `url` (where nothing may listen).
    fn at_url(&self, url: String) -> Self;

    /// A fault that asks to come back much later, and how many seconds later.
    fn long_limit() -> (Fault, i64);
    /// Checks the reason the connection is rate limited for.
    fn check_limit_reason(reason: Option<&str>);
}

impl Stories for FakeQbo {
    fn invoices(s: &Self::Sample) -> &[String] {
        &s.inv
    }
    fn storm_customer(s: &Self::Sample) -> String {
        s.maple.clone()
    }

    async fn after_first_sync(db: &TestDb, _: &Self, c: &Self::Sample, expected: &Snapshot, first: &SyncReport) {
        // Jobs sit under their top-level customer, invoices to a job belong to both.
        assert_eq!(expected.jobs[&c.phase2].0, c.acme);
        assert_eq!(expected.invoices[&c.inv[2]].job.as_deref(), Some(c.phase2.as_str()));
        assert_eq!(expected.invoices[&c.inv[5]].status, "void");
        assert!(!expected.customers[&c.gulf].1, "the inactive customer is synced");
        assert_eq!(stats(first, Entity::Invoice).new, 9, "{}", db.name);
    }

    fn change_between_syncs(fake: &Self, c: &Self::Sample) {
        // A new invoice part-paid, a payment on an old invoice (whose own timestamp does not
        // move), a deleted payment (balances restored), a deleted invoice, a void, an edit, a
        // customer made inactive.
        fake.with(|s| {
            let l = &mut s.ledger;
            // An hour later: well past the overlap the next sync re-reads.
            l.set_now(l.now() + chrono::Duration::hours(1));
            let new = l.invoice(&c.maple, arbot_tests::fake_quickbooks::Amt::cents(70_000));
            l.pay(&c.maple, &[(&new, 30_000)], 0);
            l.pay(&c.acme, &[(&c.inv[6], 4_000)], 0);
            l.delete_payment(&c.check);
            l.delete_invoice(&c.inv[4]);
            l.void_invoice(&c.inv[7]);
            l.edit_invoice(&c.inv[3], |i| i.note = Some("disputed quantity".into()));
            l.deactivate(&c.maple);
        });
    }

    async fn after_incremental_sync(
        db: &TestDb,
        fake: &Self,
        c: &Self::Sample,
        expected: &Snapshot,
        second: &SyncReport,
    ) {
        assert_eq!(invoice_status(db, Self::SOURCE, &c.inv[4]).await.as_deref(), Some("deleted"), "{}", db.name);
        assert_eq!(expected.invoices[&c.inv[0]].balance, 1_250_000, "the deleted check's invoice is unpaid again");
        assert_eq!(stats(second, Entity::Invoice).deleted, 1, "{}", db.name);
        assert_eq!(stats(second, Entity::Payment).deleted, 1, "{}", db.name);
        let log = fake.with(|s| s.log.clone());
        assert!(log.iter().any(|l| l.starts_with("CDC Invoice")), "deletions come from CDC");
        assert!(
            log.iter().any(|l| l.contains("MetaData.LastUpdatedTime >= '")),
            "incremental queries seek on the watermark: {log:?}"
        );
        assert_eq!(fake.with(|s| s.wrong_minor_version), 0, "every request says minorversion=75");
    }

    fn pay_off_between_syncs(fake: &Self, c: &Self::Sample) -> PaidOff {
        // One invoice paid in full, one in part, one voided.
        fake.with(|s| {
            let l = &mut s.ledger;
            l.set_now(l.now() + chrono::Duration::hours(1));
            l.pay(&c.gulf, &[(&c.inv[3], 50_000)], 0);
            l.pay(&c.acme, &[(&c.inv[6], 4_000)], 0);
            l.void_invoice(&c.inv[7]);
        });
        PaidOff { paid: vec![c.inv[3].clone()], count: 1, voided: 1 }
    }

    const PAGING: Paging = Paging {
        page_size: 5,
        batches: [(30, 10_000), (12, 50_000), (8, 90_000)],
        edits: &[
            (3, &[Edit::Balance(0, 1), Edit::Balance(3, 2)]),
            // One of the same-second group, while that group is being paged.
            (7, &[Edit::Balance(32, 3), Edit::Balance(5, 4)]),
            (9, &[Edit::New(77_700), Edit::Balance(45, 5)]),
        ],
        invoices: 51,
        then: (20, &[(2, 6), (40, 7)]),
    };

    const STORM: Storm = Storm { invoices: 25, cents: 1_000, pay_every: 3, pay: 500, server_errors: [502, 503] };

    fn at_url(&self, url: String) -> Self {
        FakeQbo { url, state: self.state.clone() }
    }

    async fn expire_saved_access(db: &TestDb, fake: &Self) {
        let (mut tokens, _) = stored_tokens(db, Self::SOURCE).await;
        tokens.access_expires_at = fake.clock().now() - chrono::Duration::minutes(1);
        let key = SecretKey::from_hex(TEST_SECRET_KEY).unwrap();
        arbot_connector_http::tokens::store_new_tokens(
            db.store.as_ref(),
            &key,
            Self::SOURCE,
            Self::KIND,
            &tokens,
            Utc::now(),
        )
        .await
        .unwrap();
    }

    fn long_limit() -> (Fault, i64) {
        (Fault::Throttle { retry_after: Some(7200) }, 7200)
    }
    fn check_limit_reason(reason: Option<&str>) {
        assert_eq!(reason, None);
    }
}

impl Stories for FakeXero {
    fn invoices(s: &Self::Sample) -> &[String] {
        &s.inv
    }
    fn storm_customer(s: &Self::Sample) -> String {
        s.bayside.clone()
    }

    async fn after_first_sync(db: &TestDb, fake: &Self, o: &Self::Sample, expected: &Snapshot, _: &SyncReport) {
        assert!(
            !expected.customers[&fake.with(|s| s.ledger.contacts.values().find(|c| c.archived).unwrap().id.clone())].1
        );
        let inv = db.store.invoices_numbered(&expected.invoices[&o.inv[1]].number).await.unwrap();
        assert_eq!(inv[0].issued, fake.with(|s| s.ledger.invoices[&o.inv[1]].date), "{}: NZ dates", db.name);
        let inv = db.store.invoices_numbered(&expected.invoices[&o.inv[3]].number).await.unwrap();
        assert_eq!(inv[0].due, NaiveDate::from_ymd_opt(1917, 12, 15).unwrap(), "{}: a negative /Date()/", db.name);
    }

    fn change_between_syncs(fake: &Self, o: &Self::Sample) {
        fake.with(|s| {
            let l = &mut s.ledger;
            l.set_now(l.now() + chrono::Duration::hours(1));
            let new = l.invoice(&o.bayside, 70_000);
            l.pay(&new, 30_000);
            l.delete_payment(&o.eft);
            l.delete_allocation(&o.credit, 1);
            l.delete_allocation(&o.over, 0);
            l.edit_invoice(&o.inv[2], |i| i.status = "VOIDED");
            l.archive(&o.acme);
            s.log.clear();
        });
    }

    async fn after_incremental_sync(_: &TestDb, fake: &Self, o: &Self::Sample, expected: &Snapshot, _: &SyncReport) {
        assert_eq!(expected.invoices[&o.inv[0]].balance, 1_250_000, "the deleted payment and allocation are undone");
        let log = fake.with(|s| s.log.clone());
        // Every list asks only for what changed (the Bank Summary is a report of today, not a list).
        for (endpoint, query, since) in log.iter().filter(|(e, q, _)| !q.contains("IDs=") && !e.starts_with("Reports/"))
        {
            let since = since.as_deref().unwrap_or_else(|| panic!("{endpoint} {query}: no If-Modified-Since"));
            assert!(
                since.len() == 19
                    && NaiveDate::parse_from_str(&since[..10], "%Y-%m-%d").is_ok()
                    && &since[10..11] == "T",
                "If-Modified-Since in UTC yyyy-mm-ddThh:mm:ss: {since}"
            );
        }
        assert!(log.iter().any(|(e, q, _)| e == "Contacts" && q.contains("includeArchived=true")));
        assert!(log.iter().any(|(e, q, _)| e == "Invoices" && q.contains(r#"where=Type=="ACCREC""#)));
        assert_eq!(fake.with(|s| s.without_tenant), 0, "xero-tenant-id on every call");
    }

    fn pay_off_between_syncs(fake: &Self, o: &Self::Sample) -> PaidOff {
        // Paid off by a payment and by a credit note's allocation; another paid in part.
        fake.with(|s| {
            let l = &mut s.ledger;
            l.set_now(l.now() + chrono::Duration::hours(1));
            l.pay(&o.inv[6], 1);
            let due = l.invoices[&o.inv[1]].amount_due;
            let credit = l.credit_note(&o.acme, due);
            l.allocate(&credit, &o.inv[1], due);
            l.pay(&o.inv[0], 1_000);
        });
        PaidOff { paid: vec![o.inv[6].clone(), o.inv[1].clone()], count: 2, voided: 0 }
    }

    const PAGING: Paging = Paging {
        page_size: 4,
        batches: [(20, 1_000), (9, 5_000), (6, 9_000)],
        edits: &[
            (3, &[Edit::Balance(0, 1), Edit::Balance(2, 2)]),
            (6, &[Edit::Balance(22, 3), Edit::New(4_444)]),
            (8, &[Edit::Balance(30, 5)]),
        ],
        invoices: 36,
        then: (20, &[(2, 6), (30, 7)]),
    };
    /// On the second database, answers without the `pagination` object (older API responses).
    fn vary_paging(fake: &Self, run: usize) {
        fake.with(|s| s.no_pagination = run == 1);
    }

    const STORM: Storm = Storm { invoices: 20, cents: 2_000, pay_every: 2, pay: 1_000, server_errors: [503, 500] };

    fn at_url(&self, url: String) -> Self {
        FakeXero { url, state: self.state.clone() }
    }

    async fn expire_saved_access(_: &TestDb, fake: &Self) {
        // Xero's access tokens live for 30 minutes.
        fake.with(|s| {
            let later = s.ledger.now() + chrono::Duration::minutes(40);
            s.ledger.set_now(later);
        });
    }

    fn long_limit() -> (Fault, i64) {
        (Fault::DayLimit { retry_after: 66_975 }, 66_975)
    }
    fn check_limit_reason(reason: Option<&str>) {
        assert!(reason.is_some_and(|r| r.contains("5,000 requests a day") && r.contains("used up")), "{reason:?}");
    }
}

async fn full_then_incremental_sync_matches_the_books<V: Stories>() {
    for db in TestDb::all().await {
        let (fake, s, source) = sample::<V>(&db, 3).await;
        let first = sync(&db, &fake, &source, false).await.unwrap();
        let expected = fake.expected();
        assert_matches(&db, V::SOURCE, &expected, "after the first sync").await;
        V::after_first_sync(&db, &fake, &s, &expected, &first).await;

        V::change_between_syncs(&fake, &s);
        let second = sync(&db, &fake, &source, false).await.unwrap();
        let expected = fake.expected();
        assert_matches(&db, V::SOURCE, &expected, "after the incremental sync").await;
        V::after_incremental_sync(&db, &fake, &s, &expected, &second).await;

        // Once more, incrementally and in full: nothing changes.
        for full in [false, true] {
            let again = sync(&db, &fake, &source, full).await.unwrap();
            let t = again.totals();
            assert_eq!((t.new, t.updated, t.deleted), (0, 0, 0), "{}: full={full}: {again:?}", db.name);
            assert_matches(&db, V::SOURCE, &expected, "after syncing again").await;
        }
        db.close().await;
    }
}

async fn an_invoice_paid_off_between_syncs_is_counted_once<V: Stories>() {
    for db in TestDb::all().await {
        let (fake, s, source) = sample::<V>(&db, 3).await;
        let first = sync(&db, &fake, &source, false).await.unwrap();
        assert_eq!(first.invoices_paid_off(), 0, "{}: nothing was open before the first sync", db.name);

        let paid_off = V::pay_off_between_syncs(&fake, &s);
        let second = sync(&db, &fake, &source, false).await.unwrap();
        assert_matches(&db, V::SOURCE, &fake.expected(), "after the payments").await;
        for id in &paid_off.paid {
            assert_eq!(invoice_status(&db, V::SOURCE, id).await.as_deref(), Some("paid"), "{}: {id}", db.name);
        }
        assert_eq!(second.invoices_paid_off(), paid_off.count, "{}: {second:?}", db.name);
        assert_eq!(stats(&second, Entity::Invoice).voided, paid_off.voided, "{}", db.name);

        // Syncing again, incrementally or in full, pays nothing off.
        for full in [false, true] {
            let again = sync(&db, &fake, &source, full).await.unwrap();
            assert_eq!(again.invoices_paid_off(), 0, "{}: full={full}: {again:?}", db.name);
        }
        db.close().await;
    }
}

async fn records_changing_while_paging_are_neither_skipped_nor_duplicated<V: Stories>() {
    let plan = V::PAGING;
    for (run, db) in TestDb::all().await.into_iter().enumerate() {
        let mut books = V::books(start_time());
        let acme = V::customer(&mut books, "Acme Builders");
        let [(before, a), (tied, b), (after, c)] = plan.batches;
        let mut ids: Vec<String> = (0..before).map(|n| V::invoice(&mut books, &acme, a + n)).collect();
        // Invoices saved in the same second (a bulk import): more than a page.
        let same = books.tick();
        for n in 0..tied {
            let id = V::invoice(&mut books, &acme, b + n);
            V::set_updated(&mut books, &id, same);
            ids.push(id);
        }
        ids.extend((0..after).map(|n| V::invoice(&mut books, &acme, c + n)));
        let fake = V::start(books).await;
        V::vary_paging(&fake, run);
        let source = fake.connect(&db.store, plan.page_size).await;
        // Between pages: invoices already read are edited (they jump to the end of the order),
        // some of the same-second group are edited while that group is being paged, and new
        // invoices arrive.
        let moved = ids.clone();
        fake.after_page(Box::new(move |l: &mut V::Books, n: usize| {
            for (_, edits) in plan.edits.iter().filter(|(page, _)| *page == n) {
                for edit in *edits {
                    match *edit {
                        Edit::Balance(k, cents) => V::set_balance(l, &moved[k], cents),
                        Edit::New(cents) => {
                            V::invoice(l, &acme, cents);
                        }
                    }
                }
            }
        }));
        let report = sync(&db, &fake, &source, false).await.unwrap();
        let expected = fake.expected();
        assert_eq!(expected.invoices.len(), plan.invoices);
        assert_matches(&db, V::SOURCE, &expected, &format!("one sync while records changed (run {run})")).await;
        assert_eq!(
            stats(&report, Entity::Invoice).new,
            plan.invoices as u64,
            "{}: each invoice inserted once: {report:?}",
            db.name
        );

        // The same mid-paging changes during an incremental sync.
        let (edited, balances) = plan.then;
        let all: Vec<String> = expected.invoices.keys().cloned().collect();
        fake.books_mut(|l| {
            for id in &all[..edited] {
                V::touch(l, id);
            }
        });
        let base = fake.pages_so_far();
        fake.after_page(Box::new(move |l: &mut V::Books, n: usize| {
            if n == base + 3 {
                for (k, cents) in balances {
                    V::set_balance(l, &all[*k], *cents);
                }
            }
        }));
        sync(&db, &fake, &source, false).await.unwrap();
        assert_matches(&db, V::SOURCE, &fake.expected(), "incremental sync while records changed").await;
        db.close().await;
    }
}

async fn replayed_pages_and_stale_pages_change_nothing<V: Stories>() {
    for db in TestDb::all().await {
        let (fake, s, source) = sample::<V>(&db, 4).await;
        // Read every page of the invoices once, as the engine would.
        let mut pages = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = source.fetch(Entity::Invoice, None, cursor.as_deref()).await.unwrap();
            cursor = page.next.clone();
            pages.push(page);
            if cursor.is_none() {
                break;
            }
        }
        let run = db.store.start_sync_run(V::SOURCE, Utc::now()).await.unwrap();
        for p in &pages {
            db.store.apply_page(run, V::SOURCE, Entity::Invoice, &p.records, p.watermark.as_deref()).await.unwrap();
        }
        let once = snapshot::read(&db, V::SOURCE).await;
        for p in &pages {
            let s =
                db.store.apply_page(run, V::SOURCE, Entity::Invoice, &p.records, p.watermark.as_deref()).await.unwrap();
            assert_eq!((s.new, s.updated, s.deleted), (0, 0, 0), "{}: a replayed page changes nothing", db.name);
        }
        assert_eq!(snapshot::read(&db, V::SOURCE).await, once, "{}", db.name);

        // A newer version is synced; the old page arriving late does not overwrite it.
        let first = V::invoices(&s)[0].clone();
        fake.books_mut(|l| V::set_balance(l, &first, 1));
        sync(&db, &fake, &source, false).await.unwrap();
        let fresh = snapshot::read(&db, V::SOURCE).await;
        assert_eq!(fresh.invoices[&first].balance, 1);
        for p in &pages {
            db.store.apply_page(run, V::SOURCE, Entity::Invoice, &p.records, None).await.unwrap();
        }
        assert_eq!(snapshot::read(&db, V::SOURCE).await, fresh, "{}: a stale page must not win", db.name);
        db.close().await;
    }
}

async fn a_fault_storm_ends_equal_to_the_books_never_with_a_wrong_balance<V: Stories>() {
    let plan = V::STORM;
    for db in TestDb::all().await {
        let mut books = V::books(start_time());
        let s = V::sample(&mut books);
        let customer = V::storm_customer(&s);
        for n in 0..plan.invoices {
            let id = V::invoice(&mut books, &customer, plan.cents + n);
            if n % plan.pay_every == 0 {
                V::pay(&mut books, &id, plan.pay);
            }
        }
        let fake = V::start(books).await;
        let source = fake.connect(&db.store, 4).await;
        let expected = fake.expected();
        let [e1, e2] = plan.server_errors;
        fake.faults(|f| {
            f.storm(
                0.5,
                vec![
                    Fault::Throttle { retry_after: Some(1) },
                    Fault::Throttle { retry_after: None },
                    Fault::ServerError(e1),
                    Fault::ServerError(e2),
                    Fault::Truncated,
                    Fault::Reset,
                    Fault::ExpireTokens,
                ],
                7,
            )
        });
        let mut failures = 0;
        let mut done = false;
        for _ in 0..20 {
            match sync(&db, &fake, &source, false).await {
                Ok(_) => {
                    done = true;
                    break;
                }
                Err(SyncError::Source { error, .. }) => {
                    failures += 1;
                    assert!(error.to_string().contains("failed 8 times"), "{}: a clear failure: {error}", db.name);
                }
                Err(e) => panic!("{}: store error {e}", db.name),
            }
            // Whatever was written is right: every stored invoice and payment is as in the books.
            let got = snapshot::read(&db, V::SOURCE).await;
            for (id, row) in &got.invoices {
                assert_eq!(Some(row), expected.invoices.get(id), "{}: invoice {id} after a failed sync", db.name);
            }
            for (id, row) in &got.payments {
                assert_eq!(Some(row), expected.payments.get(id), "{}: payment {id} after a failed sync", db.name);
            }
        }
        assert!(done, "{}: the storm never let a sync through", db.name);
        let (injected, calls) = (fake.faults(|f| f.injected), fake.api_calls());
        assert!(injected >= 10, "{}: the storm injected only {injected} faults in {calls} calls", db.name);
        fake.faults(|f| f.calm());
        assert_matches(&db, V::SOURCE, &expected, &format!("after the storm ({failures} failed syncs)")).await;
        db.close().await;
    }
}

async fn two_concurrent_syncs_refresh_the_token_once<V: Stories>() {
    for db in TestDb::all().await {
        let (fake, _, _) = sample::<V>(&db, 3).await;
        // The saved access token has expired; both syncs start at once.
        V::expire_saved_access(&db, &fake).await;
        fake.oauth(|o| o.delay = Duration::from_millis(200));
        let (a, b) = (fake.source(&db.store, 3), fake.source(&db.store, 3));
        let clock = fake.clock();
        let (ra, rb) = tokio::join!(
            sync_source(db.store.as_ref(), &a, &clock, false, |_| {}),
            sync_source(db.store.as_ref(), &b, &clock, false, |_| {})
        );
        ra.unwrap();
        rb.unwrap();
        assert_eq!(fake.oauth(|o| o.refresh_calls), 1, "{}: one token call for two syncs", db.name);
        assert_matches(&db, V::SOURCE, &fake.expected(), "after two concurrent syncs").await;
        db.close().await;
    }
}

async fn an_expired_token_is_refreshed_once_and_the_new_refresh_token_saved<V: Stories>() {
    for db in TestDb::all().await {
        let (fake, _, source) = sample::<V>(&db, 3).await;
        let (_, v0) = stored_tokens(&db, V::SOURCE).await;
        // The access token dies in the middle of the invoices.
        fake.faults(|f| {
            f.plan.push_back(Fault::Slow(Duration::ZERO));
            f.plan.push_back(Fault::Slow(Duration::ZERO));
            f.plan.push_back(Fault::ExpireTokens);
        });
        sync(&db, &fake, &source, false).await.unwrap();
        assert_eq!(fake.oauth(|o| o.refresh_calls), 1, "{}", db.name);
        let (tokens, v1) = stored_tokens(&db, V::SOURCE).await;
        assert_eq!(
            tokens.refresh_token.expose_secret(),
            fake.oauth(|o| o.refresh.clone()),
            "the rotated token is saved"
        );
        assert!(v1 > v0);
        assert_matches(&db, V::SOURCE, &fake.expected(), "after a refresh").await;

        // A vendor may hand back the same refresh token (QuickBooks does): that is fine too.
        fake.oauth(|o| o.rotate = false);
        fake.faults(|f| f.plan.push_back(Fault::ExpireTokens));
        sync(&db, &fake, &source, false).await.unwrap();
        assert_eq!(fake.oauth(|o| o.refresh_calls), 2);
        assert_eq!(
            stored_tokens(&db, V::SOURCE).await.0.refresh_token.expose_secret(),
            fake.oauth(|o| o.refresh.clone())
        );
        db.close().await;
    }
}

async fn a_second_401_or_a_refused_refresh_asks_for_reconnection_without_looping<V: Stories>() {
    for db in TestDb::all().await {
        let (fake, _, source) = sample::<V>(&db, 3).await;
        fake.faults(|f| {
            f.plan.push_back(Fault::ExpireTokens);
            f.plan.push_back(Fault::ExpireTokens);
        });
        let err = sync(&db, &fake, &source, false).await.unwrap_err();
        let SyncError::Source { error: SourceError::NeedsReconnect { reason, .. }, .. } = err else { panic!("{err}") };
        assert!(reason.contains("arbot connect"), "{reason}");
        assert_eq!((fake.api_calls(), fake.oauth(|o| o.refresh_calls)), (2, 1), "one refresh, one retry, then stop");
        let status = db.store.connection(V::SOURCE).await.unwrap().unwrap().status;
        assert!(matches!(status, ConnectionStatus::NeedsReconnect { .. }), "{status:?}");

        // The refresh token itself is refused (invalid_grant).
        fake.oauth(|o| o.refuse = true);
        fake.faults(|f| f.plan.push_back(Fault::ExpireTokens));
        let err = sync(&db, &fake, &source, false).await.unwrap_err().to_string();
        let connect = format!("arbot connect {}", V::KIND);
        assert!(err.contains("invalid_grant") && err.contains(&connect), "{err}");
        let status = db.store.connection(V::SOURCE).await.unwrap().unwrap().status;
        assert!(matches!(status, ConnectionStatus::NeedsReconnect { .. }), "{status:?}");
        db.close().await;
    }
}

async fn a_short_retry_after_waits_and_carries_on<V: Stories>() {
    let db = TestDb::sqlite().await;
    let (fake, _, source) = sample::<V>(&db, 50).await;
    // Retry-After: 3 (a minute limit): wait (3 x 5 ms in tests) and carry on.
    fake.faults(|f| f.plan.push_back(Fault::Throttle { retry_after: Some(3) }));
    sync(&db, &fake, &source, false).await.unwrap();
    assert_matches(&db, V::SOURCE, &fake.expected(), "after a short wait").await;
    db.close().await;
}

async fn a_long_retry_after_reschedules_the_sync_instead_of_sleeping<V: Stories>() {
    for db in TestDb::all().await {
        let (fake, _, source) = sample::<V>(&db, 3).await;
        let (fault, wait) = V::long_limit();
        fake.faults(|f| f.plan.push_back(fault));
        let started = std::time::Instant::now();
        let err = sync(&db, &fake, &source, false).await.unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5), "it did not sleep");
        let SyncError::Source { error: SourceError::RateLimited { retry_at, reason, .. }, .. } = err else {
            panic!("{err}")
        };
        let now = fake.clock().now();
        assert!((retry_at - now - chrono::Duration::seconds(wait)).num_seconds().abs() < 5, "{retry_at} vs {now}");
        V::check_limit_reason(reason.as_deref());
        assert_eq!(
            db.store.connection(V::SOURCE).await.unwrap().unwrap().status,
            ConnectionStatus::RateLimited { until: retry_at, reason }
        );

        // Until then, a sync does not call the vendor at all.
        let calls = fake.api_calls();
        let err = sync(&db, &fake, &source, false).await.unwrap_err();
        assert!(matches!(err, SyncError::Source { error: SourceError::RateLimited { .. }, .. }));
        assert_eq!(fake.api_calls(), calls, "no call before the limit resets");

        // Afterwards it resumes, and the status is ok again.
        fake.books_mut(|l| l.set_now(l.now() + chrono::Duration::seconds(wait) + chrono::Duration::minutes(1)));
        sync(&db, &fake, &source, false).await.unwrap();
        assert_eq!(db.store.connection(V::SOURCE).await.unwrap().unwrap().status, ConnectionStatus::Ok);
        assert_matches(&db, V::SOURCE, &fake.expected(), "after the pause").await;
        db.close().await;
    }
}

async fn a_slow_answer_times_out_and_is_retried<V: Stories>() {
    let db = TestDb::sqlite().await;
    let (fake, _, source) = sample::<V>(&db, 50).await;
    fake.faults(|f| f.plan.push_back(Fault::Slow(Duration::from_millis(2500))));
    sync(&db, &fake, &source, false).await.unwrap();
    assert_matches(&db, V::SOURCE, &fake.expected(), "after a timeout").await;
    db.close().await;
}

/// A web page where the API's JSON should be (a proxy, a maintenance page, a wrong address):
/// one plain sentence, never the page itself or the JSON parser's words; nothing is lost, and
/// the next sync ends equal to the books.
async fn a_web_page_instead_of_data_is_said_plainly_and_loses_nothing<V: Stories>() {
    for db in TestDb::all().await {
        let (fake, _, source) = sample::<V>(&db, 3).await;
        for status in [200u16, 404] {
            fake.faults(|f| (0..8).for_each(|_| f.plan.push_back(Fault::WebPage(status))));
            let err = sync(&db, &fake, &source, false).await.unwrap_err();
            let SyncError::Source { error, .. } = err else { panic!("{}: expected a source error", db.name) };
            let text = error.to_string();
            assert!(text.contains("a web page instead of data"), "{} {status}: {text}", db.name);
            for leak in ["<", "html", "maintenance</", "expected value", "line 1", "column"] {
                assert!(!text.contains(leak), "{} {status}: '{leak}' in: {text}", db.name);
            }
            fake.faults(|f| f.calm());
        }
        sync(&db, &fake, &source, false).await.unwrap();
        assert_matches(&db, V::SOURCE, &fake.expected(), "after web pages").await;
        db.close().await;
    }
}

/// A vendor that can't be reached (connection refused): the sync says so in our words, writes
/// nothing, leaves the connection as it was (no reconnect asked), and the next sync that gets
/// through ends equal to the books.
async fn an_unreachable_vendor_is_said_plainly_and_loses_nothing<V: Stories>() {
    for db in TestDb::all().await {
        let (fake, _, source) = sample::<V>(&db, 3).await;
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let away = fake.at_url(format!("http://127.0.0.1:{closed}")).source(&db.store, 3);
        let err = sync(&db, &fake, &away, false).await.unwrap_err();
        let SyncError::Source { error, .. } = err else { panic!("{}: expected a source error", db.name) };
        let text = error.to_string();
        assert!(text.contains("could not connect to 127.0.0.1"), "{}: {text}", db.name);
        assert!(!text.contains("error sending request") && !text.contains("tcp connect"), "{}: {text}", db.name);
        assert_eq!(snapshot::read(&db, V::SOURCE).await, Snapshot::default(), "{}: nothing written", db.name);
        let status = db.store.connection(V::SOURCE).await.unwrap().unwrap().status;
        assert_eq!(status, ConnectionStatus::Ok, "{}", db.name);
        sync(&db, &fake, &source, false).await.unwrap();
        assert_matches(&db, V::SOURCE, &fake.expected(), "after the vendor came back").await;
        db.close().await;
    }
}

/// The vendor JSON decoders, fuzzed through the real connector: answers with a few bytes
/// changed (a seed each; `ARBOT_FUZZ_CASES` seeds, 12 by default). No panic; a sync that fails
/// says so in our words, never the JSON parser's; and a full sync with the answers whole
/// again leaves every record of the books in the store as the books have it. (A mangled id that
/// still reads as an id makes a record the books do not have; it is counted, not failed.)
async fn mangled_answers_never_panic_or_leak_parser_words<V: Stories>() {
    fn holds<K: Ord, T: PartialEq>(got: &BTreeMap<K, T>, want: &BTreeMap<K, T>) -> bool {
        want.iter().all(|(k, v)| got.get(k) == Some(v))
    }
    let cases: u64 = std::env::var("ARBOT_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(12);
    let db = TestDb::sqlite().await;
    let (fake, _, source) = sample::<V>(&db, 3).await;
    let (mut failed, mut spoiled, mut made_up) = (0, 0, 0);
    for seed in 0..cases {
        // One to eight in a row: past the retries, the sync stops and says why.
        let run = 1 + seed % 8;
        fake.faults(|f| (0..run).for_each(|n| f.plan.push_back(Fault::Mangled(seed * 8 + n))));
        match sync(&db, &fake, &source, seed % 2 == 0).await {
            Ok(_) => {}
            Err(SyncError::Source { error, .. }) => {
                failed += 1;
                let text = error.to_string();
                for leak in ["expected", "line 1", "column", "EOF", "invalid type"] {
                    assert!(!text.contains(leak), "seed {seed}: '{leak}' in: {text}");
                }
            }
            Err(SyncError::Store(e)) => panic!("seed {seed}: the store failed: {e}"),
        }
        fake.faults(|f| f.calm());
        let (now, books) = (snapshot::read(&db, V::SOURCE).await, fake.expected());
        if !(holds(&now.invoices, &books.invoices) && holds(&now.payments, &books.payments)) {
            spoiled += 1;
        }
        sync(&db, &fake, &source, true).await.unwrap();
        let (got, want) = (snapshot::read(&db, V::SOURCE).await, fake.expected());
        let after = format!("a full sync after seed {seed}: {}", got.diff(&want));
        // Every record of the books is in the store as the books have it; records a mangled id
        // made up are counted (removing what a vendor no longer lists is the reconcile's job).
        assert!(holds(&got.invoices, &want.invoices), "{after}");
        assert!(holds(&got.memos, &want.memos), "{after}");
        assert!(holds(&got.payments, &want.payments), "{after}");
        assert!(holds(&got.customers, &want.customers), "{after}");
        assert!(holds(&got.jobs, &want.jobs), "{after}");
        made_up += (got.invoices.len() + got.memos.len() + got.payments.len())
            .saturating_sub(want.invoices.len() + want.memos.len() + want.payments.len());
    }
    eprintln!(
        "{cases} mangled answers: {failed} syncs refused them, {spoiled} left an invoice or payment of the \
         books wrong until the full sync; {made_up} made-up invoices, credits or payments left after it"
    );
    db.close().await;
}

/// Each story as a test for each vendor: `quickbooks::STORY` and `xero::STORY`.
macro_rules! stories {
    ($($story:ident),* $(,)?) => {
        mod quickbooks {
            $(
                #[tokio::test]
                async fn $story() {
                    super::$story::<super::FakeQbo>().await
                }
            )*
        }
        mod xero {
            $(
                #[tokio::test]
                async fn $story() {
                    super::$story::<super::FakeXero>().await
                }
            )*
        }
    };
}

stories!(
    full_then_incremental_sync_matches_the_books,
    an_invoice_paid_off_between_syncs_is_counted_once,
    records_changing_while_paging_are_neither_skipped_nor_duplicated,
    replayed_pages_and_stale_pages_change_nothing,
    a_fault_storm_ends_equal_to_the_books_never_with_a_wrong_balance,
    two_concurrent_syncs_refresh_the_token_once,
    an_expired_token_is_refreshed_once_and_the_new_refresh_token_saved,
    a_second_401_or_a_refused_refresh_asks_for_reconnection_without_looping,
    a_short_retry_after_waits_and_carries_on,
    a_long_retry_after_reschedules_the_sync_instead_of_sleeping,
    a_slow_answer_times_out_and_is_retried,
    a_web_page_instead_of_data_is_said_plainly_and_loses_nothing,
    mangled_answers_never_panic_or_leak_parser_words,
    an_unreachable_vendor_is_said_plainly_and_loses_nothing,
);
