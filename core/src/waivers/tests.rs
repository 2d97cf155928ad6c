use std::collections::HashMap;

use chrono::NaiveDate;

use super::*;
use crate::liens::JobParties;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn usd(minor: i64) -> Money {
    Money::usd(minor)
}

fn waiver(id: i64, status: Status, amount: i64, from: &str) -> Waiver {
    Waiver {
        id,
        job_id: 4,
        customer_id: 2,
        pay_app: format!("Pay app {id}"),
        invoice_id: None,
        stage: Stage::Progress,
        status,
        amount: usd(amount),
        paid: usd(0),
        through: Some(day("2026-10-31")),
        requested_on: Some(day(from)),
        conditional_on: None,
        paid_on: None,
        unconditional_on: None,
        created_by: "sam".to_string(),
    }
}

fn app(payment: i64, invoice: i64, received: &str, amount: i64) -> JobApplication {
    JobApplication {
        payment_id: payment,
        invoice_id: invoice,
        received: day(received),
        amount: usd(amount),
        reference: Some(format!("CHK {payment}")),
    }
}

#[test]
fn the_waiver_moves_from_requested_to_conditional_to_paid_to_unconditional() {
    use Status::*;
    let mut s = next(None, Step::Request).unwrap();
    assert_eq!(s, Requested);
    s = next(Some(s), Step::Conditional).unwrap();
    assert_eq!(s, ConditionalSent);
    // Part of the payment keeps the conditional out; all of it makes the unconditional owed.
    assert_eq!(next(Some(s), Step::Received { fully: false }), Ok(ConditionalSent));
    s = next(Some(s), Step::Received { fully: true }).unwrap();
    assert_eq!(s, Paid);
    s = next(Some(s), Step::Unconditional).unwrap();
    assert_eq!(s, UnconditionalSent);
    // Drafting the unconditional again is another draft, not a new state.
    assert_eq!(next(Some(s), Step::Unconditional), Ok(UnconditionalSent));
}

#[test]
fn an_unconditional_waiver_is_refused_before_the_payment_is_in() {
    for current in [None, Some(Status::Requested), Some(Status::ConditionalSent)] {
        assert_eq!(next(current, Step::Unconditional), Err(Refusal::NotPaid), "{current:?}");
    }
}

#[test]
fn steps_out_of_order_are_refused_with_where_it_stands() {
    use Status::*;
    assert_eq!(next(Some(ConditionalSent), Step::Request), Err(Refusal::AlreadyRecorded { status: ConditionalSent }));
    assert_eq!(next(Some(Paid), Step::Conditional), Err(Refusal::AlreadyPaid));
    assert_eq!(next(Some(Paid), Step::Received { fully: true }), Err(Refusal::AlreadyPaid));
    assert_eq!(next(Some(UnconditionalSent), Step::Conditional), Err(Refusal::AlreadyGiven));
    assert_eq!(next(Some(UnconditionalSent), Step::Received { fully: true }), Err(Refusal::AlreadyGiven));
    // A conditional may be given with nothing asked for, and redrafted while it is out.
    assert_eq!(next(None, Step::Conditional), Ok(ConditionalSent));
    assert_eq!(next(Some(ConditionalSent), Step::Conditional), Ok(ConditionalSent));
    // A payment recorded with nothing asked for makes the unconditional owed at once.
    assert_eq!(next(None, Step::Received { fully: true }), Ok(Paid));
    assert_eq!(next(Some(Requested), Step::Received { fully: false }), Ok(Requested));
}

#[test]
fn words_round_trip() {
    for s in Status::ALL {
        assert_eq!(Status::parse(s.word()), Some(s));
    }
    assert_eq!(Stage::parse("final"), Some(Stage::Final));
    assert_eq!(WaiverKind::parse("conditional"), Some(WaiverKind::Conditional));
    assert_eq!(Status::parse("settled"), None);
}

#[test]
fn payments_go_to_the_oldest_waiver_first_and_only_from_the_day_it_was_recorded() {
    let first = waiver(1, Status::ConditionalSent, 1_000_000, "2026-11-05");
    let second = waiver(2, Status::Requested, 500_000, "2026-11-20");
    let done = waiver(3, Status::Paid, 100_000, "2026-11-01");
    let apps = [
        // Before either waiver: counts toward neither.
        app(10, 100, "2026-11-01", 700_000),
        // Covers the first, and $2,000 of it is left for the second, which it came after.
        app(11, 100, "2026-11-25", 1_200_000),
    ];
    let got = allocate(&[second.clone(), first.clone(), done], &apps, &HashMap::new());
    let summary: Vec<(i64, Option<i64>, i64)> =
        got.iter().map(|a| (a.waiver_id, a.payment_id, a.amount.minor)).collect();
    assert_eq!(summary, vec![(1, Some(11), 1_000_000), (2, Some(11), 200_000)]);
    assert_eq!(got[0].reference.as_deref(), Some("CHK 11"));

    // What an earlier match already took is not counted again.
    let used = HashMap::from([((11, 100), 1_000_000)]);
    let mut paid_first = first;
    paid_first.status = Status::Paid;
    let again = allocate(&[paid_first, second], &apps, &used);
    assert_eq!(again.iter().map(|a| a.amount.minor).collect::<Vec<_>>(), vec![200_000]);
}

#[test]
fn a_waiver_that_names_its_invoice_is_paid_only_by_that_invoice() {
    let mut w = waiver(1, Status::ConditionalSent, 300_000, "2026-11-05");
    w.invoice_id = Some(200);
    let apps = [app(20, 100, "2026-11-10", 300_000), app(21, 200, "2026-11-12", 100_000)];
    let got = allocate(std::slice::from_ref(&w), &apps, &HashMap::new());
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].payment_id, got[0].invoice_id, got[0].amount.minor), (Some(21), Some(200), 100_000));
    // Another currency never pays it.
    let cad = JobApplication {
        amount: Money::new(500_000, crate::money::Currency::parse("CAD").unwrap()),
        ..app(22, 200, "2026-11-12", 0)
    };
    assert!(allocate(std::slice::from_ref(&w), &[cad], &HashMap::new()).is_empty());
}

#[test]
fn a_conditional_waiver_is_late_after_its_invoice_is_due_or_thirty_days_out() {
    let mut w = waiver(1, Status::ConditionalSent, 300_000, "2026-11-05");
    w.conditional_on = Some(day("2026-11-05"));
    assert_eq!(pay_by(&w, None), Some(day("2026-12-05")));
    assert!(!is_late(&w, None, day("2026-12-05")));
    assert!(is_late(&w, None, day("2026-12-06")));
    assert_eq!(pay_by(&w, Some(day("2026-11-20"))), Some(day("2026-11-20")));
    assert!(is_late(&w, Some(day("2026-11-20")), day("2026-11-21")));
    // Paid in full, or never given, it is not late.
    w.paid = usd(300_000);
    assert!(!is_late(&w, None, day("2027-01-01")));
    let asked = waiver(2, Status::Requested, 300_000, "2026-10-01");
    assert!(!is_late(&asked, None, day("2027-01-01")));
}

#[test]
fn the_statutory_states_have_their_forms_and_the_others_a_generic_one_that_says_so() {
    let ca = form_for("CA", Stage::Progress, WaiverKind::Conditional);
    assert_eq!((ca.word, ca.citation, ca.statutory), ("ca_8132", "Cal. Civ. Code § 8132", true));
    assert_eq!(form_for("CA", Stage::Final, WaiverKind::Unconditional).citation, "Cal. Civ. Code § 8138");
    assert_eq!(form_for("TX", Stage::Final, WaiverKind::Conditional).citation, "Tex. Prop. Code § 53.284(d)");
    assert_eq!(form_for("FL", Stage::Progress, WaiverKind::Unconditional).citation, "Fla. Stat. § 713.20(4)");
    let fl = form_for("FL", Stage::Progress, WaiverKind::Conditional);
    assert!(!fl.statutory && fl.source.contains("Florida prescribes no conditional waiver"), "{fl:?}");
    let ga = form_for("GA", Stage::Progress, WaiverKind::Conditional);
    assert_eq!(ga.word, "generic");
    assert!(prescribed_text("GA").unwrap().contains("O.C.G.A. § 44-14-366"));
    assert!(prescribed_text("MO").unwrap().contains("could not confirm"));
    assert_eq!(prescribed_text("OH"), None);
}

fn claimant() -> Claimant {
    Claimant {
        name: "Suncoast Mechanical".to_string(),
        address: vec!["4810 N Lois Ave".to_string(), "Tampa, FL 33614".to_string()],
        phone: None,
        email: None,
        signer: Some("Sam Ortiz, AR manager".to_string()),
    }
}

fn parties(pairs: &[(&str, &str)]) -> JobParties {
    JobParties {
        owner: pairs.iter().find(|(k, _)| *k == "owner").map(|(_, v)| v.to_string()),
        property: pairs.iter().find(|(k, _)| *k == "property").map(|(_, v)| v.to_string()),
        legal_description: pairs.iter().find(|(k, _)| *k == "legal_description").map(|(_, v)| v.to_string()),
        ..JobParties::default()
    }
}

fn input<'a>(
    w: &'a Waiver,
    kind: WaiverKind,
    state: &'a str,
    parties: &'a JobParties,
    claimant: &'a Claimant,
) -> WaiverInput<'a> {
    WaiverInput {
        waiver: w,
        kind,
        state,
        parties,
        job_name: "Midtown Sacramento Mixed-Use",
        customer: "Capitol Builders Inc",
        claimant,
        amount: w.amount,
        earlier_unpaid: Vec::new(),
        today: day("2026-12-03"),
    }
}

fn all_text(d: &WaiverDraft) -> String {
    let mut out = d.notice.clone().unwrap_or_default();
    for b in &d.blocks {
        out.push(' ');
        match b {
            Block::Field { label, value } => out.push_str(&format!("{label} {value}")),
            Block::Warning(t) | Block::Heading(t) | Block::Text(t) | Block::Bold(t) | Block::Bullet(t) => {
                out.push_str(t)
            }
        }
    }
    out
}

#[test]
fn a_california_conditional_progress_waiver_is_filled_in_the_statutes_words() {
    let w = waiver(1, Status::ConditionalSent, 1_825_075, "2026-11-05");
    let p = parties(&[("owner", "Midtown 19th Street LLC"), ("property", "1901 K St, Sacramento, CA 95811")]);
    let c = claimant();
    let d = draft(&input(&w, WaiverKind::Conditional, "CA", &p, &c)).unwrap();
    assert_eq!(d.form.word, "ca_8132");
    assert_eq!(d.notice.as_deref(), Some(CA_CONDITIONAL_NOTICE));
    let text = all_text(&d);
    for needle in [
        "Name of Claimant: Suncoast Mechanical",
        "Name of Customer: Capitol Builders Inc",
        "Job Location: 1901 K St, Sacramento, CA 95811",
        "Owner: Midtown 19th Street LLC",
        "Through Date: October 31, 2026",
        "Maker of Check: Capitol Builders Inc",
        "Amount of Check: $18,250.75",
        "effective only on the claimant’s receipt of payment",
        "(4) Contract rights",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    let mut with_earlier = input(&w, WaiverKind::Conditional, "CA", &p, &c);
    with_earlier.earlier_unpaid = vec![(day("2026-10-05"), usd(950_000))];
    let earlier = all_text(&draft(&with_earlier).unwrap());
    assert!(earlier.contains("Date(s) of waiver and release: October 5, 2026"), "{earlier}");
    assert!(earlier.contains("Amount(s) of unpaid progress payment(s): $9,500.00"), "{earlier}");
    assert!(text.contains("Date(s) of waiver and release: none"), "{text}");
    // The unconditional one states the payment received, under the stronger notice.
    let u = draft(&input(&w, WaiverKind::Unconditional, "CA", &p, &c)).unwrap();
    assert_eq!(u.notice.as_deref(), Some(CA_UNCONDITIONAL_NOTICE));
    assert!(all_text(&u).contains("The claimant has received the following progress payment: Amount: $18,250.75"));
    assert!(!all_text(&u).contains("(4) Contract rights"), "§ 8134 has three exceptions");
}

#[test]
fn missing_facts_are_asked_for_and_nothing_is_drafted() {
    let mut w = waiver(1, Status::ConditionalSent, 100_000, "2026-11-05");
    w.through = None;
    let p = parties(&[("owner", "Midtown 19th Street LLC")]);
    let c = Claimant { address: Vec::new(), ..claimant() };
    let missing = draft(&input(&w, WaiverKind::Conditional, "CA", &p, &c)).unwrap_err();
    let names: Vec<&str> = missing
        .iter()
        .map(|m| match m {
            Missing::Fact { fact, .. } => *fact,
            Missing::Setting { key, .. } => *key,
        })
        .collect();
    assert_eq!(names, vec!["[business] address", "property", "through"]);
    // Texas's progress form refers to the pay application, not a through date.
    let c = claimant();
    let p = parties(&[("owner", "Westchase Tower Owner LP"), ("property", "2800 Post Oak Blvd, Houston, TX 77056")]);
    assert!(draft(&input(&w, WaiverKind::Conditional, "TX", &p, &c)).is_ok());
}

#[test]
fn texas_and_florida_forms_carry_their_statutory_text() {
    let w = waiver(1, Status::Paid, 5_290_000, "2026-11-05");
    let tx_parties =
        parties(&[("owner", "Westchase Tower Owner LP"), ("property", "2800 Post Oak Blvd, Houston, TX 77056")]);
    let c = claimant();
    let tx = draft(&input(&w, WaiverKind::Unconditional, "TX", &tx_parties, &c)).unwrap();
    assert_eq!(tx.notice.as_deref(), Some(TX_UNCONDITIONAL_NOTICE));
    assert!(tx.notary);
    assert!(all_text(&tx).contains("has received a progress payment in the sum of $52,900.00"), "{}", all_text(&tx));
    assert!(tx.source.contains("H.B. 2237"), "the unconfirmed amendment is named");

    let fl_parties = parties(&[
        ("owner", "Marina Tower Partners LLC"),
        ("property", "3300 W Marina Way, Tampa, FL 33609"),
        ("legal_description", "Lot 7, Block 3, Westshore Marina"),
    ]);
    let fl = draft(&input(&w, WaiverKind::Unconditional, "FL", &fl_parties, &c)).unwrap();
    let text = all_text(&fl);
    assert!(text.contains("in consideration of the sum of $52,900.00, hereby waives and releases its lien"), "{text}");
    assert!(text.contains("Lot 7, Block 3, Westshore Marina"), "the legal description, where known: {text}");
    assert!(text.contains(FL_PROGRESS_TAIL));
    assert!(!text.contains("conditioned on"));
    let conditional = draft(&input(&w, WaiverKind::Conditional, "FL", &fl_parties, &c)).unwrap();
    assert!(all_text(&conditional).contains("conditioned on the lienor's receipt of the payment of $52,900.00"));
}

#[test]
fn a_prescribed_state_gets_a_generic_waiver_with_the_warning() {
    let w = waiver(1, Status::ConditionalSent, 900_000, "2026-11-05");
    let p = parties(&[("owner", "Peachtree Owner LLC"), ("property", "10 Peachtree St, Atlanta, GA 30303")]);
    let c = claimant();
    let d = draft(&input(&w, WaiverKind::Conditional, "GA", &p, &c)).unwrap();
    assert_eq!(d.form.word, "generic");
    assert!(d.advice.iter().any(|a| a.contains("Georgia prescribes its own waiver forms")), "{:?}", d.advice);
    assert!(all_text(&d).contains("This waiver and release is conditional."));
    let oh = draft(&input(&w, WaiverKind::Conditional, "OH", &p, &c)).unwrap();
    assert!(oh.advice.is_empty(), "no statutory form to point to in Ohio");
    assert!(d.source.starts_with("Georgia prescribes") && !oh.source.contains("prescribes"), "on the page too");
}
