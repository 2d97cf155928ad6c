//! The optimised report queries against a straightforward computation over the same ledger, on
//! SQLite and PostgreSQL: a seeded ledger (`arbot dev seed`'s code, not the demo's), with
//! invoices in a second currency, disputes, lien facts set from chat and notices recorded.
//!
//! Straightforward means: every invoice and application read as rows with plain SELECTs, the
//! balance on a past date rebuilt in Rust (open now or paid since, plus what was applied after
//! the date, never more than the total), and every sum, per-job figure and lien record folded
//! from those rows or from the per-job store calls the reports used before.

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test

use std::collections::HashMap;
use std::sync::Arc;

use arbot_core::audit::{Author, Surface};
use arbot_core::clock::PinnedClock;
use arbot_core::collections::{JobNotice, NewDispute};
use arbot_core::ledger::InvoiceKind;
use arbot_core::liens::{LienRecord, LienRecords, deadlines, evaluate, missing_facts};
use arbot_core::source::{Entity, InvoiceRecord, Record, Version};
use arbot_core::store::{OpenItemsQuery, OpenSums, Store};
use arbot_core::{Currency, digest};
use arbot_tests::TestDb;
use chrono::{Datelike, Days, NaiveDate, TimeZone, Utc};
use tokio::runtime::Runtime;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const TODAY: &str = "2026-12-01";

/// One invoice as stored: (id, customer, job, currency, status, issued, due, total, balance,
/// retainage).
type Row = (i64, i64, Option<i64>, String, String, NaiveDate, NaiveDate, i64, i64, i64);

async fn raw(db: &TestDb) -> (Vec<Row>, Vec<(i64, NaiveDate, i64)>, Vec<i64>) {
    let inv = "SELECT id, customer_id, job_id, currency, status, issued, due, total_minor, balance_minor, \
               retainage_minor FROM invoices";
    let apps = "SELECT invoice_id, applied_on, amount_minor FROM applications WHERE invoice_id IS NOT NULL";
    let disputed = "SELECT invoice_id FROM disputes WHERE resolved_at IS NULL";
    if db.name == "sqlite" {
        let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
        (
            sqlx::query_as(inv).fetch_all(&pool).await.unwrap(),
            sqlx::query_as(apps).fetch_all(&pool).await.unwrap(),
            sqlx::query_scalar(disputed).fetch_all(&pool).await.unwrap(),
        )
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        (
            sqlx::query_as(inv).fetch_all(&pool).await.unwrap(),
            sqlx::query_as(apps).fetch_all(&pool).await.unwrap(),
            sqlx::query_scalar(disputed).fetch_all(&pool).await.unwrap(),
        )
    }
}

/// What was open on `as_of`, invoice by invoice, rebuilt from the raw rows: (row, balance then).
fn open_on(rows: &[Row], apps: &[(i64, NaiveDate, i64)], as_of: NaiveDate, today: NaiveDate) -> Vec<(Row, i64)> {
    let mut after: HashMap<i64, i64> = HashMap::new();
    for (inv, on, amount) in apps {
        if *on > as_of {
            *after.entry(*inv).or_default() += amount;
        }
    }
    rows.iter()
        .filter(|r| r.5 <= as_of)
        .filter_map(|r| {
            let open_now = r.8 > 0 && r.4 == "open";
            let balance = if as_of >= today {
                if open_now { r.8 } else { 0 }
            } else if r.4 == "open" || r.4 == "paid" {
                let paid_since = after.get(&r.0).copied();
                if !open_now && paid_since.is_none() { 0 } else { (r.8 + paid_since.unwrap_or(0)).min(r.7) }
            } else {
                0
            };
            (balance > 0).then(|| (r.clone(), balance))
        })
        .collect()
}

fn sums_of(open: &[(Row, i64)], disputed: &[i64], as_of: NaiveDate, currency: Currency) -> OpenSums {
    let mut s = OpenSums::default();
    for (r, b) in open.iter().filter(|(r, _)| r.3 == currency.code()) {
        let held = r.9.clamp(0, *b);
        let due_part = b - held;
        let past = (as_of - r.6).num_days();
        s.invoices += 1;
        s.total += b;
        s.retainage += held;
        if past > 0 {
            s.overdue += due_part;
        }
        if past > 90 {
            s.overdue_90 += due_part;
        }
        if disputed.contains(&r.0) {
            s.disputed += b;
            if past > 0 {
                s.disputed_overdue += due_part;
            }
        }
    }
    s
}

async fn ledger(db: &TestDb) {
    let store = Arc::clone(&db.store);
    let clock = PinnedClock { today: d(TODAY), tz: chrono_tz::America::Chicago };
    arbot::seed::seed(Arc::clone(&store), &clock, 60, 3_000, 77).await.unwrap();
    // Invoices in Canadian dollars for a few customers, some with retainage above the balance.
    let run = store.start_sync_run("synthetic", Utc::now()).await.unwrap();
    let cad: Vec<Record> = (0..12)
        .map(|n| {
            let issued = d(TODAY) - Days::new(20 + n * 11);
            Record::Invoice(InvoiceRecord {
                external_id: format!("CAD{n}"),
                customer_external_id: format!("C{}", n % 5),
                job_external_id: Some(format!("J{}", n % 5)),
                number: format!("CA-{n}"),
                kind: InvoiceKind::Progress,
                issued,
                due: issued + Days::new(30),
                currency: Currency::parse("CAD").unwrap(),
                total_minor: 90_000 + n as i64 * 1_000,
                balance_minor: 90_000 + n as i64 * 1_000,
                retainage_minor: if n % 3 == 0 { 200_000 } else { 9_000 },
                voided: false,
                memo: None,
                balance_as_of: None,
                version: Version::at(Utc.from_utc_datetime(&issued.and_hms_opt(12, 0, 0).unwrap())),
            })
        })
        .collect();
    store.apply_page(run, "synthetic", Entity::Invoice, &cad, None).await.unwrap();
    // Disputes on some open invoices, in both currencies.
    let open =
        store.open_items(OpenItemsQuery { as_of: d(TODAY), customer_id: None, historical: false }).await.unwrap();
    let by = Author::new("t", "tester", Surface::Cli);
    for i in open.iter().step_by(17) {
        let dispute = NewDispute {
            invoice_id: i.invoice_id,
            reason: "pricing".into(),
            detail: None,
            opened_by: "tester".into(),
            opened_at: Utc::now(),
        };
        store.open_dispute(&dispute, &by).await.unwrap();
    }
    // Facts set from chat and notices recorded on some jobs.
    let jobs = store.jobs(None).await.unwrap();
    for (n, j) in jobs.iter().enumerate() {
        if n % 3 == 0 {
            let last = d(TODAY) - Days::new(10 + n as u64 * 3);
            store.set_job_fact(j.job.id, "last_furnished", &last.to_string(), &by, Utc::now()).await.unwrap();
        }
        if n % 7 == 0 {
            store.set_job_fact(j.job.id, "project", "public", &by, Utc::now()).await.unwrap();
        }
        if n % 4 == 0 {
            let notice = JobNotice {
                id: 0,
                job_id: j.job.id,
                kind: if n % 8 == 0 { "notice_to_owner".into() } else { "preliminary_notice".into() },
                served_on: d(TODAY) - Days::new(200),
                tracking: None,
                recorded_by: "tester".into(),
                recorded_at: Utc::now(),
            };
            store.add_job_notice(&notice, &by).await.unwrap();
        }
    }
    paid_up_jobs(store.as_ref()).await;
}

/// Jobs with nothing owed in every state, their facts from three weeks to eight years back:
/// synced furnishing and notice-of-commencement dates, or dated facts, months of work (some
/// typed without a leading zero, as older versions stored them) and claims of lien set from chat.
async fn paid_up_jobs(store: &dyn Store) {
    use arbot_core::ledger::{CustomerKind, OurRole, ProjectType};
    use arbot_core::source::{CustomerRecord, JobRecord};
    let version = Version::at(Utc.from_utc_datetime(&d("2018-01-02").and_hms_opt(12, 0, 0).unwrap()));
    let states = arbot_core::liens::supported_states();
    // Jobs 0-99 spread back over eight years; 100-111 started in the last ten weeks (their
    // preliminary notices and notices to owner run).
    let on = |n: u64| if n < 100 { d(TODAY) - Days::new(21 + n * 29) } else { d(TODAY) - Days::new(4 + (n - 100) * 6) };
    let recent = ["FL", "CA", "TX", "AZ", "GA", "NC"];
    let mut page = Vec::new();
    for n in 0..112u64 {
        let state = if n < 100 { states[n as usize % states.len()] } else { recent[n as usize % recent.len()] };
        page.push(Record::Customer(CustomerRecord {
            external_id: format!("P{n}"),
            name: format!("Paid Up {n}"),
            kind: CustomerKind::GeneralContractor,
            email: None,
            address: None,
            phone: None,
            terms_days: Some(30),
            pm: None,
            active: true,
            version,
        }));
        page.push(Record::Job(JobRecord {
            external_id: format!("PJ{n}"),
            customer_external_id: format!("P{n}"),
            name: format!("Paid job {n}"),
            city: None,
            county: None,
            state: Some(state.to_string()),
            project_type: Some([ProjectType::Private, ProjectType::Public, ProjectType::Residential][n as usize % 3]),
            role: Some([OurRole::Sub, OurRole::Supplier, OurRole::Gc, OurRole::SubSub][n as usize % 4]),
            owner_name: None,
            gc_name: None,
            pm: None,
            first_furnished: (n % 4 != 3 || n >= 100).then(|| if n < 100 { on(n) - Days::new(120) } else { on(n) }),
            last_furnished: (n % 4 == 0).then(|| on(n)),
            noc_recorded: (n % 5 == 0).then(|| on(n) - Days::new(130)),
            noc_expires: None,
            retainage_bp: 0,
            version,
        }));
    }
    let run = store.start_sync_run("synthetic", Utc::now()).await.unwrap();
    store.apply_page(run, "synthetic", Entity::Customer, &page, None).await.unwrap();
    let by = Author::new("t", "tester", Surface::Cli);
    for j in store.jobs(Some("Paid job")).await.unwrap() {
        let n: u64 = j.job.name.trim_start_matches("Paid job ").parse().unwrap();
        let at = Utc::now();
        if n % 4 == 3 {
            store.set_job_fact(j.job.id, "last_furnished", &on(n).to_string(), &by, at).await.unwrap();
        }
        if n % 6 == 1 || (n >= 100 && n % 6 == 2) {
            let month = on(n) + Days::new(15);
            let typed = if n % 12 == 1 { month.format("%Y-%-m") } else { month.format("%Y-%m") };
            store.set_job_fact(j.job.id, "furnished_month", &typed.to_string(), &by, at).await.unwrap();
        }
        if n % 8 == 2 {
            store.set_job_fact(j.job.id, "lien_recorded", &on(n).to_string(), &by, at).await.unwrap();
        }
        if n % 10 == 5 {
            store.set_job_fact(j.job.id, "completed", &(on(n) + Days::new(3)).to_string(), &by, at).await.unwrap();
        }
        if n % 9 == 4 {
            let notice = JobNotice {
                id: 0,
                job_id: j.job.id,
                kind: "claim_of_lien".into(),
                served_on: on(n) + Days::new(40),
                tracking: None,
                recorded_by: "tester".into(),
                recorded_at: at,
            };
            store.add_job_notice(&notice, &by).await.unwrap();
        }
        if n % 11 == 6 {
            store.set_job_fact(j.job.id, "project", "unknown", &by, at).await.unwrap();
        }
    }
}

#[test]
fn report_sums_match_a_straightforward_computation_on_both_backends() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        for db in TestDb::all().await {
            ledger(&db).await;
            let store: &dyn Store = db.store.as_ref();
            let today = d(TODAY);
            let (rows, apps, disputed) = raw(&db).await;
            assert!(
                rows.iter().any(|r| r.3 == "CAD") && !disputed.is_empty(),
                "{}: the ledger has what we test",
                db.name
            );
            let usd = Currency::USD;
            let cad = Currency::parse("CAD").unwrap();
            let mut checked_history = 0;
            for back in [0u64, 1, 3, 30, 45, 200] {
                let as_of = today - Days::new(back);
                let historical = back > 0;
                let expected = open_on(&rows, &apps, as_of, today);
                // The historical open items themselves: the same invoices with the same balances.
                let q = OpenItemsQuery { as_of, customer_id: None, historical };
                let mut got: Vec<(i64, i64)> =
                    store.open_items(q).await.unwrap().iter().map(|i| (i.invoice_id, i.balance.minor)).collect();
                got.sort_unstable();
                let mut want: Vec<(i64, i64)> = expected.iter().map(|(r, b)| (r.0, *b)).collect();
                want.sort_unstable();
                assert_eq!(got, want, "{}: open items on {as_of}", db.name);
                checked_history += usize::from(historical && !want.is_empty());
                for currency in [usd, cad] {
                    let sums = store.open_sums(q, currency).await.unwrap();
                    assert_eq!(
                        sums,
                        sums_of(&expected, &disputed, as_of, currency),
                        "{}: sums on {as_of} in {currency}",
                        db.name
                    );
                    assert!(sums.invoices > 0 || back > 100, "{}: something open in {currency} on {as_of}", db.name);
                }
                // One customer's sums.
                let one = rows[0].1;
                let mine: Vec<(Row, i64)> = expected.iter().filter(|(r, _)| r.1 == one).cloned().collect();
                let q1 = OpenItemsQuery { customer_id: Some(one), ..q };
                assert_eq!(store.open_sums(q1, usd).await.unwrap(), sums_of(&mine, &disputed, as_of, usd));
            }
            assert!(checked_history >= 4, "{}: past dates with invoices open", db.name);

            // The sums on several past days in one pass, as each day's own.
            let days: Vec<NaiveDate> = [1u64, 3, 30, 45, 200, 3, 60].iter().map(|b| today - Days::new(*b)).collect();
            for currency in [usd, cad] {
                let together = store.open_sums_on(&days, currency).await.unwrap();
                let alone: Vec<OpenSums> = {
                    let mut v = Vec::new();
                    for as_of in &days {
                        let expected = open_on(&rows, &apps, *as_of, today);
                        v.push(sums_of(&expected, &disputed, *as_of, currency));
                    }
                    v
                };
                assert_eq!(together, alone, "{}: the sums on {days:?} in one pass, in {currency}", db.name);
            }
            assert!(store.open_sums_on(&[], usd).await.unwrap().is_empty());
            // The KPIs of past days from that pass and the sales by day, as each day's own.
            let [a, b, c] = arbot_core::kpi::kpis_on(store, [days[0], days[3], days[4]], usd).await.unwrap();
            for (got, on) in [(a, days[0]), (b, days[3]), (c, days[4])] {
                assert_eq!(
                    got,
                    arbot_core::kpi::kpis(store, on, true, usd).await.unwrap(),
                    "{}: KPIs on {on}",
                    db.name
                );
            }
            let dso = arbot_core::kpi::dso_on(store, &days, usd).await.unwrap();
            for (got, on) in dso.into_iter().zip(&days) {
                assert_eq!(
                    got,
                    arbot_core::kpi::kpis(store, *on, true, usd).await.unwrap().dso,
                    "{}: DSO on {on}",
                    db.name
                );
            }

            // Unpaid per job, as the lien reports read it.
            let mut by_job: HashMap<i64, i64> = HashMap::new();
            for (r, b) in open_on(&rows, &apps, today, today).iter().filter(|(r, _)| r.3 == "USD") {
                if let Some(j) = r.2 {
                    *by_job.entry(j).or_default() += b;
                }
            }
            let got: HashMap<i64, i64> = store.open_by_job(today, usd).await.unwrap().into_iter().collect();
            assert_eq!(got, by_job, "{}: unpaid by job", db.name);
            assert!(!got.is_empty());

            // The jobs with money owed, read in one statement, are every (not deleted) job with
            // a positive unpaid balance, in the order of the job list, with that balance.
            let owing: Vec<(i64, String, i64)> = store
                .owing_jobs(today, usd)
                .await
                .unwrap()
                .into_iter()
                .map(|(j, owed)| (j.job.id, j.customer_name, owed))
                .collect();
            let straight: Vec<(i64, String, i64)> = store
                .jobs(None)
                .await
                .unwrap()
                .into_iter()
                .filter_map(|j| {
                    let owed = by_job.get(&j.job.id).copied().unwrap_or(0);
                    (owed > 0).then_some((j.job.id, j.customer_name, owed))
                })
                .collect();
            assert_eq!(owing, straight, "{}: jobs with money owed", db.name);
            assert!(!owing.is_empty(), "{}: some jobs owe", db.name);

            // The lien alerts from those jobs equal the ones from every job's record.
            let mut coming = Vec::new();
            let mut passed = Vec::new();
            let all_records = LienRecords::load(store).await.unwrap();
            for j in store.jobs(None).await.unwrap() {
                let owed = by_job.get(&j.job.id).copied().unwrap_or(0);
                let record = all_records.record(&j.job);
                let (true, Some(state)) = (owed > 0, record.facts.as_ref().map(|f| f.state.clone())) else {
                    continue;
                };
                for dl in record.open_deadlines(&[]) {
                    let alert = arbot_core::liens::LienAlert {
                        customer_id: j.job.customer_id,
                        job_id: j.job.id,
                        job_name: j.job.name.clone(),
                        customer_name: j.customer_name.clone(),
                        state: state.clone(),
                        document: dl.document.clone(),
                        due: dl.due,
                        unpaid: owed,
                    };
                    let left = (dl.due - today).num_days();
                    if (0..=45).contains(&left) && !arbot_core::liens::is_event(&dl) {
                        coming.push(alert);
                    } else if left < 0 && dl.loses_rights() {
                        passed.push(alert);
                    }
                }
            }
            coming.sort_by_key(|a| a.due);
            passed.sort_by_key(|a| a.due);
            let alerts = arbot_core::liens::lien_alerts(store, today, 45, &[], usd).await.unwrap();
            assert_eq!(alerts.coming, coming, "{}: lien alerts coming", db.name);
            assert_eq!(alerts.passed, passed, "{}: lien alerts passed", db.name);
            assert!(!alerts.coming.is_empty() || !alerts.passed.is_empty(), "{}: some lien alerts", db.name);

            // Every job's lien record from the batch reads equals the one read job by job, and
            // one evaluation gives what `deadlines` and `missing_facts` give apart.
            let records = LienRecords::load(store).await.unwrap();
            let (mut with_notices, mut with_deadlines) = (0, 0);
            for j in store.jobs(None).await.unwrap() {
                let one = LienRecord::load(store, &j.job).await.unwrap();
                assert_eq!(records.record(&j.job), one, "{}: lien record of job {}", db.name, j.job.id);
                with_notices += usize::from(!one.notices.is_empty());
                if let Some(facts) = &one.facts {
                    match evaluate(facts, &[]) {
                        Ok(e) => {
                            assert_eq!(e.deadlines, deadlines(facts, &[]).unwrap());
                            assert_eq!(e.missing, missing_facts(facts));
                            with_deadlines += usize::from(!e.deadlines.is_empty());
                        }
                        Err(e) => assert_eq!(Err(e), deadlines(facts, &[])),
                    }
                }
            }
            assert!(with_notices > 0 && with_deadlines > 0, "{}: records with notices and deadlines", db.name);

            // The KPIs from the sums: what the aging of every open item gave before.
            let cfg = arbot_core::aging::AgingConfig::default();
            let k = arbot_core::kpi::kpis(store, today, false, usd).await.unwrap();
            let items =
                store.open_items(OpenItemsQuery { as_of: today, customer_id: None, historical: false }).await.unwrap();
            let now = arbot_core::aging::aging(&items, today, &cfg, arbot_core::aging::GroupBy::Customer, usd);
            let begin_on = today - Days::new(30);
            let begin_items = store
                .open_items(OpenItemsQuery { as_of: begin_on, customer_id: None, historical: true })
                .await
                .unwrap();
            let begin =
                arbot_core::aging::aging(&begin_items, begin_on, &cfg, arbot_core::aging::GroupBy::Customer, usd);
            assert_eq!(
                (k.open_ar, k.overdue, k.overdue_90, k.disputed, k.disputed_overdue, k.retainage),
                (
                    now.totals.total,
                    now.totals.overdue,
                    now.totals.overdue_90,
                    now.totals.disputed,
                    now.totals.disputed_overdue,
                    now.totals.retainage
                ),
                "{}: KPI totals",
                db.name
            );
            assert_eq!(k.over_90_share, now.over_90_share());
            let sales = store.sales_between(begin_on + Days::new(1), today, usd).await.unwrap();
            let current = now.totals.total - now.totals.overdue;
            assert_eq!(k.cei, arbot_core::kpi::cei(begin.totals.total, sales, now.totals.total, current));

            // The digest's change since the previous digest, against the items then.
            let since = digest::previous_business_day(today);
            let rules = arbot_core::collections::PromiseRules { grace_days: 3, tz: chrono_tz::America::Chicago };
            let dg = digest::load(store, today, usd, &[], rules).await.unwrap();
            let then: Vec<(Row, i64)> = open_on(&rows, &apps, since, today);
            let then_open: i64 = then.iter().filter(|(r, _)| r.3 == "USD").map(|(_, b)| b).sum();
            let then_overdue: i64 = then
                .iter()
                .filter(|(r, _)| r.3 == "USD" && !disputed.contains(&r.0) && r.6 < since)
                .map(|(r, b)| b - r.9.clamp(0, *b))
                .sum();
            assert_eq!(dg.open - dg.open_change, then_open, "{}: open at the previous digest", db.name);
            assert_eq!(dg.overdue - dg.overdue_change, then_overdue, "{}: overdue at the previous digest", db.name);
            db.close().await;
        }
    });
}

/// Aging, the overdue list and the digest's accounts summed in the database, against the same
/// figures folded in Rust from every open item (as the reports computed them before).
#[test]
fn aging_overdue_and_digest_sums_match_the_open_items_on_both_backends() {
    use arbot_core::aging::{AgingConfig, Basis, Buckets, GroupBy, aging, aging_of_sums};
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        for db in TestDb::all().await {
            ledger(&db).await;
            let store: &dyn Store = db.store.as_ref();
            let today = d(TODAY);
            let usd = Currency::USD;
            let cad = Currency::parse("CAD").unwrap();
            let configs = [
                AgingConfig::default(),
                AgingConfig { basis: Basis::InvoiceDate, ..AgingConfig::default() },
                AgingConfig { buckets: Buckets::new(vec![15, 45, 200]).unwrap(), basis: Basis::DueDate },
                AgingConfig { buckets: Buckets::new(vec![7]).unwrap(), basis: Basis::InvoiceDate },
            ];
            let mut compared = 0;
            for back in [0u64, 3, 45, 200] {
                let as_of = today - Days::new(back);
                let historical = back > 0;
                let items = store.open_items(OpenItemsQuery { as_of, customer_id: None, historical }).await.unwrap();
                for cfg in &configs {
                    // The jobs' sums carry each job's customer and PM: the snapshots add them up
                    // into the customers' and the PMs' rows rather than summing the ledger again.
                    let by_job = store.open_aging(as_of, historical, cfg, GroupBy::Job).await.unwrap();
                    for by in [GroupBy::Customer, GroupBy::Job, GroupBy::Pm] {
                        let groups = store.open_aging(as_of, historical, cfg, by).await.unwrap();
                        for currency in [usd, cad] {
                            let want = aging(&items, as_of, cfg, by, currency);
                            let got = aging_of_sums(&groups, as_of, cfg, by, currency);
                            assert_eq!(got, want, "{}: aging on {as_of} by {by:?} in {currency}, {cfg:?}", db.name);
                            let rolled_up = aging_of_sums(&by_job, as_of, cfg, by, currency);
                            assert_eq!(
                                rolled_up, want,
                                "{}: the jobs' sums on {as_of} by {by:?} in {currency}",
                                db.name
                            );
                            compared += usize::from(!want.rows.is_empty());
                        }
                    }
                }
            }
            assert!(compared >= 40, "{}: reports with rows compared ({compared})", db.name);

            // The overdue list: the open items with something due, due by a date, in order.
            let items =
                store.open_items(OpenItemsQuery { as_of: today, customer_id: None, historical: false }).await.unwrap();
            for (from, by) in [(None, 1u64), (None, 60), (Some(digest::previous_business_day(today)), 1)] {
                let due_by = today - Days::new(by);
                for currency in [usd, cad] {
                    let mut want: Vec<_> = items
                        .iter()
                        .filter(|i| i.currency() == currency && i.due_part() > 0 && i.due <= due_by)
                        .filter(|i| from.is_none_or(|f| i.due >= f))
                        .collect();
                    want.sort_by_key(|i| (i.due, std::cmp::Reverse(i.due_part())));
                    let want: Vec<_> = want
                        .iter()
                        .map(|i| {
                            (
                                i.invoice_id,
                                i.number.clone(),
                                i.customer_name.clone(),
                                i.pm.clone(),
                                i.due,
                                i.due_part(),
                                i.disputed,
                            )
                        })
                        .collect();
                    let got: Vec<_> = store
                        .overdue_items(today, from, due_by, currency)
                        .await
                        .unwrap()
                        .into_iter()
                        .map(|i| (i.invoice_id, i.number, i.customer_name, i.pm, i.due, i.due_part, i.disputed))
                        .collect();
                    assert_eq!(got, want, "{}: overdue from {from:?} by {due_by} in {currency}", db.name);
                    assert!(!got.is_empty() || currency == cad || from.is_some(), "{}: something overdue", db.name);
                    if from.is_some() {
                        continue;
                    }
                    // The page `/ar overdue` shows: the first rows of the same list, and its totals.
                    let all: Vec<_> = items
                        .iter()
                        .filter(|i| i.currency() == currency && i.due_part() > 0 && i.due <= due_by)
                        .collect();
                    let customers: std::collections::BTreeSet<i64> = all.iter().map(|i| i.customer_id).collect();
                    let total: i64 = all.iter().map(|i| i.due_part()).sum();
                    let over_90: i64 =
                        all.iter().filter(|i| (today - i.due).num_days() > 90).map(|i| i.due_part()).sum();
                    for limit in [0usize, 3, 25, 1_000_000] {
                        let page = store.overdue_page(today, due_by, currency, limit).await.unwrap();
                        assert_eq!(
                            (page.invoices, page.customers, page.total, page.over_90),
                            (all.len() as i64, customers.len() as i64, total, over_90),
                            "{}: the overdue page's totals by {due_by} in {currency}",
                            db.name
                        );
                        let rows: Vec<_> = page
                            .rows
                            .into_iter()
                            .map(|i| (i.invoice_id, i.number, i.customer_name, i.pm, i.due, i.due_part, i.disputed))
                            .collect();
                        assert_eq!(rows, want[..limit.min(want.len())], "{}: the first {limit} overdue", db.name);
                    }
                    assert!(over_90 > 0 || currency == cad, "{}: something over 90 days", db.name);
                }
            }

            // The digest's accounts: each customer's open, disputed and collectible past due.
            type Sums = (i64, i64, i64, i64, i64, i64, Option<NaiveDate>, i128);
            for currency in [usd, cad] {
                let mut want: HashMap<i64, Sums> = HashMap::new();
                for i in items.iter().filter(|i| i.currency() == currency) {
                    let e = want.entry(i.customer_id).or_default();
                    e.0 += i.balance.minor;
                    if i.disputed {
                        e.1 += i.balance.minor;
                    }
                    let days = (today - i.due).num_days();
                    if !i.disputed && i.due_part() > 0 && days > 0 {
                        e.2 += i.due_part();
                        if days > 60 {
                            e.3 += i.due_part();
                        }
                        if days > 90 {
                            e.4 += i.due_part();
                        }
                        e.5 += 1;
                        e.6 = Some(e.6.map_or(i.due, |o: NaiveDate| o.min(i.due)));
                        e.7 += i128::from(i.due_part()) * i128::from(days);
                    }
                }
                let got: HashMap<i64, Sums> = store
                    .overdue_by_customer(today, currency)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|c| {
                        (
                            c.customer_id,
                            (
                                c.open,
                                c.disputed,
                                c.overdue,
                                c.over_60,
                                c.over_90,
                                c.overdue_invoices,
                                c.oldest_due,
                                c.dollar_days,
                            ),
                        )
                    })
                    .collect();
                assert_eq!(got, want, "{}: the digest's accounts in {currency}", db.name);
                assert!(
                    currency == cad || got.values().any(|v| v.1 > 0 && v.7 > 0),
                    "{}: disputes and dollar-days",
                    db.name
                );
            }
            db.close().await;
        }
    });
}

/// The jobs `/ar liens` and the warnings read (money owed, or a dated lien fact recent enough to
/// give a deadline from today) against every job: the jobs left out owe nothing and have no
/// deadline to show, and `/ar liens` answers the same from either, through its real handler too.
#[test]
fn lien_jobs_leave_out_only_jobs_with_nothing_to_show_on_both_backends() {
    use arbot_core::liens::{PREVENTIVE, facts_since};
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        for db in TestDb::all().await {
            ledger(&db).await;
            let store: &dyn Store = db.store.as_ref();
            let today = d(TODAY);
            let usd = Currency::USD;
            let closures = [d("2026-12-24"), d("2027-01-04")];
            let by_job: HashMap<i64, i64> = store.open_by_job(today, usd).await.unwrap().into_iter().collect();
            let every = store.jobs(None).await.unwrap();
            let records = LienRecords::load(store).await.unwrap();
            // The read itself, for `since` swept over every fact's date, the day before and after:
            // the jobs with money owed, and the others with a dated fact on or after `since`
            // (synced; set from chat; a claim of lien recorded), a month of work from its month
            // on, a value in another shape (a month typed `2026-3`) always.
            let mut facts: HashMap<i64, Vec<(NaiveDate, bool)>> = HashMap::new(); // (date, is a month)
            let mut odd: std::collections::HashSet<i64> = std::collections::HashSet::new();
            for j in &every {
                let mut dates: Vec<(NaiveDate, bool)> =
                    [j.job.first_furnished, j.job.last_furnished, j.job.noc_recorded]
                        .into_iter()
                        .flatten()
                        .map(|d| (d, false))
                        .collect();
                for (fact, value) in store.job_facts(j.job.id).await.unwrap() {
                    let canonical =
                        value.len() == if fact == "furnished_month" { 7 } else { 10 } && value.as_bytes()[4] == b'-';
                    if fact == "furnished_month" {
                        match NaiveDate::parse_from_str(&format!("{value}-01"), "%Y-%m-%d") {
                            Ok(month) if canonical => dates.push((month, true)),
                            _ => _ = odd.insert(j.job.id),
                        }
                    } else if arbot_core::liens::Fact::ALL.iter().any(|f| f.name() == fact) {
                        match value.parse::<NaiveDate>() {
                            Ok(day) if canonical => dates.push((day, false)),
                            _ => _ = odd.insert(j.job.id),
                        }
                    }
                }
                for n in store.job_notices(j.job.id).await.unwrap() {
                    if n.kind == "claim_of_lien" {
                        dates.push((n.served_on, false));
                    }
                }
                facts.insert(j.job.id, dates);
            }
            assert!(!odd.is_empty(), "{}: a month typed without its leading zero", db.name);
            let mut sweep: Vec<NaiveDate> = facts
                .values()
                .flatten()
                .flat_map(|(d, _)| [*d - Days::new(1), *d, *d + Days::new(1), *d + Days::new(20)])
                .collect();
            sweep.sort_unstable();
            sweep.dedup();
            assert!(sweep.len() > 300, "{}: {} dates to sweep", db.name, sweep.len());
            let month = |d: NaiveDate| (d.year(), d.month());
            for &since in &sweep {
                let read: Vec<i64> =
                    store.lien_jobs(today, usd, since).await.unwrap().iter().map(|(j, _)| j.job.id).collect();
                let want: Vec<i64> = every
                    .iter()
                    .map(|j| j.job.id)
                    .filter(|id| {
                        by_job.contains_key(id)
                            || odd.contains(id)
                            || facts[id]
                                .iter()
                                .any(|(d, is_month)| if *is_month { month(*d) >= month(since) } else { *d >= since })
                    })
                    .collect();
                assert_eq!(read, want, "{}: jobs read since {since}", db.name);
            }

            let missed_from = today - Days::new(7);
            for (kinds, from) in [(None, today), (Some(PREVENTIVE), missed_from)] {
                let wanted = |kind: &str| kinds.is_none_or(|k: &[&str]| k.contains(&kind));
                let since = facts_since(from, kinds, &closures);
                let read = store.lien_jobs(today, usd, since).await.unwrap();
                let ids: std::collections::HashSet<i64> = read.iter().map(|(j, _)| j.job.id).collect();
                // The jobs read, in the job list's order, each with its unpaid balance.
                let got: Vec<(i64, String, i64)> =
                    read.iter().map(|(j, owed)| (j.job.id, j.customer_name.clone(), *owed)).collect();
                let want: Vec<(i64, String, i64)> = every
                    .iter()
                    .filter(|j| ids.contains(&j.job.id))
                    .map(|j| (j.job.id, j.customer_name.clone(), by_job.get(&j.job.id).copied().unwrap_or(0)))
                    .collect();
                assert_eq!(got, want, "{} {kinds:?}: jobs read with their balance", db.name);
                let (mut left_out, mut kept) = (0, 0);
                for j in &every {
                    let record = records.record(&j.job);
                    let shown: Vec<String> = record
                        .open_deadlines(&closures)
                        .into_iter()
                        .filter(|dl| dl.due >= from && wanted(&dl.kind))
                        .map(|dl| format!("{} {}", dl.rule, dl.due))
                        .collect();
                    if ids.contains(&j.job.id) {
                        kept += usize::from(!by_job.contains_key(&j.job.id) && !shown.is_empty());
                        continue;
                    }
                    left_out += 1;
                    assert!(
                        !by_job.contains_key(&j.job.id),
                        "{}: job {} owes money and was left out",
                        db.name,
                        j.job.name
                    );
                    assert!(shown.is_empty(), "{} {kinds:?}: {} left out with {shown:?}", db.name, j.job.name);
                }
                assert!(left_out >= 10, "{} {kinds:?}: {left_out} jobs left out", db.name);
                assert!(kept >= 3, "{} {kinds:?}: {kept} jobs owing nothing kept for their deadlines", db.name);
            }

            // `/ar liens` from the jobs read and from every job, at every horizon, and through
            // the handler.
            let mut config = arbot::config::Config::default();
            config.liens.closures = closures.to_vec();
            let clock = PinnedClock { today, tz: chrono_tz::America::Chicago };
            let app =
                arbot::app::App { store: Arc::clone(&db.store), clock: Arc::new(clock), config, sources: Vec::new() };
            let all: Vec<(arbot_core::ledger::JobWithCustomer, i64)> =
                every.iter().map(|j| (j.clone(), by_job.get(&j.job.id).copied().unwrap_or(0))).collect();
            let read = store.lien_jobs(today, usd, facts_since(today, None, &closures)).await.unwrap();
            assert!(read.len() < all.len());
            for days in [0, 7, 30, 120, 366] {
                let straight = arbot::commands::liens_reply(&app, days, &all, &records);
                assert_eq!(
                    arbot::commands::liens_reply(&app, days, &read, &records),
                    straight,
                    "{}: {days} days",
                    db.name
                );
                let handled =
                    arbot::commands::run_line(&app, &format!("/ar liens {days}"), arbot::roles::Actor::console()).await;
                assert_eq!(handled, straight, "{}: /ar liens {days}", db.name);
            }
            let shown = arbot::commands::liens_reply(&app, 366, &all, &records);
            let table = shown.table.as_ref().unwrap();
            assert!(table.rows.iter().any(|r| r[4] == "—"), "{}: deadlines on jobs owing nothing are shown", db.name);
            db.close().await;
        }
    });
}

/// The cash applied for one customer (its own statement) is the everyone-statement's rows for
/// that customer, and those are every application of a payment to an invoice from the date on;
/// the daily aging snapshot, summed in the database, is the aging of every open invoice that day.
#[test]
fn cash_applied_and_snapshots_match_a_straightforward_computation_on_both_backends() {
    use arbot_core::aging::{AgingConfig, GroupBy, aging};
    use arbot_core::snapshots::{DIMENSIONS, Snapshot, compute, compute_by, on_day_by};
    let one_rows = |s: &Snapshot, by: GroupBy| -> Vec<_> { s.rows.iter().filter(|(b, _)| *b == by).cloned().collect() };
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        for db in TestDb::all().await {
            ledger(&db).await;
            let store: &dyn Store = db.store.as_ref();
            let today = d(TODAY);
            let (rows, apps, _) = raw(&db).await;
            let customer_of: HashMap<i64, i64> = rows.iter().map(|r| (r.0, r.1)).collect();
            for back in [0u64, 3, 40, 400] {
                let from = today - Days::new(back);
                let all = store.cash_applied(None, from).await.unwrap();
                let mut got: Vec<(i64, i64, NaiveDate, i64)> =
                    all.iter().map(|c| (c.customer_id, c.invoice_id, c.applied_on, c.amount.minor)).collect();
                got.sort_unstable();
                let mut want: Vec<(i64, i64, NaiveDate, i64)> =
                    apps.iter().filter(|a| a.1 >= from).map(|a| (customer_of[&a.0], a.0, a.1, a.2)).collect();
                want.sort_unstable();
                assert_eq!(got, want, "{}: cash applied from {from}", db.name);
                assert!(!want.is_empty() || back == 0, "{}: cash applied from {from}", db.name);
                let mut customers: Vec<i64> = want.iter().map(|w| w.0).collect();
                customers.dedup();
                for c in customers.iter().take(6).chain([&999_999]) {
                    let mine = store.cash_applied(Some(*c), from).await.unwrap();
                    let theirs: Vec<_> = all.iter().filter(|a| a.customer_id == *c).copied().collect();
                    assert_eq!(mine, theirs, "{}: cash applied for {c} from {from}", db.name);
                }
            }
            let cfg = AgingConfig::default();
            let now = Utc::now();
            for back in [0u64, 1, 30, 200] {
                let day = today - Days::new(back);
                let snap = compute(store, day, today, &cfg, Currency::USD, now).await.unwrap();
                let open = store
                    .open_items(OpenItemsQuery { as_of: day, customer_id: None, historical: day < today })
                    .await
                    .unwrap();
                let mut want = Vec::new();
                for by in DIMENSIONS {
                    want.extend(aging(&open, day, &cfg, by, Currency::USD).rows.into_iter().map(|r| (by, r)));
                }
                assert!(want.len() > 10, "{}: rows on {day}", db.name);
                assert_eq!(snap.rows, want, "{}: snapshot of {day}", db.name);
                // One dimension computed alone, and read back alone once kept, is that part.
                for by in DIMENSIONS {
                    let part: Vec<_> = snap.rows.iter().filter(|(b, _)| *b == by).cloned().collect();
                    let alone = compute_by(store, day, today, &cfg, Currency::USD, now, by).await.unwrap();
                    assert_eq!(alone.rows, part, "{}: {by:?} alone on {day}", db.name);
                }
                if back > 0 {
                    assert!(store.snapshot_of(day, GroupBy::Customer).await.unwrap().is_none());
                    assert!(store.save_snapshot(&snap).await.unwrap());
                    let kept = store.snapshot(day).await.unwrap().unwrap();
                    for by in DIMENSIONS {
                        let one = store.snapshot_of(day, by).await.unwrap().unwrap();
                        let part: Vec<_> = kept.rows.iter().filter(|(b, _)| *b == by).cloned().collect();
                        assert!(!part.is_empty(), "{}: {by:?} rows kept on {day}", db.name);
                        assert_eq!((one.rows, one.labels, one.rebuilt), (part, kept.labels.clone(), kept.rebuilt));
                        let read = on_day_by(store, day, today, &cfg, Currency::USD, now, by).await.unwrap();
                        assert_eq!(read.rows, one_rows(&kept, by), "{}: {by:?} on {day} from the snapshot", db.name);
                    }
                }
            }
            db.close().await;
        }
    });
}
