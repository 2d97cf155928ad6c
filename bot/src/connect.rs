//! Connecting accounting systems: building the QuickBooks and Xero sources from `[[sources]]`,
//! `arbot connect quickbooks|xero` (the OAuth2 authorization-code flow with a loopback redirect,
//! tokens sealed with `ARBOT_SECRET_KEY` before they are stored), and the sentences a person
//! reads when a sync stops.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use arbot_connector_http::tokens::{OAuthApp, TokenManager, TokenSet, exchange_code, store_new_tokens};
use arbot_connector_http::{KeyError, Secret, SecretKey};
use arbot_core::source::{Entity, Page, Source, SourceError};
use arbot_core::store::Store;
use arbot_core::{Clock, Currency};
use chrono::{DateTime, Utc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::config::SourceConfig;

/// The default loopback port of the redirect URI (`http://localhost:8765/callback`).
pub const DEFAULT_REDIRECT_PORT: u16 = 8765;

/// A vendor arbot can connect to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    QuickBooks,
    Xero,
}

impl Vendor {
    pub fn parse(kind: &str) -> Option<Vendor> {
        match kind.trim().to_ascii_lowercase().as_str() {
            "quickbooks" | "qbo" => Some(Vendor::QuickBooks),
            "xero" => Some(Vendor::Xero),
            _ => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Vendor::QuickBooks => "quickbooks",
            Vendor::Xero => "xero",
        }
    }

    pub fn display(&self) -> &'static str {
        match self {
            Vendor::QuickBooks => "QuickBooks",
            Vendor::Xero => "Xero",
        }
    }

    fn env_prefix(&self) -> &'static str {
        match self {
            Vendor::QuickBooks => "ARBOT_QUICKBOOKS",
            Vendor::Xero => "ARBOT_XERO",
        }
    }

    fn scope(&self) -> &'static str {
        match self {
            Vendor::QuickBooks => arbot_connector_quickbooks::SCOPE,
            Vendor::Xero => arbot_connector_xero::SCOPES,
        }
    }
}

/// The OAuth app for a source: client id from the config or `ARBOT_<VENDOR>_CLIENT_ID`, the
/// secret from `ARBOT_<VENDOR>_CLIENT_SECRET` or `client_secret_file` (never from arbot.toml).
pub fn oauth_app(vendor: Vendor, cfg: &SourceConfig, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<OAuthApp> {
    let prefix = vendor.env_prefix();
    let client_id = cfg
        .client_id
        .clone()
        .or_else(|| env(&format!("{prefix}_CLIENT_ID")))
        .filter(|s| !s.trim().is_empty())
        .with_context(|| {
            format!(
                "{} needs the client id of your {} app: set {prefix}_CLIENT_ID (or client_id in the [[sources]] entry)",
                cfg.name,
                vendor.display()
            )
        })?;
    let secret = match (&cfg.client_secret_file, env(&format!("{prefix}_CLIENT_SECRET"))) {
        (_, Some(s)) if !s.trim().is_empty() => s,
        (Some(path), _) => std::fs::read_to_string(path)
            .with_context(|| format!("can't read client_secret_file {}", path.display()))?
            .trim()
            .to_string(),
        _ => bail!(
            "{} needs the client secret of your {} app: set {prefix}_CLIENT_SECRET (or client_secret_file)",
            cfg.name,
            vendor.display()
        ),
    };
    let (authorize, token) = match vendor {
        Vendor::QuickBooks => (arbot_connector_quickbooks::AUTHORIZE_URL, arbot_connector_quickbooks::TOKEN_URL),
        Vendor::Xero => (arbot_connector_xero::AUTHORIZE_URL, arbot_connector_xero::TOKEN_URL),
    };
    Ok(OAuthApp {
        client_id: client_id.trim().to_string(),
        client_secret: Secret::from(secret),
        authorize_url: cfg.authorize_url.clone().unwrap_or_else(|| authorize.to_string()),
        token_url: cfg.token_url.clone().unwrap_or_else(|| token.to_string()),
    })
}

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The key tokens are sealed with, if `ARBOT_SECRET_KEY` is set and well formed.
fn key_from_env() -> Result<SecretKey, KeyError> {
    SecretKey::from_env()
}

/// A source that cannot work as configured: every sync says why, in a sentence.
#[derive(Debug)]
struct Misconfigured {
    name: String,
    reason: String,
}

#[async_trait::async_trait]
impl Source for Misconfigured {
    fn name(&self) -> &str {
        &self.name
    }

    async fn fetch(&self, _: Entity, _: Option<&str>, _: Option<&str>) -> Result<Page, SourceError> {
        Err(SourceError::Unavailable { source_name: self.name.clone(), detail: self.reason.clone() })
    }
}

/// The QuickBooks or Xero source a `[[sources]]` entry describes (or one that explains what is
/// missing when it is misconfigured).
pub fn build_source(cfg: &SourceConfig, store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Option<Arc<dyn Source>> {
    let vendor = Vendor::parse(&cfg.kind)?;
    match try_build(vendor, cfg, store, clock, &process_env, key_from_env().ok()) {
        Ok(s) => Some(s),
        Err(e) => Some(Arc::new(Misconfigured { name: cfg.name.clone(), reason: format!("{e:#}") })),
    }
}

/// Builds a source with explicit environment and key (tests use this).
pub fn try_build(
    vendor: Vendor,
    cfg: &SourceConfig,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    env: &dyn Fn(&str) -> Option<String>,
    key: Option<SecretKey>,
) -> anyhow::Result<Arc<dyn Source>> {
    let app = oauth_app(vendor, cfg, env)?;
    let currency = match &cfg.currency {
        Some(c) => Currency::parse(c)?,
        None => Currency::USD,
    };
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
    let tokens =
        Arc::new(TokenManager::new(&cfg.name, vendor.kind(), vendor.display(), store, key, app, client, clock.clone()));
    let source: Arc<dyn Source> = match vendor {
        Vendor::QuickBooks => {
            let mut s = arbot_connector_quickbooks::QboSettings::new(&cfg.name);
            s.realm_id = cfg.realm_id.clone();
            s.home_currency = currency;
            if cfg.sandbox == Some(true) {
                s.api_base = arbot_connector_quickbooks::SANDBOX_API_BASE.to_string();
            }
            if let Some(b) = &cfg.api_base {
                s.api_base = b.clone();
            }
            if let Some(n) = cfg.page_size {
                s.page_size = n;
            }
            Arc::new(arbot_connector_quickbooks::QboSource::new(s, tokens, clock).map_err(anyhow::Error::msg)?)
        }
        Vendor::Xero => {
            let mut s = arbot_connector_xero::XeroSettings::new(&cfg.name);
            s.tenant_id = cfg.tenant_id.clone();
            s.home_currency = currency;
            if let Some(b) = &cfg.api_base {
                s.api_base = b.clone();
            }
            if let Some(n) = cfg.page_size {
                s.page_size = n;
            }
            Arc::new(arbot_connector_xero::XeroSource::new(s, tokens, clock).map_err(anyhow::Error::msg)?)
        }
    };
    Ok(source)
}

/// What the connect flow needs.
#[derive(Debug, Clone)]
pub struct ConnectParams {
    pub vendor: Vendor,
    pub source: SourceConfig,
    pub app: OAuthApp,
    /// An error when ARBOT_SECRET_KEY is missing or malformed: the flow then refuses before anything.
    pub key: Result<SecretKey, KeyError>,
    /// Loopback port for the redirect (0: any free port, for tests).
    pub port: u16,
    /// The organisation to pick when the tokens reach several (Xero).
    pub tenant: Option<String>,
    /// Where Xero lists the organisations (`/connections`).
    pub connections_url: String,
    /// How long to wait for the browser.
    pub wait: Duration,
}

/// What was connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connected {
    pub source: String,
    pub company: String,
    pub company_name: Option<String>,
    /// Other organisations the tokens can read (Xero), as (id, name).
    pub others: Vec<(String, String)>,
}

/// `arbot connect`: prints (through `show`) the consent URL, waits for the redirect on a loopback
/// listener, exchanges the code and stores the sealed tokens.
pub async fn connect_flow(
    params: ConnectParams,
    store: &dyn Store,
    clock: &dyn Clock,
    show: impl FnOnce(&str),
) -> anyhow::Result<Connected> {
    let key = params.key.clone().map_err(|e| anyhow::anyhow!("arbot will not store tokens: {e}"))?;
    let listener = TcpListener::bind(("127.0.0.1", params.port)).await.with_context(|| {
        format!(
            "can't listen on 127.0.0.1:{} for the redirect; is another `arbot connect` running? (--port picks another)",
            params.port
        )
    })?;
    let port = listener.local_addr()?.port();
    let redirect_uri = format!("http://localhost:{port}/callback");
    let state: String = (0..32).map(|_| fastrand::alphanumeric()).collect();
    let mut url = reqwest::Url::parse(&params.app.authorize_url).context("the authorize URL is not a URL")?;
    url.query_pairs_mut()
        .append_pair("client_id", &params.app.client_id)
        .append_pair("response_type", "code")
        .append_pair("scope", params.vendor.scope())
        .append_pair("redirect_uri", &redirect_uri)
        .append_pair("state", &state);
    show(url.as_str());
    let query = tokio::time::timeout(params.wait, wait_for_redirect(&listener)).await.map_err(|_| {
        anyhow::anyhow!("no answer from the browser within {} minutes; nothing was stored", params.wait.as_secs() / 60)
    })??;
    if let Some(err) = query.get("error") {
        bail!("{} said {err}: access was not granted; nothing was stored", params.vendor.display());
    }
    if query.get("state") != Some(&state) {
        bail!("the redirect did not carry the state arbot sent (another tab, or a forged link); nothing was stored");
    }
    let code = query.get("code").context("the redirect carried no authorization code; nothing was stored")?;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
    let mut tokens: TokenSet = exchange_code(&client, &params.app, code, &redirect_uri, clock.now())
        .await
        .map_err(|e| anyhow::anyhow!("{} refused the code: {e}; nothing was stored", params.vendor.display()))?;
    let (company, company_name, others) = match params.vendor {
        Vendor::QuickBooks => {
            let realm = query
                .get("realmId")
                .cloned()
                .or(params.source.realm_id.clone())
                .context("QuickBooks did not say which company (realmId); nothing was stored")?;
            tokens.company.insert(arbot_connector_quickbooks::REALM_KEY.into(), realm.clone());
            (realm, None, Vec::new())
        }
        Vendor::Xero => {
            let tenants = arbot_connector_xero::tenants(&client, &params.connections_url, &tokens.access_token)
                .await
                .map_err(|e| anyhow::anyhow!("{e}; nothing was stored"))?;
            let wanted = params.tenant.clone().or(params.source.tenant_id.clone());
            let pick = match &wanted {
                Some(w) => tenants
                    .iter()
                    .find(|t| t.tenant_id == *w || t.tenant_name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(w)))
                    .with_context(|| {
                        format!("the sign-in does not reach the organisation '{w}'; nothing was stored")
                    })?,
                None => tenants.first().context("the sign-in reaches no Xero organisation; nothing was stored")?,
            };
            tokens.company.insert(arbot_connector_xero::TENANT_KEY.into(), pick.tenant_id.clone());
            let others = tenants
                .iter()
                .filter(|t| t.tenant_id != pick.tenant_id)
                .map(|t| (t.tenant_id.clone(), t.tenant_name.clone().unwrap_or_default()))
                .collect();
            (pick.tenant_id.clone(), pick.tenant_name.clone(), others)
        }
    };
    store_new_tokens(store, &key, &params.source.name, params.vendor.kind(), &tokens, clock.now()).await?;
    Ok(Connected { source: params.source.name.clone(), company, company_name, others })
}

/// Answers one browser request on the listener and returns its query parameters; requests for
/// anything but `/callback` (a favicon) get a 404 and the wait goes on.
async fn wait_for_redirect(listener: &TcpListener) -> anyhow::Result<HashMap<String, String>> {
    loop {
        let (mut conn, _) = listener.accept().await?;
        let mut buf = vec![0u8; 8192];
        let mut len = 0;
        while len < buf.len() {
            let n = conn.read(&mut buf[len..]).await?;
            if n == 0 {
                break;
            }
            len += n;
            if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        let head = String::from_utf8_lossy(&buf[..len]).into_owned();
        let target = head.lines().next().and_then(|l| l.split_whitespace().nth(1)).unwrap_or("").to_string();
        let Some(query) = target.strip_prefix("/callback") else {
            let _ = conn.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
            continue;
        };
        let params: HashMap<String, String> = reqwest::Url::parse(&format!("http://localhost/{query}"))
            .map(|u| u.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
            .unwrap_or_default();
        let ok = params.contains_key("code") && !params.contains_key("error");
        let body = if ok {
            "<html><body><h2>arbot is connected.</h2><p>You can close this tab and go back to the terminal.</p></body></html>"
        } else {
            "<html><body><h2>arbot was not connected.</h2><p>See the terminal for what happened.</p></body></html>"
        };
        let resp = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = conn.write_all(resp.as_bytes()).await;
        return Ok(params);
    }
}

/// What a person reads when a sync of `vendor` stopped: what happened, whether anything was
/// lost, and what happens next. Times are in the business's time zone.
pub fn failure_text(vendor: &str, error: &SourceError, clock: &dyn Clock) -> String {
    match error {
        SourceError::RateLimited { retry_at, reason: None, .. } => {
            format!(
                "{vendor} asked us to slow down; the sync will resume {} and nothing was lost.",
                when(*retry_at, clock)
            )
        }
        SourceError::RateLimited { retry_at, reason: Some(reason), .. } => {
            let reason = reason.trim_end_matches('.');
            format!("{reason}. The sync will resume {} and nothing was lost.", when(*retry_at, clock))
        }
        SourceError::NeedsReconnect { reason, .. } => {
            let reason = reason.trim_end_matches('.');
            format!(
                "{vendor} needs attention before it can sync: {reason}. Nothing was lost; the sync picks up from here."
            )
        }
        SourceError::Garbled { detail, .. } => {
            let detail = detail.trim_end_matches('.');
            format!(
                "{vendor} sent something arbot couldn't read ({detail}). What was read before it is saved; the next sync resumes there."
            )
        }
        SourceError::Unavailable { detail, .. } => {
            let detail = detail.trim_end_matches('.');
            format!(
                "{vendor} is unavailable: {detail}. What was read before that is saved; the next sync resumes there."
            )
        }
    }
}

/// "at 10:42", "tomorrow at 09:15", "on Dec 3 at 08:00", in the business's zone.
pub(crate) fn when(at: DateTime<Utc>, clock: &dyn Clock) -> String {
    let tz = clock.tz();
    let local = at.with_timezone(&tz);
    let today = clock.today();
    let time = local.format("%H:%M");
    match (local.date_naive() - today).num_days() {
        0 => format!("at {time}"),
        1 => format!("tomorrow at {time}"),
        _ => format!("on {} at {time}", local.format("%b %-d")),
    }
}

/// The vendor's name for a configured source, for messages.
pub fn vendor_name(sources: &[SourceConfig], source: &str) -> String {
    sources
        .iter()
        .find(|s| s.name == source)
        .and_then(|s| Vendor::parse(&s.kind))
        .map(|v| v.display().to_string())
        .unwrap_or_else(|| source.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn failures_read_as_sentences() {
        let clock = arbot_core::PinnedClock {
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
            tz: chrono_tz::America::New_York,
        };
        let at: DateTime<Utc> = "2026-11-22T15:42:00Z".parse().unwrap();
        let e = SourceError::RateLimited { source_name: "qbo".into(), retry_at: at, reason: None };
        assert_eq!(
            failure_text("QuickBooks", &e, &clock),
            "QuickBooks asked us to slow down; the sync will resume at 10:42 and nothing was lost."
        );
        let e = SourceError::RateLimited {
            source_name: "x".into(),
            retry_at: at + chrono::Duration::days(1),
            reason: None,
        };
        assert!(failure_text("Xero", &e, &clock).contains("resume tomorrow at 10:42"));
        let e = SourceError::RateLimited {
            source_name: "x".into(),
            retry_at: at + chrono::Duration::days(5),
            reason: None,
        };
        assert!(failure_text("Xero", &e, &clock).contains("resume on Nov 27 at 10:42"));
        // Midnight UTC is 19:00 in New York.
        let e = SourceError::RateLimited {
            source_name: "x".into(),
            retry_at: "2026-11-23T00:00:00Z".parse().unwrap(),
            reason: Some("Xero allows an organisation 5,000 requests a day and 42 are left today".into()),
        };
        assert_eq!(
            failure_text("Xero", &e, &clock),
            "Xero allows an organisation 5,000 requests a day and 42 are left today. The sync will resume at 19:00 \
             and nothing was lost."
        );
    }

    #[test]
    fn the_client_secret_never_comes_from_the_file() {
        let cfg: SourceConfig = toml::from_str("name = \"qbo\"\nkind = \"quickbooks\"\nclient_id = \"abc\"\n").unwrap();
        let none = |_: &str| None;
        let err = oauth_app(Vendor::QuickBooks, &cfg, &none).unwrap_err();
        assert!(err.to_string().contains("ARBOT_QUICKBOOKS_CLIENT_SECRET"), "{err}");
        let env = |k: &str| (k == "ARBOT_QUICKBOOKS_CLIENT_SECRET").then(|| "s3cret".to_string());
        let app = oauth_app(Vendor::QuickBooks, &cfg, &env).unwrap();
        assert_eq!(app.client_id, "abc");
        assert!(!format!("{app:?}").contains("s3cret"), "the secret is never printed");
        assert!(
            toml::from_str::<SourceConfig>("name = \"q\"\nkind = \"quickbooks\"\nclient_secret = \"x\"\n").is_err()
        );
    }
}
