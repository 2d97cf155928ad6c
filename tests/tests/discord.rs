//! End to end in Discord: the real serenity client (under poise, as `arbot run` starts it)
//! against the fake Discord on loopback, on a real database loaded with the sample ledger. Time
//! is a manual clock, so "08:00 on Monday" and "a restart that spans it" take milliseconds. The
//! world and the bot come from the kit's [`arbot_tests::bot_world`].

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test

use std::sync::Arc;
use std::time::Duration;

use arbot::app::App;
use arbot::commands::COMMANDS;
use arbot::config::Config;
use arbot::discord::Token;
use arbot_core::escalation::EscalationStatus;
use arbot_core::summary::{CustomerMatch, customer_summary, find_customer};
use arbot_core::{Clock, ManualClock, store};
use arbot_tests::TestDb;
use arbot_tests::bot_world::*;
use arbot_tests::fake_discord::*;
use serde_json::{Value, json};

fn digests_in(w: &World) -> Vec<Value> {
    w.messages_in(AR_CHANNEL)
        .into_iter()
        .filter(|m| m["embeds"][0]["title"].as_str().is_some_and(|t| t.starts_with("AR digest")))
        .cloned()
        .collect()
}

fn digests(fake: &FakeDiscord) -> Vec<Value> {
    fake.world(|w| digests_in(w))
}

fn cash_reports_in(w: &World) -> Vec<Value> {
    w.messages_in(AR_CHANNEL)
        .into_iter()
        .filter(|m| m["embeds"][0]["title"].as_str().is_some_and(|t| t.starts_with("Cash —")))
        .cloned()
        .collect()
}

/// Mon Nov 23, 2026, just after 17:00 in New York: the cash report is due.
const AFTER_CASH: &str = "2026-11-23T22:00:05Z";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_commands_answer_from_the_database_with_roles_and_privacy() {
    let SampleWorld { fake, db, clock } = SampleWorld::start(BEFORE_DIGEST).await;
    let bot = Bot::start(&db.url, &fake, &clock, "a").await;
    fake.wait_ready(1).await;

    // Registered: /ar (and each other family with commands) with one subcommand per command,
    // options as in the command table.
    let (scope, registered) =
        fake.wait_for(Duration::from_secs(60), "command registration", |w| w.commands.clone()).await;
    assert_eq!(scope, "guild");
    let families: Vec<&str> = registered.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(families[0], "ar");
    let subs: Vec<&Value> =
        registered.as_array().unwrap().iter().flat_map(|c| c["options"].as_array().unwrap().iter()).collect();
    let names: Vec<&str> = subs.iter().map(|s| s["name"].as_str().unwrap()).collect();
    let expected: Vec<&str> = COMMANDS.iter().map(|c| c.name).collect();
    let mut sorted_names = names.clone();
    sorted_names.sort_unstable();
    let mut sorted_expected = expected.clone();
    sorted_expected.sort_unstable();
    assert_eq!(sorted_names, sorted_expected);
    for sub in &subs {
        let c = COMMANDS.iter().find(|c| sub["name"] == c.name).unwrap();
        assert_eq!(sub["type"], 1, "{} is a subcommand", c.name);
        assert_eq!(sub["description"], c.summary);
        let options: Vec<(String, bool)> = sub["options"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|o| (o["name"].as_str().unwrap().to_string(), o["required"].as_bool().unwrap_or(false)))
            .collect();
        let params: Vec<(String, bool)> = c.options().iter().map(|p| (p.name.to_string(), p.required)).collect();
        assert_eq!(options, params, "/ar {}", c.name);
    }
    let aging = subs.iter().find(|s| s["name"] == "aging").unwrap();
    let by = aging["options"].as_array().unwrap().iter().find(|o| o["name"] == "by").unwrap();
    let choices: Vec<&str> = by["choices"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(choices, ["customer", "job", "pm"]);
    let customer = subs.iter().find(|s| s["name"] == "customer").unwrap();
    assert_eq!(customer["options"][0]["autocomplete"], true);

    // An AR specialist asks in the AR channel: answered well within 3 seconds, publicly, with the
    // figures the database holds.
    let i = fake.slash(&sam(), AR_CHANNEL, "customer", &[("name", json!("acme"))]);
    let (latency, first) = fake.callback(i).await;
    assert!(latency < Duration::from_secs(3), "answered in {latency:?}");
    assert!(matches!(first["type"].as_u64(), Some(4 | 5)), "{first}");
    let answer = fake.answers(i, 1).await.remove(0);
    assert_eq!(answer["flags"].as_u64().unwrap_or(0) & 64, 0, "public in the AR channel: {answer}");
    let text = text_of(&answer);
    let app = &bot.app;
    let CustomerMatch::One(acme) = find_customer(app.store.as_ref(), "acme").await.unwrap() else { panic!() };
    let summary =
        customer_summary(app.store.as_ref(), acme.id, app.today(), false, &app.config.aging, app.config.currency)
            .await
            .unwrap()
            .unwrap();
    assert!(text.contains("Acme Builders Inc"), "{text}");
    let open = format!("Open {} · overdue {}", app.money(summary.aging.total), app.money(summary.aging.overdue));
    assert!(text.contains(&open), "the figures from the database ({open}):\n{text}");
    assert!(answer["embeds"][0]["color"].as_u64().is_some(), "coloured by severity: {answer}");

    // Autocomplete: matching customers from the local store.
    let i = fake.autocomplete(&sam(), AR_CHANNEL, "customer", "name", "gulf");
    let (latency, ac) = fake.callback(i).await;
    assert!(latency < Duration::from_secs(3));
    assert_eq!(ac["type"], 8, "{ac}");
    let choices: Vec<&str> =
        ac["data"]["choices"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert!(choices.contains(&"Gulf Coast Builders LLC"), "{choices:?}");
    assert!(choices.iter().all(|c| c.to_lowercase().contains("gulf")), "{choices:?}");
    let i = fake.autocomplete(&sam(), AR_CHANNEL, "invoice", "number", "104");
    let (_, ac) = fake.callback(i).await;
    let numbers: Vec<&str> =
        ac["data"]["choices"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert!(!numbers.is_empty() && numbers.iter().all(|n| n.starts_with("104")), "{numbers:?}");

    // A viewer asking outside the AR channel gets the answer privately.
    let i = fake.slash(&vic(), OTHER_CHANNEL, "customer", &[("name", json!("acme"))]);
    let answer = fake.answers(i, 1).await.remove(0);
    assert_eq!(answer["flags"].as_u64().unwrap_or(0) & 64, 64, "ephemeral outside the AR channel: {answer}");
    assert!(text_of(&answer).contains("Acme Builders Inc"));
    // ... but publicly in a thread of the AR channel.
    fake.world(|w| {
        let thread = json!({"id": "800000000000000099", "type": 11, "guild_id": GUILD.to_string(), "name": "t",
                            "parent_id": AR_CHANNEL.to_string(), "position": 0, "permission_overwrites": []});
        w.channels.insert(800_000_000_000_000_099, thread);
    });
    let i = fake.slash(&vic(), 800_000_000_000_000_099, "overdue", &[("min-days", json!(60))]);
    let answer = fake.answers(i, 1).await.remove(0);
    assert_eq!(answer["flags"].as_u64().unwrap_or(0) & 64, 0, "public in an AR thread: {answer}");
    assert!(text_of(&answer).contains("Old Oak Homes"), "{}", text_of(&answer));

    // Someone without an arbot role is refused, privately, and told which role is needed.
    let stranger = Person::new(NOBODY, "pat", &[]);
    let i = fake.slash(&stranger, AR_CHANNEL, "customer", &[("name", json!("acme"))]);
    let answer = fake.answers(i, 1).await.remove(0);
    assert_eq!(answer["flags"].as_u64().unwrap_or(0) & 64, 64);
    let refusal = text_of(&answer);
    assert!(refusal.contains("needs the AR or PM or manager or viewer role (your roles: none)"), "{refusal}");
    assert!(!refusal.contains("Acme Builders Inc"));
    let i = fake.autocomplete(&stranger, AR_CHANNEL, "customer", "name", "gulf");
    let (_, ac) = fake.callback(i).await;
    assert_eq!(ac["data"]["choices"], json!([]), "no names for someone without a role");
    // Only the AR team records notices.
    let i = fake.slash(
        &lee(),
        AR_CHANNEL,
        "notice",
        &[("job", json!("Marina Tower")), ("kind", json!("nto")), ("date", json!("2026-11-20"))],
    );
    let text = text_of(&fake.answers(i, 1).await.remove(0));
    assert!(text.contains("needs the AR or manager role (your roles: PM)"), "{text}");

    // A bad value gets the same clear message as in the console, privately.
    let i = fake.slash(&sam(), AR_CHANNEL, "aging", &[("as-of", json!("Nov 31"))]);
    let answer = fake.answers(i, 1).await.remove(0);
    assert!(text_of(&answer).contains("Nov 31 isn't a date"), "{}", text_of(&answer));
    assert_eq!(answer["flags"].as_u64().unwrap_or(0) & 64, 64);

    // A choice comes back as the word it stands for: /ar aging by:job.
    let i = fake.slash(&sam(), AR_CHANNEL, "aging", &[("by", json!(1))]);
    let text = text_of(&fake.answers(i, 1).await.remove(0));
    assert!(text.contains("Marina Tower"), "aging by job lists jobs:\n{text}");

    // The connection stays up on heartbeats: acknowledged, no reconnect.
    fake.wait_for(Duration::from_secs(10), "heartbeats", |w| (w.heartbeats >= 2).then_some(())).await;
    assert_eq!(fake.world(|w| w.identifies), 1, "no reconnect while heartbeats are acknowledged");

    // A network blip: serenity reconnects and arbot answers again.
    fake.drop_connections();
    fake.wait_ready(2).await;
    let i = fake.slash(&sam(), AR_CHANNEL, "kpi", &[]);
    let text = text_of(&fake.answers(i, 1).await.remove(0));
    assert!(text.contains("DSO"), "{text}");

    bot.stop().await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_digest_is_posted_once_at_eight_and_caught_up_once_after_a_restart() {
    let SampleWorld { fake, db, clock } = SampleWorld::start(BEFORE_DIGEST).await;
    let bot = Bot::start(&db.url, &fake, &clock, "a").await;
    fake.wait_ready(1).await;
    settle().await;
    assert!(digests(&fake).is_empty(), "nothing before 08:00");

    clock.set(at(AFTER_DIGEST));
    let posted = fake.wait_for(Duration::from_secs(60), "the digest", |w| digests_in(w).first().cloned()).await;
    let text = text_of(&posted);
    assert!(posted["embeds"][0]["title"] == "AR digest — Mon Nov 23", "{posted}");
    assert!(text.contains("Needs someone today") && text.contains("Harborview Owners Assn"), "{text}");
    assert!(text.contains("Most at risk"), "{text}");
    assert!(text.contains("Payments since Friday"), "{text}");
    assert!(button_ids(&posted).iter().any(|b| b.starts_with("esc:open:")), "a button per line that needs someone");
    settle().await;
    assert_eq!(digests(&fake).len(), 1, "posted once");

    // Restarted the same morning: not posted again.
    bot.stop().await;
    let bot = Bot::start(&db.url, &fake, &clock, "a2").await;
    fake.wait_ready(2).await;
    settle().await;
    assert_eq!(digests(&fake).len(), 1, "a restart does not repeat the digest");
    bot.stop().await;

    // Down over Tuesday 08:00, back at 09:30: Tuesday's digest is caught up, once.
    clock.set(at("2026-11-24T14:30:00Z"));
    let bot = Bot::start(&db.url, &fake, &clock, "a3").await;
    fake.wait_ready(3).await;
    fake.wait_for(Duration::from_secs(60), "Tuesday's digest", |w| (digests_in(w).len() == 2).then_some(())).await;
    settle().await;
    let titles: Vec<String> =
        digests(&fake).iter().map(|d| d["embeds"][0]["title"].as_str().unwrap().to_string()).collect();
    assert_eq!(titles, ["AR digest — Mon Nov 23", "AR digest — Tue Nov 24"]);
    let runs = bot.app.store.runs("digest", 10).await.unwrap();
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert!(runs.iter().all(|r| r.status == arbot_core::store::RunStatus::Done), "{runs:?}");
    bot.stop().await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cash_report_is_posted_once_at_five_and_answers_report_cash() {
    let SampleWorld { fake, db, clock } = SampleWorld::start(AFTER_DIGEST).await;
    let bot = Bot::start(&db.url, &fake, &clock, "a").await;
    fake.wait_ready(1).await;
    settle().await;
    assert!(fake.world(|w| cash_reports_in(w)).is_empty(), "nothing before 17:00");

    // On demand, under /report: the same figures core computes for the day.
    let i = fake.slash(&sam(), AR_CHANNEL, "cash", &[("date", json!("Nov 20"))]);
    let text = text_of(&fake.answers(i, 1).await.remove(0));
    let app = &bot.app;
    let r = arbot::commands::build_cash(app, Some("2026-11-20".parse().unwrap())).await.unwrap();
    assert!(text.contains("Cash — Fri Nov 20"), "{text}");
    assert!(text.contains(&format!("Received {} from", app.money(r.total))), "{text}");
    assert!(text.contains(&format!("{}", app.money(r.windows[0].expected()))), "{text}");

    clock.set(at(AFTER_CASH));
    let posted =
        fake.wait_for(Duration::from_secs(60), "the cash report", |w| cash_reports_in(w).first().cloned()).await;
    assert_eq!(posted["embeds"][0]["title"], "Cash — Mon Nov 23", "{posted}");
    let text = text_of(&posted);
    assert!(text.contains("Expected next 7 days") && text.contains("Requested that day"), "{text}");
    settle().await;
    assert_eq!(fake.world(|w| cash_reports_in(w)).len(), 1, "posted once");

    // Restarted the same evening: not posted again.
    bot.stop().await;
    let bot = Bot::start(&db.url, &fake, &clock, "a2").await;
    fake.wait_ready(2).await;
    settle().await;
    assert_eq!(fake.world(|w| cash_reports_in(w)).len(), 1, "a restart does not repeat the cash report");
    let runs = bot.app.store.runs("cash_report", 10).await.unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    bot.stop().await;
    db.close().await;
}

/// The weekly report's messages in the AR channel, each with the messages that continue it (a
/// long report is split into messages whose first embed has no title), as text.
fn weekly_reports_in(w: &World) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut open = false;
    for m in w.messages_in(AR_CHANNEL) {
        let title = m["embeds"][0]["title"].as_str();
        if title.is_some_and(|t| t.starts_with("Weekly AR —") && !t.ends_with("(continued)")) {
            out.push(text_of(m));
            open = true;
        } else if open && title.is_none_or(|t| t.starts_with("Weekly AR —")) {
            if let Some(last) = out.last_mut() {
                last.push_str(&text_of(m));
            }
        } else {
            open = false;
        }
    }
    out
}

/// Mon Nov 23, 2026, just after 08:30 in New York: the weekly report is due.
const AFTER_WEEKLY: &str = "2026-11-23T13:30:05Z";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_weekly_report_is_posted_once_on_monday_morning_and_answers_report_weekly() {
    let SampleWorld { fake, db, clock } = SampleWorld::start(AFTER_DIGEST).await;
    let bot = Bot::start(&db.url, &fake, &clock, "a").await;
    fake.wait_ready(1).await;
    settle().await;
    assert!(fake.world(|w| weekly_reports_in(w)).is_empty(), "nothing before 08:30");

    // On demand, under /report: the figures core computes for the day.
    let i = fake.slash(&sam(), AR_CHANNEL, "weekly", &[]);
    let answers = fake.answers(i, 1).await;
    let answer = text_of(&answers[0]);
    // The whole report comes along as a workbook (an XLSX is a zip: "PK").
    // The files ride on the answer's last message, which may come after the first.
    let files: Vec<Value> = fake
        .wait_for(Duration::from_secs(60), "the answer's workbook and charts", |w| {
            let answers = w.callbacks.get(&i).into_iter().flatten().map(|(_, b)| &b["data"]);
            let messages = w.messages.values().filter(|m| is_id(&m["interaction_id"], i));
            let files: Vec<Value> =
                answers.chain(messages).flat_map(|a| a["_files"].as_array().cloned().unwrap_or_default()).collect();
            (files.len() >= 4).then_some(files)
        })
        .await;
    let names: Vec<&str> = files.iter().filter_map(|f| f["name"].as_str()).collect();
    let sent = [
        "weekly-ar-2026-11-23.xlsx",
        "weekly-ar-2026-11-23-aging.png",
        "weekly-ar-2026-11-23-dso.png",
        "weekly-ar-2026-11-23-top-overdue.png",
    ];
    assert_eq!(names, sent, "{answers:?}");
    assert!(files[0]["content"].as_str().is_some_and(|c| c.starts_with("PK")));
    // With the charts as PNG (read back as text: the signature's first byte is not UTF-8).
    for f in &files[1..] {
        assert!(f["content"].as_str().is_some_and(|c| c.starts_with("\u{FFFD}PNG")), "{}", f["name"]);
    }
    let app = &bot.app;
    let r = arbot::commands::build_weekly(app, None).await.unwrap();
    let open =
        format!("Open {} · past due {}", app.money(r.aging[0].total), app.money(r.aging[0].collectible_overdue()));
    assert!(answer.contains("Weekly AR — Nov 23, 2026") && answer.contains(&open), "{answer}");

    fn files_in_channel(w: &World) -> Vec<String> {
        w.messages_in(AR_CHANNEL)
            .iter()
            .flat_map(|m| m["_files"].as_array().cloned().unwrap_or_default())
            .filter_map(|f| f["name"].as_str().map(str::to_string))
            .collect()
    }
    assert_eq!(fake.world(|w| files_in_channel(w)), sent, "the answer's");

    clock.set(at(AFTER_WEEKLY));
    fake.wait_for(Duration::from_secs(60), "the weekly report", |w| weekly_reports_in(w).first().cloned()).await;
    settle().await;
    let posted = fake.world(|w| weekly_reports_in(w));
    assert_eq!(posted.len(), 1, "posted once");
    // The Monday post carries the workbook too, once (beside the one answering /report weekly).
    let posted_files = fake.world(|w| files_in_channel(w));
    assert_eq!(posted_files, [sent, sent].concat(), "the answer's and the post's, once each");
    let text = &posted[0];
    assert!(text.contains(&open), "{text}");
    assert!(text.contains("Promises kept") && text.contains("By GC"), "{text}");
    assert!(!r.actions.is_empty());
    for a in r.actions.iter().take(3) {
        let line = format!("• {}: {}", arbot::commands::weekly_action_text(a), a.why);
        assert!(text.contains(&line), "wanted {line:?} in\n{text}");
    }
    let harborview = r.risks.iter().find(|x| x.name == "Harborview Owners Assn").expect("Harborview is a risk");
    assert!(harborview.broken_promises >= 1, "{harborview:?}");
    assert!(text.contains("Harborview Owners Assn — ") && text.contains("broken promise"), "{text}");

    // Restarted the same morning: not posted again.
    bot.stop().await;
    let bot = Bot::start(&db.url, &fake, &clock, "a2").await;
    fake.wait_ready(2).await;
    settle().await;
    assert_eq!(fake.world(|w| weekly_reports_in(w)).len(), 1, "a restart does not repeat the weekly report");
    assert_eq!(fake.world(|w| files_in_channel(w)), [sent, sent].concat(), "nor its workbook and charts");
    let runs = bot.app.store.runs("weekly_report", 10).await.unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    bot.stop().await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_postgres_share_one_gateway_and_post_once() {
    let Some(db) = TestDb::postgres().await else {
        eprintln!("ARBOT_TEST_POSTGRES_URL is not set: skipped (CI sets it)");
        return;
    };
    load_sample_ledger(&db).await;
    let fake = FakeDiscord::start().await;
    let clock = ManualClock::new(at(BEFORE_DIGEST), chrono_tz::America::New_York);
    let first = Bot::start(&db.url, &fake, &clock, "one").await;
    fake.wait_ready(1).await;
    let second = Bot::start(&db.url, &fake, &clock, "two").await;
    settle().await;
    settle().await;
    assert_eq!(fake.world(|w| w.identifies), 1, "exactly one instance holds the gateway");

    clock.set(at(AFTER_DIGEST));
    fake.wait_for(Duration::from_secs(60), "the digest", |w| digests_in(w).first().cloned()).await;
    settle().await;
    settle().await;
    assert_eq!(digests(&fake).len(), 1, "two schedulers, one digest");
    let runs = first.app.store.runs("digest", 10).await.unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    clock.set(at(AFTER_CASH));
    fake.wait_for(Duration::from_secs(60), "the cash report", |w| cash_reports_in(w).first().cloned()).await;
    settle().await;
    settle().await;
    assert_eq!(fake.world(|w| cash_reports_in(w)).len(), 1, "two schedulers, one cash report");
    assert_eq!(first.app.store.runs("cash_report", 10).await.unwrap().len(), 1);

    // The gateway holder stops: the other instance takes over and answers.
    first.stop().await;
    fake.wait_ready(2).await;
    let i = fake.slash(&sam(), AR_CHANNEL, "customer", &[("name", json!("harborview"))]);
    let text = text_of(&fake.answers(i, 1).await.remove(0));
    assert!(text.contains("Harborview Owners Assn"), "{text}");
    second.stop().await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_escalation_thread_from_a_digest_line_with_buttons_that_survive_a_restart() {
    let SampleWorld { fake, db, clock } = SampleWorld::start(AFTER_DIGEST).await;
    let bot = Bot::start(&db.url, &fake, &clock, "a").await;
    fake.wait_ready(1).await;
    let digest = fake.wait_for(Duration::from_secs(60), "the digest", |w| digests_in(w).first().cloned()).await;
    let harborview = match find_customer(bot.app.store.as_ref(), "harborview").await.unwrap() {
        CustomerMatch::One(c) => c,
        _ => panic!("one Harborview"),
    };
    let button = format!("esc:open:{}", harborview.id);
    assert!(button_ids(&digest).contains(&button), "{:?}", button_ids(&digest));
    let digest_id: u64 = digest["id"].as_str().unwrap().parse().unwrap();

    // A viewer may not escalate.
    let i = fake.click(&vic(), digest_id, &button);
    let (_, cb) = fake.callback(i).await;
    let followup = fake.answers(i, 1).await;
    let said = followup.iter().map(text_of).collect::<String>() + &cb.to_string();
    assert!(said.contains("Only the AR team or a manager can open an escalation"), "{said}");

    // Sam clicks "Escalate Harborview Owners Assn" on the digest.
    let i = fake.click(&sam(), digest_id, &button);
    let (latency, cb) = fake.callback(i).await;
    assert!(latency < Duration::from_secs(3));
    assert_eq!(cb["type"], 5, "deferred, privately: {cb}");
    let said = text_of(&fake.answers(i, 1).await.remove(0));
    assert!(said.contains("Escalated: Harborview Owners Assn"), "{said}");

    // The alert in the AR channel, a thread from it named after the account, and a first message
    // in the thread that mentions the PM and carries the buttons.
    let alert = fake
        .wait_for(Duration::from_secs(60), "the escalation alert", |w| {
            w.messages_in(AR_CHANNEL)
                .into_iter()
                .find(|m| m["embeds"][0]["title"].as_str().is_some_and(|t| t.starts_with("Escalation: Harborview")))
                .cloned()
        })
        .await;
    let alert_id: u64 = alert["id"].as_str().unwrap().parse().unwrap();
    let thread_call = fake
        .wait_for(Duration::from_secs(60), "the thread", |w| {
            w.calls_to("POST", &format!("/channels/{AR_CHANNEL}/messages/{alert_id}/threads"))
                .first()
                .map(|c| c.body.clone())
        })
        .await;
    let thread_name = thread_call["name"].as_str().unwrap();
    assert!(thread_name.starts_with("Harborview Owners Assn — $"), "{thread_name}");
    assert!(thread_name.chars().count() <= 100);
    let first = fake
        .wait_for(Duration::from_secs(60), "the thread's first message", |w| {
            w.messages_in(alert_id).first().cloned().cloned()
        })
        .await;
    assert_eq!(first["content"], format!("<@{LEE}> can you help with Harborview Owners Assn?"));
    assert_eq!(first["allowed_mentions"]["users"], json!([LEE.to_string()]), "only the PM is pinged");
    let first_text = text_of(&first);
    assert!(first_text.contains("Why:") && first_text.contains("promise for $40.0k broke"), "{first_text}");
    assert!(first_text.contains("The ask: @lee, can you reach them"), "{first_text}");
    let buttons = button_ids(&first);
    let ack = buttons.iter().find(|b| b.starts_with("esc:ack:")).unwrap().clone();
    let call = buttons.iter().find(|b| b.starts_with("esc:call:")).unwrap().clone();
    let esc_id: i64 = ack.rsplit(':').next().unwrap().parse().unwrap();
    let first_id: u64 = first["id"].as_str().unwrap().parse().unwrap();

    // A second click on the digest finds the open escalation rather than opening another.
    let i = fake.click(&sam(), digest_id, &button);
    let said = text_of(&fake.answers(i, 1).await.remove(0));
    assert!(said.contains("is already escalated"), "{said}");

    // Lee acknowledges: the message says so, and the click is on record.
    clock.set(at("2026-11-23T14:14:00Z")); // 09:14 in New York
    let i = fake.click(&lee(), first_id, &ack);
    let (latency, cb) = fake.callback(i).await;
    assert!(latency < Duration::from_secs(3));
    assert_eq!(cb["type"], 7, "the message is updated: {cb}");
    let updated = text_of(&cb["data"]);
    assert!(updated.contains("Status: Acknowledged by @lee at 9:14"), "{updated}");
    assert!(updated.contains("The ask"), "the rest of the message stays: {updated}");
    let esc = bot.app.store.escalation(esc_id).await.unwrap().unwrap();
    assert_eq!((esc.status, esc.acked_by.as_deref()), (EscalationStatus::Acknowledged, Some("lee")));
    assert_eq!(esc.thread_id, Some(alert_id.to_string()));

    // After a restart, the old button still works: routed by its id, state in the database.
    bot.stop().await;
    let bot = Bot::start(&db.url, &fake, &clock, "b").await;
    fake.wait_ready(2).await;
    let i = fake.click(&lee(), first_id, &call);
    let (_, cb) = fake.callback(i).await;
    assert_eq!(cb["type"], 7, "{cb}");
    assert!(text_of(&cb["data"]).contains("@lee will call them"), "{}", text_of(&cb["data"]));
    let events: Vec<String> = bot
        .app
        .store
        .escalation_events(esc_id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {}", e.action, e.actor_name))
        .collect();
    assert_eq!(events, ["ack lee", "call lee"]);
    let notes = bot.app.store.notes_for_customer(harborview.id, 1).await.unwrap();
    assert!(notes[0].body.contains("@lee will call them"), "{:?}", notes[0]);
    // A viewer's click is refused and changes nothing.
    let i = fake.click(&vic(), first_id, &ack);
    let text = text_of(&fake.answers(i, 1).await.remove(0));
    assert!(text.contains("Only a PM, the AR team or a manager"), "{text}");
    assert_eq!(bot.app.store.escalation_events(esc_id).await.unwrap().len(), 2);
    bot.stop().await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_post_is_lost_or_doubled_when_discord_fails() {
    let SampleWorld { fake, db, clock } = SampleWorld::start(BEFORE_DIGEST).await;
    // The bot may not post in the AR channel yet.
    fake.world(|w| w.bot_permissions = BOT_PERMISSIONS & !SEND_MESSAGES);
    let bot = Bot::start(&db.url, &fake, &clock, "a").await;
    fake.wait_ready(1).await;
    clock.set(at(AFTER_DIGEST));
    let key = "digest:2026-11-23";
    let mut waiting = None;
    for _ in 0..500 {
        let status = bot.app.store.outbox_status(key).await.unwrap();
        let tried = fake.world(|w| !w.calls_to("POST", &format!("/channels/{AR_CHANNEL}/messages")).is_empty());
        if tried && status.as_ref().is_some_and(|(s, _)| s == "pending") {
            waiting = status;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(waiting.is_some(), "kept in the outbox while the bot lacks permission");
    assert!(digests(&fake).is_empty());
    // Permission granted; Discord then fails twice with 502, then takes the post but the answer is
    // lost (a 500 after the work): the post still lands exactly once.
    fake.world(|w| w.bot_permissions = BOT_PERMISSIONS);
    fake.fault("POST", &format!("/channels/{AR_CHANNEL}/messages"), 2, FaultKind::Fail(502));
    fake.fault("POST", &format!("/channels/{AR_CHANNEL}/messages"), 1, FaultKind::FailAfter(500));
    advance_until_sent(&bot.app, &clock, key).await;
    assert_eq!(digests(&fake).len(), 1, "landed once despite the lost answer");
    let attempts = fake.world(|w| w.calls_to("POST", &format!("/channels/{AR_CHANNEL}/messages")).len());
    assert!(attempts >= 4, "{attempts} attempts: refused, 502, 502, landed-but-lost");

    // A slow Discord (longer than the request timeout) that still posts: not doubled either.
    let key = "lien:test";
    let post = arbot::chat::Post::of(arbot::reply::Reply::titled("Slow post").line("once"));
    arbot::outbox::enqueue_post(&bot.app, key, arbot::outbox::Destination::ArChannel, post).await.unwrap();
    fake.fault("POST", &format!("/channels/{AR_CHANNEL}/messages"), 1, FaultKind::Delay(Duration::from_secs(3)));
    advance_until_sent(&bot.app, &clock, key).await;
    let slow =
        fake.world(|w| w.messages_in(AR_CHANNEL).iter().filter(|m| m["embeds"][0]["title"] == "Slow post").count());
    assert_eq!(slow, 1);
    bot.stop().await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_mistakes_are_named_with_the_fix() {
    let fake = FakeDiscord::start().await;
    let db = TestDb::sqlite().await;
    let clock = ManualClock::new(at(BEFORE_DIGEST), chrono_tz::America::New_York);

    let bot = Bot::start_with(&db.url, &fake, &clock, "a", Token::new("wrong"), discord_config(&fake.api_url)).await;
    let err = bot.task.await.unwrap().unwrap_err().to_string();
    assert!(err.contains("Discord rejected the bot token") && err.contains("DISCORD_TOKEN"), "{err}");

    // Discord unreachable (nothing listens there): our sentence, not the HTTP library's.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let http = arbot::discord::http(
        &Token::new(TOKEN),
        &discord_config(&format!("http://127.0.0.1:{closed}")),
        Duration::from_secs(2),
    )
    .unwrap();
    let err = arbot::discord::startup_check(&http, &discord_config(&fake.api_url)).await.unwrap_err().to_string();
    assert!(err.contains("Discord could not be reached") && err.contains("Check the network"), "{err}");
    assert!(!err.contains("Error while sending HTTP request") && !err.contains("error sending request"), "{err}");

    let mut cfg = discord_config(&fake.api_url);
    cfg.guild_id = 123;
    let bot = Bot::start_with(&db.url, &fake, &clock, "a", Token::new(TOKEN), cfg).await;
    let err = bot.task.await.unwrap().unwrap_err().to_string();
    assert!(err.contains("not in the Discord server 123") && err.contains("guild_id"), "{err}");

    let timeout = Duration::from_secs(2);
    let mut cfg = discord_config(&fake.api_url);
    cfg.ar_channel_id = 999;
    let http = arbot::discord::http(&Token::new(TOKEN), &cfg, timeout).unwrap();
    let (_, findings) = arbot::discord::startup_check(&http, &cfg).await.unwrap();
    assert!(
        findings.problems[0].contains("AR channel 999") && findings.problems[0].contains("Copy Channel ID"),
        "{findings:?}"
    );

    fake.world(|w| w.bot_permissions = BOT_PERMISSIONS & !SEND_MESSAGES & !(1 << 35));
    let cfg = discord_config(&fake.api_url);
    let http = arbot::discord::http(&Token::new(TOKEN), &cfg, timeout).unwrap();
    let (me, findings) = arbot::discord::startup_check(&http, &cfg).await.unwrap();
    assert_eq!(me.user_id.get(), BOT_ID);
    assert_eq!(findings.problems.len(), 1, "{findings:?}");
    assert!(findings.problems[0].contains("lacks Send Messages, Create Public Threads in #ar"), "{findings:?}");
    let _ = clock.now();
    db.close().await;
}

fn warnings_in(w: &World, channel: u64, about: &str) -> Vec<String> {
    w.messages_in(channel)
        .into_iter()
        .filter_map(|m| m["embeds"][0]["title"].as_str())
        .filter(|t| t.contains(about))
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lien_warnings_at_each_lead_time_once_and_in_the_jobs_thread() {
    // Marina Tower (FL): first furnished Oct 10, so the Notice to Owner is due Tue Nov 24
    // (45 days, Fla. Stat. § 713.06(2)(a)).
    let SampleWorld { fake, db, clock } = SampleWorld::start(AFTER_DIGEST).await;
    let bot = Bot::start(&db.url, &fake, &clock, "a").await;
    fake.wait_ready(1).await;
    let warning = fake
        .wait_for(Duration::from_secs(60), "Monday's warning", |w| {
            w.messages_in(AR_CHANNEL)
                .into_iter()
                .find(|m| m["embeds"][0]["title"].as_str().is_some_and(|t| t.contains("Marina Tower")))
                .cloned()
        })
        .await;
    let text = text_of(&warning);
    assert_eq!(
        warning["embeds"][0]["title"],
        "Notice to Owner due tomorrow — Marina Tower (Tampa, Hillsborough County, FL)"
    );
    assert!(text.contains("Due Tue Nov 24") && text.contains("Fla. Stat. § 713.06(2)(a)"), "{text}");
    assert!(text.contains("Unpaid on this job: $91,500.00. PM: @dana."), "{text}");
    assert!(text.contains("Record it: /ar notice \"Marina Tower\" nto 2026-11-23 <tracking no>"), "{text}");
    assert!(text.contains("not legal advice"), "{text}");
    // The digest has its lien section too.
    let digest = fake.wait_for(Duration::from_secs(60), "the digest", |w| digests_in(w).first().cloned()).await;
    let digest_text = text_of(&digest);
    assert!(digest_text.contains("Lien and notice deadlines, next 14 days"), "{digest_text}");
    assert!(
        digest_text.contains("Nov 24 Notice to Owner — Marina Tower (Gulf Coast Builders LLC, FL)"),
        "{digest_text}"
    );

    // The warning opens an escalation for the job: a thread asking Dana.
    let button = button_ids(&warning).into_iter().find(|b| b.starts_with("esc:open:")).expect("an escalate button");
    let warning_id: u64 = warning["id"].as_str().unwrap().parse().unwrap();
    let i = fake.click(&sam(), warning_id, &button);
    let said = text_of(&fake.answers(i, 1).await.remove(0));
    assert!(said.contains("Escalated: Marina Tower (Gulf Coast Builders LLC)"), "{said}");
    let alert_id: u64 = fake
        .wait_for(Duration::from_secs(60), "the job's thread", |w| {
            let alert = w.messages_in(AR_CHANNEL).into_iter().find(|m| {
                m["embeds"][0]["title"].as_str().is_some_and(|t| t.starts_with("Escalation: Marina Tower"))
            })?;
            let id: u64 = alert["id"].as_str()?.parse().ok()?;
            (!w.messages_in(id).is_empty()).then_some(id)
        })
        .await;
    let first = fake.world(|w| w.messages_in(alert_id)[0].clone());
    assert_eq!(first["content"], format!("<@{DANA}> can you help with Marina Tower (Gulf Coast Builders LLC)?"));
    assert!(text_of(&first).contains("Notice to Owner due Nov 24 (1 day) on Marina Tower"), "{}", text_of(&first));

    // Restarted the same day: the warning is not repeated.
    bot.stop().await;
    let bot = Bot::start(&db.url, &fake, &clock, "b").await;
    fake.wait_ready(2).await;
    settle().await;
    assert_eq!(fake.world(|w| warnings_in(w, AR_CHANNEL, "Notice to Owner").len()), 1);

    // Tuesday: due today — in the AR channel and in the job's thread, with Dana called on.
    clock.set(at("2026-11-24T13:00:05Z"));
    let in_thread = fake
        .wait_for(Duration::from_secs(60), "Tuesday's warning in the thread", |w| {
            w.messages_in(alert_id).into_iter().find(|m| text_of(m).contains("due TODAY")).cloned()
        })
        .await;
    assert_eq!(in_thread["content"], format!("<@{DANA}> this deadline is on your job:"));
    assert!(button_ids(&in_thread).is_empty(), "no second escalate button inside the thread");
    let titles = fake.world(|w| warnings_in(w, AR_CHANNEL, "Notice to Owner"));
    assert_eq!(
        titles,
        [
            "Notice to Owner due tomorrow — Marina Tower (Tampa, Hillsborough County, FL)",
            "Notice to Owner due TODAY — Marina Tower (Tampa, Hillsborough County, FL)"
        ]
    );
    bot.stop().await;

    // Wednesday, nothing recorded: reported once as missed, not again after a restart.
    clock.set(at("2026-11-25T13:00:05Z"));
    let bot = Bot::start(&db.url, &fake, &clock, "c").await;
    fake.wait_ready(3).await;
    let missed = fake
        .wait_for(Duration::from_secs(60), "the missed report", |w| {
            warnings_in(w, AR_CHANNEL, "Missed: Notice to Owner — Marina Tower").into_iter().next()
        })
        .await;
    assert_eq!(missed, "Missed: Notice to Owner — Marina Tower (Tampa, Hillsborough County, FL)");
    bot.stop().await;
    let bot = Bot::start(&db.url, &fake, &clock, "d").await;
    fake.wait_ready(4).await;
    settle().await;
    assert_eq!(fake.world(|w| warnings_in(w, AR_CHANNEL, "Missed:").len()), 1, "reported once");

    // Once the notice is recorded, that deadline says nothing more.
    let i = fake.slash(
        &sam(),
        AR_CHANNEL,
        "notice",
        &[
            ("job", json!("Marina Tower")),
            ("kind", json!("nto")),
            ("date", json!("2026-11-24")),
            ("tracking", json!("9407111899560000000000")),
        ],
    );
    let said = text_of(&fake.answers(i, 1).await.remove(0));
    assert!(said.contains("Recorded: notice to owner served on Nov 24, 2026"), "{said}");
    bot.stop().await;
    clock.set(at("2026-11-26T13:00:05Z"));
    let bot = Bot::start(&db.url, &fake, &clock, "e").await;
    fake.wait_ready(5).await;
    settle().await;
    assert_eq!(fake.world(|w| warnings_in(w, AR_CHANNEL, "Notice to Owner").len()), 3);
    bot.stop().await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_come_with_their_csv_and_global_registration_is_an_option() {
    let SampleWorld { fake, db, clock } = SampleWorld::start(BEFORE_DIGEST).await;
    let mut cfg = discord_config(&fake.api_url);
    cfg.register_globally = true;
    let bot = Bot::start_with(&db.url, &fake, &clock, "a", Token::new(TOKEN), cfg).await;
    fake.wait_ready(1).await;
    let (scope, _) = fake.wait_for(Duration::from_secs(60), "registration", |w| w.commands.clone()).await;
    assert_eq!(scope, "global");

    // /ar aging answers with the table and the whole report attached as CSV.
    let i = fake.slash(&sam(), AR_CHANNEL, "aging", &[]);
    let answer = fake.answers(i, 1).await.remove(0);
    let files = answer["_files"].as_array().cloned().unwrap_or_default();
    assert_eq!(files.len(), 1, "{answer}");
    assert_eq!(files[0]["name"], "aging-by-customer-2026-11-23.csv");
    let csv = files[0]["content"].as_str().unwrap();
    assert!(csv.starts_with("customer,current,1-30,31-60,61-90,91-120,120+,retainage,total"), "{csv}");
    assert!(csv.contains("Harborview Owners Assn,"), "{csv}");
    assert!(csv.lines().last().unwrap().starts_with("Total,"), "{csv}");

    // Job names autocomplete from the store.
    let i = fake.autocomplete(&sam(), AR_CHANNEL, "job", "name", "mar");
    let (_, ac) = fake.callback(i).await;
    let names: Vec<&str> =
        ac["data"]["choices"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"Marina Tower"), "{names:?}");
    bot.stop().await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digest_post_on_demand_posts_now_or_keeps_it_for_later() {
    let SampleWorld { fake, db, clock } = SampleWorld::start(BEFORE_DIGEST).await;
    let config = Config { discord: Some(discord_config(&fake.api_url)), ..Config::default() };
    let app = App {
        store: store::open_and_migrate(&db.url).await.unwrap(),
        clock: Arc::new(clock.clone()),
        config,
        sources: Vec::new(),
    };
    let digest = arbot::commands::build_digest(&app).await.unwrap();
    let reply = arbot::commands::digest_reply(&app, &digest);
    arbot::cli::post_digest(&app, Token::new(TOKEN), reply.clone()).await.expect("posted");
    assert_eq!(digests(&fake).len(), 1);
    assert_eq!(digests(&fake)[0]["embeds"][0]["title"], "AR digest — Mon Nov 23");

    // Discord is down: the command says so, and the digest waits in the outbox for `arbot run`.
    // (Later in the day, so it reads differently: a retried post that finds an identical message
    // already in the channel counts it as its own.)
    let mut later = reply.clone();
    later.lines.push("Posted again after the sync.".to_string());
    fake.fault("POST", &format!("/channels/{AR_CHANNEL}/messages"), 1, FaultKind::Fail(503));
    let err = arbot::cli::post_digest(&app, Token::new(TOKEN), later).await.unwrap_err().to_string();
    assert!(err.contains("Couldn't post the digest yet") && err.contains("stays in the outbox"), "{err}");
    assert_eq!(app.store.outbox_counts().await.unwrap().pending, 1);
    let bot = Bot::start(&db.url, &fake, &clock, "a").await;
    fake.wait_ready(1).await;
    advance_until_sent_count(&bot.app, &clock, 2).await;
    assert_eq!(digests(&fake).len(), 2, "delivered by the running bot");
    bot.stop().await;
    db.close().await;
}

/// Clicks go through the permission table and fail the way commands do: a button on a public
/// message answers only people whose role allows what it does, and a click that fails on our side
/// says so with a reference, never with the error itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clicks_check_the_role_they_need_and_a_failing_click_gives_a_reference() {
    let SampleWorld { fake, db, clock } = SampleWorld::start(AFTER_DIGEST).await;
    let bot = Bot::start(&db.url, &fake, &clock, "a").await;
    fake.wait_ready(1).await;
    let digest = fake.wait_for(Duration::from_secs(60), "the digest", |w| digests_in(w).first().cloned()).await;
    let CustomerMatch::One(harborview) = find_customer(bot.app.store.as_ref(), "harborview").await.unwrap() else {
        panic!("one Harborview")
    };
    // A "which customer?" pick-list in the AR channel, as `/ar customer` answers several matches.
    let pick_id: u64 = 700_000_000_000_000_001;
    let pick = format!("customer:{}", harborview.id);
    fake.world(|w| {
        let mut m = digest.clone();
        m["id"] = json!(pick_id.to_string());
        m["components"] = json!([{"type": 1, "components": [
            {"type": 2, "style": 2, "label": "Harborview Owners Assn", "custom_id": pick}]}]);
        w.messages.insert(pick_id, m);
    });

    // Someone without an arbot role is refused, privately, and sees no figures.
    let stranger = Person::new(NOBODY, "pat", &[]);
    let i = fake.click(&stranger, pick_id, &pick);
    let answer = fake.answers(i, 1).await.remove(0);
    assert_eq!(answer["flags"].as_u64().unwrap_or(0) & 64, 64, "private: {answer}");
    let refusal = text_of(&answer);
    assert!(
        refusal.contains("Only the AR team, a PM, a manager or a viewer can see a customer's figures"),
        "{refusal}"
    );
    assert!(refusal.contains("(your roles: none)"), "{refusal}");
    assert!(!refusal.contains("Open $"), "no figures for a stranger: {refusal}");
    // A viewer may read: the summary, from the database.
    let i = fake.click(&vic(), pick_id, &pick);
    let summary = text_of(&fake.answers(i, 1).await.remove(0));
    assert!(summary.contains("Harborview Owners Assn") && summary.contains("Open $"), "{summary}");

    // The escalation table goes missing under the bot: the click that opens one fails on our
    // side, and says so with a reference rather than the database's words.
    let raw = sqlx::SqlitePool::connect(&db.url).await.unwrap();
    sqlx::query("ALTER TABLE escalations RENAME TO escalations_moved").execute(&raw).await.unwrap();
    let button = format!("esc:open:{}", harborview.id);
    let digest_id: u64 = digest["id"].as_str().unwrap().parse().unwrap();
    let i = fake.click(&sam(), digest_id, &button);
    let (_, cb) = fake.callback(i).await;
    assert_eq!(cb["type"], 5, "deferred, privately: {cb}");
    let said = text_of(&fake.answers(i, 1).await.remove(0));
    assert!(said.contains("Something went wrong on our side (ref "), "{said}");
    assert!(!said.contains("escalations") && !said.contains("no such table"), "no internals: {said}");
    sqlx::query("ALTER TABLE escalations_moved RENAME TO escalations").execute(&raw).await.unwrap();
    raw.close().await;
    bot.stop().await;
    db.close().await;
}

/// Every role against every command and every kind of button: refused exactly where the
/// permission table says, and never refused where it allows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_meets_every_command_and_button_as_the_permission_table_says() {
    use arbot::roles::{Actor, Permission, Role};
    let SampleWorld { fake, db, clock } = SampleWorld::start(AFTER_DIGEST).await;
    let bot = Bot::start(&db.url, &fake, &clock, "a").await;
    fake.wait_ready(1).await;
    let digest = fake.wait_for(Duration::from_secs(60), "the digest", |w| digests_in(w).first().cloned()).await;
    let digest_id: u64 = digest["id"].as_str().unwrap().parse().unwrap();
    let CustomerMatch::One(acme) = find_customer(bot.app.store.as_ref(), "acme").await.unwrap() else { panic!() };
    let people: Vec<(Person, Option<Role>)> = vec![
        (sam(), Some(Role::Ar)),
        (lee(), Some(Role::Pm)),
        (Person::new(600_000_000_000_000_009, "mo", &[MANAGER_ROLE]), Some(Role::Manager)),
        (vic(), Some(Role::Viewer)),
        (Person::new(NOBODY, "pat", &[]), None),
    ];
    let allowed = |role: Option<Role>, p: Permission| {
        let actor = Actor { id: "x".into(), name: "x".into(), roles: role.into_iter().collect() };
        actor.may(p)
    };
    // A valid set of options for each command, so that an allowed one gets past the parser.
    let options = |name: &str| -> Vec<(&'static str, Value)> {
        match name {
            "customer" => vec![("name", json!("acme"))],
            "invoice" => vec![("number", json!("1042"))],
            "job" => vec![("name", json!("Marina Tower"))],
            "notice" => vec![("job", json!("Marina Tower")), ("kind", json!("nto")), ("date", json!("2026-11-20"))],
            "escalate" => vec![("customer", json!("acme"))],
            _ => vec![],
        }
    };
    let mut checked = 0;
    for (person, role) in &people {
        for c in COMMANDS {
            let i = fake.slash(person, AR_CHANNEL, c.name, &options(c.name));
            let said = text_of(&fake.answers(i, 1).await.remove(0));
            let refused = said.contains(&format!("{} needs the", c.invocation()));
            assert_eq!(refused, !allowed(*role, c.permission), "{:?} on /ar {}: {said}", role, c.name);
            checked += 1;
        }
    }
    // Buttons: the pick-list, an escalation from the digest, and an escalation's own buttons.
    let pick_id: u64 = 700_000_000_000_000_002;
    let pick = format!("customer:{}", acme.id);
    fake.world(|w| {
        let mut m = digest.clone();
        m["id"] = json!(pick_id.to_string());
        w.messages.insert(pick_id, m);
    });
    let open = format!("esc:open:{}", acme.id);
    let (esc, _) = arbot::commands::open_escalation(
        &bot.app,
        acme.id,
        None,
        None,
        &Actor::console(),
        &arbot_core::audit::Author::new("console", "console", arbot_core::audit::Surface::Console),
    )
    .await
    .unwrap();
    let buttons = [
        (pick.clone(), pick_id, Permission::Read),
        (open.clone(), digest_id, Permission::Escalate),
        (format!("esc:snooze:{}", esc.id), digest_id, Permission::ActOnEscalation),
    ];
    for (person, role) in &people {
        for (button, message, permission) in &buttons {
            let i = fake.click(person, *message, button);
            let (_, cb) = fake.callback(i).await;
            let said = if cb["type"] == 5 {
                text_of(&fake.answers(i, 1).await.remove(0))
            } else {
                text_of(&cb["data"]) + &cb.to_string()
            };
            let refused = said.contains("Only ") && said.contains("your roles:");
            assert_eq!(refused, !allowed(*role, *permission), "{role:?} clicking {button}: {said}");
            assert!(!said.contains("went wrong"), "{role:?} clicking {button}: {said}");
            checked += 1;
        }
    }
    assert_eq!(checked, people.len() * (COMMANDS.len() + buttons.len()));
    bot.stop().await;
    db.close().await;
}

/// The minimum-float watch in the AR channel: the sample books' two bank accounts ($130,750 in
/// all, read when the sample ledger was synced) against a $150,000 minimum. `/report float`
/// answers with the forecast; at 08:20 the dip is posted once, and a restart does not post it
/// again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_float_watch_posts_a_dip_under_the_minimum_once_and_answers_report_float() {
    let SampleWorld { fake, db, clock } = SampleWorld::start(AFTER_DIGEST).await;
    let mut config = Config::default();
    config.float.watch.minimum = Some(15_000_000);
    let dips = |w: &World| -> Vec<Value> {
        w.messages_in(AR_CHANNEL)
            .into_iter()
            .filter(|m| m["embeds"][0]["title"].as_str().is_some_and(|t| t.starts_with("Float forecast under")))
            .cloned()
            .collect()
    };
    let bot = Bot::start_configured(&db.url, &fake, &clock, "a", config.clone()).await;
    fake.wait_ready(1).await;
    settle().await;
    assert!(fake.world(|w| dips(w)).is_empty(), "nothing before 08:20");

    let i = fake.slash(&sam(), AR_CHANNEL, "float", &[]);
    let text = text_of(&fake.answers(i, 1).await.remove(0));
    for want in [
        "In the bank $130,750.00 (2 accounts)",
        "under the $150.0k minimum (already under it today)",
        "Operating checking $118,450.00 (sample, Nov 23)",
        "Not posted to the AR channel yet",
    ] {
        assert!(text.contains(want), "wanted {want:?} in {text}");
    }

    clock.set(at("2026-11-23T13:20:05Z"));
    let posted = fake.wait_for(Duration::from_secs(60), "the float dip", |w| dips(w).first().cloned()).await;
    assert_eq!(posted["embeds"][0]["title"], "Float forecast under the $150.0k minimum from today", "{posted}");
    let text = text_of(&posted);
    assert!(text.contains("Collections that would close the gap"), "{text}");
    settle().await;
    assert_eq!(fake.world(|w| dips(w)).len(), 1, "posted once");

    bot.stop().await;
    let bot = Bot::start_configured(&db.url, &fake, &clock, "a2", config).await;
    fake.wait_ready(2).await;
    settle().await;
    assert_eq!(fake.world(|w| dips(w)).len(), 1, "a restart does not repeat it");
    assert_eq!(bot.app.store.runs("float", 10).await.unwrap().len(), 1);
    bot.stop().await;
    db.close().await;
}
