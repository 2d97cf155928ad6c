//! The soak test, bounded in time: `arbot run`'s pieces (gateway, scheduler, outbox) on the
//! embedded SQLite default with the sample source synced by cron every minute, a second
//! `arbot sync` process beside it (the real binary, when it is built; otherwise a second store
//! in this process), and slash commands from the fake Discord, for a fixed number of rounds of
//! one minute of the bot's clock each. At the end the store equals the source's ledger, the
//! digest went out once, every command was answered, and no sync failed with "locked". The
//! figures are printed (`cargo test -p arbot-tests --test soak -- --nocapture`).
//! The same on PostgreSQL (when `ARBOT_TEST_POSTGRES_URL` is set) with two instances of the bot.
//! `ARBOT_SOAK_ROUNDS` sets the rounds (40 by default).

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test

use std::sync::Arc;
use std::time::{Duration, Instant};

use arbot::app::App;
use arbot::config::Config;
use arbot::cron::Cron;
use arbot::discord::Token;
use arbot_connector_sample::SampleSource;
use arbot_core::store::{RunStatus, Store};
use arbot_core::sync::sync_source;
use arbot_core::{Clock, ManualClock};
use arbot_tests::TestDb;
use arbot_tests::bot_world::{
    BEFORE_DIGEST, SampleWorld, at, discord_config, load_sample_ledger, run_settings, sam, settle,
};
use arbot_tests::fake_discord::{AR_CHANNEL, FakeDiscord, TOKEN, text_of};
use arbot_tests::snapshot;
use chrono::NaiveDate;
use serde_json::json;

fn rounds() -> usize {
    std::env::var("ARBOT_SOAK_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(40)
}

/// The `arbot` binary beside this test's, if it has been built (`cargo test --workspace` builds it).
fn arbot_binary() -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let bin = exe.parent()?.parent()?.join(if cfg!(windows) { "arbot.exe" } else { "arbot" });
    bin.exists().then_some(bin)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_on_sqlite_cron_sync_beside_a_second_sync_and_discord_commands() {
    let SampleWorld { fake, db, clock } = SampleWorld::start(BEFORE_DIGEST).await;
    soak(db, fake, clock, 1).await;
}

/// The same on PostgreSQL with two instances of the bot: one holds the gateway, both run
/// scheduled work, each run is claimed once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_on_postgres_with_two_instances() {
    let Some(db) = TestDb::postgres().await else { return };
    load_sample_ledger(&db).await;
    let fake = FakeDiscord::start().await;
    let clock = ManualClock::new(at(BEFORE_DIGEST), chrono_tz::America::New_York);
    soak(db, fake, clock, 2).await;
}

async fn soak(db: TestDb, fake: FakeDiscord, clock: ManualClock, instances: usize) {
    let started = Instant::now();
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    // Ten minutes before the digest: the rounds cross 08:00 and the digest goes out once.
    clock.set(at(BEFORE_DIGEST) - chrono::Duration::minutes(rounds() as i64 / 2));
    let mut config = Config { discord: Some(discord_config(&fake.api_url)), ..Config::default() };
    config.schedule.sync = Cron::parse("* * * * *").unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut bots = Vec::new();
    let mut app = None;
    for n in 0..instances {
        let one = App {
            store: arbot_core::store::open_and_migrate(&db.url).await.unwrap(),
            clock: Arc::new(clock.clone()),
            config: config.clone(),
            sources: vec![Arc::new(SampleSource::new(today))],
        };
        let settings = run_settings(&format!("soak-{n}"));
        bots.push(tokio::spawn(arbot::discord::run(one.clone(), Token::new(TOKEN), settings, stopped.clone())));
        app.get_or_insert(one);
    }
    let app = app.unwrap();
    fake.wait_ready(1).await;

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("arbot.toml"), "[[sources]]\nname = \"sample\"\nkind = \"sample\"\n").unwrap();
    let binary = arbot_binary();
    let second: Arc<dyn Store> = arbot_core::store::open(&db.url).await.unwrap();
    let (mut second_syncs, mut second_failures, mut answered, mut locked) = (0, 0, 0, 0);
    for round in 0..rounds() {
        clock.set(clock.now() + chrono::Duration::minutes(1));
        // The second sync, at the same time as the bot's scheduled one.
        let other = {
            let (url, dir, binary, second) = (db.url.clone(), dir.path().to_path_buf(), binary.clone(), second.clone());
            tokio::spawn(async move {
                match binary {
                    Some(bin) => {
                        let out = tokio::task::spawn_blocking(move || {
                            std::process::Command::new(bin)
                                .args(["--db", &url, "sync"])
                                .current_dir(&dir)
                                .env_remove("ARBOT_DATABASE_URL")
                                .env_remove("ARBOT_CONFIG")
                                .env("ARBOT_TODAY", "2026-11-23")
                                .output()
                        })
                        .await
                        .unwrap()
                        .unwrap();
                        let said =
                            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
                        (out.status.success(), said)
                    }
                    None => {
                        let clock = arbot_core::PinnedClock { today, tz: chrono_tz::America::New_York };
                        match sync_source(second.as_ref(), &SampleSource::new(today), &clock, false, |_| {}).await {
                            Ok(_) => (true, String::new()),
                            Err(e) => (false, e.to_string()),
                        }
                    }
                }
            })
        };
        let asked = fake.slash(&sam(), AR_CHANNEL, "customer", &[("name", json!("harborview"))]);
        let answer = fake.answers(asked, 1).await;
        let text = text_of(&answer[0]);
        assert!(text.contains("Harborview Owners Assn"), "round {round}: {text}");
        answered += 1;
        let (ok, said) = other.await.unwrap();
        second_syncs += 1;
        if said.contains("locked") {
            locked += 1;
        }
        if !ok {
            second_failures += 1;
            eprintln!("round {round}: the second sync failed: {said}");
        }
        // The scheduled sync of this minute has run.
        let minute = clock.now();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let runs = app.store.runs("sync", 1).await.unwrap();
            if runs.first().is_some_and(|r| {
                r.scheduled_for <= minute
                    && minute - r.scheduled_for < chrono::Duration::minutes(1)
                    && r.status != RunStatus::Running
            }) {
                break;
            }
            assert!(Instant::now() < deadline, "round {round}: the scheduled sync did not run: {runs:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    settle().await;
    let runs = app.store.runs("sync", 1_000).await.unwrap();
    let scheduled_failures: Vec<_> = runs.iter().filter(|r| r.status != RunStatus::Done).collect();
    locked += runs.iter().filter(|r| r.detail.as_deref().is_some_and(|d| d.contains("locked"))).count();
    let digests = fake.world(|w| {
        w.messages_in(AR_CHANNEL)
            .iter()
            .filter(|m| m["embeds"][0]["title"].as_str().is_some_and(|t| t.starts_with("AR digest")))
            .count()
    });
    let titles: Vec<String> = fake.world(|w| {
        w.messages_in(AR_CHANNEL)
            .iter()
            .map(|m| m["embeds"][0]["title"].as_str().unwrap_or_default().to_string())
            .collect()
    });
    let posts = titles.len();
    let mut distinct = titles.clone();
    distinct.sort();
    distinct.dedup();

    // The store equals the source's ledger: what a clean sync of it leaves in a fresh database.
    let clean = TestDb::sqlite().await;
    let pinned = arbot_core::PinnedClock { today, tz: chrono_tz::America::New_York };
    sync_source(clean.store.as_ref(), &SampleSource::new(today), &pinned, false, |_| {}).await.unwrap();
    let (got, want) = (snapshot::read(&db, "sample").await, snapshot::read(&clean, "sample").await);

    println!(
        "soak ({}, {} instance(s), {}): {} rounds in {:.1}s; {} scheduled syncs ({} not done), {} syncs by the second process ({} failed), \
         {} commands answered, {} posts in the AR channel ({} digest; {:?}), {} failures with \"locked\"",
        db.name,
        instances,
        if binary.is_some() { "second sync: the arbot binary" } else { "second sync: a second store in this process" },
        rounds(),
        started.elapsed().as_secs_f64(),
        runs.len(),
        scheduled_failures.len(),
        second_syncs,
        second_failures,
        answered,
        posts,
        digests,
        titles,
        locked,
    );
    assert_eq!(got, want, "the store equals the source's ledger: {}", got.diff(&want));
    assert!(scheduled_failures.is_empty(), "{scheduled_failures:?}");
    assert!(runs.len() >= rounds(), "a scheduled sync every round: {}", runs.len());
    assert_eq!((second_failures, locked), (0, 0));
    assert_eq!(digests, 1, "the digest went out once");
    assert_eq!(distinct.len(), posts, "nothing posted twice: {titles:?}");
    let outbox = app.store.outbox_counts().await.unwrap();
    assert_eq!(
        (outbox.pending, outbox.sending, outbox.failed, outbox.sent),
        (0, 0, 0, posts as i64),
        "every post went out, once"
    );

    let _ = stop.send(true);
    for bot in bots {
        tokio::time::timeout(Duration::from_secs(60), bot).await.unwrap().unwrap().unwrap();
    }
    clean.close().await;
    db.close().await;
}
