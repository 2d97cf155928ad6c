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
        assert_eq!((r.actions[0].name.as_str(), r.actions[0].rule), ("Brightwater Construction Co", 1), "{name}");

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
