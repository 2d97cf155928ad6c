//! OAuth2 tokens: kept sealed in the store, refreshed by one task at a time per source, and with
//! a rotated refresh token saved before the access token that came with it is used.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex as StdMutex, OnceLock};
use std::time::Duration;

use arbot_core::Clock;
use arbot_core::source::SourceError;
use arbot_core::store::{ConnectionStatus, ConnectionStore};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use secrecy::ExposeSecret;

use crate::secret::{Secret, SecretKey, same, serialize_for_sealing};

/// An app registered with the vendor, and where its OAuth endpoints are.
#[derive(Debug, Clone)]
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: Secret,
    pub authorize_url: String,
    pub token_url: String,
}

/// What the vendor granted: kept sealed in the store.
#[derive(Clone, Serialize, Deserialize)]
pub struct TokenSet {
    #[serde(serialize_with = "serialize_for_sealing")]
    pub access_token: Secret,
    pub access_expires_at: DateTime<Utc>,
    #[serde(serialize_with = "serialize_for_sealing")]
    pub refresh_token: Secret,
    #[serde(default)]
    pub refresh_expires_at: Option<DateTime<Utc>>,
    /// The company the tokens are for: QuickBooks' realm id, Xero's tenant id, ...
    #[serde(default)]
    pub company: BTreeMap<String, String>,
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_expires_at", &self.access_expires_at)
            .field("refresh_expires_at", &self.refresh_expires_at)
            .field("company", &self.company)
            .finish_non_exhaustive()
    }
}

/// The token endpoint's answer (RFC 6749 §5.1, plus Intuit's refresh-token lifetime).
#[derive(Deserialize)]
struct TokenResponse {
    access_token: Secret,
    refresh_token: Option<Secret>,
    expires_in: Option<i64>,
    x_refresh_token_expires_in: Option<i64>,
}

#[derive(Deserialize)]
struct TokenErrorBody {
    error: Option<String>,
    error_description: Option<String>,
}

/// How a token call failed.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The grant (code or refresh token) is no longer valid.
    #[error("{0}")]
    InvalidGrant(String),
    /// The endpoint failed or could not be reached.
    #[error("{0}")]
    Unavailable(String),
}

/// POSTs a grant to the token endpoint with the client's Basic credentials.
async fn token_call(
    client: &reqwest::Client,
    app: &OAuthApp,
    form: &[(&str, &str)],
    now: DateTime<Utc>,
    keep: Option<&TokenSet>,
) -> Result<TokenSet, TokenError> {
    let resp = client
        .post(&app.token_url)
        .basic_auth(&app.client_id, Some(app.client_secret.expose_secret()))
        .header(reqwest::header::ACCEPT, "application/json")
        .form(form)
        .send()
        .await
        .map_err(|e| TokenError::Unavailable(format!("the token endpoint: {}", crate::call::describe(&e))))?;
    let status = resp.status();
    let body = resp
        .bytes()
        .await
        .map_err(|e| TokenError::Unavailable(format!("the token endpoint: {}", crate::call::describe(&e))))?;
    if status.is_success() {
        let t: TokenResponse = serde_json::from_slice(&body).map_err(|e| {
            tracing::debug!("unreadable token answer: {e}");
            TokenError::Unavailable(format!("the token endpoint sent {}", crate::call::not_json(&body)))
        })?;
        let refresh = match (t.refresh_token, keep) {
            (Some(r), _) => r,
            // No new refresh token: the old one stays valid.
            (None, Some(old)) => old.refresh_token.clone(),
            (None, None) => return Err(TokenError::Unavailable("the token endpoint sent no refresh token".into())),
        };
        return Ok(TokenSet {
            access_token: t.access_token,
            access_expires_at: now + chrono::Duration::seconds(t.expires_in.unwrap_or(1800).clamp(0, 86_400)),
            refresh_token: refresh,
            refresh_expires_at: t.x_refresh_token_expires_in.map(|s| now + chrono::Duration::seconds(s)),
            company: keep.map(|k| k.company.clone()).unwrap_or_default(),
        });
    }
    let err: Option<TokenErrorBody> = serde_json::from_slice(&body).ok();
    let code = err.as_ref().and_then(|e| e.error.clone()).unwrap_or_default();
    let why = err.and_then(|e| e.error_description).map(|d| format!(" ({d})")).unwrap_or_default();
    if status.as_u16() == 400 && (code == "invalid_grant" || code == "invalid_request") {
        return Err(TokenError::InvalidGrant(format!("{code}{why}")));
    }
    if status.as_u16() == 401 || code == "invalid_client" {
        return Err(TokenError::InvalidGrant(format!(
            "the client id or secret was refused{}",
            if code.is_empty() { String::new() } else { format!(": {code}{why}") }
        )));
    }
    Err(TokenError::Unavailable(format!("the token endpoint answered {status}{why}")))
}

/// Exchanges an authorization code (the connect flow) for tokens.
pub async fn exchange_code(
    client: &reqwest::Client,
    app: &OAuthApp,
    code: &str,
    redirect_uri: &str,
    now: DateTime<Utc>,
) -> Result<TokenSet, TokenError> {
    token_call(
        client,
        app,
        &[("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect_uri)],
        now,
        None,
    )
    .await
}

/// Seals and stores freshly granted tokens (the connect flow), and marks the connection ok.
pub async fn store_new_tokens(
    store: &dyn ConnectionStore,
    key: &SecretKey,
    source: &str,
    kind: &str,
    tokens: &TokenSet,
    now: DateTime<Utc>,
) -> Result<(), arbot_core::StoreError> {
    let plain = serde_json::to_vec(tokens).unwrap_or_default();
    store.save_tokens(source, kind, &key.seal(source, &plain), None, now).await?;
    store.set_connection_status(source, &ConnectionStatus::Ok, now).await
}

/// One lock per (store, source) in this process: refreshes of a source's tokens never overlap,
/// however many connector instances sync it at once.
fn refresh_lock(store: &Arc<dyn ConnectionStore>, source: &str) -> Arc<tokio::sync::Mutex<()>> {
    static LOCKS: OnceLock<StdMutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> = OnceLock::new();
    let key = format!("{:p}/{source}", Arc::as_ptr(store) as *const ());
    let mut map = LOCKS.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner());
    map.entry(key).or_default().clone()
}

/// How long one refresh may hold a source's refresh lease (a holder that died loses it then).
const LEASE: Duration = Duration::from_secs(60);
/// How often a refresh waiting for the lease looks again.
const LEASE_POLL: Duration = Duration::from_millis(50);

fn next_lease_number() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Wall-clock milliseconds: the lease measures real time, whatever the business clock says.
fn unix_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// A source's tokens: cached in memory, read from the store, refreshed when due.
pub struct TokenManager {
    source: String,
    kind: String,
    /// The vendor's name for people: "QuickBooks".
    vendor: String,
    /// Only the connections aggregate: an `Arc<dyn Store>` upcasts to it.
    store: Arc<dyn ConnectionStore>,
    key: Option<SecretKey>,
    app: OAuthApp,
    client: reqwest::Client,
    clock: Arc<dyn Clock>,
    /// Refresh this long before the access token expires.
    margin: chrono::Duration,
    cached: StdMutex<Option<(TokenSet, i64)>>,
}

impl fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenManager").field("source", &self.source).field("kind", &self.kind).finish_non_exhaustive()
    }
}

impl TokenManager {
    /// `key` is `None` when `ARBOT_SECRET_KEY` is missing: every call then says so.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        source: &str,
        kind: &str,
        vendor: &str,
        store: Arc<dyn ConnectionStore>,
        key: Option<SecretKey>,
        app: OAuthApp,
        client: reqwest::Client,
        clock: Arc<dyn Clock>,
    ) -> TokenManager {
        TokenManager {
            source: source.to_string(),
            kind: kind.to_string(),
            vendor: vendor.to_string(),
            store,
            key,
            app,
            client,
            clock,
            margin: chrono::Duration::minutes(5),
            cached: StdMutex::new(None),
        }
    }

    fn reconnect(&self, reason: String) -> SourceError {
        SourceError::NeedsReconnect { source_name: self.source.clone(), reason }
    }

    fn unavailable(&self, detail: String) -> SourceError {
        SourceError::Unavailable { source_name: self.source.clone(), detail }
    }

    fn connect_hint(&self) -> String {
        format!("run `arbot connect {} --source {}`", self.kind, self.source)
    }

    fn cached(&self) -> Option<(TokenSet, i64)> {
        self.cached.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn remember(&self, t: TokenSet, version: i64) {
        *self.cached.lock().unwrap_or_else(|p| p.into_inner()) = Some((t, version));
    }

    fn fresh(&self, t: &TokenSet) -> bool {
        t.access_expires_at - self.margin > self.clock.now()
    }

    /// The stored tokens, unsealed.
    async fn load(&self) -> Result<Option<(TokenSet, i64)>, SourceError> {
        let key = self.key.as_ref().ok_or_else(|| self.reconnect(crate::secret::KeyError::Missing.to_string()))?;
        let conn =
            self.store.connection(&self.source).await.map_err(|e| self.unavailable(format!("the database: {e}")))?;
        let Some(conn) = conn else { return Ok(None) };
        let Some(sealed) = conn.sealed_tokens else { return Ok(None) };
        let plain = key.open(&self.source, &sealed).map_err(|e| self.reconnect(e.to_string()))?;
        let tokens: TokenSet = serde_json::from_slice(&plain)
            .map_err(|e| self.reconnect(format!("the saved tokens are unreadable ({e}); {}", self.connect_hint())))?;
        Ok(Some((tokens, conn.token_version)))
    }

    /// The company values saved with the tokens (realm id, tenant id), read from the store.
    pub async fn company(&self) -> Result<BTreeMap<String, String>, SourceError> {
        if let Some((t, _)) = self.cached() {
            return Ok(t.company);
        }
        match self.load().await? {
            Some((t, v)) => {
                let company = t.company.clone();
                self.remember(t, v);
                Ok(company)
            }
            None => Ok(BTreeMap::new()),
        }
    }

    /// An access token that is good for at least a few minutes.
    pub async fn access_token(&self) -> Result<Secret, SourceError> {
        if let Some((t, _)) = self.cached()
            && self.fresh(&t)
        {
            return Ok(t.access_token);
        }
        self.refresh_unless(None).await
    }

    /// The vendor refused `rejected`: refresh, unless someone already has.
    pub async fn after_rejection(&self, rejected: &Secret) -> Result<Secret, SourceError> {
        self.refresh_unless(Some(rejected)).await
    }

    async fn refresh_unless(&self, rejected: Option<&Secret>) -> Result<Secret, SourceError> {
        let lock = refresh_lock(&self.store, &self.source);
        let _guard = lock.lock().await;
        // Inside the lock, the store has the truth: another task or instance may have refreshed.
        let Some((stored, version)) = self.load().await? else {
            return Err(self.reconnect(format!("{} is not connected yet; {}", self.vendor, self.connect_hint())));
        };
        if let Some(token) = self.usable(stored, version, rejected) {
            return Ok(token);
        }
        // Other processes (a cron `arbot sync` beside `arbot run`, a second instance) refresh
        // through the same lease: one at a time, so a rotating refresh token is spent once.
        let holder = format!("{}#{}", arbot_core::process::this().to_recorded(), next_lease_number());
        if let Some(token) = self.take_lease(&holder, version, rejected).await? {
            return Ok(token);
        }
        let result = self.refresh_holding_lease(rejected).await;
        if let Err(e) = self.store.release_refresh_lease(&self.source, &holder).await {
            // It expires by itself; the next refresh waits that long at most.
            tracing::warn!(source = %self.source, "the token refresh lease could not be given back: {e}");
        }
        result
    }

    /// The stored access token, when it is fresh and not the one the vendor just refused.
    fn usable(&self, stored: TokenSet, version: i64, rejected: Option<&Secret>) -> Option<Secret> {
        if self.fresh(&stored) && rejected.is_none_or(|r| !same(r, &stored.access_token)) {
            let token = stored.access_token.clone();
            self.remember(stored, version);
            return Some(token);
        }
        None
    }

    /// Waits for the refresh lease. `Some(token)` when, while waiting, another process saved
    /// tokens that can be used; `None` once this holder has the lease.
    async fn take_lease(
        &self,
        holder: &str,
        seen: i64,
        rejected: Option<&Secret>,
    ) -> Result<Option<Secret>, SourceError> {
        let waited = std::time::Instant::now();
        loop {
            let now = unix_ms();
            let taken = self
                .store
                .take_refresh_lease(&self.source, holder, now, now + LEASE.as_millis() as i64)
                .await
                .map_err(|e| self.unavailable(format!("the database: {e}")))?;
            if taken {
                return Ok(None);
            }
            if waited.elapsed() > LEASE + LEASE_POLL {
                return Err(self.unavailable(format!(
                    "another arbot process has been refreshing the {} sign-in for over {} seconds; nothing was synced",
                    self.vendor,
                    LEASE.as_secs()
                )));
            }
            tokio::time::sleep(LEASE_POLL).await;
            if let Some((stored, version)) = self.load().await?
                && version != seen
                && let Some(token) = self.usable(stored, version, rejected)
            {
                tracing::info!(source = %self.source, "the access token was refreshed by another process");
                return Ok(Some(token));
            }
        }
    }

    /// Refreshes, holding the lease: reads the tokens again first (the last holder may have
    /// refreshed them just now).
    async fn refresh_holding_lease(&self, rejected: Option<&Secret>) -> Result<Secret, SourceError> {
        let Some((stored, version)) = self.load().await? else {
            return Err(self.reconnect(format!("{} is not connected yet; {}", self.vendor, self.connect_hint())));
        };
        if let Some(token) = self.usable(stored.clone(), version, rejected) {
            return Ok(token);
        }
        let mut current = (stored, version);
        let mut retried_after_rotation = false;
        let mut attempts = 0;
        loop {
            let (tokens, version) = &current;
            let now = self.clock.now();
            let form = [("grant_type", "refresh_token"), ("refresh_token", tokens.refresh_token.expose_secret())];
            match token_call(&self.client, &self.app, &form, now, Some(tokens)).await {
                Ok(new) => {
                    // Persist first: a rotated refresh token that is lost cannot be replaced.
                    let key = self
                        .key
                        .as_ref()
                        .ok_or_else(|| self.reconnect(crate::secret::KeyError::Missing.to_string()))?;
                    let plain = serde_json::to_vec(&new).unwrap_or_default();
                    let saved = self
                        .store
                        .save_tokens(&self.source, &self.kind, &key.seal(&self.source, &plain), Some(*version), now)
                        .await
                        .map_err(|e| {
                            tracing::error!(source = %self.source, "new tokens could not be saved: {e}");
                            self.unavailable(format!(
                                "the refreshed tokens could not be saved ({e}); nothing was synced"
                            ))
                        })?;
                    match saved {
                        Some(v) => {
                            tracing::info!(source = %self.source, "refreshed the access token");
                            let token = new.access_token.clone();
                            self.remember(new, v);
                            return Ok(token);
                        }
                        None => {
                            // Another instance saved tokens meanwhile; theirs are the ones of record.
                            tracing::warn!(source = %self.source, "tokens were refreshed elsewhere at the same time");
                            let Some((theirs, v)) = self.load().await? else {
                                return Err(self.reconnect(self.connect_hint()));
                            };
                            let token = theirs.access_token.clone();
                            self.remember(theirs, v);
                            return Ok(token);
                        }
                    }
                }
                Err(TokenError::InvalidGrant(why)) => {
                    // Maybe another instance rotated the refresh token under us: use the newer one once.
                    if !retried_after_rotation
                        && let Some(again) = self.load().await?
                        && !same(&again.0.refresh_token, &current.0.refresh_token)
                    {
                        retried_after_rotation = true;
                        if self.fresh(&again.0) && rejected.is_none_or(|r| !same(r, &again.0.access_token)) {
                            let token = again.0.access_token.clone();
                            self.remember(again.0, again.1);
                            return Ok(token);
                        }
                        current = again;
                        continue;
                    }
                    tracing::warn!(source = %self.source, "refresh refused: {why}");
                    let reason = format!("{} refused the saved sign-in ({why}); {}", self.vendor, self.connect_hint());
                    let _ = self
                        .store
                        .set_connection_status(
                            &self.source,
                            &ConnectionStatus::NeedsReconnect { reason: reason.clone() },
                            now,
                        )
                        .await;
                    return Err(self.reconnect(reason));
                }
                Err(TokenError::Unavailable(why)) => {
                    attempts += 1;
                    if attempts >= 3 {
                        return Err(self.unavailable(format!("{} could not refresh the sign-in: {why}", self.vendor)));
                    }
                    tokio::time::sleep(Duration::from_millis(200 * attempts)).await;
                }
            }
        }
    }
}
