//! Lien waivers, end to end on both backends: a California job synced from the fake QuickBooks,
//! its conditional waiver drafted from the console in the Civ. Code § 8132 form, an unconditional
//! one refused before the payment is in, then the GC's payment applied in QuickBooks and synced:
//! `/ar sync` says the unconditional waiver is now owed and drafts it (§ 8134), the AR channel's
//! post is queued once however often the sync runs, `/lien waivers` lists it as owed until it is
//! given. A conditional waiver out past its invoice's due date is escalated once.

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test

use std::sync::Arc;

use arbot::app::App;
use arbot::commands::run_line;
use arbot::config::Config;
use arbot::reply::Reply;
use arbot::roles::{Actor, Role};
use arbot_core::waivers::{CA_CONDITIONAL_NOTICE, CA_UNCONDITIONAL_NOTICE, Status};
use arbot_core::{Clock, ManualClock};
use arbot_tests::TestDb;
use arbot_tests::bot_world::at;
use arbot_tests::fake_quickbooks::{Amt, FakeQbo, Ledger};
use arbot_tests::vendor_kit::LedgerTime;

fn sam() -> Actor {
    Actor { id: "601".into(), name: "sam".into(), roles: vec![Role::Ar] }
}

fn pdf_text(bytes: &[u8]) -> String {
    let pdf = lopdf::Document::load_mem(bytes).expect("the PDF opens");
    let pages: Vec<u32> = pdf.get_pages().keys().copied().collect();
    squash(&pdf.extract_text(&pages).expect("its text"))
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn text(r: &Reply) -> String {
    let mut out = r.title.clone().unwrap_or_default();
    for l in &r.lines {
        out.push('\n');
        out.push_str(l);
    }
    if let Some(t) = &r.table {
        out.push('\n');
        out.push_str(&arbot::reply::table_text(t));
    }
    for f in &r.fields {
        out.push_str(&format!("\n{}\n{}", f.name, f.value));
    }
    out
}

async fn said(app: &App, line: &str) -> Reply {
    run_line(app, line, sam()).await
}

#[tokio::test]
async fn a_synced_payment_on_a_job_makes_its_unconditional_waiver_owed_and_drafts_it() {
    for db in TestDb::all().await {
        // Capitol Builders owes two pay applications on Midtown Lofts, a California job.
        let start = at("2026-11-16T15:00:00Z");
        let mut ledger = Ledger::new(start);
        let capitol = ledger.customer("Capitol Builders");
        let lofts = ledger.job(&capitol, "Midtown Lofts");
        let app7 = ledger.invoice(&lofts, Amt::cents(1_825_075));
        let app8 = ledger.invoice(&lofts, Amt::cents(940_000));
        let books = FakeQbo::start(ledger).await;
        let qbo = books.connect(&db.store, "quickbooks", 50).await;
        let clock = ManualClock::new(start, chrono_tz::America::Los_Angeles);
        let mut config = Config { business_name: "Suncoast Mechanical".into(), ..Config::default() };
        config.business.address = vec!["4810 N Lois Ave".into(), "Tampa, FL 33614".into()];
        config.letters.signer = Some("Sam Ortiz, AR manager".into());
        let app = App { store: db.store.clone(), clock: Arc::new(clock.clone()), config, sources: vec![Arc::new(qbo)] };
        let first = said(&app, "/ar sync").await;
        assert!(text(&first).contains("Up to date."), "{}: {}", db.name, text(&first));
        let number = books.with(|s| s.ledger.invoices[&app7].doc.clone()).unwrap();
        let other = books.with(|s| s.ledger.invoices[&app8].doc.clone()).unwrap();

        // The form needs the state, the owner and the property: asked for, nothing kept.
        let asked =
            said(&app, &format!("/lien waiver \"midtown lofts\" conditional for {number} through Oct 31")).await;
        let t = text(&asked);
        assert!(t.contains("I can't draft the conditional waiver for Midtown Lofts yet"), "{}: {t}", db.name);
        assert!(t.contains("/ar job \"midtown lofts\" set property <street, city, state zip>"), "{t}");
        assert!(t.contains("Nothing was changed."), "{t}");
        assert!(asked.attachments.is_empty());
        for line in [
            "/ar job \"midtown lofts\" set state CA",
            "/ar job \"midtown lofts\" set owner Midtown 19th Street LLC",
            "/ar job \"midtown lofts\" set property 1901 K St, Sacramento, CA 95811",
        ] {
            let r = said(&app, line).await;
            assert!(text(&r).contains("Recorded"), "{line}: {}", text(&r));
        }
        assert!(app.store.waivers(None, false).await.unwrap().is_empty(), "{}: nothing kept", db.name);

        // The conditional waiver, for the pay application's invoice: its balance, in § 8132's form.
        let conditional =
            said(&app, &format!("/lien waiver \"midtown lofts\" conditional for {number} through Oct 31")).await;
        let t = text(&conditional);
        assert_eq!(
            conditional.title.as_deref(),
            Some("Conditional waiver and release on progress payment: Midtown Lofts (Capitol Builders)"),
            "{}: {t}",
            db.name
        );
        assert!(t.contains("in the Cal. Civ. Code § 8132 form"), "{t}");
        assert!(t.contains("$18,250.75 to Capitol Builders, effective only when that payment clears"), "{t}");
        assert_eq!(conditional.attachments.len(), 1, "{t}");
        let page = pdf_text(&conditional.attachments[0].content);
        for needle in [
            squash(CA_CONDITIONAL_NOTICE),
            "Name of Customer: Capitol Builders".to_string(),
            "Job Location: 1901 K St, Sacramento, CA 95811".to_string(),
            "Owner: Midtown 19th Street LLC".to_string(),
            "Through Date: October 31, 2026".to_string(),
            "Amount of Check: $18,250.75".to_string(),
        ] {
            assert!(page.contains(&needle), "{}: {needle} in {page}", db.name);
        }

        // Before the payment, an unconditional waiver is refused and nothing moves.
        let early = said(&app, "/lien waiver \"midtown lofts\" unconditional").await;
        assert!(text(&early).contains("isn't in yet"), "{}", text(&early));
        let stored = app.store.waivers(None, false).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].status, Status::ConditionalSent);
        let list = said(&app, "/lien waivers").await;
        assert!(text(&list).contains("conditional out since Nov 16"), "{}", text(&list));
        // The job's card says so too.
        let card = said(&app, "/ar job \"midtown lofts\"").await;
        let waivers = card.fields.iter().find(|f| f.name == "Lien waivers outstanding").map(|f| f.value.clone());
        assert_eq!(
            waivers.as_deref(),
            Some(
                format!(
                    "invoice #{number} ($18,250.75 through Oct 31): conditional out, awaiting payment\n/lien waivers \"midtown lofts\""
                )
                .as_str()
            ),
            "{:?}",
            card.fields
        );

        // Two days later Capitol's check is applied to #app7 (and part of #app8) in QuickBooks.
        books.with(|s| {
            s.ledger.set_now(at("2026-11-18T18:00:00Z"));
            s.ledger.pay(&capitol, &[(&app7, 1_825_075), (&app8, 100_000)], 0);
        });
        clock.set(at("2026-11-18T19:00:00Z"));
        let synced = said(&app, "/ar sync").await;
        let t = text(&synced);
        assert!(t.contains("Unconditional waiver now owed — Midtown Lofts (Capitol Builders):"), "{}: {t}", db.name);
        assert!(t.contains("Paid: $18,250.75 received Nov 18 (ref "), "{t}");
        assert!(t.contains(&format!("for invoice #{number} ($18,250.75 through Oct 31)")), "{t}");
        assert!(t.contains("which had a conditional waiver out since Nov 16"), "{t}");
        assert!(t.contains("drafted in the Cal. Civ. Code § 8134 form and attached"), "{t}");
        assert!(!t.contains(&other), "the $1,000.00 on #{other} pays no waiver: {t}");
        assert_eq!(synced.attachments.len(), 1, "{t}");
        let page = pdf_text(&synced.attachments[0].content);
        assert!(page.contains(&squash(CA_UNCONDITIONAL_NOTICE)), "{page}");
        assert!(
            page.contains("The claimant has received the following progress payment: Amount: $18,250.75"),
            "{page}"
        );
        let id = stored[0].id;
        let key = format!("waiver:{id}:paid:1825075");
        assert!(app.store.outbox_status(&key).await.unwrap().is_some(), "{}: posted to the AR channel", db.name);
        assert_eq!(app.store.waiver_drafts(id).await.unwrap().len(), 2, "the conditional and the unconditional kept");

        // Syncing again finds nothing new to say.
        let again = said(&app, "/ar sync").await;
        assert!(!text(&again).contains("now owed"), "{}", text(&again));
        let list = text(&said(&app, "/lien waivers").await);
        assert!(list.contains("paid Nov 18: unconditional OWED"), "{list}");
        // The morning digest names it until it is given.
        let digest = text(&said(&app, "/ar digest").await);
        assert!(
            digest.contains(&format!(
                "• Midtown Lofts (Capitol Builders), {number} — $18.3k paid: the unconditional waiver is owed"
            )),
            "{}: {digest}",
            db.name
        );
        assert!(list.contains("/lien waiver \"midtown lofts\" unconditional"), "{list}");

        // Given: nothing is outstanding any more.
        let given = said(&app, "/lien waiver \"midtown lofts\" unconditional").await;
        assert!(text(&given).contains("nothing more is owed on"), "{}", text(&given));
        assert_eq!(given.attachments.len(), 1);
        let list = text(&said(&app, "/lien waivers").await);
        assert!(list.contains("No lien waiver is outstanding."), "{list}");
        assert!(!text(&said(&app, "/ar digest").await).contains("Lien waivers ("), "given: off the digest");
        let job = text(&said(&app, "/lien waivers \"midtown lofts\"").await);
        assert!(job.contains("unconditional given Nov 18"), "{job}");
        db.close().await;
    }
}

#[tokio::test]
async fn a_conditional_waiver_out_past_its_invoices_due_date_is_escalated_once() {
    for db in TestDb::all().await {
        let start = at("2026-11-16T15:00:00Z");
        let mut ledger = Ledger::new(start);
        let gulf = ledger.customer("Gulf Coast Builders");
        let tower = ledger.job(&gulf, "Harbor Tower");
        // Issued 40 days ago on 30-day terms: due 10 days ago.
        let bill = ledger.invoice(&tower, Amt::cents(5_290_000));
        let books = FakeQbo::start(ledger).await;
        let qbo = books.connect(&db.store, "quickbooks", 50).await;
        let clock = ManualClock::new(start, chrono_tz::America::New_York);
        let mut config = Config { business_name: "Suncoast Mechanical".into(), ..Config::default() };
        config.business.address = vec!["4810 N Lois Ave".into(), "Tampa, FL 33614".into()];
        let app = App { store: db.store.clone(), clock: Arc::new(clock.clone()), config, sources: vec![Arc::new(qbo)] };
        said(&app, "/ar sync").await;
        let number = books.with(|s| s.ledger.invoices[&bill].doc.clone()).unwrap();
        for line in [
            "/ar job \"harbor tower\" set state TX",
            "/ar job \"harbor tower\" set owner Harbor Tower Owner LP",
            "/ar job \"harbor tower\" set property 2800 Post Oak Blvd, Houston, TX 77056",
        ] {
            said(&app, line).await;
        }
        let r = said(&app, &format!("/lien waiver \"harbor tower\" conditional for {number} on Nov 10")).await;
        assert!(text(&r).contains("in the Tex. Prop. Code § 53.284(b) form"), "{}: {}", db.name, text(&r));
        let page = pdf_text(&r.attachments[0].content);
        assert!(
            page.contains("On receipt by the signer of this document of a check from Gulf Coast Builders"),
            "{page}"
        );
        assert!(page.contains("in the sum of $52,900.00"), "{page}");

        let queued = arbot::commands::waivers::queue_late_waivers(&app).await.unwrap();
        assert_eq!(queued, 1, "{}: one escalation in the AR channel", db.name);
        assert_eq!(arbot::commands::waivers::queue_late_waivers(&app).await.unwrap(), 0, "and only once");
        let list = text(&said(&app, "/lien waivers").await);
        assert!(list.contains("payment LATE (due Nov 6)"), "{list}");
        let digest = text(&said(&app, "/ar digest").await);
        assert!(
            digest.contains(&format!(
                "• Harbor Tower (Gulf Coast Builders), {number} — $52.9k: conditional waiver out, payment late since Nov 6"
            )),
            "{}: {digest}",
            db.name
        );
        let now = clock.now();
        let posts = app.store.claim_outbox("test", now, now, 50).await.unwrap();
        let late = posts.iter().find(|p| p.key.starts_with("waiver-late:")).expect("the escalation is queued");
        assert!(
            late.payload.contains("Conditional waiver out, payment late — Harbor Tower (Gulf Coast Builders)"),
            "{}",
            late.payload
        );
        assert!(late.payload.contains(&format!("invoice #{number} was due Nov 6 (10 days ago)")), "{}", late.payload);
        assert!(late.payload.contains("esc:open:"), "with an Escalate button: {}", late.payload);
        db.close().await;
    }
}

#[tokio::test]
async fn no_waiver_no_check_is_a_dispute_that_brings_the_conditional_waiver_to_the_ar_team() {
    for db in TestDb::all().await {
        let start = at("2026-11-16T15:00:00Z");
        let mut ledger = Ledger::new(start);
        let capitol = ledger.customer("Capitol Builders");
        let lofts = ledger.job(&capitol, "Midtown Lofts");
        let bill = ledger.invoice(&lofts, Amt::cents(940_000));
        let books = FakeQbo::start(ledger).await;
        let qbo = books.connect(&db.store, "quickbooks", 50).await;
        let clock = ManualClock::new(start, chrono_tz::America::Los_Angeles);
        let mut config = Config { business_name: "Suncoast Mechanical".into(), ..Config::default() };
        config.business.address = vec!["4810 N Lois Ave".into(), "Tampa, FL 33614".into()];
        let app = App { store: db.store.clone(), clock: Arc::new(clock.clone()), config, sources: vec![Arc::new(qbo)] };
        said(&app, "/ar sync").await;
        let number = books.with(|s| s.ledger.invoices[&bill].doc.clone()).unwrap();
        for line in [
            "/ar job \"midtown lofts\" set state CA",
            "/ar job \"midtown lofts\" set owner Midtown 19th Street LLC",
            "/ar job \"midtown lofts\" set property 1901 K St, Sacramento, CA 95811",
        ] {
            said(&app, line).await;
        }
        let r =
            said(&app, &format!("/ar dispute {number} lien_waiver GC won't release the check without a waiver")).await;
        let t = text(&r);
        assert!(t.contains("is in dispute: lien waiver missing"), "{}: {t}", db.name);
        assert!(t.contains(&format!("Recorded the waiver request for #{number} ($9,400.00, through Oct 7")), "{t}");
        assert!(t.contains("drafted in the Cal. Civ. Code § 8132 form and attached"), "{t}");
        assert_eq!(r.attachments.len(), 1, "{t}");
        let page = pdf_text(&r.attachments[0].content);
        assert!(
            page.contains("Amount of Check: $9,400.00") && page.contains("Through Date: October 7, 2026"),
            "{page}"
        );
        // The AR team gets it in the AR channel, with the waiver attached.
        let now = clock.now();
        let posts = app.store.claim_outbox("test", now, now, 50).await.unwrap();
        let post = posts.iter().find(|p| p.key.ends_with(":waiver")).expect("posted to the AR channel");
        assert!(post.payload.contains("No waiver, no check"), "{}", post.payload);
        assert!(post.payload.contains(".pdf"), "with the PDF: {}", &post.payload[..post.payload.len().min(400)]);
        let waivers = app.store.waivers(None, true).await.unwrap();
        assert_eq!(waivers.len(), 1);
        assert_eq!(waivers[0].status, Status::Requested, "asked for; given once the AR team records it");
        db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiver_request_from_discord_is_recorded_once_even_when_delivered_twice() {
    use arbot_tests::bot_world::{BEFORE_DIGEST, Bot, SampleWorld, sam as sam_in_discord};
    use arbot_tests::fake_discord::{AR_CHANNEL, text_of};
    use serde_json::json;

    let SampleWorld { fake, db, clock } = SampleWorld::start(BEFORE_DIGEST).await;
    let bot = Bot::start(&db.url, &fake, &clock, "a").await;
    fake.wait_ready(1).await;
    let (_, registered) =
        fake.wait_for(std::time::Duration::from_secs(60), "command registration", |w| w.commands.clone()).await;
    let lien = registered.as_array().unwrap().iter().find(|c| c["name"] == "lien").expect("/lien is registered");
    let subs: Vec<&str> = lien["options"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(subs, ["waiver", "waivers"]);
    let before = bot.app.store.waivers(None, false).await.unwrap().len();

    // `action` is a Discord choice: sent as the index of "requested".
    let i = fake.slash(
        &sam_in_discord(),
        AR_CHANNEL,
        "waiver",
        &[
            ("job", json!("marina tower")),
            ("action", json!(0)),
            ("amount", json!("38600")),
            ("pay-app", json!("Pay app 3")),
            ("through", json!("Nov 15")),
        ],
    );
    let answer = text_of(&fake.answers(i, 1).await.remove(0));
    assert!(answer.contains("Gulf Coast Builders LLC asked on Nov 23 for a progress lien waiver for Pay app 3, $38,600.00 through Nov 15."), "{answer}");
    fake.redeliver(i);
    let answers = fake.answers(i, 2).await;
    let again = text_of(answers.last().unwrap());
    assert!(again.contains("Already recorded: this request reached arbot twice and was recorded once."), "{again}");
    assert_eq!(bot.app.store.waivers(None, false).await.unwrap().len(), before + 1, "one waiver for one interaction");

    let i = fake.slash(&sam_in_discord(), AR_CHANNEL, "waivers", &[("job", json!("marina tower"))]);
    let list = text_of(&fake.answers(i, 1).await.remove(0));
    assert!(list.contains("Pay app 3") && list.contains("conditional not given yet"), "{list}");
    bot.stop().await;
    db.close().await;
}
