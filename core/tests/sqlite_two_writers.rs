//! Two stores on one SQLite file (as two arbot processes would have) writing at once: every write
//! must wait its turn under the busy timeout, none may fail with "database is locked".

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test

use arbot_core::Currency;
use arbot_core::ledger::{CustomerKind, InvoiceKind};
use arbot_core::source::{CustomerRecord, Entity, InvoiceRecord, Record, Version};
use arbot_core::store::SqliteStore;
use arbot_core::store::prelude::*;
use chrono::{NaiveDate, TimeZone, Utc};

const TASKS: usize = 2;
const PAGES: usize = 20;
const PER_PAGE: usize = 50;

/// A page of new customers, each with an invoice: read (stored versions) before written.
fn page(task: usize, page: usize) -> Vec<Record> {
    let version = Version::at(Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap());
    let due = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    (0..PER_PAGE)
        .flat_map(|n| {
            let c = format!("c-{task}-{page}-{n}");
            [
                Record::Customer(CustomerRecord {
                    external_id: c.clone(),
                    name: format!("Customer {c}"),
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
                    external_id: format!("i-{task}-{page}-{n}"),
                    customer_external_id: c.clone(),
                    job_external_id: None,
                    number: format!("{task}-{page}-{n}"),
                    kind: InvoiceKind::Progress,
                    issued: due - chrono::Days::new(30),
                    due,
                    currency: Currency::USD,
                    total_minor: 10_000,
                    balance_minor: 10_000,
                    retainage_minor: 0,
                    voided: false,
                    memo: None,
                    balance_as_of: None,
                    version,
                }),
            ]
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_on_one_file_write_in_turn() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("arbot.db").display());
    let first = SqliteStore::connect(&url).await.unwrap();
    first.migrate().await.unwrap();
    let second = SqliteStore::connect(&url).await.unwrap();

    let mut tasks = Vec::new();
    for (task, store) in [first, second].into_iter().enumerate().take(TASKS) {
        tasks.push(tokio::spawn(async move {
            let source = format!("src{task}");
            let run = store.start_sync_run(&source, Utc::now()).await.unwrap();
            let mut failures = Vec::new();
            for p in 0..PAGES {
                if let Err(e) = store.apply_page(run, &source, Entity::Invoice, &page(task, p), None).await {
                    failures.push(e.to_string());
                }
            }
            (store, failures)
        }));
    }
    let mut failures = Vec::new();
    let mut stores = Vec::new();
    for t in tasks {
        let (store, f) = t.await.unwrap();
        failures.extend(f);
        stores.push(store);
    }
    eprintln!("{} of {} pages failed: {:?}", failures.len(), TASKS * PAGES, failures.first());
    assert!(failures.is_empty(), "{} of {} pages failed, first: {}", failures.len(), TASKS * PAGES, failures[0]);
    let counts = stores[0].counts().await.unwrap();
    assert_eq!(counts.customers as usize, TASKS * PAGES * PER_PAGE);
    assert_eq!(counts.invoices as usize, TASKS * PAGES * PER_PAGE);
}
