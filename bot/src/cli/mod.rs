//! The command line: `arbot demo`, `console`, `sync`, `migrate`, the reports for scripts
//! (`aging`, `customer`), and `dev seed` for benchmarks.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use arbot_core::aging::{Basis, GroupBy};
use arbot_core::dates::parse_date;
use arbot_core::store::{self, redact};
use arbot_core::summary::{CustomerMatch, customer_summary, find_customer};

use arbot_core::{Clock, PinnedClock, SystemClock};
use clap::{Parser, Subcommand};
use tokio::runtime::Runtime;

/// `print!` for the CLI: writes through [`write_stdout`] and returns its error with `?`, so a
/// reader that went away (`arbot aging | head -1`) ends the command with status 141 rather than a
/// panic.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(&format!($($arg)*))?
    };
}

/// `println!` for the CLI, as [`out!`].
macro_rules! outln {
    () => {
        $crate::cli::write_stdout("\n")?
    };
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(&format!("{}\n", format_args!($($arg)*)))?
    };
}

mod args;
mod demo;
mod liens;
mod sync;

pub use self::args::{AgingBasis, By, CloseFormat, Format, GlobalArgs, HistoryFormat, SummaryFormat, WeeklyFormat};
pub use self::demo::{DEMO_DB_FILE, load as load_demo};
use crate::app::App;
use crate::commands::{CommandError, aging_table};
use crate::config::{Config, SourceConfig};
use crate::console::render::to_text;
use crate::reply::table_text;

#[derive(Debug, Parser)]
#[command(
    name = "arbot",
    version,
    about = "arbot: accounts-receivable collections in your team's chat",
    long_about = "arbot keeps your receivables, promises, disputes and lien deadlines in one place and answers \
                  the AR team's questions in chat.\n\nStart with `arbot demo` to try it on a sample ledger.",
    after_help = "Every flag can also be set in the environment: --db as ARBOT_DATABASE_URL, --today as ARBOT_TODAY, \
                  --config as ARBOT_CONFIG."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load a sample construction subcontractor's ledger into a fresh local database and open the console.
    Demo {
        /// Load the demo and exit without opening the console.
        #[arg(long)]
        no_console: bool,
    },
    /// A terminal chat that answers the same commands as Discord (/ar customer acme, /ar aging, ...).
    Console,
    /// Run the Discord bot: /ar commands, the daily digest, lien warnings and escalation threads.
    /// Needs DISCORD_TOKEN and a [discord] section in arbot.toml (see the README).
    Run,
    /// Pull new and changed records from the configured accounting systems.
    Sync {
        /// Only this source (by its name in arbot.toml).
        #[arg(long)]
        source: Option<String>,
        /// Re-read everything instead of only what changed since the last sync.
        #[arg(long, conflicts_with = "reconcile")]
        full: bool,
        /// Compare every open invoice with the accounting system (both ways) and repair what
        /// drifted, by reading those invoices again; the line saying what was repaired also goes
        /// to the AR channel.
        #[arg(long)]
        reconcile: bool,
    },
    /// Connect a QuickBooks Online company or a Xero organisation: prints a link to open, waits
    /// for the redirect to http://localhost:PORT/callback, and stores the tokens encrypted.
    #[command(
        after_help = "Needs ARBOT_SECRET_KEY (tokens are stored encrypted with it), and the app's client id and \
                            secret: ARBOT_QUICKBOOKS_CLIENT_ID / ARBOT_QUICKBOOKS_CLIENT_SECRET or ARBOT_XERO_CLIENT_ID / \
                            ARBOT_XERO_CLIENT_SECRET. See the README for registering the app."
    )]
    Connect {
        #[arg(value_parser = ["quickbooks", "xero"])]
        vendor: String,
        /// The [[sources]] entry to connect (default: the one of that kind).
        #[arg(long)]
        source: Option<String>,
        /// The loopback port of the redirect URI registered with the app (default 8765).
        #[arg(long)]
        port: Option<u16>,
        /// Xero: the organisation to read, by id or name, when the sign-in reaches several.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Import invoices, payments, customers or jobs from a spreadsheet (CSV or XLSX), or a team's
    /// own collections log (--kind notes or --kind promises).
    #[command(
        after_help = "Columns are found by name (see `arbot import --template invoices`); a mapping file names others. \
                      A file with bad rows imports nothing and lists every bad value; importing the same file again \
                      changes nothing. --kind notes|promises brings in the team's own collections log (Date, \
                      Customer, Invoice, Type, Notes, By, Follow-up; or Customer, Amount, Promise Date, Invoice, Logged, \
                      Notes, By): all rows or none, each row once however often the log is imported."
    )]
    Import {
        /// The file: .csv or .xlsx (also .xls, .ods).
        #[arg(required_unless_present = "template")]
        file: Option<PathBuf>,
        /// What the file holds (default: guessed from its columns; a collections log is never guessed).
        #[arg(long, value_parser = ["invoices", "payments", "customers", "jobs", "notes", "promises"])]
        kind: Option<String>,
        /// A TOML file naming the file's columns ([columns] invoice = "Inv No.").
        #[arg(long, value_name = "FILE")]
        mapping: Option<PathBuf>,
        /// Import the good rows even when some rows have problems (the bad ones are listed).
        #[arg(long)]
        skip_bad_rows: bool,
        /// The source name the records are keyed under; keep it stable across imports.
        #[arg(long, default_value = crate::import::DEFAULT_SOURCE)]
        source: String,
        /// Print the default column template of a kind (a CSV header and an example row) and exit.
        #[arg(long, value_name = "KIND", value_parser = ["invoices", "payments", "customers", "jobs"])]
        template: Option<String>,
    },
    /// Create or upgrade the database schema.
    Migrate,
    /// Print today's overdue digest (what the AR channel gets every weekday morning).
    Digest {
        /// Post it to the AR channel in Discord now, as well as printing it.
        #[arg(long)]
        post: bool,
    },
    /// Leadership reports: `arbot report cash|weekly [--date DATE] [--format table|json]` (weekly also xlsx and png),
    /// and `arbot report close [--month YYYY-MM] [--format table|json|xlsx]`.
    #[command(subcommand)]
    Report(ReportCommand),
    /// What would go to customers by email today: `arbot reminders preview <customer>` prints an
    /// account's reminder as the customer would read it; `arbot reminders round` lists every
    /// account due one (the morning post). Nothing is sent.
    #[command(subcommand)]
    Reminders(RemindersCommand),
    /// The aging report: open balances by age bucket.
    Aging {
        /// Balances as of this date (default: today).
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// Group rows by customer, job or project manager.
        #[arg(long, value_enum, default_value_t = By::Customer)]
        by: By,
        /// Age invoices by due date or invoice date (default: `[aging] basis`).
        #[arg(long, value_enum)]
        basis: Option<AgingBasis>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// One customer's summary: balance, aging, oldest invoice, last payment, promise, jobs, last note.
    Customer {
        /// The customer's name, or part of it.
        #[arg(required = true, num_args = 1..)]
        name: Vec<String>,
        #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
        format: SummaryFormat,
    },
    /// A customer's statement for the month ending on or before --date (default today), with
    /// what is open on that day: writes the PDF and the CSV (what `/mail statement` attaches).
    Statement {
        /// The customer's name, or part of it.
        #[arg(required = true, num_args = 1..)]
        name: Vec<String>,
        /// The statement date: what is open on it; the period is the month ending by it.
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
        /// The folder the files go in (default: the current one).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// `files` writes the PDF and CSV; `json` prints the statement's figures.
        #[arg(long, value_enum, default_value_t = args::StatementFormat::Files)]
        format: args::StatementFormat,
    },
    /// One customer's history, newest first: notes, promises and their outcome, disputes,
    /// escalations, notices served and payments, with who and when.
    History {
        /// The customer's name, or part of it.
        #[arg(required = true, num_args = 1..)]
        name: Vec<String>,
        #[arg(long, value_enum, default_value_t = HistoryFormat::Table)]
        format: HistoryFormat,
    },
    /// Lien and notice deadlines (no database needed).
    #[command(subcommand)]
    Liens(LiensCommand),
    /// Tools for developers and benchmarks.
    #[command(subcommand)]
    Dev(DevCommand),
}

#[derive(Debug, Subcommand)]
pub enum LiensCommand {
    /// Every lien and notice deadline that follows from a job's facts, e.g.
    /// `arbot liens deadlines --state FL --project private --role sub --fact first_furnished=2026-10-09`.
    Deadlines(liens::DeadlineArgs),
    /// Every state with lien rules: its statutes and sources, and when they were last checked.
    States {
        #[arg(long, value_enum, default_value_t = args::SummaryFormat::Table)]
        format: args::SummaryFormat,
    },
}

#[derive(Debug, Subcommand)]
pub enum DevCommand {
    /// Write a synthetic ledger at scale (for benchmarks) through the same path a sync uses.
    Seed {
        #[arg(long, default_value_t = 20_000)]
        customers: u64,
        #[arg(long, default_value_t = 1_000_000)]
        invoices: u64,
        /// Random seed; the same seed writes the same ledger.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
}

/// Runs the CLI; returns the process exit code.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: can't start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match run(&rt, cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // The reader of our output went away (`arbot liens deadlines | head`): stop quietly with
        // the status a shell gives a process ended by SIGPIPE (128 + 13).
        Err(e) if is_broken_pipe(&e) => std::process::ExitCode::from(141),
        Err(e) => {
            tracing::debug!("{e:?}");
            eprintln!("error: {}", user_text(&e));
            std::process::ExitCode::FAILURE
        }
    }
}

pub(crate) use crate::stdout::write_stdout;

/// Whether `e` comes from writing to a pipe whose reader has closed it.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

/// An error for the person at the terminal: its context and our own errors' sentences, but not
/// the driver's or library's words under a store error (those are in the log at debug), and no
/// sentence said twice.
fn user_text(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        if cause.is::<arbot_core::StoreError>() {
            break;
        }
    }
    parts.join(": ")
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("ARBOT_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// The clock: pinned by --today / ARBOT_TODAY, else the wall clock in the business time zone.
fn clock(global: &GlobalArgs, config: &Config) -> anyhow::Result<Arc<dyn Clock>> {
    let system = SystemClock { tz: config.time_zone };
    match &global.today {
        Some(s) => {
            let today = parse_date(s, system.today()).with_context(|| "--today / ARBOT_TODAY")?;
            Ok(Arc::new(PinnedClock { today, tz: config.time_zone }))
        }
        None => Ok(Arc::new(system)),
    }
}

fn sources_from(
    config: &Config,
    today: chrono::NaiveDate,
    store: &Arc<dyn store::Store>,
    clock: &Arc<dyn Clock>,
) -> Vec<Arc<dyn arbot_core::source::Source>> {
    config
        .sources
        .iter()
        .filter_map(|s: &SourceConfig| match s.kind.as_str() {
            "sample" => Some(Arc::new(arbot_connector_sample::SampleSource::new(today).with_name(&s.name))
                as Arc<dyn arbot_core::source::Source>),
            "spreadsheet" => Some(Arc::new(crate::import::ConfiguredFile::new(
                &s.name,
                s.file.clone(),
                s.mapping.clone(),
                match s.currency.as_deref() {
                    None => Ok(config.currency),
                    Some(c) => arbot_core::Currency::parse(c).map_err(|e| format!("currency = \"{c}\": {e}")),
                },
                clock.clone(),
            )) as Arc<dyn arbot_core::source::Source>),
            _ => crate::connect::build_source(s, store.clone(), clock.clone()),
        })
        .collect()
}

async fn open_app(global: &GlobalArgs, config: Config, url: &str) -> anyhow::Result<App> {
    let clock = clock(global, &config)?;
    let store = store::open_and_migrate(url).await?;
    let sources = sources_from(&config, clock.today(), &store, &clock);
    Ok(App { store, clock, config, sources })
}

/// `arbot reminders …`: what `/mail remind` and `/mail round` show, printed; nothing is sent.
#[derive(Debug, Subcommand)]
pub enum RemindersCommand {
    /// An account's reminder as it would go out today: to whom, the subject, the body, what is
    /// left out and why.
    Preview {
        /// The customer's name, or part of it.
        #[arg(required = true, num_args = 1..)]
        name: Vec<String>,
    },
    /// Every account due a reminder today (an invoice at a stage it was not yet asked at).
    Round,
    /// Writes arbot's own wording of each stage into the templates folder (`<stage>.txt`) and of
    /// each letter into its `letters/` folder (demand, final, lien), to edit; files already there
    /// are kept. Lists the placeholders a template can use.
    Templates,
}

/// `arbot report …`: what `/report …` answers in chat, for scripts and the terminal.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The daily cash report: received by customer and job, against a week and a year before,
    /// expected cash in the next 7 and 30 days, and what was requested that day.
    Cash {
        /// The day to report (default: today).
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
        #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
        format: SummaryFormat,
    },
    /// The weekly AR report: aging against a week and four weeks before (from the daily
    /// snapshots), the KPIs, accounts that moved into a worse bucket, risks, by PM, and actions.
    Weekly {
        /// The day to report (default: today).
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
        #[arg(long, value_enum, default_value_t = WeeklyFormat::Table)]
        format: WeeklyFormat,
        /// Where `--format xlsx` writes the workbook (default: weekly-ar-<date>.xlsx here), or the
        /// folder `--format png` writes the charts into (default: here).
        #[arg(long, value_name = "PATH")]
        out: Option<std::path::PathBuf>,
    },
    /// The minimum-float watch: the bank balances, the cash expected day by day less the
    /// configured outflows, the low point against `[float] minimum`, and the collections that
    /// would close a gap.
    Float {
        #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
        format: SummaryFormat,
    },
    /// The month-end close pack: the aging frozen at the month's end, unapplied cash and credits
    /// to clear, disputes, promises and plan installments rolled into the next month, retainage,
    /// and what was invoiced and collected in the month.
    Close {
        /// The month (default: the last month that has ended): 2026-11, "Nov 2026", november.
        #[arg(long, value_name = "MONTH")]
        month: Option<String>,
        #[arg(long, value_enum, default_value_t = CloseFormat::Table)]
        format: CloseFormat,
        /// Where `--format xlsx` writes the workbook: a folder (it is named close-<YYYY-MM>.xlsx
        /// there) or a file name (default: close-<YYYY-MM>.xlsx here).
        #[arg(long, value_name = "PATH")]
        out: Option<std::path::PathBuf>,
    },
}

pub fn run(rt: &Runtime, cli: Cli) -> anyhow::Result<()> {
    let config = match cli.command {
        // The command that writes the templates runs before there are any to check.
        Command::Reminders(RemindersCommand::Templates) => {
            Config::load_without_templates(cli.global.config.as_deref())?
        }
        _ => Config::load(cli.global.config.as_deref())?,
    };
    let url = cli.global.db.clone().unwrap_or_else(|| config.database_url.clone());
    match cli.command {
        Command::Demo { no_console } => {
            let app = rt.block_on(demo::load(&cli.global, config))?;
            if !no_console {
                crate::console::run(rt, &app)?;
            }
            Ok(())
        }
        Command::Console => {
            let app = rt.block_on(open_app(&cli.global, config, &url))?;
            if std::io::stdin().is_terminal() {
                let counts = rt.block_on(app.store.counts())?;
                outln!(
                    "arbot console — {} ({}, {}). /ar help lists commands; /quit leaves.",
                    redact(&url),
                    crate::wording::count(counts.customers as usize, "customer", "customers"),
                    crate::wording::count(counts.open_invoices as usize, "open invoice", "open invoices")
                );
            }
            crate::console::run(rt, &app)
        }
        Command::Digest { post } => {
            if post && config.discord.is_none() {
                bail!(
                    "arbot digest --post needs a [discord] section in arbot.toml (guild_id and ar_channel_id); see \
                     the README's \"Running the Discord bot\". Without --post it prints the digest here."
                );
            }
            let token = if post { Some(crate::discord::Token::from_env()?) } else { None };
            rt.block_on(async {
                let app = open_app(&cli.global, config, &url).await?;
                let digest = crate::commands::build_digest(&app).await.map_err(command_error)?;
                let reply = crate::commands::digest_reply(&app, &digest);
                out!("{}", to_text(&reply));
                match token {
                    Some(token) => post_digest(&app, token, reply).await,
                    None => Ok(()),
                }
            })
        }
        Command::Run => {
            // Fail fast, before touching the database, when the token is missing.
            let token = crate::discord::Token::from_env()?;
            if config.discord.is_none() {
                bail!(
                    "arbot run needs a [discord] section in arbot.toml with guild_id and ar_channel_id; see the README's \
                     \"Running the Discord bot\""
                );
            }
            rt.block_on(async {
                let app = open_app(&cli.global, config, &url).await?;
                // Syncs whose process died (a crash, a kill) would otherwise stay `running`.
                for run in app.store.interrupt_dead_sync_runs(None, app.clock.now()).await? {
                    tracing::warn!(source = %run.source, run = run.id, "{}", crate::commands::interrupted_text(&run.source, &run));
                }
                let (stop, stopped) = tokio::sync::watch::channel(false);
                tokio::spawn(async move {
                    wait_for_signal().await;
                    tracing::info!("stopping: finishing what is in flight");
                    let _ = stop.send(true);
                });
                crate::discord::run(app, token, crate::discord::RunSettings::default(), stopped).await
            })
        }
        Command::Migrate => rt.block_on(async {
            let store = store::open(&url).await?;
            let applied = store.migrate().await?;
            match applied {
                0 => outln!("{} is up to date.", redact(&url)),
                n => outln!("{}: applied {n} migration(s); the schema is up to date.", redact(&url)),
            }
            Ok(())
        }),
        Command::Connect { vendor, source, port, tenant } => rt.block_on(async {
            use crate::connect::{ConnectParams, DEFAULT_REDIRECT_PORT, Vendor, connect_flow, oauth_app};
            let Some(vendor) = Vendor::parse(&vendor) else { bail!("connect quickbooks or xero") };
            let configured = config.sources.iter().find(|s| match &source {
                Some(n) => s.name.eq_ignore_ascii_case(n),
                None => Vendor::parse(&s.kind) == Some(vendor),
            });
            let cfg = match configured {
                Some(c) => c.clone(),
                None => {
                    let name = source.clone().unwrap_or_else(|| vendor.kind().to_string());
                    eprintln!(
                        "No [[sources]] entry for {name} in the configuration; add one (name = \"{name}\", kind = \"{}\") \
                         so `arbot sync` reads it.",
                        vendor.kind()
                    );
                    toml::from_str(&format!("name = {name:?}\nkind = {:?}\n", vendor.kind()))?
                }
            };
            let key = arbot_connector_http::SecretKey::from_env();
            if let Err(e) = &key {
                bail!("arbot will not store the {} tokens: {e}", vendor.display());
            }
            let app = oauth_app(vendor, &cfg, &|k| std::env::var(k).ok())?;
            let store = store::open_and_migrate(&url).await?;
            let clock = clock(&cli.global, &config)?;
            let params = ConnectParams {
                vendor,
                app,
                key,
                port: port.or(cfg.redirect_port).unwrap_or(DEFAULT_REDIRECT_PORT),
                tenant,
                connections_url: cfg
                    .connections_url
                    .clone()
                    .unwrap_or_else(|| arbot_connector_xero::CONNECTIONS_URL.to_string()),
                wait: std::time::Duration::from_secs(600),
                source: cfg,
            };
            let port = params.port;
            let connected = connect_flow(params, store.as_ref(), clock.as_ref(), |url| {
                eprintln!(
                    "Open this link in a browser and sign in as an administrator of the {} company:\n\n  {url}\n\n\
                     Waiting for {} to send you back to http://localhost:{port}/callback (the Redirect URI registered \
                     with your app)…",
                    vendor.display(),
                    vendor.display()
                );
            })
            .await?;
            let company = match &connected.company_name {
                Some(n) => format!("{n} ({})", connected.company),
                None => connected.company.clone(),
            };
            outln!(
                "Connected {} {company} as source '{}'. Its tokens are stored encrypted. Next: arbot sync --source {}",
                vendor.display(),
                connected.source,
                connected.source
            );
            for (id, name) in &connected.others {
                outln!("  The sign-in also reaches {name} ({id}); connect it as another source with --tenant {id}.");
            }
            Ok(())
        }),
        Command::Import { file, kind, mapping, skip_bad_rows, source, template } => {
            use arbot_connector_spreadsheet::Kind;
            if let Some(t) = template.as_deref().and_then(Kind::parse) {
                out!("{}", arbot_connector_spreadsheet::template(t));
                return Ok(());
            }
            let Some(file) = file else { bail!("give the file to import") };
            if let Some(log) = kind.as_deref().and_then(crate::import_log::LogKind::parse) {
                if mapping.is_some() || skip_bad_rows {
                    bail!(
                        "--kind {} takes neither --mapping nor --skip-bad-rows: a log's columns are found by name and \
                         it goes in whole or not at all",
                        log.as_str()
                    );
                }
                return rt.block_on(async {
                    let store = store::open_and_migrate(&url).await?;
                    let clock = clock(&cli.global, &config)?;
                    let req = crate::import_log::LogRequest {
                        file,
                        kind: log,
                        currency: config.currency,
                        rules: arbot_core::collections::PromiseRules {
                            grace_days: config.collections.promise_grace_days,
                            tz: config.time_zone,
                        },
                    };
                    let mut progress = |line: String| eprintln!("{line}");
                    let imported =
                        crate::import_log::import_log(store.as_ref(), clock.as_ref(), &req, &mut progress).await?;
                    outln!("{}", crate::import_log::summary(&imported));
                    Ok(())
                });
            }
            if kind.is_none() && mapping.is_none() {
                let headers = arbot_connector_spreadsheet::read_file(&file, None).map(|t| t.headers).unwrap_or_default();
                if let Some(log) = crate::import_log::looks_like_log(&headers) {
                    bail!(
                        "{} looks like a collections log ({}); to bring it in as {}, run arbot import --kind {} {}. \
                         To import it as invoices, payments, customers or jobs, say which with --kind. Nothing was imported.",
                        file.display(),
                        headers.join(", "),
                        log.as_str(),
                        log.as_str(),
                        file.display()
                    );
                }
            }
            rt.block_on(async {
                let store = store::open_and_migrate(&url).await?;
                let clock = clock(&cli.global, &config)?;
                let req = crate::import::ImportRequest {
                    file,
                    kind: kind.as_deref().and_then(Kind::parse),
                    mapping,
                    skip_bad_rows,
                    source,
                };
                let imported = crate::import::import(store.as_ref(), clock.as_ref(), config.currency, &req).await?;
                outln!("{}", crate::import::summary(&imported));
                Ok(())
            })
        }
        Command::Sync { source, full, reconcile } => rt.block_on(async {
            let app = open_app(&cli.global, config, &url).await?;
            if reconcile {
                return sync::reconcile(&app, source.as_deref()).await;
            }
            sync::sync(&app, source.as_deref(), full).await
        }),
        Command::Report(ReportCommand::Cash { date, format }) => rt.block_on(async {
            let app = open_app(&cli.global, config, &url).await?;
            let date = match date {
                Some(s) => Some(parse_date(&s, app.today()).context("--date")?),
                None => None,
            };
            let report = crate::commands::build_cash(&app, date).await.map_err(command_error)?;
            match format {
                SummaryFormat::Json => outln!("{}", serde_json::to_string_pretty(&report)?),
                SummaryFormat::Table => out!("{}", to_text(&crate::commands::cash_reply(&app, &report))),
            }
            Ok(())
        }),
        Command::Report(ReportCommand::Weekly { date, format, out }) => rt.block_on(async {
            if out.is_some() && !matches!(format, WeeklyFormat::Xlsx | WeeklyFormat::Png) {
                bail!("--out is for --format xlsx (the workbook's file) and png (the charts' folder); the table and JSON are printed");
            }
            let app = open_app(&cli.global, config, &url).await?;
            let date = match date {
                Some(s) => Some(parse_date(&s, app.today()).context("--date")?),
                None => None,
            };
            let report = crate::commands::build_weekly(&app, date).await.map_err(command_error)?;
            match format {
                WeeklyFormat::Json => outln!("{}", serde_json::to_string_pretty(&report)?),
                WeeklyFormat::Table => out!("{}", to_text(&crate::commands::weekly_reply(&app, &report))),
                WeeklyFormat::Xlsx => {
                    let out = out.unwrap_or_else(|| crate::commands::weekly_xlsx::file_name(&report).into());
                    let bytes = crate::commands::weekly_xlsx::workbook(&report).context("the workbook")?;
                    std::fs::write(&out, &bytes).with_context(|| format!("writing {}", out.display()))?;
                    outln!(
                        "Wrote {} ({} sheets: {}).",
                        out.display(),
                        crate::commands::weekly_xlsx::SHEETS.len(),
                        crate::commands::weekly_xlsx::SHEETS.join(", ")
                    );
                }
                WeeklyFormat::Png => {
                    let dir = out.unwrap_or_else(|| ".".into());
                    if dir.exists() && !dir.is_dir() {
                        bail!("--out {} is a file, not a folder; the charts are written into one", dir.display());
                    }
                    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
                    let charts = crate::commands::weekly_charts::charts(&report).context("the charts")?;
                    let mut names = Vec::new();
                    for (name, png) in &charts {
                        let path = dir.join(name);
                        std::fs::write(&path, png).with_context(|| format!("writing {}", path.display()))?;
                        names.push(path.display().to_string());
                    }
                    outln!(
                        "Wrote {} charts ({}x{} PNG): {}.",
                        charts.len(),
                        crate::commands::weekly_charts::WIDTH,
                        crate::commands::weekly_charts::HEIGHT,
                        names.join(", ")
                    );
                }
            }
            Ok(())
        }),
        Command::Report(ReportCommand::Float { format }) => rt.block_on(async {
            let app = open_app(&cli.global, config, &url).await?;
            match format {
                SummaryFormat::Table => {
                    let reply = crate::float_watch::status_reply(&app).await?;
                    out!("{}", to_text(&reply));
                }
                SummaryFormat::Json => match crate::float_watch::load(&app).await? {
                    Some(f) => outln!("{}", serde_json::to_string_pretty(&f)?),
                    None => bail!(
                        "arbot has no bank balance in {} to forecast from. {}",
                        app.config.currency,
                        crate::float_watch::HOW_TO_SET
                    ),
                },
            }
            Ok(())
        }),
        Command::Report(ReportCommand::Close { month, format, out }) => rt.block_on(async {
            if out.is_some() && format != CloseFormat::Xlsx {
                bail!("--out is for --format xlsx (the workbook); the table and JSON are printed");
            }
            let app = open_app(&cli.global, config, &url).await?;
            let first = crate::commands::close::month(&app, month.as_deref()).map_err(command_error)?;
            let report = crate::commands::close::build(&app, first).await.map_err(command_error)?;
            match format {
                CloseFormat::Json => outln!("{}", serde_json::to_string_pretty(&report)?),
                CloseFormat::Table => out!("{}", to_text(&crate::commands::close::close_reply(&app, &report))),
                CloseFormat::Xlsx => {
                    let name = crate::commands::close_xlsx::file_name(&report);
                    let out = match out {
                        Some(p) if p.is_dir() || p.as_os_str().to_string_lossy().ends_with(std::path::MAIN_SEPARATOR) => {
                            std::fs::create_dir_all(&p).with_context(|| format!("creating {}", p.display()))?;
                            p.join(name)
                        }
                        Some(p) => p,
                        None => name.into(),
                    };
                    let bytes = crate::commands::close_xlsx::workbook(&report).context("the workbook")?;
                    std::fs::write(&out, &bytes).with_context(|| format!("writing {}", out.display()))?;
                    outln!(
                        "Wrote {} ({} sheets: {}).",
                        out.display(),
                        crate::commands::close_xlsx::SHEETS.len(),
                        crate::commands::close_xlsx::SHEETS.join(", ")
                    );
                }
            }
            Ok(())
        }),
        Command::Aging { as_of, by, basis, format } => rt.block_on(async {
            let app = open_app(&cli.global, config, &url).await?;
            let as_of = match as_of {
                Some(s) => parse_date(&s, app.today()).context("--as-of")?,
                None => app.today(),
            };
            if as_of > app.today() {
                bail!("--as-of {as_of} is in the future; aging runs as of today or earlier");
            }
            let by = match by {
                By::Customer => GroupBy::Customer,
                By::Job => GroupBy::Job,
                By::Pm => GroupBy::Pm,
            };
            let basis = match basis {
                Some(AgingBasis::DueDate) => Basis::DueDate,
                Some(AgingBasis::InvoiceDate) => Basis::InvoiceDate,
                None => app.config.aging.basis,
            };
            let report = crate::commands::load_aging(&app, as_of, by, basis).await.map_err(command_error)?;
            match format {
                Format::Json => outln!("{}", serde_json::to_string_pretty(&report)?),
                Format::Csv => out!("{}", crate::commands::aging_csv(&app, &report)),
                Format::Table => {
                    let (table, _) = aging_table(&app, &report, usize::MAX);
                    let basis = if report.basis == Basis::InvoiceDate { ", by invoice date" } else { "" };
                    outln!(
                        "Aging by {} as of {} ({}){basis}",
                        report.group_by.as_str(),
                        report.as_of,
                        app.config.currency
                    );
                    out!("{}", table_text(&table));
                    if let Some(line) = crate::commands::aging_left_out(&report) {
                        outln!("{line}");
                    }
                }
            }
            Ok(())
        }),
        Command::Statement { name, date, out, format } => rt.block_on(async {
            let app = open_app(&cli.global, config, &url).await?;
            let id = one_customer(&app, &name.join(" ")).await?;
            let customer = app.store.customer(id).await?.context("the customer was removed while reading it")?;
            let today = app.today();
            let as_of = match date {
                Some(s) => parse_date(&s, today).context("--date")?,
                None => today,
            };
            if as_of > today {
                bail!("--date {as_of} is in the future; a statement shows what is known today or earlier");
            }
            let list = crate::commands::statement::prepare(&app, &customer, as_of).await.map_err(command_error)?;
            if format == args::StatementFormat::Json {
                write_stdout(&format!("{}\n", serde_json::to_string_pretty(&list)?))?;
                return Ok(());
            }
            if list.is_empty() {
                let (start, end) = arbot_core::statement::default_period(as_of);
                write_stdout(&format!(
                    "{} owed nothing and had no activity from {start} to {end}, and nothing is open on {as_of}: no \
                     statement written.\n",
                    customer.name
                ))?;
                return Ok(());
            }
            let folder = out.unwrap_or_default();
            if !folder.as_os_str().is_empty() {
                std::fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
            }
            let mut text = String::new();
            for s in &list {
                for file in crate::commands::statement::files(&app, s, &customer) {
                    let path = folder.join(&file.name);
                    std::fs::write(&path, &file.content).with_context(|| format!("writing {}", path.display()))?;
                    text.push_str(&format!("wrote {}\n", path.display()));
                }
                text.push_str(&format!(
                    "  {} {}: balance {} on {}, amount due {} on {}\n",
                    customer.name,
                    s.currency.code(),
                    arbot_core::Money::new(s.closing_minor, s.currency),
                    s.period_end,
                    arbot_core::Money::new(s.amount_due_minor, s.currency),
                    s.as_of
                ));
            }
            write_stdout(&text)?;
            Ok(())
        }),
        Command::History { name, format } => rt.block_on(async {
            let app = open_app(&cli.global, config, &url).await?;
            let id = one_customer(&app, &name.join(" ")).await?;
            let events = crate::commands::load_history(&app, id).await.map_err(command_error)?;
            match format {
                HistoryFormat::Csv => out!("{}", crate::commands::history_csv(&app, &events)),
                HistoryFormat::Table => {
                    let customer = app.store.customer(id).await?.context("the customer was removed while reading it")?;
                    out!("{}", to_text(&crate::commands::history_reply(&app, &customer.name, &events)))
                }
            }
            Ok(())
        }),
        Command::Reminders(RemindersCommand::Preview { name }) => rt.block_on(async {
            let app = open_app(&cli.global, config, &url).await?;
            let id = one_customer(&app, &name.join(" ")).await?;
            let customer = app.store.customer(id).await?.context("the customer was removed while reading it")?;
            let today = app.today();
            let prepared = crate::commands::mail::prepare(&app, id, today).await.map_err(command_error)?;
            out!("{}", to_text(&crate::commands::mail::reminder_reply(&app, &customer.name, &prepared, today)));
            Ok(())
        }),
        Command::Reminders(RemindersCommand::Templates) => {
            let base = config.file.as_ref().and_then(|f| f.parent()).map(Path::to_path_buf).unwrap_or_default();
            let (folder, _) = config.reminders.folder(&base);
            let written = crate::templates::write_starters(&folder, &config.reminders.ladder)?;
            for path in &written {
                outln!("wrote {}", path.display());
            }
            let letters = crate::letters::write_starters(&folder.join("letters"))?;
            for path in &letters {
                outln!("wrote {}", path.display());
            }
            if written.is_empty() && letters.is_empty() {
                outln!("Every stage and letter already has its file in {}; nothing was changed.", folder.display());
            }
            outln!("\nPlaceholders a reminder template can use:");
            for (name, what) in crate::templates::PLACEHOLDERS {
                outln!("  {{{{ {name} }}}}  {what}");
            }
            outln!("\nPlaceholders a letter template (letters/demand.txt, final.txt, lien.txt) can use:");
            for (name, what) in crate::letters::PLACEHOLDERS {
                outln!("  {{{{ {name} }}}}  {what}");
            }
            if config.file.is_none() {
                outln!(
                    "\narbot reads this folder when it runs with an arbot.toml beside it (or [reminders] templates \
                     names it); there is none here yet."
                );
            } else {
                outln!("\narbot checks every template when it starts; arbot reminders preview NAME shows one in use.");
            }
            Ok(())
        }
        Command::Reminders(RemindersCommand::Round) => rt.block_on(async {
            let app = open_app(&cli.global, config, &url).await?;
            let reply = crate::commands::mail::round_now(&app).await.map_err(command_error)?;
            out!("{}", to_text(&reply));
            Ok(())
        }),
        Command::Customer { name, format } => rt.block_on(async {
            let app = open_app(&cli.global, config, &url).await?;
            let id = one_customer(&app, &name.join(" ")).await?;
            let summary =
                customer_summary(app.store.as_ref(), id, app.today(), false, &app.config.aging, app.config.currency)
                    .await?
                    .context("the customer was removed while reading it")?;
            match format {
                SummaryFormat::Json => outln!("{}", serde_json::to_string_pretty(&summary)?),
                SummaryFormat::Table => {
                    let reply = crate::commands::summary_reply(&app, &summary).await.map_err(command_error)?;
                    out!("{}", to_text(&reply))
                }
            }
            Ok(())
        }),
        Command::Liens(LiensCommand::Deadlines(args)) => {
            let today = clock(&cli.global, &config)?.today();
            liens::run(&args, today)
        }
        Command::Liens(LiensCommand::States { format }) => liens::states(format),
        Command::Dev(DevCommand::Seed { customers, invoices, seed }) => rt.block_on(async {
            let store = store::open_and_migrate(&url).await?;
            let clock = clock(&cli.global, &config)?;
            crate::seed::seed(store, clock.as_ref(), customers, invoices, seed).await
        }),
    }
}

/// SIGINT (Ctrl-C) or SIGTERM (a service manager stopping arbot).
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `arbot digest --post`: through the outbox, like the scheduled digest, so a post that fails
/// now is kept and delivered by `arbot run`.
pub async fn post_digest(app: &App, token: crate::discord::Token, reply: crate::reply::Reply) -> anyhow::Result<()> {
    use crate::outbox::{Destination, Dispatcher, OutboxSettings, enqueue_post};
    let discord = app.config.discord.clone().context(
        "arbot digest --post needs a [discord] section in arbot.toml (guild_id and ar_channel_id); see the README",
    )?;
    let http = Arc::new(crate::discord::http(&token, &discord, std::time::Duration::from_secs(30))?);
    let me = http.get_current_user().await.map_err(|e| match crate::discord::DiscordOut::describe(&e) {
        Some(text) => anyhow::anyhow!("{text}"),
        None => anyhow::anyhow!("Can't reach Discord: {e}"),
    })?;
    // Each request is its own post: asked for twice, it is posted twice.
    let key = format!("digest-on-demand:{}:{:08x}", app.clock.now().to_rfc3339(), fastrand::u32(..));
    enqueue_post(app, &key, Destination::ArChannel, crate::chat::Post::of(reply)).await?;
    let chat = Arc::new(crate::discord::DiscordOut::new(http, discord, me.id));
    let dispatcher = Dispatcher::new(app.clone(), chat, "cli", OutboxSettings::default());
    let outcomes = dispatcher.deliver_due().await?;
    match outcomes.iter().find(|o| o.key == key).map(|o| &o.delivery) {
        Some(arbot_core::outbox::Delivery::Sent { .. }) => {
            eprintln!("Posted to the AR channel.");
            Ok(())
        }
        Some(arbot_core::outbox::Delivery::Retry { error, .. }) => bail!(
            "Couldn't post the digest yet ({error}). It stays in the outbox; arbot run delivers it once Discord takes it."
        ),
        Some(arbot_core::outbox::Delivery::Failed { error }) => bail!("Discord refused the digest: {error}"),
        None => bail!("The digest was queued but not delivered; arbot run will deliver it."),
    }
}

/// The one customer a name given on the command line names, or the sentence that says why not.
async fn one_customer(app: &App, query: &str) -> anyhow::Result<i64> {
    if query.chars().count() > 500 {
        bail!("That name is {} characters long; arbot looks up names of at most 500.", query.chars().count());
    }
    match find_customer(app.store.as_ref(), query).await? {
        CustomerMatch::One(c) => Ok(c.id),
        CustomerMatch::Several(list) => {
            let names: Vec<&str> = list.iter().map(|c| c.name.as_str()).collect();
            bail!("{} customers match '{query}': {}. Give more of the name.", list.len(), names.join(", "))
        }
        CustomerMatch::NoneFound { suggestions } => {
            // On the command line the report to look through is `arbot aging`.
            bail!("{}", crate::commands::no_customer_text(query, &suggestions).replace("/ar aging", "arbot aging"))
        }
    }
}

fn command_error(e: CommandError) -> anyhow::Error {
    let text = e.to_string();
    if text == crate::commands::EMPTY_LEDGER && std::path::Path::new(DEMO_DB_FILE).exists() {
        return anyhow::anyhow!("{text} The demo's ledger is in ./{DEMO_DB_FILE}: add --db sqlite://{DEMO_DB_FILE}.");
    }
    anyhow::anyhow!("{text}")
}
