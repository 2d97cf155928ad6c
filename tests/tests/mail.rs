//! Email to customers, end to end on both backends: `/mail remind` typed as in the console, the
//! Send button clicked through the neutral click layer, the real outbox dispatcher, `lettre`
//! talking SMTP to a real server on loopback ([`arbot_tests::smtp_server`]). The tests read what
//! the server received: envelope, headers, body.

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test

use std::sync::Arc;
use std::time::Duration;

use arbot::app::App;
use arbot::commands::clicks::{ClickAnswer, click};
use arbot::commands::{mail, run_line};
use arbot::config::{Config, MailConfig, MailTls};
use arbot::console::ConsoleOut;
use arbot::outbox::{Dispatcher, OutboxSettings};
use arbot::roles::{Actor, Role};
use arbot_core::outbox::Delivery;
use arbot_core::summary::{CustomerMatch, find_customer};
use arbot_core::{ManualClock, store};
use arbot_tests::TestDb;
use arbot_tests::bot_world::{at, load_sample_ledger};
use arbot_tests::smtp_server::SmtpServer;

fn sam() -> Actor {
    Actor { id: "601".into(), name: "sam".into(), roles: vec![Role::Ar] }
}

fn settings() -> OutboxSettings {
    OutboxSettings {
        retry_base: Duration::from_secs(1),
        retry_max: Duration::from_secs(4),
        not_allowed_retry: Duration::from_secs(30),
        lease: Duration::from_secs(60),
        poll: Duration::from_millis(50),
    }
}

fn mail_config(port: u16) -> MailConfig {
    MailConfig {
        host: "127.0.0.1".into(),
        port,
        tls: MailTls::None,
        from: "Suncoast AR <ar@suncoast.example>".into(),
        reply_to: Some("collections@suncoast.example".into()),
        bcc: Some("ar-copy@suncoast.example".into()),
        username: None,
        password: None,
        timeout_secs: 5,
    }
}

async fn app_on(db: &TestDb, clock: &ManualClock, port: u16) -> App {
    let config =
        Config { business_name: "Suncoast Mechanical".into(), mail: Some(mail_config(port)), ..Config::default() };
    App {
        store: store::open_and_migrate(&db.url).await.unwrap(),
        clock: Arc::new(clock.clone()),
        config,
        sources: Vec::new(),
    }
}

async fn customer_id(app: &App, name: &str) -> i64 {
    let CustomerMatch::One(c) = find_customer(app.store.as_ref(), name).await.unwrap() else { panic!("{name}") };
    c.id
}

fn status(answer: ClickAnswer) -> String {
    match answer {
        ClickAnswer::Update { status, .. } => status,
        ClickAnswer::New(r) => r.lines.join(" "),
        ClickAnswer::Form(f) => panic!("a reminder click opened a form: {f:?}"),
    }
}

/// With no `[mail]` server set up, an approval says the email waits, not that it goes now.
#[tokio::test]
async fn an_approval_without_a_mail_server_says_the_email_waits() {
    let db = TestDb::sqlite().await;
    load_sample_ledger(&db).await;
    let clock = ManualClock::new(at("2026-11-23T14:00:00Z"), chrono_tz::America::New_York);
    let mut app = app_on(&db, &clock, 1).await;
    app.config.mail = None;
    let reply = run_line(&app, "/mail remind acme", sam()).await;
    let answer = status(click(&app, &sam(), &reply.buttons[0].id, "i-1").await);
    assert!(answer.contains("waits in the outbox") && !answer.contains("now"), "{answer}");
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reminder_is_approved_sent_once_and_logged_and_failures_are_told_once() {
    for db in TestDb::all().await {
        load_sample_ledger(&db).await;
        let server = SmtpServer::start();
        let clock = ManualClock::new(at("2026-11-23T14:00:00Z"), chrono_tz::America::New_York);
        let app = app_on(&db, &clock, server.port).await;
        let dispatcher = Dispatcher::new(app.clone(), Arc::new(ConsoleOut::default()), "t", settings());
        let acme = customer_id(&app, "acme").await;
        let today = app.today();

        // The preview: to whom, what, with Send and Skip.
        let reply = run_line(&app, "/mail remind acme", sam()).await;
        let text = reply.lines.join("\n");
        let prepared = mail::prepare(&app, acme, today).await.unwrap();
        let plan = prepared.plan.clone().expect("Acme has invoices at a reminder stage");
        assert!(text.contains("To ap@acmebuilders.example:"), "{text}");
        for l in &plan.lines {
            assert!(text.contains(&format!("Invoice #{}", l.number)), "{text}");
        }
        assert_eq!(reply.buttons.iter().map(|b| b.label.as_str()).collect::<Vec<_>>(), ["Send", "Skip"]);
        assert_eq!(reply.buttons[0].id, format!("mail:send:{acme}:{today}"));

        // Approved: queued, handed to the server, logged on the account.
        let answer = status(click(&app, &sam(), &reply.buttons[0].id, "i-1").await);
        assert!(answer.starts_with("Approved by @sam at 9:00"), "{answer}");
        dispatcher.deliver_due().await.unwrap();
        let got = server.wait_for(1).await;
        let m = &got[0];
        assert_eq!(m.from, "ar@suncoast.example");
        let mut to = m.to.clone();
        to.sort();
        assert_eq!(to, ["ap@acmebuilders.example", "ar-copy@suncoast.example"], "the customer and the BCC");
        let parsed = m.parsed();
        let subject = parsed.subject().unwrap_or_default().to_string();
        let total = app.money(plan.total_minor).to_string();
        assert!(subject.contains(&total) && subject.contains("Suncoast Mechanical"), "{subject}");
        let body = parsed.body_text(0).unwrap().to_string();
        for l in &plan.lines {
            assert!(body.contains(&format!("Invoice #{}", l.number)), "{body}");
        }
        assert!(body.contains(&format!("Total: {total}")), "{body}");
        assert!(parsed.header_raw("Bcc").is_none(), "the BCC is in the envelope, not the headers");
        let message_id = parsed.message_id().unwrap().to_string();
        assert_eq!(message_id, format!("reminder.{acme}.{today}@arbot"));
        let notes = app.store.notes_for_customer(acme, 10).await.unwrap();
        let note = notes.iter().find(|n| n.kind == "email").expect("the email is a note on the account");
        assert!(note.body.contains("emailed to ap@acmebuilders.example") && note.body.contains("Approved by @sam"));
        assert!(note.body.contains(&message_id), "{}", note.body);

        // A second approval (another person, the same day) sends nothing more.
        let again = status(click(&app, &sam(), &reply.buttons[0].id, "i-2").await);
        assert!(again.starts_with("Already approved"), "{again}");
        dispatcher.deliver_due().await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(server.received().len(), 1, "one email per customer per day");

        // A 4xx: retried, the AR channel told once, then delivered once.
        let gulf = customer_id(&app, "gulf coast").await;
        let reply = run_line(&app, "/mail remind gulf coast", sam()).await;
        let send = reply.buttons.first().map(|b| b.id.clone()).expect("a Send button for Gulf Coast");
        server.fail_next(&[451, 451]);
        status(click(&app, &sam(), &send, "i-3").await);
        let first = dispatcher.deliver_due().await.unwrap();
        assert!(first.iter().any(|o| matches!(o.delivery, Delivery::Retry { .. })), "{first:?}");
        clock.advance(chrono::Duration::seconds(10));
        dispatcher.deliver_due().await.unwrap();
        let down = app.store.outbox_status(&format!("mail:down:{today}")).await.unwrap();
        assert_eq!(down.map(|(s, _)| s).as_deref(), Some("sent"), "the AR channel was told, once a day");
        clock.advance(chrono::Duration::seconds(10));
        dispatcher.deliver_due().await.unwrap();
        let got = server.wait_for(2).await;
        assert_eq!(got.len(), 2);
        assert!(got[1].to.contains(&"payables@gulfcoastbuilders.example".to_string()));
        let key = format!("reminder:{gulf}:{today}");
        assert_eq!(app.store.outbox_status(&key).await.unwrap().map(|(s, _)| s).as_deref(), Some("sent"));

        // A 5xx: not retried, the AR channel told what to fix.
        let bright = customer_id(&app, "brightline").await;
        let set = run_line(&app, "/mail contact brightline nobody@brightlinecg.example", sam()).await;
        assert!(
            set.lines[0].contains("now go to nobody@brightlinecg.example (was accountspayable@brightlinecg.example)")
        );
        let reply = run_line(&app, "/mail remind brightline", sam()).await;
        if let Some(send) = reply.buttons.first().map(|b| b.id.clone()) {
            server.fail_next(&[550]);
            status(click(&app, &sam(), &send, "i-4").await);
            dispatcher.deliver_due().await.unwrap();
            clock.advance(chrono::Duration::seconds(30));
            dispatcher.deliver_due().await.unwrap();
            let key = format!("reminder:{bright}:{today}");
            assert_eq!(app.store.outbox_status(&key).await.unwrap().map(|(s, _)| s).as_deref(), Some("failed"));
            let told = app.store.outbox_status(&format!("mail:refused:{key}")).await.unwrap();
            assert_eq!(told.map(|(s, _)| s).as_deref(), Some("sent"));
            assert_eq!(server.received().len(), 2, "a refused email is not sent again");
        }

        // Bad input changes nothing.
        let bad = run_line(&app, "/mail contact acme ap@acme", sam()).await;
        assert!(bad.lines.join(" ").contains("is not an email address"), "{:?}", bad.lines);
        assert_eq!(app.store.contact(acme).await.unwrap(), None);

        db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_in_doubt_after_a_crash_is_not_sent_twice_and_a_hold_stops_reminders() {
    for db in TestDb::all().await {
        load_sample_ledger(&db).await;
        let server = SmtpServer::start();
        let clock = ManualClock::new(at("2026-11-23T14:00:00Z"), chrono_tz::America::New_York);
        let app = app_on(&db, &clock, server.port).await;
        let acme = customer_id(&app, "acme").await;
        let today = app.today();
        let reply = run_line(&app, "/mail remind acme", sam()).await;
        status(click(&app, &sam(), &reply.buttons[0].id, "i-1").await);

        // An instance claims the email, marks it handed to the server, and dies before recording.
        let now = app.clock.now();
        let items = app.store.claim_outbox("dead", now, now - chrono::Duration::seconds(60), 10).await.unwrap();
        assert_eq!(items.len(), 1);
        app.store.mark_outbox_progress(items[0].id, r#"{"email":"handed"}"#).await.unwrap();

        // After its lease, another instance takes it over: in doubt, so not sent; the AR channel asked to check.
        clock.advance(chrono::Duration::seconds(120));
        let dispatcher = Dispatcher::new(app.clone(), Arc::new(ConsoleOut::default()), "b", settings());
        dispatcher.deliver_due().await.unwrap();
        let key = format!("reminder:{acme}:{today}");
        assert_eq!(app.store.outbox_status(&key).await.unwrap().map(|(s, _)| s).as_deref(), Some("failed"));
        let told = app.store.outbox_status(&format!("mail:doubt:{key}")).await.unwrap();
        assert_eq!(told.map(|(s, _)| s).as_deref(), Some("sent"));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(server.received().is_empty(), "an email in doubt is not sent again");

        // A hold: the preview says so and offers no Send.
        let held = run_line(&app, "/mail hold gulf coast Dec 31 PM handles this relationship", sam()).await;
        assert!(
            held.lines[0].contains("No reminders go to Gulf Coast Builders LLC through Thu Dec 31"),
            "{:?}",
            held.lines
        );
        let reply = run_line(&app, "/mail remind gulf coast", sam()).await;
        assert!(reply.buttons.is_empty());
        assert!(reply.lines.join(" ").contains("on hold through Thu Dec 31 (PM handles this relationship)"));
        db.close().await;
    }
}

/// An account on a payment plan is asked only for the installments whose day has passed unpaid:
/// while the plan stands and its first installment is not due, nothing goes out; once it is
/// broken, that installment (no more) is asked for, from the oldest invoices.
#[tokio::test]
async fn a_payment_plan_leaves_out_what_is_not_yet_due_and_asks_for_a_broken_installment() {
    for db in TestDb::all().await {
        load_sample_ledger(&db).await;
        let server = SmtpServer::start();
        let clock = ManualClock::new(at("2026-11-23T14:00:00Z"), chrono_tz::America::New_York);
        let app = app_on(&db, &clock, server.port).await;
        let acme = customer_id(&app, "acme").await;
        let today = app.today();
        let before = mail::prepare(&app, acme, today).await.unwrap().plan.expect("Acme has a reminder due");
        assert!(before.total_minor > 0);

        // A plan for everything open that is not retainage.
        let items = app
            .store
            .open_items(arbot_core::store::OpenItemsQuery { as_of: today, customer_id: Some(acme), historical: false })
            .await
            .unwrap();
        let open: i64 = items.iter().map(|i| i.due_part()).sum();
        let total = app.money(open).to_string().replace(['$', ','], "");
        let reply = run_line(&app, &format!("/ar plan acme {total} 2 month Dec 1"), sam()).await;
        assert!(reply.lines.join(" ").starts_with("Agreed:"), "{:?}", reply.lines);
        let preview = run_line(&app, "/mail remind acme", sam()).await;
        assert!(preview.buttons.is_empty(), "nothing to send while the plan covers it all: {:?}", preview.lines);
        assert!(mail::prepare(&app, acme, today).await.unwrap().plan.is_none());

        // Dec 1 passes unpaid: the first installment is broken and asked for, the second is not.
        let first = app.store.plans_for_customer(acme).await.unwrap()[0].installments[0].amount.minor;
        clock.set(at("2026-12-03T14:00:00Z"));
        let later = app.today();
        let plan = mail::prepare(&app, acme, later).await.unwrap().plan.expect("the broken installment is asked");
        assert_eq!(plan.total_minor, first, "{plan:?}");
        assert!(plan.on_plan_minor > 0, "{plan:?}");
        let preview = run_line(&app, "/mail remind acme", sam()).await;
        let text = preview.lines.join("\n");
        assert!(text.contains(&app.money(first).to_string()), "{text}");
        let under = format!("Left out: {} under the payment plan", app.money(plan.on_plan_minor));
        assert!(text.contains(&under), "{text}");
        db.close().await;
    }
}

/// A hold is lifted from chat: reminders are due again that day, and lifting twice says so.
#[tokio::test]
async fn a_hold_is_lifted_from_chat() {
    for db in TestDb::all().await {
        load_sample_ledger(&db).await;
        let clock = ManualClock::new(at("2026-11-23T14:00:00Z"), chrono_tz::America::New_York);
        let app = app_on(&db, &clock, 1).await;
        let gulf = customer_id(&app, "gulf coast").await;
        let held = run_line(&app, "/mail hold gulf coast Dec 31 PM handles it", sam()).await;
        assert!(held.lines[0].contains("No reminders go to"), "{:?}", held.lines);
        assert!(mail::prepare(&app, gulf, app.today()).await.unwrap().hold.is_some());
        // As from Discord: one interaction, delivered twice.
        let Ok(mut inv) = arbot::commands::read_line(&app, "/mail unhold gulf coast", sam()).await else {
            panic!("/mail unhold reads")
        };
        inv.key = Some("interaction-77".to_string());
        let lifted = arbot::commands::dispatch(&app, &inv).await;
        let retried = arbot::commands::dispatch(&app, &inv).await;
        assert!(
            retried.lines.join(" ").contains("Already lifted: this request reached arbot twice"),
            "{:?}",
            retried.lines
        );
        let text = lifted.lines.join(" ");
        assert!(
            text.contains(
                "Lifted the hold on Gulf Coast Builders LLC (it ran through Thu Dec 31: PM handles it). Reminders are due \
                 again from today; /mail remind"
            ),
            "{text}"
        );
        assert!(mail::prepare(&app, gulf, app.today()).await.unwrap().hold.is_none());
        let again = run_line(&app, "/mail unhold gulf coast", sam()).await;
        assert!(again.lines.join(" ").contains("is not on hold today"), "{:?}", again.lines);
        db.close().await;
    }
}
