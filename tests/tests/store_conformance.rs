//! One storage suite, run against every backend: SQLite always, PostgreSQL when
//! `ARBOT_TEST_POSTGRES_URL` is set. Each story uses a fresh database.

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test
#![allow(clippy::inconsistent_digit_grouping)] // amounts read as dollars_cents: 100_00 is $100.00

use arbot_core::Currency;
use arbot_core::audit::{Author, Surface};
use arbot_core::collections::{NewDispute, NewNote};
use arbot_core::ledger::{CustomerKind, InvoiceKind};
use arbot_core::source::{
    ApplicationRecord, CustomerRecord, Deletion, Entity, InvoiceRecord, PaymentRecord, Record, Version,
};
use arbot_core::store::{OpenItemsQuery, Store, StoreError};
use arbot_tests::TestDb;
use chrono::{NaiveDate, TimeZone, Utc};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn v(day: u32, seq: i64) -> Version {
    Version { updated_at: Utc.with_ymd_and_hms(2026, 11, day, 12, 0, 0).unwrap(), seq }
}

fn customer(ext: &str, name: &str, version: Version) -> Record {
    Record::Customer(CustomerRecord {
        external_id: ext.into(),
        name: name.into(),
        kind: CustomerKind::GeneralContractor,
        email: None,
        address: None,
        phone: None,
        terms_days: Some(30),
        pm: Some("dana".into()),
        active: true,
        version,
    })
}

fn invoice(ext: &str, cust: &str, number: &str, total: i64, balance: i64, due: &str, version: Version) -> Record {
    Record::Invoice(InvoiceRecord {
        external_id: ext.into(),
        customer_external_id: cust.into(),
        job_external_id: None,
        number: number.into(),
        kind: InvoiceKind::Progress,
        issued: d(due) - chrono::Days::new(30),
        due: d(due),
        currency: Currency::USD,
        total_minor: total,
        balance_minor: balance,
        retainage_minor: 0,
        voided: false,
        memo: None,
        balance_as_of: None,
        version,
    })
}

fn payment(ext: &str, cust: &str, received: &str, apps: &[(&str, i64)], unapplied: i64, version: Version) -> Record {
    Record::Payment(PaymentRecord {
        external_id: ext.into(),
        customer_external_id: cust.into(),
        received: d(received),
        currency: Currency::USD,
        amount_minor: apps.iter().map(|a| a.1).sum::<i64>() + unapplied,
        unapplied_minor: unapplied,
        method: Some("check".into()),
        reference: Some(format!("chk-{ext}")),
        applications: apps
            .iter()
            .map(|(inv, amt)| ApplicationRecord {
                invoice_external_id: (*inv).into(),
                amount_minor: *amt,
                credit_memo_external_id: None,
            })
            .collect(),
        version,
    })
}

async fn apply(store: &dyn Store, records: Vec<Record>) -> arbot_core::store::PageStats {
    let run = store.start_sync_run("test", Utc::now()).await.expect("run");
    store.apply_page(run, "test", Entity::Invoice, &records, None).await.expect("apply page")
}

async fn open(store: &dyn Store, as_of: &str, historical: bool) -> Vec<(String, i64)> {
    let items =
        store.open_items(OpenItemsQuery { as_of: d(as_of), customer_id: None, historical }).await.expect("open items");
    let mut out: Vec<(String, i64)> = items.into_iter().map(|i| (i.number, i.balance.minor)).collect();
    out.sort();
    out
}

#[tokio::test]
async fn upserts_are_idempotent_and_classified() {
    for db in TestDb::all().await {
        let s = db.store.as_ref();
        let page = vec![
            customer("c1", "Acme Builders Inc", v(1, 0)),
            invoice("i1", "c1", "1001", 100_00, 100_00, "2026-10-01", v(1, 0)),
            invoice("i2", "c1", "1002", 50_00, 50_00, "2026-12-01", v(1, 0)),
        ];
        let first = apply(s, page.clone()).await;
        assert_eq!((first.new, first.updated, first.unchanged), (3, 0, 0), "{}", db.name);
        let again = apply(s, page.clone()).await;
        assert_eq!((again.new, again.updated, again.unchanged), (0, 0, 3), "{}: replay changes nothing", db.name);
        let counts = s.counts().await.unwrap();
        assert_eq!((counts.customers, counts.invoices, counts.open_invoices), (1, 2, 2), "{}", db.name);
        // A newer version with new content is an update; a newer version with the same content is not.
        let changed = apply(s, vec![invoice("i1", "c1", "1001", 100_00, 40_00, "2026-10-01", v(2, 0))]).await;
        assert_eq!(changed.updated, 1, "{}", db.name);
        let same = apply(s, vec![invoice("i1", "c1", "1001", 100_00, 40_00, "2026-10-01", v(3, 0))]).await;
        assert_eq!((same.updated, same.unchanged), (0, 1), "{}", db.name);
        assert_eq!(open(s, "2026-11-22", false).await, [("1001".into(), 40_00), ("1002".into(), 50_00)], "{}", db.name);
        db.close().await;
    }
}

#[tokio::test]
async fn an_older_version_never_overwrites_a_newer_one() {
    for db in TestDb::all().await {
        let s = db.store.as_ref();
        apply(s, vec![customer("c1", "New Name LLC", v(5, 0))]).await;
        let stale = apply(s, vec![customer("c1", "Old Name LLC", v(4, 0))]).await;
        assert_eq!(stale.unchanged, 1, "{}", db.name);
        // Same timestamp: the higher sequence (SyncToken) wins, the lower does not.
        apply(s, vec![customer("c1", "Seq Two LLC", v(5, 2))]).await;
        apply(s, vec![customer("c1", "Seq One LLC", v(5, 1))]).await;
        let names: Vec<String> = s.customer_names().await.unwrap().into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["Seq Two LLC"], "{}", db.name);
        // The newest version in one page wins too.
        apply(s, vec![customer("c2", "Second B", v(7, 0)), customer("c2", "Second A", v(6, 0))]).await;
        let found = s.customers_matching("second", 5).await.unwrap();
        assert_eq!(found.len(), 1, "{}", db.name);
        assert_eq!(found[0].name, "Second B", "{}", db.name);
        db.close().await;
    }
}

#[tokio::test]
async fn applications_are_replaced_as_a_whole() {
    for db in TestDb::all().await {
        let s = db.store.as_ref();
        apply(
            s,
            vec![
                customer("c1", "Acme", v(1, 0)),
                invoice("i1", "c1", "1001", 100_00, 0, "2026-10-01", v(1, 0)),
                invoice("i2", "c1", "1002", 100_00, 0, "2026-10-15", v(1, 0)),
                payment("p1", "c1", "2026-11-01", &[("i1", 100_00), ("i2", 100_00)], 0, v(1, 0)),
            ],
        )
        .await;
        let id1 = s.id_for(Entity::Invoice, "test", "i1").await.unwrap().unwrap();
        let id2 = s.id_for(Entity::Invoice, "test", "i2").await.unwrap().unwrap();
        assert_eq!(s.applications_to_invoice(id2).await.unwrap().len(), 1, "{}", db.name);
        // The payment is edited: now it pays only #1001, and #1002 is open again.
        apply(
            s,
            vec![
                invoice("i2", "c1", "1002", 100_00, 100_00, "2026-10-15", v(2, 0)),
                payment("p1", "c1", "2026-11-01", &[("i1", 100_00)], 100_00, v(2, 0)),
            ],
        )
        .await;
        assert!(s.applications_to_invoice(id2).await.unwrap().is_empty(), "{}", db.name);
        let apps = s.applications_to_invoice(id1).await.unwrap();
        assert_eq!(apps.len(), 1, "{}", db.name);
        assert_eq!(apps[0].amount.minor, 100_00, "{}", db.name);
        assert_eq!(s.credits(None, arbot_core::Currency::USD).await.unwrap().unapplied_cash, 100_00, "{}", db.name);
        db.close().await;
    }
}

#[tokio::test]
async fn deletions_and_voids() {
    for db in TestDb::all().await {
        let s = db.store.as_ref();
        apply(
            s,
            vec![
                customer("c1", "Acme", v(1, 0)),
                invoice("i1", "c1", "1001", 100_00, 100_00, "2026-10-01", v(1, 0)),
                invoice("i2", "c1", "1002", 100_00, 100_00, "2026-10-01", v(1, 0)),
            ],
        )
        .await;
        // A deletion older than the record is ignored; a current one removes it from AR.
        let stale = apply(
            s,
            vec![Record::Deleted(Deletion {
                entity: Entity::Invoice,
                external_id: "i1".into(),
                version: Version::at(Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap()),
            })],
        )
        .await;
        assert_eq!(stale.deleted, 0, "{}", db.name);
        let gone = apply(
            s,
            vec![Record::Deleted(Deletion { entity: Entity::Invoice, external_id: "i1".into(), version: v(2, 0) })],
        )
        .await;
        assert_eq!(gone.deleted, 1, "{}", db.name);
        let mut voided = invoice("i2", "c1", "1002", 0, 0, "2026-10-01", v(2, 0));
        if let Record::Invoice(i) = &mut voided {
            i.voided = true;
            i.memo = Some("Voided".into());
        }
        let void = apply(s, vec![voided]).await;
        assert_eq!(void.voided, 1, "{}", db.name);
        assert!(open(s, "2026-11-22", false).await.is_empty(), "{}", db.name);
        assert!(s.invoices_numbered("1001").await.unwrap().is_empty(), "{}: deleted invoices are gone", db.name);
        assert_eq!(s.invoices_numbered("#1002").await.unwrap()[0].status.as_str(), "void", "{}", db.name);
        db.close().await;
    }
}

#[tokio::test]
async fn an_open_invoice_paid_off_counts_as_closed_once() {
    for db in TestDb::all().await {
        let s = db.store.as_ref();
        apply(
            s,
            vec![
                customer("c1", "Acme", v(1, 0)),
                invoice("i1", "c1", "1001", 100_00, 100_00, "2026-10-01", v(1, 0)),
                invoice("i2", "c1", "1002", 100_00, 100_00, "2026-10-01", v(1, 0)),
                invoice("i3", "c1", "1003", 100_00, 100_00, "2026-10-01", v(1, 0)),
            ],
        )
        .await;
        // Paid in part is still open; paid off is closed; already paid when first seen is not a change.
        let paid = vec![
            invoice("i1", "c1", "1001", 100_00, 0, "2026-10-01", v(2, 0)),
            invoice("i2", "c1", "1002", 100_00, 40_00, "2026-10-01", v(2, 0)),
            invoice("i4", "c1", "1004", 100_00, 0, "2026-10-01", v(2, 0)),
        ];
        let first = apply(s, paid.clone()).await;
        assert_eq!((first.closed, first.updated, first.new), (1, 2, 1), "{}: {first:?}", db.name);
        let replay = apply(s, paid).await;
        assert_eq!(replay.closed, 0, "{}: a replay closes nothing: {replay:?}", db.name);
        // An older version that was still open does not reopen it, and a newer copy of the paid
        // invoice does not close it again.
        let stale = apply(s, vec![invoice("i1", "c1", "1001", 100_00, 100_00, "2026-10-01", v(1, 0))]).await;
        assert_eq!((stale.closed, stale.updated), (0, 0), "{}", db.name);
        let bumped = apply(s, vec![invoice("i1", "c1", "1001", 100_00, 0, "2026-10-01", v(3, 0))]).await;
        assert_eq!(bumped.closed, 0, "{}", db.name);
        // A void is a void, not a payment.
        let mut voided = invoice("i3", "c1", "1003", 0, 0, "2026-10-01", v(2, 0));
        if let Record::Invoice(i) = &mut voided {
            i.voided = true;
        }
        let void = apply(s, vec![voided]).await;
        assert_eq!((void.closed, void.voided), (0, 1), "{}", db.name);
        // Paid off on the next page of the same sync: counted then.
        let rest = apply(s, vec![invoice("i2", "c1", "1002", 100_00, 0, "2026-10-01", v(3, 0))]).await;
        assert_eq!(rest.closed, 1, "{}", db.name);
        assert_eq!(open(s, "2026-11-22", false).await, Vec::<(String, i64)>::new(), "{}", db.name);
        db.close().await;
    }
}

#[tokio::test]
async fn records_before_their_parents_are_kept() {
    for db in TestDb::all().await {
        let s = db.store.as_ref();
        // An invoice and a payment arrive before their customer, and the payment before its invoice.
        apply(s, vec![payment("p1", "c9", "2026-11-01", &[("i9", 25_00)], 0, v(1, 0))]).await;
        apply(s, vec![invoice("i9", "c9", "9001", 100_00, 75_00, "2026-10-01", v(1, 0))]).await;
        assert_eq!(open(s, "2026-11-22", false).await, [("9001".into(), 75_00)], "{}", db.name);
        let id = s.id_for(Entity::Invoice, "test", "i9").await.unwrap().unwrap();
        assert_eq!(
            s.applications_to_invoice(id).await.unwrap().len(),
            1,
            "{}: the early payment found its invoice",
            db.name
        );
        apply(s, vec![customer("c9", "Late Arrival Homes", v(1, 0))]).await;
        let names: Vec<String> = s.customer_names().await.unwrap().into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["Late Arrival Homes"], "{}", db.name);
        db.close().await;
    }
}

#[tokio::test]
async fn balances_as_of_a_past_date_add_back_later_payments() {
    for db in TestDb::all().await {
        let s = db.store.as_ref();
        apply(
            s,
            vec![
                customer("c1", "Acme", v(1, 0)),
                invoice("i1", "c1", "1001", 100_00, 0, "2026-10-01", v(1, 0)),
                invoice("i2", "c1", "1002", 80_00, 30_00, "2026-10-01", v(1, 0)),
                payment("p1", "c1", "2026-11-10", &[("i1", 100_00), ("i2", 50_00)], 0, v(1, 0)),
            ],
        )
        .await;
        assert_eq!(open(s, "2026-11-22", false).await, [("1002".into(), 30_00)], "{}", db.name);
        assert_eq!(open(s, "2026-11-22", true).await, [("1002".into(), 30_00)], "{}", db.name);
        assert_eq!(open(s, "2026-11-05", true).await, [("1001".into(), 100_00), ("1002".into(), 80_00)], "{}", db.name);
        // Before the invoices were issued, nothing was open.
        assert!(open(s, "2026-08-01", true).await.is_empty(), "{}", db.name);
        db.close().await;
    }
}

#[tokio::test]
async fn watermarks_are_stored_with_their_page() {
    for db in TestDb::all().await {
        let s = db.store.as_ref();
        assert_eq!(s.watermark("test", Entity::Invoice).await.unwrap(), None, "{}", db.name);
        let run = s.start_sync_run("test", Utc::now()).await.unwrap();
        s.apply_page(run, "test", Entity::Invoice, &[customer("c1", "Acme", v(1, 0))], Some("2026-11-01T12:00:00Z"))
            .await
            .unwrap();
        assert_eq!(
            s.watermark("test", Entity::Invoice).await.unwrap().as_deref(),
            Some("2026-11-01T12:00:00Z"),
            "{}",
            db.name
        );
        assert_eq!(s.watermark("other", Entity::Invoice).await.unwrap(), None, "{}", db.name);
        s.finish_sync_run(run, Utc::now(), arbot_core::store::RunStatus::Done, None).await.unwrap();
        assert_eq!(
            s.last_sync_run("test").await.unwrap().map(|r| r.status),
            Some(arbot_core::store::RunStatus::Done),
            "{}",
            db.name
        );
        db.close().await;
    }
}

#[tokio::test]
async fn customer_search_is_case_insensitive_and_literal() {
    for db in TestDb::all().await {
        let s = db.store.as_ref();
        apply(
            s,
            vec![
                customer("c1", "Gulf Coast Builders LLC", v(1, 0)),
                customer("c2", "Gulfstream Roofing", v(1, 0)),
                customer("c3", "100% Concrete", v(1, 0)),
                customer("c4", "Old_Oak Homes", v(1, 0)),
            ],
        )
        .await;
        let names = |v: Vec<arbot_core::ledger::CustomerRef>| v.into_iter().map(|c| c.name).collect::<Vec<_>>();
        assert_eq!(
            names(s.customers_matching("GULF", 10).await.unwrap()),
            ["Gulfstream Roofing", "Gulf Coast Builders LLC"],
            "{}",
            db.name
        );
        assert_eq!(names(s.customers_matching("0%", 10).await.unwrap()), ["100% Concrete"], "{}", db.name);
        assert_eq!(names(s.customers_matching("_", 10).await.unwrap()), ["Old_Oak Homes"], "{}", db.name);
        db.close().await;
    }
}

#[tokio::test]
async fn collections_records_round_trip() {
    for db in TestDb::all().await {
        let s = db.store.as_ref();
        apply(
            s,
            vec![customer("c1", "Acme", v(1, 0)), invoice("i1", "c1", "1001", 100_00, 100_00, "2026-10-01", v(1, 0))],
        )
        .await;
        let cid = s.id_for(Entity::Customer, "test", "c1").await.unwrap().unwrap();
        let iid = s.id_for(Entity::Invoice, "test", "i1").await.unwrap().unwrap();
        for (i, body) in ["first call", "second call"].iter().enumerate() {
            s.add_note(
                &NewNote {
                    customer_id: cid,
                    invoice_id: None,
                    kind: "call".into(),
                    body: body.to_string(),
                    author: "sam".into(),
                    created_at: Utc.with_ymd_and_hms(2026, 11, 10 + i as u32, 9, 0, 0).unwrap(),
                    follow_up_on: None,
                    // The second as an imported log's row gives it: its day, no time.
                    day_only: i == 1,
                },
                &Author::new("7", "sam", Surface::Console),
            )
            .await
            .unwrap();
        }
        let notes = s.notes_for_customer(cid, 1).await.unwrap();
        assert_eq!(notes[0].body, "second call", "{}: newest note first", db.name);
        assert!(notes[0].day_only, "{}: a day-only note reads back as one", db.name);
        let both = s.notes_for_customer(cid, 2).await.unwrap();
        assert!(!both[1].day_only, "{}: a note typed in chat has its time", db.name);
        s.open_dispute(
            &NewDispute {
                invoice_id: iid,
                reason: "quantity".into(),
                detail: None,
                opened_by: "sam".into(),
                opened_at: Utc::now(),
            },
            &Author::new("7", "sam", Surface::Console),
        )
        .await
        .unwrap();
        let items = s
            .open_items(OpenItemsQuery { as_of: d("2026-11-22"), customer_id: Some(cid), historical: false })
            .await
            .unwrap();
        assert!(items[0].disputed, "{}", db.name);
        db.close().await;
    }
}

#[tokio::test]
async fn a_database_from_a_newer_arbot_is_refused() {
    for db in TestDb::all().await {
        let url = db.url.clone();
        match db.name {
            "sqlite" => {
                let conn = sqlx::SqlitePool::connect(&url).await.unwrap();
                sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (99990101000000, 'future', TRUE, x'00', 0)")
                    .execute(&conn).await.unwrap();
                conn.close().await;
            }
            _ => {
                let conn = sqlx::PgPool::connect(&url).await.unwrap();
                sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (99990101000000, 'future', TRUE, '\\x00', 0)")
                    .execute(&conn).await.unwrap();
                conn.close().await;
            }
        }
        match arbot_core::store::open_and_migrate(&url).await {
            Err(StoreError::NewerSchema { found, .. }) => assert_eq!(found, 99990101000000, "{}", db.name),
            other => panic!("{}: expected NewerSchema, got {other:?}", db.name),
        }
        db.close().await;
    }
}

#[tokio::test]
async fn bad_urls_and_unwritable_files_get_clear_errors() {
    let e = arbot_core::store::open("mysql://root@localhost/arbot").await.unwrap_err();
    assert!(matches!(e, StoreError::UnsupportedUrl(_)), "{e:?}");
    assert!(e.to_string().contains("sqlite://"), "{e}");
    let e = arbot_core::store::open("sqlite:///nonexistent-dir-arbot/x/arbot.db").await.unwrap_err();
    assert!(matches!(e, StoreError::Unreachable { .. }), "{e:?}");
    let e = arbot_core::store::open("postgres://nobody@127.0.0.1:1/arbot").await.unwrap_err();
    assert!(matches!(e, StoreError::Unreachable { .. }), "{e:?}");

    // A read-only database: arbot says so instead of failing obscurely on the first write.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ro.db");
    let store = arbot_core::store::open_and_migrate(&format!("sqlite://{}", path.display())).await.unwrap();
    drop(store);
    let result = async {
        let store = arbot_core::store::open_and_migrate(&format!("sqlite://{}?mode=ro", path.display())).await?;
        let run = store.start_sync_run("t", Utc::now()).await?;
        store.apply_page(run, "t", Entity::Customer, &[customer("c1", "Acme", v(1, 0))], None).await
    }
    .await;
    match result {
        Err(e @ StoreError::ReadOnly(_)) => assert!(e.to_string().contains("read-only"), "{e}"),
        other => panic!("expected ReadOnly, got {other:?}"),
    }
}

/// Every day's payments are in exactly one digest: the one on the first weekday after them. A
/// payment that lands after a digest went out (an ACH synced at noon) is in the next one.
#[tokio::test]
async fn each_days_payments_are_in_exactly_one_digest() {
    for db in TestDb::all().await {
        let s = db.store.as_ref();
        let mut page = vec![customer("c1", "Acme Builders Inc", v(1, 0))];
        // Thu Nov 19 through Tue Nov 24, one payment a day.
        for (n, day) in
            ["2026-11-19", "2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24"].iter().enumerate()
        {
            page.push(payment(&format!("p{n}"), "c1", day, &[], 100_00 * (n as i64 + 1), v(1, n as i64)));
        }
        apply(s, page).await;
        let received = |digest: &arbot_core::digest::Digest| {
            let mut days: Vec<String> = digest.payments.iter().map(|p| p.received.to_string()).collect();
            days.sort();
            days
        };
        // Friday's digest: Thursday's payment (Friday's own arrive after it went out).
        let rules = arbot_core::collections::PromiseRules { grace_days: 0, tz: chrono_tz::America::New_York };
        let fri = arbot_core::digest::load(s, d("2026-11-20"), Currency::USD, &[], rules).await.unwrap();
        assert_eq!(received(&fri), ["2026-11-19"], "{}", db.name);
        // Monday's: Friday, Saturday and Sunday.
        let mon = arbot_core::digest::load(s, d("2026-11-23"), Currency::USD, &[], rules).await.unwrap();
        assert_eq!(received(&mon), ["2026-11-20", "2026-11-21", "2026-11-22"], "{}", db.name);
        // Tuesday's: Monday, including what arrived after Monday's digest.
        let tue = arbot_core::digest::load(s, d("2026-11-24"), Currency::USD, &[], rules).await.unwrap();
        assert_eq!(received(&tue), ["2026-11-23"], "{}", db.name);
        db.close().await;
    }
}
