//! The mail output port: how arbot emails customers (reminders now; statements and letters
//! later). Like chat posts, every email goes through the outbox ([`crate::outbox`]), which calls
//! a [`MailOut`]; [`SmtpMail`] is the one implementation, over `lettre` (STARTTLS, TLS, or plain
//! for a relay on the same host). From, Reply-To and BCC come from `[mail]` in arbot.toml; the
//! password from `ARBOT_SMTP_PASSWORD` or `[mail] password_file`, never from the file itself.

use std::fmt;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment as MailAttachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::config::{MailConfig, MailTls};
use crate::reply::Attachment;

/// One email to a customer, as queued in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub attachments: Vec<Attachment>,
    /// The Message-ID (without angle brackets), derived from the outbox key so every attempt
    /// at one email carries the same id.
    pub message_id: String,
}

/// Why an email did not go out. Each variant tells the outbox what to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailError {
    /// The server answered 4xx (busy, greylisting, a mailbox over quota for now): try again.
    Temporary(String),
    /// The server could not be reached (down, a timeout, TLS failed): the email was not taken; try again.
    Unreachable(String),
    /// The server answered 5xx (no such mailbox, refused): sending it again will not help.
    Permanent(String),
}

impl fmt::Display for MailError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MailError::Temporary(s) | MailError::Unreachable(s) | MailError::Permanent(s) => f.write_str(s),
        }
    }
}

/// What arbot needs from a mail server.
#[async_trait::async_trait]
pub trait MailOut: Send + Sync + fmt::Debug {
    /// Hands the email over; the server's reply on success.
    async fn send(&self, email: &Email) -> Result<String, MailError>;
}

/// Email over SMTP.
#[derive(Clone)]
pub struct SmtpMail {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    reply_to: Option<Mailbox>,
    bcc: Option<Mailbox>,
    host: String,
}

impl fmt::Debug for SmtpMail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpMail").field("host", &self.host).field("from", &self.from.to_string()).finish()
    }
}

impl SmtpMail {
    pub fn new(cfg: &MailConfig) -> anyhow::Result<SmtpMail> {
        let builder = match cfg.tls {
            MailTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.host)?,
            MailTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&cfg.host)?,
            MailTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host),
        };
        let mut builder = builder.port(cfg.port).timeout(Some(Duration::from_secs(cfg.timeout_secs)));
        if let (Some(user), Some(password)) = (&cfg.username, &cfg.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.expose_secret().to_string()));
        }
        Ok(SmtpMail {
            transport: builder.build(),
            from: cfg.from.parse()?,
            reply_to: cfg.reply_to.as_deref().map(str::parse).transpose()?,
            bcc: cfg.bcc.as_deref().map(str::parse).transpose()?,
            host: cfg.host.clone(),
        })
    }

    fn message(&self, email: &Email) -> Result<Message, MailError> {
        let mut b = Message::builder()
            .from(self.from.clone())
            .subject(email.subject.clone())
            .message_id(Some(format!("<{}>", email.message_id)));
        for to in &email.to {
            let to: Mailbox = to
                .parse()
                .map_err(|e| MailError::Permanent(format!("'{to}' is not an address the mail server takes: {e}")))?;
            b = b.to(to);
        }
        if let Some(r) = &self.reply_to {
            b = b.reply_to(r.clone());
        }
        if let Some(bcc) = &self.bcc {
            b = b.bcc(bcc.clone());
        }
        let mut body = MultiPart::mixed().singlepart(SinglePart::plain(email.text.clone()));
        for a in &email.attachments {
            body = body.singlepart(MailAttachment::new(a.name.clone()).body(a.content.clone(), content_type(&a.name)));
        }
        b.multipart(body).map_err(|e| MailError::Permanent(format!("the email could not be put together: {e}")))
    }
}

fn content_type(name: &str) -> ContentType {
    let lower = name.to_ascii_lowercase();
    let mime = if lower.ends_with(".pdf") {
        "application/pdf"
    } else if lower.ends_with(".csv") {
        "text/csv"
    } else {
        "application/octet-stream"
    };
    ContentType::parse(mime).unwrap_or(ContentType::TEXT_PLAIN)
}

#[async_trait::async_trait]
impl MailOut for SmtpMail {
    async fn send(&self, email: &Email) -> Result<String, MailError> {
        let message = self.message(email)?;
        match self.transport.send(message).await {
            Ok(reply) => Ok(reply.message().collect::<Vec<_>>().join(" ")),
            Err(e) if e.is_permanent() => Err(MailError::Permanent(format!("{} refused it: {e}", self.host))),
            Err(e) if e.is_transient() => Err(MailError::Temporary(format!("{} said try later: {e}", self.host))),
            Err(e) => Err(MailError::Unreachable(format!("{} could not be reached: {e}", self.host))),
        }
    }
}
