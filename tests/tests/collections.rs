//! Collections from chat, end to end through the console's parser and handlers on a real
//! database (SQLite, and PostgreSQL when `ARBOT_TEST_POSTGRES_URL` is set), on a small ledger of
//! its own (not the demo's): the audit trail, notes and follow-ups.

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test
#![allow(clippy::inconsistent_digit_grouping)] // amounts read as dollars_cents

use std::sync::Arc;

use arbot::app::App;
use arbot::commands::run_line;
use arbot::config::Config;
use arbot::console::answer;
use arbot::console::render::to_text;
use arbot::roles::{Actor, Role};
use arbot_core::audit::AuditQuery;
use arbot_core::ledger::{CustomerKind, InvoiceKind, OurRole, ProjectType};
use arbot_core::source::{
    ApplicationRecord, CustomerRecord, Entity, InvoiceRecord, JobRecord, PaymentRecord, Record, Version,
};
use arbot_core::{Currency, PinnedClock};
use arbot_tests::TestDb;
use chrono::{NaiveDate, TimeZone, Utc};
use tokio::runtime::Runtime;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn version() -> Version {
    Version { updated_at: Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap(), seq: 0 }
}

fn customer(ext: &str, name: &str, pm: &str) -> Record {
    Record::Customer(CustomerRecord {
        external_id: ext.into(),
        name: name.into(),
        kind: CustomerKind::GeneralContractor,
        email: None,
        address: None,
        phone: None,
        terms_days: Some(30),
        pm: Some(pm.into()),
        active: true,
        version: version(),
    })
}

fn invoice(ext: &str, cust: &str, job: Option<&str>, number: &str, balance: i64, due: &str) -> Record {
    Record::Invoice(InvoiceRecord {
        external_id: ext.into(),
        customer_external_id: cust.into(),
        job_external_id: job.map(str::to_string),
        number: number.into(),
        kind: InvoiceKind::Progress,
        issued: d(due) - chrono::Days::new(30),
        due: d(due),
        currency: Currency::USD,
        total_minor: balance,
        balance_minor: balance,
        balance_as_of: None,
        retainage_minor: 0,
        voided: false,
        memo: None,
        version: version(),
    })
}

/// Two general contractors: Brightwater (PM maria; the Sunport Clinic job in Florida, two open
/// invoices, one 70 days past due on Nov 24) and Cedar Ridge (PM jordan, one invoice).
async fn ledger(db: &TestDb) {
    let s = db.store.as_ref();
    let run = s.start_sync_run("qb", Utc::now()).await.unwrap();
    let records = vec![
        customer("c1", "Brightwater Construction Co", "maria"),
        customer("c2", "Cedar Ridge Developers", "jordan"),
        Record::Job(JobRecord {
            external_id: "j1".into(),
            customer_external_id: "c1".into(),
            name: "Sunport Clinic".into(),
            city: Some("Tampa".into()),
            county: Some("Hillsborough".into()),
            state: Some("FL".into()),
            project_type: Some(ProjectType::Private),
            role: Some(OurRole::Sub),
            owner_name: None,
            gc_name: None,
            pm: Some("maria".into()),
            first_furnished: Some(d("2026-09-14")),
            last_furnished: None,
            noc_recorded: None,
            noc_expires: None,
            retainage_bp: 0,
            version: version(),
        }),
        invoice("i1", "c1", Some("j1"), "7720", 18_400_00, "2026-09-15"),
        invoice("i2", "c1", Some("j1"), "7731", 6_250_50, "2026-11-30"),
        invoice("i3", "c2", None, "8810", 2_975_00, "2026-10-20"),
        // A Canadian customer billed in Canadian dollars only.
        customer("c3", "Maple Leaf Glazing Ltd", "jordan"),
        {
            let mut cad = invoice("i4", "c3", None, "9104", 4_100_00, "2026-11-10");
            if let Record::Invoice(i) = &mut cad {
                i.currency = Currency::parse("CAD").unwrap();
            }
            cad
        },
    ];
    s.apply_page(run, "qb", Entity::Invoice, &records, None).await.unwrap();
}

fn app_on(db: &TestDb, today: &str) -> App {
    App {
        store: db.store.clone(),
        clock: Arc::new(PinnedClock { today: d(today), tz: chrono_tz::America::New_York }),
        config: Config::default(),
        sources: Vec::new(),
    }
}

fn ask(rt: &Runtime, app: &App, line: &str) -> String {
    answer(rt, app, line).expect("the console keeps going")
}

fn ask_as(rt: &Runtime, app: &App, line: &str, name: &str, roles: &[Role]) -> String {
    let actor = Actor { id: format!("id-{name}"), name: name.to_string(), roles: roles.to_vec() };
    to_text(&rt.block_on(run_line(app, line, actor)))
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
fn a_changed_job_fact_keeps_its_old_and_new_value_in_the_audit_trail() {
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let name = db.name;
        let app = app_on(&db, "2026-11-24");
        let first = ask(&rt, &app, "/ar job sunport set last_furnished 2026-11-02");
        assert!(
            first.contains("Recorded: Sunport Clinic (Brightwater Construction Co) — last_furnished 2026-11-02."),
            "{name}: {first}"
        );
        let second = ask(&rt, &app, "/ar job sunport set last_furnished Nov 20");
        assert!(second.contains("last_furnished 2026-11-20 (was 2026-11-02)"), "{name}: {second}");

        let audit = ask(&rt, &app, "/ar audit job sunport");
        assert!(audit.contains("Audit trail — Sunport Clinic (Brightwater Construction Co)"), "{name}: {audit}");
        let rows: Vec<&str> = audit.lines().filter(|l| l.contains("job fact last_furnished")).collect();
        assert_eq!(rows.len(), 2, "{name}: one record per change\n{audit}");
        // Newest first: the change from Nov 2 to Nov 20, then the first setting (no value before).
        assert!(rows[0].contains("2026-11-02") && rows[0].contains("2026-11-20"), "{name}: {}", rows[0]);
        assert!(rows[0].contains("console"), "{name}: where it was changed\n{}", rows[0]);
        assert!(rows[1].contains("—") && rows[1].contains("2026-11-02") && !rows[1].contains("2026-11-20"), "{name}");

        // A customer's trail holds its jobs' changes; another customer's holds none of them.
        let account = ask(&rt, &app, "/ar audit brightwater");
        assert!(account.contains("job fact last_furnished — Sunport Clinic"), "{name}: {account}");
        let other = ask(&rt, &app, "/ar audit cedar ridge");
        assert!(other.contains("Nothing has been changed from chat or the command line"), "{name}: {other}");

        // Only the AR team and managers read it.
        let pm = ask_as(&rt, &app, "/ar audit brightwater", "maria", &[Role::Pm]);
        assert!(pm.contains("/ar audit needs the AR or manager role (your roles: PM)"), "{name}: {pm}");
        let manager = ask_as(&rt, &app, "/ar audit job sunport", "ines", &[Role::Manager]);
        assert!(manager.contains("2026-11-20"), "{name}: {manager}");

        // Kept for good: the database itself refuses to change or remove a record.
        let kept = rt.block_on(async {
            let mut errors = Vec::new();
            for sql in ["UPDATE audit_log SET after = 'x'", "DELETE FROM audit_log"] {
                let e = if db.url.starts_with("sqlite") {
                    let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
                    sqlx::query(sql).execute(&pool).await.err()
                } else {
                    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
                    sqlx::query(sql).execute(&pool).await.err()
                };
                errors.push(e.map(|e| e.to_string()).unwrap_or_default());
            }
            errors
        });
        assert!(kept.iter().all(|e| e.contains("audit records are kept for good")), "{name}: {kept:?}");
        let still = rt.block_on(db.store.audit_trail(AuditQuery { customer_id: None, job_id: None, limit: 10 }));
        assert_eq!(still.unwrap().len(), 2, "{name}");
        rt.block_on(db.close());
    }
}

#[test]
fn a_note_is_logged_with_its_author_shown_on_the_card_and_its_follow_up_in_that_days_digest() {
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let name = db.name;
        let app = app_on(&db, "2026-11-24");
        let before = ask(&rt, &app, "/ar customer brightwater");
        assert!(before.contains("no contact on record — log one after you call: /ar note"), "{name}: {before}");

        let logged = ask(&rt, &app, "/ar note brightwater call Spoke to Ines in AP; check run Friday follow-up Nov 27");
        assert!(logged.contains("Logged a call with Brightwater Construction Co (by @"), "{name}: {logged}");
        assert!(logged.contains(": \"Spoke to Ines in AP; check run Friday\"."), "{name}: {logged}");
        assert!(
            logged.contains(
                "I'll list Brightwater Construction Co under \"Needs someone today\" in the digest of Fri Nov 27."
            ),
            "{name}: {logged}"
        );
        let card = ask(&rt, &app, "/ar customer brightwater");
        assert!(
            card.contains("(call): \"Spoke to Ines in AP; check run Friday\" · follow up Fri Nov 27"),
            "{name}: {card}"
        );

        // About one invoice of theirs; the answer says which.
        let email = ask(&rt, &app, "/ar note brightwater 7720 email Sent the pay app backup again");
        assert!(email.contains("Logged an email with Brightwater Construction Co about #7720"), "{name}: {email}");

        // Mistakes change nothing and say how to fix them.
        let theirs = ask(&rt, &app, "/ar note brightwater 8810 call Asked about the Cedar job");
        assert!(
            theirs.contains("Invoice #8810 belongs to Cedar Ridge Developers, not Brightwater"),
            "{name}: {theirs}"
        );
        let past = ask(&rt, &app, "/ar note brightwater call Left a voicemail follow-up Nov 20");
        assert!(past.contains("Fri Nov 20 has passed; a follow-up needs today or a later day"), "{name}: {past}");
        let kind = ask(&rt, &app, "/ar note brightwater texted Rita");
        assert!(kind.contains("call, email, letter, meeting, note"), "{name}: {kind}");
        let none = ask(&rt, &app, "/ar note brightwater 7720 call");
        assert!(none.contains("text"), "{name}: {none}");

        // A PM logs on their own accounts only; a viewer not at all.
        let own =
            ask_as(&rt, &app, "/ar note brightwater meeting Walked the site with their super", "maria", &[Role::Pm]);
        assert!(own.contains("Logged a meeting with Brightwater Construction Co (by @maria"), "{name}: {own}");
        let not_own = ask_as(&rt, &app, "/ar note cedar ridge call Asked for the check", "maria", &[Role::Pm]);
        assert!(
            not_own.contains(
                "PMs log notes on their own accounts; the ledger doesn't name you (@maria) PM of Cedar Ridge Developers"
            ),
            "{name}: {not_own}"
        );
        let viewer = ask_as(&rt, &app, "/ar note brightwater call hi", "vic", &[Role::Viewer]);
        assert!(viewer.contains("/ar note needs the AR or manager or PM role"), "{name}: {viewer}");
        let cedar = rt.block_on(app.store.customers_matching("cedar", 1)).unwrap();
        assert!(rt.block_on(app.store.notes_for_customer(cedar[0].id, 10)).unwrap().is_empty(), "{name}");
        let bright = rt.block_on(app.store.customers_matching("brightwater", 1)).unwrap();
        assert_eq!(rt.block_on(app.store.notes_for_customer(bright[0].id, 10)).unwrap().len(), 3, "{name}");

        // Not in the digest before its day; in the digest of that day, with who asked and why.
        let tuesday = ask(&rt, &app, "/ar digest");
        assert!(!tuesday.contains("follow-up due"), "{name}: {tuesday}");
        let friday = ask(&rt, &app_on(&db, "2026-11-27"), "/ar digest");
        let line = friday.lines().find(|l| l.contains("follow-up due")).unwrap_or_default();
        assert!(line.contains("Brightwater Construction Co — $18.4k, 73 days"), "{name}: {friday}");
        assert!(line.contains("'s call: \"Spoke to Ines in AP; check run Friday\")"), "{name}: {line}");

        let audit = ask(&rt, &app, "/ar audit brightwater");
        assert_eq!(audit.matches(" logged").count(), 3, "{name}: one record per note\n{audit}");
        rt.block_on(db.close());
    }
}

/// A payment from the accounting system, applied in full to one invoice, through the sync engine.
fn pay(rt: &Runtime, db: &TestDb, ext: &str, customer: &str, received: &str, invoice: &str, amount: i64) {
    rt.block_on(async {
        let s = db.store.as_ref();
        let run = s.start_sync_run("qb", Utc::now()).await.unwrap();
        let record = Record::Payment(PaymentRecord {
            external_id: ext.into(),
            customer_external_id: customer.into(),
            received: d(received),
            currency: Currency::USD,
            amount_minor: amount,
            unapplied_minor: 0,
            method: Some("check".into()),
            reference: Some(format!("chk {ext}")),
            applications: vec![ApplicationRecord {
                invoice_external_id: invoice.into(),
                amount_minor: amount,
                credit_memo_external_id: None,
            }],
            version: Version { updated_at: Utc.with_ymd_and_hms(2026, 12, 1, 18, 0, 0).unwrap(), seq: 1 },
        });
        s.apply_page(run, "qb", Entity::Payment, &[record], None).await.unwrap();
    });
}

#[test]
fn a_promise_is_kept_or_broken_by_the_payments_and_refused_when_it_cannot_be_one() {
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let name = db.name;
        let tue = app_on(&db, "2026-11-24");
        // What cannot be a promise is refused with a sentence, and nothing is logged.
        let refusals = [
            ("/ar promise brightwater 30000 Dec 4", "owes $24,650.50, less than the $30,000.00 promised"),
            ("/ar promise brightwater 0 Dec 4", "$0.00 isn't a promise to pay"),
            ("/ar promise brightwater 5000 Nov 20", "Fri Nov 20 has passed; a promise needs today or a later day"),
            (
                "/ar promise brightwater 5000 Dec 4 8810",
                "Invoice #8810 belongs to Cedar Ridge Developers, not Brightwater",
            ),
            ("/ar promise brightwater 5000 Dec 4 9999", "There is no invoice #9999 in the ledger"),
            ("/ar promise brightwater 20000 Dec 4 7731", "owes $6,250.50 on those invoices"),
            ("/ar promise brightwater", "Say how much and by when"),
            (
                "/ar promise maple leaf 1000 Dec 4",
                "What Maple Leaf Glazing Ltd owes is in another currency (CAD); a promise is in USD",
            ),
            (
                "/ar promise maple leaf 1000 Dec 4 9104",
                "What Maple Leaf Glazing Ltd owes on those invoices is in another currency (#9104 in CAD)",
            ),
        ];
        for (line, expected) in refusals {
            let answer = ask(&rt, &tue, line);
            assert!(answer.contains(expected), "{name}: {line}\n{answer}");
        }
        let bright = rt.block_on(tue.store.customers_matching("brightwater", 1)).unwrap().remove(0);
        assert!(rt.block_on(tue.store.promises_for_customer(bright.id)).unwrap().is_empty(), "{name}");

        let logged = ask(&rt, &tue, "/ar promise brightwater 7,500 Dec 4 7720 treasurer says by wire");
        assert!(
            logged.contains("Logged: Brightwater Construction Co promises $7,500.00 by Fri Dec 4, against #7720."),
            "{name}: {logged}"
        );
        assert!(logged.contains("if it is not paid by Dec 4, the digest of Mon Dec 7 lists it"), "{name}: {logged}");
        let twice = ask(&rt, &tue, "/ar promise brightwater 6000 Dec 8");
        assert!(twice.contains("already promised $7,500.00 by Fri Dec 4"), "{name}: {twice}");
        let corrected = ask(&rt, &tue, "/ar promise brightwater correct 7000 Dec 3 7720");
        assert!(
            corrected.contains("promises $7,000.00 by Thu Dec 3, against #7720 (replacing $7,500.00 by Dec 4)"),
            "{name}: {corrected}"
        );
        let card = ask(&rt, &tue, "/ar customer brightwater");
        assert!(card.contains("$7,000.00 by Dec 3 (logged by @") && card.contains(") · open"), "{name}: {card}");

        // The accounting system's payment on Dec 1 keeps it: read from the payment, not typed.
        pay(&rt, &db, "p1", "c1", "2026-12-01", "i1", 7_000_00);
        let wed = app_on(&db, "2026-12-02");
        let card = ask(&rt, &wed, "/ar customer brightwater");
        assert!(card.contains("$7,000.00 by Dec 3") && card.contains("· kept (paid in full Dec 1)"), "{name}: {card}");

        // Cedar Ridge promises and pays nothing: broken the day after, in the digest until someone acts.
        let p = ask(&rt, &tue, "/ar promise cedar ridge 2975 Nov 25");
        assert!(p.contains("Logged: Cedar Ridge Developers promises $2,975.00 by Wed Nov 25"), "{name}: {p}");
        let on_the_day = ask(&rt, &app_on(&db, "2026-11-25"), "/ar customer cedar ridge");
        assert!(on_the_day.contains("· open"), "{name}: {on_the_day}");
        let fri = app_on(&db, "2026-11-27");
        let card = ask(&rt, &fri, "/ar customer cedar ridge");
        assert!(card.contains("· broken: nothing paid by Nov 25"), "{name}: {card}");
        let digest = ask(&rt, &fri, "/ar digest");
        assert!(
            digest.contains("Cedar Ridge Developers — $3.0k, 38 days; promise for $3.0k broke on Nov 25 → escalate?"),
            "{name}: {digest}"
        );
        // Someone calls: the digest no longer asks.
        ask(&rt, &fri, "/ar note cedar ridge call AP says the check was never cut; asked for a new date");
        let digest = ask(&rt, &fri, "/ar digest");
        assert!(!digest.contains("Cedar Ridge Developers — $3.0k, 38 days; promise"), "{name}: {digest}");

        // A second promise is allowed and says how many broke; after the limit (2), escalate instead.
        let second = ask(&rt, &fri, "/ar promise cedar ridge 1000 Nov 30");
        assert!(second.contains("Cedar Ridge Developers has broken 1 promise before"), "{name}: {second}");
        let third = ask(&rt, &wed, "/ar promise cedar ridge 500 Dec 4");
        assert!(
            third.contains("Cedar Ridge Developers has broken 2 promises already (the limit is 2")
                && third.contains("/ar escalate \"cedar ridge developers\""),
            "{name}: {third}"
        );
        // Cancelling leaves the record: the audit trail has every promise and the cancellation.
        let fourth = ask(&rt, &wed, "/ar promise cedar ridge cancel");
        assert!(fourth.contains("has no open promise to cancel"), "{name}: {fourth}");
        let audit = ask(&rt, &wed, "/ar audit brightwater");
        assert_eq!(audit.matches("promise logged").count(), 2, "{name}: {audit}");
        assert_eq!(audit.matches("promise cancelled").count(), 1, "{name}: {audit}");
        rt.block_on(db.close());
    }
}

#[test]
fn a_dispute_is_shown_apart_until_resolved_and_refused_where_it_cannot_be() {
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let name = db.name;
        let app = app_on(&db, "2026-11-24");
        // Cedar Ridge paid #8810 in full: the accounting system's payment and the invoice's new balance.
        pay(&rt, &db, "p9", "c2", "2026-11-20", "i3", 2_975_00);
        rt.block_on(async {
            let mut paid = invoice("i3", "c2", None, "8810", 0, "2026-10-20");
            if let Record::Invoice(i) = &mut paid {
                i.total_minor = 2_975_00;
                i.version = Version { updated_at: Utc.with_ymd_and_hms(2026, 11, 20, 18, 0, 0).unwrap(), seq: 2 };
            }
            let run = db.store.start_sync_run("qb", Utc::now()).await.unwrap();
            db.store.apply_page(run, "qb", Entity::Invoice, &[paid], None).await.unwrap();
        });
        let refusals = [
            ("/ar dispute 9999 quantity", "There is no invoice #9999 in the ledger"),
            (
                "/ar dispute 8810 quantity they counted 10",
                "Invoice #8810 (Cedar Ridge Developers) is paid; there is nothing to dispute",
            ),
            (
                "/ar dispute 7720 sideways",
                "quantity, pricing, backcharge, lien_waiver, change_order, paperwork, other, resolve",
            ),
            ("/ar dispute 7720 resolve paid", "Invoice #7720 is not in dispute"),
        ];
        for (line, expected) in refusals {
            let answer = ask(&rt, &app, line);
            assert!(answer.contains(expected), "{name}: {line}\n{answer}");
        }
        let opened = ask(&rt, &app, "/ar dispute 7720 lien-waiver GC wants the conditional waiver for the Oct pay app");
        assert!(
            opened.contains("Invoice #7720 ($18,400.00, Brightwater Construction Co) is in dispute: lien waiver missing. It is shown apart from overdue until resolved."),
            "{name}: {opened}"
        );
        assert!(
            opened.contains("I've asked @maria in the account's thread for the lien waiver they want."),
            "{name}: {opened}"
        );
        let again = ask(&rt, &app, "/ar dispute 7720 pricing they want unit prices");
        assert!(
            again.contains("Invoice #7720 is already in dispute (lien waiver missing, since Nov 24"),
            "{name}: {again}"
        );
        // Apart from overdue: #7720 ($18,400.00, 70 days past due) is in dispute, #7731 is not due yet.
        let card = ask(&rt, &app, "/ar customer brightwater");
        assert!(card.contains("Open $24,650.50 · overdue $0.00 · in dispute $18,400.00"), "{name}: {card}");
        let digest = ask(&rt, &app, "/ar digest");
        assert!(digest.contains("· in dispute $18.4k"), "{name}: {digest}");
        let kpi = ask(&rt, &app, "/ar kpi");
        assert!(kpi.contains("Open $24,650.50 · overdue $0.00 · in dispute $18,400.00"), "{name}: {kpi}");
        let aging = ask(&rt, &app, "/ar aging");
        assert!(
            aging.contains("Open $24.7k · overdue $0 · in dispute $18.4k (in the buckets; /ar disputes)"),
            "{name}: {aging}"
        );
        assert!(
            !digest.contains("Brightwater Construction Co — $18.4k"),
            "{name}: not chased while disputed\n{digest}"
        );
        let invoice = ask(&rt, &app, "/ar invoice 7720");
        assert!(invoice.contains("In dispute: shown apart from overdue until it is resolved"), "{name}: {invoice}");
        let list = ask(&rt, &app, "/ar disputes");
        assert!(list.contains("1 invoice in dispute, $18,400.00"), "{name}: {list}");
        assert!(list.contains("lien waiver missing: GC wants the conditional waiver"), "{name}: {list}");

        let how = ask(&rt, &app, "/ar dispute 7720 resolve");
        assert!(
            how.contains("Say how it was resolved: /ar dispute 7720 resolve paid|credit|rebilled|withdrawn|other"),
            "{name}: {how}"
        );
        let resolved = ask(&rt, &app, "/ar dispute 7720 resolve credit CM-31 issued for the late waiver");
        assert!(
            resolved.contains(
                "Resolved: invoice #7720 (Brightwater Construction Co) — lien waiver missing dispute, credit."
            ),
            "{name}: {resolved}"
        );
        assert!(ask(&rt, &app, "/ar disputes").contains("No invoice is in dispute."), "{name}");
        let card = ask(&rt, &app, "/ar customer brightwater");
        assert!(
            card.contains("Open $24,650.50 · overdue $18,400.00") && !card.contains("in dispute"),
            "{name}: {card}"
        );
        let audit = ask(&rt, &app, "/ar audit brightwater");
        assert!(audit.contains("dispute opened") && audit.contains("dispute resolved"), "{name}: {audit}");
        assert!(audit.contains("credit: CM-31 issued for the late waiver"), "{name}: {audit}");
        rt.block_on(db.close());
    }
}

#[test]
fn the_history_has_every_kind_of_event_newest_first_with_who() {
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let name = db.name;
        ask(&rt, &app_on(&db, "2026-11-20"), "/ar note brightwater call Asked Ines about the Oct pay app");
        pay(&rt, &db, "p5", "c1", "2026-11-21", "i1", 5_000_00);
        ask(&rt, &app_on(&db, "2026-11-23"), "/ar promise brightwater 4000 Nov 30 7731 Ines: after the owner pays");
        let tue = app_on(&db, "2026-11-24");
        ask(&rt, &tue, "/ar dispute 7720 quantity they count 40 units, we billed 48");
        ask(&rt, &tue, "/ar notice sunport nto Nov 2 7016-2222");
        let history = ask(&rt, &tue, "/ar history brightwater");
        assert!(history.contains("History — Brightwater Construction Co"), "{name}: {history}");
        let at = |needle: &str| history.find(needle).unwrap_or_else(|| panic!("{name}: no '{needle}' in\n{history}"));
        let order = [
            at("#7720 in dispute: quantity — \"they count 40 units, we billed 48\""),
            at("$4,000.00 by Nov 30 — \"Ines: after the owner pays\": open"),
            at("$5,000.00 received (chk p5) → #7720 $5,000.00"),
            at("call: \"Asked Ines about the Oct pay app\""),
            at("notice to owner served on Sunport Clinic, tracking 7016-2222"),
        ];
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{name}: newest first\n{history}");
        assert!(history.contains("escalated: Invoice #7720"), "{name}: the escalation the dispute opened\n{history}");
        rt.block_on(db.close());
    }
}

#[test]
fn a_payment_plans_installments_are_kept_or_broken_by_the_payments_posted_once_and_refused_when_they_cannot_be() {
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let name = db.name;
        let tue = app_on(&db, "2026-11-24");
        let refusals = [
            ("/ar plan brightwater 30000 3 month Dec 1", "has $24,650.50 open, less than the $30,000.00 of the plan"),
            ("/ar plan brightwater 0 3 month Dec 1", "$0.00 isn't a payment plan"),
            ("/ar plan brightwater 9000 3 month Nov 20", "Fri Nov 20 has passed; a plan's first installment is today"),
            ("/ar plan brightwater 9000 1 month Dec 1", "A plan has 2 to 36 installments, not 1"),
            ("/ar plan brightwater 9000 40 week Dec 1", "A plan has 2 to 36 installments, not 40"),
            ("/ar plan brightwater 9000", "Say the total, how many installments, how often"),
            ("/ar plan maple leaf 1000 2 month Dec 1", "What Maple Leaf Glazing Ltd owes is in another currency (CAD)"),
            ("/ar plan cedar ridge dates Jan 15 1000, Dec 15 1975", "The installments' days go in order"),
            ("/ar plan cedar ridge dates Dec 15 lots", "I couldn't read 'Dec 15 lots' as a day and an amount"),
            ("/ar plan cedar ridge 3000 dates Dec 15 1000, Jan 15 1975", "add up to $2,975.00, not the $3,000.00"),
            ("/ar plan cedar ridge cancel", "Cedar Ridge Developers has no payment plan standing to cancel"),
        ];
        for (line, expected) in refusals {
            let answer = ask(&rt, &tue, line);
            assert!(answer.contains(expected), "{name}: {line}\n{answer}");
        }
        let bright = rt.block_on(tue.store.customers_matching("brightwater", 1)).unwrap().remove(0);
        assert!(rt.block_on(tue.store.plans_for_customer(bright.id)).unwrap().is_empty(), "{name}");

        let agreed = ask(&rt, &tue, "/ar plan brightwater 9000 3 month Dec 1 note agreed with their controller");
        assert!(
            agreed.contains(
                "Agreed: Brightwater Construction Co pays $9,000.00 in 3 monthly installments: Tue Dec 1 $3,000.00, \
                 Fri Jan 1 $3,000.00, Mon Feb 1 $3,000.00."
            ),
            "{name}: {agreed}"
        );
        let again = ask(&rt, &tue, "/ar plan brightwater 6000 2 week Dec 1");
        assert!(again.contains("already has a payment plan of $9,000.00 in 3 installments"), "{name}: {again}");
        // The same cash can't keep both a plan and a promise: while the plan stands, a promise is
        // refused, and a plan is refused while a promise is open.
        let promise = ask(&rt, &tue, "/ar promise brightwater 3000 Dec 4");
        assert!(promise.contains("pays under a payment plan of $9,000.00 in 3 installments"), "{name}: {promise}");
        assert!(promise.contains("Nothing was logged"), "{name}: {promise}");
        assert!(rt.block_on(tue.store.promises_for_customer(bright.id)).unwrap().is_empty(), "{name}");
        let promised = ask(&rt, &tue, "/ar promise cedar ridge 500 Dec 4");
        assert!(
            promised.contains("Logged: Cedar Ridge Developers promises $500.00 by Fri Dec 4"),
            "{name}: {promised}"
        );
        let plan = ask(&rt, &tue, "/ar plan cedar ridge 1000 2 month Dec 15");
        assert!(plan.contains("can't keep both a promise and a plan"), "{name}: {plan}");
        let cedar = rt.block_on(tue.store.customers_matching("cedar ridge", 1)).unwrap().remove(0);
        assert!(rt.block_on(tue.store.plans_for_customer(cedar.id)).unwrap().is_empty(), "{name}");
        let dropped = ask(&rt, &tue, "/ar promise cedar ridge cancel");
        assert!(dropped.contains("Cancelled: Cedar Ridge Developers's promise of $500.00"), "{name}: {dropped}");
        let card = ask(&rt, &tue, "/ar customer brightwater");
        assert!(
            card.contains("$9,000.00 in 3 installments (agreed by @")
                && card.contains("Next: $3,000.00 by Tue Dec 1 (1 of 3, open)"),
            "{name}: {card}"
        );
        let digest = ask(&rt, &app_on(&db, "2026-11-27"), "/ar digest");
        assert!(
            digest.contains("Plan installments due this week (1)")
                && digest.contains("Brightwater Construction Co $3.0k by Dec 1 (1 of 3)"),
            "{name}: {digest}"
        );

        // The accounting system's payment on Nov 30 keeps the first; nothing comes for the second.
        pay(&rt, &db, "p9", "c1", "2026-11-30", "i1", 3_000_00);
        let card = ask(&rt, &app_on(&db, "2026-12-02"), "/ar customer brightwater");
        assert!(
            card.contains("· 1 kept") && card.contains("Next: $3,000.00 by Fri Jan 1 (2 of 3, open)"),
            "{name}: {card}"
        );
        let jan = app_on(&db, "2027-01-04");
        let card = ask(&rt, &jan, "/ar customer brightwater");
        assert!(
            card.contains("2 of 3 broken: not paid by Jan 1") && card.contains("$6,000.00 left to pay"),
            "{name}: {card}"
        );
        let digest = ask(&rt, &jan, "/ar digest");
        assert!(
            digest.contains("plan installment 2 of 3 ($3.0k) was not paid by Jan 1 → escalate?"),
            "{name}: {digest}"
        );
        // Posted once: a second run, and another process after a restart, queue nothing more.
        assert_eq!(rt.block_on(arbot::promises::queue_broken_promises(&jan)).unwrap(), 1, "{name}");
        assert_eq!(rt.block_on(arbot::promises::queue_broken_promises(&jan)).unwrap(), 0, "{name}");
        let restarted = app_on(&db, "2027-01-05");
        assert_eq!(rt.block_on(arbot::promises::queue_broken_promises(&restarted)).unwrap(), 0, "{name}");
        let history = ask(&rt, &jan, "/ar history brightwater");
        assert!(
            history.contains("payment plan: $9,000.00 in 3 installments — \"agreed with their controller\""),
            "{name}: {history}"
        );
        assert!(history.contains("1 of 3: $3,000.00 due Dec 1: kept"), "{name}: {history}");
        assert!(history.contains("2 of 3: $3,000.00 due Jan 1: broken"), "{name}: {history}");

        let cancelled = ask(&rt, &jan, "/ar plan brightwater cancel");
        assert!(
            cancelled.contains("Cancelled: Brightwater Construction Co's payment plan of $9,000.00 in 3 installments")
                && cancelled.contains("$6,000.00 of it was still to pay"),
            "{name}: {cancelled}"
        );
        let history = ask(&rt, &jan, "/ar history brightwater");
        assert!(history.contains("payment plan cancelled"), "{name}: {history}");
        let audit = ask(&rt, &jan, "/ar audit brightwater");
        assert!(audit.contains("plan agreed") && audit.contains("plan cancelled"), "{name}: {audit}");

        // An explicit list of days and amounts; the reports' window listing reads it back.
        let listed = ask(&rt, &tue, "/ar plan cedar ridge dates Dec 15 1000, Jan 15 1975");
        assert!(
            listed.contains("pays $2,975.00 in 2 installments: Tue Dec 15 $1,000.00, Fri Jan 15 $1,975.00."),
            "{name}: {listed}"
        );
        let plans = rt.block_on(db.store.plans_due(d("2027-01-01"), d("2027-01-31"))).unwrap();
        let due = arbot_core::collections::installments_due(
            &plans,
            &[],
            d("2027-01-01"),
            d("2027-01-31"),
            d("2026-12-20"),
            tue.promise_rules(),
        );
        let cedar: Vec<_> = due.iter().filter(|i| i.customer_name == "Cedar Ridge Developers").collect();
        assert_eq!(cedar.len(), 1, "{name}: {due:?}");
        assert_eq!((cedar[0].seq, cedar[0].of, cedar[0].amount.minor), (2, 2, 1_975_00), "{name}");
        rt.block_on(db.close());
    }
}
