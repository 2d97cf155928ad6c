//! Configuration: `arbot.toml` for settings, the environment (`ARBOT_…`) over it, and command-line
//! flags over both. Secrets never live in the file; they come from the environment or files.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use arbot_core::Currency;
use arbot_core::aging::{AgingConfig, Basis, Buckets};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::cron::Cron;
use crate::roles::Role;

/// The default database: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://arbot.db";

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct FileConfig {
    #[serde(default)]
    business: BusinessSection,
    #[serde(default)]
    database: DatabaseSection,
    #[serde(default)]
    aging: AgingSection,
    #[serde(default)]
    sources: Vec<SourceConfig>,
    #[serde(default)]
    discord: Option<DiscordSection>,
    #[serde(default)]
    schedule: ScheduleSection,
    #[serde(default)]
    liens: LiensSection,
    #[serde(default)]
    collections: CollectionsSection,
    #[serde(default)]
    mail: Option<MailSection>,
    #[serde(default)]
    reminders: RemindersSection,
    #[serde(default)]
    kpi_guardrails: GuardrailsSection,
    #[serde(default)]
    late_fees: LateFeesSection,
    #[serde(default)]
    letters: LettersSection,
    #[serde(default)]
    float: FloatSection,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct FloatSection {
    enabled: Option<bool>,
    minimum: Option<String>,
    horizon_days: Option<u32>,
    #[serde(default)]
    outflows: Vec<OutflowSection>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct OutflowSection {
    name: String,
    amount: String,
    every: String,
}

/// The minimum-float watch (the `[float]` section): checked at `[schedule] float`, a dip of the
/// forecast under the minimum posted to the AR channel once, and its recovery once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FloatWatchConfig {
    pub enabled: bool,
    pub watch: arbot_core::float::FloatConfig,
}

impl Default for FloatWatchConfig {
    fn default() -> Self {
        FloatWatchConfig { enabled: true, watch: arbot_core::float::FloatConfig::default() }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct LettersSection {
    pay_within_days: Option<u32>,
    signer: Option<String>,
}

/// Letters to customers (the `[letters]` section): how long a letter gives to pay, who signs, and
/// the templates (the templates folder's `letters/`) they are worded by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LettersConfig {
    /// Days from the letter's date to the day it asks payment by (moved off a weekend to Monday).
    pub pay_within_days: u32,
    /// Who signs ("Dana Ruiz, Credit Manager"); "<business> accounts receivable" when not set.
    pub signer: Option<String>,
    pub templates: crate::letters::LetterTemplates,
}

impl Default for LettersConfig {
    fn default() -> Self {
        LettersConfig { pay_within_days: 10, signer: None, templates: crate::letters::LetterTemplates::default() }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct GuardrailsSection {
    enabled: Option<bool>,
    over_90_target: Option<f64>,
    dso_rise_days: Option<f64>,
    cei_floor: Option<f64>,
}

/// The KPI guardrails (the `[kpi_guardrails]` section): checked at `[schedule] kpi_guardrails`,
/// each posted to the AR channel once when it crosses and once when it recovers.
#[derive(Debug, Clone, PartialEq)]
pub struct GuardrailsConfig {
    pub enabled: bool,
    pub limits: arbot_core::guardrails::Limits,
}

impl Default for GuardrailsConfig {
    fn default() -> Self {
        GuardrailsConfig { enabled: true, limits: arbot_core::guardrails::Limits::default() }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct LateFeesSection {
    monthly_rate: Option<String>,
    flat: Option<String>,
    grace_days: Option<u32>,
    cap: Option<String>,
    #[serde(default)]
    in_reminders: bool,
    #[serde(default)]
    customers: std::collections::BTreeMap<String, LateFeeTermsSection>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct LateFeeTermsSection {
    monthly_rate: Option<String>,
    flat: Option<String>,
    grace_days: Option<u32>,
    cap: Option<String>,
    #[serde(default)]
    waive: bool,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct MailSection {
    host: Option<String>,
    port: Option<u16>,
    tls: Option<String>,
    from: Option<String>,
    reply_to: Option<String>,
    bcc: Option<String>,
    username: Option<String>,
    password_file: Option<PathBuf>,
    timeout_secs: Option<u64>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct RemindersSection {
    stages: Option<Vec<StageSection>>,
    templates: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct StageSection {
    name: String,
    days: i64,
    #[serde(default)]
    min_amount: Option<String>,
    #[serde(default)]
    approval: Option<bool>,
    #[serde(default)]
    template: Option<String>,
}

/// How arbot sends email (the `[mail]` section). The password is never in the file: it comes
/// from `ARBOT_SMTP_PASSWORD` or the file named by `password_file`.
#[derive(Clone)]
pub struct MailConfig {
    pub host: String,
    pub port: u16,
    pub tls: MailTls,
    /// `"Suncoast AR <ar@suncoast.example>"`.
    pub from: String,
    pub reply_to: Option<String>,
    /// A copy of every email, for the AR mailbox.
    pub bcc: Option<String>,
    pub username: Option<String>,
    pub password: Option<secrecy::SecretString>,
    pub timeout_secs: u64,
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("from", &self.from)
            .field("password", &self.password.as_ref().map(|_| "(set)"))
            .finish_non_exhaustive()
    }
}

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailTls {
    /// Plain connection upgraded with STARTTLS (port 587; the default).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No TLS: only for a relay on the same host (or a test server on loopback).
    None,
}

/// Late-fee terms (the `[late_fees]` section): the business's, and any customer's own (by the
/// name in the ledger, lower case; `None` when that customer's are waived). arbot computes and
/// shows them; it never books one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LateFeesConfig {
    pub terms: Option<arbot_core::latefees::LateFeeTerms>,
    /// Whether a reminder states what has accrued on its invoices.
    pub in_reminders: bool,
    pub customers: std::collections::BTreeMap<String, Option<arbot_core::latefees::LateFeeTerms>>,
}

impl LateFeesConfig {
    /// The terms that apply to a customer, if any: their own, or the business's.
    pub fn terms_for(&self, customer: &str) -> Option<&arbot_core::latefees::LateFeeTerms> {
        match self.customers.get(&customer.trim().to_lowercase()) {
            Some(own) => own.as_ref(),
            None => self.terms.as_ref(),
        }
    }

    /// Whether the customer has terms of their own (or a waiver).
    pub fn has_own(&self, customer: &str) -> bool {
        self.customers.contains_key(&customer.trim().to_lowercase())
    }
}

/// Reads one set of terms, filling what it leaves out from `base`; `None` when neither sets a
/// rate or a flat fee, or when it waives them.
fn late_fee_terms(
    key: &str,
    t: &LateFeeTermsSection,
    base: Option<&arbot_core::latefees::LateFeeTerms>,
    currency: Currency,
) -> anyhow::Result<Option<arbot_core::latefees::LateFeeTerms>> {
    use arbot_core::latefees::{Cap, LateFeeTerms, Percent};
    if t.waive {
        return Ok(None);
    }
    let monthly = match &t.monthly_rate {
        Some(r) => Some(Percent::parse(r).map_err(anyhow::Error::msg).with_context(|| format!("{key}.monthly_rate"))?),
        None => base.map(|b| b.monthly),
    };
    let flat_minor = match &t.flat {
        Some(a) => Some(arbot_core::Money::parse(a, currency).with_context(|| format!("{key}.flat = \"{a}\""))?.minor),
        None => base.map(|b| b.flat_minor),
    };
    if monthly.is_none() && flat_minor.is_none() {
        return Ok(None);
    }
    let cap = match t.cap.as_deref().map(str::trim) {
        Some(c) if c.ends_with('%') => {
            Some(Cap::Share(Percent::parse(c).map_err(anyhow::Error::msg).with_context(|| format!("{key}.cap"))?))
        }
        Some(c) => Some(Cap::Amount(
            arbot_core::Money::parse(c, currency)
                .with_context(|| format!("{key}.cap = \"{c}\" (a share like \"10%\" or an amount like \"500\")"))?
                .minor,
        )),
        None => base.and_then(|b| b.cap),
    };
    let grace_days = t.grace_days.or(base.map(|b| b.grace_days)).unwrap_or(0);
    if grace_days > 365 {
        bail!("{key}.grace_days = {grace_days}; use up to 365 days");
    }
    Ok(Some(LateFeeTerms {
        monthly: monthly.unwrap_or(Percent(0)),
        flat_minor: flat_minor.unwrap_or(0),
        grace_days,
        cap,
    }))
}

/// The reminder ladder (the `[reminders]` section) and the templates its emails are worded by.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RemindersConfig {
    pub ladder: arbot_core::mail::Ladder,
    /// Loaded by [`Config::load`] from the folder; arbot's own wording until then.
    pub templates: crate::templates::Templates,
    /// `[reminders] templates`, as written (relative to the config file's folder).
    pub templates_folder: Option<PathBuf>,
    /// Each stage's `template = "…"`, by stage name.
    pub stage_templates: std::collections::BTreeMap<String, String>,
}

/// Where a config without `[reminders] templates` looks for them, beside arbot.toml.
pub const DEFAULT_TEMPLATES_FOLDER: &str = "templates";

impl RemindersConfig {
    /// The templates folder: as set (relative to `base`, the config file's folder), or the default
    /// one there; `true` when it was set and so must exist.
    pub fn folder(&self, base: &Path) -> (PathBuf, bool) {
        match &self.templates_folder {
            Some(f) => (base.join(f), true),
            None => (base.join(DEFAULT_TEMPLATES_FOLDER), false),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct CollectionsSection {
    promise_grace_days: Option<u32>,
    repromise_limit: Option<u32>,
    escalation_reping_hours: Option<u32>,
    manager: Option<String>,
    snooze_limit: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct DiscordSection {
    guild_id: Option<Snowflake>,
    ar_channel_id: Option<Snowflake>,
    register: Option<String>,
    api_url: Option<String>,
    #[serde(default)]
    roles: RolesSection,
    #[serde(default)]
    people: std::collections::BTreeMap<String, Snowflake>,
}

/// A Discord id as TOML lets people write it: a string ("1234") or a number (1234).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Snowflake {
    Text(String),
    Number(u64),
}

impl Snowflake {
    fn parse(&self, what: &str) -> anyhow::Result<u64> {
        let text = match self {
            Snowflake::Text(s) => s.trim().to_string(),
            Snowflake::Number(n) => n.to_string(),
        };
        text.parse::<u64>().ok().filter(|n| *n > 0).with_context(|| {
            format!("{what} is '{text}'; a Discord id is a number like 1234567890123456789 (Developer Mode → Copy ID)")
        })
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct RolesSection {
    #[serde(default)]
    ar: Vec<Snowflake>,
    #[serde(default)]
    pm: Vec<Snowflake>,
    #[serde(default)]
    manager: Vec<Snowflake>,
    #[serde(default)]
    viewer: Vec<Snowflake>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct ScheduleSection {
    digest: Option<String>,
    cash_report: Option<String>,
    weekly_report: Option<String>,
    kpi_guardrails: Option<String>,
    reminders: Option<String>,
    statements: Option<String>,
    close: Option<String>,
    lien_warnings: Option<String>,
    sync: Option<String>,
    reconcile: Option<String>,
    float: Option<String>,
    catch_up_hours: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct LiensSection {
    warn_days: Option<Vec<u32>>,
    #[serde(default)]
    closures: Vec<String>,
}

/// How arbot talks to Discord (the `[discord]` section). The bot token is not here: it comes
/// from `DISCORD_TOKEN` (or the file named by `DISCORD_TOKEN_FILE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscordConfig {
    pub guild_id: u64,
    /// Where digests, warnings and escalations are posted, and where answers may be public.
    pub ar_channel_id: u64,
    /// Register `/ar` in the guild (immediate; the default) or globally.
    pub register_globally: bool,
    /// Another Discord API base URL (tests point this at a fake Discord on loopback).
    pub api_url: Option<String>,
    /// Discord role id → arbot role.
    pub roles: Vec<(u64, Role)>,
    /// PM names as they appear in the ledger (lower case) → Discord user id, for mentions.
    pub people: std::collections::BTreeMap<String, u64>,
}

impl DiscordConfig {
    /// The arbot roles of a member with these Discord roles.
    pub fn roles_of(&self, discord_roles: &[u64]) -> Vec<Role> {
        let mut out: Vec<Role> =
            self.roles.iter().filter(|(id, _)| discord_roles.contains(id)).map(|(_, r)| *r).collect();
        out.sort();
        out.dedup();
        out
    }

    /// The Discord user a PM name from the ledger is, if configured.
    pub fn person(&self, name: &str) -> Option<u64> {
        self.people.get(&name.trim().trim_start_matches('@').to_lowercase()).copied()
    }
}

/// 08:00 on weekdays.
const DEFAULT_DIGEST: &str = "0 8 * * Mon-Fri";
/// 17:00 on weekdays: the day's cash, to the manager.
const DEFAULT_CASH_REPORT: &str = "0 17 * * Mon-Fri";
const DEFAULT_WEEKLY_REPORT: &str = "30 8 * * Mon";
/// 08:15 on weekdays: after the digest has kept the day's aging snapshot.
const DEFAULT_KPI_GUARDRAILS: &str = "15 8 * * Mon-Fri";
/// 08:15 on weekdays, after the digest: the day's reminders, for approval in chat.
const DEFAULT_REMINDERS: &str = "15 8 * * Mon-Fri";
/// 08:45 on weekdays, after the digest has kept the day's aging snapshot; the run posts the month
/// before's close pack the first time it runs in a month (its first business day).
const DEFAULT_CLOSE: &str = "45 8 * * Mon-Fri";
/// Each weekday; the run posts the month before's statements the first time it runs in a month.
const DEFAULT_STATEMENTS: &str = "30 8 * * Mon-Fri";
/// Every hour from 07:00 to 18:00 on weekdays (so the digest reads fresh figures).
const DEFAULT_SYNC: &str = "0 7-18 * * Mon-Fri";

/// 08:20 on weekdays: after the morning's first sync has read the bank balances.
const DEFAULT_FLOAT: &str = "20 8 * * Mon-Fri";

/// Every night at 05:00: before the first sync and the digest, so the morning reads checked figures.
const DEFAULT_RECONCILE: &str = "0 5 * * *";

/// When scheduled work runs: cron expressions in the business time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleConfig {
    pub digest: Cron,
    /// The daily cash report.
    pub cash_report: Cron,
    /// The weekly AR report.
    pub weekly_report: Cron,
    /// The check of the KPI guardrails.
    pub kpi_guardrails: Cron,
    /// The morning's "Reminders ready" post (and the stages that go out without approval).
    pub reminders: Cron,
    /// The month-end "Statements ready" post (it posts once a month, in the first ten days).
    pub statements: Cron,
    /// The month-end close pack (it posts once a month, on the first run in its first ten days).
    pub close: Cron,
    pub lien_warnings: Cron,
    pub sync: Cron,
    /// The reconcile: every open invoice compared with each source.
    pub reconcile: Cron,
    /// The minimum-float watch's check.
    pub float: Cron,
    /// How late a run missed while arbot was down may still be caught up.
    pub catch_up_hours: u32,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        let cron = |expr: &str| Cron::parse(expr).expect("the default schedules are valid cron");
        ScheduleConfig {
            digest: cron(DEFAULT_DIGEST),
            cash_report: cron(DEFAULT_CASH_REPORT),
            weekly_report: cron(DEFAULT_WEEKLY_REPORT),
            kpi_guardrails: cron(DEFAULT_KPI_GUARDRAILS),
            reminders: cron(DEFAULT_REMINDERS),
            statements: cron(DEFAULT_STATEMENTS),
            close: cron(DEFAULT_CLOSE),
            lien_warnings: cron(DEFAULT_DIGEST),
            sync: cron(DEFAULT_SYNC),
            reconcile: cron(DEFAULT_RECONCILE),
            float: cron(DEFAULT_FLOAT),
            catch_up_hours: 12,
        }
    }
}

/// How promises are judged and escalations climb (the `[collections]` section).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionsConfig {
    /// Days after the promised date a payment still keeps the promise (checks in the mail).
    pub promise_grace_days: u32,
    /// How many promises an account may break before arbot suggests escalating instead of
    /// logging another.
    pub repromise_limit: u32,
    /// Business hours an escalation may wait unacknowledged before its PM is re-pinged; the
    /// manager is added after twice as long. 0 turns the ladder off.
    pub escalation_reping_hours: u32,
    /// Who is added when an escalation still waits: a name in `[discord.people]`.
    pub manager: Option<String>,
    /// How many times one escalation may be snoozed.
    pub snooze_limit: u32,
}

impl Default for CollectionsConfig {
    fn default() -> Self {
        CollectionsConfig {
            promise_grace_days: 0,
            repromise_limit: 2,
            escalation_reping_hours: 24,
            manager: None,
            snooze_limit: 3,
        }
    }
}

/// Lien warnings: how many days before each deadline, and days the recording offices were closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiensConfig {
    pub warn_days: Vec<u32>,
    pub closures: Vec<chrono::NaiveDate>,
}

impl Default for LiensConfig {
    fn default() -> Self {
        LiensConfig { warn_days: vec![14, 7, 3, 1, 0], closures: Vec::new() }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct BusinessSection {
    name: Option<String>,
    time_zone: Option<String>,
    currency: Option<String>,
    #[serde(default)]
    address: Vec<String>,
    phone: Option<String>,
    email: Option<String>,
    #[serde(default)]
    remit_to: Vec<String>,
    payment_note: Option<String>,
}

/// What a customer's documents say about the business besides its name (`[business]`): the
/// letterhead's address, phone and email, where payments go, and how to pay.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BusinessDetails {
    pub address: Vec<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Where checks go; the letterhead's address when not set.
    pub remit_to: Vec<String>,
    /// A line on how else to pay ("ACH: routing … account …" or "Pay online at …").
    pub payment_note: Option<String>,
}

impl BusinessDetails {
    /// The remit-to lines: `remit_to`, else the address.
    pub fn remit_lines(&self) -> &[String] {
        if self.remit_to.is_empty() { &self.address } else { &self.remit_to }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct DatabaseSection {
    url: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct AgingSection {
    buckets: Option<Vec<u32>>,
    basis: Option<String>,
}

/// One accounting system to sync from.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct SourceConfig {
    /// The name records are keyed by; keep it stable once data is synced.
    pub name: String,
    /// Which connector: `quickbooks`, `xero`, `spreadsheet` (an exported file) or `sample` (the
    /// bundled demo ledger).
    pub kind: String,
    /// Spreadsheet: the export to read (the same path each time), for `arbot sync` and the
    /// reconcile; a relative path is relative to the working directory.
    #[serde(default)]
    pub file: Option<PathBuf>,
    /// Spreadsheet: the mapping file for its columns, as `arbot import --mapping`.
    #[serde(default)]
    pub mapping: Option<PathBuf>,
    /// QuickBooks: the company (realm) id; `arbot connect` saves it, so this is rarely needed.
    #[serde(default)]
    pub realm_id: Option<String>,
    /// Xero: the organisation (tenant) id or name; `arbot connect` saves the one chosen.
    #[serde(default)]
    pub tenant_id: Option<String>,
    /// QuickBooks: use Intuit's sandbox host.
    #[serde(default)]
    pub sandbox: Option<bool>,
    /// The app's client id (or ARBOT_QUICKBOOKS_CLIENT_ID / ARBOT_XERO_CLIENT_ID). The client
    /// secret is never read from this file: ARBOT_<VENDOR>_CLIENT_SECRET or `client_secret_file`.
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub client_secret_file: Option<PathBuf>,
    /// The loopback port of the redirect URI registered with the app (default 8765).
    #[serde(default)]
    pub redirect_port: Option<u16>,
    /// The company's home currency, for documents that name none (default USD).
    #[serde(default)]
    pub currency: Option<String>,
    /// Rows per request (default: the vendor's maximum, 1,000).
    #[serde(default)]
    pub page_size: Option<u32>,
    /// Endpoints, for a proxy or a test server (defaults: the vendor's).
    #[serde(default)]
    pub api_base: Option<String>,
    #[serde(default)]
    pub token_url: Option<String>,
    #[serde(default)]
    pub authorize_url: Option<String>,
    #[serde(default)]
    pub connections_url: Option<String>,
}

/// Everything arbot is configured with, after layering file, environment and flags.
#[derive(Debug, Clone)]
pub struct Config {
    pub business_name: String,
    pub business: BusinessDetails,
    pub time_zone: Tz,
    pub currency: Currency,
    pub database_url: String,
    pub aging: AgingConfig,
    pub sources: Vec<SourceConfig>,
    /// `None` when there is no `[discord]` section (the console and CLI need none).
    pub discord: Option<DiscordConfig>,
    pub schedule: ScheduleConfig,
    pub liens: LiensConfig,
    pub collections: CollectionsConfig,
    /// `None` when there is no `[mail]` section: nothing is emailed.
    pub mail: Option<MailConfig>,
    pub reminders: RemindersConfig,
    pub kpi_guardrails: GuardrailsConfig,
    pub late_fees: LateFeesConfig,
    pub letters: LettersConfig,
    pub float: FloatWatchConfig,
    /// Where the file came from, if there was one.
    pub file: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            business_name: "our company".to_string(),
            business: BusinessDetails::default(),
            time_zone: chrono_tz::America::New_York,
            currency: Currency::USD,
            database_url: DEFAULT_DATABASE_URL.to_string(),
            aging: AgingConfig::default(),
            sources: Vec::new(),
            discord: None,
            schedule: ScheduleConfig::default(),
            liens: LiensConfig::default(),
            collections: CollectionsConfig::default(),
            mail: None,
            reminders: RemindersConfig::default(),
            kpi_guardrails: GuardrailsConfig::default(),
            late_fees: LateFeesConfig::default(),
            letters: LettersConfig::default(),
            float: FloatWatchConfig::default(),
            file: None,
        }
    }
}

impl Config {
    /// Loads `path` if given (it must exist), else `./arbot.toml` if it exists, else defaults;
    /// then applies `ARBOT_TIME_ZONE` and `ARBOT_CURRENCY` from the environment and reads the
    /// reminder templates ([`Config::load_templates`]).
    pub fn load(path: Option<&Path>) -> anyhow::Result<Config> {
        let mut cfg = Config::load_without_templates(path)?;
        cfg.load_templates()?;
        Ok(cfg)
    }

    /// Reads the reminder templates the config names (or the default folder beside the file),
    /// checking each; arbot's own wording without a config file.
    pub fn load_templates(&mut self) -> anyhow::Result<()> {
        let Some(file) = &self.file else { return Ok(()) };
        let base = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let (folder, explicit) = self.reminders.folder(&base);
        self.reminders.templates = crate::templates::Templates::load(
            &folder,
            explicit,
            &self.reminders.ladder,
            &self.reminders.stage_templates,
        )
        .with_context(|| format!("{} has a mistake in its reminder templates", file.display()))?;
        let letters = folder.join(crate::letters::LETTERS_FOLDER);
        self.letters.templates = crate::letters::LetterTemplates::load(&letters)
            .with_context(|| format!("{} has a mistake in its letter templates", file.display()))?;
        Ok(())
    }

    /// [`Config::load`] less the reminder templates (for the command that writes them).
    pub fn load_without_templates(path: Option<&Path>) -> anyhow::Result<Config> {
        let implicit = Path::new("arbot.toml");
        let (text, file) = match path {
            Some(p) => (
                std::fs::read_to_string(p).with_context(|| format!("Can't read the config file {}", p.display()))?,
                Some(p.to_path_buf()),
            ),
            None if implicit.exists() => {
                (std::fs::read_to_string(implicit).context("Can't read ./arbot.toml")?, Some(implicit.to_path_buf()))
            }
            None => (String::new(), None),
        };
        let mut cfg = Config::from_toml(&text).with_context(|| match &file {
            Some(f) => format!("{} has a mistake", f.display()),
            None => "the configuration has a mistake".to_string(),
        })?;
        cfg.file = file;
        if let Ok(tz) = std::env::var("ARBOT_TIME_ZONE") {
            cfg.time_zone = parse_tz(&tz)?;
        }
        if let Ok(c) = std::env::var("ARBOT_CURRENCY") {
            cfg.currency = Currency::parse(&c)?;
        }
        if let Some(mail) = cfg.mail.as_mut()
            && mail.password.is_none()
            && let Ok(p) = std::env::var("ARBOT_SMTP_PASSWORD")
        {
            mail.password = Some(p.into());
        }
        Ok(cfg)
    }

    /// Parses the file's text over the defaults.
    pub fn from_toml(text: &str) -> anyhow::Result<Config> {
        let file: FileConfig = toml::from_str(text)?;
        let mut cfg = Config::default();
        if let Some(name) = file.business.name {
            cfg.business_name = name;
        }
        let clean = |lines: Vec<String>| -> Vec<String> {
            lines.into_iter().map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect()
        };
        let blank_to_none = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        cfg.business = BusinessDetails {
            address: clean(file.business.address),
            phone: blank_to_none(file.business.phone),
            email: blank_to_none(file.business.email),
            remit_to: clean(file.business.remit_to),
            payment_note: blank_to_none(file.business.payment_note),
        };
        if let Some(tz) = file.business.time_zone {
            cfg.time_zone = parse_tz(&tz)?;
        }
        if let Some(c) = file.business.currency {
            cfg.currency = Currency::parse(&c)?;
        }
        if let Some(url) = file.database.url {
            cfg.database_url = url;
        }
        if let Some(b) = file.aging.buckets {
            cfg.aging.buckets = Buckets::new(b)?;
        }
        if let Some(basis) = file.aging.basis {
            cfg.aging.basis = Basis::parse(&basis)
                .with_context(|| format!("aging.basis is '{basis}'; use \"due_date\" or \"invoice_date\""))?;
        }
        for (n, s) in file.sources.iter().enumerate() {
            if !KNOWN_SOURCE_KINDS.contains(&s.kind.as_str()) {
                bail!("source '{}' has kind '{}'; known kinds: {}", s.name, s.kind, KNOWN_SOURCE_KINDS.join(", "));
            }
            // Records are keyed by their source's name: two sources of one name would overwrite
            // each other's records.
            if file.sources[..n].iter().any(|o| o.name.eq_ignore_ascii_case(&s.name)) {
                bail!("two [[sources]] are named '{}'; give each its own name (records are kept by it)", s.name);
            }
        }
        cfg.sources = file.sources;
        if let Some(d) = file.discord {
            cfg.discord = Some(discord_config(d)?);
        }
        let sched = file.schedule;
        let cron = |key: &str, expr: Option<String>, default: Cron| match expr {
            Some(expr) => Cron::parse(&expr).with_context(|| format!("{key} = \"{expr}\"")),
            None => Ok(default),
        };
        let defaults = ScheduleConfig::default();
        cfg.schedule = ScheduleConfig {
            digest: cron("schedule.digest", sched.digest, defaults.digest)?,
            cash_report: cron("schedule.cash_report", sched.cash_report, defaults.cash_report)?,
            weekly_report: cron("schedule.weekly_report", sched.weekly_report, defaults.weekly_report)?,
            kpi_guardrails: cron("schedule.kpi_guardrails", sched.kpi_guardrails, defaults.kpi_guardrails)?,
            reminders: cron("schedule.reminders", sched.reminders, defaults.reminders)?,
            statements: cron("schedule.statements", sched.statements, defaults.statements)?,
            close: cron("schedule.close", sched.close, defaults.close)?,
            lien_warnings: cron("schedule.lien_warnings", sched.lien_warnings, defaults.lien_warnings)?,
            sync: cron("schedule.sync", sched.sync, defaults.sync)?,
            reconcile: cron("schedule.reconcile", sched.reconcile, defaults.reconcile)?,
            float: cron("schedule.float", sched.float, defaults.float)?,
            catch_up_hours: sched.catch_up_hours.unwrap_or(defaults.catch_up_hours),
        };
        if let Some(mut days) = file.liens.warn_days {
            days.sort_unstable_by(|a, b| b.cmp(a));
            days.dedup();
            if days.iter().any(|d| *d > 366) {
                bail!("liens.warn_days has {days:?}; use days before a deadline from 0 to 366, like [14, 7, 3, 1, 0]");
            }
            cfg.liens.warn_days = days;
        }
        for c in &file.liens.closures {
            let day = c.trim().parse::<chrono::NaiveDate>().with_context(|| {
                format!("liens.closures has '{c}'; write closure dates as YYYY-MM-DD, like \"2026-10-09\"")
            })?;
            cfg.liens.closures.push(day);
        }
        let defaults = CollectionsConfig::default();
        let grace = file.collections.promise_grace_days.unwrap_or(defaults.promise_grace_days);
        if grace > 30 {
            bail!("collections.promise_grace_days is {grace}; use 0 to 30 days, like 3");
        }
        cfg.collections = CollectionsConfig {
            promise_grace_days: grace,
            repromise_limit: file.collections.repromise_limit.unwrap_or(defaults.repromise_limit),
            escalation_reping_hours: file
                .collections
                .escalation_reping_hours
                .unwrap_or(defaults.escalation_reping_hours),
            manager: file.collections.manager.map(|m| m.trim().trim_start_matches('@').to_lowercase()),
            snooze_limit: file.collections.snooze_limit.unwrap_or(defaults.snooze_limit),
        };
        if let Some(m) = file.mail {
            cfg.mail = Some(mail_config(m)?);
        }
        cfg.kpi_guardrails = guardrails_config(file.kpi_guardrails)?;
        cfg.float = float_config(file.float, cfg.currency)?;
        cfg.reminders.templates_folder = file.reminders.templates.clone();
        if let Some(stages) = file.reminders.stages {
            let mut out = Vec::new();
            for s in stages {
                let name = s.name.trim().to_lowercase();
                if let Some(t) = &s.template {
                    if t.contains(['/', '\\', '"']) || !t.ends_with(".txt") {
                        bail!(
                            "reminder stage '{name}' has template = \"{t}\"; name a .txt file in the templates folder, \
                             like \"firm.txt\""
                        );
                    }
                    cfg.reminders.stage_templates.insert(name.clone(), t.clone());
                }
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                    bail!(
                        "reminders.stages has a stage named '{}'; use a word like \"firm\" (its template's name)",
                        s.name
                    );
                }
                if !(-60..=365).contains(&s.days) {
                    bail!("reminder stage '{name}' is on day {}; use days from due between -60 and 365", s.days);
                }
                let min_minor = match s.min_amount.as_deref() {
                    Some(a) => {
                        arbot_core::Money::parse(a, cfg.currency)
                            .with_context(|| format!("reminder stage '{name}' has min_amount = \"{a}\""))?
                            .minor
                    }
                    None => 0,
                };
                out.push(arbot_core::mail::Stage {
                    name,
                    days: s.days,
                    min_minor,
                    approval: s.approval.unwrap_or(true),
                });
            }
            cfg.reminders.ladder = arbot_core::mail::Ladder::new(out).map_err(anyhow::Error::msg)?;
        }
        let fees = &file.late_fees;
        let base = LateFeeTermsSection {
            monthly_rate: fees.monthly_rate.clone(),
            flat: fees.flat.clone(),
            grace_days: fees.grace_days,
            cap: fees.cap.clone(),
            waive: false,
        };
        cfg.late_fees.terms = late_fee_terms("late_fees", &base, None, cfg.currency)?;
        cfg.late_fees.in_reminders = fees.in_reminders;
        for (name, own) in &fees.customers {
            let key = format!("late_fees.customers.\"{name}\"");
            let terms = late_fee_terms(&key, own, cfg.late_fees.terms.as_ref(), cfg.currency)?;
            cfg.late_fees.customers.insert(name.trim().to_lowercase(), terms);
        }
        if let Some(days) = file.letters.pay_within_days {
            if !(1..=90).contains(&days) {
                bail!("letters.pay_within_days is {days}; give the days a letter allows to pay, from 1 to 90");
            }
            cfg.letters.pay_within_days = days;
        }
        cfg.letters.signer = file.letters.signer.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        Ok(cfg)
    }
}

fn discord_config(d: DiscordSection) -> anyhow::Result<DiscordConfig> {
    let guild_id = d
        .guild_id
        .context("[discord] needs guild_id: your server's id (Server Settings → Widget, or right-click → Copy ID)")?
        .parse("discord.guild_id")?;
    let ar_channel_id = d
        .ar_channel_id
        .context("[discord] needs ar_channel_id: the channel for digests and alerts (right-click it → Copy ID)")?
        .parse("discord.ar_channel_id")?;
    let register_globally = match d.register.as_deref().map(str::trim) {
        None | Some("guild") => false,
        Some("global") => true,
        Some(other) => bail!("discord.register is '{other}'; use \"guild\" (the default) or \"global\""),
    };
    let mut roles = Vec::new();
    for (list, role, key) in [
        (&d.roles.ar, Role::Ar, "discord.roles.ar"),
        (&d.roles.pm, Role::Pm, "discord.roles.pm"),
        (&d.roles.manager, Role::Manager, "discord.roles.manager"),
        (&d.roles.viewer, Role::Viewer, "discord.roles.viewer"),
    ] {
        for id in list {
            roles.push((id.parse(key)?, role));
        }
    }
    let mut people = std::collections::BTreeMap::new();
    for (name, id) in &d.people {
        people.insert(name.trim().trim_start_matches('@').to_lowercase(), id.parse(&format!("discord.people.{name}"))?);
    }
    Ok(DiscordConfig {
        guild_id,
        ar_channel_id,
        register_globally,
        api_url: d.api_url.map(|u| u.trim_end_matches('/').to_string()),
        roles,
        people,
    })
}

fn float_config(f: FloatSection, currency: Currency) -> anyhow::Result<FloatWatchConfig> {
    use arbot_core::float::{FloatConfig, MAX_HORIZON_DAYS, Outflow, Recurs};
    let minimum = match &f.minimum {
        None => None,
        Some(m) => {
            let minor =
                arbot_core::Money::parse(m, currency).with_context(|| format!("float.minimum = \"{m}\""))?.minor;
            if minor <= 0 {
                bail!("float.minimum is \"{m}\"; use an amount above zero, like \"100,000\"");
            }
            Some(minor)
        }
    };
    let horizon_days = f.horizon_days.unwrap_or(arbot_core::float::DEFAULT_HORIZON_DAYS);
    if !(1..=MAX_HORIZON_DAYS).contains(&horizon_days) {
        bail!("float.horizon_days is {horizon_days}; use 1 to {MAX_HORIZON_DAYS} days, like 14");
    }
    let mut outflows = Vec::new();
    for o in f.outflows {
        let name = o.name.trim().to_string();
        if name.is_empty() {
            bail!("a [[float.outflows]] entry has no name; name it, like name = \"Payroll\"");
        }
        let amount = arbot_core::Money::parse(&o.amount, currency)
            .with_context(|| format!("float.outflows '{name}': amount = \"{}\"", o.amount))?
            .minor;
        if amount <= 0 {
            bail!("float.outflows '{name}' has amount = \"{}\"; use an amount above zero", o.amount);
        }
        let recurs = Recurs::parse(&o.every).map_err(|e| anyhow::anyhow!("float.outflows '{name}': {e}"))?;
        outflows.push(Outflow { name, amount, recurs });
    }
    Ok(FloatWatchConfig { enabled: f.enabled.unwrap_or(true), watch: FloatConfig { minimum, horizon_days, outflows } })
}

fn guardrails_config(g: GuardrailsSection) -> anyhow::Result<GuardrailsConfig> {
    let defaults = arbot_core::guardrails::Limits::default();
    let over_90_target = g.over_90_target.unwrap_or(defaults.over_90_target);
    if !(over_90_target > 0.0 && over_90_target <= 100.0) {
        bail!("kpi_guardrails.over_90_target is {over_90_target}; use a percent above 0 up to 100, like 10");
    }
    let dso_rise_days = g.dso_rise_days.unwrap_or(defaults.dso_rise_days);
    if !(0.0..=365.0).contains(&dso_rise_days) {
        bail!("kpi_guardrails.dso_rise_days is {dso_rise_days}; use days from 0 to 365, like 10");
    }
    let cei_floor = g.cei_floor.unwrap_or(defaults.cei_floor);
    if !(0.0..=100.0).contains(&cei_floor) {
        bail!("kpi_guardrails.cei_floor is {cei_floor}; use a percent from 0 to 100, like 70");
    }
    Ok(GuardrailsConfig {
        enabled: g.enabled.unwrap_or(true),
        limits: arbot_core::guardrails::Limits { over_90_target, dso_rise_days, cei_floor },
    })
}

fn mail_config(m: MailSection) -> anyhow::Result<MailConfig> {
    let host = m.host.context("[mail] needs host: your mail server, like smtp.office365.com")?;
    let tls = match m.tls.as_deref().map(str::trim) {
        None | Some("starttls") => MailTls::Starttls,
        Some("tls") => MailTls::Tls,
        Some("none") => MailTls::None,
        Some(other) => bail!("mail.tls is '{other}'; use \"starttls\" (port 587), \"tls\" (465) or \"none\""),
    };
    let port = m.port.unwrap_or(match tls {
        MailTls::Starttls => 587,
        MailTls::Tls => 465,
        MailTls::None => 25,
    });
    let from =
        m.from.context("[mail] needs from: who the email is from, like \"Suncoast AR <ar@suncoast.example>\"")?;
    for (key, value) in
        [("mail.from", Some(&from)), ("mail.reply_to", m.reply_to.as_ref()), ("mail.bcc", m.bcc.as_ref())]
    {
        if let Some(v) = value {
            v.parse::<lettre::message::Mailbox>().map_err(|e| {
                anyhow::anyhow!("{key} is '{v}', which is not an address ({e}); write it like ar@suncoast.example")
            })?;
        }
    }
    let password = match &m.password_file {
        Some(p) => Some(
            std::fs::read_to_string(p)
                .with_context(|| format!("Can't read mail.password_file {}", p.display()))?
                .trim()
                .to_string()
                .into(),
        ),
        None => None,
    };
    Ok(MailConfig {
        host,
        port,
        tls,
        from,
        reply_to: m.reply_to,
        bcc: m.bcc,
        username: m.username,
        password,
        timeout_secs: m.timeout_secs.unwrap_or(30),
    })
}

/// Connector kinds this build can sync from.
pub const KNOWN_SOURCE_KINDS: &[&str] = &["sample", "quickbooks", "xero", "spreadsheet"];

fn parse_tz(s: &str) -> anyhow::Result<Tz> {
    s.trim().parse::<Tz>().map_err(|_| {
        anyhow::anyhow!("'{s}' is not a time zone; use an IANA name like America/New_York or America/Chicago")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_sources_of_one_name_are_refused() {
        let err = Config::from_toml(
            "[[sources]]\nname = \"books\"\nkind = \"sample\"\n[[sources]]\nname = \"Books\"\nkind = \"sample\"\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("two [[sources]] are named 'Books'"), "{err}");
    }

    #[test]
    fn reads_a_full_file() {
        let cfg = Config::from_toml(
            r#"
            [business]
            name = "Suncoast Mechanical"
            time_zone = "America/Chicago"
            currency = "usd"
            [database]
            url = "postgres://arbot@localhost/arbot"
            [aging]
            buckets = [15, 30, 60]
            basis = "invoice_date"
            [[sources]]
            name = "sample"
            kind = "sample"
            "#,
        )
        .unwrap();
        assert_eq!(cfg.time_zone, chrono_tz::America::Chicago);
        assert_eq!(cfg.aging.buckets.labels(), ["current", "1-15", "16-30", "31-60", "60+"]);
        assert_eq!(cfg.aging.basis, Basis::InvoiceDate);
        assert_eq!(cfg.sources.len(), 1);
    }

    #[test]
    fn defaults_without_a_file() {
        let cfg = Config::from_toml("").unwrap();
        assert_eq!(cfg.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(cfg.aging.buckets.labels().len(), 6);
    }

    #[test]
    fn mistakes_are_named() {
        let err = Config::from_toml("[business]\ntime_zone = \"Mars/Olympus\"").unwrap_err();
        assert!(err.to_string().contains("not a time zone"), "{err}");
        let err = Config::from_toml("[aging]\nbuckets = [60, 30]").unwrap_err();
        assert!(err.to_string().contains("increasing"), "{err}");
        let err = Config::from_toml("[[sources]]\nname = \"q\"\nkind = \"sage\"").unwrap_err();
        assert!(err.to_string().contains("known kinds"), "{err}");
        assert!(Config::from_toml("[databse]\nurl = \"x\"").is_err());
        let err = Config::from_toml("[discord]\nar_channel_id = \"1\"").unwrap_err();
        assert!(format!("{err:#}").contains("needs guild_id"), "{err:#}");
        let err = Config::from_toml("[discord]\nguild_id = \"abc\"\nar_channel_id = 1").unwrap_err();
        assert!(format!("{err:#}").contains("a Discord id is a number"), "{err:#}");
        let err = Config::from_toml("[schedule]\ndigest = \"every morning\"").unwrap_err();
        assert!(format!("{err:#}").contains("schedule.digest"), "{err:#}");
        let err = Config::from_toml("[liens]\nclosures = [\"Oct 9\"]").unwrap_err();
        assert!(format!("{err:#}").contains("YYYY-MM-DD"), "{err:#}");
    }

    #[test]
    fn reads_the_discord_section() {
        let cfg = Config::from_toml(
            r#"
            [discord]
            guild_id = "111"
            ar_channel_id = 222
            [discord.roles]
            ar = ["1001"]
            pm = ["1002", "1003"]
            viewer = [1004]
            [discord.people]
            Dana = "501"
            [schedule]
            digest = "30 7 * * Mon-Fri"
            [liens]
            warn_days = [3, 14, 7]
            closures = ["2026-10-09"]
            "#,
        )
        .unwrap();
        let d = cfg.discord.unwrap();
        assert_eq!((d.guild_id, d.ar_channel_id, d.register_globally), (111, 222, false));
        assert_eq!(d.roles_of(&[1003, 1004, 9]), [Role::Pm, Role::Viewer]);
        assert!(d.roles_of(&[9]).is_empty());
        assert_eq!(d.person("@dana"), Some(501));
        assert_eq!(cfg.schedule.digest.as_str(), "30 7 * * Mon-Fri");
        assert_eq!(cfg.schedule.sync, ScheduleConfig::default().sync);
        assert_eq!(cfg.liens.warn_days, [14, 7, 3]);
        assert_eq!(cfg.liens.closures.len(), 1);
    }

    #[test]
    fn reads_the_mail_and_reminder_sections() {
        let cfg = Config::from_toml(
            "[mail]\nhost = \"smtp.example.com\"\nfrom = \"AR <ar@example.com>\"\n[reminders]\nstages = [{ name = \"Firm\", days = 30, min_amount = \"500\" }, { name = \"first\", days = 1 }]\n",
        )
        .unwrap();
        let mail = cfg.mail.unwrap();
        assert_eq!((mail.port, mail.tls), (587, MailTls::Starttls));
        let names: Vec<_> = cfg.reminders.ladder.stages().iter().map(|s| (s.name.as_str(), s.min_minor)).collect();
        assert_eq!(names, [("first", 0), ("firm", 50000)]);
        let err = Config::from_toml("[mail]\nhost = \"h\"\nfrom = \"not an address\"").unwrap_err();
        assert!(format!("{err:#}").contains("mail.from"), "{err:#}");
        // A stage can go out by itself; the others wait for approval in chat.
        let cfg = Config::from_toml(
            "[reminders]\nstages = [{ name = \"a\", days = -5, approval = false }, { name = \"b\", days = 1 }]",
        )
        .unwrap();
        let approval: Vec<_> = cfg.reminders.ladder.stages().iter().map(|s| s.approval).collect();
        assert_eq!(approval, [false, true]);
        assert_eq!(cfg.schedule.reminders.as_str(), "15 8 * * Mon-Fri");
    }

    #[test]
    fn reads_late_fee_terms_and_a_customers_own() {
        use arbot_core::latefees::{Cap, Percent};
        let cfg = Config::from_toml(
            "[late_fees]\nmonthly_rate = \"1.5%\"\ngrace_days = 10\ncap = \"10%\"\nin_reminders = true\n\
             [late_fees.customers.\"Acme Builders Inc\"]\nwaive = true\n\
             [late_fees.customers.\"Gulf Coast Builders LLC\"]\nmonthly_rate = \"1%\"\nflat = \"25\"\n",
        )
        .unwrap();
        let base = cfg.late_fees.terms_for("Someone Else").unwrap();
        assert_eq!((base.monthly, base.grace_days, base.cap), (Percent(150), 10, Some(Cap::Share(Percent(1000)))));
        assert!(cfg.late_fees.in_reminders);
        assert_eq!(cfg.late_fees.terms_for("acme builders inc"), None, "waived");
        let gulf = cfg.late_fees.terms_for("Gulf Coast Builders LLC").unwrap();
        assert_eq!(
            (gulf.monthly, gulf.flat_minor, gulf.grace_days),
            (Percent(100), 2500, 10),
            "the rest from the base"
        );
        assert_eq!(Config::from_toml("").unwrap().late_fees.terms, None);
        let err = Config::from_toml("[late_fees]\nmonthly_rate = \"1.5 percent\"").unwrap_err();
        assert!(format!("{err:#}").contains("late_fees.monthly_rate"), "{err:#}");
        let err = Config::from_toml("[late_fees]\nflat = \"25\"\ncap = \"lots\"").unwrap_err();
        assert!(format!("{err:#}").contains("late_fees.cap"), "{err:#}");
    }

    #[test]
    fn reads_the_float_watch_with_its_outflows_and_names_mistakes() {
        let cfg = Config::from_toml("").unwrap();
        assert_eq!(cfg.float.watch.minimum, None, "no minimum unless the team sets one");
        assert_eq!(cfg.float.watch.horizon_days, 14);
        assert_eq!(cfg.schedule.float.as_str(), "20 8 * * Mon-Fri");
        let cfg = Config::from_toml(
            "[float]\nminimum = \"100,000\"\nhorizon_days = 21\n[[float.outflows]]\nname = \"Payroll\"\namount = \"38k\"\n\
             every = \"fridays\"\n[[float.outflows]]\nname = \"Rent\"\namount = \"6,500\"\nevery = \"1st\"",
        )
        .unwrap();
        assert_eq!(cfg.float.watch.minimum, Some(10_000_000));
        assert_eq!(cfg.float.watch.horizon_days, 21);
        assert_eq!(cfg.float.watch.outflows.len(), 2);
        assert_eq!(cfg.float.watch.outflows[0].amount, 3_800_000);
        assert_eq!(cfg.float.watch.outflows[1].recurs, arbot_core::float::Recurs::Monthly { day: 1 });
        let err = Config::from_toml("[float]\nminimum = \"lots\"").unwrap_err();
        assert!(format!("{err:#}").contains("float.minimum"), "{err:#}");
        let err =
            Config::from_toml("[[float.outflows]]\nname = \"Payroll\"\namount = \"1\"\nevery = \"often\"").unwrap_err();
        assert!(format!("{err:#}").contains("'Payroll'") && format!("{err:#}").contains("often"), "{err:#}");
        assert!(Config::from_toml("[float]\nhorizon_days = 0").is_err());
    }

    #[test]
    fn reads_the_kpi_guardrails_with_defaults_and_names_mistakes() {
        let cfg = Config::from_toml("").unwrap();
        assert!(cfg.kpi_guardrails.enabled);
        assert_eq!(cfg.kpi_guardrails.limits, arbot_core::guardrails::Limits::default());
        assert_eq!(cfg.schedule.kpi_guardrails.as_str(), "15 8 * * Mon-Fri");
        let cfg =
            Config::from_toml("[kpi_guardrails]\nover_90_target = 15\ncei_floor = 62.5\nenabled = false").unwrap();
        assert_eq!((cfg.kpi_guardrails.limits.over_90_target, cfg.kpi_guardrails.limits.cei_floor), (15.0, 62.5));
        assert_eq!(cfg.kpi_guardrails.limits.dso_rise_days, 10.0);
        assert!(!cfg.kpi_guardrails.enabled);
        let err = Config::from_toml("[kpi_guardrails]\ncei_floor = 120").unwrap_err();
        assert!(format!("{err:#}").contains("kpi_guardrails.cei_floor is 120"), "{err:#}");
        let err = Config::from_toml("[kpi_guardrails]\ndso_rise = 5").unwrap_err();
        assert!(format!("{err:#}").contains("dso_rise"), "{err:#}");
    }

    #[test]
    fn the_reconcile_runs_nightly_unless_told_otherwise() {
        assert_eq!(ScheduleConfig::default().reconcile.as_str(), "0 5 * * *");
        let cfg = Config::from_toml("[schedule]\nreconcile = \"15 1 * * Mon-Sat\"").unwrap();
        assert_eq!(cfg.schedule.reconcile.as_str(), "15 1 * * Mon-Sat");
        let err = Config::from_toml("[schedule]\nreconcile = \"nightly\"").unwrap_err();
        assert!(format!("{err:#}").contains("schedule.reconcile"), "{err:#}");
    }
}
