//! A sample world for end-to-end tests of the bot in Discord: a fresh database loaded with the
//! sample ledger (as of Mon Nov 23, 2026), the fake Discord ([`crate::fake_discord`]) with its
//! guild, channels and roles, the people of the sample business mapped to Discord users, a manual
//! clock in New York time, and the real bot (`arbot::discord::run`, as `arbot run` starts it)
//! wired to all of that.
//!
//! ```ignore
//! let SampleWorld { fake, db, clock } = SampleWorld::start(BEFORE_DIGEST).await;
//! let bot = Bot::start(&db.url, &fake, &clock, "a").await;
//! fake.wait_ready(1).await;
//! // ... act in the fake Discord, move the clock, assert on what the bot posted ...
//! bot.stop().await;
//! db.close().await;
//! ```
//!
//! Time is the manual clock, so "08:00 on Monday" and "a restart that spans it" take
//! milliseconds; the bot's own loops (scheduler, outbox, standby) poll every 50-100 ms of real
//! time, and [`settle`] lets them tick.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use arbot::app::App;
use arbot::cli::GlobalArgs;
use arbot::config::{Config, DiscordConfig};
use arbot::discord::{RunSettings, Token};
use arbot::outbox::OutboxSettings;
use arbot::roles::Role;
use arbot_core::{ManualClock, store};
use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::TestDb;
use crate::fake_discord::{AR_CHANNEL, AR_ROLE, FakeDiscord, GUILD, MANAGER_ROLE, PM_ROLE, Person, TOKEN, VIEWER_ROLE};

/// Sam, the AR specialist (`sam` in the sample ledger).
pub const SAM: u64 = 600_000_000_000_000_001;
/// Lee, a project manager (`lee`).
pub const LEE: u64 = 600_000_000_000_000_002;
/// Vic, who may only view.
pub const VIC: u64 = 600_000_000_000_000_003;
/// A member of the guild with no arbot role.
pub const NOBODY: u64 = 600_000_000_000_000_004;
/// Dana, a project manager (`dana`).
pub const DANA: u64 = 600_000_000_000_000_005;

/// Sam as a guild member, with the AR role.
pub fn sam() -> Person {
    Person::new(SAM, "sam", &[AR_ROLE])
}

/// Lee as a guild member, with the PM role.
pub fn lee() -> Person {
    Person::new(LEE, "lee", &[PM_ROLE])
}

/// Vic as a guild member, with the viewer role.
pub fn vic() -> Person {
    Person::new(VIC, "vic", &[VIEWER_ROLE])
}

/// An instant written as RFC 3339 (`2026-11-23T12:59:00Z`).
///
/// # Panics
/// When `s` is not such an instant.
pub fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("an RFC 3339 instant")
}

/// Mon Nov 23, 2026, 07:59 in New York: a minute before the digest is due.
pub const BEFORE_DIGEST: &str = "2026-11-23T12:59:00Z";
/// Mon Nov 23, 2026, just after 08:00 in New York: the digest is due.
pub const AFTER_DIGEST: &str = "2026-11-23T13:00:05Z";

/// The `[discord]` config of the sample world: the fake's guild and AR channel, its four roles
/// mapped to arbot's, the sample ledger's people mapped to their Discord users, guild (not
/// global) command registration, and the REST API at `api_url` (the fake's).
pub fn discord_config(api_url: &str) -> DiscordConfig {
    DiscordConfig {
        guild_id: GUILD,
        ar_channel_id: AR_CHANNEL,
        register_globally: false,
        api_url: Some(api_url.to_string()),
        roles: vec![
            (AR_ROLE, Role::Ar),
            (PM_ROLE, Role::Pm),
            (MANAGER_ROLE, Role::Manager),
            (VIEWER_ROLE, Role::Viewer),
        ],
        people: BTreeMap::from([("lee".to_string(), LEE), ("dana".to_string(), DANA), ("sam".to_string(), SAM)]),
    }
}

/// Loads the sample ledger (`arbot demo`'s) into `db`, as of Mon Nov 23, 2026. Also turns on
/// logs when `TEST_LOG` is set ([`crate::init_logs`]).
///
/// # Panics
/// When the sample ledger does not load.
pub async fn load_sample_ledger(db: &TestDb) {
    crate::init_logs();
    let global = GlobalArgs { config: None, db: Some(db.url.clone()), today: Some("2026-11-23".to_string()) };
    arbot::cli::load_demo(&global, Config::default()).await.expect("the sample ledger loads");
}

/// The world a bot test starts from: a fake Discord, a SQLite database with the sample ledger,
/// and a manual clock (New York time).
#[derive(Debug)]
pub struct SampleWorld {
    pub fake: FakeDiscord,
    pub db: TestDb,
    pub clock: ManualClock,
}

impl SampleWorld {
    /// A fresh world with the clock at `now` (RFC 3339, e.g. [`BEFORE_DIGEST`]). Call
    /// `db.close()` at the end.
    pub async fn start(now: &str) -> SampleWorld {
        let fake = FakeDiscord::start().await;
        let db = TestDb::sqlite().await;
        load_sample_ledger(&db).await;
        SampleWorld { fake, db, clock: ManualClock::new(at(now), chrono_tz::America::New_York) }
    }
}

/// How a test bot runs, for the instance named `instance`: the scheduler every 50 ms, the
/// outbox retrying after 1-4 s of clock time (30 s when Discord says the bot is not allowed),
/// leases of 60 s, a standby polling every 100 ms and requests timing out after 2 s.
pub fn run_settings(instance: &str) -> RunSettings {
    RunSettings {
        instance: instance.to_string(),
        scheduler_every: Duration::from_millis(50),
        outbox: OutboxSettings {
            retry_base: Duration::from_secs(1),
            retry_max: Duration::from_secs(4),
            not_allowed_retry: Duration::from_secs(30),
            lease: Duration::from_secs(60),
            poll: Duration::from_millis(50),
        },
        standby_poll: Duration::from_millis(100),
        request_timeout: Duration::from_secs(2),
    }
}

/// A running bot: the app it serves (its store, clock and config) and the task running it.
pub struct Bot {
    pub app: App,
    stop: watch::Sender<bool>,
    /// The bot's task: await it to see how a bot that stopped by itself ended.
    pub task: JoinHandle<anyhow::Result<()>>,
}

impl std::fmt::Debug for Bot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bot").field("finished", &self.task.is_finished()).finish_non_exhaustive()
    }
}

impl Bot {
    /// Starts the bot on the database at `url`, reading `clock`, connected to `fake` with the
    /// sample world's token and [`discord_config`], as instance `instance`.
    pub async fn start(url: &str, fake: &FakeDiscord, clock: &ManualClock, instance: &str) -> Bot {
        Bot::start_with(url, fake, clock, instance, Token::new(TOKEN), discord_config(&fake.api_url)).await
    }

    /// As [`Bot::start`], with another token or `[discord]` config (the fake Discord is reached
    /// through `discord.api_url`).
    ///
    /// # Panics
    /// When the database cannot be opened.
    pub async fn start_with(
        url: &str,
        _fake: &FakeDiscord,
        clock: &ManualClock,
        instance: &str,
        token: Token,
        discord: DiscordConfig,
    ) -> Bot {
        let config = Config { discord: Some(discord), ..Config::default() };
        let app = App {
            store: store::open_and_migrate(url).await.expect("open the bot's database"),
            clock: Arc::new(clock.clone()),
            config,
            sources: Vec::new(),
        };
        Bot::start_app(app, token, instance)
    }

    /// Starts the bot serving `app` (its own config, `[discord]` included, and its sources).
    pub fn start_app(app: App, token: Token, instance: &str) -> Bot {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(arbot::discord::run(app.clone(), token, run_settings(instance), stopped));
        Bot { app, stop, task }
    }

    /// As [`Bot::start`], with a configuration of the test's own (its `[discord]` section is the
    /// sample world's unless it has one).
    ///
    /// # Panics
    /// When the database cannot be opened.
    pub async fn start_configured(
        url: &str,
        fake: &FakeDiscord,
        clock: &ManualClock,
        instance: &str,
        mut config: Config,
    ) -> Bot {
        config.discord.get_or_insert_with(|| discord_config(&fake.api_url));
        let app = App {
            store: store::open_and_migrate(url).await.expect("open the bot's database"),
            clock: Arc::new(clock.clone()),
            config,
            sources: Vec::new(),
        };
        Bot::start_app(app, Token::new(TOKEN), instance)
    }

    /// Stops the bot as SIGTERM does, and waits for it.
    ///
    /// # Panics
    /// When it does not stop within a minute, or stops with an error.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let result = tokio::time::timeout(Duration::from_secs(60), self.task).await.expect("the bot stops in time");
        result.expect("the bot's task").expect("the bot stops cleanly");
    }
}

/// Lets the bot tick a few times.
pub async fn settle() {
    tokio::time::sleep(Duration::from_millis(400)).await;
}

/// Advances the manual clock a second at a time (retries are timed by it) until the post with
/// this key is marked sent.
///
/// # Panics
/// When it is not sent within 600 steps.
pub async fn advance_until_sent(app: &App, clock: &ManualClock, key: &str) {
    for _ in 0..600 {
        if let Some((status, _)) = app.store.outbox_status(key).await.expect("outbox status")
            && status == "sent"
        {
            return;
        }
        clock.advance(chrono::Duration::seconds(1));
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{key} was never sent");
}

/// Advances the clock until the outbox has sent `n` posts.
///
/// # Panics
/// When it has not within 600 steps.
pub async fn advance_until_sent_count(app: &App, clock: &ManualClock, n: i64) {
    for _ in 0..600 {
        if app.store.outbox_counts().await.expect("outbox counts").sent == n {
            return;
        }
        clock.advance(chrono::Duration::seconds(1));
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the outbox never sent {n} posts");
}
