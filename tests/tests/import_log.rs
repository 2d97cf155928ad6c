//! `arbot import --kind notes|promises` end to end on a real SQLite file and (with
//! ARBOT_TEST_POSTGRES_URL) a real PostgreSQL database, on a ledger brought in from spreadsheets
//! of its own: a log with synonym headers and mistakes refused whole, the fixed log imported, a
//! re-import and a later export adding only what is new, `/ar history` showing the rows on their
//! own dates, and a promises log judged kept/partly kept/open from the payments imported.

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test

use std::path::{Path, PathBuf};

use arbot::app::App;
use arbot::commands::run_line;
use arbot::config::Config;
use arbot::console::render::to_text;
use arbot::import::{ImportRequest, import};
use arbot::import_log::{LogFailure, LogKind, LogRequest, import_log, summary};
use arbot::roles::{Actor, Role};
use arbot_core::audit::AuditQuery;
use arbot_core::collections::{Outcome, PromiseRules};
use arbot_core::{Clock, Currency, PinnedClock};
use arbot_tests::TestDb;
use arbot_tests::xlsx::{self, XCell};
use chrono::NaiveDate;

fn clock() -> PinnedClock {
    PinnedClock { today: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(), tz: chrono_tz::America::Chicago }
}

fn rules() -> PromiseRules {
    PromiseRules { grace_days: Config::default().collections.promise_grace_days, tz: chrono_tz::America::Chicago }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn req(file: &Path, kind: LogKind) -> LogRequest {
    LogRequest { file: file.to_path_buf(), kind, currency: Currency::USD, rules: rules() }
}

async fn log(db: &TestDb, file: &Path, kind: LogKind) -> Result<arbot::import_log::LogImported, LogFailure> {
    let mut lines = Vec::new();
    let out = import_log(db.store.as_ref(), &clock(), &req(file, kind), &mut |l| lines.push(l)).await;
    assert!(lines.is_empty(), "a small file prints no progress: {lines:?}");
    out
}

/// Three subcontractor customers, their invoices, and two payments, imported from spreadsheets.
async fn ledger(db: &TestDb, dir: &Path) {
    let invoices = "Invoice #,Customer,Invoice Date,Due Date,Total\n\
                    2210,Harbor Steel Erectors,2026-09-01,2026-10-01,\"8,400.00\"\n\
                    2211,Harbor Steel Erectors,2026-09-15,2026-10-15,\"3,000.00\"\n\
                    2212,Pinecrest Mechanical,2026-09-20,2026-10-20,\"5,500.00\"\n\
                    2213,Lakeshore Civil,2026-10-01,2026-10-31,\"1,200.00\"\n";
    let payments = "Check #,Customer,Payment Date,Amount,Invoice #\n\
                    9001,Harbor Steel Erectors,2026-11-10,\"8,400.00\",2210\n\
                    9002,Pinecrest Mechanical,2026-11-05,\"1,000.00\",2212\n";
    for (name, text) in [("inv.csv", invoices), ("pay.csv", payments)] {
        let r = ImportRequest {
            file: write(dir, name, text),
            kind: None,
            mapping: None,
            skip_bad_rows: false,
            source: "spreadsheet".into(),
        };
        import(db.store.as_ref(), &clock(), Currency::USD, &r).await.unwrap();
    }
}

async fn customer_id(db: &TestDb, name: &str) -> i64 {
    db.store.customer_names().await.unwrap().into_iter().find(|c| c.name == name).unwrap().id
}

fn app(db: &TestDb) -> App {
    App { store: db.store.clone(), clock: std::sync::Arc::new(clock()), config: Config::default(), sources: Vec::new() }
}

async fn ask(app: &App, line: &str) -> String {
    let actor = Actor { id: "id-dana".into(), name: "dana".into(), roles: vec![Role::Ar] };
    to_text(&run_line(app, line, actor).await)
}

const NOTES_BAD: &str = "Contact Date,Client,Inv #,Method,What was said,Collector,Next Follow Up\n\
2026-10-05,Harbor Steel Erectors,2210,Phone,\"Spoke to AP, check cut Friday\",Dana,2026-10-12\n\
10/28/2026,Pinecrest Mechanical,,email,Sent statement,Dana,\n\
2026-11-02,Harbr Steel Erector,,call,Left voicemail for Ray,Lee,\n\
2026-11-03,Pinecrest Mechanical,2210,call,Asked about the retainage,Lee,\n\
2026-11-04,Lakeshore Civil,,smoke signal,Waved,Lee,\n";

#[tokio::test]
async fn a_notes_log_is_refused_whole_then_imported_once_on_its_own_dates() {
    for db in TestDb::all().await {
        let name = db.name;
        let dir = tempfile::tempdir().unwrap();
        ledger(&db, dir.path()).await;
        let harbor = customer_id(&db, "Harbor Steel Erectors").await;
        let pinecrest = customer_id(&db, "Pinecrest Mechanical").await;

        let bad = write(dir.path(), "log.csv", NOTES_BAD);
        let err = log(&db, &bad, LogKind::Notes).await.unwrap_err().to_string();
        assert!(err.starts_with("Nothing was imported: 3 of 5 rows have problems:"), "{name}: {err}");
        assert!(
            err.contains("row 4, column 'Client' ('Harbr Steel Erector'): is no customer arbot has; the closest are Harbor Steel Erectors"),
            "{name}: {err}"
        );
        assert!(
            err.contains("row 5, column 'Inv #' ('2210'): belongs to Harbor Steel Erectors, not Pinecrest Mechanical"),
            "{name}: {err}"
        );
        assert!(err.contains("row 6, column 'Method' ('smoke signal'): is not a kind of contact"), "{name}: {err}");
        assert!(db.store.notes_for_customer(harbor, 50).await.unwrap().is_empty(), "{name}: nothing written");
        assert!(db.store.notes_for_customer(pinecrest, 50).await.unwrap().is_empty(), "{name}: nothing written");

        let fixed = NOTES_BAD
            .replace("Harbr Steel Erector,", "harbor steel  erectors,")
            .replace("Mechanical,2210", "Mechanical,2212")
            .replace("smoke signal", "meeting");
        let good = write(dir.path(), "log.csv", &fixed);
        let first = log(&db, &good, LogKind::Notes).await.unwrap();
        assert_eq!((first.rows, first.new, first.already), (5, 5, 0), "{name}");
        assert_eq!(summary(&first), "Imported 5 notes from log.csv.");

        let notes = db.store.notes_for_customer(harbor, 50).await.unwrap();
        assert_eq!(notes.len(), 2, "{name}: {notes:?}");
        let spoke = notes.iter().find(|n| n.body == "Spoke to AP, check cut Friday").unwrap();
        assert_eq!(spoke.created_at.with_timezone(&chrono_tz::America::Chicago).date_naive().to_string(), "2026-10-05");
        assert_eq!((spoke.kind.as_str(), spoke.author.as_str()), ("call", "Dana"), "{name}: Phone reads as a call");
        assert_eq!(spoke.follow_up_on, NaiveDate::from_ymd_opt(2026, 10, 12));
        assert!(spoke.invoice_id.is_some(), "{name}: invoice 2210 kept");
        // Newest first: the later contact is the card's last note.
        assert_eq!(notes[0].body, "Left voicemail for Ray", "{name}");

        // The same file again, and a later export repeating every earlier row with one more.
        let again = log(&db, &good, LogKind::Notes).await.unwrap();
        assert_eq!((again.new, again.already), (0, 5), "{name}");
        assert_eq!(summary(&again), "Nothing new in log.csv: arbot already had all 5 of its notes. Nothing was added.");
        let later = format!("{fixed}2026-11-20,Pinecrest Mechanical,,call,Promised the balance by December,Dana,\n");
        let later = write(dir.path(), "log-november.csv", &later);
        let third = log(&db, &later, LogKind::Notes).await.unwrap();
        assert_eq!((third.new, third.already), (1, 5), "{name}");
        assert_eq!(
            summary(&third),
            "Imported 1 note from log-november.csv; 5 of its rows were already in arbot and were left as they were."
        );
        assert_eq!(db.store.notes_for_customer(pinecrest, 50).await.unwrap().len(), 3, "{name}");

        let history = ask(&app(&db), "/ar history harbor").await;
        assert!(history.contains("Spoke to AP, check cut Friday"), "{name}: {history}");
        assert!(history.contains("Left voicemail for Ray"), "{name}: {history}");
        // A log gives the day of a contact, not its time: none is made up.
        let line = history.lines().find(|l| l.contains("Left voicemail for Ray")).unwrap_or_default();
        assert!(line.trim_start().starts_with("Nov 2 ") && !line.contains("Nov 2,"), "{name}: {history}");
        let card = ask(&app(&db), "/ar customer pinecrest").await;
        assert!(card.contains("Promised the balance by December"), "{name}: the newest note on the card\n{card}");

        // One audit record per import, beside one per row.
        let trail = db.store.audit_trail(AuditQuery { limit: 100, ..AuditQuery::default() }).await.unwrap();
        let imports: Vec<_> = trail.iter().filter(|e| e.action == "import").collect();
        assert_eq!(imports.len(), 3, "{name}: {imports:?}");
        assert_eq!(imports[0].after.as_deref(), Some("log-november.csv, 6 rows: 1 new, 5 already there"));
        assert_eq!(trail.iter().filter(|e| e.action == "note").count(), 6, "{name}");
        db.close().await;
    }
}

const PROMISES: &str = "Customer,Amount Promised,Date Promised,Invoice(s),Logged,Notes,By\n\
Harbor Steel Erectors,\"8,400.00\",2026-11-12,2210,2026-11-01,Check Friday,Dana\n\
Pinecrest Mechanical,5500,2026-11-08,#2212,2026-10-28,,Dana\n\
Lakeshore Civil,$1200,2026-12-01,,,Wire after their draw,Lee\n";

#[tokio::test]
async fn a_promises_log_is_judged_from_the_payments_and_keeps_one_open_promise() {
    for db in TestDb::all().await {
        let name = db.name;
        let dir = tempfile::tempdir().unwrap();
        ledger(&db, dir.path()).await;

        // A past promise with no Logged day can't be judged, and an amount must be money.
        let bad = PROMISES.replace(",2026-10-28,", ",,").replace("$1200", "twelve hundred");
        let err = log(&db, &write(dir.path(), "p.csv", &bad), LogKind::Promises).await.unwrap_err().to_string();
        assert!(err.contains("row 3, column 'Logged': is empty, and the promised day has passed"), "{name}: {err}");
        assert!(err.contains("row 4, column 'Amount Promised' ('twelve hundred')"), "{name}: {err}");
        assert!(err.ends_with("the whole file goes in at once or not at all."), "{name}: {err}");

        // The file repeats its Lakeshore row (pasted twice): one promise, not a second open one.
        let file = write(dir.path(), "p.csv", &format!("{PROMISES}Lakeshore Civil,1200.00,12/1/2026,,,,Lee\n"));
        let done = log(&db, &file, LogKind::Promises).await.unwrap();
        assert_eq!((done.new, done.already), (3, 1), "{name}");
        let today = clock().today();
        let cash = db.store.cash_applied(None, NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()).await.unwrap();
        let outcome = |p: &arbot_core::collections::Promise| p.outcome(&cash, today, rules());
        let harbor = db.store.promises_for_customer(customer_id(&db, "Harbor Steel Erectors").await).await.unwrap();
        assert!(matches!(outcome(&harbor[0]), Outcome::Kept { .. }), "{name}: paid 11-10 in full: {harbor:?}");
        let pine = db.store.promises_for_customer(customer_id(&db, "Pinecrest Mechanical").await).await.unwrap();
        match outcome(&pine[0]) {
            Outcome::PartlyKept { paid, short } => assert_eq!((paid.minor, short.minor), (100_000, 450_000)),
            other => panic!("{name}: {other:?}"),
        }
        let lake = db.store.promises_for_customer(customer_id(&db, "Lakeshore Civil").await).await.unwrap();
        assert!(matches!(outcome(&lake[0]), Outcome::Pending { .. }), "{name}");
        assert_eq!(lake[0].created_by, "Lee");
        let history = ask(&app(&db), "/ar history pinecrest").await;
        assert!(history.contains("$5,500.00"), "{name}: {history}");

        // Again: nothing twice. A second open promise for Lakeshore is refused, whole.
        let again = log(&db, &file, LogKind::Promises).await.unwrap();
        assert_eq!((again.new, again.already), (0, 4), "{name}");
        let second = format!("{PROMISES}Lakeshore Civil,600,2026-12-05,,2026-11-20,,Lee\n");
        // (row 5 of this file: the header is row 1)
        let err = log(&db, &write(dir.path(), "p2.csv", &second), LogKind::Promises).await.unwrap_err().to_string();
        assert!(
            err.contains("row 5, column 'Date Promised' ('2026-12-05'): would be a second open promise: the customer already has $1,200.00 promised by 2026-12-01 (in arbot)"),
            "{name}: {err}"
        );
        assert_eq!(db.store.promises_for_customer(customer_id(&db, "Lakeshore Civil").await).await.unwrap().len(), 1);
        db.close().await;
    }
}

#[tokio::test]
async fn a_big_log_shows_its_progress_and_goes_in_whole() {
    for db in TestDb::all().await {
        let name = db.name;
        let dir = tempfile::tempdir().unwrap();
        ledger(&db, dir.path()).await;
        let mut text = String::from("Date,Customer,Type,Notes,By\n");
        for k in 0..1_200 {
            let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(k % 300);
            text.push_str(&format!("{day},Lakeshore Civil,call,Call number {k},Lee\n"));
        }
        let file = write(dir.path(), "big.csv", &text);
        let mut lines = Vec::new();
        let done =
            import_log(db.store.as_ref(), &clock(), &req(&file, LogKind::Notes), &mut |l| lines.push(l)).await.unwrap();
        assert_eq!((done.new, done.already), (1_200, 0), "{name}");
        assert_eq!(
            lines,
            vec![
                "Checking 1200 rows of big.csv…".to_string(),
                "  checked 1000 of 1200".to_string(),
                "Writing 1200 rows in one transaction…".to_string()
            ],
            "{name}"
        );
        let lake = customer_id(&db, "Lakeshore Civil").await;
        assert_eq!(db.store.notes_for_customer(lake, 5_000).await.unwrap().len(), 1_200, "{name}");
        db.close().await;
    }
}

#[tokio::test]
async fn an_xlsx_promises_log_with_date_cells_and_numbers_imports() {
    for db in TestDb::all().await {
        let name = db.name;
        let dir = tempfile::tempdir().unwrap();
        ledger(&db, dir.path()).await;
        let day = |s: &str| XCell::D(s.parse().unwrap());
        let rows = vec![
            vec![
                XCell::S("Client"),
                XCell::S("Promise Amount"),
                XCell::S("Pay By"),
                XCell::S("Date Logged"),
                XCell::S("Rep"),
            ],
            vec![
                XCell::S("Harbor Steel Erectors"),
                XCell::N("8400"),
                day("2026-11-12"),
                day("2026-11-01"),
                XCell::S("Dana"),
            ],
        ];
        let file = dir.path().join("Promises.xlsx");
        xlsx::write(&file, "Log", &rows);
        let done = log(&db, &file, LogKind::Promises).await.unwrap();
        assert_eq!((done.rows, done.new), (1, 1), "{name}");
        let harbor = db.store.promises_for_customer(customer_id(&db, "Harbor Steel Erectors").await).await.unwrap();
        assert_eq!((harbor[0].amount.minor, harbor[0].promised_for.to_string()), (840_000, "2026-11-12".to_string()));
        assert_eq!(harbor[0].logged_on(chrono_tz::America::Chicago).to_string(), "2026-11-01", "{name}");
        assert_eq!(harbor[0].created_by, "Dana");
        db.close().await;
    }
}
