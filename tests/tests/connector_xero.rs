//! The Xero connector against the fake Xero, synced into a real SQLite file and (with
//! ARBOT_TEST_POSTGRES_URL) a real PostgreSQL database: full and incremental syncs match the
//! organisation's books exactly, records changing mid-paging are neither skipped nor duplicated,
//! a fault storm never leaves a wrong balance, and each Xero edge case of connectors.md §7.

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test

use std::time::Duration;

use arbot_connector_xero::XeroSource;
use arbot_core::Clock;
use arbot_core::source::{Entity, SourceError};
use arbot_core::store::ConnectionStatus;
use arbot_core::sync::{Progress, SyncError, SyncReport, sync_source};
use arbot_tests::TestDb;
use arbot_tests::fake_xero::{FakeXero, XLedger};
use arbot_tests::snapshot::{self, assert_matches, invoice_status};
use arbot_tests::vendor_kit::{Fault, LedgerTime};
use chrono::{DateTime, NaiveDate, Utc};

const SOURCE: &str = "xero";

fn start_time() -> DateTime<Utc> {
    "2026-06-01T15:00:00Z".parse().unwrap()
}

async fn sync(db: &TestDb, fake: &FakeXero, source: &XeroSource) -> Result<SyncReport, SyncError> {
    sync_source(db.store.as_ref(), source, &fake.clock(), false, |_| {}).await
}

struct Org {
    acme: String,
    bayside: String,
    inv: Vec<String>,
    eft: String,
    credit: String,
    over: String,
}

/// Contacts (one archived, one a supplier only), invoices in every status (a draft deleted, a
/// void, a bill to ignore, NZ-style dates, a 1917 due date), payments (one in a batch, one a
/// credit-note refund), a credit note allocated twice, an overpayment and a prepayment applied.
fn org(l: &mut XLedger) -> Org {
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
    l.edit_invoice(&inv[3], |i| i.due = NaiveDate::from_ymd_opt(1917, 12, 15).unwrap());
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

#[tokio::test]
async fn full_then_incremental_sync_matches_the_organisation() {
    for db in TestDb::all().await {
        let mut ledger = XLedger::new(start_time());
        let o = org(&mut ledger);
        let fake = FakeXero::start(ledger).await;
        let xero = fake.connect(&db.store, SOURCE, 3).await;
        sync(&db, &fake, &xero).await.unwrap();
        let expected = fake.with(|s| s.ledger.expected());
        assert_matches(&db, SOURCE, &expected, "after the first sync").await;
        assert!(
            !expected.customers[&fake.with(|s| s.ledger.contacts.values().find(|c| c.archived).unwrap().id.clone())].1
        );
        let inv = db.store.invoices_numbered(&expected.invoices[&o.inv[1]].number).await.unwrap();
        assert_eq!(inv[0].issued, fake.with(|s| s.ledger.invoices[&o.inv[1]].date), "{}: NZ dates", db.name);
        let inv = db.store.invoices_numbered(&expected.invoices[&o.inv[3]].number).await.unwrap();
        assert_eq!(inv[0].due, NaiveDate::from_ymd_opt(1917, 12, 15).unwrap(), "{}: a negative /Date()/", db.name);

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
        sync(&db, &fake, &xero).await.unwrap();
        let expected = fake.with(|s| s.ledger.expected());
        assert_matches(&db, SOURCE, &expected, "after the incremental sync").await;
        assert_eq!(expected.invoices[&o.inv[0]].balance, 1_250_000, "the deleted payment and allocation are undone");
        let log = fake.with(|s| s.log.clone());
        for (endpoint, query, since) in log.iter().filter(|(_, q, _)| !q.contains("IDs=")) {
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

        let again = sync(&db, &fake, &xero).await.unwrap();
        let t = again.totals();
        assert_eq!((t.new, t.updated, t.deleted), (0, 0, 0), "{}: {again:?}", db.name);
        db.close().await;
    }
}

#[tokio::test]
async fn progress_has_a_total_from_the_first_page_s_item_count() {
    for (db, no_pagination) in TestDb::all().await.into_iter().zip([false, true]) {
        let mut ledger = XLedger::new(start_time());
        org(&mut ledger);
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
async fn an_invoice_paid_off_between_syncs_is_counted_once() {
    for db in TestDb::all().await {
        let mut ledger = XLedger::new(start_time());
        let o = org(&mut ledger);
        let fake = FakeXero::start(ledger).await;
        let xero = fake.connect(&db.store, SOURCE, 3).await;
        sync(&db, &fake, &xero).await.unwrap();
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
        let report = sync(&db, &fake, &xero).await.unwrap();
        assert_matches(&db, SOURCE, &fake.with(|s| s.ledger.expected()), "after the payments").await;
        assert_eq!(report.invoices_paid_off(), 2, "{}: {report:?}", db.name);
        let again = sync(&db, &fake, &xero).await.unwrap();
        assert_eq!(again.invoices_paid_off(), 0, "{}: {again:?}", db.name);
        db.close().await;
    }
}

#[tokio::test]
async fn records_changing_while_paging_are_neither_skipped_nor_duplicated() {
    for (db, no_pagination) in TestDb::all().await.into_iter().zip([false, true]) {
        let mut ledger = XLedger::new(start_time());
        let acme = ledger.contact("Acme Builders");
        let mut ids: Vec<String> = (0..20).map(|n| ledger.invoice(&acme, 1_000 + n)).collect();
        let same = ledger.tick();
        for n in 0..9 {
            let id = ledger.invoice(&acme, 5_000 + n);
            ledger.invoices.get_mut(&id).unwrap().updated = same;
            ids.push(id);
        }
        ids.extend((0..6).map(|n| ledger.invoice(&acme, 9_000 + n)));
        let fake = FakeXero::start(ledger).await;
        fake.with(|s| s.no_pagination = no_pagination);
        let xero = fake.connect(&db.store, SOURCE, 4).await;
        let moved = ids.clone();
        fake.with(|s| {
            s.after_list = Some(Box::new(move |l: &mut XLedger, n: usize| match n {
                3 => {
                    l.edit_invoice(&moved[0], |i| i.amount_due = 1);
                    l.edit_invoice(&moved[2], |i| i.amount_due = 2);
                }
                6 => {
                    l.edit_invoice(&moved[22], |i| i.amount_due = 3);
                    let c = l.invoices[&moved[0]].contact.clone();
                    l.invoice(&c, 4_444);
                }
                8 => l.edit_invoice(&moved[30], |i| i.amount_due = 5),
                _ => {}
            }))
        });
        let report = sync(&db, &fake, &xero).await.unwrap();
        let expected = fake.with(|s| s.ledger.expected());
        assert_eq!(expected.invoices.len(), 36);
        assert_matches(
            &db,
            SOURCE,
            &expected,
            &format!("while records changed (pagination object: {})", !no_pagination),
        )
        .await;
        let invoices = report.entities.iter().find(|e| e.entity == Entity::Invoice).unwrap();
        assert_eq!(invoices.stats.new, 36, "{}: each invoice inserted once", db.name);
        db.close().await;
    }
}

#[tokio::test]
async fn a_fault_storm_ends_equal_to_the_books_never_with_a_wrong_balance() {
    for db in TestDb::all().await {
        let mut ledger = XLedger::new(start_time());
        let o = org(&mut ledger);
        for n in 0..20 {
            let id = ledger.invoice(&o.bayside, 2_000 + n);
            if n % 2 == 0 {
                ledger.pay(&id, 1_000);
            }
        }
        let fake = FakeXero::start(ledger).await;
        let xero = fake.connect(&db.store, SOURCE, 4).await;
        let expected = fake.with(|s| s.ledger.expected());
        fake.with(|s| {
            s.faults.storm(
                0.5,
                vec![
                    Fault::Throttle { retry_after: Some(1) },
                    Fault::Throttle { retry_after: None },
                    Fault::ServerError(503),
                    Fault::ServerError(500),
                    Fault::Truncated,
                    Fault::Reset,
                    Fault::ExpireTokens,
                ],
                7,
            )
        });
        let mut done = false;
        for _ in 0..20 {
            match sync(&db, &fake, &xero).await {
                Ok(_) => {
                    done = true;
                    break;
                }
                Err(SyncError::Source { error, .. }) => {
                    assert!(error.to_string().contains("failed 8 times"), "{}: {error}", db.name)
                }
                Err(e) => panic!("{e}"),
            }
            let got = snapshot::read(&db, SOURCE).await;
            for (id, row) in &got.invoices {
                assert_eq!(Some(row), expected.invoices.get(id), "{}: invoice {id} after a failed sync", db.name);
            }
        }
        assert!(done, "{}: the storm never let a sync through", db.name);
        let (injected, calls) = fake.with(|s| (s.faults.injected, s.api_calls));
        assert!(injected >= 10, "{}: only {injected} faults in {calls} calls", db.name);
        assert_matches(&db, SOURCE, &expected, "after the storm").await;
        db.close().await;
    }
}

#[tokio::test]
async fn the_daily_limit_reschedules_the_sync_and_a_minute_limit_waits() {
    for db in TestDb::all().await {
        let mut ledger = XLedger::new(start_time());
        org(&mut ledger);
        let fake = FakeXero::start(ledger).await;
        let xero = fake.connect(&db.store, SOURCE, 50).await;
        // Retry-After: 3 on a minute limit: wait (3 x 5 ms in tests) and carry on.
        fake.with(|s| s.faults.plan.push_back(Fault::Throttle { retry_after: Some(3) }));
        sync(&db, &fake, &xero).await.unwrap();

        fake.with(|s| s.faults.plan.push_back(Fault::DayLimit { retry_after: 66_975 }));
        let started = std::time::Instant::now();
        let err = sync(&db, &fake, &xero).await.unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5), "not slept");
        let SyncError::Source { error: SourceError::RateLimited { retry_at, reason, .. }, .. } = &err else {
            panic!("{err}")
        };
        assert!((*retry_at - fake.clock().now() - chrono::Duration::seconds(66_975)).num_seconds().abs() < 5);
        assert!(reason.as_deref().is_some_and(|r| r.contains("5,000 requests a day") && r.contains("used up")));
        assert!(matches!(
            db.store.connection(SOURCE).await.unwrap().unwrap().status,
            ConnectionStatus::RateLimited { .. }
        ));
        let calls = fake.with(|s| s.api_calls);
        assert!(sync(&db, &fake, &xero).await.is_err());
        assert_eq!(fake.with(|s| s.api_calls), calls, "no call before the limit resets");
        db.close().await;
    }
}

#[tokio::test]
async fn a_nearly_spent_daily_allowance_stops_the_sync_until_the_next_utc_day() {
    for db in TestDb::all().await {
        let mut ledger = XLedger::new(start_time());
        org(&mut ledger);
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
async fn tokens_refresh_once_for_two_syncs_and_a_refused_grant_asks_to_reconnect() {
    for db in TestDb::all().await {
        let mut ledger = XLedger::new(start_time());
        org(&mut ledger);
        let fake = FakeXero::start(ledger).await;
        fake.connect(&db.store, SOURCE, 3).await;
        // Two syncs, one expired token (Xero's live for 30 minutes).
        fake.with(|s| {
            let later = s.ledger.now() + chrono::Duration::minutes(40);
            s.ledger.set_now(later);
            s.oauth.delay = Duration::from_millis(200);
        });
        let (a, b) = (fake.source(&db.store, SOURCE, 3), fake.source(&db.store, SOURCE, 3));
        let clock = fake.clock();
        let (ra, rb) = tokio::join!(
            sync_source(db.store.as_ref(), &a, &clock, false, |_| {}),
            sync_source(db.store.as_ref(), &b, &clock, false, |_| {})
        );
        ra.unwrap();
        rb.unwrap();
        assert_eq!(fake.with(|s| s.oauth.refresh_calls), 1, "{}", db.name);
        assert_matches(&db, SOURCE, &fake.with(|s| s.ledger.expected()), "after two syncs").await;

        // A token that expires mid-sync is refreshed; a refused refresh asks for reconnection.
        fake.with(|s| s.faults.plan.push_back(Fault::ExpireTokens));
        sync(&db, &fake, &a).await.unwrap();
        assert_eq!(fake.with(|s| s.oauth.refresh_calls), 2);
        fake.with(|s| {
            s.oauth.refuse = true;
            s.faults.plan.push_back(Fault::ExpireTokens);
        });
        let err = sync(&db, &fake, &a).await.unwrap_err();
        assert!(err.to_string().contains("arbot connect xero"), "{err}");
        assert!(matches!(
            db.store.connection(SOURCE).await.unwrap().unwrap().status,
            ConnectionStatus::NeedsReconnect { .. }
        ));
        db.close().await;
    }
}

#[tokio::test]
async fn validation_errors_fail_clearly_and_a_large_organisation_gets_simpler_filters() {
    let db = TestDb::sqlite().await;
    let mut ledger = XLedger::new(start_time());
    let o = org(&mut ledger);
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
    db.close().await;
}

#[tokio::test]
async fn a_wrong_organisation_is_refused_and_asks_to_reconnect() {
    let db = TestDb::sqlite().await;
    let mut ledger = XLedger::new(start_time());
    org(&mut ledger);
    let fake = FakeXero::start(ledger).await;
    let xero = fake.connect(&db.store, SOURCE, 50).await;
    fake.with(|s| s.tenant = "00000000-0000-0000-0000-000000000000".into());
    let err = sync(&db, &fake, &xero).await.unwrap_err();
    let SyncError::Source { error: SourceError::NeedsReconnect { reason, .. }, .. } = &err else { panic!("{err}") };
    assert!(reason.contains("refused access to this organisation"), "{reason}");
    assert!(snapshot::read(&db, SOURCE).await.invoices.is_empty());
    db.close().await;
}
