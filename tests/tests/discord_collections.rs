//! Collections from Discord: the real bot (serenity + poise) against the fake Discord on
//! loopback, on a real SQLite file. A note logged with `/ar note`, recorded once when Discord
//! delivers the interaction twice, with its audit record saying it came from Discord.

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test

use std::time::Duration;

use arbot_core::audit::{AuditQuery, Surface};
use arbot_core::summary::{CustomerMatch, find_customer};
use arbot_tests::bot_world::*;
use arbot_tests::fake_discord::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_logged_in_discord_is_recorded_once_even_when_delivered_twice() {
    let SampleWorld { fake, db, clock } = SampleWorld::start(BEFORE_DIGEST).await;
    let bot = Bot::start(&db.url, &fake, &clock, "a").await;
    fake.wait_ready(1).await;
    fake.wait_for(Duration::from_secs(60), "command registration", |w| w.commands.clone()).await;
    let store = bot.app.store.clone();
    let CustomerMatch::One(coastal) = find_customer(store.as_ref(), "coastal ridge").await.unwrap() else { panic!() };
    let notes_before = store.notes_for_customer(coastal.id, 100).await.unwrap().len();

    // `kind` is a Discord choice: sent as the index of "call".
    let i = fake.slash(
        &lee(),
        AR_CHANNEL,
        "note",
        &[
            ("customer", json!("coastal ridge")),
            ("kind", json!(0)),
            ("text", json!("Their AP says the Nov pay app is approved")),
            ("follow-up", json!("Dec 1")),
        ],
    );
    let answer = text_of(&fake.answers(i, 1).await.remove(0));
    assert!(answer.contains("Logged a call with Coastal Ridge Construction (by @lee"), "{answer}");
    assert!(answer.contains("in the digest of Tue Dec 1"), "{answer}");

    // Discord delivers the same interaction again: answered, recorded once.
    fake.redeliver(i);
    let answers = fake.answers(i, 2).await;
    let again = text_of(answers.last().unwrap());
    assert!(again.contains("Already logged: this request reached arbot twice and was recorded once."), "{again}");
    settle().await;
    let notes = store.notes_for_customer(coastal.id, 100).await.unwrap();
    assert_eq!(notes.len(), notes_before + 1, "one note for one interaction");
    assert_eq!(notes[0].author, "lee");
    assert_eq!(notes[0].follow_up_on, Some("2026-12-01".parse().unwrap()));
    let trail = store.audit_trail(AuditQuery { customer_id: Some(coastal.id), job_id: None, limit: 10 }).await.unwrap();
    let logged: Vec<_> = trail.iter().filter(|e| e.action == "note").collect();
    assert_eq!(logged.len(), 1, "{trail:?}");
    assert_eq!((logged[0].surface, logged[0].actor_id.as_str()), (Surface::Discord, LEE.to_string().as_str()));

    // Lee is not the PM of Gulf Coast Builders: refused, nothing logged.
    let CustomerMatch::One(gulf) = find_customer(store.as_ref(), "gulf coast").await.unwrap() else { panic!() };
    let gulf_before = store.notes_for_customer(gulf.id, 100).await.unwrap().len();
    let i = fake.slash(
        &lee(),
        AR_CHANNEL,
        "note",
        &[("customer", json!("gulf coast")), ("kind", json!(0)), ("text", json!("Called their AP"))],
    );
    let refused = text_of(&fake.answers(i, 1).await.remove(0));
    assert!(refused.contains("PMs log notes on their own accounts"), "{refused}");
    assert_eq!(store.notes_for_customer(gulf.id, 100).await.unwrap().len(), gulf_before);

    bot.stop().await;
    db.close().await;
}
