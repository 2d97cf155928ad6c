//! The Xero connector against the fake Xero, synced into a real SQLite file and (with
//! ARBOT_TEST_POSTGRES_URL) a real PostgreSQL database, in each Xero edge case of connectors.md
//! §7: progress from `pagination`, the daily allowance, validation errors and simpler filters for
//! a large organisation, a wrong organisation. The stories every connector tells (full and
//! incremental syncs equal to the books, mid-paging changes, fault storms, tokens, rate limits)
//! are in `connector_conformance.rs`, run against this fake and the fake QuickBooks.

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test

use std::time::Duration;

use arbot_connector_xero::XeroSource;
use arbot_core::Clock;
use arbot_core::source::{Entity, SourceError};
use arbot_core::store::ConnectionStatus;
use arbot_core::sync::{Progress, SyncError, SyncReport, sync_source};
use arbot_tests::TestDb;
use arbot_tests::fake_xero::{FakeXero, XLedger, sample_org};
use arbot_tests::snapshot::{self, assert_matches, invoice_status};
use arbot_tests::vendor_kit::{Fault, LedgerTime};
use chrono::{DateTime, Utc};

const SOURCE: &str = "xero";

fn start_time() -> DateTime<Utc> {
    "2026-06-01T15:00:00Z".parse().unwrap()
}

async fn sync(db: &TestDb, fake: &FakeXero, source: &XeroSource) -> Result<SyncReport, SyncError> {
    sync_source(db.store.as_ref(), source, &fake.clock(), false, |_| {}).await
}

#[tokio::test]
async fn progress_has_a_total_from_the_first_page_s_item_count() {
    for (db, no_pagination) in TestDb::all().await.into_iter().zip([false, true]) {
        let mut ledger = XLedger::new(start_time());
        sample_org(&mut ledger);
        let fake = FakeXero::start(ledger).await;
        fake.with(|s| s.no_pagination = no_pagination);
        let xero = fake.connect(&db.store, SOURCE, 3).await;
        let mut seen: Vec<Progress> = Vec::new();
        sync_source(db.store.as_ref(), &xero, &fake.clock(), false, |p| seen.push(p)).await.unwrap();
        let of = |entity: Entity| seen.iter().filter(|p| p.entity == entity).copied().collect::<Vec<_>>();
        let (invoices, payments) = (of(Entity::Invoice), of(Entity::Payment));
        if no_pagination {
            // Older answers say nothing about their size: a count, not a bar.
            assert!(seen.iter().all(|p| p.expected_total.is_none()), "{}: {seen:?}", db.name);
            db.close().await;
            continue;
        }
        // Every sales invoice (the deleted draft is a deletion to read; the bill is filtered out).
        let sales = fake.with(|s| s.ledger.invoices.values().filter(|i| !i.accpay).count() as u64);
        assert!(invoices.iter().all(|p| p.expected_total == Some(sales)), "{}: {invoices:?}", db.name);
        assert!(invoices.len() > 1, "several pages");
        // Payments, then overpayments and prepayments: each endpoint adds its count when it starts.
        let (all, first) = fake.with(|s| {
            let l = &s.ledger;
            (l.payments.len() + l.overpayments.len() + l.prepayments.len(), l.payments.len())
        });
        assert_eq!(payments.first().and_then(|p| p.expected_total), Some(first as u64), "{}", db.name);
        assert_eq!(payments.last().and_then(|p| p.expected_total), Some(all as u64), "{}", db.name);
        assert!(payments.last().is_some_and(|p| p.done), "{}", db.name);
        db.close().await;
    }
}

#[tokio::test]
async fn a_nearly_spent_daily_allowance_stops_the_sync_until_the_next_utc_day() {
    for db in TestDb::all().await {
        let mut ledger = XLedger::new(start_time());
        sample_org(&mut ledger);
        let fake = FakeXero::start(ledger).await;
        let xero = fake.connect(&db.store, SOURCE, 3).await;
        // A busy day: 58 calls left. arbot keeps 50 in reserve, so it makes 9 and stops.
        fake.with(|s| s.day_remaining = 58);
        let started = std::time::Instant::now();
        let err = sync(&db, &fake, &xero).await.unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5), "not slept");
        let SyncError::Source { error: SourceError::RateLimited { retry_at, reason: Some(reason), .. }, partial } =
            &err
        else {
            panic!("{err}")
        };
        assert_eq!(fake.with(|s| (s.api_calls, s.day_remaining)), (9, 49), "{}: stopped before the reserve", db.name);
        let now = fake.clock().now();
        let midnight = now.date_naive().succ_opt().unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc();
        assert_eq!(*retry_at, midnight, "{}: resumes when the next UTC day begins", db.name);
        assert!(reason.contains("5,000 requests a day") && reason.contains("only 49 are left today"), "{reason}");
        // Stopped cleanly: the pages read before are written and right.
        assert!(partial.totals().new > 0, "{}: {partial:?}", db.name);
        let expected = fake.with(|s| s.ledger.expected());
        let got = snapshot::read(&db, SOURCE).await;
        for (id, row) in &got.invoices {
            assert_eq!(Some(row), expected.invoices.get(id), "{}: invoice {id}", db.name);
        }
        let status = db.store.connection(SOURCE).await.unwrap().unwrap().status;
        assert_eq!(status, ConnectionStatus::RateLimited { until: midnight, reason: Some(reason.clone()) });

        // The rest of the day, a sync (the scheduler's, /ar sync) does not call Xero, and says why.
        fake.with(|s| s.ledger.set_now(midnight - chrono::Duration::minutes(1)));
        let again = sync(&db, &fake, &xero).await.unwrap_err();
        assert!(again.to_string().contains("only 49 are left today"), "{again}");
        assert_eq!(fake.with(|s| s.api_calls), 9, "{}: no call before the day turns", db.name);

        // A new UTC day, a new allowance: the sync resumes and finishes.
        fake.with(|s| s.ledger.set_now(midnight + chrono::Duration::minutes(1)));
        sync(&db, &fake, &xero).await.unwrap();
        assert_matches(&db, SOURCE, &fake.with(|s| s.ledger.expected()), "the next day").await;
        assert_eq!(db.store.connection(SOURCE).await.unwrap().unwrap().status, ConnectionStatus::Ok);
        db.close().await;
    }
}

#[tokio::test]
async fn validation_errors_fail_clearly_and_a_large_organisation_gets_simpler_filters() {
    let db = TestDb::sqlite().await;
    let mut ledger = XLedger::new(start_time());
    let o = sample_org(&mut ledger);
    let fake = FakeXero::start(ledger).await;
    let xero = fake.connect(&db.store, SOURCE, 50).await;
    fake.with(|s| s.faults.plan.push_back(Fault::Refused));
    let err = sync(&db, &fake, &xero).await.unwrap_err();
    assert!(
        err.to_string().contains("ValidationException") && err.to_string().contains("supplied id was not found"),
        "{err}"
    );
    assert_eq!(fake.with(|s| s.api_calls), 1, "not retried");

    fake.with(|s| s.refuse_where = true);
    sync(&db, &fake, &xero).await.unwrap();
    assert_matches(&db, SOURCE, &fake.with(|s| s.ledger.expected()), "with Statuses instead of where").await;
    assert!(fake.with(|s| {
        s.log.iter().any(|(e, q, _)| e == "Invoices" && q.contains("Statuses=AUTHORISED,PAID,VOIDED,DELETED"))
    }));
    assert_eq!(invoice_status(&db, SOURCE, &o.inv[5]).await.as_deref(), Some("void"));
    // The contact's postal (POBOX) address, not its street address.
    let first = db.store.customer_names().await.unwrap().remove(0);
    let first = db.store.customer(first.id).await.unwrap().unwrap();
    assert_eq!(first.address.as_deref(), Some("PO Box 12\nSydney, NSW 2001\nAustralia"));
    db.close().await;
}

#[tokio::test]
async fn a_wrong_organisation_is_refused_and_asks_to_reconnect() {
    let db = TestDb::sqlite().await;
    let mut ledger = XLedger::new(start_time());
    sample_org(&mut ledger);
    let fake = FakeXero::start(ledger).await;
    let xero = fake.connect(&db.store, SOURCE, 50).await;
    fake.with(|s| s.tenant = "00000000-0000-0000-0000-000000000000".into());
    let err = sync(&db, &fake, &xero).await.unwrap_err();
    let SyncError::Source { error: SourceError::NeedsReconnect { reason, .. }, .. } = &err else { panic!("{err}") };
    assert!(reason.contains("refused access to this organisation"), "{reason}");
    assert!(snapshot::read(&db, SOURCE).await.invoices.is_empty());
    db.close().await;
}

/// The float watch's bank balances from the Bank Summary report (closing balance of today); an
/// organisation connected before arbot asked for `accounting.reports.read` answers 403, which
/// fails the reading (asking to reconnect) but not the sync.
#[tokio::test]
async fn each_sync_reads_the_bank_summary_and_a_refused_report_does_not_fail_the_sync() {
    use arbot_core::sync::BankRead;
    for db in TestDb::all().await {
        let name = db.name;
        let mut ledger = XLedger::new(start_time());
        sample_org(&mut ledger);
        ledger.bank_accounts = vec![
            ("03f9cf1e-2deb-4bf1-b0a8-b57f08672eb8".into(), "Big City Bank".into(), 9_812_550),
            ("5e7d1c2a-0000-4bf1-b0a8-b57f08672eb9".into(), "Overdraft Line".into(), -125_000),
        ];
        let fake = FakeXero::start(ledger).await;
        let xero = fake.connect(&db.store, SOURCE, 100).await;
        let report = sync(&db, &fake, &xero).await.unwrap();
        assert_eq!(report.bank, Some(BankRead::Read { accounts: 2 }), "{name}");
        let day = fake.clock().today().format("%Y-%m-%d").to_string();
        let log = fake.with(|s| s.log.clone());
        assert!(
            log.iter().any(|(e, q, _)| e == "Reports/BankSummary" && *q == format!("fromDate={day}&toDate={day}")),
            "{name}: {log:?}"
        );
        let mut balances: Vec<(String, i64)> =
            db.store.bank_balances().await.unwrap().into_iter().map(|b| (b.account, b.balance.minor)).collect();
        balances.sort();
        assert_eq!(balances, [("Big City Bank".into(), 9_812_550), ("Overdraft Line".into(), -125_000)], "{name}");

        fake.with(|s| s.reports_forbidden = true);
        let report = sync(&db, &fake, &xero).await.unwrap();
        let Some(BankRead::Failed { reason }) = &report.bank else { panic!("{name}: {:?}", report.bank) };
        assert!(reason.contains("reconnect"), "{name}: {reason}");
        assert_eq!(db.store.bank_balances().await.unwrap().len(), 2, "{name}: the balances it had are kept");
        // The refused report does not mark the connection as needing reconnection: the records
        // still sync.
        let conn = db.store.connection(SOURCE).await.unwrap().map(|c| c.status);
        assert!(!matches!(conn, Some(ConnectionStatus::NeedsReconnect { .. })), "{name}: {conn:?}");
        db.close().await;
    }
}
