//! `bench-sync`: how fast a QuickBooks sync writes, against writing the same records straight
//! through the store's batch upsert (`Store::apply_page`), on SQLite and on PostgreSQL.
//!
//! ```sh
//! cargo run --release -p arbot-tests --bin bench-sync                  # SQLite
//! ARBOT_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!     cargo run --release -p arbot-tests --bin bench-sync              # SQLite and PostgreSQL
//! ```
//!
//! It builds a company in the fake QuickBooks (customers, invoices, one payment per invoice
//! until the payments run out), reads every page once to have the records, then on each backend
//! (a fresh database each time) times (1) those records written page by page through
//! `apply_page` and (2) a full `arbot sync` of the same company over HTTP (query, JSON, money
//! parsing, job mapping, the engine's checks), and prints records per second and their ratio.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use arbot_core::source::{Entity, Record, Source};
use arbot_core::sync::sync_source;
use arbot_tests::TestDb;
use arbot_tests::fake_quickbooks::{Amt, FakeQbo, Ledger};

struct Args {
    customers: usize,
    invoices: usize,
    payments: usize,
    page_size: u32,
}

fn args() -> Result<Args, String> {
    let mut a = Args { customers: 2_000, invoices: 100_000, payments: 100_000, page_size: 1000 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .ok_or(format!("{flag} needs a number"))
                .and_then(|v| v.parse::<usize>().map_err(|e| format!("{flag}: {e}")))
        };
        match flag.as_str() {
            "--customers" => a.customers = value()?.max(1),
            "--invoices" => a.invoices = value()?,
            "--payments" => a.payments = value()?,
            "--page-size" => a.page_size = value()?.clamp(2, 1000) as u32,
            "-h" | "--help" => {
                return Err("usage: bench-sync [--customers N] [--invoices N] [--payments N] [--page-size N]".into());
            }
            other => return Err(format!("unknown flag {other}")),
        }
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
    match rt.block_on(run(a)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-sync failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

async fn run(a: Args) -> Result<(), String> {
    let built = Instant::now();
    let mut ledger = Ledger::new(chrono::Utc::now() - chrono::Duration::days(10));
    let customers: Vec<String> = (0..a.customers).map(|n| ledger.customer(&format!("Customer {n:05}"))).collect();
    let mut invoices = Vec::with_capacity(a.invoices);
    for n in 0..a.invoices {
        let c = &customers[n % customers.len()];
        invoices.push((c.clone(), ledger.invoice(c, Amt::cents(10_000 + (n as i64 * 7_919) % 2_500_000))));
    }
    for n in 0..a.payments {
        let (c, inv) = &invoices[n % invoices.len().max(1)];
        let balance = ledger.invoices[inv].balance.cents;
        ledger.pay(c, &[(inv, (balance / 2).max(1))], 0);
    }
    let fake = FakeQbo::start(ledger).await;
    println!(
        "bench-sync: {} customers, {} invoices, {} payments in the fake QuickBooks ({:.1}s to build), {} rows per page",
        a.customers,
        a.invoices,
        a.payments,
        built.elapsed().as_secs_f64(),
        a.page_size
    );
    let mut dbs = vec![("sqlite", TestDb::sqlite().await, TestDb::sqlite().await)];
    if let (Some(x), Some(y)) = (TestDb::postgres().await, TestDb::postgres().await) {
        dbs.push(("postgres", x, y));
    } else {
        println!("(set ARBOT_TEST_POSTGRES_URL to measure PostgreSQL too)");
    }
    println!("{:<9} {:>32} {:>34} {:>7}", "backend", "direct apply_page", "sync over HTTP", "ratio");
    for (name, direct_db, sync_db) in dbs {
        // The records, read once through the connector (not timed).
        let qbo = fake.connect(&direct_db.store, "qbo", a.page_size).await;
        let mut pages: Vec<(Entity, Vec<Record>, Option<String>)> = Vec::new();
        let reading = Instant::now();
        for &entity in qbo.entities() {
            let mut cursor: Option<String> = None;
            loop {
                let page = qbo.fetch(entity, None, cursor.as_deref()).await.map_err(|e| e.to_string())?;
                cursor = page.next.clone();
                pages.push((entity, page.records, page.watermark));
                if cursor.is_none() {
                    break;
                }
            }
        }
        let records: usize = pages.iter().map(|p| p.1.len()).sum();
        let read = reading.elapsed();

        let started = Instant::now();
        let run = direct_db.store.start_sync_run("qbo", chrono::Utc::now()).await.map_err(|e| e.to_string())?;
        for (entity, recs, wm) in &pages {
            direct_db.store.apply_page(run, "qbo", *entity, recs, wm.as_deref()).await.map_err(|e| e.to_string())?;
        }
        let direct = started.elapsed();

        let qbo = fake.connect(&sync_db.store, "qbo", a.page_size).await;
        let started = Instant::now();
        let report =
            sync_source(sync_db.store.as_ref(), &qbo, &fake.clock(), false, |_| {}).await.map_err(|e| e.to_string())?;
        let synced = started.elapsed();
        let counts = sync_db.store.counts().await.map_err(|e| e.to_string())?;
        if counts.invoices as usize != a.invoices || counts.payments as usize != a.payments {
            return Err(format!("{name}: the sync stored {counts:?}"));
        }
        let t = report.totals();
        // The same pages as the direct write, rows read twice at page boundaries included.
        let written = (t.new + t.updated + t.unchanged + t.deleted) as usize;
        let (d, s) = (rate(records, direct), rate(written, synced));
        println!(
            "{name:<9} {:>8} in {:>6.1}s = {:>8.0}/s {:>10} in {:>6.1}s = {:>8.0}/s {:>7.2}",
            records,
            direct.as_secs_f64(),
            d,
            written,
            synced.as_secs_f64(),
            s,
            s / d
        );
        println!(
            "          (reading the same pages over HTTP alone, with no database writes: {:.1}s)",
            read.as_secs_f64()
        );
        direct_db.close().await;
        sync_db.close().await;
    }
    Ok(())
}
