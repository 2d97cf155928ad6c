//! `arbot dev seed`: a synthetic ledger at scale for benchmarks, written through
//! [`Store::apply_page`] — the same path every sync takes.

use std::io::IsTerminal;
use std::time::Instant;

use arbot_core::ledger::{CustomerKind, InvoiceKind, OurRole, ProjectType};
use arbot_core::source::{
    ApplicationRecord, CustomerRecord, Entity, InvoiceRecord, JobRecord, PaymentRecord, Record, Version,
};
use std::sync::Arc;

use arbot_core::store::{Backend, RunStatus, Store};
use arbot_core::{Clock, Currency};
use chrono::{Days, NaiveDate, TimeZone, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use tokio::task::JoinSet;

const SOURCE: &str = "synthetic";
const PAGE: usize = 5_000;
const PMS: [&str; 8] = ["dana", "lee", "sam", "maria", "jordan", "alex", "pat", "chris"];
const STATES: [&str; 3] = ["FL", "TX", "CA"];

fn version(d: NaiveDate) -> Version {
    Version::at(Utc.from_utc_datetime(&d.and_hms_opt(12, 0, 0).unwrap_or_default()))
}

/// Writes the synthetic ledger. Invoice pages go out `writers` at a time (PostgreSQL takes
/// several writers; SQLite has one, so it gets 1).
pub async fn seed(
    store: Arc<dyn Store>,
    clock: &dyn Clock,
    customers: u64,
    invoices: u64,
    seed: u64,
) -> anyhow::Result<()> {
    let writers = match store.backend() {
        Backend::Postgres => 2,
        Backend::Sqlite => 1,
    };
    anyhow::ensure!(customers > 0, "--customers must be at least 1");
    let today = clock.today();
    let started = Instant::now();
    let run = store.start_sync_run(SOURCE, clock.now()).await?;
    let mut rng = fastrand::Rng::with_seed(seed);
    let tty = std::io::stderr().is_terminal();
    // On a terminal, a bar (cleared when done); in a log, a line every 100,000 invoices.
    let bar = if tty {
        ProgressBar::new(invoices).with_style(
            ProgressStyle::with_template("  invoices {human_pos:>10} / {human_len} ({msg}) [{bar:24}]")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("#-"),
        )
    } else {
        ProgressBar::hidden()
    };

    let start_day = today - Days::new(730);
    let mut page = Vec::with_capacity(PAGE);
    for c in 0..customers {
        let kind = match c % 10 {
            0..=5 => CustomerKind::GeneralContractor,
            6..=8 => CustomerKind::PropertyOwner,
            _ => CustomerKind::Homeowner,
        };
        page.push(Record::Customer(CustomerRecord {
            external_id: format!("C{c}"),
            name: format!("{} {}", synthetic_name(&mut rng), c),
            kind,
            email: Some(format!("ap{c}@example.com")),
            address: None,
            phone: None,
            terms_days: Some(30),
            pm: Some(PMS[(c % PMS.len() as u64) as usize].to_string()),
            active: true,
            version: version(start_day),
        }));
        page.push(Record::Job(JobRecord {
            external_id: format!("J{c}"),
            customer_external_id: format!("C{c}"),
            name: format!("Project {c}"),
            city: None,
            county: None,
            state: Some(STATES[(c % 3) as usize].to_string()),
            project_type: Some(ProjectType::Private),
            role: Some(OurRole::Sub),
            owner_name: None,
            gc_name: None,
            pm: None,
            first_furnished: Some(start_day),
            last_furnished: None,
            noc_recorded: None,
            noc_expires: None,
            retainage_bp: if c.is_multiple_of(4) { 1000 } else { 0 },
            version: version(start_day),
        }));
        if page.len() >= PAGE {
            store.apply_page(run, SOURCE, Entity::Customer, &page, None).await?;
            page.clear();
        }
    }
    if !page.is_empty() {
        store.apply_page(run, SOURCE, Entity::Customer, &page, None).await?;
        page.clear();
    }
    eprintln!("{customers} customers and jobs written in {:.1}s", started.elapsed().as_secs_f64());

    let invoices_started = Instant::now();
    let (mut written, mut open, mut payments) = (0u64, 0u64, 0u64);
    let mut in_flight: JoinSet<Result<(), arbot_core::StoreError>> = JoinSet::new();
    let mut unpaid_checks: std::collections::HashMap<u64, Vec<PaidInvoice>> = std::collections::HashMap::new();
    for i in 0..invoices {
        let c = rng.u64(..customers);
        // Invoices come in date order, as in a real ledger: numbers rise with the date.
        let issued = start_day + Days::new((i * 731 / invoices).min(730));
        let due = issued + Days::new(30);
        let total = rng.i64(50_000..5_000_000);
        let retainage = if c.is_multiple_of(4) { total / 10 } else { 0 };
        let days_past_due = (today - due).num_days();
        let paid = if days_past_due > 20 { rng.u8(..100) < 95 } else { rng.u8(..100) < 15 };
        let balance = if paid { 0 } else { total };
        page.push(Record::Invoice(InvoiceRecord {
            external_id: format!("I{i}"),
            customer_external_id: format!("C{c}"),
            job_external_id: Some(format!("J{c}")),
            number: format!("{}", 100_000 + i),
            kind: if retainage > 0 { InvoiceKind::Progress } else { InvoiceKind::Service },
            issued,
            due,
            currency: Currency::USD,
            total_minor: total,
            balance_minor: balance,
            retainage_minor: if paid { 0 } else { retainage },
            voided: false,
            memo: None,
            balance_as_of: None,
            version: version(issued),
        }));
        if paid {
            // Customers pay in check runs: one check for every three paid invoices.
            let batch = unpaid_checks.entry(c).or_default();
            batch.push((i, total, due, issued));
            if batch.len() == 3 {
                let batch = std::mem::take(batch);
                page.push(check(&mut rng, c, &batch, today));
                payments += 1;
            }
        } else {
            open += 1;
        }
        written += 1;
        if i + 1 == invoices {
            let mut rest: Vec<(u64, Vec<PaidInvoice>)> = unpaid_checks.drain().filter(|(_, b)| !b.is_empty()).collect();
            rest.sort_by_key(|(c, _)| *c);
            for (c, batch) in rest {
                page.push(check(&mut rng, c, &batch, today));
                payments += 1;
            }
        }
        if page.len() >= PAGE || i + 1 == invoices {
            while in_flight.len() >= writers {
                in_flight.join_next().await.transpose()?.transpose()?;
            }
            let full = std::mem::replace(&mut page, Vec::with_capacity(PAGE));
            let store = Arc::clone(&store);
            in_flight
                .spawn(async move { store.apply_page(run, SOURCE, Entity::Invoice, &full, None).await.map(|_| ()) });
            let rate = written as f64 / invoices_started.elapsed().as_secs_f64().max(0.001);
            bar.set_message(format!("{rate:.0}/s"));
            bar.set_position(written);
            if !tty && written % 100_000 < (PAGE as u64 / 2) {
                eprintln!("  invoices {written} / {invoices} ({rate:.0}/s)");
            }
        }
    }
    while let Some(done) = in_flight.join_next().await {
        done??;
    }
    bar.finish_and_clear();
    store.finish_sync_run(run, clock.now(), RunStatus::Done, Some("dev seed")).await?;
    // Statistics for the planners: reports over a freshly seeded ledger are planned blind without.
    store.analyze().await?;
    let secs = invoices_started.elapsed().as_secs_f64();
    crate::stdout::write_stdout(&format!(
        "Seeded {customers} customers, {invoices} invoices ({open} open) and {payments} payments in {:.1}s ({:.0} invoices/s).",
        started.elapsed().as_secs_f64(),
        invoices as f64 / secs.max(0.001)
    ))?;
    Ok(())
}

/// A paid invoice waiting for its customer's next check: (index, total, due, issued).
type PaidInvoice = (u64, i64, NaiveDate, NaiveDate);

/// One check paying a batch of invoices, received a little before or after the last one fell due.
fn check(rng: &mut fastrand::Rng, customer: u64, batch: &[PaidInvoice], today: NaiveDate) -> Record {
    let last_due = batch.iter().map(|b| b.2).max().unwrap_or(today);
    let last_issued = batch.iter().map(|b| b.3).max().unwrap_or(today);
    let received = (last_due + chrono::Duration::days(rng.i64(-10..40))).clamp(last_issued, today);
    let first = batch.first().map_or(0, |b| b.0);
    Record::Payment(PaymentRecord {
        external_id: format!("P{first}"),
        customer_external_id: format!("C{customer}"),
        received,
        currency: Currency::USD,
        amount_minor: batch.iter().map(|b| b.1).sum(),
        unapplied_minor: 0,
        method: Some("check".to_string()),
        reference: Some(format!("{}", 50_000 + first)),
        applications: batch
            .iter()
            .map(|b| ApplicationRecord {
                invoice_external_id: format!("I{}", b.0),
                amount_minor: b.1,
                credit_memo_external_id: None,
            })
            .collect(),
        version: version(received),
    })
}

fn synthetic_name(rng: &mut fastrand::Rng) -> &'static str {
    const NAMES: [&str; 12] = [
        "Acme Builders",
        "Bayside Construction",
        "Cedar Ridge Homes",
        "Delta General",
        "Evergreen Developers",
        "Frontier Contracting",
        "Granite Peak Builders",
        "Harbor Point Owners",
        "Ironwood Construction",
        "Juniper Properties",
        "Keystone GC",
        "Lakeshore Partners",
    ];
    NAMES[rng.usize(..NAMES.len())]
}
