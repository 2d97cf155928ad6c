//! The QuickBooks Online connector against the fake QuickBooks, synced into a real SQLite file and
//! (with ARBOT_TEST_POSTGRES_URL) a real PostgreSQL database, in each QuickBooks edge case of
//! connectors.md §7: counted passes, paging edges, amounts, Pacific time across DST, deletions
//! from CDC or a full read, a fault inside a 200. The stories every connector tells (full and
//! incremental syncs equal to the ledger, mid-paging changes, fault storms, tokens, rate limits)
//! are in `connector_conformance.rs`, run against this fake and the fake Xero.

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test

use std::time::Duration;

use arbot_connector_quickbooks::QboSource;
use arbot_core::source::Entity;
use arbot_core::sync::{Progress, SyncError, SyncReport, sync_source};
use arbot_tests::TestDb;
use arbot_tests::fake_quickbooks::{Amt, FakeQbo, Ledger, sample_company};
use arbot_tests::snapshot::{self, assert_matches, invoice_status};
use arbot_tests::vendor_kit::{Fault, LedgerTime};
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
        let c = sample_company(&mut ledger);
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
    // The customer's BillAddr, as the lines a statement is addressed with.
    let acme = db.store.customers_matching("Acme Builders", 1).await.unwrap().remove(0);
    let acme = db.store.customer(acme.id).await.unwrap().unwrap();
    assert_eq!(acme.address.as_deref(), Some("400 Channelside Dr\nSuite 2\nTampa, FL 33602"));
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
        let c = sample_company(&mut ledger);
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
    sample_company(&mut ledger);
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

/// The float watch's bank balances: after each sync, the active bank accounts' `CurrentBalance`
/// (not the other kinds of account, not an inactive one); a balance set from chat for the same
/// account is replaced by the next reading, and an account QuickBooks no longer lists is
/// forgotten.
#[tokio::test]
async fn each_sync_reads_the_bank_accounts_balances_for_the_float_watch() {
    use arbot_core::Clock;
    use arbot_core::audit::{Author, Surface};
    use arbot_core::float::BankBalance;
    use arbot_core::sync::BankRead;
    for db in TestDb::all().await {
        let name = db.name;
        let mut ledger = Ledger::new(start_time());
        sample_company(&mut ledger);
        let checking = ledger.account("Checking", "Bank", 18_240_000);
        let savings = ledger.account("Money Market", "Bank", 5_000_012);
        ledger.account("Accounts Receivable (A/R)", "Accounts Receivable", 99_999_900);
        let closed = ledger.account("Old Payroll", "Bank", 100);
        ledger.accounts.get_mut(&closed).unwrap().active = false;
        let fake = FakeQbo::start(ledger).await;
        let qbo = fake.connect(&db.store, SOURCE, 50).await;
        let report = sync(&db, &fake, &qbo, false).await.unwrap();
        assert_eq!(report.bank, Some(BankRead::Read { accounts: 2 }), "{name}");
        let log = fake.with(|s| s.log.clone());
        assert!(
            log.iter().any(
                |l| l == "QUERY SELECT * FROM Account WHERE AccountType = 'Bank' AND Active = true MAXRESULTS 1000"
            ),
            "{name}: {log:#?}"
        );
        let got = |b: &[BankBalance]| -> Vec<(String, i64, String)> {
            let mut v: Vec<_> = b.iter().map(|b| (b.account.clone(), b.balance.minor, b.source.clone())).collect();
            v.sort();
            v
        };
        let balances = db.store.bank_balances().await.unwrap();
        assert_eq!(
            got(&balances),
            [("Checking".into(), 18_240_000, "qbo".into()), ("Money Market".into(), 5_000_012, "qbo".into())],
            "{name}"
        );
        assert_eq!(balances[0].as_of, fake.clock().today(), "{name}");

        // Set from chat later the same day: it stands until QuickBooks reads a newer one.
        let by = Author { id: "u1".into(), name: "sam".into(), surface: Surface::Console, key: None };
        let typed = BankBalance {
            account: "checking".into(),
            source: "chat".into(),
            balance: arbot_core::Money::usd(17_000_000),
            as_of: fake.clock().today(),
            set_by: Some("sam".into()),
            recorded_at: fake.clock().now() + chrono::Duration::minutes(5),
        };
        db.store.set_bank_balance(&typed, &by, typed.recorded_at).await.unwrap();
        let now = got(&db.store.bank_balances().await.unwrap());
        assert!(now.contains(&("checking".into(), 17_000_000, "chat".into())), "{name}: {now:?}");
        assert_eq!(now.len(), 2, "{name}: one account, whoever set it: {now:?}");

        // An hour on, QuickBooks has the account at a new balance and has closed the money market.
        fake.with(|s| {
            let l = &mut s.ledger;
            l.set_now(l.now() + chrono::Duration::hours(1));
            l.accounts.get_mut(&checking).unwrap().balance = Amt::cents(16_500_000);
            l.accounts.get_mut(&savings).unwrap().active = false;
        });
        let report = sync(&db, &fake, &qbo, false).await.unwrap();
        assert_eq!(report.bank, Some(BankRead::Read { accounts: 1 }), "{name}");
        assert_eq!(got(&db.store.bank_balances().await.unwrap()), [("Checking".into(), 16_500_000, "qbo".into())]);

        // A balance too large to be money fails the reading, not the sync, and keeps what was there.
        fake.with(|s| {
            let l = &mut s.ledger;
            l.set_now(l.now() + chrono::Duration::hours(1));
            l.accounts.get_mut(&checking).unwrap().balance = Amt::text("1e30", 0);
        });
        let report = sync(&db, &fake, &qbo, false).await.unwrap();
        let Some(BankRead::Failed { reason }) = &report.bank else { panic!("{name}: {:?}", report.bank) };
        assert!(reason.contains("CurrentBalance"), "{name}: {reason}");
        assert_eq!(got(&db.store.bank_balances().await.unwrap()), [("Checking".into(), 16_500_000, "qbo".into())]);
        db.close().await;
    }
}
