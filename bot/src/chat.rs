//! The chat output port: how arbot posts on its own (digests, lien warnings, escalation threads),
//! as opposed to answering a command. Everything that posts goes through the outbox
//! ([`crate::outbox`]), which calls a [`ChatOut`]: one implementation for Discord
//! ([`crate::discord::DiscordOut`]), one for the console ([`crate::console::ConsoleOut`]).

use std::fmt;

use serde::{Deserialize, Serialize};

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
