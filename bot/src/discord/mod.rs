//! The Discord adapter (serenity 0.12 + poise 0.7): `/ar` with every console command as a
//! subcommand, answers as embeds, buttons routed by id, and `arbot run` — the startup check, the
//! outbox dispatcher and the scheduler on every instance, and the gateway on exactly one.
//!
//! The adapter only translates: commands run the platform-neutral handlers in
//! [`crate::commands`], posts come from the outbox, and state lives in the database.

mod commands;
mod events;
mod out;
pub mod render;
mod startup;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use arbot_connector_http::{ExposeSecret, Secret};
use poise::serenity_prelude as serenity;
use tokio::sync::{Notify, watch};

use crate::app::App;
use crate::config::DiscordConfig;
use crate::outbox::{Dispatcher, OutboxSettings};
use crate::roles::Actor;
use crate::scheduler::Scheduler;

pub use self::out::DiscordOut;
pub use self::startup::{Findings, Identity, NEEDED, check as startup_check, effective_permissions};

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// What every command and click can reach.
#[derive(Debug)]
pub struct Data {
    pub app: App,
    pub discord: DiscordConfig,
    /// Wakes the outbox dispatcher after something was queued.
    pub wake: Arc<Notify>,
}

/// The bot token: a [`Secret`], never printed, read where it is sent.
#[derive(Debug, Clone)]
pub struct Token(Secret);

impl Token {
    pub fn new(token: impl Into<String>) -> Token {
        Token(Secret::from(token.into().trim()))
    }

    /// From `DISCORD_TOKEN`, or the file `DISCORD_TOKEN_FILE` names.
    pub fn from_env() -> anyhow::Result<Token> {
        if let Ok(t) = std::env::var("DISCORD_TOKEN")
            && !t.trim().is_empty()
        {
            return Ok(Token::new(t));
        }
        if let Ok(path) = std::env::var("DISCORD_TOKEN_FILE") {
            let t =
                std::fs::read_to_string(&path).with_context(|| format!("Can't read DISCORD_TOKEN_FILE ({path})"))?;
            if !t.trim().is_empty() {
                return Ok(Token::new(t));
            }
            anyhow::bail!("DISCORD_TOKEN_FILE ({path}) is empty; put the bot token in it");
        }
        anyhow::bail!(
            "arbot run needs a Discord bot token: set DISCORD_TOKEN (or DISCORD_TOKEN_FILE to a file holding it). \
             Create one in the Discord Developer Portal → your application → Bot → Reset Token; the README's \
             \"Running the Discord bot\" section walks through it."
        )
    }
}

/// How `arbot run` paces itself (tests make it brisk).
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// A name for this instance in the database's run and outbox records.
    pub instance: String,
    pub scheduler_every: Duration,
    pub outbox: OutboxSettings,
    /// How often a standby instance tries to take over the gateway.
    pub standby_poll: Duration,
    /// How long a Discord request may take before it counts as failed.
    pub request_timeout: Duration,
}

impl Default for RunSettings {
    fn default() -> Self {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "arbot".to_string());
        RunSettings {
            instance: format!("{host}-{}", std::process::id()),
            scheduler_every: Duration::from_secs(30),
            outbox: OutboxSettings::default(),
            standby_poll: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// The REST client: the real Discord, or the `api_url` tests point at (serenity's rate limiter
/// bypasses a proxy, so it is off there; the fake Discord does not rate-limit).
pub fn http(token: &Token, cfg: &DiscordConfig, timeout: Duration) -> anyhow::Result<serenity::Http> {
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(10))
        .build()
        .context("can't set up the HTTP client")?;
    let mut builder = serenity::HttpBuilder::new(token.0.expose_secret()).client(client);
    if let Some(url) = &cfg.api_url {
        builder = builder.proxy(url.clone()).ratelimiter_disabled(true);
    }
    Ok(builder.build())
}

/// The arbot roles and name of whoever clicked or typed. A person listed in `[discord.people]`
/// goes by that name (the one the ledger uses for PMs).
pub fn actor(user: &serenity::User, member: Option<&serenity::Member>, cfg: &DiscordConfig) -> Actor {
    let discord_roles: Vec<u64> = member.map(|m| m.roles.iter().map(|r| r.get()).collect()).unwrap_or_default();
    let known = cfg.people.iter().find(|(_, id)| **id == user.id.get()).map(|(name, _)| name.clone());
    let name = known
        .or_else(|| member.and_then(|m| m.nick.clone()))
        .or_else(|| user.global_name.clone())
        .unwrap_or_else(|| user.name.clone());
    Actor { id: user.id.to_string(), name, roles: cfg.roles_of(&discord_roles) }
}

/// Customer financials are shown publicly only in the AR channel and its threads.
pub fn public_here(
    channel_id: serenity::ChannelId,
    channel: Option<&serenity::PartialChannel>,
    cfg: &DiscordConfig,
) -> bool {
    channel_id.get() == cfg.ar_channel_id
        || channel.and_then(|c| c.parent_id).is_some_and(|p| p.get() == cfg.ar_channel_id)
}

/// `arbot run`: checks the setup, then runs until `shutdown` turns true. Every instance runs the
/// outbox and the scheduler (each post and each scheduled run is claimed once in the database);
/// the gateway — `/ar` and the buttons — runs on exactly one, the holder of the leader lock.
pub async fn run(app: App, token: Token, settings: RunSettings, shutdown: watch::Receiver<bool>) -> anyhow::Result<()> {
    let discord = app.config.discord.clone().context(
        "arbot run needs a [discord] section in arbot.toml (guild_id and ar_channel_id at least); see the README's \
         \"Running the Discord bot\"",
    )?;
    let http = Arc::new(http(&token, &discord, settings.request_timeout)?);
    let (me, findings) = startup::check(&http, &discord).await?;
    tracing::info!(bot = me.name, guild = discord.guild_id, "Discord accepted the token");
    for problem in &findings.problems {
        tracing::error!("{problem}");
    }
    let chat = Arc::new(DiscordOut::new(http.clone(), discord.clone(), me.user_id));
    let dispatcher = Dispatcher::new(app.clone(), chat, &settings.instance, settings.outbox);
    let wake = dispatcher.waker();
    let scheduler = Scheduler::new(app.clone(), &settings.instance, wake.clone())?;
    let outbox_task = tokio::spawn(dispatcher.run(shutdown.clone()));
    let scheduler_task = tokio::spawn(scheduler.run_every(settings.scheduler_every, shutdown.clone()));

    let mut shutdown_rx = shutdown.clone();
    let mut announced_standby = false;
    while !*shutdown_rx.borrow() {
        match app.store.try_lead("discord-gateway").await {
            Ok(Some(lead)) => {
                announced_standby = false;
                tracing::info!(instance = settings.instance, "this instance holds the Discord gateway");
                let data = Data { app: app.clone(), discord: discord.clone(), wake: wake.clone() };
                if let Err(e) = gateway(&token, &settings, data, lead, shutdown.clone()).await {
                    tracing::error!("the Discord gateway stopped: {e:#}; reconnecting shortly");
                }
            }
            Ok(None) => {
                if !announced_standby {
                    tracing::info!("another instance holds the Discord gateway; this one stands by and posts");
                    announced_standby = true;
                }
            }
            Err(e) => tracing::error!("can't take the gateway lock: {e}"),
        }
        tokio::select! {
            _ = tokio::time::sleep(settings.standby_poll) => {}
            _ = shutdown_rx.changed() => {}
        }
    }
    let _ = outbox_task.await;
    let _ = scheduler_task.await;
    Ok(())
}

/// Connects the gateway and serves `/ar` and the buttons until shutdown or until the leader lock
/// is lost (then another instance takes over). serenity reconnects and resumes on its own.
async fn gateway(
    token: &Token,
    settings: &RunSettings,
    data: Data,
    lead: Box<dyn arbot_core::store::Leadership>,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let discord = data.discord.clone();
    let http = http(token, &discord, settings.request_timeout)?;
    let guild = serenity::GuildId::new(discord.guild_id);
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands::all(),
            event_handler: |fw, event| Box::pin(on_event(fw, event)),
            on_error: |error| Box::pin(on_error(error)),
            ..Default::default()
        })
        .initialize_owners(false)
        .setup(move |ctx, _ready, framework| {
            Box::pin(async move {
                let commands = &framework.options().commands;
                let registered = if discord.register_globally {
                    poise::builtins::register_globally(ctx, commands).await
                } else {
                    poise::builtins::register_in_guild(ctx, commands, guild).await
                };
                match registered {
                    Ok(()) => tracing::info!("registered /ar with Discord"),
                    Err(e) => tracing::error!(
                        "Discord refused the /ar commands: {e}. Re-invite the bot with the applications.commands scope \
                         (the README has the link)."
                    ),
                }
                Ok(data)
            })
        })
        .build();
    let mut client = serenity::ClientBuilder::new_with_http(http, serenity::GatewayIntents::GUILDS)
        .framework(framework)
        .await
        .context("can't set up the Discord client")?;
    let shards = client.shard_manager.clone();
    let mut running = tokio::spawn(async move { client.start().await });
    let result = loop {
        tokio::select! {
            r = &mut running => break r.map_err(|e| anyhow::anyhow!("{e}")).and_then(|r| r.map_err(|e| anyhow::anyhow!("{e}"))),
            _ = shutdown.changed() => {
                if *shutdown.borrow() {
                    stop_client(&shards, running).await;
                    break Ok(());
                }
            }
            _ = tokio::time::sleep(Duration::from_secs(5)) => {
                if !lead.held().await {
                    tracing::error!("lost the gateway lock (the database connection dropped); handing over");
                    stop_client(&shards, running).await;
                    break Ok(());
                }
            }
        }
    };
    drop(lead);
    result
}

/// Disconnects the shards and ends the client. A shard still trying to connect (Discord
/// unreachable) keeps the client from ending on its own, so after a grace period it is dropped.
async fn stop_client(
    shards: &Arc<serenity::ShardManager>,
    mut running: tokio::task::JoinHandle<Result<(), serenity::Error>>,
) {
    shards.shutdown_all().await;
    if tokio::time::timeout(Duration::from_secs(5), &mut running).await.is_err() {
        running.abort();
        let _ = running.await;
    }
}

async fn on_event(fw: poise::FrameworkContext<'_, Data, Error>, event: &serenity::FullEvent) -> Result<(), Error> {
    if let serenity::FullEvent::InteractionCreate { interaction: serenity::Interaction::Component(mci) } = event
        && let Err(e) = events::on_component(fw.serenity_context, fw.user_data, mci).await
    {
        let reference = format!("{:04x}", fastrand::u16(..));
        tracing::error!(reference, button = mci.data.custom_id, "a button click failed: {e}");
    }
    if let serenity::FullEvent::InteractionCreate { interaction: serenity::Interaction::Modal(modal) } = event
        && let Err(e) = events::on_modal(fw.serenity_context, fw.user_data, modal).await
    {
        let reference = format!("{:04x}", fastrand::u16(..));
        tracing::error!(reference, form = modal.data.custom_id, "a form submission failed: {e}");
    }
    Ok(())
}

/// Our failures are logged in full and shown as "something went wrong (ref …)"; never a trace
/// in chat.
async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    let reference = format!("{:04x}", fastrand::u16(..));
    match error {
        poise::FrameworkError::Command { error, ctx, .. } => {
            tracing::error!(reference, command = %ctx.command().qualified_name, "command failed: {error}");
            let text = format!(
                "Something went wrong on our side (ref {reference}). It has been logged; tell whoever runs arbot."
            );
            let _ = ctx.send(poise::CreateReply::default().content(text).ephemeral(true)).await;
        }
        other => {
            tracing::error!(reference, "Discord framework error: {other}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_trimmed_and_never_printed() {
        let token = Token::new("  abc.def.ghi\n");
        assert_eq!(token.0.expose_secret(), "abc.def.ghi");
        assert!(!format!("{token:?}").contains("abc"), "{token:?}");
    }
}
