//! What the fake vendor servers (QuickBooks, Xero) share: the clock their books keep and the
//! connector reads ([`LedgerTime`]), serving an axum router on loopback, an OAuth2 token endpoint
//! with rotating refresh tokens and a call counter, fault injection (a planned sequence or a
//! seeded random storm) and its delivery, hooks run between pages, filing a connected company's
//! tokens as `arbot connect` would, retries fast enough for tests, and the small parsers a
//! server needs (form bodies, Basic auth).

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use arbot_core::{Clock, ManualClock};
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};

/// The time zone of the business in every vendor test (the connector and engine read it).
pub const TEST_TZ: chrono_tz::Tz = chrono_tz::America::New_York;

/// The clock a fake's books keep, starting at `now`: every clone (the connector's, the sync
/// engine's) reads the same instant, and only the test moves it.
pub fn books_clock(now: DateTime<Utc>) -> ManualClock {
    ManualClock::new(now, TEST_TZ)
}

/// A fake's books, dated by their clock: changes made to them carry the clock's time.
pub trait LedgerTime {
    /// The books' clock, shared with the fake's connector and the engine.
    fn clock(&self) -> &ManualClock;

    fn now(&self) -> DateTime<Utc> {
        self.clock().now()
    }

    /// Moves the clock (changes made after this carry the new time).
    fn set_now(&self, t: DateTime<Utc>) {
        self.clock().set(t);
    }

    /// One second later: the time of the next change.
    fn tick(&self) -> DateTime<Utc> {
        self.clock().advance(chrono::Duration::seconds(1));
        self.now()
    }

    /// The UTC date now (what the books date new documents from).
    fn utc_today(&self) -> NaiveDate {
        self.now().date_naive()
    }
}

/// The key tests seal tokens with.
pub const TEST_SECRET_KEY: &str = "8f3a1c2b4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8";

/// Retries fast enough for tests, with the same bounds as in production.
pub fn fast_retries() -> arbot_connector_http::RetryPolicy {
    arbot_connector_http::RetryPolicy {
        attempts: 8,
        base: Duration::from_millis(2),
        cap: Duration::from_millis(20),
        longest_wait: Duration::from_secs(15 * 60),
        retry_after_unit: Duration::from_millis(5),
        timeout: Duration::from_millis(1500),
    }
}

/// A string as a JSON string literal (quoted and escaped).
pub fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// A test's hook, run after each page a fake serves with the books and how many pages it has
/// served so far: how records change "between pages".
pub type PageHook<L> = Box<dyn FnMut(&mut L, usize) + Send>;

/// Counts a page served and runs the hook, if any, with the new count.
pub fn page_served<L>(hook: &mut Option<PageHook<L>>, served: &mut usize, ledger: &mut L) {
    *served += 1;
    if let Some(hook) = hook.as_mut() {
        hook(ledger, *served);
    }
}

/// What a fake server holds that the shared plumbing reaches into.
pub trait VendorState: Send + 'static {
    fn oauth(&mut self) -> &mut OAuthServer;
    fn faults(&mut self) -> &mut Faults;

    /// The fault for the next API request, if any; an [`Fault::ExpireTokens`] takes effect at
    /// once (no access token works any more).
    fn next_fault(&mut self) -> Option<Fault> {
        let fault = self.faults().pick();
        if fault == Some(Fault::ExpireTokens) {
            self.oauth().access.clear();
        }
        fault
    }
}

/// The OAuth token endpoint of a fake: held for [`OAuthServer::delay`], then answered.
pub async fn token_endpoint<S: VendorState>(state: &Mutex<S>, headers: &HeaderMap, body: &str) -> Response {
    let delay = state.lock().unwrap_or_else(|p| p.into_inner()).oauth().delay;
    tokio::time::sleep(delay).await;
    let (status, body) = state.lock().unwrap_or_else(|p| p.into_inner()).oauth().token(headers, body);
    json(status, body)
}

/// The answer to a request that got this far: the body as JSON, unless the fault breaks it
/// ([`Fault::Truncated`], [`Fault::Reset`]).
pub fn deliver(fault: Option<&Fault>, status: StatusCode, body: String) -> Response {
    match fault {
        Some(Fault::Truncated) => truncated(body),
        Some(Fault::Reset) => reset(body),
        Some(Fault::Mangled(seed)) => json(status, mangle(&body, *seed)),
        _ => json(status, body),
    }
}

/// A one-page PDF of an invoice as a vendor prints it: its lines of text in Helvetica, a real
/// document (catalog, page, font, content stream, cross-reference table) that any reader opens.
pub fn invoice_pdf(lines: &[String]) -> Vec<u8> {
    let escape = |t: &str| t.replace('\\', "\\\\").replace('(', "\\(").replace(')', "\\)");
    let mut content = String::from("BT /F1 14 Tf 72 720 Td 18 TL");
    for l in lines {
        content.push_str(&format!(" ({}) Tj T*", escape(l)));
    }
    content.push_str(" ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
            .to_string(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{o}\nendobj\n", i + 1));
    }
    let xref = out.len();
    out.push_str(&format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1));
    for o in offsets {
        out.push_str(&format!("{o:010} 00000 n \n"));
    }
    out.push_str(&format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1));
    out.into_bytes()
}

/// A `Content-Type: application/pdf` response.
pub fn pdf_response(bytes: Vec<u8>) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/pdf")
        .body(axum::body::Body::from(bytes))
        .unwrap_or_default()
}

/// Serves `router` on a free loopback port; returns its base URL (`http://127.0.0.1:PORT`).
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

/// A fault a fake can inject into one API request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// 429 with an optional `Retry-After` (seconds). QuickBooks sends its XML throttle body.
    Throttle { retry_after: Option<u64> },
    /// Xero's daily limit: 429, `X-Rate-Limit-Problem: day` and a long `Retry-After`.
    DayLimit { retry_after: u64 },
    /// A 5xx with an HTML page (502) or nothing (503).
    ServerError(u16),
    /// Answer only after this long (longer than the client's timeout: a timeout).
    Slow(Duration),
    /// The real answer cut in half (valid HTTP, broken JSON).
    Truncated,
    /// The connection drops in the middle of the body.
    Reset,
    /// Every access token stops working (a token that expires mid-sync).
    ExpireTokens,
    /// A fault inside an HTTP 200 (QuickBooks) / a validation error (Xero): not worth retrying.
    Refused,
    /// The real answer with a few bytes changed, chosen by this seed (for fuzzing the decoders:
    /// often still JSON, with a field's type, a number or a date gone wrong).
    Mangled(u64),
    /// An HTML page with this status instead of the API's JSON (a proxy, a captive portal, a
    /// maintenance page, or a wrong base URL).
    WebPage(u16),
}

/// The HTML a proxy or maintenance page answers with.
pub fn web_page(status: u16) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
        .header("content-type", "text/html; charset=utf-8")
        .body(Body::from(
            "<!DOCTYPE html>\n<html><head><title>Scheduled maintenance</title></head>\n<body><h1>We'll be back soon</h1>\
             <p>Sorry for the inconvenience.</p><script>var x = 1;</script></body></html>",
        ))
        .unwrap_or_default()
}

/// Which faults a fake injects.
#[derive(Debug, Default)]
pub struct Faults {
    /// Applied to the next API requests, one each, in order.
    pub plan: VecDeque<Fault>,
    /// A share of requests (0.0-1.0) that fail with a random one of `storm_kinds`.
    pub storm_rate: f64,
    pub storm_kinds: Vec<Fault>,
    rng: Option<fastrand::Rng>,
    /// How many faults were injected.
    pub injected: usize,
}

impl Faults {
    /// A seeded storm: the same seed injects the same faults.
    pub fn storm(&mut self, rate: f64, kinds: Vec<Fault>, seed: u64) {
        self.storm_rate = rate;
        self.storm_kinds = kinds;
        self.rng = Some(fastrand::Rng::with_seed(seed));
    }

    pub fn calm(&mut self) {
        self.storm_rate = 0.0;
        self.plan.clear();
    }

    /// The fault for the next request, if any.
    pub fn pick(&mut self) -> Option<Fault> {
        if let Some(f) = self.plan.pop_front() {
            self.injected += 1;
            return Some(f);
        }
        let rng = self.rng.as_mut()?;
        if self.storm_kinds.is_empty() || rng.f64() >= self.storm_rate {
            return None;
        }
        self.injected += 1;
        Some(self.storm_kinds[rng.usize(..self.storm_kinds.len())].clone())
    }
}

/// An OAuth2 authorization server: codes, access tokens, rotating refresh tokens.
#[derive(Debug)]
pub struct OAuthServer {
    pub client_id: String,
    pub client_secret: String,
    /// Access tokens that work now.
    pub access: HashSet<String>,
    /// The refresh token that works now (and, with a grace period, the one before it).
    pub refresh: String,
    pub previous_refresh: Option<String>,
    pub grace: bool,
    /// Hand out a new refresh token on every refresh (both vendors do; QuickBooks not always).
    pub rotate: bool,
    /// Codes the consent screen handed out, still unused.
    pub codes: HashSet<String>,
    /// Refuse every refresh with `invalid_grant`.
    pub refuse: bool,
    pub expires_in: i64,
    /// Token calls, by grant type.
    pub refresh_calls: usize,
    pub code_calls: usize,
    /// Hold each token call this long (so concurrent callers overlap).
    pub delay: Duration,
    counter: u64,
}

impl OAuthServer {
    pub fn new(client_id: &str, client_secret: &str) -> OAuthServer {
        OAuthServer {
            client_id: client_id.to_string(),
            client_secret: client_secret.to_string(),
            access: HashSet::new(),
            refresh: "rt-0".to_string(),
            previous_refresh: None,
            grace: false,
            rotate: true,
            codes: HashSet::new(),
            refuse: false,
            expires_in: 3600,
            refresh_calls: 0,
            code_calls: 0,
            delay: Duration::ZERO,
            counter: 0,
        }
    }

    /// A fresh access token that works now.
    pub fn issue_access(&mut self) -> String {
        self.counter += 1;
        let t = format!("at-{}", self.counter);
        self.access.insert(t.clone());
        t
    }

    /// What the consent screen redirects with.
    pub fn issue_code(&mut self) -> String {
        self.counter += 1;
        let c = format!("code-{}", self.counter);
        self.codes.insert(c.clone());
        c
    }

    pub fn authorized(&self, headers: &HeaderMap) -> bool {
        let bearer = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        bearer.is_some_and(|t| self.access.contains(t))
    }

    /// Handles a token request; returns the status and JSON body.
    pub fn token(&mut self, headers: &HeaderMap, body: &str) -> (StatusCode, String) {
        let expected = format!("Basic {}", base64(&format!("{}:{}", self.client_id, self.client_secret)));
        if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
            return (StatusCode::UNAUTHORIZED, r#"{"error":"invalid_client"}"#.to_string());
        }
        let form = parse_form(body);
        let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
        let grant = get("grant_type");
        let invalid = (
            StatusCode::BAD_REQUEST,
            r#"{"error":"invalid_grant","error_description":"Incorrect Token type or clientID"}"#.to_string(),
        );
        match grant.as_str() {
            "authorization_code" => {
                self.code_calls += 1;
                if !self.codes.remove(&get("code")) || get("redirect_uri").is_empty() {
                    return invalid;
                }
            }
            "refresh_token" => {
                self.refresh_calls += 1;
                let given = get("refresh_token");
                let ok =
                    given == self.refresh || (self.grace && self.previous_refresh.as_deref() == Some(given.as_str()));
                if self.refuse || !ok {
                    return invalid;
                }
            }
            _ => return (StatusCode::BAD_REQUEST, r#"{"error":"unsupported_grant_type"}"#.to_string()),
        }
        if self.rotate || grant == "authorization_code" {
            self.counter += 1;
            self.previous_refresh = Some(std::mem::replace(&mut self.refresh, format!("rt-{}", self.counter)));
        }
        let access = self.issue_access();
        let body = serde_json::json!({
            "token_type": "bearer",
            "access_token": access,
            "refresh_token": self.refresh,
            "expires_in": self.expires_in,
            "x_refresh_token_expires_in": 8_726_400,
        });
        (StatusCode::OK, body.to_string())
    }
}

/// `application/x-www-form-urlencoded` pairs (none when the body is not a form).
pub fn parse_form(body: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(body).unwrap_or_default()
}

/// Standard base64 (for checking Basic credentials).
pub fn base64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// A JSON response.
pub fn json(status: StatusCode, body: String) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap_or_default()
}

/// `body` with one to four changes chosen by `seed`: a byte replaced by one that matters to JSON
/// (a quote, a digit, a brace, a minus, a letter), a stretch deleted, or a stretch repeated.
pub fn mangle(body: &str, seed: u64) -> String {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut bytes = body.as_bytes().to_vec();
    const TOKENS: &[u8] = b"\"0123456789-+.eE{}[],:ntfaZ \\/";
    for _ in 0..rng.usize(1..=4) {
        if bytes.is_empty() {
            break;
        }
        let at = rng.usize(..bytes.len());
        match rng.u8(..3) {
            0 => bytes[at] = TOKENS[rng.usize(..TOKENS.len())],
            1 => {
                let end = (at + rng.usize(1..12)).min(bytes.len());
                bytes.drain(at..end);
            }
            _ => {
                let end = (at + rng.usize(1..12)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The real body, cut in half.
pub fn truncated(body: String) -> Response {
    let half = body.len() / 2;
    let cut = body.char_indices().map(|(i, _)| i).take_while(|i| *i <= half).last().unwrap_or(0);
    json(StatusCode::OK, body[..cut].to_string())
}

/// A body that breaks off: the client sees the connection fail mid-answer.
pub fn reset(body: String) -> Response {
    let head = body.as_bytes()[..body.len() / 3].to_vec();
    let stream = futures_util::stream::iter(vec![
        Ok::<_, std::io::Error>(axum::body::Bytes::from(head)),
        Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by the fake")),
    ]);
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .body(Body::from_stream(stream))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn helpers() {
        assert_eq!(super::base64("id:secret"), "aWQ6c2VjcmV0");
        assert_eq!(super::base64("ab"), "YWI=");
        assert_eq!(super::parse_form("a=a%20b+c%2B"), vec![("a".into(), "a b c+".into())]);
        assert_eq!(
            super::parse_form("grant_type=refresh_token&refresh_token=rt-1"),
            vec![("grant_type".into(), "refresh_token".into()), ("refresh_token".into(), "rt-1".into())]
        );
    }
}

/// A vendor as the token helpers below need it: what its tokens are filed under, its name, and
/// the key its company id is kept under.
#[derive(Debug, Clone, Copy)]
pub struct Vendor {
    pub kind: &'static str,
    pub name: &'static str,
    pub company_key: &'static str,
}

/// Files a connected company's tokens for source `name`, sealed with the test key, as
/// `arbot connect` would.
pub async fn store_connection(
    store: &std::sync::Arc<dyn arbot_core::Store>,
    vendor: Vendor,
    name: &str,
    (access, refresh, company): (String, String, String),
    access_lifetime: chrono::Duration,
    now: chrono::DateTime<chrono::Utc>,
) {
    let key = arbot_connector_http::SecretKey::from_hex(TEST_SECRET_KEY).expect("key");
    let tokens = arbot_connector_http::TokenSet {
        access_token: arbot_connector_http::Secret::from(access),
        access_expires_at: now + access_lifetime,
        refresh_token: arbot_connector_http::Secret::from(refresh),
        refresh_expires_at: None,
        company: [(vendor.company_key.to_string(), company)].into_iter().collect(),
    };
    arbot_connector_http::tokens::store_new_tokens(store.as_ref(), &key, name, vendor.kind, &tokens, now)
        .await
        .expect("store tokens");
}

/// The token manager a connector for source `name` uses: the test key, the fake's OAuth app.
pub fn token_manager(
    store: &std::sync::Arc<dyn arbot_core::Store>,
    vendor: Vendor,
    name: &str,
    app: arbot_connector_http::OAuthApp,
    clock: std::sync::Arc<dyn arbot_core::Clock>,
) -> arbot_connector_http::TokenManager {
    let key = arbot_connector_http::SecretKey::from_hex(TEST_SECRET_KEY).expect("key");
    arbot_connector_http::TokenManager::new(
        name,
        vendor.kind,
        vendor.name,
        store.clone(),
        Some(key),
        app,
        reqwest::Client::new(),
        clock,
    )
}
