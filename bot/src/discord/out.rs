//! [`ChatOut`] for Discord, over serenity's REST client: posts (split to fit Discord's limits),
//! threads opened from messages, and the lookups that keep a retried post from landing twice.

use std::sync::Arc;

use poise::serenity_prelude as serenity;

use super::render::{components, embed, embeds_for};
use crate::chat::{ChatError, ChatOut, Post, Posted};
use crate::config::DiscordConfig;

/// Discord, as the outbox sees it.
#[derive(Debug, Clone)]
pub struct DiscordOut {
    http: Arc<serenity::Http>,
    config: DiscordConfig,
    bot_id: serenity::UserId,
}

impl DiscordOut {
    pub fn new(http: Arc<serenity::Http>, config: DiscordConfig, bot_id: serenity::UserId) -> DiscordOut {
        DiscordOut { http, config, bot_id }
    }

    /// "<@123> can you help?" for the mentioned people Discord knows; "@dana" for the others.
    fn mention_line(&self, post: &Post) -> Option<(String, Vec<serenity::UserId>)> {
        let text = post.text.as_deref()?;
        let mut ids = Vec::new();
        let mut who = Vec::new();
        for name in &post.mention {
            match self.config.person(name) {
                Some(id) => {
                    ids.push(serenity::UserId::new(id));
                    who.push(format!("<@{id}>"));
                }
                None => who.push(crate::wording::at(name)),
            }
        }
        let line = if who.is_empty() { text.to_string() } else { format!("{} {text}", who.join(" ")) };
        Some((line, ids))
    }
}

impl DiscordOut {
    /// A sentence for a failed call a person can act on (a rejected token), if it is one.
    pub fn describe(e: &serenity::Error) -> Option<String> {
        match classify(e) {
            ChatError::NotAllowed(text) => Some(text),
            _ => None,
        }
    }
}

/// Discord's nonce for one part of a post: at most 25 characters, the same on every retry, so
/// Discord itself refuses a duplicate sent within its dedupe window.
fn nonce(key: &str, part: usize) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes().chain(part.to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("arbot{h:016x}")
}

fn channel(id: &str) -> Result<serenity::ChannelId, ChatError> {
    id.parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .map(serenity::ChannelId::new)
        .ok_or_else(|| ChatError::Rejected(format!("'{id}' is not a Discord channel id")))
}

/// Sorts a serenity failure into what the outbox should do about it.
pub fn classify(e: &serenity::Error) -> ChatError {
    match e {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) => {
            let status = r.status_code.as_u16();
            let what = format!("Discord answered {status} ({}: {})", r.error.code, r.error.message);
            match status {
                401 => ChatError::NotAllowed(format!("{what}: the bot token was rejected; set DISCORD_TOKEN again")),
                403 => ChatError::NotAllowed(format!(
                    "{what}: the bot lacks a permission there (it needs View Channel, Send Messages, Embed Links, \
                     Attach Files, Read Message History, Create Public Threads and Send Messages in Threads)"
                )),
                404 => ChatError::NotAllowed(format!("{what}: check discord.ar_channel_id in arbot.toml")),
                429 | 500..=599 => ChatError::Unavailable(what),
                _ => ChatError::Rejected(what),
            }
        }
        other => ChatError::Unavailable(super::startup::plain(other)),
    }
}

/// Whether a message already in the channel is this part of our post (same title and text).
/// Discord's listings carry no nonce, so content is the evidence: an identical message by the
/// bot among the channel's last 50 counts as this post, which at worst skips a repeat of a
/// message the channel already shows.
fn same_part(m: &serenity::Message, spec: &super::render::EmbedSpec) -> bool {
    let Some(e) = m.embeds.first() else { return false };
    let description = (!spec.description.is_empty()).then(|| spec.description.clone());
    e.title == spec.title && e.description == description
}

#[async_trait::async_trait]
impl ChatOut for DiscordOut {
    fn ar_channel(&self) -> String {
        self.config.ar_channel_id.to_string()
    }

    async fn post(&self, to: &str, post: &Post, key: &str, in_doubt: bool) -> Result<Posted, ChatError> {
        let channel_id = channel(to)?;
        let messages = embeds_for(&post.reply);
        // An earlier attempt may have landed before we heard back: look at what is there first.
        let recent = if in_doubt {
            let found = channel_id
                .messages(&self.http, serenity::GetMessages::new().limit(50))
                .await
                .map_err(|e| classify(&e))?;
            found.into_iter().filter(|m| m.author.id == self.bot_id).collect()
        } else {
            Vec::new()
        };
        let mut first: Option<Posted> = None;
        let count = messages.len();
        for (i, embeds) in messages.iter().enumerate() {
            let landed = embeds.first().and_then(|spec| recent.iter().find(|m| same_part(m, spec)));
            let id = match landed {
                Some(m) => m.id,
                None => {
                    let mut msg = serenity::CreateMessage::new()
                        .embeds(embeds.iter().map(embed).collect())
                        .nonce(serenity::Nonce::String(nonce(key, i)))
                        .enforce_nonce(true)
                        .allowed_mentions(serenity::CreateAllowedMentions::new());
                    if i == 0
                        && let Some((line, ids)) = self.mention_line(post)
                    {
                        msg = msg.content(line).allowed_mentions(serenity::CreateAllowedMentions::new().users(ids));
                    }
                    if i + 1 == count {
                        msg = msg.components(components(&post.reply));
                        for a in &post.reply.attachments {
                            let file = serenity::CreateAttachment::bytes(a.content.clone(), a.name.clone());
                            msg = msg.add_file(file);
                        }
                    }
                    channel_id.send_message(&self.http, msg).await.map_err(|e| classify(&e))?.id
                }
            };
            first.get_or_insert(Posted { channel_id: channel_id.to_string(), message_id: id.to_string() });
        }
        first.ok_or_else(|| ChatError::Rejected("nothing to post".to_string()))
    }

    async fn create_thread(&self, from: &Posted, name: &str) -> Result<String, ChatError> {
        let channel_id = channel(&from.channel_id)?;
        let message_id = serenity::MessageId::new(channel(&from.message_id)?.get());
        let builder = serenity::CreateThread::new(name).auto_archive_duration(serenity::AutoArchiveDuration::OneWeek);
        match channel_id.create_thread_from_message(&self.http, message_id, builder).await {
            Ok(thread) => Ok(thread.id.to_string()),
            // 160004: "A thread has already been created for this message" — an earlier attempt
            // opened it; a thread opened from a message has the message's id.
            Err(serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r))) if r.error.code == 160004 => {
                Ok(from.message_id.clone())
            }
            Err(e) => Err(classify(&e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_fit_and_are_stable() {
        let a = nonce("digest:2026-11-30", 0);
        assert!(a.len() <= 25, "{a}");
        assert_eq!(a, nonce("digest:2026-11-30", 0));
        assert_ne!(a, nonce("digest:2026-11-30", 1));
        assert_ne!(a, nonce("digest:2026-12-01", 0));
    }
}
