//! Configuration: `arbot.toml` for settings, the environment (`ARBOT_…`) over it, and command-line
//! flags over both. Secrets never live in the file; they come from the environment or files.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use arbot_core::Currency;
use arbot_core::aging::{AgingConfig, Basis, Buckets};
use chrono_tz::Tz;
use serde::Deserialize;

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
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct BusinessSection {
    name: Option<String>,
    time_zone: Option<String>,
    currency: Option<String>,
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
    /// Which connector: `quickbooks`, `xero`, or `sample` (the bundled demo ledger).
    pub kind: String,
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
    pub time_zone: Tz,
    pub currency: Currency,
    pub database_url: String,
    pub aging: AgingConfig,
    pub sources: Vec<SourceConfig>,
    /// Where the file came from, if there was one.
    pub file: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            business_name: "our company".to_string(),
            time_zone: chrono_tz::America::New_York,
            currency: Currency::USD,
            database_url: DEFAULT_DATABASE_URL.to_string(),
            aging: AgingConfig::default(),
            sources: Vec::new(),
            file: None,
        }
    }
}

impl Config {
    /// Loads `path` if given (it must exist), else `./arbot.toml` if it exists, else defaults;
    /// then applies `ARBOT_TIME_ZONE` and `ARBOT_CURRENCY` from the environment.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Config> {
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
        Ok(cfg)
    }

    /// Parses the file's text over the defaults.
    pub fn from_toml(text: &str) -> anyhow::Result<Config> {
        let file: FileConfig = toml::from_str(text)?;
        let mut cfg = Config::default();
        if let Some(name) = file.business.name {
            cfg.business_name = name;
        }
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
        for s in &file.sources {
            if !KNOWN_SOURCE_KINDS.contains(&s.kind.as_str()) {
                bail!("source '{}' has kind '{}'; known kinds: {}", s.name, s.kind, KNOWN_SOURCE_KINDS.join(", "));
            }
        }
        cfg.sources = file.sources;
        Ok(cfg)
    }
}

/// Connector kinds this build can sync from.
pub const KNOWN_SOURCE_KINDS: &[&str] = &["sample", "quickbooks", "xero"];

fn parse_tz(s: &str) -> anyhow::Result<Tz> {
    s.trim().parse::<Tz>().map_err(|_| {
        anyhow::anyhow!("'{s}' is not a time zone; use an IANA name like America/New_York or America/Chicago")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
