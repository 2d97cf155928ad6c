//! `arbot demo`: a fresh local database loaded with the bundled sample ledger (through the same
//! sync path a real accounting system uses), a few notes, promises and a dispute, and a welcome.

use std::sync::Arc;

use anyhow::{Context, bail};
use arbot_connector_sample::SampleSource;
use arbot_core::audit::{Author, Surface};
use arbot_core::collections::{NewDispute, NewNote, NewPromise};
use arbot_core::dates::weekday_date;
use arbot_core::source::{Entity, Source};
use arbot_core::store::{self, Store, redact};
use arbot_core::sync::sync_source;
use arbot_core::{Clock, Money, PinnedClock, SystemClock};
use chrono::{Days, NaiveDate, TimeZone, Utc};

use super::args::GlobalArgs;
use crate::app::App;
use crate::config::Config;

/// The demo's minimum float and weekly payroll, in cents.
const DEMO_MINIMUM_FLOAT: i64 = 10_000_000;
const DEMO_PAYROLL: i64 = 4_250_000;

/// The demo's own database file, recreated on every run so its dates are current.
pub const DEMO_DB_FILE: &str = "arbot-demo.db";

pub async fn load(global: &GlobalArgs, mut config: Config) -> anyhow::Result<App> {
    let system = SystemClock { tz: config.time_zone };
    let today = match &global.today {
        Some(s) => arbot_core::dates::parse_date(s, system.today()).context("--today / ARBOT_TODAY")?,
        None => system.today(),
    };
    let clock: Arc<dyn Clock> = Arc::new(PinnedClock { today, tz: config.time_zone });
    let url = match &global.db {
        Some(url) => url.clone(),
        None => {
            for suffix in ["", "-wal", "-shm"] {
                let path = format!("{DEMO_DB_FILE}{suffix}");
                match std::fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e).with_context(|| format!("can't replace the old demo database {path}")),
                }
            }
            format!("sqlite://{DEMO_DB_FILE}")
        }
    };
    let store = store::open_and_migrate(&url).await?;
    if store.counts().await?.customers > 0 {
        bail!(
            "{} already has customers; the demo loads into an empty database. Leave out --db to use ./{DEMO_DB_FILE}.",
            redact(&url)
        );
    }
    let sample = SampleSource::new(today);
    let report = sync_source(store.as_ref(), &sample, clock.as_ref(), true, |_| {})
        .await
        .context("loading the sample ledger")?;
    seed_collections(store.as_ref(), &sample, today).await?;
    if config.business_name == Config::default().business_name {
        config.business_name = "Suncoast Mechanical (demo)".to_string();
    }
    if config.business == crate::config::BusinessDetails::default() {
        config.business = crate::config::BusinessDetails {
            address: vec!["4810 N Lois Ave, Suite 200".into(), "Tampa, FL 33614".into()],
            phone: Some("(813) 555-0142".into()),
            email: Some("ar@suncoast-mechanical.example".into()),
            remit_to: vec!["PO Box 31877".into(), "Tampa, FL 33631-3877".into()],
            payment_note: Some("ACH and wire details on request from the AR team.".into()),
        };
    }
    // The sample company keeps a $100,000 float and runs payroll on Fridays (unless the config
    // given says otherwise), so `/report float` has something to watch.
    if config.float == crate::config::FloatWatchConfig::default() {
        config.float.watch.minimum = Some(DEMO_MINIMUM_FLOAT);
        config.float.watch.outflows = vec![arbot_core::float::Outflow {
            name: "Payroll".to_string(),
            amount: DEMO_PAYROLL,
            recurs: arbot_core::float::Recurs::Weekly { weekday: chrono::Weekday::Fri },
        }];
    }
    let counts = store.counts().await?;
    let totals = report.totals();
    outln!("Welcome to arbot. This is {}, a sample mechanical subcontractor in FL, TX and CA.", config.business_name);
    outln!(
        "Loaded {} customers, {} jobs, {} invoices ({} open) and {} payments into {} ({} records), as of {}.",
        counts.customers,
        counts.jobs,
        counts.invoices,
        counts.open_invoices,
        counts.payments,
        redact(&url),
        totals.new,
        weekday_date(today)
    );
    outln!();
    outln!("Type what your team will type in Discord. Try:");
    for example in [
        "/ar customer acme",
        "/ar customer gulf",
        "/ar overdue 60",
        "/ar aging by pm",
        "/ar invoice 1042",
        "/ar kpi",
        "/report float",
        "/ar liens",
        "/ar help",
    ] {
        outln!("  {example}");
    }
    outln!("Leave with /quit or Ctrl-D.");
    outln!();
    let sources: Vec<Arc<dyn Source>> = vec![Arc::new(sample)];
    let app = App { store, clock, config, sources };
    seed_waivers(&app, today).await?;
    Ok(app)
}

/// A few lien waivers, so `/lien waivers` has something to show: on Midtown Sacramento the
/// conditional waiver for its latest pay application is out, on Marina Tower the GC has asked
/// for one, and on the job with the latest payment a conditional waiver was out when that
/// payment came in, so its unconditional waiver is owed.
async fn seed_waivers(app: &App, today: NaiveDate) -> anyhow::Result<()> {
    use arbot_core::waivers::{NewWaiver, Stage, Status};
    let store = app.store.as_ref();
    let demo = Author::new("demo", "arbot demo", Surface::Cli);
    let at = Utc.from_utc_datetime(&today.and_hms_opt(12, 0, 0).unwrap_or_default());
    let jobs = store.jobs(None).await?;
    let find = |name: &str| jobs.iter().find(|j| j.job.name == name);
    let latest_open = |invoices: &[arbot_core::ledger::Invoice], job_id: i64| {
        invoices
            .iter()
            .filter(|i| i.job_id == Some(job_id) && i.balance.minor > 0 && i.retainage.minor < i.balance.minor)
            .max_by_key(|i| i.issued)
            .cloned()
    };
    let mut waivers = Vec::new();
    if let Some(j) = find("Midtown Sacramento Mixed-Use") {
        let invoices = store.customer_invoices(j.job.customer_id).await?;
        if let Some(i) = latest_open(&invoices, j.job.id) {
            let sent = i.issued + Days::new(2);
            waivers.push((j, i, Status::ConditionalSent, sent));
        }
    }
    if let Some(j) = find("Marina Tower") {
        let invoices = store.customer_invoices(j.job.customer_id).await?;
        if let Some(i) = latest_open(&invoices, j.job.id) {
            waivers.push((j, i, Status::Requested, today - Days::new(3)));
        }
    }
    for (j, i, status, on) in waivers {
        let new = NewWaiver {
            job_id: j.job.id,
            customer_id: j.job.customer_id,
            pay_app: i.number.clone(),
            invoice_id: Some(i.id),
            stage: Stage::Progress,
            status,
            amount: i.balance,
            through: Some(i.issued),
            on: on.min(today),
            created_by: "sam".to_string(),
            at,
        };
        store.add_waiver(&new, &[], &demo).await?;
    }
    // The job with the latest payment applied to one of its invoices: its conditional waiver
    // went out a few days before the check.
    let mut latest: Option<(&arbot_core::ledger::JobWithCustomer, arbot_core::waivers::JobApplication)> = None;
    for j in &jobs {
        if find("Midtown Sacramento Mixed-Use").is_some_and(|m| m.job.id == j.job.id) {
            continue;
        }
        for a in store.job_applications(j.job.id, today - Days::new(30)).await? {
            if latest.as_ref().is_none_or(|(_, b)| a.received > b.received) {
                latest = Some((j, a));
            }
        }
    }
    if let Some((j, a)) = latest {
        let invoices = store.customer_invoices(j.job.customer_id).await?;
        if let Some(i) = invoices.iter().find(|i| i.id == a.invoice_id) {
            let new = NewWaiver {
                job_id: j.job.id,
                customer_id: j.job.customer_id,
                pay_app: i.number.clone(),
                invoice_id: Some(i.id),
                stage: Stage::Progress,
                status: Status::ConditionalSent,
                amount: a.amount,
                through: Some(i.issued),
                on: a.received - Days::new(5),
                created_by: "sam".to_string(),
                at,
            };
            let Some(id) = store.add_waiver(&new, &[], &demo).await?.new_value() else { return Ok(()) };
            // The check, counted toward it as a sync counts it, without posting (the demo's
            // outbox starts empty).
            let paid = arbot_core::waivers::WaiverUpdate {
                id,
                status: Status::Paid,
                amount: None,
                through: None,
                stage: None,
                conditional_on: None,
                paid_on: Some(a.received),
                unconditional_on: None,
                payments: vec![arbot_core::waivers::Allocation {
                    waiver_id: id,
                    payment_id: Some(a.payment_id),
                    invoice_id: Some(a.invoice_id),
                    received: a.received,
                    amount: a.amount,
                    reference: a.reference.clone(),
                }],
                at,
            };
            store.update_waiver(&paid, Status::ConditionalSent, &demo).await?;
        }
    }
    Ok(())
}

/// Notes, promises and a dispute: arbot's own records, which no accounting system has.
async fn seed_collections(store: &dyn Store, sample: &SampleSource, today: NaiveDate) -> anyhow::Result<()> {
    let source = sample.name().to_string();
    let at = |days_ago: i64, hour: u32| {
        let d = today - Days::new(days_ago.max(0) as u64);
        Utc.from_utc_datetime(&d.and_hms_opt(hour, 30, 0).unwrap_or_default())
    };
    let seed = sample.collections();
    // The sample's notes are the demo's doing, and its audit trail says so.
    let demo = Author::new("demo", "arbot demo", Surface::Cli);
    for n in &seed.notes {
        let Some(customer_id) = store.id_for(Entity::Customer, &source, &n.customer_external_id).await? else {
            continue;
        };
        store
            .add_note(
                &NewNote {
                    customer_id,
                    invoice_id: None,
                    kind: n.kind.to_string(),
                    body: n.body.clone(),
                    author: n.author.clone(),
                    created_at: at(n.days_ago, 15),
                    follow_up_on: None,
                    day_only: false,
                },
                &demo,
            )
            .await?;
    }
    for p in &seed.promises {
        let Some(customer_id) = store.id_for(Entity::Customer, &source, &p.customer_external_id).await? else {
            continue;
        };
        let promised_for = if p.due_in_days >= 0 {
            today + Days::new(p.due_in_days as u64)
        } else {
            today - Days::new(p.due_in_days.unsigned_abs())
        };
        // Kept or broken follows from the sample's payments and dates, as for any promise.
        store
            .add_promise(
                &NewPromise {
                    customer_id,
                    amount: Money::usd(p.amount_minor),
                    promised_for,
                    created_by: p.created_by.clone(),
                    created_at: at(p.days_ago, 16),
                    invoice_ids: Vec::new(),
                    note: None,
                    day_only: false,
                },
                &demo,
            )
            .await?;
    }
    for d in &seed.disputes {
        let Some(invoice_id) = store.id_for(Entity::Invoice, &source, &d.invoice_external_id).await? else {
            continue;
        };
        store
            .open_dispute(
                &NewDispute {
                    invoice_id,
                    reason: d.reason.to_string(),
                    detail: Some(d.detail.clone()),
                    opened_by: d.opened_by.clone(),
                    opened_at: at(d.days_ago, 14),
                },
                &demo,
            )
            .await?;
    }
    Ok(())
}
