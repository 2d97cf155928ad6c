//! The startup check: before arbot connects, it asks Discord who it is, whether it is in the
//! configured server, whether the AR channel exists there, and what it may do in that channel —
//! and says which of these is wrong and how to fix it.

use poise::serenity_prelude as serenity;

use crate::config::DiscordConfig;

/// What the bot may need in the AR channel, with the names Discord's settings use.
pub const NEEDED: &[(serenity::Permissions, &str)] = &[
    (serenity::Permissions::VIEW_CHANNEL, "View Channel"),
    (serenity::Permissions::SEND_MESSAGES, "Send Messages"),
    (serenity::Permissions::EMBED_LINKS, "Embed Links"),
    (serenity::Permissions::ATTACH_FILES, "Attach Files"),
    (serenity::Permissions::READ_MESSAGE_HISTORY, "Read Message History"),
    (serenity::Permissions::CREATE_PUBLIC_THREADS, "Create Public Threads"),
    (serenity::Permissions::SEND_MESSAGES_IN_THREADS, "Send Messages in Threads"),
];

/// Who the bot is, once Discord accepted its token.
#[derive(Debug, Clone)]
pub struct Identity {
    pub user_id: serenity::UserId,
    pub name: String,
}

/// What the check found that needs a person but does not stop arbot (posts wait in the outbox).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Findings {
    pub problems: Vec<String>,
}

/// The bot's permissions in a channel: the server's roles, then the channel's overwrites for
/// @everyone, for the member's roles and for the member (Discord's documented order).
pub fn effective_permissions(
    guild_id: serenity::GuildId,
    roles: &[serenity::Role],
    member_roles: &[serenity::RoleId],
    member_id: serenity::UserId,
    channel: &serenity::GuildChannel,
) -> serenity::Permissions {
    let everyone_role = serenity::RoleId::new(guild_id.get());
    let mut perms = serenity::Permissions::empty();
    for role in roles {
        if role.id == everyone_role || member_roles.contains(&role.id) {
            perms |= role.permissions;
        }
    }
    if perms.contains(serenity::Permissions::ADMINISTRATOR) {
        return serenity::Permissions::all();
    }
    let overwrites = &channel.permission_overwrites;
    for o in overwrites {
        if o.kind == serenity::PermissionOverwriteType::Role(everyone_role) {
            perms = (perms & !o.deny) | o.allow;
        }
    }
    let (mut allow, mut deny) = (serenity::Permissions::empty(), serenity::Permissions::empty());
    for o in overwrites {
        if let serenity::PermissionOverwriteType::Role(r) = o.kind
            && r != everyone_role
            && member_roles.contains(&r)
        {
            allow |= o.allow;
            deny |= o.deny;
        }
    }
    perms = (perms & !deny) | allow;
    for o in overwrites {
        if o.kind == serenity::PermissionOverwriteType::Member(member_id) {
            perms = (perms & !o.deny) | o.allow;
        }
    }
    perms
}

/// A failed Discord call in plain words (serenity's own words go to the log, at debug).
pub(crate) fn plain(e: &serenity::Error) -> String {
    tracing::debug!("Discord call failed: {e:?}");
    match e {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) => {
            format!("Discord answered {} ({})", r.status_code.as_u16(), r.error.message)
        }
        serenity::Error::Http(serenity::HttpError::Request(r)) if r.is_timeout() => {
            "Discord did not answer in time".to_string()
        }
        serenity::Error::Http(serenity::HttpError::Request(_)) => {
            "Discord could not be reached (no connection, or it broke off)".to_string()
        }
        _ => "the call to Discord failed (ARBOT_LOG=debug shows why)".to_string(),
    }
}

fn status(e: &serenity::Error) -> Option<u16> {
    match e {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) => Some(r.status_code.as_u16()),
        _ => None,
    }
}

/// Checks the token, the server and the AR channel. A wrong token or server stops arbot (it
/// could do nothing); a missing channel or permission is reported and arbot runs on, keeping
/// what it would post in the outbox until the setup is fixed.
pub async fn check(http: &serenity::Http, cfg: &DiscordConfig) -> anyhow::Result<(Identity, Findings)> {
    let me = match http.get_current_user().await {
        Ok(me) => me,
        Err(e) if status(&e) == Some(401) => anyhow::bail!(
            "Discord rejected the bot token (401 Unauthorized). In the Discord Developer Portal open your \
             application → Bot → Reset Token, then set DISCORD_TOKEN to the new token."
        ),
        Err(e) => anyhow::bail!("Can't check the bot token: {}. Check the network and try again.", plain(&e)),
    };
    let identity = Identity { user_id: me.id, name: me.name.clone() };
    let guild = serenity::GuildId::new(cfg.guild_id);
    let roles = match http.get_guild_roles(guild).await {
        Ok(r) => r,
        Err(e) if matches!(status(&e), Some(403 | 404)) => anyhow::bail!(
            "The bot {} is not in the Discord server {} (discord.guild_id in arbot.toml), or that id is wrong. \
             Invite the bot with the link in the README (scopes bot and applications.commands), or fix guild_id.",
            me.name,
            cfg.guild_id
        ),
        Err(e) => anyhow::bail!("Can't read the Discord server {}: {}.", cfg.guild_id, plain(&e)),
    };
    let mut problems = Vec::new();
    let channel_id = serenity::ChannelId::new(cfg.ar_channel_id);
    let channel = match http.get_channel(channel_id).await {
        Ok(serenity::Channel::Guild(c)) if c.guild_id == guild => Some(c),
        Ok(_) => {
            problems.push(format!(
                "The AR channel {} (discord.ar_channel_id) is not a text channel of the server {}. Right-click the \
                 AR channel → Copy Channel ID and put it in arbot.toml.",
                cfg.ar_channel_id, cfg.guild_id
            ));
            None
        }
        Err(e) if matches!(status(&e), Some(403 | 404)) => {
            problems.push(format!(
                "The AR channel {} (discord.ar_channel_id) doesn't exist or the bot can't see it. Check the id \
                 (right-click the channel → Copy Channel ID) and give the bot View Channel there.",
                cfg.ar_channel_id
            ));
            None
        }
        Err(e) => anyhow::bail!("Can't read the AR channel {}: {}.", cfg.ar_channel_id, plain(&e)),
    };
    if let Some(channel) = channel {
        let member = http
            .get_member(guild, me.id)
            .await
            .map_err(|e| anyhow::anyhow!("Can't read the bot's roles: {}.", plain(&e)))?;
        let perms = effective_permissions(guild, &roles, &member.roles, me.id, &channel);
        let missing: Vec<&str> = NEEDED.iter().filter(|(p, _)| !perms.contains(*p)).map(|(_, n)| *n).collect();
        if !missing.is_empty() {
            problems.push(format!(
                "The bot lacks {} in #{}. Digests, warnings and escalations wait in the outbox and are retried until \
                 then; grant these in Server Settings → Roles (the bot's role) or in the channel's Permissions.",
                missing.join(", "),
                channel.name
            ));
        }
    }
    Ok((identity, Findings { problems }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(id: u64, perms: serenity::Permissions) -> serenity::Role {
        serde_json::from_value(serde_json::json!({
            "id": id.to_string(), "name": format!("r{id}"), "color": 0,
            "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
            "hoist": false, "position": 1, "permissions": perms.bits().to_string(), "managed": false,
            "mentionable": false, "flags": 0
        }))
        .unwrap()
    }

    fn channel(overwrites: serde_json::Value) -> serenity::GuildChannel {
        serde_json::from_value(serde_json::json!({
            "id": "300", "type": 0, "guild_id": "100", "name": "ar", "position": 0,
            "permission_overwrites": overwrites
        }))
        .unwrap()
    }

    #[test]
    fn overwrites_apply_in_discords_order() {
        use serenity::Permissions as P;
        let guild = serenity::GuildId::new(100);
        let bot = serenity::UserId::new(9);
        let roles = [role(100, P::VIEW_CHANNEL | P::SEND_MESSAGES), role(7, P::EMBED_LINKS | P::CREATE_PUBLIC_THREADS)];
        let member_roles = [serenity::RoleId::new(7)];
        let open = channel(serde_json::json!([]));
        let p = effective_permissions(guild, &roles, &member_roles, bot, &open);
        assert!(p.contains(P::SEND_MESSAGES | P::EMBED_LINKS | P::CREATE_PUBLIC_THREADS));
        assert!(!p.contains(P::SEND_MESSAGES_IN_THREADS));
        // @everyone denied Send Messages in the channel; the bot's role allows it back.
        let ch = channel(serde_json::json!([
            {"id": "100", "type": 0, "allow": "0", "deny": P::SEND_MESSAGES.bits().to_string()},
            {"id": "7", "type": 0, "allow": P::SEND_MESSAGES.bits().to_string(), "deny": "0"}
        ]));
        assert!(effective_permissions(guild, &roles, &member_roles, bot, &ch).contains(P::SEND_MESSAGES));
        // A member overwrite has the last word.
        let ch = channel(serde_json::json!([
            {"id": "9", "type": 1, "allow": "0", "deny": P::EMBED_LINKS.bits().to_string()}
        ]));
        assert!(!effective_permissions(guild, &roles, &member_roles, bot, &ch).contains(P::EMBED_LINKS));
        // Administrators may do everything.
        let admin = [role(100, P::ADMINISTRATOR)];
        assert_eq!(effective_permissions(guild, &admin, &[], bot, &ch), P::all());
    }
}
