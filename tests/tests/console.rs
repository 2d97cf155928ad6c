//! End to end through the console adapter: the demo ledger loaded by the real sample connector
//! and sync engine into a real database, then the commands a user types, answered as text.

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test

use arbot::app::App;
use arbot::cli::GlobalArgs;
use arbot::config::Config;
use arbot::console::answer;
use arbot_core::aging::{GroupBy, aging};
use arbot_core::store::OpenItemsQuery;
use arbot_core::summary::{CustomerMatch, customer_summary, find_customer};
use arbot_tests::TestDb;
use tokio::runtime::Runtime;

const TODAY: &str = "2026-11-22";

fn demo(rt: &Runtime, url: &str) -> App {
    let global = GlobalArgs { config: None, db: Some(url.to_string()), today: Some(TODAY.to_string()) };
    rt.block_on(arbot::cli::load_demo(&global, Config::default())).expect("demo loads")
}

fn ask(rt: &Runtime, app: &App, line: &str) -> String {
    answer(rt, app, line).expect("the console keeps going")
}

fn backends(rt: &Runtime) -> Vec<TestDb> {
    // Fresh, empty databases: the demo refuses one that already has customers.
    let mut out = Vec::new();
    let dir = rt.block_on(TestDb::sqlite());
    out.push(dir);
    if let Some(pg) = rt.block_on(TestDb::postgres()) {
        out.push(pg);
    }
    out
}

#[test]
fn the_demo_answers_what_an_ar_specialist_asks() {
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let app = demo(&rt, &db.url);
        let name = db.name;

        let acme = ask(&rt, &app, "/ar customer acme");
        assert!(acme.starts_with("Acme Builders Inc") || acme.contains("Acme Builders Inc"), "{name}: {acme}");
        assert!(acme.contains("Open $") && acme.contains("overdue $"), "{name}: {acme}");
        assert!(acme.contains("current") && acme.contains("120+"), "{name}: aging buckets shown\n{acme}");
        assert!(acme.contains("Last payment"), "{name}: {acme}");

        let marina = ask(&rt, &app, "/ar customer gulf coast");
        assert!(marina.contains("Marina Tower (FL, sub)"), "{name}: {marina}");
        // First furnished Oct 9: Fla. Stat. § 713.06(2)(a) gives 45 days, Mon Nov 23.
        assert!(marina.contains("Notice to Owner due Nov 23 (1 day)"), "{name}: {marina}");
        assert!(marina.contains("not legal advice"), "{name}: {marina}");
        assert!(marina.contains("credit memo CM-9001 applied $500.00"), "{name}: {marina}");

        // Sunday Nov 22: the digest compares with Friday.
        let digest = ask(&rt, &app, "/ar digest");
        assert!(digest.contains("AR digest — Sun Nov 22"), "{name}: {digest}");
        assert!(
            digest.contains(
                "Marina Tower (Gulf Coast Builders LLC) — FL Notice to Owner due tomorrow, $91.5k unpaid on the job"
            ),
            "{name}: {digest}"
        );
        assert!(
            digest.contains("Harborview Owners Assn — $82.0k, 35 days; promise for $40.0k broke yesterday → escalate?"),
            "{name}: {digest}"
        );
        assert!(digest.contains("Old Oak Homes — $3.4k, 100 days; no contact in 21 days"), "{name}: {digest}");
        assert!(digest.contains("Payments since Friday"), "{name}: {digest}");

        let liens = ask(&rt, &app, "/ar liens");
        assert!(
            liens.contains("Notice to Owner") && liens.contains("Marina Tower (Gulf Coast Builders LLC, FL)"),
            "{name}: {liens}"
        );
        assert!(liens.contains("$91,500.00"), "{name}: the job's unpaid balance beside its deadline\n{liens}");
        assert!(
            liens.contains("Money outstanding, lien facts missing") && liens.contains("missing last_furnished"),
            "{name}: {liens}"
        );
        let job = ask(&rt, &app, "/ar job marina");
        assert!(
            job.contains("Marina Tower — Gulf Coast Builders LLC") && job.contains("Unpaid on this job: $91,500.00"),
            "{name}: {job}"
        );
        assert!(job.contains("Nov 23, 2026") && job.contains("Fla. Stat. § 713.06(2)(a)"), "{name}: {job}");
        assert!(job.contains("2026-11-18"), "{name}: the § 713.18 mail-by date\n{job}");
        // Recording a notice and a fact from chat changes what is due.
        let recorded = ask(&rt, &app, "/ar notice \"Marina Tower\" nto 2026-11-20 9407111899560000000000");
        assert!(recorded.contains("Recorded: notice to owner served on Nov 20, 2026"), "{name}: {recorded}");
        let set = ask(&rt, &app, "/ar job marina tower set last_furnished 11/20");
        assert!(set.contains("last_furnished 2026-11-20"), "{name}: {set}");
        let job = ask(&rt, &app, "/ar job marina");
        assert!(job.contains("done Nov 20") && job.contains("9407111899560000000000"), "{name}: {job}");
        assert!(job.contains("last furnished: Nov 20, 2026"), "{name}: {job}");
        // Last furnished Nov 20 + 90 days (Fla. Stat. § 713.08(5)) = Thu Feb 18, 2027.
        assert!(job.contains("Feb 18, 2027") && job.contains("§ 713.08(5)"), "{name}: {job}");
        let liens = ask(&rt, &app, "/ar liens");
        let marina_nto = liens.lines().any(|l| l.contains("Notice to Owner") && l.contains("Marina Tower"));
        assert!(!marina_nto, "{name}: a served notice is no longer due\n{liens}");
        let summary = ask(&rt, &app, "/ar customer gulf coast");
        assert!(!summary.contains("Notice to Owner due"), "{name}: {summary}");
        let bad = ask(&rt, &app, "/ar notice marina bogus 2026-11-20");
        assert!(bad.contains("isn't a notice I know"), "{name}: {bad}");
        let bad = ask(&rt, &app, "/ar job marina set nonsense 2026-01-01");
        assert!(bad.contains("isn't a job fact I know"), "{name}: {bad}");

        let several = ask(&rt, &app, "/ar job harborview");
        assert!(several.contains("2 jobs match 'harborview'"), "{name}: {several}");

        let gulf = ask(&rt, &app, "/ar customer gulf");
        assert!(gulf.contains("3 customers match 'gulf'") && gulf.contains("which one?"), "{name}: {gulf}");
        let typo = ask(&rt, &app, "/ar customer gulff coast");
        assert!(
            typo.contains("No customer matches 'gulff coast'. Did you mean Gulf Coast Builders LLC"),
            "{name}: {typo}"
        );

        let inv = ask(&rt, &app, "/ar invoice 1042");
        assert!(inv.contains("Invoice #1042") && inv.contains("Balance $"), "{name}: {inv}");
        let missing = ask(&rt, &app, "/ar invoice 99999");
        assert!(missing.contains("No invoice numbered '99999'"), "{name}: {missing}");

        let overdue = ask(&rt, &app, "/ar overdue 60");
        assert!(overdue.contains("Overdue 60+ days"), "{name}: {overdue}");
        for line in overdue.lines().filter(|l| l.trim_start().starts_with('#')) {
            let days: i64 = line.split_whitespace().rev().find_map(|w| w.parse().ok()).unwrap_or(0);
            assert!(days == 0 || days >= 60, "{name}: a row under 60 days: {line}");
        }

        let kpi = ask(&rt, &app, "/ar kpi");
        assert!(kpi.contains("DSO (countback)") && kpi.contains("CEI"), "{name}: {kpi}");
        assert!(kpi.contains("Overdue aged over 90 days"), "{name}: {kpi}");

        let help = ask(&rt, &app, "/ar help");
        for c in ["customer", "invoice", "overdue", "aging", "digest", "kpi", "liens", "job", "notice", "sync"] {
            assert!(help.contains(&format!("/ar {c}")), "{name}: help lists {c}\n{help}");
        }

        let sync = ask(&rt, &app, "/ar sync");
        assert!(sync.contains("Up to date."), "{name}: {sync}");
        // The demo's ledger was just loaded: a second sync says so in words, not a row of zeros.
        assert!(sync.contains("sample: nothing new or changed since the last sync (it read "), "{name}: {sync}");
        assert!(!sync.contains("Unchanged"), "{name}: {sync}");

        let unknown = ask(&rt, &app, "/ar custmer acme");
        assert!(unknown.contains("Did you mean /ar customer?"), "{name}: {unknown}");
        let bad_date = ask(&rt, &app, "/ar aging Nov 31");
        assert!(bad_date.contains("Nov 31 isn't a date. Did you mean Nov 30 or Dec 1?"), "{name}: {bad_date}");
        assert!(answer(&rt, &app, "/quit").is_none(), "{name}: /quit leaves");
        rt.block_on(db.close());
    }
}

#[test]
fn figures_add_up_across_reports() {
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let app = demo(&rt, &db.url);
        let name = db.name;
        let today = app.today();
        let items = rt
            .block_on(app.store.open_items(OpenItemsQuery { as_of: today, customer_id: None, historical: false }))
            .unwrap();
        let open_total: i64 = items.iter().map(|i| i.balance.minor).sum();
        for by in [GroupBy::Customer, GroupBy::Job, GroupBy::Pm] {
            let report = aging(&items, today, &app.config.aging, by, app.config.currency);
            assert_eq!(report.totals.total, open_total, "{name}");
            assert_eq!(report.totals.buckets.iter().sum::<i64>() + report.totals.retainage, open_total, "{name}");
            assert_eq!(report.rows.iter().map(|r| r.total).sum::<i64>(), open_total, "{name}");
        }
        // The aging table's total line shows the same figure.
        let table = ask(&rt, &app, "/ar aging");
        let total_line = table.lines().find(|l| l.trim_start().starts_with("Total")).unwrap_or_default();
        assert!(total_line.ends_with(&app.money(open_total).to_string()), "{name}: {total_line}");

        // Every customer's summary agrees with its row in the aging report.
        let report = aging(&items, today, &app.config.aging, GroupBy::Customer, app.config.currency);
        assert!(report.rows.len() >= 10, "{name}: the demo has many open accounts");
        for row in &report.rows {
            let id = row.customer_id.unwrap();
            let s = rt
                .block_on(customer_summary(
                    app.store.as_ref(),
                    id,
                    today,
                    false,
                    &app.config.aging,
                    app.config.currency,
                ))
                .unwrap()
                .unwrap();
            assert_eq!(s.aging.total, row.total, "{name}: {}", row.label);
            assert_eq!(s.aging.buckets, row.buckets, "{name}: {}", row.label);
            let text = ask(&rt, &app, &format!("/ar customer \"{}\"", s.customer.name));
            assert!(text.contains(&format!("Open {}", app.money(row.total))), "{name}: {text}");
        }
        // The past: as of 30 days ago, balances are reconstructed and still add up.
        let past = today - chrono::Days::new(30);
        let items = rt
            .block_on(app.store.open_items(OpenItemsQuery { as_of: past, customer_id: None, historical: true }))
            .unwrap();
        let report = aging(&items, past, &app.config.aging, GroupBy::Customer, app.config.currency);
        assert_eq!(
            report.totals.buckets.iter().sum::<i64>() + report.totals.retainage,
            items.iter().map(|i| i.balance.minor).sum::<i64>(),
            "{name}"
        );
        rt.block_on(db.close());
    }
}

#[test]
fn the_sample_ledger_syncs_idempotently() {
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let app = demo(&rt, &db.url);
        let name = db.name;
        let sample = arbot_connector_sample::SampleSource::new(app.today());
        // A full re-read of the same ledger: nothing is new, nothing changes.
        let report = rt
            .block_on(arbot_core::sync::sync_source(app.store.as_ref(), &sample, app.clock.as_ref(), true, |_| {}))
            .unwrap();
        let t = report.totals();
        assert_eq!((t.new, t.updated, t.deleted), (0, 0, 0), "{name}: {t:?}");
        assert_eq!(t.unchanged as usize, sample.records().len(), "{name}");
        // And find_customer agrees with the console.
        let found = rt.block_on(find_customer(app.store.as_ref(), "harborview")).unwrap();
        assert!(matches!(found, CustomerMatch::One(ref c) if c.name == "Harborview Owners Assn"), "{name}: {found:?}");
        rt.block_on(db.close());
    }
}

#[test]
fn closure_days_from_the_config_move_deadlines() {
    let rt = Runtime::new().unwrap();
    let db = rt.block_on(TestDb::sqlite());
    let mut app = demo(&rt, &db.url);
    // Marina Tower's Notice to Owner is due Mon Nov 23 (see the demo test above).
    let job = ask(&rt, &app, "/ar job marina");
    assert!(job.contains("Nov 23, 2026"), "{job}");
    // The clerk's office is closed that Monday: the deadline moves to the next business day.
    app.config.liens.closures = vec!["2026-11-23".parse().unwrap()];
    let job = ask(&rt, &app, "/ar job marina");
    assert!(job.contains("Nov 24, 2026") && !job.contains("Nov 23, 2026"), "{job}");
    let digest = ask(&rt, &app, "/ar digest");
    assert!(digest.contains("Nov 24 Notice to Owner — Marina Tower"), "{digest}");
    rt.block_on(db.close());
}

#[test]
fn an_escalation_from_the_console_posts_here_without_discord() {
    let rt = Runtime::new().unwrap();
    let db = rt.block_on(TestDb::sqlite());
    let app = demo(&rt, &db.url);
    let text = ask(&rt, &app, "/ar escalate harborview board treasurer stopped answering");
    assert!(text.contains("Escalated: Harborview Owners Assn — $82.0k, 35 days"), "{text}");
    assert!(text.contains("── posted in #ar ──\n⚠ Escalation: Harborview Owners Assn"), "{text}");
    assert!(text.contains("Why: board treasurer stopped answering."), "{text}");
    assert!(text.contains("── thread opened: Harborview Owners Assn — $82.0k, 35 days ──"), "{text}");
    assert!(text.contains("@lee can you help with Harborview Owners Assn?"), "{text}");
    assert!(text.contains("[Acknowledge] [Snooze 1 day] [I'll call them] [Resolved]"), "{text}");
    // The thread says of the promise what the customer card says: broken, read from the cash.
    let card = ask(&rt, &app, "/ar customer harborview");
    assert!(card.contains("· broken: nothing paid by"), "{card}");
    let promise = text.lines().find(|l| l.starts_with("Promise")).unwrap();
    assert!(promise.contains("· broken: nothing paid by"), "{text}");
    let again = ask(&rt, &app, "/ar escalate harborview");
    assert!(again.contains("is already escalated") && !again.contains("posted in"), "{again}");
    rt.block_on(db.close());
}

#[test]
fn typed_arguments_mean_what_a_user_means_or_say_what_could_not_be_read() {
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let app = demo(&rt, &db.url);
        let name = db.name;

        // A name without quotes before a reason: the longest run of words that names one
        // customer is the customer, the rest is the reason.
        let text = ask(&rt, &app, "/ar escalate old oak they stopped answering");
        assert!(text.contains("Escalated: Old Oak Homes"), "{name}: {text}");
        assert!(text.contains("Why: they stopped answering."), "{name}: {text}");
        // Quotes say the same.
        let again = ask(&rt, &app, "/ar escalate \"old oak\" they stopped answering");
        assert!(again.contains("Old Oak Homes") && again.contains("is already escalated"), "{name}: {again}");
        // A name that matches nothing is named, with what it might have been.
        let none = ask(&rt, &app, "/ar escalate old oke they stopped answering");
        assert!(none.contains("No customer matches 'old'") || none.contains("Old Oak Homes"), "{name}: {none}");

        // 90+ is ninety days or more; every row is at least 90 days past due.
        let ninety = ask(&rt, &app, "/ar overdue 90+");
        assert!(ninety.contains("Overdue 90+ days"), "{name}: {ninety}");
        let rows: Vec<&str> = ninety.lines().filter(|l| l.trim_start().starts_with('#')).collect();
        assert!(!rows.is_empty(), "{name}: {ninety}");
        for line in rows {
            let days: i64 = line.split_whitespace().filter_map(|w| w.parse().ok()).next_back().unwrap_or(0);
            assert!(days >= 90, "{name}: a row under 90 days: {line}");
        }

        // A word that is neither a number of days nor a PM says so, naming the PMs.
        let sixty = ask(&rt, &app, "/ar overdue sixty");
        assert!(!sixty.contains("Nothing overdue"), "{name}: {sixty}");
        assert!(sixty.contains("I couldn't read 'sixty' as min-days"), "{name}: {sixty}");
        assert!(sixty.contains("PMs: dana, jordan, lee, maria, sam"), "{name}: {sixty}");

        // A PM the ledger knows: their accounts only.
        let lee = ask(&rt, &app, "/ar overdue lee");
        assert!(lee.contains("Overdue for @lee"), "{name}: {lee}");
        assert!(lee.contains("Harborview Owners Assn"), "{name}: {lee}");
        let pms: Vec<&str> = lee
            .lines()
            .filter(|l| l.trim_start().starts_with('#'))
            .filter_map(|l| l.split_whitespace().last())
            .collect();
        assert!(!pms.is_empty() && pms.iter().all(|p| *p == "@lee"), "{name}: {lee}");
        // One it does not know: "no such PM", with the ones it does.
        let nobody = ask(&rt, &app, "/ar overdue 60 pat");
        assert!(nobody.contains("No PM is called 'pat' (PMs: dana, jordan, lee, maria, sam)"), "{name}: {nobody}");

        // A job named before a notice's kind and date, without quotes.
        let recorded = ask(&rt, &app, "/ar notice marina tower nto 2026-11-20");
        assert!(recorded.contains("Recorded: notice to owner served on Nov 20, 2026"), "{name}: {recorded}");
        let fact = ask(&rt, &app, "/ar job marina set colour blue");
        assert!(fact.contains("'colour' isn't a job fact I know"), "{name}: {fact}");
        // Words in any order of the name, punctuation aside.
        let acme = ask(&rt, &app, "/ar customer acme inc");
        assert!(acme.contains("Acme Builders Inc") && acme.contains("Open $"), "{name}: {acme}");
        // Deadlines that lose rights and passed with nothing recorded stay in view, on jobs with
        // money owed: in /ar liens, on the customer card (ahead of an event such as a notice of
        // commencement expiring) and in the digest.
        let liens = ask(&rt, &app, "/ar liens");
        assert!(liens.contains("Passed with nothing recorded — rights at risk, money owed"), "{name}: {liens}");
        assert!(liens.contains("Bayshore Commons Retail (Gulf Coast Builders LLC, FL)"), "{name}: {liens}");
        let gulf = ask(&rt, &app, "/ar customer gulf coast");
        let bayshore = gulf.lines().find(|l| l.contains("Bayshore Commons Retail")).unwrap_or_default();
        assert!(bayshore.contains("Notice to Owner was due Mar 23 — passed, nothing recorded"), "{name}: {gulf}");
        let digest = ask(&rt, &app, "/ar digest");
        assert!(digest.contains("Deadlines passed, nothing recorded, money owed"), "{name}: {digest}");
        // An invoice with only retainage left is not past due, however old.
        let retained = ask(&rt, &app, "/ar invoice 1005");
        assert!(retained.contains("retainage only, not due yet"), "{name}: {retained}");
        assert!(!retained.contains("past due"), "{name}: {retained}");
        let days = ask(&rt, &app, "/ar liens abc");
        assert!(days.contains("'abc' for days") && days.contains("a number of days"), "{name}: {days}");
        rt.block_on(db.close());
    }
}

/// A customer who owes only in another currency is never "all paid up", and what it owes reads
/// in its own currency.
#[test]
fn another_currency_is_shown_in_its_own_currency_and_never_as_paid_up() {
    use arbot_core::Currency;
    use arbot_core::ledger::{CustomerKind, InvoiceKind};
    use arbot_core::source::{CustomerRecord, Entity, InvoiceRecord, Record, Version};
    use chrono::{TimeZone, Utc};
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let name = db.name;
        let version = Version { updated_at: Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap(), seq: 0 };
        let records = vec![
            Record::Customer(CustomerRecord {
                external_id: "c1".into(),
                name: "Maple Leaf Builders".into(),
                kind: CustomerKind::GeneralContractor,
                email: None,
                address: None,
                phone: None,
                terms_days: Some(30),
                pm: None,
                active: true,
                version,
            }),
            Record::Invoice(InvoiceRecord {
                external_id: "i1".into(),
                customer_external_id: "c1".into(),
                job_external_id: None,
                number: "7001".into(),
                kind: InvoiceKind::Progress,
                issued: "2026-09-22".parse().unwrap(),
                due: "2026-10-22".parse().unwrap(),
                currency: Currency::parse("CAD").unwrap(),
                total_minor: 500_000,
                balance_minor: 500_000,
                retainage_minor: 0,
                voided: false,
                memo: None,
                balance_as_of: None,
                version,
            }),
        ];
        let store = db.store.clone();
        rt.block_on(async {
            let run = store.start_sync_run("test", Utc::now()).await.unwrap();
            store.apply_page(run, "test", Entity::Invoice, &records, None).await.unwrap();
        });
        let config = Config::default();
        let clock = arbot_core::PinnedClock { today: TODAY.parse().unwrap(), tz: config.time_zone };
        let app = App { store, clock: std::sync::Arc::new(clock), config, sources: Vec::new() };
        let card = ask(&rt, &app, "/ar customer maple");
        assert!(!card.contains("paid up"), "{name}: {card}");
        assert!(
            card.contains("Also open in other currencies: CA$5,000.00 (not in the USD figures here)"),
            "{name}: {card}"
        );
        assert!(card.contains("#7001  CA$5,000.00  31 days past due"), "{name}: {card}");
        let aging = ask(&rt, &app, "/ar aging");
        assert!(aging.contains("1 open invoice in other currencies is not included"), "{name}: {aging}");
        rt.block_on(db.close());
    }
}

#[test]
fn aging_by_invoice_date_says_what_its_columns_count() {
    use arbot_core::aging::Basis;
    let rt = Runtime::new().unwrap();
    let db = rt.block_on(TestDb::sqlite());
    let app = demo(&rt, &db.url);
    let text = ask(&rt, &app, "/ar aging basis:invoice_date");
    assert!(text.contains("by invoice date"), "{text}");
    assert!(text.contains("0-30") && !text.contains("current"), "no 'current' column by invoice date: {text}");
    let report = rt
        .block_on(arbot::commands::load_aging(&app, TODAY.parse().unwrap(), GroupBy::Customer, Basis::InvoiceDate))
        .unwrap();
    // The header's figure is what the table's 91-120 and 120+ columns hold, counted here by label.
    let columns: i64 = report
        .labels
        .iter()
        .zip(&report.totals.buckets)
        .filter(|(l, _)| ["91-120", "120+"].contains(&l.as_str()))
        .map(|(_, b)| b)
        .sum();
    assert!(columns > 0);
    let said = format!("Billed more than 90 days ago: {}", arbot_core::Money::usd(columns).compact());
    assert!(text.contains(&said), "{said}\n{text}");
    assert!(!text.contains("of overdue (target"), "the due-date share is not mixed in: {text}");
    // The config's basis is the default; the command's wins.
    let due = ask(&rt, &app, "/ar aging");
    assert!(due.contains("current") && !due.contains("by invoice date"), "{due}");
    rt.block_on(db.close());
}

#[test]
fn a_texas_job_without_a_contract_date_shows_the_earliest_monthly_notice_with_its_assumption() {
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let name = db.name;
        let app = demo(&rt, &db.url);
        // Marina Tower moved to Texas, September 2026 work, no contract date: the 15th of the 3rd
        // month after is Tue Dec 15, 2026 under either version of § 53.056.
        for set in ["state TX", "furnished_month 2026-09"] {
            let answer = ask(&rt, &app, &format!("/ar job marina set {set}"));
            assert!(!answer.contains("couldn't") && !answer.contains("isn't"), "{name}: {answer}");
        }
        let job = ask(&rt, &app, "/ar job marina");
        assert!(job.contains("Dec 15, 2026"), "{name}: {job}");
        assert!(
            job.contains("assumes a contract signed on or after 2022-01-01; set contract_signed to be sure"),
            "{name}: {job}"
        );
        let liens = ask(&rt, &app, "/ar liens");
        assert!(liens.contains("assumes a contract signed on or after 2022-01-01"), "{name}: {liens}");
        // Setting the contract date settles it.
        ask(&rt, &app, "/ar job marina set contract_signed 2023-04-01");
        let job = ask(&rt, &app, "/ar job marina");
        assert!(job.contains("Dec 15, 2026") && !job.contains("assumes a contract"), "{name}: {job}");
        rt.block_on(db.close());
    }
}

#[test]
fn the_digest_and_the_lien_warning_show_the_assumption_when_the_contract_date_is_unknown() {
    // Today Tue Dec 1, 2026. Marina Tower moved to Texas, September 2026 work, no contract date:
    // the monthly notice is due Tue Dec 15, 2026 (15th of the 3rd month, either version of
    // § 53.056), 14 days out: inside the digest's 14-day window and at the 14-day warning.
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let name = db.name;
        let global = GlobalArgs { config: None, db: Some(db.url.clone()), today: Some("2026-12-01".to_string()) };
        let app = rt.block_on(arbot::cli::load_demo(&global, Config::default())).expect("demo loads");
        for set in ["state TX", "furnished_month 2026-09"] {
            let answer = ask(&rt, &app, &format!("/ar job marina set {set}"));
            assert!(!answer.contains("couldn't") && !answer.contains("isn't"), "{name}: {answer}");
        }
        let assumption = "assumes a contract signed on or after 2022-01-01; set contract_signed to be sure";
        let digest = ask(&rt, &app, "/ar digest");
        let line = digest.lines().find(|l| l.contains("Dec 15") && l.contains("Marina Tower"));
        assert!(line.is_some_and(|l| l.contains(assumption)), "{name}: the digest's lien line\n{digest}");
        // The warning the scheduler queues for the AR channel says so too.
        let queued = rt.block_on(arbot::warnings::queue_lien_warnings(&app)).unwrap();
        assert!(queued >= 1, "{name}: {queued}");
        let later = chrono::Utc::now() + chrono::Days::new(800);
        let items = rt.block_on(app.store.claim_outbox("test", later, later, 100)).unwrap();
        let warning: Vec<_> =
            items.iter().filter(|i| i.key.contains("TX.commercial.monthly_notice:2026-12-15:14")).collect();
        assert_eq!(warning.len(), 1, "{name}: {:?}", items.iter().map(|i| &i.key).collect::<Vec<_>>());
        let payload = &warning[0].payload;
        assert!(payload.contains(assumption), "{name}: {payload}");
        assert!(
            payload.contains("the earliest of the possible dates. Set contract_signed to be sure."),
            "{name}: {payload}"
        );
        // Once the contract date is set, neither says it.
        ask(&rt, &app, "/ar job marina set contract_signed 2023-04-01");
        let digest = ask(&rt, &app, "/ar digest");
        assert!(digest.contains("Marina Tower") && !digest.contains("assumes a contract"), "{name}: {digest}");
        rt.block_on(db.close());
    }
}

#[test]
fn the_digest_and_the_lien_warning_show_the_assumption_when_our_role_is_unknown() {
    // Today Tue Dec 1, 2026. Marina Tower (Florida), first furnished Sat Oct 31, 2026, our role
    // unknown: a sub, sub-sub or supplier owes the Notice to Owner 45 days later, Tue Dec 15
    // (Nov 30 is day 30), 14 days out; a GC or laborer owes none. The earliest candidate is
    // given, in the digest and the 14-day warning, marked with the role it assumes.
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let name = db.name;
        let global = GlobalArgs { config: None, db: Some(db.url.clone()), today: Some("2026-12-01".to_string()) };
        let app = rt.block_on(arbot::cli::load_demo(&global, Config::default())).expect("demo loads");
        for set in ["project private", "role unknown", "first_furnished 2026-10-31"] {
            let answer = ask(&rt, &app, &format!("/ar job marina set {set}"));
            assert!(answer.contains("Recorded"), "{name}: {answer}");
        }
        let assumption = "assumes that we are the subcontractor; set role to be sure";
        let digest = ask(&rt, &app, "/ar digest");
        let line = digest.lines().find(|l| l.contains("Dec 15") && l.contains("Marina Tower"));
        assert!(line.is_some_and(|l| l.contains(assumption)), "{name}: the digest's lien line\n{digest}");
        let job = ask(&rt, &app, "/ar job marina");
        assert!(job.contains("our role: —") && job.contains(assumption), "{name}: {job}");
        let queued = rt.block_on(arbot::warnings::queue_lien_warnings(&app)).unwrap();
        assert!(queued >= 1, "{name}: {queued}");
        let later = chrono::Utc::now() + chrono::Days::new(800);
        let items = rt.block_on(app.store.claim_outbox("test", later, later, 100)).unwrap();
        let warning: Vec<_> = items.iter().filter(|i| i.key.contains("FL.private.nto:2026-12-15:14")).collect();
        assert_eq!(warning.len(), 1, "{name}: {:?}", items.iter().map(|i| &i.key).collect::<Vec<_>>());
        assert!(warning[0].payload.contains(assumption), "{name}: {}", warning[0].payload);
        // Once the role is set, neither says it.
        ask(&rt, &app, "/ar job marina set role sub");
        let digest = ask(&rt, &app, "/ar digest");
        assert!(digest.contains("Marina Tower") && !digest.contains("assumes that we are"), "{name}: {digest}");
        rt.block_on(db.close());
    }
}

#[test]
fn an_account_moves_up_pm_manager_legal_with_what_each_level_expects() {
    use arbot::roles::{Actor, Role};
    let rt = Runtime::new().unwrap();
    for db in backends(&rt) {
        let name = db.name;
        let global = GlobalArgs { config: None, db: Some(db.url.clone()), today: Some(TODAY.to_string()) };
        let mut config = Config::default();
        config.collections.manager = Some("morgan".to_string());
        let app = rt.block_on(arbot::cli::load_demo(&global, config)).expect("demo loads");

        // A reason is needed, and a level that is not one says so; nothing is opened.
        let bare = ask(&rt, &app, "/ar escalate harborview up");
        assert!(bare.contains("Say why it moves up") && bare.contains("Nothing changed"), "{name}: {bare}");
        let odd = ask(&rt, &app, "/ar escalate harborview level boss they stopped paying");
        assert!(odd.contains("the levels are manager and legal"), "{name}: {odd}");
        let open = rt.block_on(app.store.open_escalations()).unwrap();
        assert!(open.is_empty(), "{name}: bad input opened nothing: {open:?}");

        // A PM or a viewer is refused, and nothing changes.
        for roles in [vec![Role::Pm], vec![]] {
            let actor = Actor { id: "u1".into(), name: "lee".into(), roles };
            let reply = rt.block_on(arbot::commands::run_line(&app, "/ar escalate harborview up no answer", actor));
            let text = arbot::console::render::to_text(&reply);
            assert!(text.contains("needs the AR or manager role"), "{name}: {text}");
        }
        assert!(rt.block_on(app.store.open_escalations()).unwrap().is_empty(), "{name}");

        // With nothing open, "up" opens the escalation at manager level and adds the manager.
        let up = ask(&rt, &app, "/ar escalate harborview up treasurer ignored three calls");
        assert!(up.contains("is at manager level now (was PM). @morgan is added to its thread."), "{name}: {up}");
        assert!(
            up.contains("Next: call the customer's owner or principal; consider a credit hold on new work."),
            "{name}: {up}"
        );
        assert!(up.contains("@morgan this is yours now:"), "{name}: the thread post mentions the manager\n{up}");
        assert!(up.contains("Moved up from PM to manager by @"), "{name}: {up}");
        let open = rt.block_on(app.store.open_escalations()).unwrap();
        assert_eq!(open.len(), 1, "{name}");
        assert_eq!(open[0].level, arbot_core::escalation::EscalationLevel::Manager, "{name}");

        // Up again: legal, naming the running lien deadlines of the account's jobs.
        let legal = ask(&rt, &app, "/ar escalate harborview up owner will not take calls");
        assert!(legal.contains("is at legal level now (was manager)"), "{name}: {legal}");
        // Harborview's claim of lien passed and its other job has only a notice of commencement
        // expiring: no running deadline to name.
        assert!(legal.contains("Next: no lien deadline is running on its jobs"), "{name}: {legal}");
        // Gulf Coast's Marina Tower has its Notice to Owner due tomorrow: named, straight to legal.
        let gulf = ask(&rt, &app, "/ar escalate \"gulf coast builders\" level legal GC stopped paying");
        assert!(gulf.contains("is at legal level now (was PM)"), "{name}: {gulf}");
        assert!(
            gulf.contains("Next: send a notice of intent to lien (Notice to Owner due Nov 23 on Marina Tower)"),
            "{name}: {gulf}"
        );
        assert!(legal.contains("collections agency or counsel"), "{name}: {legal}");
        // At the top: said, nothing changes.
        let top = ask(&rt, &app, "/ar escalate harborview up still nothing");
        assert!(top.contains("already at legal, the top level; nothing changed"), "{name}: {top}");
        let again = ask(&rt, &app, "/ar escalate harborview level manager back down?");
        assert!(again.contains("already at legal level; nothing changed"), "{name}: {again}");

        // The history and the audit trail carry each move with its reason.
        let history = ask(&rt, &app, "/ar history harborview");
        assert!(
            history.contains("escalation moved up from pm to manager: treasurer ignored three calls"),
            "{name}: {history}"
        );
        assert!(
            history.contains("escalation moved up from manager to legal: owner will not take calls"),
            "{name}: {history}"
        );
        let audit = rt
            .block_on(app.store.audit_trail(arbot_core::audit::AuditQuery {
                customer_id: Some(open[0].customer_id),
                job_id: None,
                limit: 50,
            }))
            .unwrap();
        let moves: Vec<_> = audit.iter().filter(|e| e.action == "escalation" && e.subject == "level").collect();
        assert_eq!(moves.len(), 2, "{name}: one audit record per move: {moves:?}");
        rt.block_on(db.close());
    }
}
