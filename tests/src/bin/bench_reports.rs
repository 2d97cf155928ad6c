//! `bench-reports`: how long each report takes at scale, next to a hand-written SQL floor for the
//! same figures, and how much memory it needs, on SQLite and on PostgreSQL.
//!
//! ```sh
//! cargo build --release -p arbot-tests --bin bench-reports
//! target/release/bench-reports --invoices 100000 --customers 2000          # SQLite
//! ARBOT_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!     target/release/bench-reports --invoices 1000000 --customers 20000    # and PostgreSQL
//! ```
//!
//! The ledger is written by `arbot dev seed`'s code (`arbot::seed::seed`, the page-upsert path a
//! sync takes) with the clock pinned to 2026-12-01, plus a few lien facts set from chat and
//! notices recorded on some jobs, and is kept for the next run: a SQLite file under `--dir`
//! (default `~/.cache/arbot/bench`) and a database `arbot_bench_<customers>_<invoices>` on the
//! PostgreSQL server. `--fresh` seeds again.
//!
//! Each report's real handler (the console line, through the same parser and handler as Discord)
//! and its floor run in two child processes of their own (this binary again, with `--child` and
//! `--side`), so each one's peak resident memory (`VmHWM`) is its own; the parent has them
//! alternate, one run at a time, `--runs` times. The table shows the median and the fastest of
//! each, the ratio of the medians, and the peak RSS of the handler's process and the floor's.
//! `--child <report> <url>` without `--side` runs both in one process (what `BENCH_TRACE` reads).

use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arbot::app::App;
use arbot::commands::run_line;
use arbot::config::Config;
use arbot::reply::Severity;
use arbot::roles::Actor;
use arbot_core::audit::{Author, Surface};
use arbot_core::clock::PinnedClock;
use arbot_core::collections::JobNotice;
use arbot_core::store::{self, Backend, Store};
use chrono::{Days, NaiveDate};
use sqlx::Connection;

const REPORTS: [&str; 11] =
    ["customer", "aging", "overdue", "kpi", "liens", "digest", "cash", "weekly", "close", "trends", "guardrails"];

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default()
}

struct Args {
    customers: u64,
    invoices: u64,
    runs: usize,
    dir: std::path::PathBuf,
    fresh: bool,
    backends: Vec<String>,
    only: Vec<String>,
    child: Option<(String, String)>,
    /// With `--child`: run only the handler or only the floor, one run per line read.
    side: Option<Side>,
}

/// Which half of a report a child process times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Handler,
    Floor,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Handler => "handler",
            Side::Floor => "floor",
        }
    }
}

fn args() -> Result<Args, String> {
    let home = std::env::var("HOME").unwrap_or_else(|_| "/tmp".to_string());
    let mut a = Args {
        customers: 2_000,
        invoices: 100_000,
        runs: 7,
        dir: std::path::Path::new(&home).join(".cache/arbot/bench"),
        fresh: false,
        backends: Vec::new(),
        only: Vec::new(),
        child: None,
        side: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| v.replace('_', "").parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--customers" => a.customers = number(value()?)?.max(1),
            "--invoices" => a.invoices = number(value()?)?,
            "--runs" => a.runs = number(value()?)?.clamp(1, 100) as usize,
            "--dir" => a.dir = value()?.into(),
            "--fresh" => a.fresh = true,
            "--backend" => a.backends.push(value()?),
            "--only" => a.only.push(value()?),
            "--child" => {
                let report = value()?;
                let url = value()?;
                a.child = Some((report, url));
            }
            "--side" => {
                a.side = Some(match value()?.as_str() {
                    "handler" => Side::Handler,
                    "floor" => Side::Floor,
                    other => return Err(format!("--side {other}: handler or floor")),
                })
            }
            "-h" | "--help" => {
                return Err("usage: bench-reports [--customers N] [--invoices N] [--runs N] [--dir DIR] [--fresh] \
                            [--backend sqlite|postgres]... [--only REPORT]..."
                    .into());
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if let Some(bad) = a.only.iter().find(|r| !REPORTS.contains(&r.as_str())) {
        return Err(format!("no report {bad}; the reports are {}", REPORTS.join(", ")));
    }
    Ok(a)
}

fn main() -> ExitCode {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("can't start: {e}");
            return ExitCode::FAILURE;
        }
    };
    // `BENCH_TRACE=1` with `--child` prints every statement a report runs and how long it took
    // (sqlx's own statement log), to see where a report's time goes.
    if a.child.is_some() && std::env::var_os("BENCH_TRACE").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("sqlx::query=debug"))
            .with_writer(std::io::stderr)
            .init();
    }
    let result = match &a.child {
        Some((report, url)) => match a.side {
            Some(side) => rt.block_on(half(report, url, side)),
            None => rt.block_on(child(report, url, a.runs)),
        },
        None => rt.block_on(run(&a)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-reports failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn app(store: Arc<dyn Store>) -> App {
    App {
        store,
        clock: Arc::new(PinnedClock { today: today(), tz: chrono_tz::America::New_York }),
        config: Config::default(),
        sources: Vec::new(),
    }
}

/// The seeded ledger for this size on one backend, seeding it when it is not there yet.
async fn ledger(a: &Args, backend: &str) -> Result<String, String> {
    let url = match backend {
        "sqlite" => {
            std::fs::create_dir_all(&a.dir).map_err(|e| format!("{}: {e}", a.dir.display()))?;
            let file = a.dir.join(format!("reports-{}-{}.db", a.customers, a.invoices));
            if a.fresh {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
                }
            }
            format!("sqlite://{}", file.display())
        }
        "postgres" => {
            let admin = arbot_tests::postgres_url().ok_or("set ARBOT_TEST_POSTGRES_URL to measure PostgreSQL")?;
            let name = format!("arbot_bench_{}_{}", a.customers, a.invoices);
            let mut conn = sqlx::PgConnection::connect(&admin).await.map_err(|e| e.to_string())?;
            let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
                .bind(&name)
                .fetch_optional(&mut conn)
                .await
                .map_err(|e| e.to_string())?;
            if a.fresh && exists.is_some() {
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)")))
                    .execute(&mut conn)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            if a.fresh || exists.is_none() {
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            arbot_tests::with_database(&admin, &name)
        }
        other => return Err(format!("no backend {other}; use sqlite or postgres")),
    };
    let store = store::open_and_migrate(&url).await.map_err(|e| e.to_string())?;
    let counts = store.counts().await.map_err(|e| e.to_string())?;
    if counts.invoices as u64 == a.invoices && counts.customers as u64 == a.customers {
        println!("{backend}: reusing the seeded ledger ({} invoices, {} open)", counts.invoices, counts.open_invoices);
        kept_snapshots(store.as_ref()).await?;
        return Ok(url);
    }
    if counts.customers > 0 {
        return Err(format!("{backend}: {url} holds another ledger ({counts:?}); run with --fresh"));
    }
    let clock = PinnedClock { today: today(), tz: chrono_tz::America::New_York };
    arbot::seed::seed(Arc::clone(&store), &clock, a.customers, a.invoices, 13).await.map_err(|e| e.to_string())?;
    // Lien facts set from chat and notices recorded, on every 50th job: the lien reports read them.
    let jobs = store.jobs(None).await.map_err(|e| e.to_string())?;
    let by = Author::new("bench", "bench", Surface::Cli);
    for (n, j) in jobs.iter().enumerate().filter(|(n, _)| n % 50 == 0) {
        let at = clock.now_at(today());
        let last = today() - Days::new(20 + (n as u64 % 60));
        store.set_job_fact(j.job.id, "last_furnished", &last.to_string(), &by, at).await.map_err(|e| e.to_string())?;
        if n % 100 == 0 {
            let kind = if j.job.state.as_deref() == Some("FL") { "notice_to_owner" } else { "preliminary_notice" };
            let notice = JobNotice {
                id: 0,
                job_id: j.job.id,
                kind: kind.to_string(),
                served_on: today() - Days::new(300),
                tracking: None,
                recorded_by: "bench".to_string(),
                recorded_at: at,
            };
            store.add_job_notice(&notice, &by).await.map_err(|e| e.to_string())?;
        }
    }
    old_jobs(store.as_ref(), a.customers, &clock).await?;
    kept_snapshots(store.as_ref()).await?;
    Ok(url)
}

/// The days whose aging snapshot the leadership reports read (the weekly report's twelve weeks,
/// the close pack's month ends, the guardrails' four weeks back), as the digest keeps them
/// each day on a ledger arbot has been running on: taken where missing, as on their day.
async fn kept_snapshots(store: &dyn Store) -> Result<(), String> {
    let e = |e: arbot_core::StoreError| e.to_string();
    let config = Config::default();
    let mut days: Vec<NaiveDate> = (1..12u64).map(|k| today() - Days::new(7 * k)).collect();
    days.extend(["2026-11-30", "2026-10-31"].map(|d| d.parse::<NaiveDate>().unwrap_or_default()));
    days.push(today() - Days::new(arbot_core::guardrails::WINDOW_DAYS));
    let from = days.iter().min().copied().unwrap_or_default();
    let have: Vec<NaiveDate> =
        store.snapshot_days(from, today()).await.map_err(e)?.into_iter().map(|(d, _)| d).collect();
    for day in days {
        if have.contains(&day) {
            continue;
        }
        let at = day.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc();
        let mut snap =
            arbot_core::snapshots::compute(store, day, today(), &config.aging, config.currency, at).await.map_err(e)?;
        snap.rebuilt = false;
        store.save_snapshot(&snap).await.map_err(e)?;
    }
    Ok(())
}

/// Two jobs per customer finished seven to eight years ago, with nothing owed on them, as a
/// ledger with years of history has: `/ar liens` and the warnings need not read them.
async fn old_jobs(store: &dyn Store, customers: u64, clock: &PinnedClock) -> Result<(), String> {
    use arbot_core::ledger::{OurRole, ProjectType};
    use arbot_core::source::{Entity, JobRecord, Record, Version};
    let e = |e: arbot_core::StoreError| e.to_string();
    let run = store.start_sync_run("synthetic", clock.now_at(today())).await.map_err(e)?;
    let version = Version::at(clock.now_at(today() - Days::new(2_500)));
    let mut page = Vec::new();
    for c in 0..customers {
        for k in 0..2u64 {
            let first = today() - Days::new(2_600 + 200 * k + c % 365);
            page.push(Record::Job(JobRecord {
                external_id: format!("H{c}-{k}"),
                customer_external_id: format!("C{c}"),
                name: format!("Old project {c}-{k}"),
                city: None,
                county: None,
                state: Some(["FL", "TX", "CA"][(c % 3) as usize].to_string()),
                project_type: Some(ProjectType::Private),
                role: Some(OurRole::Sub),
                owner_name: None,
                gc_name: None,
                pm: None,
                first_furnished: Some(first),
                last_furnished: Some(first + Days::new(180)),
                noc_recorded: None,
                noc_expires: None,
                retainage_bp: 0,
                version,
            }));
        }
        if page.len() >= 5_000 {
            store.apply_page(run, "synthetic", Entity::Customer, &page, None).await.map_err(e)?;
            page.clear();
        }
    }
    if !page.is_empty() {
        store.apply_page(run, "synthetic", Entity::Customer, &page, None).await.map_err(e)?;
    }
    store
        .finish_sync_run(run, clock.now_at(today()), store::RunStatus::Done, Some("bench old jobs"))
        .await
        .map_err(e)?;
    store.analyze().await.map_err(e)
}

trait NowAt {
    fn now_at(&self, day: NaiveDate) -> chrono::DateTime<chrono::Utc>;
}

impl NowAt for PinnedClock {
    fn now_at(&self, day: NaiveDate) -> chrono::DateTime<chrono::Utc> {
        day.and_hms_opt(9, 0, 0).unwrap_or_default().and_utc()
    }
}

async fn run(a: &Args) -> Result<(), String> {
    let backends: Vec<String> = if a.backends.is_empty() {
        let mut b = vec!["sqlite".to_string()];
        if arbot_tests::postgres_url().is_some() {
            b.push("postgres".to_string());
        } else {
            println!("(set ARBOT_TEST_POSTGRES_URL to measure PostgreSQL too)");
        }
        b
    } else {
        a.backends.clone()
    };
    let reports: Vec<&str> =
        if a.only.is_empty() { REPORTS.to_vec() } else { a.only.iter().map(String::as_str).collect() };
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut table = Vec::new();
    for backend in &backends {
        let url = ledger(a, backend).await?;
        for report in &reports {
            let (handler, floor, hwm) =
                interleaved(&exe, report, &url, a.runs).map_err(|e| format!("{backend} {report}: {e}"))?;
            table.push((backend.clone(), report.to_string(), handler, floor, hwm));
        }
    }
    println!(
        "\n{} customers, {} invoices, {} runs each, handler and floor interleaved\n",
        a.customers, a.invoices, a.runs
    );
    println!(
        "| {:<8} | {:<9} | {:>13} | {:>10} | {:>11} | {:>8} | {:>6} | {:>8} | {:>10} |",
        "backend", "report", "handler (med)", "(min)", "floor (med)", "(min)", "ratio", "peak RSS", "floor RSS"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for (backend, report, handler, floor, (hwm, floor_hwm)) in table {
        let (hm, hmin, fm, fmin) = (median(&handler), min(&handler), median(&floor), min(&floor));
        println!(
            "| {:<8} | {:<9} | {:>11.3} s | {:>8.3} s | {:>9.3} s | {:>6.3} s | {:>5.1}× | {:>5} MB | {:>7} MB |",
            backend,
            report,
            hm.as_secs_f64(),
            hmin.as_secs_f64(),
            fm.as_secs_f64(),
            fmin.as_secs_f64(),
            hm.as_secs_f64() / fm.as_secs_f64().max(1e-6),
            hwm / 1024,
            floor_hwm / 1024
        );
    }
    Ok(())
}

/// Peak RSS in kB of the handler's process and of the floor's.
type Hwm = (u64, u64);

/// Runs one report's handler and its floor in two child processes of their own (so each one's
/// peak RSS is its own), alternately, one run at a time: the parent asks each in turn over its
/// stdin and reads the time it took from its stdout.
fn interleaved(
    exe: &std::path::Path,
    report: &str,
    url: &str,
    runs: usize,
) -> Result<(Vec<Duration>, Vec<Duration>, Hwm), String> {
    use std::io::{BufRead, BufReader, Write};
    struct Half {
        child: std::process::Child,
        stdin: Option<std::process::ChildStdin>,
        stdout: BufReader<std::process::ChildStdout>,
    }
    impl Half {
        fn start(exe: &std::path::Path, report: &str, url: &str, side: Side) -> Result<Half, String> {
            let mut child = Command::new(exe)
                .args(["--child", report, url, "--side", side.name()])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .map_err(|e| e.to_string())?;
            let stdin = child.stdin.take();
            let stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
            let mut half = Half { child, stdin, stdout };
            half.expect("READY")?;
            Ok(half)
        }
        /// The next line, which must start with `word`: what follows it.
        fn expect(&mut self, word: &str) -> Result<String, String> {
            let mut line = String::new();
            self.stdout.read_line(&mut line).map_err(|e| e.to_string())?;
            match line.trim().strip_prefix(word) {
                Some(rest) => Ok(rest.trim().to_string()),
                None => Err(format!("expected {word}, the child said {line:?} (its errors are above)")),
            }
        }
        fn run(&mut self) -> Result<Duration, String> {
            let stdin = self.stdin.as_mut().ok_or("stdin closed")?;
            writeln!(stdin, "run").and_then(|()| stdin.flush()).map_err(|e| e.to_string())?;
            let micros = self.expect("TOOK")?;
            micros.parse::<u64>().map(Duration::from_micros).map_err(|e| e.to_string())
        }
        fn finish(mut self) -> Result<u64, String> {
            drop(self.stdin.take());
            let hwm = self.expect("HWM")?.parse::<u64>().map_err(|e| e.to_string())?;
            self.child.wait().map_err(|e| e.to_string())?;
            Ok(hwm)
        }
    }
    let mut handler = Half::start(exe, report, url, Side::Handler)?;
    let mut floor = Half::start(exe, report, url, Side::Floor)?;
    let (mut h, mut f) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        h.push(handler.run()?);
        f.push(floor.run()?);
    }
    Ok((h, f, (handler.finish()?, floor.finish()?)))
}

/// One half of a report in a process of its own: `READY` once set up, then for each line read
/// one run and `TOOK <µs>`; at the end of input, `HWM <kB>`, the process's peak RSS.
async fn half(report: &str, url: &str, side: Side) -> Result<(), String> {
    use tokio::io::AsyncBufReadExt;
    let store = store::open(url).await.map_err(|e| e.to_string())?;
    let app = app(Arc::clone(&store));
    let customer: (i64, String) = floor_sql::busiest_customer(store.as_ref(), url).await?;
    let line = report_line(report, &customer);
    println!("READY");
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while lines.next_line().await.map_err(|e| e.to_string())?.is_some() {
        let started = Instant::now();
        match side {
            Side::Handler => {
                let reply = run_line(&app, &line, Actor::console()).await;
                if reply.severity == Severity::Error {
                    return Err(format!("{line} answered an error: {reply:?}"));
                }
            }
            Side::Floor => floor_sql::floor(store.as_ref(), url, report, &customer, today()).await?,
        }
        println!("TOOK {}", started.elapsed().as_micros());
    }
    println!("HWM {}", vm_hwm());
    Ok(())
}

/// The console line that runs `report`.
fn report_line(report: &str, customer: &(i64, String)) -> String {
    match report {
        "customer" => format!("/ar customer \"{}\"", customer.1),
        "overdue" => "/ar overdue 60".to_string(),
        "trends" => format!("/report trends \"{}\"", customer.1),
        "cash" | "weekly" | "close" | "guardrails" => format!("/report {report}"),
        other => format!("/ar {other}"),
    }
}

fn median(d: &[Duration]) -> Duration {
    let mut v = d.to_vec();
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn min(d: &[Duration]) -> Duration {
    d.iter().min().copied().unwrap_or_default()
}

/// Peak resident memory of this process so far, in kB.
fn vm_hwm() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// One report, handler and floor in one process, alternately, `runs` times each (with
/// `BENCH_TRACE`, to see the statements of both).
async fn child(report: &str, url: &str, runs: usize) -> Result<(), String> {
    let store = store::open(url).await.map_err(|e| e.to_string())?;
    let app = app(Arc::clone(&store));
    // The customer with the most open invoices (a busy account, as an AR specialist opens it).
    let customer: (i64, String) = floor_sql::busiest_customer(store.as_ref(), url).await?;
    let line = report_line(report, &customer);
    let (mut handler, mut floor) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let started = Instant::now();
        let reply = run_line(&app, &line, Actor::console()).await;
        handler.push(started.elapsed());
        if reply.severity == Severity::Error {
            return Err(format!("{line} answered an error: {reply:?}"));
        }
        let started = Instant::now();
        floor_sql::floor(store.as_ref(), url, report, &customer, today()).await?;
        floor.push(started.elapsed());
    }
    let list = |d: &[Duration]| d.iter().map(|d| d.as_micros().to_string()).collect::<Vec<_>>().join(",");
    println!("RESULT {} {} {}", list(&handler), list(&floor), vm_hwm());
    Ok(())
}

/// The hand-written SQL each report is compared with: the fewest statements that read the same
/// figures from the same tables, with the aggregation in the database.
mod floor_sql {
    use super::*;
    use sqlx::Row;

    enum Pool {
        Sqlite(sqlx::SqlitePool),
        Postgres(sqlx::PgPool),
    }

    static POOL: tokio::sync::OnceCell<Pool> = tokio::sync::OnceCell::const_new();

    async fn pool(store: &dyn Store, url: &str) -> Result<&'static Pool, String> {
        POOL.get_or_try_init(|| async {
            Ok(match store.backend() {
                Backend::Sqlite => Pool::Sqlite(
                    sqlx::sqlite::SqlitePoolOptions::new()
                        .max_connections(2)
                        .connect_with(
                            url.parse::<sqlx::sqlite::SqliteConnectOptions>()
                                .map_err(|e| e.to_string())?
                                .read_only(true),
                        )
                        .await
                        .map_err(|e| e.to_string())?,
                ),
                Backend::Postgres => Pool::Postgres(
                    sqlx::postgres::PgPoolOptions::new()
                        .max_connections(2)
                        .connect(url)
                        .await
                        .map_err(|e| e.to_string())?,
                ),
            })
        })
        .await
    }

    const OPEN: &str = "i.balance_minor > 0 AND i.status = 'open'";

    /// Runs `sql` with date binds, reading every row (and every column of it).
    macro_rules! each {
        ($pool:expr, $sql:expr, $($bind:expr),*) => {
            match $pool {
                Pool::Sqlite(p) => {
                    let rows = sqlx::query(sqlx::AssertSqlSafe($sql.to_string()))$(.bind($bind))*
                        .fetch_all(p).await.map_err(|e| e.to_string())?;
                    rows.iter().map(|r| r.len()).sum::<usize>()
                }
                Pool::Postgres(p) => {
                    let rows = sqlx::query(sqlx::AssertSqlSafe($sql.to_string()))$(.bind($bind))*
                        .fetch_all(p).await.map_err(|e| e.to_string())?;
                    rows.iter().map(|r| r.len()).sum::<usize>()
                }
            }
        };
    }

    /// Read with SQL rather than through the store, so that finding it adds nothing to the
    /// child's peak memory.
    pub async fn busiest_customer(store: &dyn Store, url: &str) -> Result<(i64, String), String> {
        let sql = format!(
            "SELECT i.customer_id, c.name FROM invoices i JOIN customers c ON c.id = i.customer_id WHERE {OPEN} \
             GROUP BY i.customer_id, c.name ORDER BY COUNT(*) DESC, i.customer_id LIMIT 1"
        );
        let found: Option<(i64, String)> = match pool(store, url).await? {
            Pool::Sqlite(p) => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_optional(p).await,
            Pool::Postgres(p) => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_optional(p).await,
        }
        .map_err(|e| e.to_string())?;
        found.ok_or_else(|| "nothing is open in the seeded ledger".to_string())
    }

    /// The aging buckets' edges as due dates: past due 1–30, 31–60, 61–90, 91–120, over 120.
    fn edges(today: NaiveDate) -> [NaiveDate; 5] {
        [0u64, 30, 60, 90, 120].map(|d| today - Days::new(d))
    }

    const DUE_PART: &str = "(i.balance_minor - CASE WHEN i.retainage_minor < 0 THEN 0 \
        WHEN i.retainage_minor > i.balance_minor THEN i.balance_minor ELSE i.retainage_minor END)";

    fn bucket_sums() -> String {
        format!(
            "CAST(SUM(CASE WHEN i.due >= $1 THEN {d} ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN i.due < $1 AND i.due >= $2 THEN {d} ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN i.due < $2 AND i.due >= $3 THEN {d} ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN i.due < $3 AND i.due >= $4 THEN {d} ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN i.due < $4 AND i.due >= $5 THEN {d} ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN i.due < $5 THEN {d} ELSE 0 END) AS BIGINT), \
             CAST(SUM(i.balance_minor) AS BIGINT), COUNT(*)",
            d = DUE_PART
        )
    }

    /// What was open on `as_of` (a past date), summed: open now, or paid by something applied after.
    fn history_sums() -> String {
        "SELECT CAST(COALESCE(SUM(b), 0) AS BIGINT) FROM ( \
           SELECT i.balance_minor + COALESCE((SELECT SUM(a.amount_minor) FROM applications a \
             WHERE a.invoice_id = i.id AND a.applied_on > $1), 0) AS b FROM invoices i \
             WHERE i.balance_minor > 0 AND i.status = 'open' AND i.issued <= $1 \
           UNION ALL \
           SELECT CASE WHEN x.paid > i.total_minor THEN i.total_minor ELSE x.paid END FROM \
             (SELECT a.invoice_id, SUM(a.amount_minor) AS paid FROM applications a WHERE a.applied_on > $1 \
              GROUP BY a.invoice_id) x JOIN invoices i ON i.id = x.invoice_id \
             WHERE i.status = 'paid' AND i.issued <= $1) t"
            .to_string()
    }

    /// The days from `earlier` to `later`, two date expressions.
    fn days_between(pool: &Pool, later: &str, earlier: &str) -> String {
        match pool {
            Pool::Sqlite(_) => format!("CAST(julianday({later}) - julianday({earlier}) AS BIGINT)"),
            Pool::Postgres(_) => format!("({later} - {earlier})"),
        }
    }

    /// The paid invoices issued on or after `$1`, as days from due to the last cash, counted by
    /// `group` (`x.customer_id`, `x.late`); `having` narrows the invoices.
    fn lateness(pool: &Pool, having: &str, group: &str) -> String {
        format!(
            "SELECT {cols}, COUNT(*) FROM (SELECT i.customer_id, {late} AS late FROM invoices i \
             JOIN applications a ON a.invoice_id = i.id WHERE i.issued >= $1 AND i.status = 'paid' \
             AND i.balance_minor = 0 AND a.credit_memo_ext IS NULL GROUP BY i.id, i.customer_id, i.due {having}) x {group}",
            cols = group.trim_start_matches("GROUP BY "),
            late = days_between(pool, "MAX(a.applied_on)", "i.due"),
        )
    }

    /// Sales per day from `$1` to `$2` (the countback months are sums of them).
    const SALES_BY_DAY: &str = "SELECT issued, CAST(SUM(total_minor) AS BIGINT) FROM invoices \
        WHERE issued >= $1 AND issued <= $2 AND status IN ('open', 'paid') GROUP BY issued";

    /// The customer rows of the snapshots of `$1` and `$2`.
    const SNAPSHOT_CUSTOMERS: &str = "SELECT day, label, customer_id, buckets, retainage_minor, total_minor, \
        overdue_minor, overdue_90_minor, disputed_minor, disputed_overdue_minor, invoices, oldest_days \
        FROM aging_snapshots WHERE day IN ($1, $2) AND dimension = 'customer'";

    /// Aging by customer with every figure the report shows: grouped by the customer alone (the
    /// name joined to the sums), the buckets, retainage, total and count, the oldest past-due date
    /// and what is in dispute (all of it, and past due), past due and 90+ from the bucket sums.
    fn aging_by_customer() -> String {
        format!(
            "SELECT g.*, c.name FROM (SELECT i.customer_id, {}, \
             MIN(CASE WHEN i.due < $1 AND {DUE_PART} > 0 THEN i.due END), \
             CAST(SUM(CASE WHEN od.invoice_id IS NOT NULL THEN i.balance_minor ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN od.invoice_id IS NOT NULL AND i.due < $1 THEN {DUE_PART} ELSE 0 END) AS BIGINT) \
             FROM invoices i LEFT JOIN (SELECT DISTINCT d.invoice_id FROM disputes d WHERE d.resolved_at IS NULL) od \
             ON od.invoice_id = i.id WHERE {OPEN} AND i.issued <= $6 GROUP BY i.customer_id) g \
             JOIN customers c ON c.id = g.customer_id",
            bucket_sums()
        )
    }

    /// The open AR on each date (open on it: issued by then, with what was applied after it
    /// added back), and for the dates marked, what was past due and 90+ then: one pass over the
    /// applications since the earliest. The binds: the dates, then the earliest, then the dates
    /// 90 days before the marked ones.
    fn open_at(dates: &[(NaiveDate, bool)]) -> (String, Vec<NaiveDate>) {
        let n = dates.len();
        let earliest = dates.iter().map(|d| d.0).min().unwrap_or_default();
        let mut binds: Vec<NaiveDate> = dates.iter().map(|d| d.0).collect();
        binds.push(earliest);
        let paid: Vec<String> = (1..=n)
            .map(|k| format!("SUM(CASE WHEN a.applied_on > ${k} THEN a.amount_minor ELSE 0 END) AS p{k}"))
            .collect();
        let then = |k: usize| {
            format!(
                "CASE WHEN i.issued > ${k} THEN 0 WHEN i.balance_minor + COALESCE(x.p{k}, 0) > i.total_minor \
                 THEN i.total_minor ELSE i.balance_minor + COALESCE(x.p{k}, 0) END AS b{k}"
            )
        };
        let cols: Vec<String> = (1..=n).map(then).collect();
        let mut sums = Vec::new();
        for (k, (_, marked)) in dates.iter().enumerate().map(|(k, d)| (k + 1, d)) {
            sums.push(format!("CAST(SUM(t.b{k}) AS BIGINT)"));
            if *marked {
                binds.push(dates[k - 1].0 - Days::new(90));
                let ninety = binds.len();
                let due = format!(
                    "t.b{k} - CASE WHEN t.retainage_minor < 0 THEN 0 WHEN t.retainage_minor > t.b{k} THEN t.b{k} \
                     ELSE t.retainage_minor END"
                );
                sums.push(format!("CAST(SUM(CASE WHEN t.due < ${k} THEN {due} ELSE 0 END) AS BIGINT)"));
                sums.push(format!("CAST(SUM(CASE WHEN t.due < ${ninety} THEN {due} ELSE 0 END) AS BIGINT)"));
            }
        }
        let sql = format!(
            "WITH x AS (SELECT a.invoice_id, {paid} FROM applications a WHERE a.applied_on > ${e} \
               AND a.invoice_id IS NOT NULL GROUP BY a.invoice_id) \
             SELECT {sums} FROM ( \
               SELECT i.due, i.retainage_minor, {cols} FROM invoices i LEFT JOIN x ON x.invoice_id = i.id WHERE {OPEN} \
               UNION ALL \
               SELECT i.due, i.retainage_minor, {cols} FROM x JOIN invoices i ON i.id = x.invoice_id \
               WHERE i.status IN ('open', 'paid') AND NOT ({OPEN})) t",
            paid = paid.join(", "),
            e = n + 1,
            sums = sums.join(", "),
            cols = cols.join(", "),
        );
        (sql, binds)
    }

    /// Runs `sql` with the dates bound in order.
    async fn each_dates(pool: &Pool, sql: &str, binds: &[NaiveDate]) -> Result<usize, String> {
        Ok(match pool {
            Pool::Sqlite(p) => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
                for b in binds {
                    q = q.bind(*b);
                }
                q.fetch_all(p).await.map_err(|e| e.to_string())?.iter().map(|r| r.len()).sum::<usize>()
            }
            Pool::Postgres(p) => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
                for b in binds {
                    q = q.bind(*b);
                }
                q.fetch_all(p).await.map_err(|e| e.to_string())?.iter().map(|r| r.len()).sum::<usize>()
            }
        })
    }

    /// What is expected after `day`: the promises of the last year with the invoices they name,
    /// the plans' installments around it, and the notes of the day.
    async fn expected(pool: &Pool, day: NaiveDate) -> Result<usize, String> {
        let at = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
        Ok(each!(
            pool,
            "SELECT p.id, p.customer_id, p.amount_minor, p.currency, p.promised_for, p.status, p.created_at, \
             pi.invoice_id FROM promises p LEFT JOIN promise_invoices pi ON pi.promise_id = p.id \
             WHERE p.promised_for >= $1",
            day - Days::new(365)
        ) + each!(
            pool,
            "SELECT pl.id, pl.customer_id, pl.total_minor, pl.status, i.seq, i.due_on, i.amount_minor \
             FROM payment_plans pl JOIN plan_installments i ON i.plan_id = pl.id WHERE i.due_on >= $1 AND i.due_on <= $2",
            day - Days::new(10),
            day + Days::new(30)
        ) + each!(
            pool,
            "SELECT n.customer_id, n.kind, n.author, n.created_at FROM notes n WHERE n.created_at >= $1 AND n.created_at < $2",
            at(day - Days::new(90)),
            at(day + Days::new(2))
        ))
    }

    pub async fn floor(
        store: &dyn Store,
        url: &str,
        report: &str,
        customer: &(i64, String),
        today: NaiveDate,
    ) -> Result<(), String> {
        let pool = pool(store, url).await?;
        let e = edges(today);
        let read = match report {
            "customer" => {
                // What the card shows, statement by statement: the name as typed, the customer,
                // its open invoices (the aging row, the oldest, unpaid per job, other
                // currencies), the credits applied to the oldest, the last payment and where it
                // went, promises, plans, jobs, the last note, what is on account, and the lien
                // facts and notices of its jobs.
                let (id, name) = (customer.0, customer.1.as_str());
                let pattern = format!("%{}%", name.to_lowercase());
                let mut read = each!(
                    pool,
                    "SELECT id, name FROM customers WHERE deleted = FALSE AND lower(name) LIKE $1 \
                     ORDER BY length(name), name LIMIT 26",
                    pattern
                );
                read += each!(
                    pool,
                    "SELECT id, name, kind, email, phone, terms_days, pm, active FROM customers WHERE id = $1",
                    id
                );
                read += each!(
                    pool,
                    format!(
                        "SELECT i.id, i.number, i.job_id, j.name, COALESCE(j.pm, c.pm), i.issued, i.due, i.currency, \
                         i.total_minor, i.balance_minor, i.retainage_minor, CAST(CASE WHEN EXISTS (SELECT 1 FROM \
                         disputes d WHERE d.invoice_id = i.id AND d.resolved_at IS NULL) THEN 1 ELSE 0 END AS BIGINT) \
                         FROM invoices i JOIN customers c ON c.id = i.customer_id LEFT JOIN jobs j ON j.id = i.job_id \
                         WHERE i.customer_id = $1 AND {OPEN} ORDER BY i.due, i.id"
                    ),
                    id
                );
                read += each!(
                    pool,
                    format!(
                        "SELECT a.amount_minor, m.number FROM applications a JOIN credit_memos m ON m.source = a.source \
                         AND m.external_id = a.credit_memo_ext WHERE a.invoice_id = (SELECT i.id FROM invoices i \
                         WHERE i.customer_id = $1 AND {OPEN} AND {DUE_PART} > 0 ORDER BY i.due, i.id LIMIT 1)"
                    ),
                    id
                );
                read += each!(
                    pool,
                    "SELECT p.id, p.received, p.currency, p.amount_minor, p.unapplied_minor, p.method, p.reference, \
                     a.invoice_id, i.number, a.amount_minor, a.credit_memo_ext FROM payments p \
                     LEFT JOIN applications a ON a.payment_id = p.id LEFT JOIN invoices i ON i.id = a.invoice_id \
                     WHERE p.id = (SELECT id FROM payments WHERE customer_id = $1 AND deleted = FALSE \
                     ORDER BY received DESC, id DESC LIMIT 1) ORDER BY a.line",
                    id
                );
                let promised = each!(
                    pool,
                    "SELECT p.id, p.amount_minor, p.currency, p.promised_for, p.status, p.created_by, p.created_at, \
                     pi.invoice_id FROM promises p LEFT JOIN promise_invoices pi ON pi.promise_id = p.id \
                     WHERE p.customer_id = $1",
                    id
                ) + each!(
                    pool,
                    "SELECT pl.id, pl.total_minor, pl.status, pl.created_at, i.seq, i.due_on, i.amount_minor \
                     FROM payment_plans pl LEFT JOIN plan_installments i ON i.plan_id = pl.id WHERE pl.customer_id = $1",
                    id
                );
                if promised > 0 {
                    // The cash that keeps them (the card reads it only when there are any).
                    read += each!(
                        pool,
                        "SELECT a.invoice_id, a.applied_on, a.amount_minor FROM applications a JOIN payments p \
                         ON p.id = a.payment_id WHERE p.customer_id = $1 AND a.invoice_id IS NOT NULL \
                         AND a.credit_memo_ext IS NULL AND p.deleted = FALSE AND a.applied_on >= $2",
                        id,
                        today - Days::new(400)
                    );
                }
                read += promised
                    + each!(
                        pool,
                        "SELECT id, name, city, county, state, project_type, our_role, owner_name, gc_name, pm, \
                         first_furnished, last_furnished, noc_recorded, noc_expires, retainage_bp FROM jobs \
                         WHERE customer_id = $1 AND deleted = FALSE ORDER BY name",
                        id
                    )
                    + each!(
                        pool,
                        "SELECT id, kind, body, author, created_at, follow_up_on FROM notes WHERE customer_id = $1 \
                         ORDER BY created_at DESC, id DESC LIMIT 1",
                        id
                    )
                    + each!(
                        pool,
                        "SELECT currency, CAST(SUM(cash) AS BIGINT), CAST(SUM(memo) AS BIGINT) FROM ( \
                         SELECT currency, unapplied_minor AS cash, 0 AS memo FROM payments \
                         WHERE unapplied_minor <> 0 AND deleted = FALSE AND customer_id = $1 \
                         UNION ALL SELECT p.currency, a.amount_minor, 0 FROM applications a \
                         JOIN payments p ON p.id = a.payment_id WHERE a.invoice_id IS NULL \
                         AND a.credit_memo_ext IS NULL AND p.deleted = FALSE AND p.customer_id = $1 \
                         UNION ALL SELECT currency, 0, remaining_minor FROM credit_memos \
                         WHERE deleted = FALSE AND remaining_minor <> 0 AND customer_id = $1) t GROUP BY currency",
                        id
                    )
                    + each!(
                        pool,
                        "SELECT f.job_id, f.fact, f.value FROM job_facts f JOIN jobs j ON j.id = f.job_id \
                         WHERE j.customer_id = $1",
                        id
                    )
                    + each!(
                        pool,
                        "SELECT n.job_id, n.kind, n.served_on FROM job_notices n JOIN jobs j ON j.id = n.job_id \
                         WHERE j.customer_id = $1",
                        id
                    );
                read
            }
            "aging" => each!(pool, aging_by_customer(), e[0], e[1], e[2], e[3], e[4], today),
            // What the reply shows: the count, customers, total and 90+ of every invoice at least
            // 60 days past due, and the oldest 25 with their names.
            "overdue" => {
                each!(
                    pool,
                    format!(
                        "SELECT COUNT(*), COUNT(DISTINCT i.customer_id), CAST(SUM({DUE_PART}) AS BIGINT), \
                         CAST(SUM(CASE WHEN i.due < $3 THEN {DUE_PART} ELSE 0 END) AS BIGINT) FROM invoices i \
                         WHERE {OPEN} AND i.due <= $1 AND i.issued <= $2 AND {DUE_PART} > 0"
                    ),
                    today - Days::new(60),
                    today,
                    today - Days::new(90)
                ) + each!(
                    pool,
                    format!(
                        "SELECT i.id, i.number, c.name, i.due, {DUE_PART}, COALESCE(j.pm, c.pm) FROM invoices i \
                         JOIN customers c ON c.id = i.customer_id LEFT JOIN jobs j ON j.id = i.job_id \
                         WHERE {OPEN} AND i.due <= $1 AND i.issued <= $2 AND {DUE_PART} > 0 ORDER BY i.due LIMIT 25"
                    ),
                    today - Days::new(60),
                    today
                )
            }
            "kpi" => {
                each!(
                    pool,
                    format!("SELECT {} FROM invoices i WHERE {OPEN} AND i.issued <= $6", bucket_sums()),
                    e[0],
                    e[1],
                    e[2],
                    e[3],
                    e[4],
                    today
                ) + each!(
                    pool,
                    "SELECT CAST(SUM(total_minor) AS BIGINT) FROM invoices WHERE issued >= $1 AND issued <= $2 \
                     AND status IN ('open', 'paid')",
                    today - Days::new(365),
                    today
                ) + each!(pool, history_sums(), today - Days::new(30))
            }
            "liens" => {
                each!(
                    pool,
                    format!(
                        "SELECT i.job_id, CAST(SUM(i.balance_minor) AS BIGINT) FROM invoices i WHERE {OPEN} \
                         AND i.issued <= $1 GROUP BY i.job_id"
                    ),
                    today
                ) + each!(
                    pool,
                    "SELECT j.id, j.name, c.name, j.state, j.project_type, j.our_role, j.first_furnished, \
                     j.last_furnished FROM jobs j JOIN customers c ON c.id = j.customer_id WHERE j.deleted = FALSE \
                     AND $1 = $1",
                    today
                ) + each!(pool, "SELECT job_id, kind, served_on FROM job_notices WHERE $1 = $1", today)
                    + each!(pool, "SELECT job_id, fact, value FROM job_facts WHERE $1 = $1", today)
            }
            "digest" => {
                each!(
                    pool,
                    format!(
                        "SELECT i.customer_id, c.name, {} FROM invoices i JOIN customers c ON c.id = i.customer_id \
                         WHERE {OPEN} AND i.issued <= $6 GROUP BY i.customer_id, c.name",
                        bucket_sums()
                    ),
                    e[0],
                    e[1],
                    e[2],
                    e[3],
                    e[4],
                    today
                ) + each!(pool, history_sums(), arbot_core::digest::previous_business_day(today))
                    + each!(
                        pool,
                        "SELECT p.customer_id, c.name, p.received, p.amount_minor FROM payments p \
                         JOIN customers c ON c.id = p.customer_id WHERE p.received > $1 AND p.received < $2",
                        today - Days::new(4),
                        today
                    )
            }
            "cash" => {
                // The day's payments with what each paid, the same weekday a week and a year
                // before, the invoices falling due in the next 30 days (by customer and day, out
                // of dispute), each payer's days late on what it paid since 455 days back
                // (counted per customer and days late: all the weighting needs), the promises
                // and installments expected, and the day's notes.
                each!(
                    pool,
                    "SELECT p.id, p.customer_id, c.name, p.amount_minor, p.unapplied_minor, p.method, p.reference, \
                     a.invoice_id, i.number, j.name, a.amount_minor FROM payments p \
                     JOIN customers c ON c.id = p.customer_id LEFT JOIN applications a ON a.payment_id = p.id \
                     LEFT JOIN invoices i ON i.id = a.invoice_id LEFT JOIN jobs j ON j.id = i.job_id \
                     WHERE p.received = $1 AND p.deleted = FALSE",
                    today
                ) + each!(
                    pool,
                    "SELECT received, CAST(SUM(amount_minor) AS BIGINT), COUNT(*) FROM payments \
                     WHERE received IN ($1, $2) AND deleted = FALSE GROUP BY received",
                    today - Days::new(7),
                    today - Days::new(364)
                ) + each!(
                    pool,
                    format!(
                        "SELECT i.customer_id, i.due, CAST(SUM({DUE_PART}) AS BIGINT) FROM invoices i WHERE {OPEN} \
                         AND i.due > $1 AND i.due <= $2 AND NOT EXISTS (SELECT 1 FROM disputes d \
                         WHERE d.invoice_id = i.id AND d.resolved_at IS NULL) GROUP BY i.customer_id, i.due"
                    ),
                    today,
                    today + Days::new(30)
                ) + each!(pool, lateness(pool, "", "GROUP BY x.customer_id, x.late"), today - Days::new(455))
                    + expected(pool, today).await?
            }
            "trends" => {
                // The customer's paid invoices of the last two years (due and paid on), the
                // book's days late over the last year (counted per day, for its median), the
                // customer's open invoices and its promises.
                let id = customer.0;
                each!(
                    pool,
                    "SELECT i.due, MAX(a.applied_on) FROM invoices i JOIN applications a ON a.invoice_id = i.id \
                     WHERE i.customer_id = $2 AND i.issued >= $1 AND i.status = 'paid' AND i.balance_minor = 0 \
                     AND a.credit_memo_ext IS NULL GROUP BY i.id, i.due",
                    today - Days::new(728),
                    id
                ) + each!(
                    pool,
                    lateness(pool, "HAVING MAX(a.applied_on) > $2", "GROUP BY x.late"),
                    today - Days::new(728),
                    today - Days::new(364)
                ) + each!(
                    pool,
                    format!(
                        "SELECT i.id, i.number, i.due, {DUE_PART}, CAST(CASE WHEN EXISTS (SELECT 1 FROM disputes d \
                         WHERE d.invoice_id = i.id AND d.resolved_at IS NULL) THEN 1 ELSE 0 END AS BIGINT) \
                         FROM invoices i WHERE i.customer_id = $1 AND {OPEN}"
                    ),
                    id
                ) + each!(
                    pool,
                    "SELECT p.id, p.amount_minor, p.promised_for, p.status, p.created_at, pi.invoice_id FROM promises p \
                     LEFT JOIN promise_invoices pi ON pi.promise_id = p.id WHERE p.customer_id = $1",
                    id
                )
            }
            "guardrails" => {
                // The KPIs today and four weeks before (open sums then and 30 days before each,
                // the year of sales before each), and, for a guardrail over its limit, the
                // accounts now against the snapshot of four weeks before.
                let before = today - Days::new(arbot_core::guardrails::WINDOW_DAYS);
                let (sql, binds) =
                    open_at(&[(today - Days::new(30), false), (before, true), (before - Days::new(30), false)]);
                each!(
                    pool,
                    format!("SELECT {} FROM invoices i WHERE {OPEN} AND i.issued <= $6", bucket_sums()),
                    e[0],
                    e[1],
                    e[2],
                    e[3],
                    e[4],
                    today
                ) + each_dates(pool, &sql, &binds).await?
                    + each!(pool, SALES_BY_DAY, before - Days::new(366), today)
                    + each!(pool, aging_by_customer(), e[0], e[1], e[2], e[3], e[4], today)
                    + each!(pool, SNAPSHOT_CUSTOMERS, before, before)
            }
            "weekly" => {
                // Today's aging by customer, job and PM in one statement (by job, with the job's
                // customer and PM: the customers' and PMs' rows are its sums); the snapshots of a
                // week and four weeks before whole, and the other trend weeks' customer rows;
                // the open AR on each of the twelve weeks' days and 30 days before the three the
                // KPIs are shown for, in one pass over the applications since the earliest; the
                // sales of each day since a year before the earliest (the countback months);
                // the promises, notes and lien deadlines with money owed; each job's GC; each
                // payer's days late and the money not yet due per customer (payers slowing).
                let week = today - Days::new(7);
                let month = today - Days::new(28);
                let mut dates: Vec<(NaiveDate, bool)> =
                    (1..12u64).map(|k| (today - Days::new(7 * k), k == 1 || k == 4)).collect();
                dates.extend([today, week, month].map(|d| (d - Days::new(30), false)));
                let (sql, binds) = open_at(&dates);
                let earliest = today - Days::new(77);
                let mut read = each!(
                    pool,
                    format!(
                        "SELECT g.*, c.name, j.name, COALESCE(j.pm, c.pm) FROM (SELECT i.customer_id, i.job_id, {}, \
                         MIN(CASE WHEN i.due < $1 AND {DUE_PART} > 0 THEN i.due END), \
                         CAST(SUM(CASE WHEN od.invoice_id IS NOT NULL THEN i.balance_minor ELSE 0 END) AS BIGINT) \
                         FROM invoices i LEFT JOIN (SELECT DISTINCT d.invoice_id FROM disputes d \
                         WHERE d.resolved_at IS NULL) od ON od.invoice_id = i.id WHERE {OPEN} AND i.issued <= $6 \
                         GROUP BY i.customer_id, i.job_id) g JOIN customers c ON c.id = g.customer_id \
                         LEFT JOIN jobs j ON j.id = g.job_id",
                        bucket_sums()
                    ),
                    e[0],
                    e[1],
                    e[2],
                    e[3],
                    e[4],
                    today
                ) + each!(
                    pool,
                    "SELECT day, dimension, label, customer_id, buckets, retainage_minor, total_minor, overdue_minor, \
                     overdue_90_minor, disputed_minor, disputed_overdue_minor, invoices, oldest_days \
                     FROM aging_snapshots WHERE day IN ($1, $2)",
                    week,
                    month
                ) + each!(
                    pool,
                    "SELECT day, buckets, total_minor, overdue_minor, overdue_90_minor, disputed_minor, \
                     disputed_overdue_minor FROM aging_snapshots WHERE day >= $1 AND day < $2 AND day <> $3 \
                     AND day <> $4 AND dimension = 'customer'",
                    earliest,
                    today,
                    week,
                    month
                ) + each_dates(pool, &sql, &binds).await?
                    + each!(pool, SALES_BY_DAY, earliest - Days::new(366), today)
                    + expected(pool, today).await?
                    + each!(
                        pool,
                        format!(
                            "SELECT i.job_id, CAST(SUM(i.balance_minor) AS BIGINT) FROM invoices i WHERE {OPEN} \
                             AND i.issued <= $1 GROUP BY i.job_id"
                        ),
                        today
                    )
                    + each!(
                        pool,
                        "SELECT j.id, j.name, c.name, j.gc_name, j.state, j.project_type, j.our_role, \
                         j.first_furnished, j.last_furnished FROM jobs j JOIN customers c ON c.id = j.customer_id \
                         WHERE j.deleted = FALSE AND $1 = $1",
                        today
                    )
                    + each!(pool, "SELECT job_id, kind, served_on FROM job_notices WHERE $1 = $1", today)
                    + each!(pool, "SELECT job_id, fact, value FROM job_facts WHERE $1 = $1", today)
                    + each!(pool, lateness(pool, "", "GROUP BY x.customer_id, x.late"), today - Days::new(728))
                    + each!(
                        pool,
                        format!(
                            "SELECT i.customer_id, CAST(SUM({DUE_PART}) AS BIGINT) FROM invoices i WHERE {OPEN} \
                             AND i.due >= $1 GROUP BY i.customer_id"
                        ),
                        today
                    );
                read += each!(pool, "SELECT id FROM customers WHERE kind = $1", "gc");
                read
            }
            "close" => {
                // November's close pack: the aging at the month's end and the day before it began
                // (their snapshots' customer rows), and the statements of the month's ledger
                // (issued, applied, retainage reached, cash and credits on account at the end,
                // disputed invoices' balances then), the disputes and what rolled into December.
                let first: NaiveDate = "2026-11-01".parse().unwrap_or_default();
                let last: NaiveDate = "2026-11-30".parse().unwrap_or_default();
                let usd = "USD";
                each!(pool, SNAPSHOT_CUSTOMERS, last, first - Days::new(1))
                    + each!(
                        pool,
                        "SELECT i.number, c.name, j.name, i.kind, i.issued, i.due, i.total_minor, i.retainage_minor \
                         FROM invoices i JOIN customers c ON c.id = i.customer_id LEFT JOIN jobs j ON j.id = i.job_id \
                         WHERE i.issued >= $1 AND i.issued <= $2 AND i.currency = $3 AND i.status IN ('open', 'paid')",
                        first,
                        last,
                        usd
                    )
                    + each!(
                        pool,
                        "SELECT a.applied_on, p.received, p.reference, c.name, i.id, i.number, i.kind, a.amount_minor, \
                         a.credit_memo_ext FROM applications a JOIN payments p ON p.id = a.payment_id \
                         JOIN invoices i ON i.id = a.invoice_id JOIN customers c ON c.id = i.customer_id \
                         WHERE a.applied_on >= $1 AND a.applied_on <= $2 AND p.deleted = FALSE AND p.currency = $3",
                        first,
                        last,
                        usd
                    )
                    + each!(
                        pool,
                        "SELECT i.id, i.total_minor, i.balance_minor, i.retainage_minor, \
                         CAST(SUM(CASE WHEN a.applied_on <= $2 THEN a.amount_minor ELSE 0 END) AS BIGINT), \
                         CAST(SUM(CASE WHEN a.applied_on > $2 THEN a.amount_minor ELSE 0 END) AS BIGINT) \
                         FROM invoices i JOIN applications a ON a.invoice_id = i.id \
                         WHERE i.retainage_minor > 0 AND i.currency = $3 AND i.status IN ('open', 'paid') \
                         AND i.issued <= $2 AND a.applied_on >= $1 \
                         AND i.id IN (SELECT m.invoice_id FROM applications m WHERE m.applied_on >= $1 \
                           AND m.applied_on <= $2 AND m.invoice_id IS NOT NULL) \
                         GROUP BY i.id, i.total_minor, i.balance_minor, i.retainage_minor",
                        first,
                        last,
                        usd
                    )
                    + each!(
                        pool,
                        "SELECT c.name, p.reference, p.received, p.amount_minor, CAST(p.unapplied_minor + COALESCE(( \
                           SELECT SUM(a.amount_minor) FROM applications a WHERE a.payment_id = p.id \
                           AND a.credit_memo_ext IS NULL AND (a.invoice_id IS NULL OR a.applied_on > $1)), 0) AS BIGINT) \
                         FROM payments p JOIN customers c ON c.id = p.customer_id \
                         WHERE p.deleted = FALSE AND p.received <= $1 AND p.currency = $2 AND p.id IN ( \
                           SELECT q.id FROM payments q WHERE q.unapplied_minor <> 0 \
                           UNION SELECT a.payment_id FROM applications a WHERE a.applied_on > $1 \
                           UNION SELECT a.payment_id FROM applications a WHERE a.invoice_id IS NULL)",
                        last,
                        usd
                    )
                    + each!(
                        pool,
                        "SELECT c.name, cm.number, cm.issued, cm.total_minor, CAST(cm.remaining_minor + COALESCE(( \
                           SELECT SUM(a.amount_minor) FROM applications a WHERE a.applied_on > $1 \
                           AND a.source = cm.source AND a.credit_memo_ext = cm.external_id), 0) AS BIGINT) \
                         FROM credit_memos cm JOIN customers c ON c.id = cm.customer_id \
                         WHERE cm.deleted = FALSE AND cm.issued <= $1 AND cm.currency = $2",
                        last,
                        usd
                    )
                    + each!(
                        pool,
                        "SELECT i.id, i.number, c.name, i.due, i.total_minor, i.balance_minor, CAST(COALESCE(( \
                           SELECT SUM(a.amount_minor) FROM applications a WHERE a.invoice_id = i.id \
                           AND a.applied_on > $1), 0) AS BIGINT), d.reason, d.opened_at, d.resolved_at \
                         FROM disputes d JOIN invoices i ON i.id = d.invoice_id JOIN customers c ON c.id = i.customer_id \
                         WHERE i.currency = $2 AND i.status IN ('open', 'paid') AND i.issued <= $1",
                        last,
                        usd
                    )
                    + expected(pool, last).await?
            }
            other => return Err(format!("no floor for {other}")),
        };
        std::hint::black_box(read);
        Ok(())
    }
}
