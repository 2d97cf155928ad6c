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
        assert_eq!(reply.buttons.iter().map(|b| b.label.as_str()).collect::<Vec<_>>(), ["Send", "Edit", "Skip"]);
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
        // The account's statement is attached, and it lists the invoices the reminder asks for.
        {
            use mail_parser::MimeHeaders;
            let files: Vec<_> = parsed.attachments().collect();
            assert_eq!(files.len(), 1, "{}: the statement PDF", db.name);
            assert_eq!(files[0].attachment_name(), Some("Acme-Builders-Inc-statement-2026-10.pdf"));
            let pdf = lopdf::Document::load_mem(files[0].contents()).expect("the statement opens");
            let pages: Vec<u32> = pdf.get_pages().keys().copied().collect();
            let pdf_text = pdf.extract_text(&pages).unwrap();
            for l in &plan.lines {
                assert!(pdf_text.contains(&format!("#{}", l.number)), "{}: {pdf_text}", l.number);
            }
        }
        assert!(text.contains("Attached: Acme-Builders-Inc-statement-2026-10.pdf."), "{text}");
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

fn sendable(e: &mail::RoundEntry) -> bool {
    e.prepared.email.is_some() && e.prepared.hold.is_none()
}

/// The morning round over several days, on a pinned clock: posted once a day; Send all emails
/// each listed account once and leaves out the one skipped; the next morning an account already
/// asked is listed again only when an invoice reached a new stage, and the skipped one is listed
/// again; a restart sends nothing twice; after a gap each account gets one email, at the stage it
/// has reached; an email the server refused is asked again the next morning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_morning_round_asks_each_stage_once_over_several_days() {
    for db in TestDb::all().await {
        load_sample_ledger(&db).await;
        let server = SmtpServer::start();
        let clock = ManualClock::new(at("2026-11-23T13:15:00Z"), chrono_tz::America::New_York);
        let app = app_on(&db, &clock, server.port).await;
        let out = Arc::new(ConsoleOut::default());
        let dispatcher = Dispatcher::new(app.clone(), out.clone(), "t", settings());
        let ladder = app.config.reminders.ladder.clone();
        let monday = app.today();

        let entries = mail::round(&app, monday).await.unwrap();
        let ready: Vec<&mail::RoundEntry> = entries.iter().filter(|e| sendable(e)).collect();
        assert!(ready.len() >= 3, "the sample ledger has several accounts due a reminder: {entries:?}");
        let skipped = ready[1];
        let skipped_id = skipped.prepared.plan.as_ref().unwrap().customer_id;
        let skip = mail::skip(&app, &sam(), skipped_id, monday, "i-skip").await.unwrap();
        assert!(skip.starts_with("Skipped by @sam at 8:15; nothing was sent."), "{skip}");

        // The post, once a day.
        let r = mail::queue_round(&app, monday).await.unwrap();
        assert_eq!((r.listed, r.sent_by_itself, r.posted), (entries.len(), 0, true));
        assert!(!mail::queue_round(&app, monday).await.unwrap().posted, "a second run posts nothing");
        dispatcher.deliver_due().await.unwrap();
        let posted = out.take();
        assert!(posted.contains(&format!("Reminders ready for Mon Nov 23: {} accounts", entries.len())), "{posted}");
        assert!(posted.contains(&format!("{} · ", skipped.name)) && posted.contains("skipped by @sam"), "{posted}");
        assert!(
            posted.contains(&format!("[Send all {}]", ready.len() - 1)),
            "the skipped one is not counted: {posted}"
        );

        // Send all: every ready account but the skipped one, once.
        let status = mail::send_all(&app, &sam(), monday).await.unwrap();
        assert!(status.starts_with(&format!("Sent by @sam at 8:15: {} reminders queued", ready.len() - 1)), "{status}");
        assert!(status.contains(&format!("Skipped: {}.", skipped.name)), "{status}");
        dispatcher.deliver_due().await.unwrap();
        let got = server.wait_for(ready.len() - 1).await;
        let skipped_to = skipped.prepared.email.as_ref().unwrap().to[0].clone();
        assert!(got.iter().all(|m| !m.to.contains(&skipped_to)), "the skipped account got nothing");
        let again = mail::send_all(&app, &sam(), monday).await.unwrap();
        assert!(again.starts_with("Sent by @sam at 8:15: 0 reminders queued."), "{again}");

        // Tuesday, after a restart: what was asked Monday is not asked again at the same stage.
        let app = app_on(&db, &clock, server.port).await;
        let dispatcher = Dispatcher::new(app.clone(), out.clone(), "t2", settings());
        clock.set(at("2026-11-24T13:15:00Z"));
        let tuesday = app.today();
        let listed = mail::round(&app, tuesday).await.unwrap();
        let names: Vec<&str> = listed.iter().map(|e| e.name.as_str()).collect();
        assert!(names.contains(&skipped.name.as_str()), "the skipped account comes back: {names:?}");
        assert!(listed.len() < entries.len(), "Monday's accounts are not all asked again: {names:?}");
        for e in ready.iter().filter(|e| e.name != skipped.name) {
            let monday_lines = &e.prepared.plan.as_ref().unwrap().lines;
            // Newly at a stage on Tuesday: a stage reached one day later than Monday's.
            let moved = monday_lines.iter().any(|l| ladder.stage_at(l.days_from_due + 1) != Some(l.stage));
            let now = listed.iter().find(|t| t.name == e.name);
            if !moved {
                // Unless a new invoice reached its first stage since Monday.
                if let Some(t) = now {
                    let plan = t.prepared.plan.as_ref().unwrap();
                    let fresh: Vec<_> = plan.lines.iter().filter(|l| l.asked_on.is_none()).collect();
                    assert!(
                        !fresh.is_empty()
                            && fresh.iter().all(|l| monday_lines.iter().all(|m| m.invoice_id != l.invoice_id)),
                        "{} is listed again with an invoice asked Monday at the same stage: {plan:?}",
                        e.name
                    );
                }
            } else {
                assert!(now.is_some(), "{} has an invoice at a new stage on Tuesday", e.name);
            }
        }
        let sent_before = server.received().len();
        assert!(mail::send_all(&app, &sam(), monday).await.is_err(), "Monday's Send all does nothing on Tuesday");
        dispatcher.deliver_due().await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(server.received().len(), sent_before, "nothing sent twice across the restart");

        // A gap: nothing runs until Monday Dec 14. One email per account that day, whatever it missed.
        clock.set(at("2026-12-14T13:15:00Z"));
        let later = app.today();
        let due = mail::round(&app, later).await.unwrap();
        let n = due.iter().filter(|e| sendable(e)).count();
        assert!(n >= 2, "{due:?}");
        // One of them the server refuses for good.
        let refused = due.iter().find(|e| sendable(e)).unwrap();
        let refused_id = refused.prepared.plan.as_ref().unwrap().customer_id;
        let first = mail::send_all(&app, &sam(), later).await.unwrap();
        assert!(first.contains(&format!("{n} reminders queued")), "{first}");
        assert!(mail::send_all(&app, &sam(), later).await.unwrap().contains("0 reminders queued"));
        server.fail_next(&[550]);
        dispatcher.deliver_due().await.unwrap();
        let got = server.wait_for(sent_before + n - 1).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(server.received().len(), got.len(), "one email per account after the gap");
        let key = mail::reminder_key(refused_id, later);
        let status = app.store.outbox_status(&key).await.unwrap().map(|(s, _)| s);
        assert_eq!(status.as_deref(), Some("failed"), "the first email of the round was refused");
        // The next morning the refused one is due again; the others are not.
        clock.set(at("2026-12-15T13:15:00Z"));
        let next = mail::round(&app, app.today()).await.unwrap();
        assert!(next.iter().any(|e| e.name == refused.name), "refused, so asked again: {next:?}");
        db.close().await;
    }
}

/// A stage with `approval = false` goes out by itself in the morning round, logged as such, and
/// the post lists it apart; the Edit form's subject and opening are what the customer receives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stage_without_approval_goes_out_by_itself_and_an_edit_is_what_is_sent() {
    for db in TestDb::all().await {
        load_sample_ledger(&db).await;
        let server = SmtpServer::start();
        let clock = ManualClock::new(at("2026-11-23T13:15:00Z"), chrono_tz::America::New_York);
        let mut app = app_on(&db, &clock, server.port).await;
        let stage = |name: &str, days, approval| arbot_core::mail::Stage {
            name: name.to_string(),
            days,
            min_minor: 0,
            approval,
        };
        app.config.reminders.ladder =
            arbot_core::mail::Ladder::new(vec![stage("first", 1, false), stage("firm", 30, true)]).unwrap();
        let out = Arc::new(ConsoleOut::default());
        let dispatcher = Dispatcher::new(app.clone(), out.clone(), "t", settings());
        let today = app.today();
        let entries = mail::round(&app, today).await.unwrap();
        let automatic =
            entries.iter().filter(|e| sendable(e) && e.prepared.plan.as_ref().is_some_and(|p| p.stage == 0)).count();
        let firm: Vec<&mail::RoundEntry> =
            entries.iter().filter(|e| sendable(e) && e.prepared.plan.as_ref().is_some_and(|p| p.stage == 1)).collect();
        assert!(automatic >= 1 && !firm.is_empty(), "{entries:?}");

        // A person edits one of the firm ones before the round.
        let edited = firm[0];
        let edited_id = edited.prepared.plan.as_ref().unwrap().customer_id;
        let form = mail::edit_form(&app, edited_id, today).await.unwrap();
        assert_eq!(form.fields[0].value.as_deref(), edited.prepared.email.as_ref().map(|e| e.subject.as_str()));
        let opening = "Following our call with your office on Friday, here are the invoices we discussed.";
        let values = [("subject", "Invoices we discussed Friday"), ("opening", opening)];
        let value = |id: &str| values.iter().find(|(k, _)| *k == id).map(|(_, v)| v.to_string());
        let preview = mail::save_edit(&app, &sam(), edited_id, today, value, "i-edit").await.unwrap();
        let text = preview.lines.join("\n");
        assert!(text.contains("\"Invoices we discussed Friday\"") && text.contains(opening), "{text}");
        assert!(text.contains("The subject and opening are @sam's, for today."), "{text}");
        let empty = |_: &str| None;
        assert!(mail::save_edit(&app, &sam(), edited_id, today, empty, "i-edit-2").await.is_err());

        let r = mail::queue_round(&app, today).await.unwrap();
        assert_eq!(r.sent_by_itself, automatic);
        assert_eq!(r.listed, entries.len() - automatic);
        dispatcher.deliver_due().await.unwrap();
        let posted = out.take();
        assert!(posted.contains("Sent by itself (its stage needs no approval):"), "{posted}");
        let got = server.wait_for(automatic).await;
        assert_eq!(got.len(), automatic, "only the stage without approval went out");
        let note =
            app.store.notes_for_customer(entries[0].prepared.plan.as_ref().unwrap().customer_id, 5).await.unwrap();
        let sent_notes: Vec<_> = note.iter().filter(|n| n.kind == "email").collect();
        if entries[0].prepared.plan.as_ref().unwrap().stage == 0 && sendable(&entries[0]) {
            assert!(sent_notes[0].body.contains("Sent by itself (its stage needs no approval)"), "{sent_notes:?}");
        }

        // Sending the edited one: the customer gets the words the person wrote.
        mail::approve(&app, edited_id, today, "sam").await.unwrap();
        dispatcher.deliver_due().await.unwrap();
        let got = server.wait_for(automatic + 1).await;
        let to = edited.prepared.email.as_ref().unwrap().to[0].clone();
        let m = got.iter().find(|m| m.to.contains(&to)).expect("the edited email arrived");
        let parsed = m.parsed();
        assert_eq!(parsed.subject(), Some("Invoices we discussed Friday"));
        let body = parsed.body_text(0).unwrap().to_string();
        assert!(body.contains(opening), "{body}");
        let trail = app
            .store
            .audit_trail(arbot_core::audit::AuditQuery { customer_id: Some(edited_id), job_id: None, limit: 10 })
            .await
            .unwrap();
        assert!(trail.iter().any(|e| e.action == "reminder_edited"), "{trail:?}");
        db.close().await;
    }
}

/// Late fees per the terms in `[late_fees]`: Hill Country's #1042 ($34,580.00 due Jul 16, nothing
/// paid, no retainage) at 1.5% a month after 10 days' grace is 120 days charged on Nov 23:
/// 3,458,000 x 150 bp x 120 x 12 / (10,000 x 365) = 204,638 cents. A customer's waiver and the
/// absence of terms are said; the reminder states what accrued on its invoices.
#[tokio::test]
async fn late_fees_follow_the_terms_and_a_reminder_states_them() {
    for db in TestDb::all().await {
        load_sample_ledger(&db).await;
        let clock = ManualClock::new(at("2026-11-23T14:00:00Z"), chrono_tz::America::New_York);
        let mut app = app_on(&db, &clock, 1).await;
        let none = run_line(&app, "/mail latefee hill country", sam()).await;
        assert_eq!(none.lines, ["No late-fee terms are set ([late_fees] in arbot.toml), so arbot computes none."]);
        let terms = Config::from_toml(
            "[late_fees]\nmonthly_rate = \"1.5%\"\ngrace_days = 10\nin_reminders = true\n\
             [late_fees.customers.\"Acme Builders Inc\"]\nwaive = true\n",
        )
        .unwrap();
        app.config.late_fees = terms.late_fees;
        let reply = run_line(&app, "/mail latefee hill country", sam()).await;
        let table = reply.table.clone().expect("a table of invoices");
        let row = table.rows.iter().find(|r| r[0] == "#1042").expect("#1042 is charged");
        assert_eq!(row[2..], ["130", "120 days", "$2,046.38", "$0.00", "$2,046.38"]);
        let title = reply.title.clone().unwrap();
        assert!(title.starts_with("Late fees on Hill Country Construction to Mon Nov 23: $"), "{title}");
        assert!(reply.lines[0].contains("1.5% a month, charged daily, after 10 days' grace"), "{:?}", reply.lines);
        assert!(reply.footer.unwrap().contains("arbot books nothing"));
        let total: i64 = table.footer.unwrap()[6].trim_start_matches('$').replace([',', '.'], "").parse().unwrap();
        assert!(total >= 204_638, "the total covers #1042 at least");
        // Computed to an earlier day: fewer days charged.
        let earlier = run_line(&app, "/mail latefee hill country Oct 24", sam()).await;
        let rows = earlier.table.expect("a table").rows;
        let row = rows.iter().find(|r| r[0] == "#1042").unwrap();
        assert_eq!(row[3], "90 days");
        // Invoices paid late in the 90 days before: what ran until each was paid is still there to
        // charge. Worked here day by day on what was owed at each day's end, 1.5% a month.
        let blue = customer_id(&app, "bluebonnet").await;
        let today = app.today();
        let mut expected: Vec<(String, i64)> = Vec::new();
        for i in app.store.customer_invoices(blue).await.unwrap() {
            if i.status != arbot_core::ledger::InvoiceStatus::Paid || i.retainage.minor != 0 {
                continue;
            }
            let apps = app.store.applications_to_invoice(i.id).await.unwrap();
            let paid_on = apps.iter().map(|a| a.applied_on).max().unwrap();
            let start = i.due + chrono::Days::new(10);
            if paid_on <= start || paid_on <= today - chrono::Days::new(90) {
                continue;
            }
            let mut owed_days: i128 = 0;
            let mut d = start.succ_opt().unwrap();
            while d <= paid_on {
                let paid: i64 = apps.iter().filter(|a| a.applied_on <= d).map(|a| a.amount.minor).sum();
                owed_days += i128::from((i.total.minor - paid).max(0));
                d = d.succ_opt().unwrap();
            }
            let fee = (owed_days * 150 * 12 + 10_000 * 365 / 2) / (10_000 * 365);
            let label = format!("#{} (paid {})", i.number, arbot_core::dates::short_date(paid_on));
            expected.push((label, i64::try_from(fee).unwrap()));
        }
        assert!(!expected.is_empty(), "{}: Bluebonnet paid an invoice late since Aug 25", db.name);
        let reply = run_line(&app, "/mail latefee bluebonnet", sam()).await;
        let rows = reply.table.clone().expect("a table").rows;
        for (label, fee) in &expected {
            let row = rows.iter().find(|r| &r[0] == label).unwrap_or_else(|| panic!("{label}: {rows:?}"));
            assert_eq!(row[6], app.money(*fee).to_string(), "{label}");
        }
        let paid_total: i64 = expected.iter().map(|(_, f)| f).sum();
        assert!(
            reply.lines.join(" ").contains(&format!(
                "{} on {} paid late in the 90 days to Nov 23",
                app.money(paid_total),
                if expected.len() == 1 { "1 invoice".to_string() } else { format!("{} invoices", expected.len()) }
            )),
            "{:?}",
            reply.lines
        );
        let waived = run_line(&app, "/mail latefee acme", sam()).await;
        assert!(waived.lines[0].contains("Acme Builders Inc's late fees are waived"), "{:?}", waived.lines);

        // The reminder says what has accrued on the invoices it asks for.
        let hill = customer_id(&app, "hill country").await;
        let p = mail::prepare(&app, hill, app.today()).await.unwrap();
        let text = p.email.expect("Hill Country has an address").text;
        assert!(text.contains("late charges of $2,046.38 have accrued on these invoices to date"), "{text}");
        app.config.late_fees.in_reminders = false;
        let p = mail::prepare(&app, hill, app.today()).await.unwrap();
        assert!(!p.email.unwrap().text.contains("late charges"));
        db.close().await;
    }
}

/// `/mail statement`'s Email button: the statement goes to the billing address once, as a PDF
/// and a CSV the tests open, and is logged on the account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_is_emailed_once_with_its_pdf_and_csv_and_logged() {
    use mail_parser::MimeHeaders;
    for db in TestDb::all().await {
        load_sample_ledger(&db).await;
        let server = SmtpServer::start();
        let clock = ManualClock::new(at("2026-12-03T14:00:00Z"), chrono_tz::America::New_York);
        let mut app = app_on(&db, &clock, server.port).await;
        app.config.business.remit_to = vec!["PO Box 31877".into(), "Tampa, FL 33631-3877".into()];
        let dispatcher = Dispatcher::new(app.clone(), Arc::new(ConsoleOut::default()), "t", settings());
        let harbor = customer_id(&app, "harborview").await;
        let today = app.today();

        let reply = run_line(&app, "/mail statement harborview", sam()).await;
        let text = reply.lines.join("\n");
        assert!(text.contains("Email goes to board@harborviewowners.example."), "{text}");
        assert_eq!(reply.buttons.iter().map(|b| b.label.as_str()).collect::<Vec<_>>(), ["Email it"]);
        let button = reply.buttons[0].id.clone();
        assert_eq!(button, format!("stmt:send:{harbor}:{today}"));
        let st = arbot::commands::statement::prepare(&app, &app.store.customer(harbor).await.unwrap().unwrap(), today)
            .await
            .unwrap();
        let due = app.money(st[0].amount_due_minor).to_string();

        // A viewer may read the statement but not send it.
        let viewer = Actor { id: "9".into(), name: "vic".into(), roles: vec![] };
        let refused = status(click(&app, &viewer, &button, "s-0").await);
        assert!(refused.contains("email a statement"), "{refused}");

        let answer = status(click(&app, &sam(), &button, "s-1").await);
        assert!(
            answer.starts_with("Approved by @sam at 9:00") && answer.contains("board@harborviewowners.example"),
            "{answer}"
        );
        dispatcher.deliver_due().await.unwrap();
        let got = server.wait_for(1).await;
        let parsed = got[0].parsed();
        let subject = parsed.subject().unwrap_or_default().to_string();
        assert_eq!(subject, format!("Statement for November 2026 from Suncoast Mechanical: {due} due"));
        let body = parsed.body_text(0).unwrap().to_string();
        assert!(body.contains(&format!("Amount due on Dec 3, 2026: {due}")) && body.contains("PO Box 31877"), "{body}");
        let files: Vec<(String, Vec<u8>)> = parsed
            .attachments()
            .map(|a| (a.attachment_name().unwrap_or_default().to_string(), a.contents().to_vec()))
            .collect();
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["Harborview-Owners-Assn-statement-2026-11.pdf", "Harborview-Owners-Assn-statement-2026-11.csv"],
            "{}",
            db.name
        );
        let pdf = lopdf::Document::load_mem(&files[0].1).expect("the attached PDF opens");
        let pages: Vec<u32> = pdf.get_pages().keys().copied().collect();
        let pdf_text = pdf.extract_text(&pages).unwrap();
        assert!(pdf_text.contains(&due) && pdf_text.contains("Harborview Owners Assn"), "{pdf_text}");
        for o in &st[0].open {
            assert!(pdf_text.contains(&format!("#{}", o.number)), "{}: {pdf_text}", o.number);
        }
        assert!(String::from_utf8_lossy(&files[1].1).starts_with("section,date,type"), "the CSV");
        let notes = app.store.notes_for_customer(harbor, 10).await.unwrap();
        let note = notes.iter().find(|n| n.kind == "email").expect("the statement is a note on the account");
        assert!(
            note.body.contains("Statement for November 2026 emailed to board@harborviewowners.example")
                && note.body.contains("Approved by @sam"),
            "{}",
            note.body
        );

        // A second click sends nothing more.
        let again = status(click(&app, &sam(), &button, "s-2").await);
        assert!(again.starts_with("Already sent"), "{again}");
        dispatcher.deliver_due().await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(server.received().len(), 1, "one statement email");
        db.close().await;
    }
}

/// The month-end run: "Statements ready" is posted once a month, on the first run in its first
/// ten days; Email all sends each listed statement once, and only to customers with an address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_month_end_run_posts_once_and_email_all_sends_each_statement_once() {
    for db in TestDb::all().await {
        load_sample_ledger(&db).await;
        let server = SmtpServer::start();
        // Tue Dec 1, 2026, 08:30 in New York.
        let clock = ManualClock::new(at("2026-12-01T13:30:00Z"), chrono_tz::America::New_York);
        let app = app_on(&db, &clock, server.port).await;
        let dispatcher = Dispatcher::new(app.clone(), Arc::new(ConsoleOut::default()), "t", settings());
        let day = app.today();

        let entries = arbot::commands::statement::month_end(&app, day).await.unwrap();
        assert!(entries.len() > 5, "{}: the sample owes across many customers", db.name);
        // Everyone listed has something to tell, and everyone who owes now is listed.
        let owing = app
            .store
            .open_items(arbot_core::store::OpenItemsQuery { as_of: day, customer_id: None, historical: false })
            .await
            .unwrap();
        for i in &owing {
            assert!(entries.iter().any(|e| e.customer.id == i.customer_id), "{}: {}", db.name, i.customer_name);
        }
        let (detail, posted) = arbot::commands::statement::queue_month_end(&app, day).await.unwrap();
        assert!(posted, "{}: {detail}", db.name);
        let key = "statements:2026-11";
        assert!(app.store.outbox_status(key).await.unwrap().is_some(), "{}", db.name);
        // The next morning, and the next instance, post nothing more; nor does a run late in the month.
        let (again, posted) = arbot::commands::statement::queue_month_end(&app, day.succ_opt().unwrap()).await.unwrap();
        assert!(!posted && again.contains("posted before"), "{}: {again}", db.name);
        let late = chrono::NaiveDate::from_ymd_opt(2026, 12, 15).unwrap();
        let (late_detail, posted) = arbot::commands::statement::queue_month_end(&app, late).await.unwrap();
        assert!(!posted && late_detail.contains("first ten days"), "{}: {late_detail}", db.name);

        // The post, as the AR channel reads it.
        let reply = arbot::commands::statement::month_end_reply(&app, day, &entries);
        let title = reply.title.clone().unwrap_or_default();
        assert!(
            title.starts_with(&format!("Statements ready for November 2026: {} customers", entries.len())),
            "{title}"
        );
        let ready = entries.iter().filter(|e| e.to.is_some()).count();
        assert_eq!(reply.buttons[0].label, format!("Email all {ready}"));
        let review = reply.buttons.iter().find(|b| b.id.starts_with("stmt:review:")).unwrap().id.clone();
        let shown = click(&app, &sam(), &review, "r-1").await;
        let ClickAnswer::New(shown) = shown else { panic!("a review shows the statement") };
        assert_eq!(shown.attachments.len(), 2, "{}: PDF and CSV", db.name);

        let status1 = status(click(&app, &sam(), &reply.buttons[0].id, "a-1").await);
        assert!(status1.starts_with(&format!("Sent by @sam at 8:30: {ready} statements queued")), "{status1}");
        for _ in 0..3 {
            dispatcher.deliver_due().await.unwrap();
        }
        let got = server.wait_for(ready).await;
        assert_eq!(got.len(), ready, "{}", db.name);
        for m in &got {
            let subject = m.parsed().subject().unwrap_or_default().to_string();
            assert!(subject.starts_with("Statement for November 2026 from Suncoast Mechanical"), "{subject}");
        }
        // A second Email all (another person, a double click) sends nothing more.
        let status2 = status(click(&app, &sam(), &reply.buttons[0].id, "a-2").await);
        assert!(
            status2.contains("0 statements queued") && status2.contains(&format!("{ready} had gone before")),
            "{status2}"
        );
        dispatcher.deliver_due().await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(server.received().len(), ready, "{}: each statement once", db.name);
        db.close().await;
    }
}

/// The text of a PDF that arbot drew.
fn pdf_text(bytes: &[u8]) -> String {
    let pdf = lopdf::Document::load_mem(bytes).expect("the PDF opens");
    let pages: Vec<u32> = pdf.get_pages().keys().copied().collect();
    pdf.extract_text(&pages).expect("its text")
}

#[tokio::test]
async fn letters_are_drafted_as_pdf_with_the_ledgers_figures_and_recorded_as_sent_by_certified_mail() {
    use arbot_core::store::OpenItemsQuery;
    for db in TestDb::all().await {
        load_sample_ledger(&db).await;
        let clock = ManualClock::new(at("2026-12-03T14:00:00Z"), chrono_tz::America::New_York);
        let mut app = app_on(&db, &clock, 9).await;
        app.config.business.remit_to = vec!["PO Box 31877".into(), "Tampa, FL 33631-3877".into()];
        app.config.letters.pay_within_days = 9; // Dec 12 is a Saturday: the letter asks by Monday Dec 14.
        let harbor = customer_id(&app, "harborview").await;
        let today = app.today();
        let past_due = |items: &[arbot_core::ledger::OpenItem]| -> Vec<(String, i64)> {
            items
                .iter()
                .filter(|i| !i.disputed && i.due < today && i.due_part() > 0)
                .map(|i| (i.number.clone(), i.due_part()))
                .collect()
        };
        let items = app
            .store
            .open_items(OpenItemsQuery { as_of: today, customer_id: Some(harbor), historical: false })
            .await
            .unwrap();
        let asked = past_due(&items);
        assert!(asked.len() >= 2, "Harborview has invoices past due: {asked:?}");
        let total = app.money(asked.iter().map(|(_, m)| m).sum());

        // A viewer may not draft one.
        let viewer = Actor { id: "9".into(), name: "vic".into(), roles: vec![] };
        let refused = run_line(&app, "/mail letter harborview demand", viewer.clone()).await;
        assert!(refused.lines.join(" ").contains("/mail letter"), "{:?}", refused.lines);
        assert!(app.store.letters(None, 10).await.unwrap().is_empty(), "{}", db.name);

        // The account has an escalation thread: the draft goes there too, for review.
        let out = Arc::new(ConsoleOut::default());
        let dispatcher = Dispatcher::new(app.clone(), out.clone(), "t", settings());
        let esc = run_line(&app, "/ar escalate harborview board treasurer stopped answering", sam()).await;
        assert!(!esc.lines.is_empty(), "{esc:?}");
        dispatcher.deliver_due().await.unwrap();
        out.take();
        let reply = run_line(&app, "/mail letter harborview demand", sam()).await;
        let text = reply.lines.join("\n");
        assert_eq!(reply.title.as_deref(), Some("Demand for payment: Harborview Owners Assn, letter 1"), "{text}");
        assert!(text.contains("It goes to the account's escalation thread too"), "{text}");
        dispatcher.deliver_due().await.unwrap();
        let posted = out.take();
        assert!(
            posted.contains("posted in thread")
                && posted.contains("Demand for payment drafted: letter 1")
                && posted.contains("Harborview-Owners-Assn-demand-letter-2026-12-03.pdf"),
            "{posted}"
        );
        assert!(text.contains(&format!("asks {total} by Mon Dec 14, 2026")), "{text}");
        assert!(text.contains("/mail sent 1 certified <tracking number>"), "{text}");
        assert_eq!(reply.attachments.len(), 1);
        assert_eq!(reply.attachments[0].name, "Harborview-Owners-Assn-demand-letter-2026-12-03.pdf");
        let body = pdf_text(&reply.attachments[0].content);
        for (number, minor) in &asked {
            assert!(body.contains(&format!("Invoice #{number}")), "{number}: {body}");
            assert!(body.contains(&app.money(*minor).to_string()), "{number}'s amount: {body}");
        }
        for needle in [
            "Harborview Owners Assn",
            "8092 Commerce Park Dr",
            "December 3, 2026",
            "RE: Demand for payment",
            "Monday, December 14, 2026",
            "PO Box 31877",
        ] {
            assert!(body.contains(needle), "{needle}: {body}");
        }
        assert!(body.contains(&format!("Total past due: {total}")), "{body}");
        let stored = app.store.letters(Some(harbor), 10).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(
            (stored[0].amount, stored[0].pay_by, stored[0].sent.is_none()),
            (total, "2026-12-14".parse().unwrap(), true)
        );
        // The button shows the PDF as it was drafted.
        let reader = Actor { id: "8".into(), name: "val".into(), roles: vec![Role::Viewer] };
        match click(&app, &reader, &format!("letter:show:{}", stored[0].id), "l-1").await {
            ClickAnswer::New(r) => assert_eq!(r.attachments[0].content, reply.attachments[0].content),
            _ => panic!("the letter's button answers with its PDF"),
        }

        // A disputed invoice is left out of the next one, and said so.
        let (first, first_minor) = asked[0].clone();
        let disputed = run_line(&app, &format!("/ar dispute {first} pricing PM questions the unit price"), sam()).await;
        assert!(!disputed.lines.is_empty(), "{:?}", disputed);
        let reply = run_line(&app, "/mail letter harborview final", sam()).await;
        let text = reply.lines.join("\n");
        assert!(text.contains(&format!("Left out, disputed: #{first} {}", app.money(first_minor))), "{text}");
        let rest = app.money(asked.iter().skip(1).map(|(_, m)| m).sum());
        assert!(text.contains(&format!("asks {rest} by")), "{text}");
        let body = pdf_text(&reply.attachments[0].content);
        assert!(!body.contains(&format!("Invoice #{first}")) && body.contains("Final notice"), "{body}");

        // A notice of intent to lien needs the job's claim-of-lien deadline; without a furnishing
        // date there is none, and nothing is drafted.
        let before = app.store.letters(None, 10).await.unwrap().len();
        let reply = run_line(&app, "/mail letter harborview lien", sam()).await;
        let text = reply.lines.join("\n");
        assert!(
            text.contains("No claim-of-lien deadline")
                && text.contains("/ar job \"harborview towers - riser replacement\" set last_furnished"),
            "{text}"
        );
        assert!(!text.contains("suit_planned"), "only the facts that hold the deadline back: {text}");
        assert_eq!(app.store.letters(None, 10).await.unwrap().len(), before);
        let set = run_line(&app, "/ar job \"harborview towers - riser\" set last_furnished 2026-11-20", sam()).await;
        assert!(set.lines.join(" ").contains("last_furnished 2026-11-20"), "{set:?}");
        let reply = run_line(&app, "/mail letter harborview lien", sam()).await;
        let text = reply.lines.join("\n");
        // Florida: 90 days after the last furnishing, Nov 20 + 90 = Feb 18, 2027 (a Thursday).
        assert!(text.contains("due Feb 18, 2027") && text.contains("713.08"), "{text}");
        let body = pdf_text(&reply.attachments[0].content);
        assert!(body.contains("RE: Notice of intent to lien: Harborview Towers - Riser Replacement"), "{body}");
        assert!(body.contains("until February 18, 2027"), "{body}");
        // It asks the job's past-due money; what is not yet due and the retainage are named apart.
        let on_job: Vec<_> = items
            .iter()
            .filter(|i| i.job_name.as_deref() == Some("Harborview Towers - Riser Replacement") && i.balance.minor > 0)
            .collect();
        let unpaid: i64 = on_job.iter().map(|i| i.balance.minor).sum();
        let past: i64 = on_job.iter().filter(|i| i.due < today).map(|i| i.due_part()).sum();
        assert!(0 < past && past < unpaid, "the job has money past due and money not yet due: {past} of {unpaid}");
        let (past, unpaid) = (app.money(past), app.money(unpaid));
        assert!(
            text.contains(&format!(
                "Asks the {past} past due on Harborview Towers - Riser Replacement of the {unpaid} unpaid"
            )),
            "{text}"
        );
        assert!(
            body.contains(&format!("Past due: {past}"))
                && body.contains(&format!("Total unpaid on this project: {unpaid}")),
            "{body}"
        );
        assert!(body.contains(&format!("the {past} past due by")), "{body}");
        // The association is the job's owner ("Harborview Owners Association, Inc."): no cc to itself.
        assert!(text.contains("is the job's owner, so the letter goes to the owner and has no cc line"), "{text}");
        assert!(!body.contains("cc:"), "{body}");
        let lien_id = app.store.letters(None, 10).await.unwrap()[0].id;
        assert_eq!(app.store.letter(lien_id).await.unwrap().unwrap().amount, past);

        // Recorded as sent: a bad tracking number changes nothing; a good one is kept and logged.
        let bad = run_line(&app, &format!("/mail sent {lien_id} certified 12345"), sam()).await;
        assert!(bad.lines.join(" ").contains("not a USPS certified mail number"), "{:?}", bad.lines);
        assert!(app.store.letter(lien_id).await.unwrap().unwrap().sent.is_none());
        let none = run_line(&app, "/mail sent 99 mail", sam()).await;
        assert!(none.lines.join(" ").contains("There is no letter 99"), "{:?}", none.lines);
        let ok = run_line(&app, &format!("/mail sent {lien_id} certified 9407 1118 9876 5432 1098 76"), sam()).await;
        let text = ok.lines.join(" ");
        assert!(text.contains("went by certified mail on Dec 3, 2026 (tracking 9407111898765432109876)"), "{text}");
        let sent = app.store.letter(lien_id).await.unwrap().unwrap().sent.expect("recorded");
        assert_eq!(sent.tracking.as_deref(), Some("9407111898765432109876"));
        let notes = app.store.notes_for_customer(harbor, 5).await.unwrap();
        let note = notes.iter().find(|n| n.kind == "letter").expect("a letter note");
        assert!(
            note.body.contains("Notice of intent to lien") && note.body.contains("9407111898765432109876"),
            "{}",
            note.body
        );
        assert_eq!(note.follow_up_on, Some("2026-12-14".parse().unwrap()));
        // A correction replaces it and says what it replaced.
        let early = run_line(&app, &format!("/mail sent {lien_id} mail on Dec 2"), sam()).await;
        assert!(early.lines.join(" ").contains("drafted on Dec 3, 2026, after Dec 2, 2026"), "{:?}", early.lines);
        let fix = run_line(&app, &format!("/mail sent {lien_id} mail"), sam()).await;
        assert!(
            fix.lines.join(" ").contains("replaces what was recorded before: by certified mail"),
            "{:?}",
            fix.lines
        );
        // A postal address set from chat wins over the ledger's; a bad email with it changes nothing.
        let none = run_line(&app, "/mail contact harborview", sam()).await;
        assert!(none.lines.join(" ").contains("Give an email, an address or both"), "{none:?}");
        let bad = run_line(&app, "/mail contact harborview ap@ address 1 Bayfront Plaza; Tampa, FL 33602", sam()).await;
        assert!(bad.lines.join(" ").contains("Nothing was changed"), "{bad:?}");
        assert!(app.store.contact(harbor).await.unwrap().and_then(|c| c.address).is_none(), "{}", db.name);
        let set =
            run_line(&app, "/mail contact harborview address 1 Bayfront Plaza; Suite 900; Tampa, FL 33602", sam())
                .await;
        assert!(
            set.lines.join(" ").contains("now addressed to 1 Bayfront Plaza, Suite 900, Tampa, FL 33602 (was"),
            "{set:?}"
        );
        let reply = run_line(&app, "/mail letter harborview demand", sam()).await;
        let body = pdf_text(&reply.attachments[0].content);
        assert!(body.contains("1 Bayfront Plaza") && body.contains("Suite 900") && !body.contains("8092"), "{body}");
        let list = run_line(&app, "/mail letters harborview", sam()).await.lines.join("\n");
        assert!(
            list.contains("sent by first-class mail on Dec 3, 2026") && list.contains("not recorded as sent"),
            "{list}"
        );
    }
}

/// The invoice PDFs a fake vendor has served, by the invoice's id.
type PdfLog = Box<dyn Fn() -> Vec<String>>;
/// Makes a fake vendor lose an invoice; false if it had none by that id.
type Forget = Box<dyn Fn(&str) -> bool>;

/// A reminder to a customer synced from QuickBooks or Xero carries each invoice's own PDF,
/// fetched from the vendor's API as the email goes (QuickBooks `GET …/invoice/{id}/pdf`, Xero
/// `GET /Invoices/{id}` with `Accept: application/pdf`); an invoice the vendor no longer has goes
/// without its copy, and the note on the account says which.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reminder_carries_each_invoices_own_pdf_from_quickbooks_and_xero() {
    use arbot_core::source::Source;
    use arbot_core::sync::sync_source;
    use arbot_tests::{fake_quickbooks, fake_xero};
    use mail_parser::MimeHeaders;

    for (vendor, kind) in [("QuickBooks", "quickbooks"), ("Xero", "xero")] {
        for db in TestDb::all().await {
            let books_now = at("2026-11-20T15:00:00Z");
            // The vendor's books: Acme owes on two invoices or more.
            let (source, fake_log, forget): (Arc<dyn Source>, PdfLog, Forget) = if kind == "quickbooks" {
                let mut ledger = fake_quickbooks::Ledger::new(books_now);
                fake_quickbooks::sample_company(&mut ledger);
                let fake = Arc::new(fake_quickbooks::FakeQbo::start(ledger).await);
                let qbo = fake.connect(&db.store, kind, 50).await;
                sync_source(db.store.as_ref(), &qbo, &fake.clock(), false, |_| {}).await.unwrap();
                let (f1, f2) = (fake.clone(), fake.clone());
                (
                    Arc::new(qbo),
                    Box::new(move || f1.with(|s| s.log.iter().filter(|l| l.starts_with("PDF")).cloned().collect())),
                    Box::new(move |id: &str| f2.with(|s| s.ledger.invoices.remove(id).is_some())),
                )
            } else {
                let mut ledger = fake_xero::XLedger::new(books_now);
                fake_xero::sample_org(&mut ledger);
                let fake = Arc::new(fake_xero::FakeXero::start(ledger).await);
                let xero = fake.connect(&db.store, kind, 50).await;
                sync_source(db.store.as_ref(), &xero, &fake.clock(), false, |_| {}).await.unwrap();
                let (f1, f2) = (fake.clone(), fake.clone());
                (
                    Arc::new(xero),
                    Box::new(move || f1.with(|s| s.log.iter().filter(|l| l.1 == "pdf").map(|l| l.0.clone()).collect())),
                    Box::new(move |id: &str| f2.with(|s| s.ledger.invoices.remove(id).is_some())),
                )
            };
            let server = SmtpServer::start();
            // Two weeks on: the invoices are past due and at a reminder stage.
            let clock = ManualClock::new(at("2026-12-08T14:00:00Z"), chrono_tz::America::New_York);
            let mut app = app_on(&db, &clock, server.port).await;
            app.sources = vec![source];
            app.config.sources = vec![toml::from_str(&format!("name = \"{kind}\"\nkind = \"{kind}\"")).unwrap()];
            let dispatcher = Dispatcher::new(app.clone(), Arc::new(ConsoleOut::default()), "t", settings());
            let acme = customer_id(&app, "acme").await;
            let set = run_line(&app, "/mail contact acme ap@acme.example", sam()).await;
            assert!(set.lines.join(" ").contains("now go to ap@acme.example"), "{set:?}");

            let today = app.today();
            let prepared = mail::prepare(&app, acme, today).await.unwrap();
            assert!(prepared.pdfs.len() >= 2, "{vendor}, {}: invoices with a vendor PDF: {prepared:?}", db.name);
            let reply = run_line(&app, "/mail remind acme", sam()).await;
            let text = reply.lines.join("\n");
            let files: Vec<String> = prepared.pdfs.iter().map(|p| format!("Invoice-{}.pdf", p.number)).collect();
            assert!(text.contains(&format!("{} from {vendor} (fetched as it goes)", files.join(", "))), "{text}");
            assert!(fake_log().is_empty(), "{vendor}: nothing is fetched for a preview");

            // The vendor has lost one invoice since the sync: the email goes without its copy.
            let (gone, kept) = (&prepared.pdfs[0], &prepared.pdfs[1..]);
            assert!(forget(&gone.external_id), "{vendor}: the fake had {}", gone.external_id);
            let answer = status(click(&app, &sam(), &reply.buttons[0].id, "p-1").await);
            assert!(answer.starts_with("Approved by @sam"), "{answer}");
            dispatcher.deliver_due().await.unwrap();
            let got = server.wait_for(1).await;
            let parsed = got[0].parsed();
            let names: Vec<String> =
                parsed.attachments().filter_map(|a| a.attachment_name().map(str::to_string)).collect();
            assert!(names[0].contains("statement"), "{vendor}: the statement first: {names:?}");
            assert_eq!(names[1..], files[1..], "{vendor}, {}: every invoice the vendor still has", db.name);
            for (a, want) in parsed.attachments().skip(1).zip(kept) {
                let text = pdf_text(a.contents());
                // An invoice QuickBooks has no number for is one arbot names by its id (QBO-13).
                let numbered = !want.number.starts_with("QBO-");
                assert!(
                    text.contains("nvoice") && (!numbered || text.contains(&want.number)),
                    "{vendor}: #{}'s own PDF: {text}",
                    want.number
                );
            }
            assert_eq!(fake_log().len(), prepared.pdfs.len(), "{vendor}: each PDF fetched once");
            let notes = app.store.notes_for_customer(acme, 5).await.unwrap();
            let note = notes.iter().find(|n| n.kind == "email").expect("the email is logged");
            let kept_numbers: Vec<String> = kept.iter().map(|k| format!("#{}", k.number)).collect();
            assert!(
                note.body.contains(&format!("With the invoice PDFs from {vendor}: {}.", kept_numbers.join(", ")))
                    && note.body.contains(&format!(
                        "Sent without the invoice PDFs of #{} ({vendor} no longer has it).",
                        gone.number
                    )),
                "{}",
                note.body
            );
            db.close().await;
        }
    }
}
