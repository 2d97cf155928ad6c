//! Ledger truth over the spreadsheet import, end to end on a real SQLite file and (with
//! ARBOT_TEST_POSTGRES_URL) a real PostgreSQL database: one customer across four files named by
//! id in some and by name in others (Foundation's, Sage's and QuickBooks Desktop's column names),
//! payments after a stated balance, a credit in accountants' notation, a payment to an invoice
//! arbot doesn't have, and a CAD invoice; then what `/ar customer`, `/ar invoice`, `/ar aging`
//! (today and `--as-of` a day before the payments) and `/ar digest` say.

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arbot::app::App;
use arbot::config::Config;
use arbot::console::answer;
use arbot::import::{ImportRequest, Imported, import, summary};
use arbot_core::{Currency, PinnedClock};
use arbot_tests::TestDb;
use arbot_tests::snapshot;
use chrono::NaiveDate;
use tokio::runtime::Runtime;

const CUSTOMERS: &str = "Customer ID,Name,Email,Terms,PM\n\
C-1001,Bayfront Builders Inc,ap@bayfront.example,30,rosa\n\
C-2002,Pinecrest Homes,,30,\n";

const JOBS: &str = "Job No.,Job Name,Client,State,Our Role,Supervisor,First Furnished\n\
J-240,Harbor Point Lofts,Bayfront Builders Inc,FL,sub,rosa,2026-08-03\n";

// Foundation's column names; the customer and job by number.
const INVOICES: &str = "invoice_no,customer_no,job_no,invoice_date,due_date,invoice_amount,amount_due,retainage_amount,currency\n\
5001,C-1001,J-240,2026-09-15,2026-10-15,\"24,000.00\",\"24,000.00\",,\n\
5002,C-1001,J-240,2026-10-01,2026-10-31,\"12,500.00\",\"7,500.00\",\"1,250.00\",\n\
CM-77,C-1001,,2026-11-02,2026-11-02,\"(1,200.00)\",,,\n\
7001,C-2002,,2026-09-20,2026-10-20,\"5,000.00\",,,CAD\n\
CM-78,C-2002,,2026-11-03,2026-11-03,(500.00),,,CAD\n";

// Sage's and QuickBooks Desktop's names; the customer by name, as its "Bill To".
const PAYMENTS: &str = "Check No.,Bill To,Check Date,Amount,Invoice#\n\
8801,BAYFRONT BUILDERS INC,2026-11-25,\"20,000.00\",5001\n\
8802,Bayfront Builders Inc,2026-11-24,\"7,500.00\",5002\n\
8803,Bayfront Builders Inc,2026-11-25,\"3,000.00\",9999\n";

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn app(db: &TestDb, today: &str) -> App {
    let config = Config::default();
    let clock = PinnedClock { today: day(today), tz: config.time_zone };
    App { store: db.store.clone(), clock: Arc::new(clock), config, sources: Vec::new() }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn load(rt: &Runtime, db: &TestDb, dir: &Path, name: &str, text: &str, today: &str) -> Imported {
    let req = ImportRequest {
        file: write(dir, name, text),
        kind: None,
        mapping: None,
        skip_bad_rows: false,
        source: "spreadsheet".into(),
    };
    let clock = PinnedClock { today: day(today), tz: chrono_tz::America::New_York };
    rt.block_on(import(db.store.as_ref(), &clock, Currency::USD, &req)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn backends(rt: &Runtime) -> Vec<TestDb> {
    rt.block_on(TestDb::all())
}

#[test]
fn one_customer_across_four_files_with_payments_after_a_balance_a_credit_and_an_unknown_invoice() {
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let name = db.name;
        let dir = tempfile::tempdir().unwrap();
        load(&rt, &db, dir.path(), "customers.csv", CUSTOMERS, "2026-11-20");
        load(&rt, &db, dir.path(), "jobs.csv", JOBS, "2026-11-20");
        let invoices = load(&rt, &db, dir.path(), "invoices.csv", INVOICES, "2026-11-20");
        assert_eq!((invoices.stats.new, invoices.credits.new), (3, 2), "{name}: {}", summary(&invoices));
        let payments = load(&rt, &db, dir.path(), "payments.csv", PAYMENTS, "2026-11-26");
        let said = summary(&payments);
        assert!(said.contains(" 1 invoice paid off."), "{name}: 5002: {said}");
        assert!(
            said.contains(
                "$3,000.00 is applied to invoice 9999, which arbot doesn't have: it counts as unapplied cash"
            ),
            "{name}: {said}"
        );

        // One customer and one job, keyed as the user's system keys them.
        let got = rt.block_on(snapshot::read(&db, "spreadsheet"));
        let customers: Vec<(&String, &String)> = got.customers.iter().map(|(k, (n, _))| (k, n)).collect();
        assert_eq!(
            customers,
            vec![
                (&"C-1001".to_string(), &"Bayfront Builders Inc".to_string()),
                (&"C-2002".into(), &"Pinecrest Homes".into())
            ],
            "{name}"
        );
        assert_eq!(got.jobs.keys().collect::<Vec<_>>(), vec!["J-240"], "{name}");
        assert_eq!(got.invoices["inv:5001"].job.as_deref(), Some("J-240"), "{name}");
        assert_eq!(got.memos["cm:CM-77"], ("C-1001".to_string(), 120_000, 120_000), "{name}: a credit, not a charge");

        let a = app(&db, "2026-11-26");
        let ask = |line: &str| answer(&rt, &a, line).unwrap();
        let card = ask("/ar customer bayfront");
        // 5001: 24,000 less 20,000 = 4,000; 5002 paid off by 8802; 3,000 and the 1,200 credit on account.
        assert!(!card.contains("which one"), "{name}: one customer\n{card}");
        assert!(card.contains("Open $4,000.00 · overdue $4,000.00"), "{name}: {card}");
        assert!(
            card.contains(
                "On account: unapplied cash $3,000.00 · open credits $1,200.00 — apply before chasing (they are owed \
                 $200.00)."
            ),
            "{name}: {card}"
        );
        assert!(card.contains("PM: @rosa"), "{name}: {card}");
        assert!(card.contains("Harbor Point Lofts (FL, sub) — $4,000.00 unpaid"), "{name}: {card}");
        assert!(card.contains("#5001  $4,000.00  42 days past due"), "{name}: {card}");

        // A CAD customer: what it owes and its credit, each in its own currency.
        let pine = ask("/ar customer pinecrest");
        assert!(pine.contains("Also open in other currencies: CA$5,000.00"), "{name}: {pine}");
        assert!(
            pine.contains("On account in other currencies (unapplied cash and credits): CA$500.00 (not in the USD"),
            "{name}: {pine}"
        );
        assert!(!pine.contains("open credits $500.00") && !pine.contains("paid up"), "{name}: {pine}");

        let inv = ask("/ar invoice 5001");
        assert!(inv.contains("$4,000.00 of $24,000.00"), "{name}: {inv}");
        assert!(inv.contains("$20,000.00") && inv.contains("8801"), "{name}: {inv}");
        let paid = ask("/ar invoice 5002");
        assert!(paid.contains("$0.00 of $12,500.00"), "{name}: {paid}");

        let aging = ask("/ar aging");
        assert!(aging.contains("$4,000.00"), "{name}: {aging}");
        assert!(aging.contains("1 open invoice in other currencies is not included"), "{name}: {aging}");
        // Before the payments: what the invoices file said on Nov 20, never more than invoiced.
        let before = ask("/ar aging 2026-11-21");
        assert!(before.contains("$31,500.00"), "{name}: 24,000 + 7,500\n{before}");
        assert!(!before.contains("$51,500.00") && !before.contains("$39,000.00"), "{name}: {before}");

        // Thursday Nov 26: the payments of Wednesday Nov 25 (8801 and 8803).
        let digest = ask("/ar digest");
        assert!(digest.contains("Payments since yesterday (2) · $23.0k"), "{name}: {digest}");

        // The same files again change nothing.
        for (file, text) in
            [("customers.csv", CUSTOMERS), ("jobs.csv", JOBS), ("invoices.csv", INVOICES), ("payments.csv", PAYMENTS)]
        {
            let again = load(&rt, &db, dir.path(), file, text, "2026-11-27");
            assert_eq!((again.stats.new, again.stats.updated, again.credits.updated), (0, 0, 0), "{name}: {file}");
        }
        assert_eq!(rt.block_on(snapshot::read(&db, "spreadsheet")), got, "{name}");
        rt.block_on(db.close());
    }
}

#[test]
fn payments_then_invoices_ends_as_invoices_then_payments() {
    let rt = Runtime::new().unwrap();
    let mut pairs = vec![(rt.block_on(TestDb::sqlite()), rt.block_on(TestDb::sqlite()))];
    if let (Some(a), Some(b)) = (rt.block_on(TestDb::postgres()), rt.block_on(TestDb::postgres())) {
        pairs.push((a, b));
    }
    for (first, second) in pairs {
        let name = first.name;
        let mut ends = Vec::new();
        for (db, payments_first) in [(&first, false), (&second, true)] {
            let dir = tempfile::tempdir().unwrap();
            load(&rt, db, dir.path(), "customers.csv", CUSTOMERS, "2026-11-26");
            load(&rt, db, dir.path(), "jobs.csv", JOBS, "2026-11-26");
            if payments_first {
                load(&rt, db, dir.path(), "payments.csv", PAYMENTS, "2026-11-26");
            }
            load(&rt, db, dir.path(), "invoices.csv", INVOICES, "2026-11-26");
            if !payments_first {
                load(&rt, db, dir.path(), "payments.csv", PAYMENTS, "2026-11-26");
            }
            let got = rt.block_on(snapshot::read(db, "spreadsheet"));
            // Imported on Nov 26, after the payments, so the stated balances are as of Nov 26 and
            // already count what was paid by then: 5001's 24,000 can't count the 20,000 of Nov 25
            // (nothing was paid, it says), so that payment counts; 5002's 7,500 says 5,000 was
            // paid, 8802 says 7,500 was: the larger counts, once, leaving 5,000.
            assert_eq!(
                (got.invoices["inv:5001"].balance, got.invoices["inv:5002"].balance),
                (400_000, 500_000),
                "{name}, payments first: {payments_first}"
            );
            ends.push(got);
        }
        assert_eq!(ends[0], ends[1], "{name}");
        rt.block_on(first.close());
        rt.block_on(second.close());
    }
}

#[test]
fn a_customer_met_by_name_and_by_number_before_the_customers_file_becomes_one() {
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let name = db.name;
        let dir = tempfile::tempdir().unwrap();
        // The payments name the customer, the invoices its number and the job's: two mentions
        // arbot can't tie together yet...
        load(&rt, &db, dir.path(), "payments.csv", PAYMENTS, "2026-11-26");
        load(&rt, &db, dir.path(), "invoices.csv", INVOICES, "2026-11-26");
        // ...until the jobs and customers files say who is who.
        load(&rt, &db, dir.path(), "jobs.csv", JOBS, "2026-11-26");
        load(&rt, &db, dir.path(), "customers.csv", CUSTOMERS, "2026-11-26");
        let got = rt.block_on(snapshot::read(&db, "spreadsheet"));
        let live: Vec<&String> = got.customers.keys().collect();
        assert_eq!(live, ["C-1001", "C-2002"], "{name}: the customer met twice folded into one");
        assert_eq!(got.jobs.keys().collect::<Vec<_>>(), ["J-240"], "{name}: {:?}", got.jobs);
        let a = app(&db, "2026-11-26");
        let card = answer(&rt, &a, "/ar customer bayfront").unwrap();
        assert!(!card.contains("which one"), "{name}: one customer {live:?}\n{card}");
        assert!(card.contains("Open $9,000.00"), "{name}: 4,000 on 5001 and 5,000 on 5002\n{card}");
        assert!(card.contains("Harbor Point Lofts (FL, sub) — $9,000.00 unpaid"), "{name}: one job\n{card}");
        assert!(!card.contains("J-240"), "{name}: the job by its name, once\n{card}");
        assert!(card.contains("PM: @rosa"), "{name}: {card}");
        rt.block_on(db.close());
    }
}

#[test]
fn the_templates_own_example_ends_paid_off() {
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let dir = tempfile::tempdir().unwrap();
        use arbot_connector_spreadsheet::{Kind, template};
        load(&rt, &db, dir.path(), "customers.csv", &template(Kind::Customers), "2026-12-02");
        load(&rt, &db, dir.path(), "jobs.csv", &template(Kind::Jobs), "2026-12-02");
        load(&rt, &db, dir.path(), "invoices.csv", &template(Kind::Invoices), "2026-12-02");
        load(&rt, &db, dir.path(), "payments.csv", &template(Kind::Payments), "2026-12-02");
        let got = rt.block_on(snapshot::read(&db, "spreadsheet"));
        assert_eq!(got.customers.len(), 1, "{}: {:?}", db.name, got.customers);
        assert_eq!(got.jobs.len(), 1, "{}: {:?}", db.name, got.jobs);
        let inv = &got.invoices["inv:1042"];
        // Balance 7,500 as of Nov 1, then a 7,500 payment on Nov 20.
        assert_eq!((inv.total, inv.balance, inv.status.as_str()), (1_250_000, 0, "paid"), "{}", db.name);
        let a = app(&db, "2026-12-02");
        let before = answer(&rt, &a, "/ar aging 2026-11-10").unwrap();
        assert!(before.contains("$7,500.00") && !before.contains("$15,000.00"), "{}: {before}", db.name);
        rt.block_on(db.close());
    }
}
