//! The QuickBooks Online connector against the fake QuickBooks, synced into a real SQLite file and
//! (with ARBOT_TEST_POSTGRES_URL) a real PostgreSQL database: the store must match the vendor's
//! ledger exactly after full and incremental syncs, while records change mid-paging, through a
//! fault storm, and in each QuickBooks edge case of connectors.md §7.

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test

use std::time::Duration;

use arbot_connector_http::{SecretKey, TokenSet};
use arbot_connector_quickbooks::QboSource;
use arbot_core::Clock;
use arbot_core::source::{Entity, Source, SourceError};
use arbot_core::store::ConnectionStatus;
use arbot_core::sync::{Progress, SyncError, SyncReport, sync_source};
use arbot_tests::TestDb;
use arbot_tests::fake_quickbooks::{Amt, FakeQbo, Ledger};
use arbot_tests::snapshot::{self, assert_matches, invoice_status};
use arbot_tests::vendor_kit::{Fault, LedgerTime, TEST_SECRET_KEY};
use chrono::{DateTime, Utc};

const SOURCE: &str = "qbo";

fn start_time() -> DateTime<Utc> {
    "2026-06-01T15:00:00Z".parse().unwrap()
}

async fn sync(db: &TestDb, fake: &FakeQbo, source: &QboSource, full: bool) -> Result<SyncReport, SyncError> {
    sync_source(db.store.as_ref(), source, &fake.clock(), full, |_| {}).await
}

fn stats(r: &SyncReport, entity: Entity) -> arbot_core::store::PageStats {
    r.entities.iter().find(|e| e.entity == entity).map(|e| e.stats).unwrap_or_default()
}

/// Names of the records of a small subcontractor's company.
struct Company {
    acme: String,
    gulf: String,
    maple: String,
    phase2: String,
    inv: Vec<String>,
    check: String,
}

/// Customers with a job and a sub-job, an inactive customer with an invoice, multi-line and
/// unapplied payments, a credit memo applied through a $0 payment, a CAD invoice, a void, an
/// invoice without a number and a number used twice.
fn company(l: &mut Ledger) -> Company {
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

#[tokio::test]
async fn full_then_incremental_sync_matches_the_ledger() {
    for db in TestDb::all().await {
        let mut ledger = Ledger::new(start_time());
        let c = company(&mut ledger);
        let fake = FakeQbo::start(ledger).await;
        let qbo = fake.connect(&db.store, SOURCE, 3).await;

        let first = sync(&db, &fake, &qbo, false).await.unwrap();
        let expected = fake.with(|s| s.ledger.expected());
        assert_matches(&db, SOURCE, &expected, "after the first sync").await;
        // Jobs sit under their top-level customer, invoices to a job belong to both.
        assert_eq!(expected.jobs[&c.phase2].0, c.acme);
        assert_eq!(expected.invoices[&c.inv[2]].job.as_deref(), Some(c.phase2.as_str()));
        assert_eq!(expected.invoices[&c.inv[5]].status, "void");
        assert!(!expected.customers[&c.gulf].1, "the inactive customer is synced");
        assert_eq!(stats(&first, Entity::Invoice).new, 9, "{}", db.name);

        // Changes: a new invoice part-paid, a payment on an old invoice (whose own timestamp does
        // not move), a deleted payment (balances restored), a deleted invoice, a void, an edit,
        // a customer made inactive.
        fake.with(|s| {
            let l = &mut s.ledger;
            // An hour later: well past the overlap the next sync re-reads.
            l.set_now(l.now() + chrono::Duration::hours(1));
            let new = l.invoice(&c.maple, Amt::cents(70_000));
            l.pay(&c.maple, &[(&new, 30_000)], 0);
            l.pay(&c.acme, &[(&c.inv[6], 4_000)], 0);
            l.delete_payment(&c.check);
            l.delete_invoice(&c.inv[4]);
            l.void_invoice(&c.inv[7]);
            l.edit_invoice(&c.inv[3], |i| i.note = Some("disputed quantity".into()));
            l.deactivate(&c.maple);
        });
        let second = sync(&db, &fake, &qbo, false).await.unwrap();
        let expected = fake.with(|s| s.ledger.expected());
        assert_matches(&db, SOURCE, &expected, "after the incremental sync").await;
        assert_eq!(invoice_status(&db, SOURCE, &c.inv[4]).await.as_deref(), Some("deleted"), "{}", db.name);
        assert_eq!(expected.invoices[&c.inv[0]].balance, 1_250_000, "the deleted check's invoice is unpaid again");
        assert_eq!(stats(&second, Entity::Invoice).deleted, 1, "{}", db.name);
        assert_eq!(stats(&second, Entity::Payment).deleted, 1, "{}", db.name);
        let log = fake.with(|s| s.log.clone());
        assert!(log.iter().any(|l| l.starts_with("CDC Invoice")), "deletions come from CDC");
        assert!(
            log.iter().any(|l| l.contains("MetaData.LastUpdatedTime >= '")),
            "incremental queries seek on the watermark: {log:?}"
        );
        assert_eq!(fake.with(|s| s.wrong_minor_version), 0, "every request says minorversion=75");

        // Once more, incrementally and in full: nothing changes.
        for full in [false, true] {
            let again = sync(&db, &fake, &qbo, full).await.unwrap();
            let t = again.totals();
            assert_eq!((t.new, t.updated, t.deleted), (0, 0, 0), "{}: full={full}: {again:?}", db.name);
            assert_matches(&db, SOURCE, &expected, "after syncing again").await;
        }
        db.close().await;
    }
}

/// A sync that records every progress report.
async fn sync_watching(
    db: &TestDb,
    fake: &FakeQbo,
    source: &QboSource,
) -> (Result<SyncReport, SyncError>, Vec<Progress>) {
    let mut seen = Vec::new();
    let result = sync_source(db.store.as_ref(), source, &fake.clock(), false, |p| seen.push(p)).await;
    (result, seen)
}

/// The progress reports of one entity.
fn of(seen: &[Progress], entity: Entity) -> Vec<Progress> {
    seen.iter().filter(|p| p.entity == entity).copied().collect()
}

#[tokio::test]
async fn each_pass_is_counted_before_it_pages_so_progress_has_a_total() {
    for db in TestDb::all().await {
        let mut ledger = Ledger::new(start_time());
        let c = company(&mut ledger);
        let fake = FakeQbo::start(ledger).await;
        let qbo = fake.connect(&db.store, SOURCE, 50).await;

        let (result, seen) = sync_watching(&db, &fake, &qbo).await;
        result.unwrap();
        // A first sync counts everything (customers and jobs, inactive ones too) before paging.
        let log = fake.with(|s| s.log.clone());
        for (entity, count) in [("Customer", 5), ("Invoice", 9), ("CreditMemo", 1), ("Payment", 3)] {
            let statement = format!("QUERY SELECT COUNT(*) FROM {entity}");
            let at = log.iter().position(|l| l.starts_with(&statement)).unwrap_or_else(|| panic!("{log:#?}"));
            let first_page = log.iter().position(|l| l.starts_with(&format!("QUERY SELECT * FROM {entity}")));
            assert!(first_page.is_some_and(|p| p > at), "{entity}: counted before paging: {log:#?}");
            let e = match entity {
                "Customer" => Entity::Customer,
                "Invoice" => Entity::Invoice,
                "CreditMemo" => Entity::CreditMemo,
                _ => Entity::Payment,
            };
            let reports = of(&seen, e);
            assert!(reports.iter().all(|p| p.expected_total == Some(count)), "{}: {entity}: {reports:?}", db.name);
            let last = reports.last().unwrap();
            assert!(last.done && last.records == count, "{}: {entity}: {last:?}", db.name);
        }
        assert!(log.iter().any(|l| l == "QUERY SELECT COUNT(*) FROM Customer WHERE Active IN (true, false)"));

        // Later: the change feed's deletions plus the changed rows, counted with the same filter
        // the pages use.
        fake.with(|s| {
            let l = &mut s.ledger;
            l.set_now(l.now() + chrono::Duration::hours(1));
            l.invoice(&c.maple, Amt::cents(70_000));
            l.invoice(&c.acme, Amt::cents(1_000));
            l.delete_invoice(&c.inv[4]);
            s.log.clear();
        });
        let (result, seen) = sync_watching(&db, &fake, &qbo).await;
        result.unwrap();
        let log = fake.with(|s| s.log.clone());
        let page = log.iter().find(|l| l.starts_with("QUERY SELECT * FROM Invoice WHERE")).unwrap();
        let filter = &page["QUERY SELECT * FROM Invoice".len()..page.find(" ORDER BY").unwrap()];
        assert!(log.contains(&format!("QUERY SELECT COUNT(*) FROM Invoice{filter}")), "{log:#?}");
        // One deletion, the two new invoices and the newest old one (inside the overlap).
        let invoices = of(&seen, Entity::Invoice);
        assert!(invoices.iter().all(|p| p.expected_total == Some(4)), "{}: {invoices:?}", db.name);
        assert_eq!(invoices.last().map(|p| (p.records, p.done)), Some((4, true)), "{}", db.name);
        db.close().await;
    }
}

#[tokio::test]
async fn an_invoice_paid_off_between_syncs_is_counted_once() {
    for db in TestDb::all().await {
        let mut ledger = Ledger::new(start_time());
        let c = company(&mut ledger);
        let fake = FakeQbo::start(ledger).await;
        let qbo = fake.connect(&db.store, SOURCE, 3).await;
        let first = sync(&db, &fake, &qbo, false).await.unwrap();
        assert_eq!(first.invoices_paid_off(), 0, "{}: nothing was open before the first sync", db.name);

        // An hour later: one invoice paid in full, one in part, one voided.
        fake.with(|s| {
            let l = &mut s.ledger;
            l.set_now(l.now() + chrono::Duration::hours(1));
            l.pay(&c.gulf, &[(&c.inv[3], 50_000)], 0);
            l.pay(&c.acme, &[(&c.inv[6], 4_000)], 0);
            l.void_invoice(&c.inv[7]);
        });
        let second = sync(&db, &fake, &qbo, false).await.unwrap();
        assert_matches(&db, SOURCE, &fake.with(|s| s.ledger.expected()), "after the payments").await;
        assert_eq!(invoice_status(&db, SOURCE, &c.inv[3]).await.as_deref(), Some("paid"), "{}", db.name);
        assert_eq!(second.invoices_paid_off(), 1, "{}: {second:?}", db.name);
        assert_eq!(stats(&second, Entity::Invoice).voided, 1, "{}", db.name);

        // Syncing again, incrementally or in full, pays nothing off.
        for full in [false, true] {
            let again = sync(&db, &fake, &qbo, full).await.unwrap();
            assert_eq!(again.invoices_paid_off(), 0, "{}: full={full}: {again:?}", db.name);
        }
        db.close().await;
    }
}

#[tokio::test]
async fn records_changing_while_paging_are_neither_skipped_nor_duplicated() {
    for db in TestDb::all().await {
        let mut ledger = Ledger::new(start_time());
        let acme = ledger.customer("Acme Builders");
        let mut ids: Vec<String> = (0..30).map(|n| ledger.invoice(&acme, Amt::cents(10_000 + n))).collect();
        // Twelve invoices saved in the same second (a bulk import): more than a page.
        let same = ledger.tick();
        for n in 0..12 {
            let id = ledger.invoice(&acme, Amt::cents(50_000 + n));
            ledger.invoices.get_mut(&id).unwrap().updated = same;
            ids.push(id);
        }
        ids.extend((0..8).map(|n| ledger.invoice(&acme, Amt::cents(90_000 + n))));
        let fake = FakeQbo::start(ledger).await;
        let qbo = fake.connect(&db.store, SOURCE, 5).await;
        let (moved, tie_moved) = (ids.clone(), ids[32].clone());
        // Between pages: invoices already read are edited (they jump to the end of the order),
        // one of the same-second group is edited while that group is being paged, and new
        // invoices arrive.
        fake.with(|s| {
            s.after_query = Some(Box::new(move |l: &mut Ledger, n: usize| match n {
                3 => {
                    l.edit_invoice(&moved[0], |i| i.balance = Amt::cents(1));
                    l.edit_invoice(&moved[3], |i| i.balance = Amt::cents(2));
                }
                7 => {
                    l.edit_invoice(&tie_moved, |i| i.balance = Amt::cents(3));
                    l.edit_invoice(&moved[5], |i| i.balance = Amt::cents(4));
                }
                9 => {
                    let c = l.invoices[&moved[0]].customer.clone();
                    l.invoice(&c, Amt::cents(77_700));
                    l.edit_invoice(&moved[45], |i| i.balance = Amt::cents(5));
                }
                _ => {}
            }))
        });
        let report = sync(&db, &fake, &qbo, false).await.unwrap();
        let expected = fake.with(|s| s.ledger.expected());
        assert_eq!(expected.invoices.len(), 51);
        assert_matches(&db, SOURCE, &expected, "one sync while records changed").await;
        assert_eq!(stats(&report, Entity::Invoice).new, 51, "{}: each invoice inserted once: {report:?}", db.name);

        // The same mid-paging changes during an incremental sync.
        let all: Vec<String> = expected.invoices.keys().cloned().collect();
        fake.with(|s| {
            for id in &all[..20] {
                s.ledger.edit_invoice(id, |i| i.note = Some("reviewed".into()));
            }
            let again = all.clone();
            let base = s.queries_so_far();
            s.after_query = Some(Box::new(move |l: &mut Ledger, n: usize| {
                if n == base + 3 {
                    l.edit_invoice(&again[2], |i| i.balance = Amt::cents(6));
                    l.edit_invoice(&again[40], |i| i.balance = Amt::cents(7));
                }
            }));
        });
        sync(&db, &fake, &qbo, false).await.unwrap();
        assert_matches(&db, SOURCE, &fake.with(|s| s.ledger.expected()), "incremental sync while records changed")
            .await;
        db.close().await;
    }
}

#[tokio::test]
async fn replayed_pages_and_stale_pages_change_nothing() {
    for db in TestDb::all().await {
        let mut ledger = Ledger::new(start_time());
        let c = company(&mut ledger);
        let fake = FakeQbo::start(ledger).await;
        let qbo = fake.connect(&db.store, SOURCE, 4).await;
        // Read every page of the invoices once, as the engine would.
        let mut pages = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = qbo.fetch(Entity::Invoice, None, cursor.as_deref()).await.unwrap();
            cursor = page.next.clone();
            pages.push(page);
            if cursor.is_none() {
                break;
            }
        }
        let run = db.store.start_sync_run(SOURCE, Utc::now()).await.unwrap();
        for p in &pages {
            db.store.apply_page(run, SOURCE, Entity::Invoice, &p.records, p.watermark.as_deref()).await.unwrap();
        }
        let once = snapshot::read(&db, SOURCE).await;
        for p in &pages {
            let s =
                db.store.apply_page(run, SOURCE, Entity::Invoice, &p.records, p.watermark.as_deref()).await.unwrap();
            assert_eq!((s.new, s.updated, s.deleted), (0, 0, 0), "{}: a replayed page changes nothing", db.name);
        }
        assert_eq!(snapshot::read(&db, SOURCE).await, once, "{}", db.name);

        // A newer version is synced; the old page arriving late does not overwrite it.
        fake.with(|s| s.ledger.edit_invoice(&c.inv[0], |i| i.balance = Amt::cents(1)));
        sync(&db, &fake, &qbo, false).await.unwrap();
        let fresh = snapshot::read(&db, SOURCE).await;
        assert_eq!(fresh.invoices[&c.inv[0]].balance, 1);
        for p in &pages {
            db.store.apply_page(run, SOURCE, Entity::Invoice, &p.records, None).await.unwrap();
        }
        assert_eq!(snapshot::read(&db, SOURCE).await, fresh, "{}: a stale page must not win", db.name);
        db.close().await;
    }
}

#[tokio::test]
async fn a_fault_storm_ends_equal_to_the_ledger_never_with_a_wrong_balance() {
    for db in TestDb::all().await {
        let mut ledger = Ledger::new(start_time());
        let c = company(&mut ledger);
        for n in 0..25 {
            let id = ledger.invoice(&c.maple, Amt::cents(1_000 + n));
            if n % 3 == 0 {
                ledger.pay(&c.maple, &[(&id, 500)], 0);
            }
        }
        let fake = FakeQbo::start(ledger).await;
        let qbo = fake.connect(&db.store, SOURCE, 4).await;
        let expected = fake.with(|s| s.ledger.expected());
        fake.with(|s| {
            s.faults.storm(
                0.5,
                vec![
                    Fault::Throttle { retry_after: Some(1) },
                    Fault::Throttle { retry_after: None },
                    Fault::ServerError(502),
                    Fault::ServerError(503),
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
            match sync(&db, &fake, &qbo, false).await {
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
            // Whatever was written is right: every stored invoice and payment is as in the ledger.
            let got = snapshot::read(&db, SOURCE).await;
            for (id, row) in &got.invoices {
                assert_eq!(Some(row), expected.invoices.get(id), "{}: invoice {id} after a failed sync", db.name);
            }
            for (id, row) in &got.payments {
                assert_eq!(Some(row), expected.payments.get(id), "{}: payment {id} after a failed sync", db.name);
            }
        }
        assert!(done, "{}: the storm never let a sync through", db.name);
        let injected = fake.with(|s| s.faults.injected);
        assert!(injected >= 10, "{}: the storm injected only {injected} faults", db.name);
        fake.with(|s| s.faults.calm());
        assert_matches(&db, SOURCE, &expected, &format!("after the storm ({failures} failed syncs)")).await;
        db.close().await;
    }
}

#[tokio::test]
async fn paging_edges_exact_multiples_empty_and_oversized_pages() {
    for (count, extra_row) in [(10usize, false), (0, false), (9, false), (11, true)] {
        let db = TestDb::sqlite().await;
        let mut ledger = Ledger::new(start_time());
        let acme = ledger.customer("Acme Builders");
        for n in 0..count {
            ledger.invoice(&acme, Amt::cents(100 + n as i64));
        }
        let fake = FakeQbo::start(ledger).await;
        fake.with(|s| s.extra_row = extra_row);
        let qbo = fake.connect(&db.store, SOURCE, 5).await;
        sync(&db, &fake, &qbo, false).await.unwrap();
        assert_matches(&db, SOURCE, &fake.with(|s| s.ledger.expected()), &format!("{count} invoices")).await;
        let queries = fake.with(|s| s.log.iter().filter(|l| l.starts_with("QUERY SELECT * FROM Invoice")).count());
        // A full page means another request (from the last row's time, so that row comes again);
        // a short or empty one ends the pass.
        let expected_queries = if count == 0 { 1 } else { 3 };
        assert_eq!(queries, expected_queries, "{count} invoices, extra row {extra_row}");
        db.close().await;
    }
}

#[tokio::test]
async fn amounts_keep_every_cent_whatever_their_form() {
    let db = TestDb::sqlite().await;
    let mut ledger = Ledger::new(start_time());
    let acme = ledger.customer("Acme Builders");
    let cases = [
        ("150.0", 15_000),
        ("25", 2_500),
        ("362.07", 36_207),
        ("0.1", 10),
        ("1.23456789", 123),
        ("10.005", 1_000),
        ("10.015", 1_002),
        ("99999999.99", 9_999_999_999),
    ];
    let ids: Vec<String> = cases.iter().map(|(t, c)| ledger.invoice(&acme, Amt::text(t, *c))).collect();
    let fake = FakeQbo::start(ledger).await;
    let qbo = fake.connect(&db.store, SOURCE, 50).await;
    sync(&db, &fake, &qbo, false).await.unwrap();
    let got = snapshot::read(&db, SOURCE).await;
    for (id, (text, cents)) in ids.iter().zip(cases) {
        assert_eq!(got.invoices[id].total, cents, "TotalAmt {text}");
        assert_eq!(got.invoices[id].balance, cents, "Balance {text}");
    }
    db.close().await;
}

#[tokio::test]
async fn watermarks_are_utc_across_the_dst_change_and_queries_carry_an_offset() {
    let db = TestDb::sqlite().await;
    // 01:30 Pacific happens twice on 2025-11-02: first at -07:00 (08:30Z), then at -08:00 (09:30Z).
    let mut ledger = Ledger::new("2025-11-02T08:29:58Z".parse().unwrap());
    let acme = ledger.customer("Acme Builders");
    let a = ledger.invoice(&acme, Amt::cents(100));
    ledger.set_now("2025-11-02T09:29:59Z".parse().unwrap());
    let b = ledger.invoice(&acme, Amt::cents(200));
    assert_eq!(arbot_tests::fake_quickbooks::pacific(ledger.invoices[&a].updated), "2025-11-02T01:30:00-07:00");
    assert_eq!(arbot_tests::fake_quickbooks::pacific(ledger.invoices[&b].updated), "2025-11-02T01:30:00-08:00");
    let fake = FakeQbo::start(ledger).await;
    let qbo = fake.connect(&db.store, SOURCE, 50).await;
    sync(&db, &fake, &qbo, false).await.unwrap();
    let wm = db.store.watermark(SOURCE, Entity::Invoice).await.unwrap().unwrap();
    assert!(wm.contains("\"q\":\"2025-11-02T09:30:00Z\""), "the later 01:30 wins, stored in UTC: {wm}");
    fake.with(|s| {
        s.ledger.set_now("2025-11-02T10:00:00Z".parse().unwrap());
        s.ledger.edit_invoice(&a, |i| i.balance = Amt::cents(50));
    });
    sync(&db, &fake, &qbo, false).await.unwrap();
    let log = fake.with(|s| s.log.clone());
    assert!(
        log.iter().any(|l| l.contains("FROM Invoice WHERE MetaData.LastUpdatedTime >= '2025-11-02T09:25:00+00:00'")),
        "five minutes before the watermark, with an explicit offset: {log:#?}"
    );
    assert_matches(&db, SOURCE, &fake.with(|s| s.ledger.expected()), "after DST").await;
    db.close().await;
}

#[tokio::test]
async fn deletions_come_from_cdc_or_from_a_full_read_when_cdc_cannot_reach() {
    for db in TestDb::all().await {
        let mut ledger = Ledger::new(start_time());
        let c = company(&mut ledger);
        let fake = FakeQbo::start(ledger).await;
        let qbo = fake.connect(&db.store, SOURCE, 1000).await;
        sync(&db, &fake, &qbo, false).await.unwrap();

        // Nothing changed: the change feed answers `[{}]` and that is fine.
        sync(&db, &fake, &qbo, false).await.unwrap();
        assert!(fake.with(|s| s.log.iter().any(|l| l.starts_with("CDC Payment"))));

        // More than CDC can show (1,000 objects): the pass reads everything and finds the deletion
        // by its absence.
        fake.with(|s| {
            for n in 0..1001 {
                s.ledger.invoice(&c.acme, Amt::cents(n + 1));
            }
            s.ledger.delete_invoice(&c.inv[1]);
        });
        let r = sync(&db, &fake, &qbo, false).await.unwrap();
        assert_eq!(stats(&r, Entity::Invoice).deleted, 1, "{}: {r:?}", db.name);
        assert_eq!(invoice_status(&db, SOURCE, &c.inv[1]).await.as_deref(), Some("deleted"));
        assert_matches(&db, SOURCE, &fake.with(|s| s.ledger.expected()), "after a saturated change feed").await;

        // Dormant for 31 days: CDC no longer reaches back; a full read finds the deletions.
        fake.with(|s| {
            s.ledger.delete_invoice(&c.inv[3]);
            s.ledger.delete_payment(&c.check);
            let later = s.ledger.now() + chrono::Duration::days(31);
            s.ledger.set_now(later);
            s.log.clear();
        });
        let r = sync(&db, &fake, &qbo, false).await.unwrap();
        assert!(fake.with(|s| !s.log.iter().any(|l| l.starts_with("CDC"))), "no CDC call beyond its reach");
        assert_eq!(stats(&r, Entity::Invoice).deleted, 1, "{}", db.name);
        assert_eq!(stats(&r, Entity::Payment).deleted, 1, "{}", db.name);
        assert_matches(&db, SOURCE, &fake.with(|s| s.ledger.expected()), "after 31 dormant days").await;
        // And the next sync is incremental again.
        fake.with(|s| s.log.clear());
        sync(&db, &fake, &qbo, false).await.unwrap();
        assert!(fake.with(|s| s.log.iter().any(|l| l.starts_with("CDC Invoice"))));
        db.close().await;
    }
}

#[tokio::test]
async fn a_fault_inside_a_200_fails_clearly_and_writes_nothing() {
    let db = TestDb::sqlite().await;
    let mut ledger = Ledger::new(start_time());
    company(&mut ledger);
    let fake = FakeQbo::start(ledger).await;
    let qbo = fake.connect(&db.store, SOURCE, 50).await;
    // The customers (their count and page) and the invoices' count succeed; the first invoice
    // page is refused.
    fake.with(|s| {
        for _ in 0..3 {
            s.faults.plan.push_back(Fault::Slow(Duration::ZERO));
        }
        s.faults.plan.push_back(Fault::Refused);
    });
    let err = sync(&db, &fake, &qbo, false).await.unwrap_err();
    let SyncError::Source { error, partial } = err else { panic!("expected a source error") };
    let text = error.to_string();
    assert!(text.contains("Object Not Found") && text.contains("intuit_tid 1-628f0be4"), "{text}");
    assert_eq!(partial.entities.iter().map(|e| e.stats.new).sum::<u64>(), 5, "only the customers page was written");
    assert!(snapshot::read(&db, SOURCE).await.invoices.is_empty());
    assert_eq!(fake.with(|s| s.api_calls), 4, "a refusal is not retried");
    db.close().await;
}

/// The tokens stored for `source`, unsealed.
async fn stored_tokens(db: &TestDb, source: &str) -> (TokenSet, i64) {
    let conn = db.store.connection(source).await.unwrap().unwrap();
    let key = SecretKey::from_hex(TEST_SECRET_KEY).unwrap();
    let plain = key.open(source, conn.sealed_tokens.as_ref().unwrap()).unwrap();
    (serde_json::from_slice(&plain).unwrap(), conn.token_version)
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_the_new_refresh_token_saved() {
    for db in TestDb::all().await {
        let mut ledger = Ledger::new(start_time());
        company(&mut ledger);
        let fake = FakeQbo::start(ledger).await;
        let qbo = fake.connect(&db.store, SOURCE, 3).await;
        let (_, v0) = stored_tokens(&db, SOURCE).await;
        // The access token dies in the middle of the invoices.
        fake.with(|s| {
            s.faults.plan.push_back(Fault::Slow(Duration::ZERO));
            s.faults.plan.push_back(Fault::Slow(Duration::ZERO));
            s.faults.plan.push_back(Fault::ExpireTokens);
        });
        sync(&db, &fake, &qbo, false).await.unwrap();
        assert_eq!(fake.with(|s| s.oauth.refresh_calls), 1, "{}", db.name);
        let (tokens, v1) = stored_tokens(&db, SOURCE).await;
        assert_eq!(tokens.refresh_token.expose(), fake.with(|s| s.oauth.refresh.clone()), "the rotated token is saved");
        assert!(v1 > v0);
        assert_matches(&db, SOURCE, &fake.with(|s| s.ledger.expected()), "after a refresh").await;

        // QuickBooks may hand back the same refresh token: that is fine too.
        fake.with(|s| {
            s.oauth.rotate = false;
            s.faults.plan.push_back(Fault::ExpireTokens);
        });
        sync(&db, &fake, &qbo, false).await.unwrap();
        assert_eq!(fake.with(|s| s.oauth.refresh_calls), 2);
        assert_eq!(stored_tokens(&db, SOURCE).await.0.refresh_token.expose(), fake.with(|s| s.oauth.refresh.clone()));
        db.close().await;
    }
}

#[tokio::test]
async fn a_second_401_or_a_refused_refresh_asks_for_reconnection_without_looping() {
    for db in TestDb::all().await {
        let mut ledger = Ledger::new(start_time());
        company(&mut ledger);
        let fake = FakeQbo::start(ledger).await;
        let qbo = fake.connect(&db.store, SOURCE, 3).await;
        fake.with(|s| {
            s.faults.plan.push_back(Fault::ExpireTokens);
            s.faults.plan.push_back(Fault::ExpireTokens);
        });
        let err = sync(&db, &fake, &qbo, false).await.unwrap_err();
        let SyncError::Source { error: SourceError::NeedsReconnect { reason, .. }, .. } = err else { panic!("{err}") };
        assert!(reason.contains("arbot connect"), "{reason}");
        assert_eq!(fake.with(|s| (s.api_calls, s.oauth.refresh_calls)), (2, 1), "one refresh, one retry, then stop");
        let status = db.store.connection(SOURCE).await.unwrap().unwrap().status;
        assert!(matches!(status, ConnectionStatus::NeedsReconnect { .. }), "{status:?}");

        // The refresh token itself is refused (invalid_grant).
        fake.with(|s| {
            s.oauth.refuse = true;
            s.faults.plan.push_back(Fault::ExpireTokens);
        });
        let err = sync(&db, &fake, &qbo, false).await.unwrap_err();
        assert!(err.to_string().contains("invalid_grant") && err.to_string().contains("arbot connect"), "{err}");
        db.close().await;
    }
}

#[tokio::test]
async fn two_concurrent_syncs_refresh_the_token_once() {
    for db in TestDb::all().await {
        let mut ledger = Ledger::new(start_time());
        company(&mut ledger);
        let fake = FakeQbo::start(ledger).await;
        fake.connect(&db.store, SOURCE, 3).await;
        // The saved access token has expired; both syncs start at once.
        let (mut tokens, _) = stored_tokens(&db, SOURCE).await;
        tokens.access_expires_at = fake.clock().now() - chrono::Duration::minutes(1);
        let key = SecretKey::from_hex(TEST_SECRET_KEY).unwrap();
        arbot_connector_http::tokens::store_new_tokens(
            db.store.as_ref(),
            &key,
            SOURCE,
            "quickbooks",
            &tokens,
            Utc::now(),
        )
        .await
        .unwrap();
        let second = fake.source(&db.store, SOURCE, 3);
        let first = fake.source(&db.store, SOURCE, 3);
        fake.with(|s| s.oauth.delay = Duration::from_millis(200));
        let clock = fake.clock();
        let (a, b) = tokio::join!(
            sync_source(db.store.as_ref(), &first, &clock, false, |_| {}),
            sync_source(db.store.as_ref(), &second, &clock, false, |_| {})
        );
        a.unwrap();
        b.unwrap();
        assert_eq!(fake.with(|s| s.oauth.refresh_calls), 1, "{}: one token call for two syncs", db.name);
        assert_matches(&db, SOURCE, &fake.with(|s| s.ledger.expected()), "after two concurrent syncs").await;
        db.close().await;
    }
}

#[tokio::test]
async fn a_long_retry_after_reschedules_the_sync_instead_of_sleeping() {
    for db in TestDb::all().await {
        let mut ledger = Ledger::new(start_time());
        company(&mut ledger);
        let fake = FakeQbo::start(ledger).await;
        let qbo = fake.connect(&db.store, SOURCE, 3).await;
        fake.with(|s| s.faults.plan.push_back(Fault::Throttle { retry_after: Some(7200) }));
        let started = std::time::Instant::now();
        let err = sync(&db, &fake, &qbo, false).await.unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5), "it did not sleep");
        let SyncError::Source { error: SourceError::RateLimited { retry_at, .. }, .. } = err else { panic!("{err}") };
        let now = fake.clock().now();
        assert!((retry_at - now - chrono::Duration::hours(2)).num_seconds().abs() < 5, "{retry_at} vs {now}");
        assert_eq!(
            db.store.connection(SOURCE).await.unwrap().unwrap().status,
            ConnectionStatus::RateLimited { until: retry_at, reason: None }
        );

        // Until then, a sync does not call QuickBooks at all.
        let calls = fake.with(|s| s.api_calls);
        let err = sync(&db, &fake, &qbo, false).await.unwrap_err();
        assert!(matches!(err, SyncError::Source { error: SourceError::RateLimited { .. }, .. }));
        assert_eq!(fake.with(|s| s.api_calls), calls);

        // Afterwards it resumes, and the status is ok again.
        fake.with(|s| {
            let later = s.ledger.now() + chrono::Duration::hours(2) + chrono::Duration::minutes(1);
            s.ledger.set_now(later);
        });
        sync(&db, &fake, &qbo, false).await.unwrap();
        assert_eq!(db.store.connection(SOURCE).await.unwrap().unwrap().status, ConnectionStatus::Ok);
        assert_matches(&db, SOURCE, &fake.with(|s| s.ledger.expected()), "after the pause").await;
        db.close().await;
    }
}

#[tokio::test]
async fn a_slow_answer_times_out_and_is_retried() {
    let db = TestDb::sqlite().await;
    let mut ledger = Ledger::new(start_time());
    company(&mut ledger);
    let fake = FakeQbo::start(ledger).await;
    let qbo = fake.connect(&db.store, SOURCE, 50).await;
    fake.with(|s| s.faults.plan.push_back(Fault::Slow(Duration::from_millis(2500))));
    sync(&db, &fake, &qbo, false).await.unwrap();
    assert_matches(&db, SOURCE, &fake.with(|s| s.ledger.expected()), "after a timeout").await;
    db.close().await;
}
