//! Preliminary notices and Notices to Owner, end to end on both backends: `/ar nto <job>` typed as
//! in the console against the sample ledger, the facts the form lacks asked for (and nothing
//! kept), the facts set with `/ar job … set`, then the PDF read back with lopdf: the statute's
//! wording and the job's facts on the page, the draft kept with its PDF, and recording it as
//! served left to `/ar notice` as before.

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test

use std::sync::Arc;

use arbot::app::App;
use arbot::commands::run_line;
use arbot::config::Config;
use arbot::roles::{Actor, Role};
use arbot_core::ledger::JobWithCustomer;
use arbot_core::notices::{
    CA_STATEMENT, FL_IMPORTANT, FL_LEARN, FL_PRESCRIBES, FL_RECOGNIZE, FL_WARNING, Form, NV_STATEMENT, TX_OWNER,
};
use arbot_core::{Clock, ManualClock, store};
use arbot_tests::TestDb;
use arbot_tests::bot_world::{at, load_sample_ledger};

fn sam() -> Actor {
    Actor { id: "601".into(), name: "sam".into(), roles: vec![Role::Ar] }
}

async fn app_on(db: &TestDb, clock: &ManualClock) -> App {
    let mut config = Config { business_name: "Suncoast Mechanical".into(), ..Config::default() };
    config.business.address = vec!["4120 W Cypress St".into(), "Tampa, FL 33607".into()];
    config.business.phone = Some("(813) 555-0100".into());
    config.letters.signer = Some("Sam Ortiz, AR manager".into());
    App {
        store: store::open_and_migrate(&db.url).await.unwrap(),
        clock: Arc::new(clock.clone()),
        config,
        sources: Vec::new(),
    }
}

async fn job(app: &App, name: &str) -> JobWithCustomer {
    let found = app.store.jobs(Some(name)).await.unwrap();
    found.into_iter().find(|j| j.job.name == name).unwrap_or_else(|| panic!("{name} is in the sample ledger"))
}

/// The text of a PDF that arbot drew, with its lines joined by single spaces.
fn pdf_text(bytes: &[u8]) -> String {
    let pdf = lopdf::Document::load_mem(bytes).expect("the PDF opens");
    let pages: Vec<u32> = pdf.get_pages().keys().copied().collect();
    squash(&pdf.extract_text(&pages).expect("its text"))
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn set(app: &App, line: &str) {
    let reply = run_line(app, line, sam()).await;
    assert!(reply.lines.join(" ").starts_with("Recorded:"), "{line}: {:?}", reply.lines);
}

#[tokio::test]
async fn a_florida_notice_to_owner_is_asked_for_its_facts_then_drafted_in_the_statutes_form() {
    for db in TestDb::all().await {
        load_sample_ledger(&db).await;
        let clock = ManualClock::new(at("2026-11-23T14:00:00Z"), chrono_tz::America::New_York);
        let app = app_on(&db, &clock).await;
        let marina = job(&app, "Marina Tower").await;

        // A viewer may not draft one.
        let viewer = Actor { id: "9".into(), name: "vic".into(), roles: vec![Role::Viewer] };
        let refused = run_line(&app, "/ar nto marina tower", viewer).await;
        assert!(refused.attachments.is_empty() && refused.lines.join(" ").contains("/ar nto"), "{:?}", refused.lines);

        // The owner's name was synced; its address, the property and the work were not.
        let asked = run_line(&app, "/ar nto marina tower", sam()).await;
        let text = asked.lines.join("\n");
        assert!(text.contains("I can't draft the Notice to Owner for Marina Tower yet"), "{}: {text}", db.name);
        assert!(text.contains("Nothing was drafted."), "{text}");
        for command in [
            "/ar job \"marina tower\" set owner_address <street, city, state zip>",
            "/ar job \"marina tower\" set property <street, city, state zip>",
            "/ar job \"marina tower\" set work <what we furnish>",
        ] {
            assert!(text.contains(command), "{command}: {text}");
        }
        assert!(!text.contains("set owner <"), "the synced owner is not asked for: {text}");
        assert!(asked.attachments.is_empty());
        assert!(app.store.notice_drafts(marina.job.id).await.unwrap().is_empty(), "{}: nothing kept", db.name);

        // The facts, set as the answer says.
        set(&app, "/ar job \"marina tower\" set owner_address 4500 Bayshore Blvd, Tampa, FL 33611").await;
        set(&app, "/ar job \"marina tower\" set property 3300 W Marina Way, Tampa, FL 33609").await;
        set(&app, "/ar job \"marina tower\" set legal_description Lot 7, Block 3, Westshore Marina, Folio 112233-0000")
            .await;
        set(&app, "/ar job \"marina tower\" set work HVAC ductwork, rooftop units and controls, labor and materials")
            .await;
        let bad = run_line(&app, "/ar job \"marina tower\" set estimate lots", sam()).await;
        assert!(bad.lines.join(" ").contains("Nothing was recorded"), "{:?}", bad.lines);
        let card = run_line(&app, "/ar job marina tower", sam()).await;
        let facts =
            card.fields.iter().find(|f| f.name == "For its notices").map(|f| f.value.clone()).unwrap_or_default();
        assert!(facts.contains("owner: Marina Tower Partners LLC, 4500 Bayshore Blvd"), "{facts}");

        let reply = run_line(&app, "/ar nto marina tower", sam()).await;
        let text = reply.lines.join("\n");
        assert_eq!(
            reply.title.as_deref(),
            Some("Notice to Owner: Marina Tower (Florida), notice 1"),
            "{}: {text}",
            db.name
        );
        assert!(text.contains("Fla. Stat. § 713.06(2)(c) form: to Marina Tower Partners LLC (owner)"), "{text}");
        assert!(text.contains("Due Tue Nov 24, 2026"), "first furnished Oct 10 + 45 days: {text}");
        assert!(text.contains("When it is served: /ar notice \"marina tower\" nto <date> <tracking no>"), "{text}");
        assert!(reply.footer.as_deref().unwrap_or("").contains("not legal advice"));
        assert_eq!(reply.attachments.len(), 1);
        assert_eq!(reply.attachments[0].name, "Marina-Tower-notice-to-owner-2026-11-23.pdf");
        let body = pdf_text(&reply.attachments[0].content);
        for wording in [FL_WARNING, FL_PRESCRIBES, FL_IMPORTANT, FL_RECOGNIZE, FL_LEARN] {
            assert!(body.contains(&squash(wording)), "{}: the statute's wording {wording:?} in {body}", db.name);
        }
        for needle in [
            "NOTICE TO OWNER",
            "IMPORTANT INFORMATION FOR YOUR PROTECTION",
            "PROTECT YOURSELF:",
            "Marina Tower Partners LLC",
            "4500 Bayshore Blvd",
            "Tampa, FL 33611",
            "HVAC ductwork, rooftop units and controls, labor and materials",
            "for the improvement of the real property identified as 3300 W Marina Way, Tampa, FL 33609 (Hillsborough \
County); legal description: Lot 7, Block 3, Westshore Marina, Folio 112233-0000 under an order given by Gulf Coast \
Builders LLC.",
            "Lienor: Suncoast Mechanical",
            "4120 W Cypress St",
            "Sam Ortiz, AR manager",
        ] {
            assert!(body.contains(needle), "{needle}: {body}");
        }
        let kept = app.store.notice_drafts(marina.job.id).await.unwrap();
        assert_eq!(kept.len(), 1, "{}", db.name);
        assert_eq!((kept[0].rule.as_str(), kept[0].kind.as_str()), ("FL.private.nto", "notice_to_owner"));
        assert_eq!(kept[0].due, "2026-11-24".parse().unwrap());
        assert_eq!(app.store.notice_pdf(kept[0].id).await.unwrap().unwrap(), reply.attachments[0].content);

        // Recording it as served stays /ar notice, and a later draft says so.
        let served = run_line(&app, "/ar notice marina tower nto 2026-11-23 9407111899560000000001", sam()).await;
        assert!(served.lines.join(" ").starts_with("Recorded: notice to owner served"), "{:?}", served.lines);
        assert_eq!(app.store.outbox_status("nto:1:thread").await.unwrap(), None, "no thread, no post");
        // With the account escalated, the draft goes to its thread too, with the PDF.
        let esc = run_line(&app, "/ar escalate gulf coast the NTO on Marina Tower is going out", sam()).await;
        assert!(!esc.lines.is_empty(), "{:?}", esc.lines);
        let again = run_line(&app, "/ar nto marina tower", sam()).await;
        let text = again.lines.join(" ");
        assert!(text.contains("already recorded as served on Nov 23, 2026"), "{text}");
        assert!(text.contains("Posted in the job's escalation thread too."), "{}: {text}", db.name);
        assert_eq!(app.store.notice_drafts(marina.job.id).await.unwrap().len(), 2);
        assert!(app.store.outbox_status("nto:2:thread").await.unwrap().is_some(), "{}", db.name);
        let now = clock.now();
        let queued = app.store.claim_outbox("test", now, now, 50).await.unwrap();
        let post = queued.iter().find(|i| i.key == "nto:2:thread").expect("the thread's post is queued");
        assert!(post.payload.contains("Marina-Tower-notice-to-owner-2026-11-23.pdf"), "{}", post.payload);
    }
}

#[tokio::test]
async fn a_missing_business_address_and_other_states_forms() {
    for db in TestDb::all().await {
        load_sample_ledger(&db).await;
        let clock = ManualClock::new(at("2026-11-23T14:00:00Z"), chrono_tz::America::New_York);
        let mut app = app_on(&db, &clock).await;

        // California: every § 8102 item and the § 8202 statement; the estimate is required.
        let midtown = job(&app, "Midtown Sacramento Mixed-Use").await;
        for line in [
            "/ar job midtown sacramento set owner_address 1500 J St, Sacramento, CA 95814",
            "/ar job midtown sacramento set gc_address 800 K St, Sacramento, CA 95814",
            "/ar job midtown sacramento set property 1600 J St, Sacramento, CA 95814",
            "/ar job midtown sacramento set work plumbing rough-in and fixtures",
        ] {
            set(&app, line).await;
        }
        let asked = run_line(&app, "/ar nto midtown sacramento", sam()).await.lines.join("\n");
        assert!(asked.contains("set estimate <amount>"), "{}: {asked}", db.name);
        assert!(app.store.notice_drafts(midtown.job.id).await.unwrap().is_empty());
        set(&app, "/ar job midtown sacramento set estimate $86,400").await;
        let reply = run_line(&app, "/ar nto midtown sacramento", sam()).await;
        let text = reply.lines.join("\n");
        assert!(text.contains("Cal. Civ. Code §§ 8200, 8102, 8202 form"), "{text}");
        assert!(text.contains("Mind: it was due"), "its 20 days have passed: {text}");
        assert!(text.contains("/ar notice \"midtown sacramento mixed-use\" prelim <date>"), "{text}");
        let body = pdf_text(&reply.attachments[0].content);
        for s in CA_STATEMENT {
            assert!(body.contains(&squash(s)), "{}: § 8202(a)(3) in {body}", db.name);
        }
        assert!(body.contains("NOTICE TO PROPERTY OWNER") && body.contains("$86,400.00"), "{body}");
        assert!(body.contains("Construction lender none known"), "{body}");

        // Texas: the § 53.056(a-2) form once the contract date and a month of work are known.
        let trinity = job(&app, "Trinity Commons Senior Living").await;
        for line in [
            "/ar job trinity commons set owner_address 2100 Main St, Fort Worth, TX 76102",
            "/ar job trinity commons set gc_address 500 Throckmorton St, Fort Worth, TX 76102",
            "/ar job trinity commons set property 4400 Camp Bowie Blvd, Fort Worth, TX 76107",
            "/ar job trinity commons set work HVAC equipment and installation",
            "/ar job trinity commons set furnished_month 2026-10",
        ] {
            set(&app, line).await;
        }
        let asked = run_line(&app, "/ar nto trinity commons", sam()).await.lines.join("\n");
        assert!(asked.contains("/ar job \"trinity commons senior living\" set contract_signed <date>"), "{asked}");
        set(&app, "/ar job trinity commons set contract_signed 2025-06-02").await;
        let reply = run_line(&app, "/ar nto trinity commons 2026-10", sam()).await;
        let text = reply.lines.join("\n");
        if text.contains("Nothing is unpaid") {
            assert!(app.store.notice_drafts(trinity.job.id).await.unwrap().is_empty());
        } else {
            assert!(text.contains("Tex. Prop. Code § 53.056(a-2) form"), "{}: {text}", db.name);
            assert!(text.contains("Due Fri Jan 15, 2027 for the work of October 2026"), "{text}");
            let body = pdf_text(&reply.attachments[0].content);
            assert!(body.contains("NOTICE OF CLAIM FOR UNPAID LABOR OR MATERIALS"), "{body}");
            assert!(body.contains(&squash(TX_OWNER)) && body.contains("Claim amount"), "{body}");
            assert!(body.contains("Billing statement"), "{body}");
        }
        let bad = run_line(&app, "/ar nto trinity commons octember", sam()).await;
        assert!(bad.lines.join(" ").contains("couldn't read 'octember' as a month"), "{:?}", bad.lines);

        // Elsewhere: a generic notice under the rule's citation, said first to be one.
        for line in [
            "/ar job westchase set state MN",
            "/ar job westchase set role supplier",
            "/ar job westchase set first_furnished 2026-11-20",
            "/ar job westchase set owner_address 200 S 6th St, Minneapolis, MN 55402",
            "/ar job westchase set gc_address 1 Main St, St Paul, MN 55101",
            "/ar job westchase set property 1300 Nicollet Mall, Minneapolis, MN 55403",
            "/ar job westchase set work chilled-water piping and pumps",
        ] {
            set(&app, line).await;
        }
        let reply = run_line(&app, "/ar nto westchase", sam()).await;
        assert!(
            reply.lines[0]
                .starts_with("arbot doesn't hold Minnesota's own form for this notice: this is a generic one"),
            "{}: {:?}",
            db.name,
            reply.lines
        );
        let body = pdf_text(&reply.attachments[0].content);
        assert!(body.contains("PRE-LIEN NOTICE") && body.contains("This is not a lien."), "{body}");
        assert!(body.contains("Given under Minn. Stat. § 514.011, subd. 2 (Minnesota)."), "{body}");

        // Without our own address the notice can't say who gives it.
        app.config.business.address.clear();
        let asked = run_line(&app, "/ar nto midtown sacramento", sam()).await.lines.join("\n");
        assert!(asked.contains("[business] address in arbot.toml"), "{asked}");
        assert_eq!(app.store.notice_drafts(midtown.job.id).await.unwrap().len(), 1, "{}", db.name);
    }
}

#[tokio::test]
async fn a_nevada_notice_of_right_to_lien_asks_for_its_facts_then_is_the_statutes_form() {
    for db in TestDb::all().await {
        load_sample_ledger(&db).await;
        let clock = ManualClock::new(at("2026-11-23T14:00:00Z"), chrono_tz::America::New_York);
        let app = app_on(&db, &clock).await;
        let harbor = job(&app, "Harbor Point Apartments").await;
        for line in [
            "/ar job harbor point set state NV",
            "/ar job harbor point set project private",
            "/ar job harbor point set role sub",
            "/ar job harbor point set first_furnished 2026-11-20",
        ] {
            set(&app, line).await;
        }
        // The form needs the owner's address, the property and the work, and says so.
        let asked = run_line(&app, "/ar nto harbor point", sam()).await;
        let text = asked.lines.join("\n");
        assert!(text.contains("I can't draft the Notice of Right to Lien"), "{}: {text}", db.name);
        for command in [
            "/ar job \"harbor point apartments\" set owner_address <street, city, state zip>",
            "/ar job \"harbor point apartments\" set property <street, city, state zip>",
            "/ar job \"harbor point apartments\" set work <what we furnish>",
        ] {
            assert!(text.contains(command), "{command}: {text}");
        }
        assert!(asked.attachments.is_empty() && app.store.notice_drafts(harbor.job.id).await.unwrap().is_empty());
        for line in [
            "/ar job harbor point set owner_address 3900 S Las Vegas Blvd, Las Vegas, NV 89119",
            "/ar job harbor point set gc_address 2200 Paseo Verde Pkwy, Henderson, NV 89052",
            "/ar job harbor point set property 6100 W Charleston Blvd, Las Vegas, NV 89146",
            "/ar job harbor point set work fire sprinkler piping and heads, labor and materials",
        ] {
            set(&app, line).await;
        }
        let reply = run_line(&app, "/ar nto harbor point", sam()).await;
        let text = reply.lines.join("\n");
        assert_eq!(
            reply.title.as_deref(),
            Some("Notice of right to lien: Harbor Point Apartments (Nevada), notice 1"),
            "{}: {text}",
            db.name
        );
        assert!(!text.contains("generic"), "{text}");
        assert!(text.contains("in the NRS 108.245 form: to "), "{text}");
        assert!(text.contains("Due Mon Dec 21, 2026"), "first furnished Nov 20 + 31 days: {text}");
        assert!(text.contains("(prime contractor, for information only)"), "{text}");
        assert_eq!(reply.attachments[0].name, "Harbor-Point-Apartments-notice-of-right-to-lien-2026-11-23.pdf");
        let body = pdf_text(&reply.attachments[0].content);
        for needle in [
            "NOTICE OF RIGHT TO LIEN",
            "The undersigned notifies you that he or she has supplied materials or equipment or performed work or \
services as follows:",
            "fire sprinkler piping and heads, labor and materials",
            "for improvement of property identified as 6100 W Charleston Blvd, Las Vegas, NV 89146",
            &squash(NV_STATEMENT),
            "3900 S Las Vegas Blvd",
            "Claimant: Suncoast Mechanical",
        ] {
            assert!(body.contains(needle), "{}: {needle} in {body}", db.name);
        }
        let kept = app.store.notice_drafts(harbor.job.id).await.unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(
            (kept[0].rule.as_str(), kept[0].form),
            ("NV.private.notice_of_right_to_lien", Form::NevadaRightToLien)
        );
    }
}
