//! The chat output port: how arbot posts on its own (digests, lien warnings, escalation threads),
//! as opposed to answering a command. Everything that posts goes through the outbox
//! ([`crate::outbox`]), which calls a [`ChatOut`]: one implementation for Discord
//! ([`crate::discord::DiscordOut`]), one for the console ([`ConsoleOut`]).

use std::fmt;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::render::to_text;
use crate::reply::Reply;

/// A message to post: the reply view model, plus the people to call on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Post {
    /// A line above the message, addressed to the people in `mention` ("can you help?").
    pub text: Option<String>,
    /// People to notify, by the name the ledger knows them by (a PM such as "dana"). The chat
    /// turns each into a mention of the right user.
    pub mention: Vec<String>,
    pub reply: Reply,
}

impl Post {
    pub fn of(reply: Reply) -> Post {
        Post { text: None, mention: Vec::new(), reply }
    }
}

/// Where a message landed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posted {
    pub channel_id: String,
    pub message_id: String,
}

/// Why a post did not go out. Each variant tells the outbox what to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatError {
    /// The chat is down, slow or rate-limiting us: try again soon.
    Unavailable(String),
    /// arbot is not allowed to post there (permissions, an unknown channel, a revoked token): a
    /// person must fix the setup; the post waits and is retried.
    NotAllowed(String),
    /// The chat refused the message itself; sending it again will not help.
    Rejected(String),
}

impl fmt::Display for ChatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChatError::Unavailable(s) | ChatError::NotAllowed(s) | ChatError::Rejected(s) => f.write_str(s),
        }
    }
}

/// What arbot needs from a chat to post on its own.
#[async_trait::async_trait]
pub trait ChatOut: Send + Sync + fmt::Debug {
    /// The AR channel: where digests, warnings and escalation alerts go.
    fn ar_channel(&self) -> String;

    /// Posts to a channel or thread. `key` identifies the post across retries; when `in_doubt`,
    /// an earlier attempt may already have landed, so look before posting again. A long post may
    /// take several messages; the first one is returned (a thread opens from it).
    async fn post(&self, channel: &str, post: &Post, key: &str, in_doubt: bool) -> Result<Posted, ChatError>;

    /// Opens a thread from a posted message; returns the thread's channel id. Opening it again
    /// returns the same thread.
    async fn create_thread(&self, from: &Posted, name: &str) -> Result<String, ChatError>;
}

/// The console: posts are written as text, as they would read in the channel, and collected for
/// the console to print after its answer ([`ConsoleOut::take`]).
#[derive(Default)]
pub struct ConsoleOut {
    next: Mutex<u64>,
    written: Mutex<String>,
}

impl fmt::Debug for ConsoleOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ConsoleOut")
    }
}

impl ConsoleOut {
    fn next_id(&self) -> String {
        let mut n = self.next.lock().unwrap_or_else(|p| p.into_inner());
        *n += 1;
        n.to_string()
    }

    fn write(&self, text: &str) {
        self.written.lock().unwrap_or_else(|p| p.into_inner()).push_str(text);
    }

    /// What was posted since the last call.
    pub fn take(&self) -> String {
        std::mem::take(&mut *self.written.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

#[async_trait::async_trait]
impl ChatOut for ConsoleOut {
    fn ar_channel(&self) -> String {
        "ar".to_string()
    }

    async fn post(&self, channel: &str, post: &Post, _key: &str, _in_doubt: bool) -> Result<Posted, ChatError> {
        let mut out = String::new();
        let place = if channel == "ar" { "#ar".to_string() } else { format!("thread {channel}") };
        out.push_str(&format!("── posted in {place} ──\n"));
        if let Some(text) = &post.text {
            let who: Vec<String> = post.mention.iter().map(|m| crate::commands::at(m)).collect();
            if who.is_empty() {
                out.push_str(&format!("{text}\n"));
            } else {
                out.push_str(&format!("{} {text}\n", who.join(" ")));
            }
        }
        out.push_str(&to_text(&post.reply));
        if !post.reply.buttons.is_empty() {
            let labels: Vec<String> = post.reply.buttons.iter().map(|b| format!("[{}]", b.label)).collect();
            out.push_str(&format!("{}\n", labels.join(" ")));
        }
        self.write(&out);
        Ok(Posted { channel_id: channel.to_string(), message_id: self.next_id() })
    }

    async fn create_thread(&self, from: &Posted, name: &str) -> Result<String, ChatError> {
        self.write(&format!("── thread opened: {name} ──\n"));
        // As in Discord, a thread opened from a message takes the message's id.
        Ok(from.message_id.clone())
    }
}
