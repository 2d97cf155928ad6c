//! The console as the chat: posts are written as text, as they would read in the AR channel.

use std::fmt;
use std::sync::Mutex;

use super::render::to_text;
use crate::chat::{ChatError, ChatOut, Post, Posted};
use crate::wording::at;

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
            let who: Vec<String> = post.mention.iter().map(|m| at(m)).collect();
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
