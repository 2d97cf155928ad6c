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

fn broken_posts(fake: &FakeDiscord, title: &str) -> Vec<serde_json::Value> {
    fake.world(|w| {
        w.messages_in(AR_CHANNEL)
            .into_iter()
            .filter(|m| m["embeds"][0]["title"].as_str() == Some(title))
            .cloned()
            .collect()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_promise_logged_in_discord_that_breaks_is_posted_once_even_across_a_restart() {
    let SampleWorld { fake, db, clock } = SampleWorld::start(BEFORE_DIGEST).await;
    let bot = Bot::start(&db.url, &fake, &clock, "a").await;
    fake.wait_ready(1).await;
    fake.wait_for(Duration::from_secs(60), "command registration", |w| w.commands.clone()).await;
    let store = bot.app.store.clone();
    let CustomerMatch::One(coastal) = find_customer(store.as_ref(), "coastal ridge").await.unwrap() else { panic!() };

    // Monday 07:59: Sam logs that Coastal Ridge will pay $1,500 today.
    let i = fake.slash(
        &sam(),
        AR_CHANNEL,
        "promise",
        &[("customer", json!("coastal ridge")), ("amount", json!("1,200")), ("date", json!("today"))],
    );
    let answer = text_of(&fake.answers(i, 1).await.remove(0));
    assert!(answer.contains("Logged: Coastal Ridge Construction promises $1,200.00 by Mon Nov 23"), "{answer}");
    // Discord delivers it again: answered as a retry, recorded once.
    fake.redeliver(i);
    let again = text_of(fake.answers(i, 2).await.last().unwrap());
    assert!(again.contains("Already logged: this request reached arbot twice and was recorded once."), "{again}");
    // She corrects it to $1,500 (the old one cancelled, the new one logged, under one interaction),
    // and that too arrives twice.
    let i = fake.slash(
        &sam(),
        AR_CHANNEL,
        "promise",
        &[
            ("customer", json!("coastal ridge")),
            ("change", json!(1)),
            ("amount", json!("1,500")),
            ("date", json!("today")),
        ],
    );
    let answer = text_of(&fake.answers(i, 1).await.remove(0));
    assert!(answer.contains("promises $1,500.00 by Mon Nov 23") && answer.contains("(replacing $1,200.00"), "{answer}");
    fake.redeliver(i);
    let again = text_of(fake.answers(i, 2).await.last().unwrap());
    assert!(again.contains("Already logged: this request reached arbot twice and was recorded once."), "{again}");
    settle().await;
    let promises = store.promises_for_customer(coastal.id).await.unwrap();
    let open: Vec<_> = promises.iter().filter(|p| p.status == arbot_core::collections::PromiseStatus::Open).collect();
    assert_eq!((promises.len(), open.len()), (2, 1), "{promises:?}");
    assert_eq!(open[0].amount.minor, 150_000);
    let title = "✗ Promise broken — Coastal Ridge Construction";
    // Monday's 08:00 run: not broken yet (its day is today).
    clock.set(at(AFTER_DIGEST));
    fake.wait_for(Duration::from_secs(30), "Monday's digest", |w| {
        w.messages_in(AR_CHANNEL)
            .iter()
            .any(|m| m["embeds"][0]["title"].as_str().is_some_and(|t| t.starts_with("AR digest")))
            .then_some(())
    })
    .await;
    settle().await;
    assert!(broken_posts(&fake, title).is_empty());

    // Tuesday 08:00: nothing was paid; posted once, with an Escalate button for the account.
    clock.set(at("2026-11-24T13:00:05Z"));
    let post = fake
        .wait_for(Duration::from_secs(30), "the broken promise", |w| {
            w.messages_in(AR_CHANNEL).into_iter().find(|m| m["embeds"][0]["title"].as_str() == Some(title)).cloned()
        })
        .await;
    let text = text_of(&post);
    assert!(
        text.contains("$1,500.00 was promised by Mon Nov 23 (logged by @sam, Nov 23). Paid since: $0.00."),
        "{text}"
    );
    assert_eq!(button_ids(&post), [format!("esc:open:{}", coastal.id)]);

    // A restart, and the next run: not posted again.
    bot.stop().await;
    let bot = Bot::start(&db.url, &fake, &clock, "b").await;
    fake.wait_ready(2).await;
    clock.advance(chrono::Duration::hours(1));
    for _ in 0..5 {
        settle().await;
    }
    clock.set(at("2026-11-25T13:00:05Z"));
    for _ in 0..5 {
        settle().await;
    }
    assert_eq!(broken_posts(&fake, title).len(), 1, "posted once");
    bot.stop().await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_promise_logged_in_discord_is_kept_by_a_payment_synced_from_quickbooks() {
    use arbot_tests::fake_quickbooks::{Amt, FakeQbo, Ledger};
    use arbot_tests::vendor_kit::LedgerTime;

    // A company of its own in the fake QuickBooks: Pelican Point Builders owes two invoices.
    let start = at("2026-11-16T15:00:00Z");
    let mut ledger = Ledger::new(start);
    let pelican = ledger.customer("Pelican Point Builders");
    let first = ledger.invoice(&pelican, Amt::cents(980_000));
    ledger.invoice(&pelican, Amt::cents(125_050));
    let books = FakeQbo::start(ledger).await;
    let fake = FakeDiscord::start().await;
    let db = arbot_tests::TestDb::sqlite().await;
    let qbo = books.connect(&db.store, "quickbooks", 50).await;
    arbot_core::sync::sync_source(db.store.as_ref(), &qbo, &books.clock(), false, |_| {}).await.unwrap();
    let number = books.with(|s| s.ledger.invoices[&first].doc.clone()).unwrap();

    let clock = arbot_core::ManualClock::new(start, chrono_tz::America::New_York);
    let bot = Bot::start(&db.url, &fake, &clock, "a").await;
    fake.wait_ready(1).await;
    fake.wait_for(Duration::from_secs(60), "command registration", |w| w.commands.clone()).await;
    let i = fake.slash(
        &sam(),
        AR_CHANNEL,
        "promise",
        &[
            ("customer", json!("pelican")),
            ("amount", json!("9800")),
            ("date", json!("Nov 20")),
            ("invoices", json!(number.clone())),
            ("note", json!("AP clerk Dee: check run Thursday")),
        ],
    );
    let answer = text_of(&fake.answers(i, 1).await.remove(0));
    assert!(
        answer
            .contains(&format!("Logged: Pelican Point Builders promises $9,800.00 by Fri Nov 20, against #{number}.")),
        "{answer}"
    );

    // Thursday Nov 19 the check is applied in QuickBooks; the next sync brings it in.
    books.with(|s| {
        s.ledger.set_now(at("2026-11-19T17:00:00Z"));
        s.ledger.pay(&pelican, &[(&first, 980_000)], 0);
    });
    arbot_core::sync::sync_source(db.store.as_ref(), &qbo, &books.clock(), false, |_| {}).await.unwrap();

    // Monday: the card says kept, read from the payment; the morning run posts nothing about it.
    clock.set(at("2026-11-23T13:00:05Z"));
    let i = fake.slash(&sam(), AR_CHANNEL, "customer", &[("name", json!("pelican"))]);
    let card = text_of(&fake.answers(i, 1).await.remove(0));
    assert!(card.contains("$9,800.00 by Nov 20 (logged by @sam, Nov 16) · kept (paid in full Nov 19)"), "{card}");
    for _ in 0..5 {
        settle().await;
    }
    assert!(broken_posts(&fake, "✗ Promise broken — Pelican Point Builders").is_empty());
    bot.stop().await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dispute_asks_the_pm_in_the_accounts_thread() {
    let SampleWorld { fake, db, clock } = SampleWorld::start(BEFORE_DIGEST).await;
    let bot = Bot::start(&db.url, &fake, &clock, "a").await;
    fake.wait_ready(1).await;
    fake.wait_for(Duration::from_secs(60), "command registration", |w| w.commands.clone()).await;
    let store = bot.app.store.clone();
    let CustomerMatch::One(coastal) = find_customer(store.as_ref(), "coastal ridge").await.unwrap() else { panic!() };
    let open = store
        .open_items(arbot_core::store::OpenItemsQuery {
            as_of: "2026-11-23".parse().unwrap(),
            customer_id: Some(coastal.id),
            historical: false,
        })
        .await
        .unwrap();
    let number = open.iter().find(|i| i.balance.minor > 0).map(|i| i.number.clone()).unwrap();

    // `reason` is a Discord choice: the index of lien_waiver.
    let lien_waiver = arbot::commands::DISPUTE_WORDS.iter().position(|w| *w == "lien_waiver").unwrap();
    let i = fake.slash(
        &sam(),
        AR_CHANNEL,
        "dispute",
        &[
            ("invoice", json!(number.clone())),
            ("reason", json!(lien_waiver)),
            ("detail", json!("GC wants the conditional waiver for the Oct pay app")),
        ],
    );
    let answer = text_of(&fake.answers(i, 1).await.remove(0));
    assert!(answer.contains(&format!("Invoice #{number} (")), "{answer}");
    // Delivered twice: answered as a retry, one dispute, one audit record.
    fake.redeliver(i);
    let again = text_of(fake.answers(i, 2).await.last().unwrap());
    assert!(again.contains("Already recorded: this request reached arbot twice and was recorded once."), "{again}");
    assert!(answer.contains("Coastal Ridge Construction) is in dispute: lien waiver missing."), "{answer}");
    assert!(answer.contains("I've asked @lee in the account's thread for the lien waiver they want."), "{answer}");

    // The account's thread opens with Lee mentioned and the ask.
    let first = fake
        .wait_for(Duration::from_secs(60), "the thread's first message", |w| {
            w.messages
                .values()
                .find(|m| {
                    m["content"].as_str() == Some(&format!("<@{LEE}> can you help with Coastal Ridge Construction?"))
                })
                .cloned()
        })
        .await;
    let text = text_of(&first);
    assert!(
        text.contains(&format!("Invoice #{number}")) && text.contains("is in dispute: lien waiver missing"),
        "{text}"
    );
    assert!(text.contains("GC wants the conditional waiver for the Oct pay app"), "{text}");
    // The thread's figures set the disputed money apart, as the card does.
    assert!(text.contains(" · in dispute $"), "{text}");
    assert_eq!(store.disputes(true, None).await.unwrap().iter().filter(|d| d.invoice_number == number).count(), 1);
    let trail = store.audit_trail(AuditQuery { customer_id: Some(coastal.id), job_id: None, limit: 50 }).await.unwrap();
    assert_eq!(trail.iter().filter(|e| e.action == "dispute").count(), 1, "{trail:?}");

    // A viewer may list them, not open one.
    let i = fake.slash(&vic(), AR_CHANNEL, "disputes", &[]);
    let list = text_of(&fake.answers(i, 1).await.remove(0));
    assert!(list.contains(&format!("#{number}")) && list.contains("lien waiver missing"), "{list}");
    let i = fake.slash(&vic(), AR_CHANNEL, "dispute", &[("invoice", json!(number.clone())), ("reason", json!(0))]);
    let refused = text_of(&fake.answers(i, 1).await.remove(0));
    assert!(refused.contains("/ar dispute needs the AR or manager role"), "{refused}");
    bot.stop().await;
    db.close().await;
}

fn with_content(fake: &FakeDiscord, content: &str) -> usize {
    fake.world(|w| w.messages.values().filter(|m| m["content"].as_str() == Some(content)).count())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_escalation_nobody_picks_up_is_repinged_then_the_manager_is_added_once_each() {
    let SampleWorld { fake, db, clock } = SampleWorld::start(BEFORE_DIGEST).await;
    let config = || {
        let mut config = arbot::config::Config::default();
        config.collections.manager = Some("dana".to_string());
        config
    };
    let bot = Bot::start_configured(&db.url, &fake, &clock, "a", config()).await;
    fake.wait_ready(1).await;
    fake.wait_for(Duration::from_secs(60), "command registration", |w| w.commands.clone()).await;

    // Monday 07:59: Sam hands Coastal Ridge to Lee, its PM.
    let i = fake.slash(
        &sam(),
        AR_CHANNEL,
        "escalate",
        &[("customer", json!("coastal ridge")), ("reason", json!("AP stopped answering"))],
    );
    fake.answers(i, 1).await;
    let asked = format!("<@{LEE}> can you help with Coastal Ridge Construction?");
    fake.wait_for(Duration::from_secs(60), "the thread", |w| {
        w.messages.values().any(|m| m["content"].as_str() == Some(asked.as_str())).then_some(())
    })
    .await;

    // Tuesday 08:00, 24 business hours on and nobody has acknowledged: one gentle re-ping.
    let reping = format!("<@{LEE}> a gentle reminder:");
    clock.set(at("2026-11-24T13:00:05Z"));
    fake.wait_for(Duration::from_secs(30), "the re-ping", |w| {
        w.messages.values().any(|m| m["content"].as_str() == Some(reping.as_str())).then_some(())
    })
    .await;
    let manager = format!("<@{DANA}> can you take a look?");
    assert_eq!(with_content(&fake, &manager), 0, "not the manager yet");

    // Wednesday 08:00, as long again: the manager is added.
    clock.set(at("2026-11-25T13:00:05Z"));
    fake.wait_for(Duration::from_secs(30), "the manager", |w| {
        w.messages.values().any(|m| m["content"].as_str() == Some(manager.as_str())).then_some(())
    })
    .await;

    // A restart and the next hour's run: neither is posted again.
    bot.stop().await;
    let bot = Bot::start_configured(&db.url, &fake, &clock, "b", config()).await;
    fake.wait_ready(2).await;
    clock.advance(chrono::Duration::hours(1));
    for _ in 0..5 {
        settle().await;
    }
    assert_eq!((with_content(&fake, &reping), with_content(&fake, &manager)), (1, 1));
    bot.stop().await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_escalation_is_snoozed_at_most_three_times() {
    let SampleWorld { fake, db, clock } = SampleWorld::start(BEFORE_DIGEST).await;
    let bot = Bot::start(&db.url, &fake, &clock, "a").await;
    fake.wait_ready(1).await;
    fake.wait_for(Duration::from_secs(60), "command registration", |w| w.commands.clone()).await;
    let i = fake.slash(&sam(), AR_CHANNEL, "escalate", &[("customer", json!("coastal ridge"))]);
    fake.answers(i, 1).await;
    let asked = format!("<@{LEE}> can you help with Coastal Ridge Construction?");
    let first = fake
        .wait_for(Duration::from_secs(60), "the thread", |w| {
            w.messages.values().find(|m| m["content"].as_str() == Some(asked.as_str())).cloned()
        })
        .await;
    let message: u64 = first["id"].as_str().unwrap().parse().unwrap();
    let snooze = button_ids(&first).into_iter().find(|b| b.starts_with("esc:snooze:")).unwrap();
    for n in 1..=3 {
        let i = fake.click(&lee(), message, &snooze);
        let answer = text_of(&fake.answers(i, 1).await.remove(0));
        assert!(!answer.contains("has been snoozed"), "snooze {n}: {answer}");
        clock.advance(chrono::Duration::days(1));
    }
    let i = fake.click(&lee(), message, &snooze);
    let refused = text_of(&fake.answers(i, 1).await.remove(0));
    assert!(
        refused.contains("This escalation has been snoozed 3 times (the limit is 3, [collections] snooze_limit)"),
        "{refused}"
    );
    let trail = bot
        .app
        .store
        .audit_trail(arbot_core::audit::AuditQuery { customer_id: None, job_id: None, limit: 20 })
        .await
        .unwrap();
    assert_eq!(trail.iter().filter(|e| e.subject == "snooze").count(), 3, "each snooze logged once");

    // The last snooze runs out and nobody has picked it up: Lee is asked again. Each snooze's
    // end is posted at most once (the hourly run may also have caught the earlier ones, each
    // at the moment it ran out, before Lee snoozed again).
    let over = format!("<@{LEE}> the snooze is over:");
    let esc = bot.app.store.open_escalations().await.unwrap().remove(0);
    let last_snooze = esc.snoozed_until.unwrap().timestamp();
    clock.advance(chrono::Duration::hours(2));
    advance_until_sent(&bot.app, &clock, &format!("esc:{}:snooze-over:{last_snooze}", esc.id)).await;
    settle().await;
    let posted = with_content(&fake, &over);
    assert!(posted >= 1, "the last snooze's end is posted");
    clock.advance(chrono::Duration::hours(1));
    for _ in 0..5 {
        settle().await;
    }
    assert_eq!(with_content(&fake, &over), posted, "not again the next hour");
    assert!(posted <= 3, "at most once for each of the 3 snoozes: {posted}");
    bot.stop().await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_plan_agreed_in_discord_is_recorded_once_even_when_delivered_twice() {
    let SampleWorld { fake, db, clock } = SampleWorld::start(BEFORE_DIGEST).await;
    let bot = Bot::start(&db.url, &fake, &clock, "a").await;
    fake.wait_ready(1).await;
    fake.wait_for(Duration::from_secs(60), "command registration", |w| w.commands.clone()).await;
    let store = bot.app.store.clone();
    let CustomerMatch::One(coastal) = find_customer(store.as_ref(), "coastal ridge").await.unwrap() else { panic!() };

    // `n` is an integer option; `every` a choice, sent as the index of "2weeks".
    let i = fake.slash(
        &sam(),
        AR_CHANNEL,
        "plan",
        &[
            ("customer", json!("coastal ridge")),
            ("total", json!("1,000")),
            ("n", json!(4)),
            ("every", json!(1)),
            ("first", json!("Dec 1")),
            ("note", json!("their controller agreed by phone")),
        ],
    );
    let answer = text_of(&fake.answers(i, 1).await.remove(0));
    assert!(
        answer.contains(
            "Agreed: Coastal Ridge Construction pays $1,000.00 in 4 fortnightly installments: Tue Dec 1 $250.00, \
             Tue Dec 15 $250.00, Tue Dec 29 $250.00, Tue Jan 12 $250.00."
        ),
        "{answer}"
    );
    fake.redeliver(i);
    let again = text_of(fake.answers(i, 2).await.last().unwrap());
    assert!(again.contains("Already recorded: this request reached arbot twice and was recorded once."), "{again}");
    settle().await;
    let plans = store.plans_for_customer(coastal.id).await.unwrap();
    assert_eq!(plans.len(), 1, "{plans:?}");
    assert_eq!(plans[0].created_by, "sam");
    assert_eq!(plans[0].note.as_deref(), Some("their controller agreed by phone"));
    let trail = store.audit_trail(AuditQuery { customer_id: Some(coastal.id), job_id: None, limit: 50 }).await.unwrap();
    let agreed: Vec<_> = trail.iter().filter(|e| e.action == "plan").collect();
    assert_eq!(agreed.len(), 1, "{trail:?}");
    assert_eq!(agreed[0].surface, Surface::Discord);

    // The customer card in Discord shows it.
    let i = fake.slash(&sam(), AR_CHANNEL, "customer", &[("name", json!("coastal ridge"))]);
    let card = text_of(&fake.answers(i, 1).await.remove(0));
    assert!(card.contains("$1,000.00 in 4 installments (agreed by @sam, Nov 23)"), "{card}");
    bot.stop().await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moving_an_account_up_adds_the_manager_in_its_thread_once() {
    let SampleWorld { fake, db, clock } = SampleWorld::start(BEFORE_DIGEST).await;
    let mut config = arbot::config::Config::default();
    config.collections.manager = Some("dana".to_string());
    let bot = Bot::start_configured(&db.url, &fake, &clock, "a", config).await;
    fake.wait_ready(1).await;
    fake.wait_for(Duration::from_secs(60), "command registration", |w| w.commands.clone()).await;

    // Nothing is open for Coastal Ridge: "up" opens it and takes it straight to the manager.
    let i = fake.slash(
        &sam(),
        AR_CHANNEL,
        "escalate",
        &[("customer", json!("coastal ridge")), ("reason", json!("up AP hung up on us twice"))],
    );
    let answer = text_of(&fake.answers(i, 1).await.remove(0));
    assert!(answer.contains("is at manager level now (was PM)"), "{answer}");
    assert!(answer.contains("consider a credit hold on new work"), "{answer}");
    let yours = format!("<@{DANA}> this is yours now:");
    let post = fake
        .wait_for(Duration::from_secs(60), "the manager in the thread", |w| {
            w.messages.values().find(|m| m["content"].as_str() == Some(yours.as_str())).cloned()
        })
        .await;
    let esc = bot.app.store.open_escalations().await.unwrap().remove(0);
    assert_eq!(esc.level, arbot_core::escalation::EscalationLevel::Manager);
    assert_eq!(post["channel_id"].as_str(), esc.thread_id.as_deref(), "posted in the account's thread");

    // Discord delivers the same interaction again: it does not move a second level.
    fake.redeliver(i);
    let answers = fake.answers(i, 2).await;
    let again = text_of(answers.last().unwrap());
    assert!(again.contains("is at manager level"), "{again}");
    settle().await;
    let esc = bot.app.store.escalation(esc.id).await.unwrap().unwrap();
    assert_eq!(esc.level, arbot_core::escalation::EscalationLevel::Manager, "moved once");
    let trail = bot
        .app
        .store
        .audit_trail(arbot_core::audit::AuditQuery { customer_id: Some(esc.customer_id), job_id: None, limit: 20 })
        .await
        .unwrap();
    assert_eq!(trail.iter().filter(|e| e.subject == "level").count(), 1, "one move recorded: {trail:?}");
    assert_eq!(with_content(&fake, &yours), 1, "the manager is added once");
    bot.stop().await;
    db.close().await;
}

/// "Log call" on a customer card opens a form; the call it describes is logged once, with its
/// follow-up day, however often Discord delivers the submission. A day that cannot be read is
/// refused and logs nothing, and a PM on another's account is told before typing anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_logged_from_the_cards_form_is_recorded_once() {
    let SampleWorld { fake, db, clock } = SampleWorld::start(BEFORE_DIGEST).await;
    let bot = Bot::start(&db.url, &fake, &clock, "a").await;
    fake.wait_ready(1).await;
    fake.wait_for(Duration::from_secs(60), "command registration", |w| w.commands.clone()).await;
    let store = bot.app.store.clone();
    let CustomerMatch::One(coastal) = find_customer(store.as_ref(), "coastal ridge").await.unwrap() else { panic!() };
    let notes_before = store.notes_for_customer(coastal.id, 100).await.unwrap().len();

    let i = fake.slash(&lee(), AR_CHANNEL, "customer", &[("name", json!("coastal ridge"))]);
    let card = fake.answers(i, 1).await.remove(0);
    let button = format!("note:call:{}", coastal.id);
    assert!(button_ids(&card).contains(&button), "{:?}", button_ids(&card));

    // The click answers with a form (the fake refuses one Discord would refuse).
    let c = fake.click_answer(&lee(), i, &button).await;
    let form = fake.form(c).await;
    assert_eq!(form["title"], "Call with Coastal Ridge Construction");
    let fields: Vec<&str> = form["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["components"][0]["custom_id"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["contact", "said", "next", "follow_up"]);

    // A day that isn't one: refused, nothing logged.
    let s = fake.submit_form(&lee(), AR_CHANNEL, &form, &[("said", "Left a voicemail"), ("follow_up", "someday")]);
    let refused = text_of(&fake.answers(s, 1).await.remove(0));
    assert!(refused.contains("Follow up on: I couldn't read 'someday' as a date"), "{refused}");
    assert!(refused.contains("Nothing was logged"), "{refused}");
    assert_eq!(store.notes_for_customer(coastal.id, 100).await.unwrap().len(), notes_before);

    let s = fake.submit_form(
        &lee(),
        AR_CHANNEL,
        &form,
        &[
            ("contact", "Maria in AP"),
            ("said", "Pay app 7 is approved, check run Friday."),
            ("next", "Call Friday if no check"),
            ("follow_up", "Dec 4"),
        ],
    );
    let answer = text_of(&fake.answers(s, 1).await.remove(0));
    assert!(answer.contains("Logged a call with Coastal Ridge Construction (by @lee"), "{answer}");
    assert!(
        answer.contains(
            "\"Spoke to Maria in AP: Pay app 7 is approved, check run Friday; next: Call Friday if no check\""
        ),
        "{answer}"
    );
    assert!(answer.contains("in the digest of Fri Dec 4"), "{answer}");
    // Delivered again: recorded once.
    fake.redeliver(s);
    let again = text_of(fake.answers(s, 2).await.last().unwrap());
    assert!(again.contains("recorded once"), "{again}");
    settle().await;
    let notes = store.notes_for_customer(coastal.id, 100).await.unwrap();
    assert_eq!(notes.len(), notes_before + 1);
    assert_eq!((notes[0].kind.as_str(), notes[0].author.as_str()), ("call", "lee"));
    assert_eq!(notes[0].follow_up_on, Some("2026-12-04".parse().unwrap()));
    let trail = store.audit_trail(AuditQuery { customer_id: Some(coastal.id), job_id: None, limit: 10 }).await.unwrap();
    assert_eq!(trail.iter().filter(|e| e.action == "note").count(), 1, "{trail:?}");

    // Lee is not Gulf Coast's PM: the click says so and opens no form.
    let CustomerMatch::One(gulf) = find_customer(store.as_ref(), "gulf coast").await.unwrap() else { panic!() };
    let i = fake.slash(&sam(), AR_CHANNEL, "customer", &[("name", json!("gulf coast"))]);
    fake.answers(i, 1).await;
    let c = fake.click_answer(&lee(), i, &format!("note:call:{}", gulf.id)).await;
    let (_, cb) = fake.callback(c).await;
    assert_ne!(cb["type"], 9, "{cb}");
    assert!(text_of(&cb["data"]).contains("PMs log calls on their own accounts"), "{cb}");

    bot.stop().await;
    db.close().await;
}

/// "Reminders ready" in Discord, with a real SMTP server on loopback: posted at the morning round
/// with Send all and a button per account; the account's button shows its email with Send, Edit
/// and Skip; Edit opens a form holding the subject as it stands, and what is submitted is what the
/// customer gets; Skip keeps an account out of Send all; Send all emails the rest once; a viewer
/// is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_ready_is_reviewed_edited_skipped_and_sent_from_discord() {
    use arbot::config::{Config, MailConfig, MailTls};
    let SampleWorld { fake, db, clock } = SampleWorld::start("2026-11-23T13:14:00Z").await;
    let server = arbot_tests::smtp_server::SmtpServer::start();
    let config = Config {
        business_name: "Suncoast Mechanical".into(),
        mail: Some(MailConfig {
            host: "127.0.0.1".into(),
            port: server.port,
            tls: MailTls::None,
            from: "Suncoast AR <ar@suncoast.example>".into(),
            reply_to: None,
            bcc: None,
            username: None,
            password: None,
            timeout_secs: 5,
        }),
        ..Config::default()
    };
    let bot = Bot::start_configured(&db.url, &fake, &clock, "a", config).await;
    fake.wait_ready(1).await;
    fake.wait_for(Duration::from_secs(60), "command registration", |w| w.commands.clone()).await;
    let store = bot.app.store.clone();
    let CustomerMatch::One(acme) = find_customer(store.as_ref(), "acme").await.unwrap() else { panic!() };
    let CustomerMatch::One(gulf) = find_customer(store.as_ref(), "gulf coast").await.unwrap() else { panic!() };
    let day = "2026-11-23";
    let entries = arbot::commands::mail::round(&bot.app, day.parse().unwrap()).await.unwrap();
    let ready: Vec<_> = entries.iter().filter(|e| e.prepared.email.is_some() && e.prepared.hold.is_none()).collect();

    // 08:15: the round.
    clock.set(at("2026-11-23T13:15:05Z"));
    let post = fake
        .wait_for(Duration::from_secs(30), "Reminders ready", |w| {
            w.messages_in(AR_CHANNEL)
                .into_iter()
                .find(|m| {
                    m["embeds"][0]["title"].as_str().is_some_and(|t| t.starts_with("Reminders ready for Mon Nov 23"))
                })
                .cloned()
        })
        .await;
    let ids = button_ids(&post);
    assert_eq!(ids[0], format!("mail:all:{day}"));
    assert_eq!(ids.len(), 1 + ready.len(), "{ids:?}");
    assert!(
        ids.contains(&format!("mail:review:{}:{day}", acme.id))
            && ids.contains(&format!("mail:review:{}:{day}", gulf.id))
    );
    let post_id: u64 = post["id"].as_str().unwrap().parse().unwrap();

    // Acme's button: its email, with Send, Edit and Skip.
    let c = fake.click(&sam(), post_id, &format!("mail:review:{}:{day}", acme.id));
    let review = fake.answers(c, 1).await.remove(0);
    assert!(text_of(&review).contains("Reminder for Acme"), "{}", text_of(&review));
    let own: Vec<String> = ["send", "edit", "skip"].iter().map(|a| format!("mail:{a}:{}:{day}", acme.id)).collect();
    assert_eq!(button_ids(&review), own);

    // Edit: the form opens with today's subject; a new subject is submitted, the opening left as it was.
    let e = fake.click_answer(&sam(), c, &own[1]).await;
    let form = fake.form(e).await;
    let subject = form["components"][0]["components"][0]["value"].as_str().unwrap().to_string();
    assert!(subject.contains("Suncoast Mechanical"), "{subject}");
    let opening = form["components"][1]["components"][0]["value"].as_str().unwrap().to_string();
    assert!(!opening.is_empty());
    let s = fake.submit_form(&sam(), AR_CHANNEL, &form, &[("subject", "Pay apps 6 and 7: past due")]);
    let edited = fake.answers(s, 1).await.remove(0);
    assert!(text_of(&edited).contains("\"Pay apps 6 and 7: past due\""), "{}", text_of(&edited));
    assert_eq!(button_ids(&edited), own, "the edited email keeps its buttons");

    // Skip Gulf Coast.
    let c2 = fake.click(&sam(), post_id, &format!("mail:review:{}:{day}", gulf.id));
    fake.answers(c2, 1).await;
    let k = fake.click_answer(&sam(), c2, &format!("mail:skip:{}:{day}", gulf.id)).await;
    let skipped = text_of(&fake.answers(k, 1).await.remove(0));
    assert!(skipped.contains("Skipped by @sam at 8:15; nothing was sent."), "{skipped}");

    // A viewer can't send them.
    let v = fake.click(&vic(), post_id, &format!("mail:all:{day}"));
    let refused = text_of(&fake.answers(v, 1).await.remove(0));
    assert!(refused.contains("can send reminders (your roles: viewer)"), "{refused}");

    // Send all: everyone ready but Gulf Coast, once; the post keeps no buttons.
    let a = fake.click(&sam(), post_id, &format!("mail:all:{day}"));
    let done = fake.answers(a, 1).await.remove(0);
    let status = text_of(&done);
    let n = ready.len() - 1;
    assert!(status.contains(&format!("Sent by @sam at 8:15: {n} reminders queued")), "{status}");
    assert!(status.contains("Skipped: Gulf Coast Builders LLC."), "{status}");
    assert!(button_ids(&done).is_empty(), "{done}");
    let got = server.wait_for(n).await;
    let acme_mail = got.iter().find(|m| m.to.contains(&"ap@acmebuilders.example".to_string())).expect("Acme's email");
    let parsed = acme_mail.parsed();
    assert_eq!(parsed.subject(), Some("Pay apps 6 and 7: past due"));
    assert!(parsed.body_text(0).unwrap().contains(opening.trim()), "the opening as it was");
    assert!(got.iter().all(|m| !m.to.contains(&"payables@gulfcoastbuilders.example".to_string())));
    // Clicked again: nothing more goes out.
    let a2 = fake.click(&sam(), post_id, &format!("mail:all:{day}"));
    let again = text_of(&fake.answers(a2, 1).await.remove(0));
    assert!(again.contains("0 reminders queued"), "{again}");
    settle().await;
    assert_eq!(server.received().len(), n);
    bot.stop().await;
    db.close().await;
}
