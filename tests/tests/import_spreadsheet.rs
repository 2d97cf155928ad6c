//! `arbot import` end to end on a real SQLite file and (with ARBOT_TEST_POSTGRES_URL) a real
//! PostgreSQL database: the default template, a mapped XLSX workbook, a file with bad rows
//! (nothing imported, every bad value listed), --skip-bad-rows, payments applied to imported
//! invoices, and re-importing the same file (nothing changes).

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test

use std::path::{Path, PathBuf};

use arbot::import::{ImportFailure, ImportRequest, import, summary};
use arbot_connector_spreadsheet::Kind;
use arbot_core::{Currency, PinnedClock};
use arbot_tests::TestDb;
use arbot_tests::snapshot::{self, InvoiceRow};
use arbot_tests::xlsx::{self, XCell};
use chrono::NaiveDate;

fn clock() -> PinnedClock {
    PinnedClock { today: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(), tz: chrono_tz::America::New_York }
}

fn request(file: &Path, kind: Option<Kind>) -> ImportRequest {
    ImportRequest { file: file.to_path_buf(), kind, mapping: None, skip_bad_rows: false, source: "spreadsheet".into() }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const INVOICES: &str = "invoice,customer,job,date,due,total,balance,retainage,currency,status,memo\n\
1042,Acme Builders,Marina Tower,2026-10-15,2026-11-14,\"12,500.00\",\"7,500.00\",\"1,250.00\",,,October pay app\n\
1043,Acme Builders,,10/20/2026,\"Nov 19, 2026\",$950,,,,,\n\
1044,Gulf Coast GC,,2026-09-01,2026-10-01,300,,,,void,\n\
1045,Maple Homes,,2026-11-01,2026-12-01,(0),,,CAD,,\n";

#[tokio::test]
async fn the_template_imports_and_importing_again_changes_nothing() {
    for db in TestDb::all().await {
        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "invoices.csv", INVOICES);
        let first = import(db.store.as_ref(), &clock(), Currency::USD, &request(&file, None)).await.unwrap();
        assert_eq!(first.kind, Kind::Invoices);
        assert_eq!((first.stats.new, first.stats.updated, first.new_names), (4, 0, 4), "{}: {first:?}", db.name);
        let got = snapshot::read(&db, "spreadsheet").await;
        assert_eq!(
            got.invoices["inv:1042"],
            InvoiceRow {
                customer: "acme builders".into(),
                job: Some("acme builders/marina tower".into()),
                number: "1042".into(),
                status: "open".into(),
                currency: "USD".into(),
                total: 1_250_000,
                balance: 750_000,
            }
        );
        assert_eq!(got.invoices["inv:1043"].balance, 95_000);
        assert_eq!(got.invoices["inv:1044"].status, "void");
        assert_eq!(
            (got.invoices["inv:1045"].currency.as_str(), got.invoices["inv:1045"].status.as_str()),
            ("CAD", "paid")
        );
        assert_eq!(got.customers["acme builders"], ("Acme Builders".to_string(), true), "named as in the file");
        assert_eq!(got.jobs["acme builders/marina tower"].1, "Marina Tower");

        let again = import(db.store.as_ref(), &clock(), Currency::USD, &request(&file, None)).await.unwrap();
        assert_eq!(
            (again.stats.new, again.stats.updated, again.stats.unchanged, again.new_names),
            (0, 0, 4, 0),
            "{}",
            db.name
        );
        assert!(summary(&again).contains("Nothing changed"), "{}", summary(&again));
        assert_eq!(snapshot::read(&db, "spreadsheet").await, got, "{}", db.name);

        // One balance changed in the file: one invoice updated.
        let paid = write(dir.path(), "invoices.csv", &INVOICES.replace("\"7,500.00\"", "0"));
        let third = import(db.store.as_ref(), &clock(), Currency::USD, &request(&paid, None)).await.unwrap();
        assert_eq!((third.stats.new, third.stats.updated), (0, 1), "{}", db.name);
        assert_eq!(snapshot::read(&db, "spreadsheet").await.invoices["inv:1042"].status, "paid");
        db.close().await;
    }
}

#[tokio::test]
async fn a_file_with_bad_rows_imports_nothing_and_lists_every_bad_value() {
    for db in TestDb::all().await {
        let dir = tempfile::tempdir().unwrap();
        let text = "invoice,customer,date,due,total\n\
                    2001,Acme,2026-10-01,2026-10-31,100\n\
                    2002,Acme,13/45/2026,2026-10-31,100\n\
                    2003,Acme,2026-10-03,2026-10-31,1.234\n\
                    2004,,2026-10-04,2026-10-31,\n\
                    2005,Acme,2026-10-05,2026-11-04,\"$2,000.00\"\n\
                    2006,Acme,2026-10-06,2026-11-05,$1,500.00\n";
        let file = write(dir.path(), "ar.csv", text);
        let err = import(db.store.as_ref(), &clock(), Currency::USD, &request(&file, Some(Kind::Invoices)))
            .await
            .unwrap_err();
        let ImportFailure::BadRows { problems, .. } = &err else { panic!("{err}") };
        let listed: Vec<(usize, &str)> = problems.iter().map(|p| (p.row, p.column.as_str())).collect();
        assert_eq!(listed, vec![(3, "date"), (4, "total"), (5, "customer"), (5, "total"), (7, "(whole row)")], "{err}");
        let text = err.to_string();
        assert!(text.starts_with("Nothing was imported: 4 of 6 rows have problems:"), "{text}");
        assert!(text.contains("row 3, column 'date' ('13/45/2026')"), "{text}");
        assert!(text.contains("needs quotes"), "{text}");
        assert!(text.contains("--skip-bad-rows to import the 2 good rows"), "{text}");
        assert_eq!(db.store.counts().await.unwrap().invoices, 0, "{}: nothing written", db.name);
        assert_eq!(db.store.counts().await.unwrap().customers, 0, "{}: nothing written", db.name);

        // Told to, it imports the good rows and still lists the bad ones.
        let req = ImportRequest { skip_bad_rows: true, ..request(&file, Some(Kind::Invoices)) };
        let done = import(db.store.as_ref(), &clock(), Currency::USD, &req).await.unwrap();
        assert_eq!((done.stats.new, done.skipped_rows), (2, 4));
        let got = snapshot::read(&db, "spreadsheet").await;
        assert_eq!(got.invoices.keys().collect::<Vec<_>>(), ["inv:2001", "inv:2005"]);
        assert_eq!(got.invoices["inv:2005"].total, 200_000);
        assert!(
            summary(&done).contains("Skipped 4 row(s) with problems:\n  row 3, column 'date'"),
            "{}",
            summary(&done)
        );
        db.close().await;
    }
}

#[tokio::test]
async fn payments_apply_to_imported_invoices() {
    for db in TestDb::all().await {
        let dir = tempfile::tempdir().unwrap();
        import(db.store.as_ref(), &clock(), Currency::USD, &request(&write(dir.path(), "i.csv", INVOICES), None))
            .await
            .unwrap();
        let payments = "Check #,Customer,Payment Date,Amount,Invoice #\n\
                        4471,Acme Builders,2026-11-20,\"5,000.00\",1042\n\
                        4471,Acme Builders,2026-11-20,950.00,1043\n\
                        ,Maple Homes,2026-11-21,250,\n";
        let file = write(dir.path(), "payments.csv", payments);
        let done = import(db.store.as_ref(), &clock(), Currency::USD, &request(&file, None)).await.unwrap();
        assert_eq!((done.kind, done.stats.new), (Kind::Payments, 2));
        let got = snapshot::read(&db, "spreadsheet").await;
        let check = &got.payments["pay:acme builders:4471"];
        assert_eq!((check.amount, check.unapplied), (595_000, 0));
        assert_eq!(check.applications, vec![("inv:1042".into(), 500_000, None), ("inv:1043".into(), 95_000, None)]);
        let on_account = got.payments.values().find(|p| p.customer == "maple homes").unwrap();
        assert_eq!((on_account.amount, on_account.unapplied), (25_000, 25_000));
        // The applications found their invoices.
        let invoice = db.store.invoices_numbered("1042").await.unwrap();
        let applied = db.store.applications_to_invoice(invoice[0].id).await.unwrap();
        assert_eq!(applied.len(), 1);
        let again = import(db.store.as_ref(), &clock(), Currency::USD, &request(&file, None)).await.unwrap();
        assert_eq!((again.stats.new, again.stats.updated), (0, 0), "{}", db.name);
        db.close().await;
    }
}

#[tokio::test]
async fn an_import_is_a_sync_run_that_infers_nothing_from_what_the_file_leaves_out() {
    use arbot_core::source::Entity;
    for db in TestDb::all().await {
        let dir = tempfile::tempdir().unwrap();
        let store = db.store.as_ref();
        import(store, &clock(), Currency::USD, &request(&write(dir.path(), "i.csv", INVOICES), None)).await.unwrap();
        let run = store.last_sync_run("spreadsheet").await.unwrap().unwrap();
        assert_eq!((run.status, run.detail.as_deref()), (arbot_core::store::RunStatus::Done, None), "{}", db.name);
        let before = snapshot::read(&db, "spreadsheet").await;

        // A file without invoice 1045: 1045 stays, as it was (absence deletes nothing).
        let fewer: String = INVOICES.lines().filter(|l| !l.starts_with("1045")).map(|l| format!("{l}\n")).collect();
        let done =
            import(store, &clock(), Currency::USD, &request(&write(dir.path(), "i.csv", &fewer), None)).await.unwrap();
        assert_eq!((done.stats.unchanged, done.stats.deleted, done.stats.voided), (3, 0, 0), "{}", db.name);
        // A file of customers touches no invoice.
        let customers = write(
            dir.path(),
            "c.csv",
            "name,email,billing address\nAcme Builders,ap@acme.example,\"400 Channelside Dr | Suite 2 | Tampa, FL 33602\"\n",
        );
        let done = import(store, &clock(), Currency::USD, &request(&customers, None)).await.unwrap();
        assert_eq!((done.kind, done.stats.updated, done.new_names), (Kind::Customers, 1, 0), "{}", db.name);
        let acme = store.customers_matching("Acme Builders", 1).await.unwrap().remove(0);
        let acme = store.customer(acme.id).await.unwrap().unwrap();
        assert_eq!(acme.address.as_deref(), Some("400 Channelside Dr\nSuite 2\nTampa, FL 33602"), "{}", db.name);
        let after = snapshot::read(&db, "spreadsheet").await;
        assert_eq!(after.invoices, before.invoices, "{}", db.name);
        assert_eq!(after.jobs, before.jobs, "{}", db.name);
        // A file has no watermark: every import reads it all.
        for entity in Entity::ALL {
            assert_eq!(store.watermark("spreadsheet", entity).await.unwrap(), None, "{}: {entity:?}", db.name);
        }
        db.close().await;
    }
}

#[tokio::test]
async fn a_mapped_xlsx_workbook_imports_with_its_dates_and_amounts() {
    use XCell::*;
    for db in TestDb::all().await {
        let dir = tempfile::tempdir().unwrap();
        let day = |m, d| D(NaiveDate::from_ymd_opt(2026, m, d).unwrap());
        let path = dir.path().join("Open AR.xlsx");
        xlsx::write(
            &path,
            "Open AR",
            &[
                vec![S("Doc No."), S("Bill-To"), S("Inv Date"), S("Terms Due"), S("Orig Amt"), S("Amt Due")],
                vec![
                    N("7001"),
                    S("Bayside Construction"),
                    day(9, 30),
                    day(10, 30),
                    N("12500.5"),
                    N("0.30000000000000004"),
                ],
                vec![N("7002"), S("Bayside Construction"), day(10, 31), day(11, 30), N("980"), N("980")],
            ],
        );
        let mapping = write(
            dir.path(),
            "map.toml",
            "kind = \"invoices\"\nsheet = \"Open AR\"\n[columns]\ninvoice = \"Doc No.\"\ncustomer = \"Bill-To\"\n\
             date = \"Inv Date\"\ndue = \"Terms Due\"\ntotal = \"Orig Amt\"\nbalance = \"Amt Due\"\n",
        );
        let req = ImportRequest { mapping: Some(mapping.clone()), ..request(&path, None) };
        let done = import(db.store.as_ref(), &clock(), Currency::USD, &req).await.unwrap();
        assert_eq!(done.stats.new, 2, "{}: {done:?}", db.name);
        let got = snapshot::read(&db, "spreadsheet").await;
        assert_eq!((got.invoices["inv:7001"].total, got.invoices["inv:7001"].balance), (1_250_050, 30));
        let inv = db.store.invoices_numbered("7001").await.unwrap();
        assert_eq!(
            (inv[0].issued, inv[0].due),
            (NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(), NaiveDate::from_ymd_opt(2026, 10, 30).unwrap())
        );
        let again = import(db.store.as_ref(), &clock(), Currency::USD, &req).await.unwrap();
        assert_eq!((again.stats.new, again.stats.updated), (0, 0));

        // A mapping that names a column the file does not have says which ones it has.
        let wrong = write(dir.path(), "wrong.toml", "kind = \"invoices\"\n[columns]\ntotal = \"Amount\"\n");
        let err = import(
            db.store.as_ref(),
            &clock(),
            Currency::USD,
            &ImportRequest { mapping: Some(wrong), ..request(&path, None) },
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("no such column") && err.to_string().contains("Orig Amt"), "{err}");
        db.close().await;
    }
}

/// An Excel date cell gets the same window as a typed date: year 9999 or 1985 in a date cell
/// is refused with the row, the column and the sentence, and nothing is imported.
#[tokio::test]
async fn excel_date_cells_outside_the_plausible_years_are_refused() {
    use XCell::*;
    let db = TestDb::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dates.xlsx");
    let day = |y, m, d| D(NaiveDate::from_ymd_opt(y, m, d).unwrap());
    xlsx::write(
        &path,
        "Sheet1",
        &[
            vec![S("invoice"), S("customer"), S("date"), S("due"), S("total")],
            vec![N("81"), S("Pelican Bay Millwork"), day(2026, 9, 30), day(9999, 12, 31), N("410")],
            vec![N("82"), S("Pelican Bay Millwork"), day(1985, 6, 1), day(2026, 10, 30), N("95")],
            vec![N("83"), S("Pelican Bay Millwork"), day(2026, 10, 1), day(2026, 10, 31), N("120")],
        ],
    );
    let err = import(db.store.as_ref(), &clock(), Currency::USD, &request(&path, None)).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("2 of 3 rows"), "{text}");
    assert!(text.contains("9999-12-31 is outside the years arbot works with"), "{text}");
    assert!(text.contains("1985-06-01 is outside the years arbot works with"), "{text}");
    assert!(snapshot::read(&db, "spreadsheet").await.invoices.is_empty(), "nothing imported");
    db.close().await;
}
