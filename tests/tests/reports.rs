//! The leadership reports end to end through the console's parser and handlers and the CLI's
//! JSON, on a real database (SQLite, and PostgreSQL when `ARBOT_TEST_POSTGRES_URL` is set), on a
//! small ledger of its own (not the demo's), with a Canadian-dollar payer beside the US ones.

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test
#![allow(clippy::inconsistent_digit_grouping)] // amounts read as dollars_cents

use std::sync::Arc;

use arbot::app::App;
use arbot::config::Config;
use arbot::console::answer;
use arbot_core::audit::{Author, Surface};
use arbot_core::cash::Compare;
use arbot_core::collections::{Installment, NewNote, NewPlan, NewPromise};
use arbot_core::ledger::{CustomerKind, InvoiceKind, OurRole, ProjectType};
use arbot_core::source::{
    ApplicationRecord, CustomerRecord, Entity, InvoiceRecord, JobRecord, PaymentRecord, Record, Version,
};
use arbot_core::{Currency, Money, PinnedClock};
use arbot_tests::TestDb;
use chrono::{NaiveDate, TimeZone, Utc};
use tokio::runtime::Runtime;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn version() -> Version {
    Version { updated_at: Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap(), seq: 0 }
}

fn customer(ext: &str, name: &str) -> Record {
    Record::Customer(CustomerRecord {
        external_id: ext.into(),
        name: name.into(),
        kind: CustomerKind::GeneralContractor,
        email: None,
        address: None,
        phone: None,
        terms_days: Some(30),
        pm: Some("maria".into()),
        active: true,
        version: version(),
    })
}

fn job(ext: &str, cust: &str, name: &str) -> Record {
    Record::Job(JobRecord {
        external_id: ext.into(),
        customer_external_id: cust.into(),
        name: name.into(),
        city: Some("Tampa".into()),
        county: Some("Hillsborough".into()),
        state: Some("FL".into()),
        project_type: Some(ProjectType::Private),
        role: Some(OurRole::Sub),
        owner_name: None,
        gc_name: None,
        pm: Some("maria".into()),
        first_furnished: Some(d("2026-03-02")),
        last_furnished: None,
        noc_recorded: None,
        noc_expires: None,
        retainage_bp: 0,
        version: version(),
    })
}

/// An invoice of `total`, `balance` still open, due on `due`.
fn invoice(ext: &str, cust: &str, job: Option<&str>, total: i64, balance: i64, due: &str) -> Record {
    Record::Invoice(InvoiceRecord {
        external_id: ext.into(),
        customer_external_id: cust.into(),
        job_external_id: job.map(str::to_string),
        number: ext.trim_start_matches('i').into(),
        kind: InvoiceKind::Progress,
        issued: d(due) - chrono::Days::new(30),
        due: d(due),
        currency: Currency::USD,
        total_minor: total,
        balance_minor: balance,
        balance_as_of: None,
        retainage_minor: 0,
        voided: false,
        memo: None,
        version: version(),
    })
}

fn payment(ext: &str, cust: &str, on: &str, currency: Currency, unapplied: i64, apps: &[(&str, i64)]) -> Record {
    Record::Payment(PaymentRecord {
        external_id: ext.into(),
        customer_external_id: cust.into(),
        received: d(on),
        currency,
        amount_minor: unapplied + apps.iter().map(|a| a.1).sum::<i64>(),
        unapplied_minor: unapplied,
        method: Some("check".into()),
        reference: None,
        applications: apps
            .iter()
            .map(|(inv, amount)| ApplicationRecord {
                invoice_external_id: inv.to_string(),
                amount_minor: *amount,
                credit_memo_external_id: None,
            })
            .collect(),
        version: version(),
    })
}

fn by() -> Author {
    Author { id: "console".into(), name: "sam".into(), surface: Surface::Console, key: None }
}

/// Noon in New York on `day`.
fn noon(day: &str) -> chrono::DateTime<Utc> {
    d(day).and_hms_opt(17, 0, 0).unwrap().and_utc()
}

/// Brightwater (jobs Sunport Clinic and Bayfront Lofts) has paid five invoices 0, 5, 10, 20 and
/// 16 days after due; Cedar Ridge paid one 13 days late, kept one promise and broke one, and has
/// promised $4,000 against #8812 by Dec 4 (logged Dec 1); Maple Leaf pays in Canadian dollars.
/// On Tue Dec 1: Brightwater paid $8,000 ($5,000 to #7725 on Sunport, $3,000 to #7728 on
/// Bayfront), Cedar Ridge $1,200 left unapplied, Maple Leaf CA$2,000. A week before, Brightwater
/// paid $2,000 to #7725. Nothing was paid before Jun 1, 2026.
async fn ledger(db: &TestDb) {
    let s = db.store.as_ref();
    let cad = Currency::parse("CAD").unwrap();
    let usd = Currency::USD;
    let run = s.start_sync_run("qb", Utc::now()).await.unwrap();
    let mut records = vec![
        customer("c1", "Brightwater Construction Co"),
        customer("c2", "Cedar Ridge Developers"),
        customer("c3", "Maple Leaf Glazing Ltd"),
        job("j1", "c1", "Sunport Clinic"),
        job("j2", "c1", "Bayfront Lofts"),
        // Brightwater's paid history.
        invoice("i7701", "c1", Some("j1"), 1_000_00, 0, "2026-06-01"),
        invoice("i7702", "c1", Some("j1"), 1_000_00, 0, "2026-07-01"),
        invoice("i7703", "c1", Some("j1"), 1_000_00, 0, "2026-08-01"),
        invoice("i7704", "c1", Some("j2"), 1_000_00, 0, "2026-09-01"),
        invoice("i7725", "c1", Some("j1"), 9_000_00, 2_000_00, "2026-11-01"),
        invoice("i7728", "c1", Some("j2"), 3_000_00, 0, "2026-11-15"),
        // Brightwater's open invoices falling due.
        invoice("i7731", "c1", Some("j1"), 6_250_50, 6_250_50, "2026-12-05"),
        invoice("i7740", "c1", Some("j2"), 10_000_00, 10_000_00, "2026-12-20"),
        // Cedar Ridge.
        invoice("i8800", "c2", None, 700_00, 0, "2026-11-01"),
        invoice("i8810", "c2", None, 2_975_00, 2_975_00, "2026-12-03"),
        invoice("i8812", "c2", None, 4_000_00, 4_000_00, "2026-12-10"),
    ];
    records.push({
        let mut i = invoice("i9104", "c3", None, 4_100_00, 2_100_00, "2026-11-10");
        if let Record::Invoice(i) = &mut i {
            i.currency = cad;
        }
        i
    });
    records.extend([
        payment("p1", "c1", "2026-06-01", usd, 0, &[("i7701", 1_000_00)]),
        payment("p2", "c1", "2026-07-06", usd, 0, &[("i7702", 1_000_00)]),
        payment("p3", "c1", "2026-08-11", usd, 0, &[("i7703", 1_000_00)]),
        payment("p4", "c1", "2026-09-21", usd, 0, &[("i7704", 1_000_00)]),
        payment("p5", "c2", "2026-11-14", usd, 0, &[("i8800", 700_00)]),
        payment("p6", "c1", "2026-11-24", usd, 0, &[("i7725", 2_000_00)]),
        payment("p7", "c1", "2026-12-01", usd, 0, &[("i7725", 5_000_00), ("i7728", 3_000_00)]),
        payment("p8", "c2", "2026-12-01", usd, 1_200_00, &[]),
        payment("p9", "c3", "2026-12-01", cad, 0, &[("i9104", 2_000_00)]),
    ]);
    s.apply_page(run, "qb", Entity::Invoice, &records, None).await.unwrap();
    let promise = |amount: i64, on: &str, logged: &str, invoices: Vec<i64>| NewPromise {
        customer_id: 0,
        amount: Money::usd(amount),
        promised_for: d(on),
        created_by: "sam".into(),
        created_at: noon(logged),
        invoice_ids: invoices,
        note: None,
        day_only: false,
    };
    let cedar = s.customers_matching("cedar", 1).await.unwrap()[0].id;
    let i8812 = s.invoices_numbered("8812").await.unwrap()[0].id;
    for p in [
        promise(500_00, "2026-11-10", "2026-11-02", vec![]),
        promise(700_00, "2026-11-15", "2026-11-05", vec![]),
        promise(4_000_00, "2026-12-04", "2026-12-01", vec![i8812]),
    ] {
        s.add_promise(&NewPromise { customer_id: cedar, ..p }, &by()).await.unwrap();
    }
}

fn app_on(db: &TestDb, today: &str) -> App {
    App {
        store: db.store.clone(),
        clock: Arc::new(PinnedClock { today: d(today), tz: chrono_tz::America::New_York }),
        config: Config::default(),
        sources: Vec::new(),
    }
}

fn backends(rt: &Runtime) -> Vec<TestDb> {
    rt.block_on(async {
        let out = TestDb::all().await;
        for db in &out {
            ledger(db).await;
        }
        out
    })
}

#[test]
fn the_cash_report_shows_the_days_receipts_against_last_week_and_what_is_expected() {
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let name = db.name;
        let app = app_on(&db, "2026-12-01");

        // The figures, as the CLI's JSON has them.
        let r = rt.block_on(arbot::commands::build_cash(&app, None)).unwrap();
        assert_eq!(r.total, 9_200_00, "{name}: USD only");
        assert_eq!(r.payments, 2, "{name}");
        assert_eq!(r.unapplied, 1_200_00, "{name}");
        assert_eq!(r.other_currencies, vec![(Currency::parse("CAD").unwrap(), 2_000_00, 1)], "{name}");
        let bright = &r.customers[0];
        assert_eq!(bright.name, "Brightwater Construction Co", "{name}");
        assert_eq!(
            bright.jobs,
            vec![(Some("Sunport Clinic".to_string()), 5_000_00), (Some("Bayfront Lofts".to_string()), 3_000_00)],
            "{name}"
        );
        assert_eq!(bright.invoices, ["7725", "7728"], "{name}");
        assert_eq!(r.week_before, Compare::Total { day: d("2026-11-24"), total: 2_000_00, payments: 1 }, "{name}");
        assert_eq!(r.year_before, Compare::NoHistory { day: d("2025-12-02") }, "{name}");
        let [w7, w30] = &r.windows[..] else { panic!("{name}: two windows") };
        // The promise against #8812 stands for it; Cedar Ridge kept 1 of its 2 judged promises.
        assert_eq!(w7.promised, 4_000_00, "{name}");
        assert_eq!((w7.promises[0].record.kept, w7.promises[0].record.broken), (1, 1), "{name}");
        // #7731 ($6,250.50, due Dec 5) and #8810 ($2,975, due Dec 3) fall due by Dec 8.
        // Brightwater paid 1 of 5 within 3 days of due: $1,250.10. Cedar Ridge has one paid
        // invoice of its own, too few: the book's 6 (0, 5, 10, 20, 16, 13 days), 2 within 5 days:
        // $991.67.
        assert_eq!((w7.invoices_due, w7.invoices_count), (9_225_50, 2), "{name}");
        assert_eq!(w7.invoices_weighted, 2_241_77, "{name}");
        assert_eq!(w7.weighted_by_book, 1, "{name}");
        assert_eq!(w7.expected(), 6_241_77, "{name}");
        // By Dec 31 #7740 ($10,000, due Dec 20) too: 3 of Brightwater's 5 within 11 days.
        assert_eq!((w30.invoices_due, w30.invoices_count), (19_225_50, 3), "{name}");
        assert_eq!(w30.invoices_weighted, 6_250_50 + 6_000_00 + 2_975_00, "{name}");
        assert_eq!(
            r.requested.promises_logged,
            vec![("Cedar Ridge Developers".to_string(), 4_000_00, d("2026-12-04"))]
        );
        // No plans, reminders or calls on this ledger: none shown.
        assert!(r.windows.iter().all(|w| w.installments.is_empty() && w.planned == 0), "{name}");
        assert!(r.requested.reminders_sent.is_empty() && r.requested.calls_logged.is_empty(), "{name}");

        // In chat.
        let text = answer(&rt, &app, "/report cash").unwrap();
        for want in [
            "Cash — Tue Dec 1",
            "Received $9,200.00 from 2 customers (last Tuesday $2,000.00, ▲ $7.2k; a year before: no payments \
             recorded as far back as Dec 2, 2025) · unapplied $1,200.00 (Cedar Ridge Developers)",
            "Also received CA$2,000.00 in 1 payment (not in the totals)",
            "• Brightwater Construction Co — $8,000.00: Sunport Clinic $5.0k, Bayfront Lofts $3.0k; #7725 #7728",
            "• Cedar Ridge Developers — $1,200.00: $1.2k unapplied",
            "Expected next 7 days (to Dec 8): $6,241.77",
            "• Cedar Ridge Developers — $4.0k by Dec 4; kept 1 of 2 (50%)",
            "Invoices falling due $9,225.50 (2), $2,241.77 by how each customer pays; 1 payer with too little history",
            "Expected next 30 days (to Dec 31): $19,225.50",
            "1 promise logged ($4.0k)",
        ] {
            assert!(text.contains(want), "{name}: wanted {want:?} in\n{text}");
        }
        assert!(text.contains("no reminders emailed, no calls logged"), "{name}: {text}");
        assert!(!text.contains("Plan installments"), "{name}: {text}");
        // The console takes /ar cash for /report cash.
        assert_eq!(answer(&rt, &app, "/ar cash").unwrap(), text, "{name}");

        // A day in the past reads what was known then: the Dec 1 promise was not logged yet.
        let before = answer(&rt, &app, "/report cash Nov 24").unwrap();
        assert!(before.contains("Cash — Tue Nov 24"), "{name}: {before}");
        assert!(before.contains("Received $2,000.00 from 1 customer (last Tuesday $0.00, ▲ $2.0k"), "{name}: {before}");
        assert!(before.contains("• Brightwater Construction Co — $2,000.00: Sunport Clinic $2.0k; #7725"), "{name}");
        assert!(!before.contains("Dec 4") && before.contains("no promises logged"), "{name}: {before}");

        // A day to come is refused with a sentence.
        let later = answer(&rt, &app, "/report cash Dec 2").unwrap();
        assert!(later.contains("Dec 2, 2026 is after today (Dec 1, 2026)"), "{name}: {later}");
        rt.block_on(db.close());
    }
}

/// On top of the ledger: Brightwater agreed on Dec 1 to pay $20,000 in four installments of
/// $5,000 (Dec 3, Dec 17, Dec 31, Jan 14); the $8,000 it paid that day keeps the first and pays
/// $3,000 toward the second. Cedar Ridge's plan was cancelled. On Dec 1 arbot emailed Brightwater
/// a reminder, sam logged an email of his own to it, and called Cedar Ridge at 11:30 pm New York
/// time (Dec 2 in UTC); a call on Nov 30 is not that day's.
#[test]
fn the_cash_report_counts_plan_installments_once_and_what_was_requested_that_day() {
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let name = db.name;
        let s = db.store.as_ref();
        rt.block_on(async {
            let bright = s.customers_matching("brightwater", 1).await.unwrap()[0].id;
            let cedar = s.customers_matching("cedar", 1).await.unwrap()[0].id;
            let part = |seq: i64, on: &str| Installment { seq, due_on: d(on), amount: Money::usd(5_000_00) };
            let plan = NewPlan {
                customer_id: bright,
                total: Money::usd(20_000_00),
                created_by: "sam".into(),
                created_at: noon("2026-12-01"),
                note: None,
                installments: vec![
                    part(1, "2026-12-03"),
                    part(2, "2026-12-17"),
                    part(3, "2026-12-31"),
                    part(4, "2027-01-14"),
                ],
            };
            s.add_plan(&plan, &by()).await.unwrap();
            let cancelled = NewPlan {
                customer_id: cedar,
                total: Money::usd(2_975_00),
                installments: vec![Installment { seq: 1, due_on: d("2026-12-03"), amount: Money::usd(2_975_00) }],
                ..plan.clone()
            };
            let id = s.add_plan(&cancelled, &by()).await.unwrap().new_value().unwrap();
            s.cancel_plan(id, &by(), noon("2026-12-01")).await.unwrap();
            let note = |customer_id: i64, kind: &str, body: &str, author: &str, at: chrono::DateTime<Utc>| NewNote {
                customer_id,
                invoice_id: None,
                kind: kind.into(),
                body: body.into(),
                author: author.into(),
                created_at: at,
                follow_up_on: None,
                day_only: false,
            };
            for n in [
                note(
                    bright,
                    "email",
                    "Reminder (firm stage) emailed to ap@bw.com: $6,250.50 for #7731.",
                    "arbot",
                    noon("2026-12-01"),
                ),
                note(bright, "email", "Sent them the lien waiver.", "sam", noon("2026-12-01")),
                note(cedar, "call", "Spoke to AP.", "sam", Utc.with_ymd_and_hms(2026, 12, 2, 4, 30, 0).unwrap()),
                note(bright, "call", "Left a message.", "sam", noon("2026-11-30")),
            ] {
                s.add_note(&n, &by()).await.unwrap();
            }
        });
        let app = app_on(&db, "2026-12-01");
        let r = rt.block_on(arbot::commands::build_cash(&app, None)).unwrap();
        let [w7, w30] = &r.windows[..] else { panic!("{name}: two windows") };
        // The first installment is kept: nothing of the plan by Dec 8. Brightwater's invoices are
        // under the plan, so only Cedar Ridge's #8810 falls due ($991.67 as weighted).
        assert!(w7.installments.is_empty(), "{name}: {:?}", w7.installments);
        assert_eq!((w7.invoices_due, w7.invoices_count, w7.invoices_weighted), (2_975_00, 1, 991_67), "{name}");
        assert_eq!(w7.expected(), 4_000_00 + 991_67, "{name}");
        // By Dec 31: $2,000 left of the second, the whole third; not the fourth.
        let parts: Vec<(i64, NaiveDate, i64)> = w30.installments.iter().map(|i| (i.seq, i.due_on, i.amount)).collect();
        assert_eq!(parts, vec![(2, d("2026-12-17"), 2_000_00), (3, d("2026-12-31"), 5_000_00)], "{name}");
        assert_eq!(w30.planned, 7_000_00, "{name}");
        assert_eq!((w30.invoices_due, w30.invoices_count, w30.invoices_weighted), (2_975_00, 1, 2_975_00), "{name}");
        assert_eq!(w30.expected(), 4_000_00 + 7_000_00 + 2_975_00, "{name}");
        assert_eq!(r.requested.reminders_sent, vec![("Brightwater Construction Co".to_string(), 1)], "{name}");
        assert_eq!(r.requested.calls_logged, vec![("Cedar Ridge Developers".to_string(), 1)], "{name}");

        let text = answer(&rt, &app, "/report cash").unwrap();
        for want in [
            "Expected next 30 days (to Dec 31): $13,975.00",
            "Plan installments $7,000.00 (2)",
            "• Brightwater Construction Co — $2.0k by Dec 17, 2 of 4",
            "• Brightwater Construction Co — $5.0k by Dec 31, 3 of 4",
            "1 promise logged ($4.0k), 1 reminder emailed (Brightwater Construction Co), 1 call logged (Cedar Ridge \
             Developers)",
        ] {
            assert!(text.contains(want), "{name}: wanted {want:?} in\n{text}");
        }

        // The day before, the plan was not agreed yet and nothing was requested.
        let r = rt.block_on(arbot::commands::build_cash(&app, Some(d("2026-11-30")))).unwrap();
        assert!(r.windows.iter().all(|w| w.installments.is_empty()), "{name}");
        assert_eq!(r.requested.calls_logged, vec![("Brightwater Construction Co".to_string(), 1)], "{name}");
        assert!(r.requested.reminders_sent.is_empty(), "{name}");
        rt.block_on(db.close());
    }
}

/// The daily aging snapshot: today's taken once, the missing days of the last five weeks rebuilt
/// from the ledger (marked so), and a payment backdated afterwards does not rewrite a kept day.
#[test]
fn aging_snapshots_keep_what_was_known_each_day() {
    use arbot_core::aging::{GroupBy, aging};
    use arbot_core::snapshots::{CATCH_UP_DAYS, compute, on_day, take_and_catch_up};
    use arbot_core::store::OpenItemsQuery;
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let name = db.name;
        let app = app_on(&db, "2026-12-01");
        let s = db.store.as_ref();
        let cfg = app.config.aging.clone();
        let usd = Currency::USD;
        let now = noon("2026-12-01");
        rt.block_on(async {
            let taken = take_and_catch_up(s, d("2026-12-01"), &cfg, usd, now).await.unwrap();
            assert!(taken.today, "{name}");
            assert_eq!(taken.rebuilt, CATCH_UP_DAYS as usize, "{name}");
            // Twice is once.
            let again = take_and_catch_up(s, d("2026-12-01"), &cfg, usd, now).await.unwrap();
            assert_eq!((again.today, again.rebuilt), (false, 0), "{name}");
            let days = s.snapshot_days(d("2026-10-01"), d("2026-12-31")).await.unwrap();
            assert_eq!(days.len(), CATCH_UP_DAYS as usize + 1, "{name}");
            assert_eq!(days.last().copied(), Some((d("2026-12-01"), false)), "{name}");
            assert!(days[..days.len() - 1].iter().all(|(_, rebuilt)| *rebuilt), "{name}");

            // Today's snapshot is the aging report of the day, row for row.
            let open = s.open_items(OpenItemsQuery { as_of: d("2026-12-01"), customer_id: None, historical: false });
            let open = open.await.unwrap();
            let snap = s.snapshot(d("2026-12-01")).await.unwrap().unwrap();
            for by in [GroupBy::Customer, GroupBy::Job, GroupBy::Pm] {
                let report = aging(&open, d("2026-12-01"), &cfg, by, usd);
                let kept: Vec<_> = snap.rows_by(by).cloned().collect();
                let mut want = report.rows.clone();
                want.sort_by(|a, b| a.label.cmp(&b.label));
                assert_eq!(kept, want, "{name}: {by:?}");
            }
            assert_eq!(snap.labels, cfg.labels(), "{name}");
            let total: i64 = snap.rows_by(GroupBy::Customer).map(|r| r.total).sum();
            // USD open: 7725 $2,000 + 7731 + 7740 + 8810 + 8812.
            assert_eq!(total, 2_000_00 + 6_250_50 + 10_000_00 + 2_975_00 + 4_000_00, "{name}");

            // Nov 24 as kept (rebuilt, as it stood at the end of that day).
            let nov24 = s.snapshot(d("2026-11-24")).await.unwrap().unwrap();
            let bright = |snap: &arbot_core::snapshots::Snapshot| {
                snap.rows_by(GroupBy::Customer).find(|r| r.label == "Brightwater Construction Co").map(|r| r.total)
            };
            let kept = bright(&nov24);
            assert!(nov24.rebuilt, "{name}");

            // A payment backdated to Nov 20 arrives afterwards: the kept day stays as it was.
            let run = s.start_sync_run("qb", Utc::now()).await.unwrap();
            let late = payment("p10", "c1", "2026-11-20", usd, 0, &[("i7731", 1_000_00)]);
            let mut paid = invoice("i7731", "c1", Some("j1"), 6_250_50, 5_250_50, "2026-12-05");
            if let Record::Invoice(i) = &mut paid {
                i.version.seq = 1;
            }
            s.apply_page(run, "qb", Entity::Invoice, &[paid, late], None).await.unwrap();
            let after = on_day(s, d("2026-11-24"), d("2026-12-01"), &cfg, usd, now).await.unwrap();
            assert_eq!(bright(&after), kept, "{name}: the snapshot is not rewritten");
            // While the ledger, read again for that day, now has the payment.
            let now_known = compute(s, d("2026-11-24"), d("2026-12-01"), &cfg, usd, now).await.unwrap();
            assert_eq!(bright(&now_known), kept.map(|k| k - 1_000_00), "{name}");
            // A day never kept is rebuilt on the fly from the ledger as it is now, and says so.
            let fresh = on_day(s, d("2026-10-01"), d("2026-12-01"), &cfg, usd, now).await.unwrap();
            assert!(fresh.rebuilt, "{name}");
            assert!(s.snapshot(d("2026-10-01")).await.unwrap().is_none(), "{name}: not stored");
        });
        rt.block_on(db.close());
    }
}

/// The digest's run takes the day's snapshot: once with two instances ticking together (the
/// missing five weeks rebuilt the first time), not again after a restart, and the next day's
/// once more.
#[test]
fn the_scheduler_takes_the_snapshot_once_a_day_across_instances_and_restarts() {
    use arbot::scheduler::Scheduler;
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let name = db.name;
        rt.block_on(async {
            let clock =
                arbot_core::ManualClock::new("2026-12-01T13:05:00Z".parse().unwrap(), chrono_tz::America::New_York);
            let app = App { clock: Arc::new(clock.clone()), ..app_on(&db, "2026-12-01") };
            let other_store = arbot_core::store::open(&db.url).await.unwrap();
            let other = App { store: other_store.clone(), ..app.clone() };
            let notify = Arc::new(tokio::sync::Notify::new());
            let a = Scheduler::new(app.clone(), "a", notify.clone()).unwrap();
            let b = Scheduler::new(other, "b", notify.clone()).unwrap();
            let (ra, rb) = tokio::join!(a.tick(), b.tick());
            let digests: Vec<_> = ra.iter().chain(rb.iter()).filter(|r| r.job == "digest").collect();
            assert_eq!(digests.len(), 1, "{name}: {ra:?} {rb:?}");
            assert!(
                digests[0]
                    .detail
                    .starts_with("aging snapshot taken, 35 missing day(s) rebuilt from the ledger; digest"),
                "{name}: {:?}",
                digests[0]
            );
            let days = |to: &str| {
                let s = app.store.clone();
                let to = d(to);
                async move { s.snapshot_days(d("2026-01-01"), to).await.unwrap() }
            };
            assert_eq!(days("2026-12-31").await.len(), 36, "{name}");

            // Restarted at 09:00: the day's digest (and snapshot) is not taken again.
            clock.set("2026-12-01T14:00:00Z".parse().unwrap());
            let restarted = Scheduler::new(app.clone(), "a2", notify.clone()).unwrap();
            let again = restarted.tick().await;
            assert!(again.iter().all(|r| r.job != "digest"), "{name}: {again:?}");
            assert_eq!(days("2026-12-31").await.len(), 36, "{name}");

            // The next morning, that day's only.
            clock.set("2026-12-02T13:05:00Z".parse().unwrap());
            let next = restarted.tick().await;
            let digest = next.iter().find(|r| r.job == "digest").unwrap();
            assert!(digest.detail.starts_with("aging snapshot taken; digest for 2026-12-02"), "{name}: {digest:?}");
            let all = days("2026-12-31").await;
            assert_eq!(all.len(), 37, "{name}");
            assert_eq!(all.last().copied(), Some((d("2026-12-02"), false)), "{name}");
            drop((a, b, restarted, other_store));
        });
        rt.block_on(db.close());
    }
}

/// The weekly report on Wed Dec 2: its figures are `/ar aging`'s and `/ar kpi`'s of the day;
/// Brightwater's #7725 (due Nov 1) moved from 1-30 into 31-60 days since a week before.
#[test]
fn the_weekly_report_agrees_with_aging_and_kpis_and_names_what_moved() {
    use arbot_core::snapshots::take_and_catch_up;
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let name = db.name;
        let app = app_on(&db, "2026-12-02");
        let s = db.store.as_ref();
        let cfg = app.config.aging.clone();
        // The Notices to Owner of Brightwater's jobs were served (else their passed deadlines
        // would come first).
        rt.block_on(serve_notices(s, &["sunport", "bayfront"]));
        // Snapshots of the last five weeks kept (rebuilt here, as on a first install).
        rt.block_on(take_and_catch_up(s, d("2026-12-02"), &cfg, Currency::USD, noon("2026-12-02"))).unwrap();
        let r = rt.block_on(arbot::commands::build_weekly(&app, None)).unwrap();
        let k = rt.block_on(arbot_core::kpi::kpis(s, d("2026-12-02"), false, Currency::USD)).unwrap();
        assert_eq!(r.kpis[0], k, "{name}: the KPIs are /ar kpi's");
        assert_eq!(r.aging[0].total, k.open_ar, "{name}");
        assert_eq!(r.aging[0].overdue_90, k.overdue_90, "{name}");
        assert_eq!(r.aging[0].total, 2_000_00 + 6_250_50 + 10_000_00 + 2_975_00 + 4_000_00, "{name}");
        assert_eq!((r.aging[1].day, r.aging[2].day), (d("2026-11-25"), d("2026-11-04")), "{name}");
        assert!(!r.aging[0].rebuilt && r.aging[1].rebuilt, "{name}");
        let moved: Vec<_> = r.moved.iter().map(|m| (m.name.as_str(), m.from.clone(), m.to.clone())).collect();
        assert_eq!(
            moved,
            vec![("Brightwater Construction Co", Some(cfg.labels()[1].clone()), cfg.labels()[2].clone())],
            "{name}"
        );
        assert_eq!(r.actions.len(), 1, "{name}: {:?}", r.actions);
        assert_eq!(
            (r.actions[0].name.as_str(), r.actions[0].rule),
            ("Brightwater Construction Co", arbot_core::weekly::rule::MOVED),
            "{name}"
        );

        let text = answer(&rt, &app, "/report weekly").unwrap();
        let aging = answer(&rt, &app, "/ar aging").unwrap();
        let kpi = answer(&rt, &app, "/ar kpi").unwrap();
        let open = app.money(k.open_ar).to_string();
        assert!(text.contains(&format!("Open {open}")) && aging.contains(&open), "{name}:\n{text}\n{aging}");
        let dso = format!("{:.0} days", k.dso.unwrap());
        assert!(text.contains(&format!("DSO (countback) {dso}")) && kpi.contains(&dso), "{name}:\n{text}\n{kpi}");
        assert!(text.contains("• Call Brightwater Construction Co's AP this week"), "{name}:\n{text}");
        assert!(
            text.contains("The snapshots of Nov 25 and Nov 4 were rebuilt from the ledger afterwards"),
            "{name}:\n{text}"
        );
        rt.block_on(db.close());
    }
}

/// The weekly report's workbook, read back: the six sheets; money as numbers (not text) equal to
/// the report's and to `/ar aging`'s of the same day, by customer and in total; dates as dates.
#[test]
fn the_weekly_workbook_reads_back_with_the_reports_and_the_agings_figures() {
    use arbot_core::aging::GroupBy;
    use calamine::{Data, DataType, Reader, Xlsx};
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let name = db.name;
        let app = app_on(&db, "2026-12-02");
        let s = db.store.as_ref();
        let cfg = app.config.aging.clone();
        rt.block_on(arbot_core::snapshots::take_and_catch_up(
            s,
            d("2026-12-02"),
            &cfg,
            Currency::USD,
            noon("2026-12-02"),
        ))
        .unwrap();
        let r = rt.block_on(arbot::commands::build_weekly(&app, None)).unwrap();
        let reply = arbot::commands::weekly_reply(&app, &r);
        let names: Vec<&str> = reply.attachments.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names[0], "weekly-ar-2026-12-02.xlsx", "{name}: the workbook first, then the charts");
        let bytes = reply.attachments[0].content.clone();
        let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(
            wb.sheet_names(),
            ["Summary", "Aging by customer", "By job", "By PM", "Risks", "Actions", "Paying slower"],
            "{name}"
        );
        let dollars = |minor: i64| Data::Float(minor as f64 / 100.0);

        let summary = wb.worksheet_range("Summary").unwrap();
        let days: Vec<_> = (1..4).map(|c| summary.get((0, c)).and_then(|v| v.as_date())).collect();
        assert_eq!(days, [Some(d("2026-12-02")), Some(d("2026-11-25")), Some(d("2026-11-04"))], "{name}");
        assert_eq!(summary.get((1, 0)), Some(&Data::String("Open".into())), "{name}");
        for (c, p) in r.aging.iter().enumerate() {
            assert_eq!(summary.get((1, c + 1)), Some(&dollars(p.total)), "{name}: open, column {c}");
            assert_eq!(summary.get((4, c + 1)), Some(&dollars(p.overdue_90)), "{name}: over 90, column {c}");
        }

        // By customer, by job and by PM: each row and the total are /ar aging's of the day, grouped
        // the same way.
        for (sheet_name, by) in
            [("Aging by customer", GroupBy::Customer), ("By job", GroupBy::Job), ("By PM", GroupBy::Pm)]
        {
            let aging = rt.block_on(arbot::commands::load_aging(&app, d("2026-12-02"), by, cfg.basis)).unwrap();
            let sheet = wb.worksheet_range(sheet_name).unwrap();
            let open_col = 2 + r.labels.len();
            assert_eq!(sheet.get((0, open_col)), Some(&Data::String("Open".into())), "{name}: {sheet_name}");
            assert_eq!(sheet.height(), aging.rows.len() + 1, "{name}: {sheet_name}");
            assert!(!aging.rows.is_empty(), "{name}: {sheet_name} has rows to compare");
            let mut total = 0.0;
            for row in &aging.rows {
                let y = (1..sheet.height())
                    .find(|&y| sheet.get((y, 0)) == Some(&Data::String(row.label.clone())))
                    .unwrap_or_else(|| panic!("{name}: {} not in {sheet_name}", row.label));
                assert_eq!(sheet.get((y, open_col)), Some(&dollars(row.total)), "{name}: {sheet_name} {}", row.label);
                assert_eq!(sheet.get((y, 1 + r.labels.len())), Some(&dollars(row.retainage)), "{name}: {}", row.label);
                for (b, v) in row.buckets.iter().enumerate() {
                    assert_eq!(
                        sheet.get((y, 1 + b)),
                        Some(&dollars(*v)),
                        "{name}: {sheet_name} {} bucket {b}",
                        row.label
                    );
                }
                total += sheet.get((y, open_col)).and_then(|v| v.get_float()).unwrap();
            }
            assert!((total - aging.totals.total as f64 / 100.0).abs() < 0.005, "{name}: {sheet_name} {total}");
        }

        let actions = wb.worksheet_range("Actions").unwrap();
        assert_eq!(actions.height(), r.actions.len() + 1, "{name}");
        assert_eq!(
            actions.get((1, 0)),
            Some(&Data::String(arbot::commands::weekly_action_text(&r.actions[0]))),
            "{name}"
        );
        rt.block_on(db.close());
    }
}

/// Decodes a PNG: its width, height and RGB pixels.
fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("a buffer size")];
    let info = reader.next_frame(&mut buf).expect("the whole image decodes");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// The weekly report's charts: three PNGs after the workbook, named by the day, each decoding
/// to 1200x600 and drawn on (the bars' colour is in them). The figures behind them are the
/// report's: 12 weeks a week apart ending on the day; the last week's aging is `/ar aging`'s
/// and its DSO `/ar kpi`'s; a week before and four weeks before are the report's own columns
/// (from their snapshots); a week older than the kept snapshots is rebuilt from the ledger and
/// says so; the top-overdue bars are the largest risks' accounts with money past due.
#[test]
fn the_weekly_charts_decode_to_their_size_and_draw_the_reports_figures() {
    use arbot_core::aging::GroupBy;
    use arbot_core::weekly::TREND_WEEKS;
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let name = db.name;
        let app = app_on(&db, "2026-12-02");
        let s = db.store.as_ref();
        let cfg = app.config.aging.clone();
        let today = d("2026-12-02");
        rt.block_on(arbot_core::snapshots::take_and_catch_up(s, today, &cfg, Currency::USD, noon("2026-12-02")))
            .unwrap();
        let r = rt.block_on(arbot::commands::build_weekly(&app, None)).unwrap();
        let reply = arbot::commands::weekly_reply(&app, &r);
        let names: Vec<&str> = reply.attachments.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "weekly-ar-2026-12-02.xlsx",
                "weekly-ar-2026-12-02-aging.png",
                "weekly-ar-2026-12-02-dso.png",
                "weekly-ar-2026-12-02-top-overdue.png"
            ],
            "{name}"
        );
        for a in &reply.attachments[1..] {
            let (w, h, rgb) = decode_png(&a.content);
            assert_eq!((w, h), (1200, 600), "{name}: {}", a.name);
            // The bars' and the line's blue (the current bucket's) is drawn in every chart but
            // the top-overdue one, whose bars are the past-due red.
            let colour: [u8; 3] = if a.name.ends_with("top-overdue.png") { [218, 82, 56] } else { [78, 140, 196] };
            let drawn = rgb.chunks_exact(3).filter(|p| *p == colour).count();
            assert!(drawn > 500, "{name}: {} has {drawn} pixels of {colour:?}", a.name);
        }

        // The weeks: 12, a week apart, the last the day.
        assert_eq!(r.trend.len(), TREND_WEEKS, "{name}");
        for (i, w) in r.trend.iter().enumerate() {
            let back = 7 * (TREND_WEEKS - 1 - i) as u64;
            assert_eq!(w.aging.day, today - chrono::Days::new(back), "{name}: week {i}");
        }
        let last = &r.trend[TREND_WEEKS - 1];
        assert_eq!(last.aging, r.aging[0], "{name}: the last week is the report's day");
        assert_eq!(r.trend[TREND_WEEKS - 2].aging, r.aging[1], "{name}: a week before");
        assert_eq!(r.trend[TREND_WEEKS - 5].aging, r.aging[2], "{name}: four weeks before");
        assert_eq!(last.dso, r.kpis[0].dso, "{name}");
        assert_eq!(r.trend[TREND_WEEKS - 2].dso, r.kpis[1].dso, "{name}");
        assert!(last.dso.is_some(), "{name}: a DSO to draw");
        let aging = rt.block_on(arbot::commands::load_aging(&app, today, GroupBy::Customer, cfg.basis)).unwrap();
        assert_eq!(last.aging.buckets, aging.totals.buckets, "{name}: the last week's buckets are /ar aging's");
        assert_eq!(last.aging.total, aging.totals.total, "{name}");
        assert!(!last.aging.rebuilt, "{name}");
        // Eleven weeks back is older than the snapshots kept: rebuilt from the ledger, and its
        // figures are the ledger's of that day.
        let first = &r.trend[0];
        assert!(first.aging.rebuilt, "{name}");
        let then =
            rt.block_on(arbot::commands::load_aging(&app, first.aging.day, GroupBy::Customer, cfg.basis)).unwrap();
        assert_eq!(first.aging.buckets, then.totals.buckets, "{name}: {}", first.aging.day);
        let k = rt.block_on(arbot_core::kpi::kpis(s, first.aging.day, true, Currency::USD)).unwrap();
        assert_eq!(first.dso, k.dso, "{name}");
        // The same trend from core on its own.
        let alone = rt
            .block_on(arbot_core::weekly::trend(s, today, today, TREND_WEEKS, &cfg, Currency::USD, noon("2026-12-02")))
            .unwrap();
        assert_eq!(alone, r.trend, "{name}");

        // The top-overdue bars: the largest risks with money past due, in their order.
        let bars: Vec<&str> = r.top_overdue(10).iter().map(|x| x.label.as_str()).collect();
        let risks: Vec<&str> = r.risks.iter().filter(|x| x.overdue > 0).map(|x| x.name.as_str()).collect();
        assert!(!bars.is_empty(), "{name}");
        assert_eq!(bars, risks, "{name}");
        rt.block_on(db.close());
    }
}

/// Records the Notice to Owner as served on Mar 20 on the jobs whose names contain these words.
async fn serve_notices(s: &dyn arbot_core::Store, jobs: &[&str]) {
    use arbot_core::collections::JobNotice;
    for needle in jobs {
        for j in s.jobs(Some(needle)).await.unwrap() {
            let notice = JobNotice {
                id: 0,
                job_id: j.job.id,
                kind: "notice_to_owner".into(),
                served_on: d("2026-03-20"),
                tracking: None,
                recorded_by: "sam".into(),
                recorded_at: noon("2026-03-20"),
            };
            s.add_job_notice(&notice, &by()).await.unwrap();
        }
    }
}

/// On top of the ledger, by Wed Dec 2: Ridgeline Mechanical (a sub; we are its sub-sub on Palm
/// Court, whose GC is Coastal Builders Inc) owes $30,000 due Oct 28 and $5,000 due Nov 20 that it
/// disputes, broke promises of $10,000 for Nov 13 and Nov 27, and was last called on Nov 10.
/// Seaport Glass owes $8,000 not yet due on Harbor Point Tower (Florida, first furnished Oct 24,
/// no GC on record), whose Notice to Owner is due Dec 8 and not served. Osprey Roofing (a GC)
/// owes $3,000 due Nov 12 on no job and was never contacted.
async fn risky_ledger(s: &dyn arbot_core::Store) {
    use arbot_core::collections::NewDispute;
    serve_notices(s, &["sunport", "bayfront"]).await;
    let kind = |mut r: Record, k: CustomerKind| {
        if let Record::Customer(c) = &mut r {
            c.kind = k;
        }
        r
    };
    let mut palm = job("j4", "c4", "Palm Court Residences");
    if let Record::Job(j) = &mut palm {
        j.role = Some(OurRole::SubSub);
        j.gc_name = Some("Coastal Builders Inc".into());
        j.first_furnished = Some(d("2026-08-03"));
    }
    let mut harbor = job("j5", "c5", "Harbor Point Tower");
    if let Record::Job(j) = &mut harbor {
        j.first_furnished = Some(d("2026-10-24"));
    }
    let records = vec![
        kind(customer("c4", "Ridgeline Mechanical"), CustomerKind::Other),
        kind(customer("c5", "Seaport Glass"), CustomerKind::Other),
        customer("c6", "Osprey Roofing"),
        palm,
        harbor,
        invoice("i4001", "c4", Some("j4"), 30_000_00, 30_000_00, "2026-10-28"),
        invoice("i4002", "c4", Some("j4"), 5_000_00, 5_000_00, "2026-11-20"),
        invoice("i5001", "c5", Some("j5"), 8_000_00, 8_000_00, "2026-12-20"),
        invoice("i6001", "c6", None, 3_000_00, 3_000_00, "2026-11-12"),
    ];
    let run = s.start_sync_run("qb", Utc::now()).await.unwrap();
    s.apply_page(run, "qb", Entity::Invoice, &records, None).await.unwrap();
    serve_notices(s, &["palm court"]).await;
    let ridgeline = s.customers_matching("ridgeline", 1).await.unwrap()[0].id;
    for (on, logged) in [("2026-11-13", "2026-11-06"), ("2026-11-27", "2026-11-16")] {
        let p = NewPromise {
            customer_id: ridgeline,
            amount: Money::usd(10_000_00),
            promised_for: d(on),
            created_by: "sam".into(),
            created_at: noon(logged),
            invoice_ids: vec![],
            note: None,
            day_only: false,
        };
        s.add_promise(&p, &by()).await.unwrap();
    }
    let call = NewNote {
        customer_id: ridgeline,
        invoice_id: None,
        kind: "call".into(),
        body: "AP says the check is being cut.".into(),
        author: "sam".into(),
        created_at: noon("2026-11-10"),
        follow_up_on: None,
        day_only: false,
    };
    s.add_note(&call, &by()).await.unwrap();
    let i4002 = s.invoices_numbered("4002").await.unwrap()[0].id;
    let dispute = NewDispute {
        invoice_id: i4002,
        reason: "pricing".into(),
        detail: None,
        opened_by: "sam".into(),
        opened_at: noon("2026-11-25"),
    };
    s.open_dispute(&dispute, &by()).await.unwrap();
}

/// The weekly report's risks beyond size and age (broken promises, silence, disputes, a lien
/// deadline with money owed), the promises-kept rate and its trend, the past due with the disputed
/// money apart as `/ar aging` shows it, by GC, and the actions the written rules choose from them.
#[test]
fn the_weekly_report_weighs_broken_promises_silence_disputes_and_lien_deadlines() {
    use arbot_core::snapshots::take_and_catch_up;
    use arbot_core::weekly::rule;
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let name = db.name;
        let app = app_on(&db, "2026-12-02");
        let s = db.store.as_ref();
        rt.block_on(risky_ledger(s));
        let cfg = app.config.aging.clone();
        rt.block_on(take_and_catch_up(s, d("2026-12-02"), &cfg, Currency::USD, noon("2026-12-02"))).unwrap();
        let r = rt.block_on(arbot::commands::build_weekly(&app, None)).unwrap();

        // Past due with the disputed money apart, as the aging has it.
        let now = &r.aging[0];
        assert_eq!(now.total, 25_225_50 + 30_000_00 + 5_000_00 + 8_000_00 + 3_000_00, "{name}");
        assert_eq!((now.collectible_overdue(), now.disputed, now.disputed_overdue), (35_000_00, 5_000_00, 5_000_00));
        // Promises whose day fell in the 30 days before: Cedar Ridge kept 1 and broke 1, Ridgeline
        // broke 2 (a week before, its Nov 27 promise was still to come); none four weeks before.
        let kept: Vec<(u32, u32)> = r.promises.iter().map(|p| (p.kept, p.broken)).collect();
        assert_eq!(kept, [(1, 3), (1, 2), (0, 0)], "{name}");

        let risk = |who: &str| r.risks.iter().find(|x| x.name == who).unwrap_or_else(|| panic!("{name}: {who}"));
        let ridgeline = risk("Ridgeline Mechanical");
        assert_eq!((ridgeline.broken_promises, ridgeline.last_contact_days), (2, Some(22)), "{name}");
        assert_eq!(ridgeline.collectible_overdue(), 30_000_00, "{name}");
        assert_eq!(risk("Osprey Roofing").last_contact_days, None, "{name}");
        let seaport = risk("Seaport Glass");
        assert_eq!(seaport.overdue, 0, "{name}: a risk for its lien deadline alone");
        assert_eq!(
            seaport.liens.iter().map(|a| (a.document.as_str(), a.due, a.unpaid)).collect::<Vec<_>>(),
            [("Notice to Owner", d("2026-12-08"), 8_000_00)],
            "{name}"
        );
        assert!(r.risks.iter().all(|x| x.name != "Cedar Ridge Developers"), "{name}: nothing past due, no deadline");
        let order: Vec<&str> = r.risks.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(
            order,
            ["Ridgeline Mechanical", "Osprey Roofing", "Brightwater Construction Co", "Seaport Glass"],
            "{name}: by past due"
        );

        let actions: Vec<(&str, usize, &str)> =
            r.actions.iter().map(|a| (a.name.as_str(), a.rule, a.why.as_str())).collect();
        assert_eq!(
            actions,
            [
                (
                    "Seaport Glass",
                    rule::LIEN_SOON,
                    "FL Notice to Owner on Harbor Point Tower due Dec 8, $8.0k owed on the job"
                ),
                ("Ridgeline Mechanical", rule::BROKEN_AGAIN, "second broken promise"),
                ("Brightwater Construction Co", rule::MOVED, "moved from 1-30 into 31-60 this week"),
                ("Osprey Roofing", rule::SILENT, "no contact logged in 90 days"),
            ],
            "{name}"
        );

        let gcs: Vec<(Option<&str>, i64, usize, bool)> =
            r.by_gc.iter().map(|g| (g.gc.as_deref(), g.total, g.jobs, g.no_job)).collect();
        assert_eq!(
            gcs,
            [
                (Some("Coastal Builders Inc"), 35_000_00, 1, false),
                (Some("Brightwater Construction Co"), 18_250_50, 2, false),
                (Some("Cedar Ridge Developers"), 6_975_00, 0, true),
                (Some("Osprey Roofing"), 3_000_00, 0, true),
                (None, 8_000_00, 1, false),
            ],
            "{name}: the GC named on the job, else the customer when it is a GC"
        );

        let text = answer(&rt, &app, "/report weekly").unwrap();
        let aging = answer(&rt, &app, "/ar aging").unwrap();
        assert!(aging.contains("overdue $35.0k · in dispute $5.0k"), "{name}:\n{aging}");
        for want in [
            "Open $71,225.50 · past due $35,000.00 · in dispute $5,000.00 (in the buckets; /ar disputes)",
            "Promises kept 1 of 4 (25%) · 1 of 3 (33%) · none due (of those due in the 30 days before)",
            "• Ridgeline Mechanical — $30.0k past due (and $5.0k in dispute): past due 35 days at the oldest; $5.0k in \
             dispute ($5.0k of it past due); 2 broken promises in 90 days (the latest $10.0k for Nov 27); no contact \
             logged in 22 days; moved into a worse bucket this week",
            "• Osprey Roofing — $3.0k past due: past due 20 days at the oldest; no contact logged in the 90 days before",
            "• Seaport Glass — $8.0k open, none past due: FL Notice to Owner on Harbor Point Tower due Dec 8, $8.0k \
             owed on the job",
            "• Meet Seaport Glass' lien deadline (serve or record it, or get paid): FL Notice to Owner on Harbor Point \
             Tower due Dec 8, $8.0k owed on the job",
            "• Escalate Ridgeline Mechanical to the manager: second broken promise, $30.0k past due, 35 days",
            "• Call Brightwater Construction Co's AP this week: moved from 1-30 into 31-60 this week, $2.0k past due, \
             31 days",
            "• Call Osprey Roofing's AP this week: no contact logged in 90 days, $3.0k past due, 20 days",
            "• Coastal Builders Inc — open $35.0k, past due $30.0k, in dispute $5.0k, over 90 $0 (1 job)",
            "• Brightwater Construction Co — open $18.3k, past due $2.0k, over 90 $0 (2 jobs)",
            "• Cedar Ridge Developers — open $7.0k, past due $0, over 90 $0 (invoices on no job)",
            "• no GC on record — open $8.0k, past due $0, over 90 $0 (1 job)",
        ] {
            assert!(text.contains(want), "{name}: wanted {want:?} in\n{text}");
        }

        // Once Ridgeline's dispute is settled and Seaport's notice served, the rules move on.
        rt.block_on(async {
            let i4002 = s.invoices_numbered("4002").await.unwrap()[0].id;
            s.resolve_dispute(i4002, "upheld", None, &by(), noon("2026-12-02")).await.unwrap();
            serve_notices(s, &["harbor point"]).await;
        });
        let r = rt.block_on(arbot::commands::build_weekly(&app, None)).unwrap();
        assert_eq!(r.aging[0].disputed, 0, "{name}");
        assert!(r.actions.iter().all(|a| a.name != "Seaport Glass"), "{name}: {:?}", r.actions);
        assert!(r.risks.iter().all(|x| x.name != "Seaport Glass"), "{name}");
        rt.block_on(db.close());
    }
}

/// The Monday report goes out once: two schedulers ticking together at 08:30 on Mon Dec 7 queue
/// it once, a restart that morning does not queue it again, Tuesday has none, and the next Monday
/// has its own.
#[test]
fn the_weekly_report_is_queued_once_on_monday_across_instances_and_restarts() {
    use arbot::scheduler::Scheduler;
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let name = db.name;
        rt.block_on(async {
            let clock =
                arbot_core::ManualClock::new("2026-12-07T13:29:00Z".parse().unwrap(), chrono_tz::America::New_York);
            let app = App { clock: Arc::new(clock.clone()), ..app_on(&db, "2026-12-07") };
            let other_store = arbot_core::store::open(&db.url).await.unwrap();
            let other = App { store: other_store.clone(), ..app.clone() };
            let notify = Arc::new(tokio::sync::Notify::new());
            let weekly = |r: &[arbot::scheduler::RunReport]| -> Vec<String> {
                r.iter().filter(|r| r.job == "weekly_report").map(|r| r.detail.clone()).collect()
            };
            let a = Scheduler::new(app.clone(), "a", notify.clone()).unwrap();
            let b = Scheduler::new(other, "b", notify.clone()).unwrap();
            // 08:29: not yet.
            let (ra, rb) = tokio::join!(a.tick(), b.tick());
            assert!(weekly(&ra).is_empty() && weekly(&rb).is_empty(), "{name}: {ra:?} {rb:?}");
            assert_eq!(app.store.outbox_status("weekly:2026-12-07").await.unwrap(), None, "{name}");

            clock.set("2026-12-07T13:30:02Z".parse().unwrap());
            let (ra, rb) = tokio::join!(a.tick(), b.tick());
            let ran: Vec<String> = weekly(&ra).into_iter().chain(weekly(&rb)).collect();
            assert_eq!(ran, ["weekly report for 2026-12-07 queued"], "{name}");
            let (status, _) = app.store.outbox_status("weekly:2026-12-07").await.unwrap().unwrap();
            assert_eq!(status, "pending", "{name}");

            // Restarted at 09:15: not again.
            clock.set("2026-12-07T14:15:00Z".parse().unwrap());
            let restarted = Scheduler::new(app.clone(), "a2", notify.clone()).unwrap();
            assert!(weekly(&restarted.tick().await).is_empty(), "{name}");
            let runs = app.store.runs("weekly_report", 10).await.unwrap();
            assert_eq!(runs.len(), 1, "{name}: {runs:?}");

            // Tuesday: none. The next Monday: its own, once.
            clock.set("2026-12-08T13:31:00Z".parse().unwrap());
            assert!(weekly(&restarted.tick().await).is_empty(), "{name}");
            clock.set("2026-12-14T13:31:00Z".parse().unwrap());
            assert_eq!(weekly(&restarted.tick().await), ["weekly report for 2026-12-14 queued"], "{name}");
            assert!(weekly(&restarted.tick().await).is_empty(), "{name}");
            assert_eq!(app.store.runs("weekly_report", 10).await.unwrap().len(), 2, "{name}");
            drop((a, b, restarted, other_store));
        });
        rt.block_on(db.close());
    }
}

/// The post queued under `key`, as its JSON payload (claimed, as the dispatcher would).
fn viewer() -> arbot::roles::Actor {
    arbot::roles::Actor { id: "v1".into(), name: "val".into(), roles: vec![arbot::roles::Role::Viewer] }
}

async fn queued_post(app: &App, key: &str) -> String {
    let now = app.clock.now();
    let items = app.store.claim_outbox("test", now, now - chrono::Duration::hours(1), 100).await.unwrap();
    items.into_iter().find(|i| i.key == key).map(|i| i.payload).unwrap_or_else(|| panic!("nothing queued as {key}"))
}

/// A KPI guardrail on a pinned clock: Osprey Roofing's $5,000 due Aug 20 passes 90 days past due
/// on Nov 19, so on Wed Dec 2 the 90+ share is 71.4% against the 10% target. Two instances
/// checking together post it once, with the account that moved it and its PM; a restart and the
/// next day (still above) post nothing; Osprey pays on Dec 3, and on Dec 4 the recovery is posted
/// once, with what moved it back since the day it crossed, even though an instance had queued it
/// and died before recording it.
#[test]
fn a_kpi_guardrail_is_posted_once_when_it_crosses_and_once_when_it_recovers() {
    use arbot::scheduler::{RunReport, Scheduler};
    use arbot_core::guardrails::{GuardrailState, Limits};
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let name = db.name;
        rt.block_on(async {
            let s = db.store.as_ref();
            let run = s.start_sync_run("qb", Utc::now()).await.unwrap();
            let osprey =
                [customer("c6", "Osprey Roofing"), invoice("i6002", "c6", None, 5_000_00, 5_000_00, "2026-08-20")];
            s.apply_page(run, "qb", Entity::Invoice, &osprey, None).await.unwrap();
            let clock =
                arbot_core::ManualClock::new("2026-12-02T13:15:30Z".parse().unwrap(), chrono_tz::America::New_York);
            let mut config = Config::default();
            // Only the 90+ share is watched here: the other two cannot breach.
            config.kpi_guardrails.limits = Limits { over_90_target: 10.0, dso_rise_days: 365.0, cei_floor: 0.0 };
            let app = App { clock: Arc::new(clock.clone()), config, ..app_on(&db, "2026-12-02") };
            let other_store = arbot_core::store::open(&db.url).await.unwrap();
            let other = App { store: other_store.clone(), ..app.clone() };
            let notify = Arc::new(tokio::sync::Notify::new());
            let guard = |r: &[RunReport]| -> Vec<String> {
                r.iter().filter(|r| r.job == "kpi_guardrails").map(|r| r.detail.clone()).collect()
            };
            let a = Scheduler::new(app.clone(), "a", notify.clone()).unwrap();
            let b = Scheduler::new(other, "b", notify.clone()).unwrap();
            let (ra, rb) = tokio::join!(a.tick(), b.tick());
            let ran: Vec<String> = guard(&ra).into_iter().chain(guard(&rb)).collect();
            assert_eq!(ran, ["over_90_share crossed, queued"], "{name}");
            let state = |breached: bool, seq: i64, on: &str| GuardrailState {
                guardrail: "over_90_share".into(),
                breached,
                seq,
                changed_on: d(on),
            };
            assert_eq!(s.guardrail_states().await.unwrap(), [state(true, 1, "2026-12-02")], "{name}");
            let posted = queued_post(&app, "guardrail:over_90_share:1").await;
            for want in [
                "KPI guardrail crossed: 90+ share 71.4% (target under 10%)",
                "What moved it: over 90 days, Nov 4 → Dec 2.",
                "• Osprey Roofing (maria) — $0 → $5.0k over 90 days",
                "• maria — $0 → $5.0k over 90 days",
                "By GC",
                "• Osprey Roofing — $0 → $5.0k over 90 days",
            ] {
                assert!(posted.contains(want), "{name}: wanted {want:?} in {posted}");
            }

            // On demand: where it stands, since when, and what holds it there; nothing recorded.
            let status = arbot::commands::run_line(&app, "/report guardrails", viewer()).await;
            let text = format!("{}\n{:?}", status.lines.join("\n"), status.fields);
            for want in [
                "⚠ 90+ share 71.4% (target under 10%): over its target since Dec 2 (posted then).",
                "✓ CEI",
                "Most over 90 days now (90+ share)",
                "• Osprey Roofing — $5.0k over 90 days ($5.0k on Dec 2)",
            ] {
                assert!(text.contains(want), "{name}: wanted {want:?} in {text}");
            }
            assert_eq!(s.guardrail_states().await.unwrap(), [state(true, 1, "2026-12-02")], "{name}");

            // Restarted that morning: not again. The next day it is still above: nothing new.
            clock.set("2026-12-02T14:00:00Z".parse().unwrap());
            let restarted = Scheduler::new(app.clone(), "a2", notify.clone()).unwrap();
            assert!(guard(&restarted.tick().await).is_empty(), "{name}");
            clock.set("2026-12-03T13:15:30Z".parse().unwrap());
            let next = guard(&restarted.tick().await);
            assert_eq!(next.len(), 1, "{name}: {next:?}");
            assert!(next[0].starts_with("no guardrail crossed or recovered (90+ share 71.4%"), "{name}: {next:?}");
            assert_eq!(s.guardrail_states().await.unwrap(), [state(true, 1, "2026-12-02")], "{name}");
            assert_eq!(app.store.outbox_status("guardrail:over_90_share:2").await.unwrap(), None, "{name}");

            // Osprey pays on Dec 3; on Dec 4 the share is back under: posted once.
            let run = s.start_sync_run("qb", Utc::now()).await.unwrap();
            let mut paid = invoice("i6002", "c6", None, 5_000_00, 0, "2026-08-20");
            if let Record::Invoice(i) = &mut paid {
                i.version.seq = 1;
            }
            let pay = payment("p11", "c6", "2026-12-03", Currency::USD, 0, &[("i6002", 5_000_00)]);
            s.apply_page(run, "qb", Entity::Invoice, &[paid, pay], None).await.unwrap();
            clock.set("2026-12-04T13:15:30Z".parse().unwrap());
            // An instance found the recovery and queued its post, then died before recording it.
            let found = arbot_core::guardrails::pending(
                s,
                d("2026-12-04"),
                &app.config.aging,
                Currency::USD,
                app.clock.now(),
                &app.config.kpi_guardrails.limits,
            )
            .await
            .unwrap();
            let [t] = &found.transitions[..] else { panic!("{name}: {found:?}") };
            assert_eq!((t.key().as_str(), t.crossed), ("guardrail:over_90_share:2", false), "{name}");
            let post = arbot::chat::Post::of(arbot::guardrails::transition_reply(&app, t));
            let key = t.key();
            let queued = arbot::outbox::enqueue_post(&app, &key, arbot::outbox::Destination::ArChannel, post);
            assert!(queued.await.unwrap(), "{name}");
            // The scheduled check finds it again, under the same key: recorded, not queued twice.
            let b = Scheduler::new(App { store: other_store.clone(), ..app.clone() }, "b2", notify.clone()).unwrap();
            let (ra, rb) = tokio::join!(restarted.tick(), b.tick());
            let ran: Vec<String> = guard(&ra).into_iter().chain(guard(&rb)).collect();
            assert_eq!(ran, ["over_90_share recovered, already queued"], "{name}");
            assert_eq!(s.guardrail_states().await.unwrap(), [state(false, 2, "2026-12-04")], "{name}");
            let posted = queued_post(&app, "guardrail:over_90_share:2").await;
            for want in [
                "KPI guardrail recovered: 90+ share 0.0% (target under 10%)",
                "Back within its limit. What moved it back: over 90 days, Dec 2 (when it crossed) → Dec 4.",
                "• Osprey Roofing (maria) — $5.0k → $0 over 90 days",
                "• maria — $5.0k → $0 over 90 days",
                "• Osprey Roofing — $5.0k → $0 over 90 days",
            ] {
                assert!(posted.contains(want), "{name}: wanted {want:?} in {posted}");
            }
            let status = arbot::commands::run_line(&app, "/report guardrails", viewer()).await.lines.join("\n");
            assert!(
                status.contains("90+ share 0.0% (target under 10%): within its limit since Dec 4."),
                "{name}: {status}"
            );
            clock.set("2026-12-07T13:15:30Z".parse().unwrap());
            let monday = guard(&restarted.tick().await);
            assert!(
                monday.len() == 1 && monday[0].starts_with("no guardrail crossed or recovered"),
                "{name}: {monday:?}"
            );
            assert_eq!(app.store.runs("kpi_guardrails", 10).await.unwrap().len(), 4, "{name}");
            drop((a, b, restarted, other_store));
        });
        rt.block_on(db.close());
    }
}

#[test]
fn a_statement_carries_the_month_from_its_opening_to_its_closing_balance_and_agrees_with_aging() {
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        rt.block_on(async {
            let s = db.store.as_ref();
            let bright = s.customers_matching("brightwater", 1).await.unwrap()[0].id;
            // As of Dec 2 the statement is November's (the month that ended before it).
            let st = arbot_core::statement::statements(s, bright, "Brightwater", Currency::USD, None, d("2026-12-02"))
                .await
                .unwrap();
            assert_eq!(st.len(), 1, "{}", db.name);
            let st = &st[0];
            assert_eq!((st.period_start, st.period_end), (d("2026-11-01"), d("2026-11-30")), "{}", db.name);
            // Open at the end of Oct 31, by hand: #7725 $9,000 (paid $2,000 on Nov 24 and $5,000 on
            // Dec 1) and #7728 $3,000 (paid Dec 1).
            assert_eq!(st.opening_minor, 12_000_00, "{}", db.name);
            // Issued in November: #7731 (Nov 5) and #7740 (Nov 20); paid: $2,000 on Nov 24.
            assert_eq!((st.invoiced_minor, st.paid_minor, st.credited_minor), (16_250_50, 2_000_00, 0), "{}", db.name);
            assert_eq!(st.closing_minor, 26_250_50, "{}", db.name);
            let refs: Vec<(NaiveDate, &str, i64)> =
                st.lines.iter().map(|l| (l.date, l.invoice.as_str(), l.balance_minor)).collect();
            assert_eq!(
                refs,
                vec![
                    (d("2026-11-05"), "7731", 18_250_50),
                    (d("2026-11-20"), "7740", 28_250_50),
                    (d("2026-11-24"), "7725", 26_250_50)
                ],
                "{}",
                db.name
            );
            // The closing balance is what aging had open at the period's end.
            let open = s
                .open_items(arbot_core::store::OpenItemsQuery {
                    as_of: d("2026-11-30"),
                    customer_id: Some(bright),
                    historical: true,
                })
                .await
                .unwrap();
            assert_eq!(open.iter().map(|i| i.balance.minor).sum::<i64>(), st.closing_minor, "{}", db.name);
            // Open at Dec 2, after the Dec 1 payment: #7725 $2,000, #7731 and #7740.
            let open_now: Vec<(&str, i64)> = st.open.iter().map(|o| (o.number.as_str(), o.balance_minor)).collect();
            assert_eq!(open_now, vec![("7725", 2_000_00), ("7731", 6_250_50), ("7740", 10_000_00)], "{}", db.name);
            assert_eq!(st.amount_due_minor, 18_250_50, "{}", db.name);

            // A customer billed in Canadian dollars gets its statement in them.
            let maple = s.customers_matching("maple", 1).await.unwrap()[0].id;
            let st = arbot_core::statement::statements(s, maple, "Maple Leaf", Currency::USD, None, d("2026-12-02"))
                .await
                .unwrap();
            let cad: Vec<_> = st.iter().filter(|s| s.currency.code() == "CAD").collect();
            assert_eq!(cad.len(), 1, "{}", db.name);
            assert_eq!((cad[0].invoiced_minor, cad[0].closing_minor), (0, 4_100_00), "{}", db.name);
            assert_eq!(cad[0].open.iter().map(|o| o.balance_minor).sum::<i64>(), 2_100_00, "{}", db.name);
        });
        rt.block_on(db.close());
    }
}

/// Every text the PDF draws, as a PDF reader extracts it.
fn pdf_text(bytes: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(bytes).expect("the statement is a PDF a reader opens");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).expect("its text extracts")
}

#[test]
fn a_statement_is_attached_as_a_pdf_and_csv_with_the_months_figures_and_the_remit_to() {
    use arbot::roles::{Actor, Role};
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let name = db.name;
        let mut app = app_on(&db, "2026-12-02");
        app.config.business_name = "Gulfline Electric".into();
        app.config.business.address = vec!["77 Causeway Blvd".into(), "Clearwater, FL 33767".into()];
        app.config.business.remit_to = vec!["PO Box 2291".into(), "Clearwater, FL 33757".into()];
        app.config.business.email = Some("ar@gulfline.example".into());
        let ar = Actor { id: "u1".into(), name: "sam".into(), roles: vec![Role::Ar] };
        let reply = rt.block_on(arbot::commands::run_line(&app, "/mail statement brightwater", ar.clone()));
        let names: Vec<&str> = reply.attachments.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            ["Brightwater-Construction-Co-statement-2026-11.pdf", "Brightwater-Construction-Co-statement-2026-11.csv"],
            "{name}: {reply:?}"
        );
        let text = arbot::console::render::to_text(&reply);
        assert!(
            text.contains("Balance on Nov 1: $12,000.00 · invoiced $16,250.50 · paid $2,000.00")
                && text.contains("balance on Nov 30: $26,250.50"),
            "{name}: {text}"
        );
        assert!(text.contains("Amount due on Dec 2, 2026: $18,250.50"), "{name}: {text}");
        assert!(text.contains("No billing address on record"), "{name}: the fixture's customers have none: {text}");

        // The PDF as the customer reads it: the figures worked by hand in the test above.
        let pdf = pdf_text(&reply.attachments[0].content);
        for want in [
            "Gulfline Electric",
            "STATEMENT",
            "Brightwater Construction Co",
            "Balance brought forward",
            "$12,000.00",
            "Invoice #7731",
            "$18,250.50",
            "Invoice #7740",
            "$28,250.50",
            "Payment applied to #7725",
            "$26,250.50",
            "Open invoices on Dec 2, 2026",
            "#7725",
            "$2,000.00",
            "$6,250.50",
            "$10,000.00",
            "REMIT TO",
            "PO Box 2291",
            "Clearwater, FL 33757",
            "ar@gulfline.example",
            "Page 1 of 1",
        ] {
            assert!(pdf.contains(want), "{name}: the PDF lacks {want:?}:\n{pdf}");
        }
        // The remit-to replaces the letterhead's address on the slip, not on the letterhead.
        assert!(pdf.contains("77 Causeway Blvd"), "{name}: {pdf}");

        // The CSV reads back into the same figures.
        let csv_text = reply.attachments[1].as_text().expect("the CSV is text");
        let mut rows = csv::Reader::from_reader(csv_text.as_bytes());
        let rows: Vec<csv::StringRecord> = rows.records().map(|r| r.unwrap()).collect();
        let activity: Vec<(&str, &str, &str)> =
            rows.iter().filter(|r| &r[0] == "activity").map(|r| (&r[2], &r[4], &r[9])).collect();
        assert_eq!(
            activity,
            vec![
                ("opening balance", "", "12000.00"),
                ("invoice", "7731", "18250.50"),
                ("invoice", "7740", "28250.50"),
                ("payment", "7725", "26250.50"),
                ("closing balance", "", "26250.50"),
            ],
            "{name}: {csv_text}"
        );
        let open: i64 =
            rows.iter().filter(|r| &r[0] == "open").map(|r| Money::parse(&r[9], Currency::USD).unwrap().minor).sum();
        assert_eq!(open, 18_250_50, "{name}: {csv_text}");

        // Cash received and not applied is taken off what is due: Cedar Ridge's $1,200 of Dec 1
        // against #8810 $2,975 and #8812 $4,000 leaves $5,775.00.
        let reply = rt.block_on(arbot::commands::run_line(&app, "/mail statement cedar ridge", ar.clone()));
        let text = arbot::console::render::to_text(&reply);
        assert!(text.contains("Amount due on Dec 2, 2026: $5,775.00 after $1,200.00 on account"), "{name}: {text}");
        let pdf = pdf_text(&reply.attachments[0].content);
        assert!(pdf.contains("Unapplied payments and credits") && pdf.contains("-$1,200.00"), "{name}: {pdf}");
        assert!(pdf.contains("$5,775.00"), "{name}: {pdf}");
        let csv_text = reply.attachments[1].as_text().unwrap();
        assert!(csv_text.contains("on_account,2026-12-02,unapplied payments and credits,,,,,,1200.00"), "{csv_text}");

        // A customer billed in Canadian dollars gets a CAD statement of its own.
        let reply = rt.block_on(arbot::commands::run_line(&app, "/mail statement maple leaf", ar.clone()));
        let names: Vec<&str> = reply.attachments.iter().map(|a| a.name.as_str()).collect();
        assert!(names.contains(&"Maple-Leaf-Glazing-Ltd-statement-2026-11-CAD.pdf"), "{name}: {names:?}");
        let cad = reply.attachments.iter().find(|a| a.name.ends_with("-CAD.pdf")).unwrap();
        let pdf = pdf_text(&cad.content);
        assert!(pdf.contains("CAD") && pdf.contains("#9104"), "{name}: {pdf}");

        // Nothing owed and nothing in the month: said, and no file.
        let reply = rt.block_on(arbot::commands::run_line(&app, "/mail statement maple leaf 2026-10-05", ar.clone()));
        let text = arbot::console::render::to_text(&reply);
        assert!(reply.attachments.is_empty() && text.contains("there is no statement to send"), "{name}: {text}");
        // A statement date after today is refused.
        let reply = rt.block_on(arbot::commands::run_line(&app, "/mail statement brightwater 2026-12-09", ar));
        let text = arbot::console::render::to_text(&reply);
        assert!(reply.attachments.is_empty() && text.contains("is after today"), "{name}: {text}");
        rt.block_on(db.close());
    }
}

/// Payer trends from the ledger, not the demo: Pelican Drywall paid four invoices 4 to 6 days
/// late in the first three quarters of the year to Tue Dec 1, then three 19 to 23 days late in
/// the last quarter. `/report trends` says it is paying 16 days slower (a median 21 against 5),
/// dates its open invoices by its median of the year (6 days late), and scores it; the weekly
/// report names it among those paying slower, with what it has not yet due.
#[test]
fn a_payer_paying_slower_is_named_with_its_figures_before_it_is_overdue() {
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let name = db.name;
        rt.block_on(async {
            let s = db.store.as_ref();
            let run = s.start_sync_run("qb", Utc::now()).await.unwrap();
            let mut records = vec![customer("c9", "Pelican Drywall")];
            let paid = [
                ("i901", "2026-01-10", "2026-01-14"),
                ("i902", "2026-03-10", "2026-03-15"),
                ("i903", "2026-05-10", "2026-05-15"),
                ("i904", "2026-07-10", "2026-07-16"),
                ("i905", "2026-09-20", "2026-10-09"),
                ("i906", "2026-10-20", "2026-11-12"),
                ("i909", "2026-11-01", "2026-11-22"),
            ];
            for (i, (ext, due, on)) in paid.iter().enumerate() {
                records.push(invoice(ext, "c9", None, 1_000_00, 0, due));
                records.push(payment(&format!("p9{i}"), "c9", on, Currency::USD, 0, &[(ext, 1_000_00)]));
            }
            records.push(invoice("i907", "c9", None, 1_000_00, 1_000_00, "2026-11-20"));
            records.push(invoice("i908", "c9", None, 2_500_00, 2_500_00, "2026-12-15"));
            s.apply_page(run, "qb", Entity::Invoice, &records, None).await.unwrap();
            let app = app_on(&db, "2026-12-01");

            let r = arbot::commands::run_line(&app, "/report trends pelican", viewer()).await;
            let text = format!("{}\n{:?}\n{:?}", r.lines.join("\n"), r.fields, r.table);
            for want in [
                "Risk: medium (25 of 100): paying 16 days slower in the last quarter than in the three before.",
                // 4, 5, 5, 6, 19, 21, 23 days late: median 6, average 83 / 7 = 11.9; 30 more from the invoice.
                "Over the year: 7 invoices paid, a median 6 days late (average 12 days late), 42 days from invoice",
                "Paying slower: a median 21 days late in the last quarter, 16 days worse than in the three before.",
                "Likely payment dates (its own median, 6 days late)",
                // #907 is 11 days past due: likely today, not a day already gone.
                "• #907 $1,000.00 due Nov 20 → likely Dec 1 (11 days past due by then)",
                "• #908 $2,500.00 due Dec 15 → likely Dec 21 (6 days past due by then)",
            ] {
                assert!(text.contains(want), "{name}: wanted {want:?} in {text}");
            }
            let quarters = r.table.expect("a table").rows;
            assert_eq!(quarters.len(), 4, "{name}");
            assert_eq!(quarters[3][1..3], ["3".to_string(), "21".to_string()], "{name}: {quarters:?}");

            let weekly = arbot::commands::run_line(&app, "/report weekly", viewer()).await;
            let slower = weekly
                .fields
                .iter()
                .find(|f| f.name.starts_with("Paying slower"))
                .unwrap_or_else(|| panic!("{name}: {:?}", weekly.fields));
            assert!(
                slower.value.contains(
                    "• Pelican Drywall — a median 21 days late in the last quarter, 5 before; $2.5k not yet due"
                ),
                "{name}: {}",
                slower.value
            );
            // The workbook's sheet of its own, read back.
            use calamine::{Data, Reader, Xlsx};
            let book = weekly.attachments.iter().find(|a| a.name.ends_with(".xlsx")).expect("the workbook");
            let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(book.content.clone())).unwrap();
            let sheet = wb.worksheet_range("Paying slower").unwrap();
            let y = (1..sheet.height())
                .find(|&y| sheet.get((y, 0)) == Some(&Data::String("Pelican Drywall".into())))
                .unwrap_or_else(|| panic!("{name}: Pelican not on the sheet"));
            let row: Vec<Data> = (0..5).map(|c| sheet.get((y, c)).cloned().unwrap_or(Data::Empty)).collect();
            assert_eq!(
                row,
                [
                    Data::String("Pelican Drywall".into()),
                    Data::Float(21.0),
                    Data::Float(5.0),
                    Data::Float(16.0),
                    Data::Float(2_500.0)
                ],
                "{name}"
            );
            let r = arbot::commands::build_weekly(&app, None).await.unwrap();
            assert_eq!(sheet.height(), r.slowing.len() + 1, "{name}: a row for each account paying slower");
        });
        rt.block_on(db.close());
    }
}

/// `r` as the source sends it again `days` days after [`version`].
fn newer(mut r: Record, days: i64) -> Record {
    if let Record::Invoice(i) = &mut r {
        i.version.updated_at += chrono::Duration::days(days);
    }
    r
}

/// The close test's ledger as it stood on the morning of Mon Nov 30, 2026. Brightwater: #100
/// ($10,000, $1,000 of it retainage, due Oct 31) paid $9,500 on Nov 20, which takes the due part
/// and $500 of the retainage; #101 ($6,250.50 issued Nov 5, $625.05 retainage) less credit memo
/// CM-1's $250 applied Nov 18; #104, a $1,500 retainage invoice issued Nov 12; $400 received
/// Nov 25 and left unapplied. Cedar Ridge: #102 ($2,975, issued Nov 3) disputed on Nov 20; #103
/// ($700) paid Nov 14; #105 ($4,000 due Oct 15) open; credit memo CM-2 ($300, Nov 5) unused.
fn close_records() -> Vec<Record> {
    let with = |mut r: Record, f: &dyn Fn(&mut InvoiceRecord)| {
        if let Record::Invoice(i) = &mut r {
            f(i);
        }
        r
    };
    let memo = |ext: &str, cust: &str, number: &str, on: &str, total: i64, remaining: i64| {
        Record::CreditMemo(arbot_core::source::CreditMemoRecord {
            external_id: ext.into(),
            customer_external_id: cust.into(),
            number: number.into(),
            issued: d(on),
            currency: Currency::USD,
            total_minor: total,
            remaining_minor: remaining,
            version: version(),
        })
    };
    let mut p103 = payment("p103", "c1", "2026-11-25", Currency::USD, 400_00, &[]);
    if let Record::Payment(p) = &mut p103 {
        p.reference = Some("ACH 77".into());
    }
    vec![
        customer("c1", "Brightwater Construction Co"),
        customer("c2", "Cedar Ridge Developers"),
        job("j1", "c1", "Sunport Clinic"),
        with(invoice("i100", "c1", Some("j1"), 10_000_00, 500_00, "2026-10-31"), &|i| i.retainage_minor = 1_000_00),
        with(invoice("i101", "c1", Some("j1"), 6_250_50, 6_000_50, "2026-12-05"), &|i| i.retainage_minor = 625_05),
        invoice("i102", "c2", None, 2_975_00, 2_975_00, "2026-12-03"),
        invoice("i103", "c2", None, 700_00, 0, "2026-11-01"),
        with(invoice("i104", "c1", Some("j1"), 1_500_00, 1_500_00, "2026-12-12"), &|i| i.kind = InvoiceKind::Retainage),
        invoice("i105", "c2", None, 4_000_00, 4_000_00, "2026-10-15"),
        memo("cm1", "c1", "CM-1", "2026-11-16", 250_00, 0),
        memo("cm2", "c2", "CM-2", "2026-11-05", 300_00, 300_00),
        payment("p100", "c1", "2026-11-20", Currency::USD, 0, &[("i100", 9_500_00)]),
        Record::Payment(PaymentRecord {
            external_id: "p101".into(),
            customer_external_id: "c1".into(),
            received: d("2026-11-18"),
            currency: Currency::USD,
            amount_minor: 0,
            unapplied_minor: 0,
            method: None,
            reference: None,
            applications: vec![ApplicationRecord {
                invoice_external_id: "i101".into(),
                amount_minor: 250_00,
                credit_memo_external_id: Some("cm1".into()),
            }],
            version: version(),
        }),
        payment("p102", "c2", "2026-11-14", Currency::USD, 0, &[("i103", 700_00)]),
        p103,
    ]
}

/// The month-end close pack of November 2026, on both backends. The aging snapshot is kept on
/// Mon Nov 30; Dec 1 brings a payment and an invoice of December. Two schedulers ticking
/// together at 08:45 on Tue Dec 1 (the first business day) queue the pack once, under
/// `close:2026-11`; a restart and the next morning do not post it again. Its figures, checked
/// against the ledger above worked by hand: the aging at Nov 30 (as `/ar aging` showed it that
/// day), unapplied cash and credit memos, the dispute, the promise and installment rolled into
/// December, retainage held, retained and paid, invoiced and collected. Then Cedar's $2,000
/// payment dated Nov 27 arrives late: the frozen aging stays as it was, the month's collections
/// take it in, and `/ar aging Nov 30` (rebuilt from the ledger) shows the difference.
#[test]
fn the_close_pack_freezes_the_months_aging_and_is_posted_once_on_the_first_business_day() {
    use arbot::scheduler::Scheduler;
    use arbot_core::aging::GroupBy;
    use calamine::{Data, DataType, Reader, Xlsx};
    let rt = Runtime::new().unwrap();
    for db in rt.block_on(TestDb::all()) {
        let name = db.name;
        let s = db.store.as_ref();
        let clock = arbot_core::ManualClock::new("2026-11-30T13:00:00Z".parse().unwrap(), chrono_tz::America::New_York);
        let app = App { clock: Arc::new(clock.clone()), ..app_on(&db, "2026-11-30") };
        let cfg = app.config.aging.clone();
        rt.block_on(async {
            let run = s.start_sync_run("qb", Utc::now()).await.unwrap();
            s.apply_page(run, "qb", Entity::Invoice, &close_records(), None).await.unwrap();
            let bright = s.customers_matching("brightwater", 1).await.unwrap()[0].id;
            let cedar = s.customers_matching("cedar", 1).await.unwrap()[0].id;
            let i102 = s.invoices_numbered("102").await.unwrap()[0].id;
            let dispute = arbot_core::collections::NewDispute {
                invoice_id: i102,
                reason: "pricing".into(),
                detail: None,
                opened_by: "sam".into(),
                opened_at: noon("2026-11-20"),
            };
            s.open_dispute(&dispute, &by()).await.unwrap();
            let promise = |customer_id: i64, amount: i64, on: &str, logged: &str| NewPromise {
                customer_id,
                amount: Money::usd(amount),
                promised_for: d(on),
                created_by: "sam".into(),
                created_at: noon(logged),
                invoice_ids: vec![],
                note: None,
                day_only: false,
            };
            s.add_promise(&promise(bright, 1_000_00, "2026-12-15", "2026-11-25"), &by()).await.unwrap();
            // Logged after the month: not rolled.
            s.add_promise(&promise(cedar, 500_00, "2026-12-04", "2026-12-01"), &by()).await.unwrap();
            let part = |seq: i64, on: &str| Installment { seq, due_on: d(on), amount: Money::usd(1_000_00) };
            let plan = NewPlan {
                customer_id: cedar,
                total: Money::usd(2_000_00),
                created_by: "sam".into(),
                created_at: noon("2026-11-10"),
                note: None,
                installments: vec![part(1, "2026-11-20"), part(2, "2026-12-20")],
            };
            s.add_plan(&plan, &by()).await.unwrap();
            // The digest's snapshot of Mon Nov 30, at 08:00.
            let taken =
                arbot_core::snapshots::take_and_catch_up(s, d("2026-11-30"), &cfg, Currency::USD, app.clock.now())
                    .await
                    .unwrap();
            assert!(taken.today, "{name}");
            // December's first day: a payment to #105 and a new invoice.
            let run = s.start_sync_run("qb", Utc::now()).await.unwrap();
            let later = [
                payment("p104", "c2", "2026-12-01", Currency::USD, 0, &[("i105", 1_000_00)]),
                newer(invoice("i105", "c2", None, 4_000_00, 3_000_00, "2026-10-15"), 1),
                invoice("i106", "c1", Some("j1"), 3_000_00, 3_000_00, "2026-12-31"),
            ];
            s.apply_page(run, "qb", Entity::Invoice, &later, None).await.unwrap();
            let i105 = &s.invoices_numbered("105").await.unwrap()[0];
            assert_eq!(i105.balance.minor, 3_000_00, "{name}");
        });

        // Tue Dec 1: 08:44, not yet; 08:45, once across two instances.
        clock.set("2026-12-01T13:44:00Z".parse().unwrap());
        let app = App { clock: Arc::new(clock.clone()), ..app };
        rt.block_on(async {
            let other_store = arbot_core::store::open(&db.url).await.unwrap();
            let other = App { store: other_store.clone(), ..app.clone() };
            let notify = Arc::new(tokio::sync::Notify::new());
            let close = |r: &[arbot::scheduler::RunReport]| -> Vec<String> {
                r.iter().filter(|r| r.job == "close").map(|r| r.detail.clone()).collect()
            };
            let a = Scheduler::new(app.clone(), "a", notify.clone()).unwrap();
            let b = Scheduler::new(other, "b", notify.clone()).unwrap();
            let (ra, rb) = tokio::join!(a.tick(), b.tick());
            assert!(close(&ra).is_empty() && close(&rb).is_empty(), "{name}: {ra:?} {rb:?}");
            assert_eq!(app.store.outbox_status("close:2026-11").await.unwrap(), None, "{name}");
            clock.set("2026-12-01T13:45:02Z".parse().unwrap());
            let (ra, rb) = tokio::join!(a.tick(), b.tick());
            let ran: Vec<String> = close(&ra).into_iter().chain(close(&rb)).collect();
            assert_eq!(ran, ["close pack for 2026-11 queued"], "{name}");
            let (status, _) = app.store.outbox_status("close:2026-11").await.unwrap().unwrap();
            assert_eq!(status, "pending", "{name}");
            let post = queued_post(&app, "close:2026-11").await;
            assert!(post.contains("Month-end close — November 2026"), "{name}: {post}");
            assert!(post.contains("close-2026-11.xlsx"), "{name}: the workbook goes with the post");
            // Restarted at 09:30: not again; nor on Wednesday's run.
            clock.set("2026-12-01T14:30:00Z".parse().unwrap());
            let restarted = Scheduler::new(app.clone(), "a2", notify.clone()).unwrap();
            assert!(close(&restarted.tick().await).is_empty(), "{name}");
            assert_eq!(app.store.runs("close", 10).await.unwrap().len(), 1, "{name}");
            clock.set("2026-12-02T13:46:00Z".parse().unwrap());
            assert_eq!(
                close(&restarted.tick().await),
                ["the close pack for 2026-11 was posted before (close:2026-11)"],
                "{name}"
            );
            drop((a, b, restarted, other_store));
        });

        // The pack on Wed Dec 2, against the ledger worked by hand.
        let r = rt.block_on(arbot::commands::close::build(&app, d("2026-11-01"))).unwrap();
        assert!(!r.aging.rebuilt, "{name}: Nov 30's snapshot was kept that day");
        assert_eq!((r.first, r.last), (d("2026-11-01"), d("2026-11-30")), "{name}");
        // Open: #100 $500 (all retainage), #101 $6,000.50 ($625.05 retainage), #102 $2,975,
        // #104 $1,500, #105 $4,000 (46 days past due); #106 is December's.
        assert_eq!(r.aging.total, 14_975_50, "{name}");
        assert_eq!(r.aging.retainage(), 500_00 + 625_05, "{name}");
        assert_eq!(r.aging.buckets, [5_375_45 + 2_975_00 + 1_500_00, 0, 4_000_00, 0, 0, 0], "{name}");
        assert_eq!((r.aging.collectible_overdue(), r.aging.disputed), (4_000_00, 2_975_00), "{name}");
        let aging_then = rt.block_on(arbot::commands::load_aging(&app, d("2026-11-30"), GroupBy::Customer, cfg.basis));
        let aging_then = aging_then.unwrap();
        assert_eq!(aging_then.totals.total, r.aging.total, "{name}: /ar aging Nov 30 before the late payment");
        let rows: Vec<(String, i64)> = r.by_customer.iter().map(|x| (x.label.clone(), x.total)).collect();
        assert_eq!(
            rows,
            [("Brightwater Construction Co".to_string(), 8_000_50), ("Cedar Ridge Developers".to_string(), 6_975_00)],
            "{name}"
        );
        let on_account = |v: &[arbot_core::close::OnAccount]| -> Vec<(String, Option<String>, i64)> {
            v.iter().map(|x| (x.customer_name.clone(), x.reference.clone(), x.open)).collect()
        };
        assert_eq!(
            on_account(&r.unapplied),
            [("Brightwater Construction Co".into(), Some("ACH 77".into()), 400_00)],
            "{name}"
        );
        assert_eq!(
            on_account(&r.credit_memos),
            [("Cedar Ridge Developers".into(), Some("CM-2".into()), 300_00)],
            "{name}: CM-1 was used up"
        );
        let disputes: Vec<(&str, i64, &str)> =
            r.disputes.iter().map(|x| (x.number.as_str(), x.balance, x.reason.as_str())).collect();
        assert_eq!(disputes, [("102", 2_975_00, "pricing")], "{name}");
        let promises: Vec<(&str, NaiveDate, i64)> =
            r.promises.iter().map(|x| (x.customer_name.as_str(), x.promised_for, x.owed)).collect();
        assert_eq!(promises, [("Brightwater Construction Co", d("2026-12-15"), 1_000_00)], "{name}");
        let parts: Vec<(i64, NaiveDate, i64)> = r.installments.iter().map(|x| (x.seq, x.due_on, x.owed)).collect();
        assert_eq!(parts, [(2, d("2026-12-20"), 1_000_00)], "{name}");
        let t = r.retainage;
        // Held Oct 31: #100's $1,000 (its balance then $10,000). November retained #101's
        // $625.05 and took $500 of #100's in its $9,500 payment.
        assert_eq!((t.held_start, t.retained, t.paid, t.held_end, t.other), (1_000_00, 625_05, 500_00, 1_125_05, 0));
        assert_eq!((t.billed_invoices, t.billed, t.collected_on_billed), (1, 1_500_00, 0), "{name}");
        let issued: Vec<&str> = r.issued.iter().map(|x| x.number.as_str()).collect();
        assert_eq!(issued, ["102", "101", "104"], "{name}: by the day issued");
        assert_eq!(r.issued_total(), 6_250_50 + 2_975_00 + 1_500_00, "{name}");
        assert_eq!((r.collected_total(), r.collected.len(), r.credits_applied_total()), (10_200_00, 2, 250_00));

        // In chat: the summary, and a month not over refused.
        let app =
            App { clock: Arc::new(PinnedClock { today: d("2026-12-02"), tz: chrono_tz::America::New_York }), ..app };
        let text = answer(&rt, &app, "/report close november").unwrap();
        for want in [
            "Month-end close — November 2026",
            "Open at Nov 30 $14,975.50 · past due $4,000.00 · in dispute $2,975.00 (in the buckets)",
            "November: invoiced $10,725.50 (3 invoices) · collected $10,200.00 in cash (2 applications) · credits applied $250.00",
            "The aging is the snapshot kept on Nov 30",
            "To clear: unapplied cash $400 (1 payment) · open credit memos $300 (1)",
            "• Cedar Ridge Developers — installment 2 of 2, $1,000.00 on Dec 20",
            "held Oct 31 $1,000.00 → Nov 30 $1,125.05: retained on November's invoices $625.05, paid out of retainage $500.00",
        ] {
            assert!(text.contains(want), "{name}: no {want:?} in\n{text}");
        }
        let refused = answer(&rt, &app, "/report close december").unwrap();
        assert!(refused.contains("December 2026 hasn't ended yet (today is Dec 2, 2026)"), "{name}: {refused}");
        let typed = answer(&rt, &app, "/report close 2026-11").unwrap();
        assert!(typed.contains("Open at Nov 30 $14,975.50"), "{name}: {typed}");

        // The workbook, read back: each sheet's figures are the ones worked out above.
        let reply = arbot::commands::close::close_reply(&app, &r);
        assert_eq!(reply.attachments.len(), 1, "{name}");
        assert_eq!(reply.attachments[0].name, "close-2026-11.xlsx", "{name}");
        let bytes = reply.attachments[0].content.clone();
        let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(wb.sheet_names(), arbot::commands::close_xlsx::SHEETS, "{name}");
        let dollars = |minor: i64| Data::Float(minor as f64 / 100.0);
        let summary = wb.worksheet_range("Summary").unwrap();
        assert_eq!(summary.get((0, 1)).and_then(|v| v.as_date()), Some(d("2026-11-30")), "{name}");
        let figure = |label: &str| {
            (1..summary.height())
                .find(|&y| summary.get((y, 0)) == Some(&Data::String(label.into())))
                .and_then(|y| summary.get((y, 1)).cloned())
                .unwrap_or_else(|| panic!("{name}: no {label} in the summary"))
        };
        for (label, want) in [
            ("Open", 14_975_50),
            ("Retainage held", 1_125_05),
            ("Unapplied cash", 400_00),
            ("Open credit memos", 300_00),
            ("In dispute (invoices open in dispute)", 2_975_00),
            ("Promises rolled into the new month", 1_000_00),
            ("Plan installments rolled into the new month", 1_000_00),
            ("Retainage paid in the month", 500_00),
            ("Invoiced in the month", 10_725_50),
            ("Cash collected in the month", 10_200_00),
            ("Credits applied in the month", 250_00),
        ] {
            assert_eq!(figure(label), dollars(want), "{name}: {label}");
        }
        let sheet = wb.worksheet_range("Aging by customer").unwrap();
        let open_col = 2 + r.labels.len();
        assert_eq!(sheet.get((0, open_col)), Some(&Data::String("Open".into())), "{name}");
        assert_eq!(sheet.get((1, 0)), Some(&Data::String("Brightwater Construction Co".into())), "{name}");
        assert_eq!(sheet.get((1, open_col)), Some(&dollars(8_000_50)), "{name}");
        assert_eq!(sheet.get((2, 3)), Some(&dollars(4_000_00)), "{name}: Cedar's 31-60");
        let clear = wb.worksheet_range("Unapplied and credits").unwrap();
        assert_eq!(clear.height(), 3, "{name}");
        assert_eq!(clear.get((1, 2)), Some(&Data::String("ACH 77".into())), "{name}");
        assert_eq!(clear.get((1, 3)).and_then(|v| v.as_date()), Some(d("2026-11-25")), "{name}");
        assert_eq!(clear.get((2, 5)), Some(&dollars(300_00)), "{name}");
        let issued = wb.worksheet_range("Invoices issued").unwrap();
        let total: f64 = (1..issued.height()).filter_map(|y| issued.get((y, 6)).and_then(|v| v.get_float())).sum();
        assert!((total - 10_725.50).abs() < 0.005, "{name}: {total}");
        let collected = wb.worksheet_range("Collected").unwrap();
        assert_eq!(collected.height(), 4, "{name}: two cash applications and the credit memo");
        assert_eq!(collected.get((3, 3)), Some(&Data::String("credit memo CM-1".into())), "{name}");
        for sheet in ["Disputes", "Promises and plans rolled", "Retainage"] {
            assert!(wb.worksheet_range(sheet).unwrap().height() > 1, "{name}: {sheet}");
        }

        // Cedar's $2,000 dated Nov 27 arrives on Dec 2: the frozen aging does not move; the
        // month's collections take it in; /ar aging rebuilds Nov 30 without it.
        rt.block_on(async {
            let run = s.start_sync_run("qb", Utc::now()).await.unwrap();
            let late = [
                payment("p105", "c2", "2026-11-27", Currency::USD, 0, &[("i105", 2_000_00)]),
                newer(invoice("i105", "c2", None, 4_000_00, 1_000_00, "2026-10-15"), 2),
            ];
            s.apply_page(run, "qb", Entity::Invoice, &late, None).await.unwrap();
        });
        let again = rt.block_on(arbot::commands::close::build(&app, d("2026-11-01"))).unwrap();
        assert_eq!(
            (again.aging.total, again.aging.buckets.clone()),
            (r.aging.total, r.aging.buckets.clone()),
            "{name}"
        );
        assert_eq!(again.collected_total(), 12_200_00, "{name}");
        let rebuilt =
            rt.block_on(arbot::commands::load_aging(&app, d("2026-11-30"), GroupBy::Customer, cfg.basis)).unwrap();
        assert_eq!(rebuilt.totals.total, 12_975_50, "{name}");
        rt.block_on(db.close());
    }
}

fn ar() -> arbot::roles::Actor {
    arbot::roles::Actor { id: "u-sam".into(), name: "sam".into(), roles: vec![arbot::roles::Role::Ar] }
}

/// The minimum-float watch on this ledger, on a pinned clock (Tue Dec 1): a $50,000 minimum and a
/// $30,000 payroll every Friday. With no balance arbot says how to give it one; a viewer cannot
/// set one; $60,000 set from chat dips under the minimum after Friday's payroll, its expected cash
/// agrees day by day with the cash report's, and two instances checking together post the dip
/// once, naming Brightwater's past-due $2,000 as the only collection outside promises; a restart
/// posts nothing; a $200,000 balance recovers it, posted once; clearing the balance leaves nothing
/// to forecast; a mistyped amount or an unknown account changes nothing.
#[test]
fn the_float_watch_posts_a_dip_under_the_minimum_once_and_its_recovery_once() {
    use arbot::scheduler::{RunReport, Scheduler};
    use arbot_core::float::{Outflow, Recurs};
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let name = db.name;
        rt.block_on(async {
            let s = db.store.as_ref();
            let clock =
                arbot_core::ManualClock::new("2026-12-01T13:20:30Z".parse().unwrap(), chrono_tz::America::New_York);
            let mut config = Config::default();
            config.float.watch.minimum = Some(50_000_00);
            config.float.watch.outflows = vec![Outflow {
                name: "Payroll".into(),
                amount: 30_000_00,
                recurs: Recurs::Weekly { weekday: chrono::Weekday::Fri },
            }];
            let app = App { clock: Arc::new(clock.clone()), config, ..app_on(&db, "2026-12-01") };
            let text = |r: &arbot::reply::Reply| format!("{}\n{:?}\n{:?}", r.lines.join("\n"), r.fields, r.footer);

            let none = arbot::commands::run_line(&app, "/report float", viewer()).await;
            assert!(text(&none).contains("arbot has no bank balance in USD. Set one with /report float set"), "{name}");
            let refused = arbot::commands::run_line(&app, "/report float set 60,000", viewer()).await;
            assert!(text(&refused).contains("can set or clear a bank balance"), "{name}: {}", text(&refused));
            let typo = arbot::commands::run_line(&app, "/report float set lots", ar()).await;
            assert!(text(&typo).contains("Set what? Give the balance"), "{name}: {}", text(&typo));
            assert!(s.bank_balances().await.unwrap().is_empty(), "{name}: nothing set");

            let set = arbot::commands::run_line(&app, "/report float set 60,000 operating", ar()).await;
            let shown = text(&set);
            for want in [
                "Set operating to $60,000.00 as of Dec 1.",
                "In the bank $60,000.00 (1 account)",
                "under the $50.0k minimum (under it from Fri Dec 4)",
                "• operating $60,000.00 (set by sam, Dec 1)",
                "Fri Dec 4",
                "Payroll −$30.0k",
                "Collections that would close the gap",
                "• Brightwater Construction Co (PM maria) — $2.0k past due, 1 invoice, oldest 30 days",
                "outflows configured ([[float.outflows]]): Payroll $30.0k Fridays",
            ] {
                assert!(shown.contains(want), "{name}: wanted {want:?} in {shown}");
            }
            // The forecast's expected cash is the cash report's, day by day.
            let f = arbot::float_watch::load(&app).await.unwrap().unwrap();
            let cash = arbot_core::cash::load(s, d("2026-12-01"), d("2026-12-01"), Currency::USD, app.promise_rules())
                .await
                .unwrap();
            let through_7: i64 = f.days.iter().take(7).map(|p| p.inflow()).sum();
            assert_eq!(through_7, cash.windows[0].expected(), "{name}: {f:?}");
            assert!(through_7 > 0, "{name}: Cedar Ridge's $4,000 promise and the invoices falling due");
            assert_eq!(f.start + f.expected_in() - f.going_out(), f.end(), "{name}");
            assert_eq!(f.going_out(), 60_000_00, "{name}: two Fridays, Dec 4 and Dec 11");
            assert_eq!(f.gap, 50_000_00 - f.low, "{name}");
            assert_eq!(f.collections.len(), 1, "{name}: {:?}", f.collections);

            // Two instances check at once: posted once.
            let other_store = arbot_core::store::open(&db.url).await.unwrap();
            let notify = Arc::new(tokio::sync::Notify::new());
            let watch = |r: &[RunReport]| -> Vec<String> {
                r.iter().filter(|r| r.job == "float").map(|r| r.detail.clone()).collect()
            };
            let a = Scheduler::new(app.clone(), "a", notify.clone()).unwrap();
            let b = Scheduler::new(App { store: other_store.clone(), ..app.clone() }, "b", notify.clone()).unwrap();
            let (ra, rb) = tokio::join!(a.tick(), b.tick());
            let ran: Vec<String> = watch(&ra).into_iter().chain(watch(&rb)).collect();
            assert_eq!(ran.len(), 1, "{name}: {ran:?}");
            assert!(ran[0].starts_with("the float forecast dipped under the minimum (low $"), "{name}: {ran:?}");
            assert!(ran[0].ends_with("), queued"), "{name}: {ran:?}");
            let posted = queued_post(&app, "float:1").await;
            for want in [
                "Float forecast under the $50.0k minimum from Fri Dec 4",
                "Brightwater Construction Co",
                "even collected in full",
            ] {
                assert!(posted.contains(want), "{name}: wanted {want:?} in {posted}");
            }
            let status = text(&arbot::commands::run_line(&app, "/report float", viewer()).await);
            assert!(status.contains("Posted to the AR channel when the forecast dipped."), "{name}: {status}");

            // Restarted later that morning: nothing new.
            clock.set("2026-12-01T14:00:00Z".parse().unwrap());
            let restarted = Scheduler::new(app.clone(), "a2", notify.clone()).unwrap();
            assert!(watch(&restarted.tick().await).is_empty(), "{name}: not due again");
            clock.set("2026-12-02T13:20:30Z".parse().unwrap());
            let next = watch(&restarted.tick().await);
            assert!(next.len() == 1 && next[0].starts_with("the float forecast is still under"), "{name}: {next:?}");
            assert_eq!(app.store.outbox_status("float:2").await.unwrap(), None, "{name}");

            // The money arrives: back over, posted once.
            let set = arbot::commands::run_line(&app, "/report float set $200,000 Operating", ar()).await;
            assert!(text(&set).contains("Set Operating to $200,000.00 as of Dec 2 (was $60,000.00 from sam, Dec 1)."));
            assert!(text(&set).contains("Back over the minimum; the next scheduled check posts that."), "{name}");
            clock.set("2026-12-03T13:20:30Z".parse().unwrap());
            let b = Scheduler::new(App { store: other_store.clone(), ..app.clone() }, "b2", notify.clone()).unwrap();
            let (ra, rb) = tokio::join!(restarted.tick(), b.tick());
            let ran: Vec<String> = watch(&ra).into_iter().chain(watch(&rb)).collect();
            assert_eq!(ran.len(), 1, "{name}: {ran:?}");
            assert!(ran[0].starts_with("the float forecast recovered"), "{name}: {ran:?}");
            let posted = queued_post(&app, "float:2").await;
            assert!(posted.contains("Float forecast back over the $50.0k minimum"), "{name}: {posted}");

            // Clearing: an unknown account changes nothing; the right one leaves nothing to forecast.
            let wrong = text(&arbot::commands::run_line(&app, "/report float clear payroll", ar()).await);
            assert!(wrong.contains("no balance for an account named 'payroll'. It has: Operating."), "{name}: {wrong}");
            assert_eq!(s.bank_balances().await.unwrap().len(), 1, "{name}");
            let cleared = text(&arbot::commands::run_line(&app, "/report float clear operating", ar()).await);
            assert!(cleared.contains("Cleared Operating ($200,000.00 from sam, Dec 2). To put it back:"), "{name}");
            assert!(cleared.contains("arbot has no bank balance in USD"), "{name}: {cleared}");
            let q = arbot_core::audit::AuditQuery { customer_id: None, job_id: None, limit: 100 };
            let audit: Vec<String> = s.audit_trail(q).await.unwrap().into_iter().map(|e| e.action).collect();
            assert_eq!(audit.iter().filter(|a| a.starts_with("bank_balance")).count(), 3, "{name}: {audit:?}");
            drop((a, b, restarted, other_store));
        });
        rt.block_on(db.close());
    }
}

/// The close pack after an outage: arbot down from Nov 30 until Wed Dec 2 at 10:00 catches up
/// that morning's 08:45 run at once (within `catch_up_hours`) and posts November's pack, with the
/// Nov 30 snapshot it never took rebuilt from the ledger and said so; down from Dec 31 until
/// Mon Jan 4 at 23:00, past the catch-up window, it posts nothing that night and December's pack
/// at Tuesday's 08:45 run. Neither is posted twice.
#[test]
fn the_close_pack_is_caught_up_after_an_outage_over_the_first_business_day() {
    use arbot::scheduler::{RunReport, Scheduler};
    let rt = Runtime::new().unwrap();
    for db in rt.block_on(TestDb::all()) {
        let name = db.name;
        rt.block_on(async {
            let s = db.store.as_ref();
            let run = s.start_sync_run("qb", Utc::now()).await.unwrap();
            s.apply_page(run, "qb", Entity::Invoice, &close_records(), None).await.unwrap();
            let clock =
                arbot_core::ManualClock::new("2026-12-02T15:00:00Z".parse().unwrap(), chrono_tz::America::New_York);
            let app = App { clock: Arc::new(clock.clone()), ..app_on(&db, "2026-12-02") };
            let notify = Arc::new(tokio::sync::Notify::new());
            let close = |r: &[RunReport]| -> Vec<String> {
                r.iter().filter(|r| r.job == "close").map(|r| r.detail.clone()).collect()
            };
            assert!(s.snapshot(d("2026-11-30")).await.unwrap().is_none(), "{name}: arbot was down on Nov 30");
            let a = Scheduler::new(app.clone(), "a", notify.clone()).unwrap();
            assert_eq!(close(&a.tick().await), ["close pack for 2026-11 queued"], "{name}");
            let post = queued_post(&app, "close:2026-11").await;
            assert!(post.contains("Month-end close — November 2026"), "{name}: {post}");
            assert!(post.contains("rebuilt"), "{name}: the missing Nov 30 snapshot is said: {post}");
            clock.set("2026-12-03T13:45:30Z".parse().unwrap());
            assert_eq!(
                close(&a.tick().await),
                ["the close pack for 2026-11 was posted before (close:2026-11)"],
                "{name}"
            );

            // Down over New Year: started Mon Jan 4 at 23:00, 14 hours after its 08:45 run.
            clock.set("2027-01-05T04:00:00Z".parse().unwrap());
            let b = Scheduler::new(app.clone(), "b", notify.clone()).unwrap();
            assert!(close(&b.tick().await).is_empty(), "{name}: past the catch-up window");
            assert_eq!(app.store.outbox_status("close:2026-12").await.unwrap(), None, "{name}");
            clock.set("2027-01-05T13:45:30Z".parse().unwrap());
            assert_eq!(close(&b.tick().await), ["close pack for 2026-12 queued"], "{name}");
            let post = queued_post(&app, "close:2026-12").await;
            assert!(post.contains("Month-end close — December 2026"), "{name}: {post}");
            drop((a, b));
        });
        rt.block_on(db.close());
    }
}
