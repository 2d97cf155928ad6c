//! Posting on our own, through the outbox. A producer (the digest job, lien warnings, an
//! escalation) writes what to post under an idempotency key ([`enqueue_post`],
//! [`enqueue_escalation`]); the [`Dispatcher`] claims due posts and delivers them through a
//! [`ChatOut`]. A post is marked sent only with where it landed; a failure keeps it for a retry;
//! an attempt that may have landed before a crash is looked for before it is sent again.

use std::sync::Arc;
use std::time::Duration;

use arbot_core::escalation::EscalationPosts;
use arbot_core::outbox::{Delivery, OutboxItem};
use arbot_core::store::StoreError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, watch};

use crate::app::App;
use crate::chat::{ChatError, ChatOut, Post, Posted};
use crate::mail::{Email, MailError, MailOut, SmtpMail};
use crate::reply::{Reply, Severity};

/// Where a post goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Destination {
    /// The AR channel.
    ArChannel,
    /// The thread of an escalation (waits until the thread exists).
    EscalationThread { escalation_id: i64 },
}

/// A `post` item's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PostJob {
    to: Destination,
    post: Post,
}

/// An `escalation` item's payload: the alert for the AR channel and the thread's first message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct EscalationJob {
    escalation_id: i64,
    alert: Post,
    first: Post,
}

/// An `email` item's payload: the email, and what to note on the account once it is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailJob {
    pub customer_id: i64,
    pub email: Email,
    /// The note logged on the account when the server has taken it ("Reminder (firm) emailed to …").
    pub note: String,
    /// Who approved it (their name), or `arbot` for a stage that goes out by itself.
    pub approved_by: String,
    /// Invoices whose own PDF the accounting system serves: fetched and attached as the email
    /// goes, so a click stays quick and the outbox does not keep the vendor's files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invoice_pdfs: Vec<VendorPdf>,
}

/// An invoice's own PDF in its accounting system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorPdf {
    /// The configured source that holds it.
    pub source: String,
    pub external_id: String,
    pub number: String,
}

/// The file name of an invoice's own PDF: `Invoice-1042.pdf` (anything but letters, digits and
/// dashes in the number becomes a dash).
pub fn invoice_file(number: &str) -> String {
    let clean: String = number.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
    format!("Invoice-{clean}.pdf")
}

/// How long one invoice's PDF may take to come from its accounting system before the email goes
/// without it.
const VENDOR_PDF_WAIT: Duration = Duration::from_secs(30);

const KIND_POST: &str = "post";
const KIND_ESCALATION: &str = "escalation";
const KIND_EMAIL: &str = "email";

/// Progress marks of an email: handed to the server (a crash after this is in doubt), or not
/// taken by it (safe to try again).
const HANDED: &str = r#"{"email":"handed"}"#;
const NOT_TAKEN: &str = r#"{"email":"not_taken"}"#;

/// Queues an email under `key`; false when one with this key was queued before (it is not
/// queued again: one reminder per customer per day is its key).
pub async fn enqueue_email(app: &App, key: &str, job: &EmailJob) -> anyhow::Result<bool> {
    let payload = serde_json::to_string(job)?;
    Ok(app.store.enqueue(key, KIND_EMAIL, &payload, app.clock.now()).await?)
}

/// Queues a reminder under `key` together with what it asks of each invoice (one transaction), so
/// the ladder knows the stage was asked; false when one with this key was queued before.
pub async fn enqueue_reminder(
    app: &App,
    key: &str,
    job: &EmailJob,
    day: chrono::NaiveDate,
    lines: &[arbot_core::mail::AskedLine],
) -> anyhow::Result<bool> {
    let payload = serde_json::to_string(job)?;
    Ok(app.store.enqueue_reminder(key, KIND_EMAIL, &payload, job.customer_id, day, lines, app.clock.now()).await?)
}

/// Who approves the reminders of a stage that goes out by itself, as [`EmailJob::approved_by`].
pub const BY_ITSELF: &str = "arbot";

/// The Message-ID of the email queued under `key`: the same on every attempt.
pub fn message_id(key: &str) -> String {
    let clean: String = key.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '.' }).collect();
    format!("{clean}@arbot")
}

/// Queues a post; false when a post with this key was queued before (it is not queued again).
pub async fn enqueue_post(app: &App, key: &str, to: Destination, post: Post) -> anyhow::Result<bool> {
    let payload = serde_json::to_string(&PostJob { to, post })?;
    Ok(app.store.enqueue(key, KIND_POST, &payload, app.clock.now()).await?)
}

/// Queues an escalation's alert, thread and first message, as one item delivered step by step.
pub async fn enqueue_escalation(app: &App, escalation_id: i64, alert: Post, first: Post) -> anyhow::Result<bool> {
    let payload = serde_json::to_string(&EscalationJob { escalation_id, alert, first })?;
    Ok(app.store.enqueue(&format!("escalation:{escalation_id}"), KIND_ESCALATION, &payload, app.clock.now()).await?)
}

/// How patient the dispatcher is.
#[derive(Debug, Clone, Copy)]
pub struct OutboxSettings {
    /// First wait after the chat failed; doubles per attempt up to `retry_max`.
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// Wait after the chat refused us (permissions, unknown channel) before trying again.
    pub not_allowed_retry: Duration,
    /// A post left `sending` this long by an instance that died is taken over.
    pub lease: Duration,
    /// How often to look for due posts when nothing wakes the dispatcher.
    pub poll: Duration,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        OutboxSettings {
            retry_base: Duration::from_secs(5),
            retry_max: Duration::from_secs(300),
            not_allowed_retry: Duration::from_secs(300),
            lease: Duration::from_secs(120),
            poll: Duration::from_secs(5),
        }
    }
}

/// What became of one post, for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub key: String,
    pub delivery: Delivery,
}

/// Delivers the outbox through a chat.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    app: App,
    chat: Arc<dyn ChatOut>,
    instance: String,
    settings: OutboxSettings,
    wake: Arc<Notify>,
    /// The mail server, from `[mail]`; `None` keeps emails waiting in the outbox.
    mail: Option<Arc<dyn MailOut>>,
}

impl Dispatcher {
    /// A dispatcher posting through `chat` and emailing through the `[mail]` server, if any.
    pub fn new(app: App, chat: Arc<dyn ChatOut>, instance: &str, settings: OutboxSettings) -> Dispatcher {
        let mail = match &app.config.mail {
            Some(cfg) => match SmtpMail::new(cfg) {
                Ok(m) => Some(Arc::new(m) as Arc<dyn MailOut>),
                Err(e) => {
                    tracing::error!("[mail] could not be set up: {e:#}; emails wait in the outbox");
                    None
                }
            },
            None => None,
        };
        Dispatcher { app, chat, instance: instance.to_string(), settings, wake: Arc::new(Notify::new()), mail }
    }

    /// Wakes the dispatcher now (something was just queued).
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Claims every post that is due and delivers each, in the order they were queued.
    pub async fn deliver_due(&self) -> Result<Vec<Outcome>, StoreError> {
        let mut outcomes = Vec::new();
        loop {
            let now = self.app.clock.now();
            let stale = now - chrono::Duration::from_std(self.settings.lease).unwrap_or_default();
            let items = self.app.store.claim_outbox(&self.instance, now, stale, 20).await?;
            if items.is_empty() {
                return Ok(outcomes);
            }
            for item in items {
                let delivery = self.deliver(&item).await;
                match &delivery {
                    Delivery::Sent { .. } => tracing::info!(key = item.key, "posted"),
                    Delivery::Retry { error, retry_at, .. } => {
                        tracing::warn!(key = item.key, %retry_at, "not posted yet: {error}")
                    }
                    Delivery::Failed { error } => {
                        tracing::error!(key = item.key, "the chat refused this post; it stays in the outbox: {error}")
                    }
                }
                self.app.store.settle_outbox(item.id, &delivery, self.app.clock.now()).await?;
                outcomes.push(Outcome { key: item.key.clone(), delivery });
            }
        }
    }

    async fn deliver(&self, item: &OutboxItem) -> Delivery {
        let result = match item.kind.as_str() {
            KIND_POST => match serde_json::from_str::<PostJob>(&item.payload) {
                Ok(job) => self.deliver_post(item, &job).await,
                Err(e) => return Delivery::Failed { error: format!("unreadable post: {e}") },
            },
            KIND_ESCALATION => match serde_json::from_str::<EscalationJob>(&item.payload) {
                Ok(job) => self.deliver_escalation(item, &job).await,
                Err(e) => return Delivery::Failed { error: format!("unreadable escalation: {e}") },
            },
            KIND_EMAIL => match serde_json::from_str::<EmailJob>(&item.payload) {
                Ok(job) => return self.deliver_email(item, &job).await,
                Err(e) => return Delivery::Failed { error: format!("unreadable email: {e}") },
            },
            other => return Delivery::Failed { error: format!("unknown outbox item kind '{other}'") },
        };
        match result {
            Ok(posted) => Delivery::Sent { result: serde_json::to_string(&posted).unwrap_or_default() },
            Err(Step::Chat(e)) => self.retry_or_fail(item, e),
            Err(Step::Wait(why)) => {
                Delivery::Retry { error: why, retry_at: self.later(self.settings.retry_base), progress: None }
            }
            Err(Step::Store(e)) => Delivery::Retry {
                error: format!("database: {e}"),
                retry_at: self.later(self.settings.retry_base),
                progress: None,
            },
        }
    }

    fn retry_or_fail(&self, item: &OutboxItem, e: ChatError) -> Delivery {
        match e {
            ChatError::Rejected(error) => Delivery::Failed { error },
            ChatError::NotAllowed(error) => {
                tracing::error!(
                    key = item.key,
                    "arbot may not post this: {error}. It waits in the outbox and is retried every {} s; fix the bot's \
                     permissions or the channel id in arbot.toml.",
                    self.settings.not_allowed_retry.as_secs()
                );
                Delivery::Retry { error, retry_at: self.later(self.settings.not_allowed_retry), progress: None }
            }
            ChatError::Unavailable(error) => {
                let exp = u32::try_from(item.attempts.saturating_sub(1)).unwrap_or(u32::MAX).min(16);
                let wait =
                    self.settings.retry_base.saturating_mul(2u32.saturating_pow(exp)).min(self.settings.retry_max);
                // Up to a fifth more, so instances that failed together do not retry together.
                let jitter = wait.mul_f64(fastrand::f64() * 0.2);
                Delivery::Retry { error, retry_at: self.later(wait + jitter), progress: None }
            }
        }
    }

    fn later(&self, by: Duration) -> DateTime<Utc> {
        self.app.clock.now() + chrono::Duration::from_std(by).unwrap_or_else(|_| chrono::Duration::minutes(5))
    }

    async fn deliver_post(&self, item: &OutboxItem, job: &PostJob) -> Result<Posted, Step> {
        let channel = match &job.to {
            Destination::ArChannel => self.chat.ar_channel(),
            Destination::EscalationThread { escalation_id } => {
                let esc = self.app.store.escalation(*escalation_id).await.map_err(Step::Store)?;
                match esc.and_then(|e| e.thread_id) {
                    Some(thread) => thread,
                    None => return Err(Step::Wait(format!("escalation {escalation_id} has no thread yet"))),
                }
            }
        };
        Ok(self.chat.post(&channel, &job.post, &item.key, item.in_doubt()).await?)
    }

    /// The alert in the AR channel, the thread opened from it, then the thread's first message
    /// (which mentions the PM and carries the buttons). Each step is recorded as it lands, so a
    /// retry carries on where the last attempt stopped.
    async fn deliver_escalation(&self, item: &OutboxItem, job: &EscalationJob) -> Result<Posted, Step> {
        let store = &self.app.store;
        let id = job.escalation_id;
        let Some(esc) = store.escalation(id).await.map_err(Step::Store)? else {
            return Err(Step::Chat(ChatError::Rejected(format!("escalation {id} no longer exists"))));
        };
        let in_doubt = item.in_doubt();
        let alert = match (&esc.channel_id, &esc.message_id) {
            (Some(channel_id), Some(message_id)) => {
                Posted { channel_id: channel_id.clone(), message_id: message_id.clone() }
            }
            _ => {
                let posted = self
                    .chat
                    .post(&self.chat.ar_channel(), &job.alert, &format!("{}:alert", item.key), in_doubt)
                    .await?;
                let posts = EscalationPosts {
                    channel_id: Some(posted.channel_id.clone()),
                    message_id: Some(posted.message_id.clone()),
                    ..EscalationPosts::default()
                };
                store.record_escalation_posts(id, &posts).await.map_err(Step::Store)?;
                posted
            }
        };
        let thread = match &esc.thread_id {
            Some(t) => t.clone(),
            None => {
                let name = arbot_core::escalation::thread_name(&esc.title);
                let thread = self.chat.create_thread(&alert, &name).await?;
                let posts = EscalationPosts { thread_id: Some(thread.clone()), ..EscalationPosts::default() };
                store.record_escalation_posts(id, &posts).await.map_err(Step::Store)?;
                thread
            }
        };
        match &esc.thread_message_id {
            Some(m) => Ok(Posted { channel_id: thread, message_id: m.clone() }),
            None => {
                let first = self.chat.post(&thread, &job.first, &format!("{}:first", item.key), in_doubt).await?;
                let posts =
                    EscalationPosts { thread_message_id: Some(first.message_id.clone()), ..EscalationPosts::default() };
                store.record_escalation_posts(id, &posts).await.map_err(Step::Store)?;
                Ok(first)
            }
        }
    }

    /// Hands an email to the mail server once. SMTP cannot be asked afterwards whether a message
    /// arrived, so the attempt is marked before the hand-over: an attempt that finds that mark
    /// from a run that died is in doubt and is not sent again; the AR channel is asked to check.
    async fn deliver_email(&self, item: &OutboxItem, job: &EmailJob) -> Delivery {
        let to = job.email.to.join(", ");
        if item.in_doubt() && item.result.as_deref() == Some(HANDED) {
            let error = format!(
                "arbot stopped while handing this email to the mail server, so it may have gone out. It is not sent \
                 again; check the AR mailbox for Message-ID <{}>.",
                job.email.message_id
            );
            self.tell_ar(
                &format!("mail:doubt:{}", item.key),
                &format!("An email to {to} may or may not have gone out"),
                &error,
            )
            .await;
            return Delivery::Failed { error };
        }
        let Some(mail) = &self.mail else {
            self.tell_ar(
                &format!("mail:none:{}", self.app.today()),
                "Emails are waiting: no mail server is set up",
                "Add a [mail] section to arbot.toml (host, from) and restart arbot; the emails in the outbox then go out.",
            )
            .await;
            return Delivery::Retry {
                error: "no [mail] server is configured".to_string(),
                retry_at: self.later(self.settings.not_allowed_retry),
                progress: None,
            };
        };
        let (email, pdfs) = self.with_invoice_pdfs(job).await;
        if let Err(e) = self.app.store.mark_outbox_progress(item.id, HANDED).await {
            return Delivery::Retry {
                error: format!("database: {e}"),
                retry_at: self.later(self.settings.retry_base),
                progress: None,
            };
        }
        match mail.send(&email).await {
            Ok(reply) => {
                self.note_sent(item, job, &pdfs).await;
                Delivery::Sent {
                    result: serde_json::json!({"email": "sent", "message_id": job.email.message_id, "server": reply})
                        .to_string(),
                }
            }
            Err(MailError::Permanent(error)) => {
                self.tell_ar(
                    &format!("mail:refused:{}", item.key),
                    &format!("The mail server refused an email to {to}"),
                    &format!("{error}. Check the address with /mail contact; nothing more is sent for this email."),
                )
                .await;
                Delivery::Failed { error }
            }
            Err(MailError::Temporary(error) | MailError::Unreachable(error)) => {
                // Told once a day while the server keeps failing, not once per email.
                self.tell_ar(
                    &format!("mail:down:{}", self.app.today()),
                    "Emails are waiting: the mail server isn't taking them",
                    &format!("{error}. They stay in the outbox and go out by themselves once it is back."),
                )
                .await;
                let exp = u32::try_from(item.attempts.saturating_sub(1)).unwrap_or(u32::MAX).min(16);
                let wait =
                    self.settings.retry_base.saturating_mul(2u32.saturating_pow(exp)).min(self.settings.retry_max);
                Delivery::Retry { error, retry_at: self.later(wait), progress: Some(NOT_TAKEN.to_string()) }
            }
        }
    }

    /// The email with the invoices' own PDFs attached, fetched from their accounting systems now,
    /// and a sentence for the note on what was attached and what could not be (the email goes
    /// without a PDF the vendor does not give in time: the reminder matters more than the copy).
    async fn with_invoice_pdfs(&self, job: &EmailJob) -> (Email, String) {
        let mut email = job.email.clone();
        if job.invoice_pdfs.is_empty() {
            return (email, String::new());
        }
        let mut attached: Vec<(String, String)> = Vec::new();
        let mut missing = Vec::new();
        for want in &job.invoice_pdfs {
            let vendor = crate::connect::vendor_name(&self.app.config.sources, &want.source);
            let Some(source) = self.app.sources.iter().find(|s| s.name() == want.source) else {
                missing.push(format!("#{} ({vendor} is no longer set up)", want.number));
                continue;
            };
            match tokio::time::timeout(VENDOR_PDF_WAIT, source.invoice_pdf(&want.external_id)).await {
                Ok(Ok(Some(bytes))) => {
                    email.attachments.push(crate::reply::Attachment::new(invoice_file(&want.number), bytes));
                    attached.push((vendor, format!("#{}", want.number)));
                }
                Ok(Ok(None)) => missing.push(format!("#{} ({vendor} no longer has it)", want.number)),
                Ok(Err(e)) => missing.push(format!("#{} ({e})", want.number)),
                Err(_) => missing.push(format!(
                    "#{} ({vendor} took more than {} seconds)",
                    want.number,
                    VENDOR_PDF_WAIT.as_secs()
                )),
            }
        }
        let mut said = String::new();
        if let Some((vendor, _)) = attached.first() {
            let numbers: Vec<&str> = attached.iter().map(|(_, n)| n.as_str()).collect();
            let from =
                if attached.iter().all(|(v, _)| v == vendor) { vendor.as_str() } else { "the accounting systems" };
            said.push_str(&format!(" With the invoice PDFs from {from}: {}.", numbers.join(", ")));
        }
        if !missing.is_empty() {
            said.push_str(&format!(" Sent without the invoice PDFs of {}.", missing.join(", ")));
        }
        (email, said)
    }

    /// The sent email as a note on the account, once (its key is the outbox key), with what
    /// [`Self::with_invoice_pdfs`] said of the invoices' PDFs.
    async fn note_sent(&self, item: &OutboxItem, job: &EmailJob, pdfs: &str) {
        let now = self.app.clock.now();
        let note = arbot_core::collections::NewNote {
            customer_id: job.customer_id,
            invoice_id: None,
            kind: "email".to_string(),
            body: if job.approved_by == BY_ITSELF {
                format!(
                    "{}{pdfs} Sent by itself (its stage needs no approval); Message-ID <{}>.",
                    job.note, job.email.message_id
                )
            } else {
                format!("{}{pdfs} Approved by {}; Message-ID <{}>.", job.note, job.approved_by, job.email.message_id)
            },
            author: "arbot".to_string(),
            created_at: now,
            follow_up_on: None,
            day_only: false,
        };
        let by = arbot_core::audit::Author::new("arbot", "arbot", arbot_core::audit::Surface::Cli)
            .with_key(format!("note:{}", item.key));
        if let Err(e) = self.app.store.add_note(&note, &by).await {
            tracing::error!(key = item.key, "the email went out but its note could not be logged: {e}");
        }
    }

    /// A warning to the AR channel, once per `key`.
    async fn tell_ar(&self, key: &str, title: &str, text: &str) {
        let mut reply = Reply::titled(title).line(text);
        reply.severity = Severity::Warning;
        if let Err(e) = enqueue_post(&self.app, key, Destination::ArChannel, Post::of(reply)).await {
            tracing::error!(key, "could not queue a warning for the AR channel: {e:#}");
        }
    }

    /// Delivers due posts until `shutdown` turns true: whenever woken, and every `poll`.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if let Err(e) = self.deliver_due().await {
                tracing::error!("the outbox could not be read: {e}; trying again shortly");
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(self.settings.poll) => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                return;
            }
        }
    }
}

/// Why a delivery stopped short.
enum Step {
    Chat(ChatError),
    /// Not ready yet (a thread still to be opened); not the chat's fault.
    Wait(String),
    Store(StoreError),
}

impl From<ChatError> for Step {
    fn from(e: ChatError) -> Self {
        Step::Chat(e)
    }
}
