//! One vendor call: paced under the vendor's limits, authorised, retried with jittered backoff on
//! what is worth retrying, and turned into a [`SourceError`] that tells the sync what to do.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arbot_core::Clock;
use arbot_core::source::SourceError;
use reqwest::header::HeaderMap;
use tokio::sync::{Mutex, Semaphore};

use crate::secret::Secret;
use crate::tokens::TokenManager;

/// How hard to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries per call, the first included.
    pub attempts: u32,
    /// Backoff: a random wait up to `base * 2^try`, capped at `cap` ("full jitter").
    pub base: Duration,
    pub cap: Duration,
    /// A vendor's `Retry-After` longer than this stops the sync and reschedules it.
    pub longest_wait: Duration,
    /// What one second of `Retry-After` means here: a second, or less in tests.
    pub retry_after_unit: Duration,
    /// One request's deadline, connecting to reading the whole body.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 6,
            base: Duration::from_secs(1),
            cap: Duration::from_secs(60),
            longest_wait: Duration::from_secs(15 * 60),
            retry_after_unit: Duration::from_secs(1),
            timeout: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// A random wait before try number `n` (1 after the first failure).
    pub fn backoff(&self, n: u32) -> Duration {
        let ceiling = self.base.saturating_mul(1u32 << n.min(16)).min(self.cap);
        let ms = ceiling.as_millis().min(u64::MAX as u128) as u64;
        Duration::from_millis(fastrand::u64(0..=ms))
    }
}

/// A vendor's limits: at most `max_requests` started in any `per`, and `concurrent` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pacing {
    pub max_requests: usize,
    pub per: Duration,
    pub concurrent: usize,
}

/// Keeps calls under a [`Pacing`]: a sliding window of start times and a semaphore.
#[derive(Debug)]
pub struct Pacer {
    pacing: Pacing,
    starts: Mutex<VecDeque<Instant>>,
    slots: Semaphore,
}

impl Pacer {
    pub fn new(pacing: Pacing) -> Pacer {
        Pacer { pacing, starts: Mutex::new(VecDeque::new()), slots: Semaphore::new(pacing.concurrent.max(1)) }
    }

    /// Waits for a slot; hold the permit while the request runs.
    pub async fn acquire(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        // The semaphore is never closed, so this is always a permit.
        let permit = self.slots.acquire().await.ok();
        loop {
            let mut starts = self.starts.lock().await;
            let now = Instant::now();
            while starts.front().is_some_and(|t| now.duration_since(*t) >= self.pacing.per) {
                starts.pop_front();
            }
            if starts.len() < self.pacing.max_requests.max(1) {
                starts.push_back(now);
                break;
            }
            let wait =
                starts.front().map(|t| self.pacing.per.saturating_sub(now.duration_since(*t))).unwrap_or_default();
            drop(starts);
            tokio::time::sleep(wait).await;
        }
        permit
    }
}

/// A response read in full.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `Retry-After` in seconds (the HTTP-date form is read too).
    pub fn retry_after(&self) -> Option<u64> {
        let v = self.header("retry-after")?.trim();
        if let Ok(secs) = v.parse::<u64>() {
            return Some(secs);
        }
        let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
        Some((at.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds().max(0) as u64)
    }
}

/// What a vendor's reading of a reply says to do.
#[derive(Debug)]
pub enum Verdict<T> {
    Done(T),
    /// Worth another try: after `after_secs` (the vendor's `Retry-After`) or a backoff.
    Retry {
        after_secs: Option<u64>,
        why: String,
    },
    /// Stop now and come back in `after_secs` (a daily limit): nothing is slept. `why` is shown
    /// to the person reading the sync's outcome.
    Reschedule {
        after_secs: u64,
        why: String,
    },
    /// The access token was refused.
    Unauthorized {
        why: String,
    },
    Fail(SourceError),
}

impl<T> Verdict<T> {
    /// What a reply judged `Done(t)` becomes under `then`; every other verdict is kept.
    pub fn and_then<U>(self, then: impl FnOnce(T) -> Verdict<U>) -> Verdict<U> {
        match self {
            Verdict::Done(t) => then(t),
            Verdict::Retry { after_secs, why } => Verdict::Retry { after_secs, why },
            Verdict::Reschedule { after_secs, why } => Verdict::Reschedule { after_secs, why },
            Verdict::Unauthorized { why } => Verdict::Unauthorized { why },
            Verdict::Fail(e) => Verdict::Fail(e),
        }
    }
}

/// Whether a reply's body is a PDF document.
pub fn is_pdf(body: &[u8]) -> bool {
    body.starts_with(b"%PDF-")
}

/// The shared machinery of one connector: client, pacing, retries, tokens.
#[derive(Debug, Clone)]
pub struct Caller {
    pub source: String,
    pub vendor: String,
    pub client: reqwest::Client,
    pub pacer: Arc<Pacer>,
    pub retry: RetryPolicy,
    pub tokens: Arc<TokenManager>,
    pub clock: Arc<dyn Clock>,
}

impl Caller {
    /// A caller for one source of one vendor, paced and retried as given.
    pub fn new(
        source: &str,
        vendor: &str,
        pacing: Pacing,
        retry: RetryPolicy,
        tokens: Arc<TokenManager>,
        clock: Arc<dyn Clock>,
    ) -> Result<Caller, String> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(15))
            .user_agent(concat!("arbot/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("can't set up HTTP: {e}"))?;
        Ok(Caller {
            source: source.to_string(),
            vendor: vendor.to_string(),
            client,
            pacer: Arc::new(Pacer::new(pacing)),
            retry,
            tokens,
            clock,
        })
    }

    /// Sends the request `build` makes (given an access token) until `judge` is satisfied, a
    /// bound is reached, or the vendor says to stop.
    pub async fn call<T>(
        &self,
        what: &str,
        build: impl Fn(&reqwest::Client, &Secret) -> reqwest::RequestBuilder,
        judge: impl Fn(Reply) -> Verdict<T>,
    ) -> Result<T, SourceError> {
        let mut failures = 0u32;
        let mut refreshed = false;
        let mut token = self.tokens.access_token().await?;
        loop {
            let reply = {
                let _slot = self.pacer.acquire().await;
                let sent = build(&self.client, &token).timeout(self.retry.timeout).send().await;
                match sent {
                    Ok(resp) => {
                        let status = resp.status().as_u16();
                        let headers = resp.headers().clone();
                        match resp.bytes().await {
                            Ok(body) => Ok(Reply { status, headers, body: body.to_vec() }),
                            Err(e) => Err(describe(&e)),
                        }
                    }
                    Err(e) => Err(describe(&e)),
                }
            };
            let verdict = match reply {
                Ok(reply) => judge(reply),
                Err(why) => Verdict::Retry { after_secs: None, why },
            };
            match verdict {
                Verdict::Done(t) => return Ok(t),
                Verdict::Fail(e) => return Err(e),
                Verdict::Unauthorized { why } => {
                    if refreshed {
                        return Err(SourceError::NeedsReconnect {
                            source_name: self.source.clone(),
                            reason: format!(
                                "{} refused a freshly refreshed sign-in ({why}); reconnect with `arbot connect`",
                                self.vendor
                            ),
                        });
                    }
                    refreshed = true;
                    token = self.tokens.after_rejection(&token).await?;
                }
                Verdict::Reschedule { after_secs, why } => return Err(self.rate_limited(after_secs, &why, Some(&why))),
                Verdict::Retry { after_secs, why } => {
                    failures += 1;
                    let wait = match after_secs {
                        Some(secs) => {
                            if Duration::from_secs(secs) > self.retry.longest_wait {
                                return Err(self.rate_limited(secs, &why, None));
                            }
                            self.retry.retry_after_unit.saturating_mul(secs.min(u32::MAX as u64) as u32)
                        }
                        None => self.retry.backoff(failures),
                    };
                    if failures >= self.retry.attempts {
                        tracing::warn!(source = %self.source, "{what} failed {failures} times; giving up: {why}");
                        return Err(SourceError::Unavailable {
                            source_name: self.source.clone(),
                            detail: format!("{what} failed {failures} times; the last time: {why}"),
                        });
                    }
                    tracing::info!(source = %self.source, "{what} failed ({why}); trying again in {wait:?}");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Stops the sync for `after_secs`; `reason` is what to tell people, if more than "slow down".
    fn rate_limited(&self, after_secs: u64, why: &str, reason: Option<&str>) -> SourceError {
        tracing::warn!(source = %self.source, "rescheduling in {after_secs} s: {why}");
        let secs = i64::try_from(after_secs).unwrap_or(i64::MAX / 2).min(7 * 86_400);
        SourceError::RateLimited {
            source_name: self.source.clone(),
            retry_at: self.clock.now() + chrono::Duration::seconds(secs),
            reason: reason.map(str::to_string),
        }
    }
}

/// A failed request in plain words; reqwest's own (and the cause under them) go to the log.
pub fn describe(e: &reqwest::Error) -> String {
    tracing::debug!("HTTP request failed: {e:?}");
    let host = e.url().and_then(|u| u.host_str()).map(|h| format!(" {h}")).unwrap_or_default();
    if e.is_timeout() {
        "the request timed out".to_string()
    } else if e.is_connect() {
        format!("could not connect to{host} (nothing answered there, or the network is down)")
    } else if e.is_body() || e.is_decode() {
        "the answer was cut off".to_string()
    } else {
        format!("the connection to{host} failed")
    }
}

/// What a body that should have been JSON was instead, in plain words: a web page (a proxy, a
/// maintenance page, or the wrong address), nothing at all, or something unreadable.
pub fn not_json(body: &[u8]) -> &'static str {
    let text = String::from_utf8_lossy(body.get(..body.len().min(512)).unwrap_or_default()).to_ascii_lowercase();
    let text = text.trim_start();
    if text.is_empty() {
        "an empty answer"
    } else if text.starts_with("<!doctype html") || text.starts_with("<html") || text.contains("<body") {
        "a web page instead of data (a proxy or a maintenance page, or the wrong address in arbot.toml)"
    } else if text.starts_with('<') {
        "XML instead of JSON"
    } else {
        "an answer that is not the JSON it should be (cut off or garbled)"
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn an_unreachable_vendor_is_said_without_reqwest_words() {
        // A loopback port nothing listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let err = reqwest::Client::new().get(format!("http://127.0.0.1:{port}/v3")).send().await.unwrap_err();
        let text = super::describe(&err);
        assert_eq!(text, "could not connect to 127.0.0.1 (nothing answered there, or the network is down)");
        assert!(!text.contains("error sending request"), "{text}");
    }

    #[test]
    fn what_a_body_that_is_not_json_is() {
        assert!(super::not_json(b"\n <!DOCTYPE html><html>..").starts_with("a web page"));
        assert!(super::not_json(b"<HTML><BODY>oops").starts_with("a web page"));
        assert_eq!(super::not_json(b"  "), "an empty answer");
        assert_eq!(super::not_json(b"<?xml version='1.0'?><x/>"), "XML instead of JSON");
        assert!(super::not_json(b"{\"QueryResponse\": {").contains("not the JSON"));
        assert!(super::not_json(&[0xff, 0xfe, 0x00]).contains("not the JSON"));
    }

    use super::*;

    #[tokio::test]
    async fn the_pacer_keeps_to_its_window() {
        let pacer = Pacer::new(Pacing { max_requests: 3, per: Duration::from_millis(300), concurrent: 2 });
        let started = Instant::now();
        let mut times = Vec::new();
        for _ in 0..7 {
            let _p = pacer.acquire().await;
            times.push(started.elapsed());
        }
        // 7 starts with 3 per 300 ms: the 4th waits for the 1st to leave the window, the 7th for the 4th.
        for w in times.windows(4) {
            assert!(w[3] - w[0] >= Duration::from_millis(295), "{times:?}");
        }
        assert!(times[6] >= Duration::from_millis(590), "{times:?}");
    }

    #[test]
    fn backoff_is_jittered_and_capped() {
        let p =
            RetryPolicy { base: Duration::from_millis(100), cap: Duration::from_millis(250), ..RetryPolicy::default() };
        for n in 1..10 {
            assert!(p.backoff(n) <= Duration::from_millis(250));
        }
        let spread: std::collections::HashSet<_> = (0..50).map(|_| p.backoff(3)).collect();
        assert!(spread.len() > 5, "jittered: {spread:?}");
    }
}
