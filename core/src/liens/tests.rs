//! Worked examples. Every expected date was counted by hand from the statute as summarised in
//! /work/shared/reference/liens.md, or for the states that reference does not cover from the
//! statute text the state's rules file cites in `sources` (trigger day excluded, last day
//! included), then moved off weekends and holidays as the state's rule says; the arithmetic is
//! written next to each case.

use super::*;
use crate::ledger::{OurRole, ProjectType};

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A job in `state` with facts set by name, the way the chat command will set them.
fn job(state: &str, project: &str, role: &str, facts: &[(&str, &str)]) -> JobFacts {
    let mut job = JobFacts::new(state, ProjectType::Private, OurRole::Sub);
    job.set("project", project).unwrap();
    job.set("role", role).unwrap();
    for (name, value) in facts {
        job.set(name, value).unwrap();
    }
    job
}

fn all(job: &JobFacts) -> Vec<Deadline> {
    deadlines(job, &[]).unwrap()
}

/// The single deadline the rule produced.
fn one(job: &JobFacts, rule: &str) -> Deadline {
    let found: Vec<Deadline> = all(job).into_iter().filter(|d| d.rule == rule).collect();
    assert_eq!(found.len(), 1, "{rule}: {found:#?}");
    found.into_iter().next().unwrap()
}

fn rules_of(list: &[Deadline]) -> Vec<&str> {
    list.iter().map(|d| d.rule.as_str()).collect()
}

fn has_note(deadline: &Deadline, text: &str) -> bool {
    deadline.notes.iter().any(|n| n.contains(text))
}

// ------------------------------------------------------------------------------- the rule files

#[test]
fn every_state_file_loads_and_validates() {
    for file in &STATE_FILES {
        let rules = StateRules::load(file.code, file.name, file.text).unwrap();
        let mut ids: Vec<&str> = rules.rules.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), rules.rules.len(), "{}: duplicate ids", file.code);
        for rule in &rules.rules {
            assert!(rule.citation.len() > 5, "{}: no citation", rule.id);
            assert!(["high", "medium", "low"].contains(&rule.confidence.as_str()), "{}", rule.id);
            assert!(!rule.consequence_text.is_empty(), "{}", rule.id);
        }
    }
}

#[test]
fn rule_counts_per_state() {
    let counts: Vec<(&str, usize)> =
        STATE_FILES.iter().map(|f| (f.code, StateRules::load(f.code, f.name, f.text).unwrap().rules.len())).collect();
    assert_eq!(
        counts,
        [
            ("AK", 2),
            ("AL", 5),
            ("AR", 5),
            ("AZ", 3),
            ("CA", 8),
            ("CO", 4),
            ("CT", 4),
            ("DC", 4),
            ("DE", 2),
            ("FL", 13),
            ("GA", 5),
            ("HI", 2),
            ("IA", 5),
            ("ID", 3),
            ("IL", 4),
            ("IN", 4),
            ("KS", 4),
            ("KY", 4),
            ("LA", 4),
            ("MA", 4),
            ("MD", 3),
            ("ME", 3),
            ("MI", 4),
            ("MN", 4),
            ("MO", 3),
            ("MS", 5),
            ("MT", 4),
            ("NC", 3),
            ("ND", 4),
            ("NE", 3),
            ("NH", 2),
            ("NJ", 5),
            ("NM", 5),
            ("NV", 5),
            ("NY", 5),
            ("OH", 5),
            ("OK", 4),
            ("OR", 4),
            ("PA", 5),
            ("RI", 3),
            ("SC", 2),
            ("SD", 2),
            ("TN", 6),
            ("TX", 14),
            ("UT", 3),
            ("VA", 3),
            ("VT", 3),
            ("WA", 5),
            ("WI", 5),
            ("WV", 3),
            ("WY", 5)
        ]
    );
}

const MINIMAL_RULE: &str = r#"
schema_version = 1
state = "FL"
name = "Florida"
checked = "2026-12-02"
sources = ["Fla. Stat. ch. 713"]
[calendar]
weekend = ["sat", "sun"]
holidays = ["new_years_day"]
observed = "none"
holiday_citation = "x"
[[calendar.rollover]]
direction = "next_business_day"
citation = "x"
[[rule]]
id = "FL.test.rule"
kind = "claim_of_lien"
document = "Claim"
projects = ["private"]
roles = ["sub"]
due = { after = "last_furnished", days = 90 }
consequence = "right_lost"
consequence_text = "Lost."
citation = "Fla. Stat. § 713.08(5)"
confidence = "high"
"#;

#[test]
fn a_minimal_rules_file_loads() {
    StateRules::load("FL", "Florida", MINIMAL_RULE).unwrap();
}

#[test]
fn unknown_fields_in_a_rules_file_are_rejected() {
    let misspelt_rule_key =
        MINIMAL_RULE.replace("confidence = \"high\"", "confidence = \"high\"\nconfidance = \"low\"");
    assert!(StateRules::load("FL", "Florida", &misspelt_rule_key).unwrap_err().contains("unknown field"));
    let misspelt_date_key = MINIMAL_RULE.replace("days = 90 }", "dayz = 90 }");
    assert!(StateRules::load("FL", "Florida", &misspelt_date_key).unwrap_err().contains("unknown field"));
    let unknown_kind = MINIMAL_RULE.replace("\"claim_of_lien\"", "\"claim_of_lein\"");
    assert!(StateRules::load("FL", "Florida", &unknown_kind).is_err());
    let unknown_role = MINIMAL_RULE.replace("[\"sub\"]", "[\"subcontractor\"]");
    assert!(StateRules::load("FL", "Florida", &unknown_role).unwrap_err().contains("unknown role"));
}

#[test]
fn a_rule_without_citation_or_confidence_is_rejected() {
    let no_citation = MINIMAL_RULE.replace("citation = \"Fla. Stat. § 713.08(5)\"", "citation = \" \"");
    assert!(StateRules::load("FL", "Florida", &no_citation).unwrap_err().contains("citation is empty"));
    let no_confidence = MINIMAL_RULE.replace("confidence = \"high\"\n", "");
    assert!(StateRules::load("FL", "Florida", &no_confidence).unwrap_err().contains("confidence"));
}

#[test]
fn malformed_date_expressions_and_references_are_rejected() {
    let two_offsets = MINIMAL_RULE.replace("days = 90 }", "days = 90, months = 1 }");
    assert!(StateRules::load("FL", "Florida", &two_offsets).unwrap_err().contains("exactly one offset"));
    let backward_months =
        MINIMAL_RULE.replace("after = \"last_furnished\", days = 90", "before = \"suit_planned\", months = 1");
    assert!(StateRules::load("FL", "Florida", &backward_months).unwrap_err().contains("`days` only"));
    let dangling =
        MINIMAL_RULE.replace("after = \"last_furnished\", days = 90", "after_rules = [\"FL.nope\"], years = 1");
    assert!(StateRules::load("FL", "Florida", &dangling).unwrap_err().contains("FL.nope"));
    let duplicated = format!("{MINIMAL_RULE}\n{}", &MINIMAL_RULE[MINIMAL_RULE.find("[[rule]]").unwrap()..]);
    assert!(StateRules::load("FL", "Florida", &duplicated).unwrap_err().contains("used twice"));
    let month_end = MINIMAL_RULE.replace("days = 90 }", "days_after_month_end = 90 }");
    assert!(StateRules::load("FL", "Florida", &month_end).is_ok());
    let stand_in_itself = MINIMAL_RULE.replace("days = 90 }", "days = 90, if_unknown = \"last_furnished\" }");
    assert!(StateRules::load("FL", "Florida", &stand_in_itself).unwrap_err().contains("if_unknown"));
    let stand_in_backward = MINIMAL_RULE.replace(
        "after = \"last_furnished\", days = 90",
        "before = \"suit_planned\", days = 5, if_unknown = \"completed\"",
    );
    assert!(StateRules::load("FL", "Florida", &stand_in_backward).unwrap_err().contains("if_unknown"));
    let stand_in = MINIMAL_RULE.replace("days = 90 }", "days = 90, if_unknown = \"first_furnished\" }");
    assert!(StateRules::load("FL", "Florida", &stand_in).is_ok());
}

// ---------------------------------------------------------------------------------- job facts

#[test]
fn set_reads_facts_the_way_people_type_them() {
    let mut facts = JobFacts::new("florida", ProjectType::Public, OurRole::Gc);
    assert_eq!(facts.state, "FL");
    facts.set("role", "sub-sub").unwrap();
    facts.set("project", "Residential").unwrap();
    facts.set("bonded", "yes").unwrap();
    facts.set("first_furnished", "2026-10-09").unwrap();
    facts.set("last furnished", "11/30/2026").unwrap();
    facts.set("furnished_month", "2026-11").unwrap();
    facts.set("furnished_month", "2026-03").unwrap();
    facts.set("furnished_month", "2026-11").unwrap();
    facts.set("state", "tx").unwrap();
    assert_eq!(facts.role, OurRole::SubSub);
    assert_eq!(facts.project, ProjectType::Residential);
    assert!(facts.bonded);
    assert_eq!(facts.first_furnished, Some(ymd(2026, 10, 9)));
    assert_eq!(facts.last_furnished, Some(ymd(2026, 11, 30)));
    assert_eq!(facts.furnished_months, vec![(2026, 3), (2026, 11)]);
    assert_eq!(facts.state, "TX");
    facts.set("first_furnished", "none").unwrap();
    facts.set("furnished_month", "none").unwrap();
    assert_eq!(facts.first_furnished, None);
    assert!(facts.furnished_months.is_empty());
}

#[test]
fn set_explains_bad_input() {
    let mut facts = JobFacts::new("FL", ProjectType::Private, OurRole::Sub);
    let bad_name = facts.set("first_furnishing", "2026-10-09").unwrap_err().to_string();
    assert!(
        bad_name.contains("first_furnishing") && bad_name.contains("first_furnished, last_furnished"),
        "{bad_name}"
    );
    let bad_date = facts.set("lien_recorded", "2027-02-29").unwrap_err().to_string();
    assert_eq!(
        bad_date,
        "I couldn't read '2027-02-29' as a date for lien_recorded. Write dates as YYYY-MM-DD, for example 2026-10-09."
    );
    let bad_month = facts.set("furnished_month", "March").unwrap_err().to_string();
    assert!(bad_month.contains("YYYY-MM"), "{bad_month}");
    let bad_role = facts.set("role", "painter").unwrap_err().to_string();
    assert_eq!(bad_role, "'painter' isn't a valid role. Use one of: gc, sub, sub_sub, supplier, laborer, unknown.");
    let bad_state = facts.set("state", "Ontario").unwrap_err().to_string();
    assert!(bad_state.contains("Ontario") && bad_state.contains("FL (Florida)"), "{bad_state}");
}

#[test]
fn an_unknown_state_lists_the_supported_ones() {
    let facts = JobFacts::new("ZZ", ProjectType::Private, OurRole::Sub);
    let err = deadlines(&facts, &[]).unwrap_err().to_string();
    assert_eq!(
        err,
        "I don't have lien rules for 'ZZ'. Supported states: AK (Alaska), AL (Alabama), AR (Arkansas), AZ \
         (Arizona), CA (California), CO (Colorado), CT (Connecticut), DC (District of Columbia), DE \
         (Delaware), FL (Florida), GA (Georgia), HI (Hawaii), IA (Iowa), ID (Idaho), IL (Illinois), IN \
         (Indiana), KS (Kansas), KY (Kentucky), LA (Louisiana), MA (Massachusetts), MD (Maryland), ME \
         (Maine), MI (Michigan), MN (Minnesota), MO (Missouri), MS (Mississippi), MT (Montana), NC (North \
         Carolina), ND (North Dakota), NE (Nebraska), NH (New Hampshire), NJ (New Jersey), NM (New \
         Mexico), NV (Nevada), NY (New York), OH (Ohio), OK (Oklahoma), OR (Oregon), PA (Pennsylvania), \
         RI (Rhode Island), SC (South Carolina), SD (South Dakota), TN (Tennessee), TX (Texas), UT \
         (Utah), VA (Virginia), VT (Vermont), WA (Washington), WI (Wisconsin), WV (West Virginia), WY \
         (Wyoming)."
    );
    assert_eq!(missing_facts(&facts), vec!["state"]);
    assert_eq!(
        supported_states(),
        [
            "AK", "AL", "AR", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "GA", "HI", "IA", "ID", "IL", "IN", "KS", "KY",
            "LA", "MA", "MD", "ME", "MI", "MN", "MO", "MS", "MT", "NC", "ND", "NE", "NH", "NJ", "NM", "NV", "NY", "OH",
            "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VA", "VT", "WA", "WI", "WV", "WY"
        ]
    );
}

#[test]
fn public_jobs_in_states_without_public_rules_are_not_covered() {
    let facts = job("NY", "public", "sub", &[("last_furnished", "2026-03-03")]);
    let err = deadlines(&facts, &[]).unwrap_err().to_string();
    assert_eq!(
        err,
        "The New York rules cover private and residential jobs, not public jobs; check public deadlines with counsel."
    );
}

#[test]
fn missing_facts_name_what_would_unlock_more_deadlines() {
    let facts = job("FL", "private", "sub", &[]);
    assert!(all(&facts).is_empty());
    assert_eq!(missing_facts(&facts), ["first_furnished", "last_furnished", "noc_recorded", "lien_recorded"]);
    let facts = job("FL", "private", "sub", &[("first_furnished", "2026-10-09"), ("last_furnished", "2027-01-20")]);
    assert_eq!(missing_facts(&facts), ["noc_recorded", "lien_recorded"]);
}

#[test]
fn deadlines_are_sorted_by_due_date_and_each_carries_the_disclaimer() {
    let facts = job(
        "FL",
        "private",
        "sub",
        &[
            ("first_furnished", "2026-10-09"),
            ("last_furnished", "2027-01-20"),
            ("noc_recorded", "2026-09-01"),
            ("lien_recorded", "2027-03-01"),
        ],
    );
    // NTO Oct 9 + 45 = Nov 23; service Mar 1 + 15 = Mar 16; lien Jan 20 + 90 = Apr 20; the NOC
    // expires Sep 1, 2027; suit Mar 1, 2028. No NOC-void warning: we began work within 90 days.
    let list = all(&facts);
    assert_eq!(
        list.iter().map(|d| (d.rule.as_str(), d.due)).collect::<Vec<_>>(),
        [
            ("FL.private.nto", ymd(2026, 11, 23)),
            ("FL.private.lien_service", ymd(2027, 3, 16)),
            ("FL.private.claim_of_lien", ymd(2027, 4, 20)),
            ("FL.private.noc_expires", ymd(2027, 9, 1)),
            ("FL.private.lien_enforcement", ymd(2028, 3, 1)),
        ]
    );
    assert!(list.iter().all(|d| d.disclaimer == DISCLAIMER));
    assert_eq!(DISCLAIMER, "Dates are estimates from the job's facts, not legal advice; confirm with counsel.");
    let json = serde_json::to_value(&list[0]).unwrap();
    assert!(json.get("raw_due").is_some() && json.get("disclaimer").is_some());
}

// -------------------------------------------------------------------------------------- Florida

#[test]
fn fl_nto_ux_example_due_in_45_days_with_the_40_day_mailing_safe_harbour() {
    // Oct 9 + 22 days = Oct 31, + 23 = Nov 23 (day 45), a Monday. Day 40 = Nov 18.
    let facts = job("FL", "private", "sub", &[("first_furnished", "2026-10-09")]);
    let nto = one(&facts, "FL.private.nto");
    assert_eq!(nto.kind, "notice_to_owner");
    assert_eq!(nto.due, ymd(2026, 11, 23));
    assert_eq!(nto.raw_due, ymd(2026, 11, 23));
    assert_eq!(nto.citation, "Fla. Stat. § 713.06(2)(a)");
    assert_eq!((nto.consequence.as_str(), nto.confidence.as_str()), ("right_lost", "high"));
    assert!(has_note(&nto, "by Wed 2026-11-18 (40 days)"), "{:#?}", nto.notes);
    assert!(has_note(&nto, "§ 713.18 safe harbour"));
}

#[test]
fn fl_nto_landing_on_a_sunday_rolls_to_monday() {
    // Oct 8 + 23 = Oct 31, + 22 = Nov 22 (day 45), a Sunday -> Monday Nov 23 (§ 713.011).
    let nto = one(&job("FL", "private", "sub", &[("first_furnished", "2026-10-08")]), "FL.private.nto");
    assert_eq!(nto.raw_due, ymd(2026, 11, 22));
    assert_eq!(nto.due, ymd(2026, 11, 23));
    assert!(has_note(
        &nto,
        "Sun 2026-11-22 is a Sunday; moved to the next business day, Mon 2026-11-23 (Fla. Stat. § 713.011)"
    ));
}

#[test]
fn fl_nto_on_the_friday_after_thanksgiving_rolls_to_monday() {
    // Oct 13 + 18 = Oct 31, + 27 = Nov 27 (day 45): the Friday after Thanksgiving 2026, a Florida
    // § 110.117 holiday -> Monday Nov 30. Day 40 is Sunday Nov 22: mail by Friday Nov 20.
    let nto = one(&job("FL", "private", "sub_sub", &[("first_furnished", "2026-10-13")]), "FL.private.nto");
    assert_eq!(nto.raw_due, ymd(2026, 11, 27));
    assert_eq!(nto.due, ymd(2026, 11, 30));
    assert!(has_note(&nto, "is the Friday after Thanksgiving"));
    assert!(has_note(&nto, "Sun 2026-11-22 is a Sunday; mail by Fri 2026-11-20 to be safe."));
    assert!(has_note(&nto, "copy to the contractor"));
}

#[test]
fn fl_nto_on_independence_day_observed_on_friday_rolls_to_monday() {
    // May 19 + 12 = May 31, + 30 = Jun 30, + 3 = Jul 3 (day 45). July 4, 2026 is a Saturday, so
    // Florida observes Friday Jul 3 (§ 110.117(1)(j)) -> Monday Jul 6.
    let nto = one(&job("FL", "private", "supplier", &[("first_furnished", "2026-05-19")]), "FL.private.nto");
    assert_eq!((nto.raw_due, nto.due), (ymd(2026, 7, 3), ymd(2026, 7, 6)));
    assert!(has_note(&nto, "Independence Day (observed)"));
}

#[test]
fn fl_nto_is_cut_short_by_the_owners_final_payment() {
    // Earlier of day 45 (Nov 23) and the day before the owner's final payment (Nov 10 -> Nov 9).
    let facts =
        job("FL", "private", "sub", &[("first_furnished", "2026-10-09"), ("owner_final_payment", "2026-11-10")]);
    let nto = one(&facts, "FL.private.nto");
    assert_eq!((nto.raw_due, nto.due), (ymd(2026, 11, 9), ymd(2026, 11, 9)));
    assert!(has_note(
        &nto,
        "Earlier of: 45 days after first furnishing (Mon 2026-11-23); 1 day before the owner's final payment (Mon 2026-11-09)."
    ));
    assert!(!has_note(&nto, "safe harbour"), "no 40-day mailing date after the cut-off");
}

#[test]
fn fl_nto_final_payment_cut_off_on_a_sunday_never_rolls() {
    // Final payment Monday Nov 16 -> serve by Sunday Nov 15; counted back from an event, it stays.
    let facts =
        job("FL", "private", "sub", &[("first_furnished", "2026-10-09"), ("owner_final_payment", "2026-11-16")]);
    let nto = one(&facts, "FL.private.nto");
    assert_eq!((nto.raw_due, nto.due), (ymd(2026, 11, 15), ymd(2026, 11, 15)));
    assert!(has_note(&nto, "never moves"));
}

#[test]
fn fl_gc_and_laborer_owe_no_notice_to_owner() {
    for role in ["gc", "laborer"] {
        let list =
            all(&job("FL", "private", role, &[("first_furnished", "2026-10-09"), ("last_furnished", "2026-12-01")]));
        assert_eq!(rules_of(&list), ["FL.private.claim_of_lien"], "{role}");
    }
}

#[test]
fn fl_claim_of_lien_across_year_end_rolls_past_a_weekend_but_not_presidents_day() {
    // Nov 15 + 15 = Nov 30, + 31 = Dec 31 (46), + 31 = Jan 31 (77), + 13 = Feb 13, 2027 (day 90),
    // a Saturday. Monday Feb 15 is Presidents' Day, which § 110.117 does not list: due Feb 15.
    let lien = one(&job("FL", "private", "sub", &[("last_furnished", "2026-11-15")]), "FL.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2027, 2, 13), ymd(2027, 2, 15)));
    assert_eq!(lien.citation, "Fla. Stat. § 713.08(5)");
}

#[test]
fn fl_lien_suit_one_year_from_february_29_is_february_28() {
    // Recorded Feb 29, 2028: the anniversary in 2029 is Feb 28 (a Wednesday); service is due
    // Mar 15, 2028 (Feb 29 + 15).
    let facts = job("FL", "private", "sub", &[("lien_recorded", "2028-02-29")]);
    let suit = one(&facts, "FL.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2029, 2, 28), ymd(2029, 2, 28)));
    assert_eq!(one(&facts, "FL.private.lien_service").due, ymd(2028, 3, 15));
}

#[test]
fn fl_final_payment_affidavit_five_days_before_suit_as_in_varela() {
    // Varela v. Pagio: service May 5 before a suit filed May 10 was timely.
    let affidavit =
        one(&job("FL", "private", "gc", &[("suit_planned", "2022-05-10")]), "FL.private.final_payment_affidavit");
    assert_eq!((affidavit.raw_due, affidavit.due), (ymd(2022, 5, 5), ymd(2022, 5, 5)));
}

#[test]
fn fl_final_payment_affidavit_counted_back_onto_a_saturday_stays_there() {
    // Suit Thursday May 14, 2026 - 5 days = Saturday May 9: never moved in either direction.
    let affidavit =
        one(&job("FL", "private", "gc", &[("suit_planned", "2026-05-14")]), "FL.private.final_payment_affidavit");
    assert_eq!((affidavit.raw_due, affidavit.due), (ymd(2026, 5, 9), ymd(2026, 5, 9)));
    assert!(has_note(
        &affidavit,
        "Sat 2026-05-09 is a Saturday; a date counted back from the planned suit date never moves"
    ));
}

#[test]
fn fl_noc_void_and_expiry_are_status_dates_that_never_roll() {
    // Jan 5 + 26 = Jan 31, + 28 = Feb 28 (54), + 31 = Mar 31 (85), + 5 = Apr 5 (day 90), a Sunday.
    // We first furnished the day after, so work had not begun by then as far as we know.
    let facts = job("FL", "private", "sub", &[("noc_recorded", "2026-01-05"), ("first_furnished", "2026-04-06")]);
    let void = one(&facts, "FL.private.noc_void_if_no_work");
    assert_eq!((void.kind.as_str(), void.raw_due, void.due), ("noc_void_if_no_work", ymd(2026, 4, 5), ymd(2026, 4, 5)));
    assert!(has_note(&void, "does not move"));
    let expires = one(&facts, "FL.private.noc_expires");
    assert_eq!(
        (expires.kind.as_str(), expires.due, expires.consequence.as_str()),
        ("noc_expires", ymd(2027, 1, 5), "priority_only")
    );
}

#[test]
fn fl_noc_void_warning_is_dropped_once_work_has_begun_in_time() {
    // We first furnished Apr 5, the 90th day: the improvement began, so the NOC is not void.
    let facts = job("FL", "private", "sub", &[("noc_recorded", "2026-01-05"), ("first_furnished", "2026-04-05")]);
    assert!(all(&facts).iter().all(|d| d.rule != "FL.private.noc_void_if_no_work"));
}

#[test]
fn fl_rollover_before_october_2023_keeps_the_unadjusted_date() {
    // Jul 2 + 29 = Jul 31, + 31 = Aug 31 (60), + 30 = Sep 30 (day 90), a Saturday before
    // § 713.011 took effect: kept, with the Monday a roll would give.
    let lien = one(&job("FL", "private", "sub", &[("last_furnished", "2023-07-02")]), "FL.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2023, 9, 30), ymd(2023, 9, 30)));
    assert!(has_note(&lien, "whether it moves to Mon 2023-10-02 is unsettled"));
    assert!(has_note(&lien, "conservative: earlier of two readings"));
}

#[test]
fn fl_rollover_from_october_1_2023_follows_713_011() {
    // Jul 3 + 90 = Sunday Oct 1, 2023, the day § 713.011 took effect -> Monday Oct 2.
    let lien = one(&job("FL", "private", "sub", &[("last_furnished", "2023-07-03")]), "FL.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2023, 10, 1), ymd(2023, 10, 2)));
}

#[test]
fn fl_clerk_closures_move_the_deadline_and_warn_about_tolling() {
    // Aug 1 + 30 = Aug 31, + 30 = Sep 30, + 30 = Oct 30 (day 90), a Friday the clerk is closed for
    // a storm (also closed Wed Oct 28): rolls to Monday Nov 2, and says § 713.011 may toll.
    let facts = job("FL", "private", "sub", &[("last_furnished", "2026-08-01")]);
    let closures = [ymd(2026, 10, 28), ymd(2026, 10, 30)];
    let lien =
        deadlines(&facts, &closures).unwrap().into_iter().find(|d| d.rule == "FL.private.claim_of_lien").unwrap();
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 10, 30), ymd(2026, 11, 2)));
    assert!(has_note(&lien, "an office closure date"));
    assert!(has_note(&lien, "2 closure dates fall inside this period"));
    assert!(has_note(&lien, "tolls"));
}

#[test]
fn fl_bonded_private_job_uses_the_bond_notices_instead_of_a_lien() {
    // Day 45 = Nov 23 (as above). Mar 1 + 30 = Mar 31, + 30 = Apr 30, + 30 = May 30, 2027 (day 90),
    // a Sunday; Monday May 31 is Memorial Day -> Tuesday Jun 1. Bond suit: Mar 1, 2028.
    let facts = job(
        "FL",
        "private",
        "sub_sub",
        &[("bonded", "yes"), ("first_furnished", "2026-10-09"), ("last_furnished", "2027-03-01")],
    );
    let list = all(&facts);
    assert_eq!(
        rules_of(&list),
        ["FL.bonded.notice_to_contractor", "FL.private.nto", "FL.bonded.notice_of_nonpayment", "FL.bonded.bond_suit"]
    );
    let ntc = &list[0];
    assert_eq!(
        (ntc.kind.as_str(), ntc.due, ntc.citation.as_str()),
        ("notice_to_owner", ymd(2026, 11, 23), "Fla. Stat. § 713.23(1)(c)")
    );
    let nonpayment = &list[2];
    assert_eq!(
        (nonpayment.kind.as_str(), nonpayment.raw_due, nonpayment.due),
        ("notice_of_nonpayment", ymd(2027, 5, 30), ymd(2027, 6, 1))
    );
    assert!(has_note(
        nonpayment,
        "Sun 2027-05-30 is a Sunday and Mon 2027-05-31 is Memorial Day; moved to the next business day, Tue 2027-06-01"
    ));
    assert_eq!((list[3].kind.as_str(), list[3].due), ("bond_suit", ymd(2028, 3, 1)));
}

#[test]
fn fl_public_notice_of_nonpayment_window_opens_45_days_after_first_furnishing() {
    // Opens Oct 9 + 45 = Nov 23, 2026. Closes Jan 17 + 14 = Jan 31, + 28 = Feb 28 (42), + 31 = Mar 31
    // (73), + 17 = Apr 17, 2027 (day 90), a Saturday -> Monday Apr 19 under Rule 2.514.
    let facts = job("FL", "public", "sub", &[("first_furnished", "2026-10-09"), ("last_furnished", "2027-01-17")]);
    let list = all(&facts);
    assert_eq!(
        rules_of(&list),
        ["FL.public.notice_of_nonpayment", "FL.public.bond_suit"],
        "a first-tier sub owes no notice to contractor"
    );
    let notice = &list[0];
    assert_eq!(notice.opens, Some(ymd(2026, 11, 23)));
    assert_eq!((notice.raw_due, notice.due), (ymd(2027, 4, 17), ymd(2027, 4, 19)));
    assert!(has_note(notice, "Fla. R. Gen. Prac. & Jud. Admin. 2.514"));
    assert_eq!((notice.citation.as_str(), notice.confidence.as_str()), ("Fla. Stat. § 255.05(2)(a)2", "medium"));
    let sub_sub = all(&job("FL", "public", "sub_sub", &[("first_furnished", "2026-10-09")]));
    assert_eq!(
        (sub_sub[0].rule.as_str(), sub_sub[0].kind.as_str(), sub_sub[0].due),
        ("FL.public.notice_to_contractor", "notice_to_owner", ymd(2026, 11, 23))
    );
}

// ----------------------------------------------------------------------------------- California

#[test]
fn ca_preliminary_notice_on_cesar_chavez_day_keeps_the_earlier_date() {
    // Mar 11 + 20 = Mar 31, 2026: Cesar Chavez Day. A late notice only reaches back 20 days, so
    // the extension to Apr 1 is not assumed.
    let notice =
        one(&job("CA", "private", "sub", &[("first_furnished", "2026-03-11")]), "CA.private.preliminary_notice");
    assert_eq!((notice.raw_due, notice.due), (ymd(2026, 3, 31), ymd(2026, 3, 31)));
    assert_eq!((notice.consequence.as_str(), notice.kind.as_str()), ("coverage_limited", "preliminary_notice"));
    assert!(has_note(&notice, "is Cesar Chavez Day; whether it moves to Wed 2026-04-01 is unsettled"));
    assert!(has_note(&notice, "in the 20 days before the day it is served"));
}

#[test]
fn ca_lien_on_cesar_chavez_day_rolls_to_the_next_day() {
    // Completion Dec 31, 2026 + 31 = Jan 31, + 28 = Feb 28 (59), + 31 = Mar 31, 2027 (day 90):
    // Cesar Chavez Day -> Thursday Apr 1 (CCP § 12a).
    let lien = one(&job("CA", "private", "sub", &[("completed", "2026-12-31")]), "CA.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2027, 3, 31), ymd(2027, 4, 1)));
    assert_eq!(lien.citation, "Cal. Civ. Code § 8414");
}

#[test]
fn ca_lien_is_the_earlier_of_90_days_after_completion_and_30_after_a_timely_notice_of_completion() {
    // Notice of completion recorded Jun 10 (9 days after completion): Jun 10 + 30 = Jul 10 beats
    // Jun 1 + 90 = Aug 30. The lien window opens on last furnishing.
    let facts = job(
        "CA",
        "private",
        "sub",
        &[
            ("completed", "2026-06-01"),
            ("notice_of_completion_recorded", "2026-06-10"),
            ("last_furnished", "2026-05-20"),
        ],
    );
    let lien = one(&facts, "CA.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due, lien.opens), (ymd(2026, 7, 10), ymd(2026, 7, 10), Some(ymd(2026, 5, 20))));
    let direct = one(
        &job("CA", "private", "gc", &[("completed", "2026-06-01"), ("notice_of_completion_recorded", "2026-06-10")]),
        "CA.private.claim_of_lien_direct",
    );
    assert_eq!(direct.due, ymd(2026, 8, 10), "Jun 10 + 60 = Aug 9 (Sunday) -> Monday Aug 10");
}

#[test]
fn ca_notice_of_completion_recorded_after_15_days_does_not_shorten_the_lien() {
    // Recorded Jun 20, 19 days after completion: ignored (§ 8182). Jun 1 + 29 = Jun 30, + 31 = Jul 31,
    // + 30 = Aug 30 (day 90), a Sunday -> Monday Aug 31.
    let facts =
        job("CA", "private", "sub", &[("completed", "2026-06-01"), ("notice_of_completion_recorded", "2026-06-20")]);
    let lien = one(&facts, "CA.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 8, 30), ymd(2026, 8, 31)));
    assert!(has_note(
        &lien,
        "Recording of the notice of completion on Sat 2026-06-20 is not within 15 days after completion"
    ));
}

#[test]
fn ca_saturday_counts_as_a_holiday_so_the_foreclosure_suit_moves_to_monday() {
    // Recorded May 31 + 90 = Saturday Aug 29 -> Monday Aug 31.
    let suit =
        one(&job("CA", "private", "supplier", &[("lien_recorded", "2026-05-31")]), "CA.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2026, 8, 29), ymd(2026, 8, 31)));
}

#[test]
fn ca_public_bond_suit_runs_six_months_from_the_unadjusted_stop_notice_deadline() {
    // Completion Jul 12 + 19 = Jul 31, + 31 = Aug 31, + 30 = Sep 30, + 10 = Oct 10 (day 90), a
    // Saturday -> Monday Oct 12. The bond suit counts 6 months from Oct 10 (not Oct 12): Apr 10,
    // 2027, a Saturday -> Monday Apr 12.
    let list = all(&job("CA", "public", "sub", &[("completed", "2026-07-12")]));
    assert_eq!(rules_of(&list), ["CA.public.stop_payment_notice", "CA.public.bond_suit"]);
    assert_eq!((list[0].raw_due, list[0].due), (ymd(2026, 10, 10), ymd(2026, 10, 12)));
    assert_eq!((list[1].raw_due, list[1].due), (ymd(2027, 4, 10), ymd(2027, 4, 12)));
}

// ---------------------------------------------------------------------------------------- Texas

#[test]
fn tx_commercial_monthly_notice_is_due_the_15th_of_the_third_month() {
    let facts = job("TX", "private", "sub", &[("contract_signed", "2023-05-01"), ("furnished_month", "2026-03")]);
    let notice = one(&facts, "TX.commercial.monthly_notice");
    assert_eq!((notice.kind.as_str(), notice.due), ("monthly_notice", ymd(2026, 6, 15)));
    assert_eq!(
        notice.document,
        "Notice of claim for unpaid labor or materials to the owner and original contractor (work furnished in Mar 2026)"
    );
}

#[test]
fn tx_monthly_notice_across_the_year_end_rolls_past_presidents_day() {
    // November 2026 work: Feb 15, 2027 is Presidents' Day (Gov't Code § 662.003) -> Tuesday Feb 16.
    let facts = job(
        "TX",
        "private",
        "sub",
        &[("contract_signed", "2023-05-01"), ("furnished_month", "2026-11"), ("furnished_month", "2026-03")],
    );
    let notices: Vec<Deadline> = all(&facts).into_iter().filter(|d| d.rule == "TX.commercial.monthly_notice").collect();
    assert_eq!(
        notices.iter().map(|d| (d.raw_due, d.due)).collect::<Vec<_>>(),
        [(ymd(2026, 6, 15), ymd(2026, 6, 15)), (ymd(2027, 2, 15), ymd(2027, 2, 16)),]
    );
}

#[test]
fn tx_residential_monthly_notice_is_due_the_15th_of_the_second_month() {
    let facts =
        job("TX", "residential", "supplier", &[("contract_signed", "2024-02-01"), ("furnished_month", "2026-03")]);
    assert_eq!(one(&facts, "TX.residential.monthly_notice").due, ymd(2026, 5, 15));
}

#[test]
fn tx_weekend_deadline_before_sb_929_moves_back_to_the_friday() {
    // March 2025 work: Sunday Jun 15, 2025, before SB 929 -> Friday Jun 13 (conservative).
    let facts = job("TX", "private", "sub", &[("contract_signed", "2023-05-01"), ("furnished_month", "2025-03")]);
    let notice = one(&facts, "TX.commercial.monthly_notice");
    assert_eq!((notice.raw_due, notice.due), (ymd(2025, 6, 15), ymd(2025, 6, 13)));
    assert!(has_note(&notice, "uses the business day before, Fri 2025-06-13 (conservative"));
}

#[test]
fn tx_weekend_deadline_after_sb_929_moves_forward_past_presidents_day() {
    // November 2025 work: Sunday Feb 15, 2026; Monday Feb 16 is Presidents' Day -> Tuesday Feb 17.
    let facts = job("TX", "private", "sub", &[("contract_signed", "2023-05-01"), ("furnished_month", "2025-11")]);
    let notice = one(&facts, "TX.commercial.monthly_notice");
    assert_eq!((notice.raw_due, notice.due), (ymd(2026, 2, 15), ymd(2026, 2, 17)));
    assert!(has_note(&notice, "SB 929"));
}

#[test]
fn tx_contract_signed_before_2022_uses_the_old_two_notice_rules() {
    // Sub-sub, March 2026 work. Old law: 15th of the 2nd month to the original contractor (Friday
    // May 15) and 15th of the 3rd month to the owner (Monday Jun 15). From 2022-01-01: one notice.
    let old =
        all(&job("TX", "private", "sub_sub", &[("contract_signed", "2021-12-31"), ("furnished_month", "2026-03")]));
    assert_eq!(rules_of(&old), ["TX.commercial.contractor_notice_pre2022", "TX.commercial.monthly_notice_pre2022"]);
    assert_eq!((old[0].due, old[1].due), (ymd(2026, 5, 15), ymd(2026, 6, 15)));
    let new =
        all(&job("TX", "private", "sub_sub", &[("contract_signed", "2022-01-01"), ("furnished_month", "2026-03")]));
    assert_eq!(rules_of(&new), ["TX.commercial.monthly_notice"]);
    assert_eq!(new[0].due, ymd(2026, 6, 15));
}

#[test]
fn tx_lien_suit_counts_from_the_unadjusted_affidavit_deadline() {
    // Last furnished April 2026: affidavit due the 15th of the 4th month after = Saturday
    // Aug 15, 2026 -> Monday Aug 17. Suit: 1 year after Aug 15 (not Aug 17) = Sunday Aug 15,
    // 2027 -> Monday Aug 16.
    let facts = job("TX", "private", "sub", &[("last_furnished", "2026-04-10")]);
    let affidavit = one(&facts, "TX.commercial.claim_of_lien");
    assert_eq!(
        (affidavit.kind.as_str(), affidavit.raw_due, affidavit.due),
        ("claim_of_lien", ymd(2026, 8, 15), ymd(2026, 8, 17))
    );
    let suit = one(&facts, "TX.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due, suit.confidence.as_str()), (ymd(2027, 8, 15), ymd(2027, 8, 16), "low"));
    assert!(has_note(&suit, "1 or 2 years"));
}

#[test]
fn tx_without_a_contract_date_asks_for_it_and_still_gives_the_affidavit() {
    let facts = job("TX", "private", "sub", &[("last_furnished", "2026-04-10")]);
    assert_eq!(rules_of(&all(&facts)), ["TX.commercial.claim_of_lien", "TX.private.lien_enforcement"]);
    assert!(all(&facts).iter().all(|d| d.assumption.is_none()), "the affidavit does not depend on the contract date");
    assert_eq!(missing_facts(&facts), ["completed", "contract_signed", "lien_recorded", "furnished_month"]);
    let dated = job("TX", "private", "sub", &[("last_furnished", "2026-04-10"), ("contract_signed", "2023-01-01")]);
    assert_eq!(missing_facts(&dated), ["completed", "lien_recorded", "furnished_month"]);
}

// ------------------------------------------------------------------- missing law-selecting facts

#[test]
fn tx_monthly_notice_without_a_contract_date_gives_the_earliest_candidate_and_says_so() {
    // The issue's example: private job, sub, work furnished May 2026, no contract date. Both
    // versions of § 53.056 give the 15th of the 3rd month: Saturday Aug 15, 2026 -> Monday Aug 17
    // (SB 929). On the tie the current law (contracts from 2022-01-01) is the one named.
    let facts = job("TX", "private", "sub", &[("furnished_month", "2026-05")]);
    let list = all(&facts);
    assert_eq!(rules_of(&list), ["TX.commercial.monthly_notice"]);
    let notice = &list[0];
    assert_eq!((notice.raw_due, notice.due), (ymd(2026, 8, 15), ymd(2026, 8, 17)));
    assert_eq!(
        notice.document,
        "Notice of claim for unpaid labor or materials to the owner and original contractor (work furnished in May \
         2026) — assumes a contract signed on or after 2022-01-01; set contract_signed to be sure"
    );
    let assumption = notice.assumption.as_ref().unwrap();
    assert_eq!(
        (assumption.assumes.as_str(), assumption.settled_by),
        ("a contract signed on or after 2022-01-01", "contract_signed")
    );
    assert!(has_note(notice, "If the contract was signed before 2022-01-01: Notice of unpaid claim"));
    assert!(missing_facts(&facts).contains(&"contract_signed"));
    // Setting the fact settles it: no assumption left.
    let dated = job("TX", "private", "sub", &[("furnished_month", "2026-05"), ("contract_signed", "2024-03-01")]);
    let settled = one(&dated, "TX.commercial.monthly_notice");
    assert_eq!((settled.due, settled.assumption.clone()), (ymd(2026, 8, 17), None));
    assert!(!settled.document.contains("assumes"));
}

#[test]
fn tx_sub_sub_without_a_contract_date_takes_the_old_laws_earlier_contractor_notice() {
    // Sub-sub, May 2026 work. Before 2022: notice to the original contractor by the 15th of the
    // 2nd month (Wednesday Jul 15) and to the owner by the 15th of the 3rd (Sat Aug 15 -> Mon
    // Aug 17). From 2022: one notice by Aug 17. The earliest candidate is the old law's, so both
    // of its notices are shown, marked, and the new law's date is named in a note.
    let list = all(&job("TX", "private", "sub_sub", &[("furnished_month", "2026-05")]));
    assert_eq!(rules_of(&list), ["TX.commercial.contractor_notice_pre2022", "TX.commercial.monthly_notice_pre2022"]);
    assert_eq!((list[0].due, list[1].due), (ymd(2026, 7, 15), ymd(2026, 8, 17)));
    for d in &list {
        assert!(d.document.ends_with("— assumes a contract signed before 2022-01-01; set contract_signed to be sure"));
    }
    assert!(has_note(&list[0], "If the contract was signed on or after 2022-01-01: Notice of claim"));
    assert!(has_note(&list[0], "due Mon 2026-08-17"));
}

#[test]
fn tx_retainage_lien_without_a_contract_date_assumes_the_current_law() {
    // The retainage-only affidavit exists only for contracts from 2022. Completed Feb 10, 2026:
    // the 15th of the 3rd month after = Friday May 15, 2026.
    let list = all(&job("TX", "private", "sub", &[("completed", "2026-02-10")]));
    let retainage: Vec<&Deadline> = list.iter().filter(|d| d.rule == "TX.private.retainage_claim_of_lien").collect();
    assert_eq!(retainage.len(), 1);
    assert_eq!(retainage[0].due, ymd(2026, 5, 15));
    assert!(retainage[0].document.contains("assumes a contract signed on or after 2022-01-01"));
}

#[test]
fn ga_notice_to_contractor_without_a_noc_date_counts_from_first_furnishing() {
    // Sub-sub, first furnished Monday Mar 2, 2026; whether and when a notice of commencement was
    // filed is unknown. The notice is due 30 days after the later of the two, so the earliest it
    // can be is 30 days after first furnishing: Wednesday Apr 1, 2026.
    let facts = job("GA", "private", "sub_sub", &[("first_furnished", "2026-03-02")]);
    let notice = one(&facts, "GA.private.notice_to_contractor");
    assert_eq!(notice.due, ymd(2026, 4, 1));
    assert_eq!(notice.assumption.as_ref().map(|a| a.settled_by), Some("noc_recorded"));
    assert!(notice.document.contains("assumes recording of the notice of commencement early enough"));
    assert!(missing_facts(&facts).contains(&"noc_recorded"));
    // A notice of commencement filed Friday Mar 20: 30 days = Sunday Apr 19 -> Monday Apr 20
    // (O.C.G.A. § 1-3-1(d)(3)).
    let filed = job("GA", "private", "sub_sub", &[("first_furnished", "2026-03-02"), ("noc_recorded", "2026-03-20")]);
    let notice = one(&filed, "GA.private.notice_to_contractor");
    assert_eq!((notice.raw_due, notice.due, notice.assumption.clone()), (ymd(2026, 4, 19), ymd(2026, 4, 20), None));
}

#[test]
fn tx_public_monthly_notice_on_a_saturday_keeps_the_earlier_date() {
    // May 2026 work: 15th of the 3rd month = Saturday Aug 15, 2026; rolling under ch. 2253 is
    // unverified, so Aug 15 is kept.
    let notice = one(&job("TX", "public", "sub", &[("furnished_month", "2026-05")]), "TX.public.monthly_notice");
    assert_eq!((notice.raw_due, notice.due), (ymd(2026, 8, 15), ymd(2026, 8, 15)));
    assert!(has_note(&notice, "conservative"));
}

// ------------------------------------------------------------------------------------- New York

#[test]
fn ny_lien_eight_months_on_a_month_without_a_31st_takes_its_last_day() {
    // Jan 31 + 8 months: September has no 31st -> Wednesday Sep 30 (GCL § 30).
    let lien = one(&job("NY", "private", "sub", &[("last_furnished", "2026-01-31")]), "NY.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 9, 30), ymd(2026, 9, 30)));
}

#[test]
fn ny_lien_eight_months_can_land_on_february_29() {
    // Jun 30, 2027 + 8 months: February 2028 has 29 days -> Tuesday Feb 29, 2028.
    let lien = one(&job("NY", "private", "gc", &[("last_furnished", "2027-06-30")]), "NY.private.claim_of_lien");
    assert_eq!(lien.due, ymd(2028, 2, 29));
}

#[test]
fn ny_single_family_four_months_clamps_to_february_28_and_rolls_off_the_sunday() {
    // Oct 31, 2026 + 4 months -> Feb 28, 2027 (Sunday) -> Monday Mar 1 (GCL § 25-a).
    let lien =
        one(&job("NY", "residential", "sub", &[("last_furnished", "2026-10-31")]), "NY.residential.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2027, 2, 28), ymd(2027, 3, 1)));
    assert!(has_note(&lien, "single-family"));
}

#[test]
fn ny_lien_on_lincolns_birthday_rolls_past_washingtons_birthday() {
    // Jun 12, 2026 + 8 months = Friday Feb 12, 2027 (Lincoln's Birthday); Monday Feb 15 is
    // Washington's Birthday -> Tuesday Feb 16.
    let lien = one(&job("NY", "private", "sub", &[("last_furnished", "2026-06-12")]), "NY.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2027, 2, 12), ymd(2027, 2, 16)));
}

#[test]
fn ny_lien_on_election_day_rolls_to_wednesday() {
    // Mar 3 + 8 months = Tuesday Nov 3, 2026, general election day (GCL § 24) -> Wednesday Nov 4.
    let lien = one(&job("NY", "private", "sub", &[("last_furnished", "2026-03-03")]), "NY.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 11, 3), ymd(2026, 11, 4)));
    assert!(has_note(&lien, "Election Day"));
}

#[test]
fn ny_lien_service_window_runs_from_five_days_before_to_30_after_filing() {
    // Filed Mar 10: opens Mar 5; Mar 10 + 21 = Mar 31, + 9 = Apr 9 (day 30); proof by Apr 14 (35).
    let facts = job("NY", "private", "sub", &[("lien_recorded", "2026-03-10")]);
    let service = one(&facts, "NY.private.lien_service");
    assert_eq!((service.opens, service.due), (Some(ymd(2026, 3, 5)), ymd(2026, 4, 9)));
    assert_eq!(one(&facts, "NY.private.lien_service_proof").due, ymd(2026, 4, 14));
    assert_eq!(one(&facts, "NY.private.lien_enforcement").due, ymd(2027, 3, 10));
}

// -------------------------------------------------------------------------------------- Georgia

#[test]
fn ga_notice_to_contractor_is_30_days_after_the_later_of_the_noc_and_first_furnishing() {
    // First furnished Mar 2 (+30 = Apr 1); NOC filed Mar 20 (+30 = Sunday Apr 19 -> Monday Apr 20).
    let facts = job("GA", "private", "sub_sub", &[("first_furnished", "2026-03-02"), ("noc_recorded", "2026-03-20")]);
    let notice = one(&facts, "GA.private.notice_to_contractor");
    assert_eq!((notice.raw_due, notice.due), (ymd(2026, 4, 19), ymd(2026, 4, 20)));
    assert!(has_note(
        &notice,
        "Later of: 30 days after recording of the notice of commencement (Mon 2026-04-20); 30 days after first furnishing (Wed 2026-04-01)."
    ));
    let no_noc = job("GA", "private", "sub_sub", &[("first_furnished", "2026-03-02")]);
    assert!(missing_facts(&no_noc).contains(&"noc_recorded"));
}

#[test]
fn ga_lien_copy_is_due_two_business_days_after_filing_skipping_a_holiday() {
    // Filed Friday Jan 16, 2026; Monday Jan 19 is MLK Day: Tuesday Jan 20 (1), Wednesday Jan 21 (2).
    let copy = one(&job("GA", "private", "sub", &[("lien_recorded", "2026-01-16")]), "GA.private.lien_service");
    assert_eq!((copy.raw_due, copy.due), (ymd(2026, 1, 21), ymd(2026, 1, 21)));
}

#[test]
fn ga_lien_suit_is_365_days_not_the_anniversary_across_february_29() {
    // Filed Mar 1, 2027 + 365 days = Tuesday Feb 29, 2028 (the anniversary would be Mar 1).
    let suit = one(&job("GA", "private", "sub", &[("lien_recorded", "2027-03-01")]), "GA.private.lien_enforcement");
    assert_eq!(suit.due, ymd(2028, 2, 29));
}

// -------------------------------------------------------------------------------------- Arizona

#[test]
fn az_lien_is_the_earlier_of_120_days_after_completion_and_60_after_a_notice_of_completion() {
    // May 1 + 30 = May 31, + 30 = Jun 30, + 31 = Jul 31 (91), + 29 = Aug 29 (day 120), a Saturday
    // -> Monday Aug 31. With a notice of completion recorded May 15: + 60 = Tuesday Jul 14.
    let lien = one(&job("AZ", "private", "sub", &[("completed", "2026-05-01")]), "AZ.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 8, 29), ymd(2026, 8, 31)));
    let facts =
        job("AZ", "private", "sub", &[("completed", "2026-05-01"), ("notice_of_completion_recorded", "2026-05-15")]);
    assert_eq!(one(&facts, "AZ.private.claim_of_lien").due, ymd(2026, 7, 14));
}

#[test]
fn az_general_contractor_also_sends_the_20_day_notice() {
    let notice =
        one(&job("AZ", "private", "gc", &[("first_furnished", "2026-09-01")]), "AZ.private.preliminary_notice");
    assert_eq!(notice.due, ymd(2026, 9, 21));
    assert!(all(&job("AZ", "private", "laborer", &[("first_furnished", "2026-09-01")])).is_empty());
}

#[test]
fn az_foreclosure_on_christmas_observed_on_friday_rolls_to_monday() {
    // Jun 24, 2027 + 6 months = Friday Dec 24, 2027; Christmas falls on Saturday and A.R.S.
    // § 1-301(C) observes it Friday -> Monday Dec 27.
    let suit = one(&job("AZ", "private", "sub", &[("lien_recorded", "2027-06-24")]), "AZ.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2027, 12, 24), ymd(2027, 12, 27)));
}

#[test]
fn az_foreclosure_six_months_clamps_to_february_28() {
    // Aug 31, 2026 + 6 months -> Feb 28, 2027 (Sunday) -> Monday Mar 1.
    let suit = one(&job("AZ", "residential", "sub", &[("lien_recorded", "2026-08-31")]), "AZ.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2027, 2, 28), ymd(2027, 3, 1)));
    let lien = one(&job("AZ", "residential", "sub", &[("completed", "2026-05-01")]), "AZ.private.claim_of_lien");
    assert!(has_note(&lien, "owner-occupied dwelling"));
}

// ----------------------------------------------------------------------------------- Washington

#[test]
fn wa_lien_due_on_a_saturday_is_not_extended_and_falls_back_to_friday() {
    // May 31 + 90 = Saturday Aug 29: RCW 1.12.040's Saturday handling is unverified -> Friday Aug 28.
    let lien = one(&job("WA", "private", "sub", &[("last_furnished", "2026-05-31")]), "WA.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 8, 29), ymd(2026, 8, 28)));
    assert!(has_note(&lien, "conservative"));
}

#[test]
fn wa_lien_due_on_a_sunday_rolls_to_monday() {
    let lien = one(&job("WA", "private", "sub", &[("last_furnished", "2026-06-01")]), "WA.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 8, 30), ymd(2026, 8, 31)));
}

#[test]
fn wa_lien_on_native_american_heritage_day_falls_back_to_wednesday() {
    // Aug 29 + 2 = Aug 31, + 30 = Sep 30, + 31 = Oct 31, + 27 = Nov 27 (day 90): the Friday after
    // Thanksgiving is a legal holiday, the next day a Saturday -> the business day before the
    // holiday weekend, Wednesday Nov 25 (Thursday is Thanksgiving).
    let lien = one(&job("WA", "private", "sub", &[("last_furnished", "2026-08-29")]), "WA.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 11, 27), ymd(2026, 11, 25)));
}

#[test]
fn wa_notice_of_right_to_claim_a_lien_reaches_back_60_days_or_10_on_a_new_home() {
    let private =
        one(&job("WA", "private", "supplier", &[("first_furnished", "2026-03-02")]), "WA.private.preliminary_notice");
    assert_eq!((private.due, private.consequence.as_str()), (ymd(2026, 5, 1), "coverage_limited"));
    let home = one(
        &job("WA", "residential", "sub_sub", &[("first_furnished", "2026-03-02")]),
        "WA.residential.preliminary_notice",
    );
    assert_eq!(home.due, ymd(2026, 3, 12));
    assert!(all(&job("WA", "private", "sub", &[("first_furnished", "2026-03-02")])).is_empty());
}

#[test]
fn wa_foreclosure_eight_calendar_months_clamps_and_rolls() {
    // Jun 30, 2026 + 8 months -> Feb 28, 2027 (Sunday) -> Monday Mar 1.
    let suit = one(&job("WA", "private", "sub", &[("lien_recorded", "2026-06-30")]), "WA.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2027, 2, 28), ymd(2027, 3, 1)));
}

// ------------------------------------------------------------------------------------- Colorado

#[test]
fn co_lien_statement_four_months_clamps_to_february_28_then_rolls() {
    // Oct 31, 2026 + 4 months -> Feb 28, 2027 (Sunday) -> Monday Mar 1 (C.R.S. § 2-4-108).
    let lien = one(&job("CO", "private", "sub", &[("last_furnished", "2026-10-31")]), "CO.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2027, 2, 28), ymd(2027, 3, 1)));
}

#[test]
fn co_notice_of_intent_counts_10_days_back_from_the_lien_deadline_and_never_rolls() {
    // Oct 24, 2026 + 4 months = Wednesday Feb 24, 2027; minus 10 days = Sunday Feb 14, kept.
    let facts = job("CO", "private", "sub", &[("last_furnished", "2026-10-24")]);
    let notice = one(&facts, "CO.private.notice_of_intent");
    assert_eq!(
        (notice.kind.as_str(), notice.raw_due, notice.due),
        ("notice_of_intent", ymd(2027, 2, 14), ymd(2027, 2, 14))
    );
    assert!(has_note(&notice, "never moves"));
}

#[test]
fn co_lien_statement_on_cabrini_day_rolls_to_tuesday() {
    // Jun 5 + 4 months = Monday Oct 5, 2026, Frances Xavier Cabrini Day -> Tuesday Oct 6.
    let lien = one(&job("CO", "private", "supplier", &[("last_furnished", "2026-06-05")]), "CO.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 10, 5), ymd(2026, 10, 6)));
}

#[test]
fn co_suit_uses_the_earlier_of_last_furnishing_and_completion() {
    // Last furnished Mar 10 + 6 months = Sep 10; completion Apr 20 + 6 months = Oct 20: Sep 10.
    let facts = job("CO", "private", "sub", &[("last_furnished", "2026-03-10"), ("completed", "2026-04-20")]);
    let suit = one(&facts, "CO.private.lien_enforcement");
    assert_eq!(suit.due, ymd(2026, 9, 10));
    assert!(has_note(&suit, "conservative: earlier of two readings"));
}

// ------------------------------------------------------------------------------------- Illinois

#[test]
fn il_subcontractor_notice_at_90_days_and_a_4_month_lien_that_only_costs_priority() {
    // Aug 14 + 17 = Aug 31, + 30 = Sep 30, + 31 = Oct 31, + 12 = Nov 12 (day 90); + 4 months = Dec 14.
    let facts = job("IL", "private", "sub", &[("last_furnished", "2026-08-14")]);
    assert_eq!(one(&facts, "IL.private.subcontractor_notice").due, ymd(2026, 11, 12));
    let lien = one(&facts, "IL.private.claim_of_lien");
    assert_eq!((lien.due, lien.consequence.as_str()), (ymd(2026, 12, 14), "priority_only"));
}

#[test]
fn il_notice_on_good_friday_rolls_to_monday_across_the_year_end() {
    // Dec 26, 2026 + 5 = Dec 31, + 31 = Jan 31, + 28 = Feb 28, + 26 = Mar 26, 2027 (day 90): Good
    // Friday (Easter is Mar 28, 2027) -> Monday Mar 29.
    let notice =
        one(&job("IL", "private", "supplier", &[("last_furnished", "2026-12-26")]), "IL.private.subcontractor_notice");
    assert_eq!((notice.raw_due, notice.due), (ymd(2027, 3, 26), ymd(2027, 3, 29)));
    assert!(has_note(&notice, "Good Friday"));
}

#[test]
fn il_residential_60_day_notice_on_lincolns_birthday_rolls_past_presidents_day() {
    // Dec 14, 2026 + 17 = Dec 31, + 31 = Jan 31, + 12 = Feb 12, 2027 (day 60), Lincoln's Birthday;
    // Monday Feb 15 is Presidents' Day -> Tuesday Feb 16.
    let notice =
        one(&job("IL", "residential", "sub", &[("first_furnished", "2026-12-14")]), "IL.residential.notice_to_owner");
    assert_eq!((notice.raw_due, notice.due), (ymd(2027, 2, 12), ymd(2027, 2, 16)));
}

#[test]
fn il_suit_two_years_from_february_29_is_february_28() {
    let suit = one(&job("IL", "private", "gc", &[("last_furnished", "2028-02-29")]), "IL.private.lien_enforcement");
    assert_eq!(suit.due, ymd(2030, 2, 28));
}

// ------------------------------------------------------------------------------- North Carolina

#[test]
fn nc_notice_to_lien_agent_rolls_past_mlk_day_and_only_costs_priority() {
    // Jan 2 + 15 = Saturday Jan 17, 2026; Monday Jan 19 is MLK Day -> Tuesday Jan 20.
    let notice =
        one(&job("NC", "private", "sub", &[("first_furnished", "2026-01-02")]), "NC.private.notice_to_lien_agent");
    assert_eq!(
        (notice.raw_due, notice.due, notice.consequence.as_str()),
        (ymd(2026, 1, 17), ymd(2026, 1, 20), "priority_only")
    );
}

#[test]
fn nc_lien_at_120_days_and_suit_at_180() {
    // Mar 4 + 27 = Mar 31, + 30 = Apr 30, + 31 = May 31, + 30 = Jun 30, + 2 = Jul 2 (day 120);
    // day 180 = Aug 31.
    let facts = job("NC", "private", "sub", &[("last_furnished", "2026-03-04")]);
    assert_eq!(one(&facts, "NC.private.claim_of_lien").due, ymd(2026, 7, 2));
    assert_eq!(one(&facts, "NC.private.lien_enforcement").due, ymd(2026, 8, 31));
}

// ------------------------------------------------------------------------------------- calendars

#[test]
fn florida_2026_holidays_include_the_observed_independence_day() {
    let days = holidays("FL", 2026).unwrap();
    assert_eq!(days.len(), 9);
    assert!(days.contains(&(ymd(2026, 7, 3), "Independence Day (observed)".to_string())));
    assert!(days.contains(&(ymd(2026, 11, 27), "the Friday after Thanksgiving".to_string())));
}

#[test]
fn a_saturday_new_years_day_is_observed_on_december_31_of_the_year_before() {
    assert!(holidays("FL", 2021).unwrap().contains(&(ymd(2021, 12, 31), "New Year's Day (observed)".to_string())));
    assert!(!holidays("FL", 2022).unwrap().iter().any(|(d, _)| *d == ymd(2022, 1, 1)));
    // Texas keeps holidays on their own dates.
    assert!(holidays("TX", 2022).unwrap().iter().any(|(d, _)| *d == ymd(2022, 1, 1)));
}

#[test]
fn california_counts_its_own_holidays() {
    let days = holidays("CA", 2026).unwrap();
    for (date, name) in [
        (ymd(2026, 2, 12), "Lincoln's Birthday"),
        (ymd(2026, 3, 31), "Cesar Chavez Day"),
        (ymd(2026, 9, 25), "Native American Day"),
        (ymd(2026, 11, 27), "the Friday after Thanksgiving"),
    ] {
        assert!(days.contains(&(date, name.to_string())), "{name}");
    }
    assert!(!days.iter().any(|(_, name)| name == "Columbus Day"), "CCP § 135 excludes Columbus Day");
}

#[test]
fn mail_by_advice_is_not_given_once_its_day_has_passed() {
    // The case above: mail by Sun Nov 22 (Fri Nov 20 to be safe); due Mon Nov 30.
    let nto = one(&job("FL", "private", "sub_sub", &[("first_furnished", "2026-10-13")]), "FL.private.nto");
    assert_eq!(nto.mail_by, Some(MailBy { last_day: ymd(2026, 11, 22), to_be_safe: Some(ymd(2026, 11, 20)) }));
    // Before: the note as written.
    let before = nto.notes_as_of(ymd(2026, 11, 19));
    assert!(before[0].contains("mail by Fri 2026-11-20 to be safe"), "{before:?}");
    // Saturday Nov 21: "to be safe" has passed, the last day (Sunday) still stands.
    let saturday = nto.notes_as_of(ymd(2026, 11, 21));
    assert!(!saturday[0].contains("to be safe") && saturday[0].contains("Sun 2026-11-22"), "{saturday:?}");
    // After the last day: no mailing advice, but when it must arrive.
    let after = nto.notes_as_of(ymd(2026, 11, 24));
    assert!(!after.iter().any(|n| n.contains("mail by")), "{after:?}");
    assert!(after[0].contains("safe harbour ended Sun 2026-11-22") && after[0].contains("Mon 2026-11-30"), "{after:?}");
    assert_eq!(after[1..], nto.notes[1..], "the other notes stay");
}

#[test]
fn deadlines_rank_by_what_missing_them_costs() {
    let list = all(&job(
        "FL",
        "private",
        "sub",
        &[("first_furnished", "2026-10-09"), ("last_furnished", "2026-11-20"), ("noc_recorded", "2026-10-01")],
    ));
    let nto = list.iter().find(|d| d.kind == "notice_to_owner").unwrap();
    assert_eq!(nto.cost_rank(), 0);
    assert!(nto.loses_rights());
    for d in list.iter().filter(|d| d.kind.starts_with("noc_")) {
        assert_eq!(d.cost_rank(), 3, "{}", d.rule);
        assert!(!d.loses_rights(), "{}", d.rule);
    }
}

#[test]
fn facts_with_impossible_years_are_refused() {
    let mut job = JobFacts::new("TX", ProjectType::Private, OurRole::Sub);
    assert!(job.set("furnished_month", "99999-12").is_err());
    assert!(job.set("furnished_month", "0000-01").is_err());
    assert!(job.set("last_furnished", "0000-01-01").is_err());
    assert!(job.set("completed", "9999-12-31").is_err());
    assert!(job.set("furnished_month", "2026-10").is_ok());
}

// ---------------------------------------------------------------------------------------- Ohio

#[test]
fn oh_notice_of_furnishing_on_a_saturday_uses_the_friday_before_and_assumes_a_noc() {
    // First furnished Saturday Aug 1, 2026 + 21 days (§ 1311.05(A)) = Saturday Aug 22. § 1.14
    // extends only past Sundays and holidays (and closed offices, not private service): Friday
    // Aug 21. No notice-of-commencement date is known, so the 21 days from first furnishing are
    // the earliest candidate.
    let facts = job("OH", "private", "sub", &[("first_furnished", "2026-08-01")]);
    let notice = one(&facts, "OH.private.notice_of_furnishing");
    assert_eq!((notice.raw_due, notice.due), (ymd(2026, 8, 22), ymd(2026, 8, 21)));
    assert_eq!((notice.kind.as_str(), notice.consequence.as_str()), ("preliminary_notice", "coverage_limited"));
    assert_eq!(notice.assumption.as_ref().map(|a| a.settled_by), Some("noc_recorded"));
    assert!(has_note(&notice, "21 days before the day it is served"));
    // A notice of commencement recorded Monday Aug 17: 21 days = Monday Sep 7, 2026, Labor Day ->
    // Tuesday Sep 8.
    let late_noc = job("OH", "private", "sub", &[("first_furnished", "2026-08-01"), ("noc_recorded", "2026-08-17")]);
    let notice = one(&late_noc, "OH.private.notice_of_furnishing");
    assert_eq!((notice.raw_due, notice.due, notice.assumption.clone()), (ymd(2026, 9, 7), ymd(2026, 9, 8), None));
}

#[test]
fn oh_gc_and_laborer_serve_no_notice_of_furnishing() {
    for role in ["gc", "laborer"] {
        let list = all(&job("OH", "private", role, &[("first_furnished", "2026-08-01")]));
        assert!(list.iter().all(|d| d.kind != "preliminary_notice"), "{role}: {list:#?}");
    }
}

#[test]
fn oh_commercial_affidavit_75_days_on_a_sunday_rolls_past_labor_day() {
    // Last furnished Tuesday Jun 23, 2026 + 75 days (§ 1311.06(B)(3)): Jun 30 is day 7, Jul 31
    // day 38, Aug 31 day 69, Sep 6 day 75 = Sunday; Monday Sep 7 is Labor Day -> Tuesday Sep 8.
    let lien = one(&job("OH", "private", "supplier", &[("last_furnished", "2026-06-23")]), "OH.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 9, 6), ymd(2026, 9, 8)));
    assert!(has_note(&lien, "Labor Day"));
}

#[test]
fn oh_residential_affidavit_60_days_on_thanksgiving_moves_to_the_friday() {
    // Last furnished Sunday Sep 27, 2026 + 60 days (§ 1311.06(B)(1)): Oct 27 is day 30, Nov 26
    // day 60 = Thanksgiving -> Friday Nov 27 (the day after is no Ohio legal holiday).
    let lien =
        one(&job("OH", "residential", "sub", &[("last_furnished", "2026-09-27")]), "OH.residential.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 11, 26), ymd(2026, 11, 27)));
}

#[test]
fn oh_service_on_a_sunday_independence_day_rolls_past_the_observed_monday() {
    // Recorded Friday Jun 4, 2027 + 30 days (§ 1311.07) = Sunday Jul 4, 2027; § 1.14 keeps a
    // Sunday holiday on the Monday after, Jul 5 -> Tuesday Jul 6. Suit: 6 years after recording
    // (§ 1311.13) = Saturday Jun 4, 2033 -> Friday Jun 3 (Saturday is not extended).
    let facts = job("OH", "private", "sub", &[("lien_recorded", "2027-06-04")]);
    let service = one(&facts, "OH.private.lien_service");
    assert_eq!((service.raw_due, service.due), (ymd(2027, 7, 4), ymd(2027, 7, 6)));
    let suit = one(&facts, "OH.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2033, 6, 4), ymd(2033, 6, 3)));
}

// ------------------------------------------------------------------------------------ Michigan

#[test]
fn mi_notice_of_furnishing_on_lincolns_birthday_rolls_past_washingtons_birthday() {
    // First furnished Saturday Jan 23, 2027 + 20 days (MCL 570.1109) = Friday Feb 12, Lincoln's
    // Birthday (MCL 435.101); Saturday, Sunday, then Monday Feb 15 Washington's Birthday ->
    // Tuesday Feb 16 (MCL 8.6). No notice-of-commencement date: the earliest candidate, marked.
    let notice =
        one(&job("MI", "private", "supplier", &[("first_furnished", "2027-01-23")]), "MI.private.notice_of_furnishing");
    assert_eq!((notice.raw_due, notice.due), (ymd(2027, 2, 12), ymd(2027, 2, 16)));
    assert_eq!(notice.consequence, "coverage_limited");
    assert!(notice.document.contains("assumes recording of the notice of commencement"));
    assert!(has_note(&notice, "Lincoln's Birthday"));
}

#[test]
fn mi_claim_of_lien_90_days_on_juneteenth_and_on_a_sunday() {
    // Last furnished Saturday Mar 21, 2026 + 90 days (MCL 570.1111(1)): Mar 31 is day 10, Apr 30
    // day 40, May 31 day 71, Jun 19 day 90 = Friday, Juneteenth -> Monday Jun 22.
    let lien = one(&job("MI", "private", "sub", &[("last_furnished", "2026-03-21")]), "MI.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 6, 19), ymd(2026, 6, 22)));
    // Last furnished Monday Apr 6, 2026 + 90 = Sunday Jul 5 (Jul 4 is a Saturday, not moved) ->
    // Monday Jul 6.
    let lien = one(&job("MI", "residential", "gc", &[("last_furnished", "2026-04-06")]), "MI.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 7, 5), ymd(2026, 7, 6)));
    assert!(has_note(&lien, "written contract"));
}

#[test]
fn mi_service_and_suit_roll_past_observed_and_actual_holidays() {
    // Recorded Saturday Jun 19, 2027 + 15 days = Sunday Jul 4, 2027; Monday Jul 5 is its observed
    // day (MCL 435.102) -> Tuesday Jul 6. Suit: 1 year (MCL 570.1117(1)) = Monday Jun 19, 2028,
    // Juneteenth -> Tuesday Jun 20.
    let facts = job("MI", "private", "sub", &[("lien_recorded", "2027-06-19")]);
    let service = one(&facts, "MI.private.lien_service");
    assert_eq!((service.raw_due, service.due), (ymd(2027, 7, 4), ymd(2027, 7, 6)));
    let suit = one(&facts, "MI.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2028, 6, 19), ymd(2028, 6, 20)));
}

#[test]
fn mi_gc_and_laborer_serve_no_notice_of_furnishing() {
    for role in ["gc", "laborer"] {
        let list = all(&job("MI", "private", role, &[("first_furnished", "2026-08-01")]));
        assert!(list.iter().all(|d| d.kind != "preliminary_notice"), "{role}: {list:#?}");
    }
}

// -------------------------------------------------------------------------------- Pennsylvania

#[test]
fn pa_notice_of_furnishing_on_a_sunday_rolls_past_flag_day() {
    // First furnished Thursday Apr 29, 2027 + 45 days (49 P.S. § 1501.3(b)): Apr 30 is day 1,
    // May 31 day 32, Jun 13 day 45 = Sunday. 1 Pa.C.S. § 1908 omits Saturdays, Sundays and legal
    // holidays: Monday Jun 14 is Flag Day (44 P.S. § 11) -> Tuesday Jun 15.
    let notice =
        one(&job("PA", "private", "sub", &[("first_furnished", "2027-04-29")]), "PA.private.notice_of_furnishing");
    assert_eq!((notice.raw_due, notice.due), (ymd(2027, 6, 13), ymd(2027, 6, 15)));
    assert_eq!((notice.kind.as_str(), notice.consequence.as_str()), ("preliminary_notice", "right_lost"));
    assert!(has_note(&notice, "Flag Day"));
    assert!(has_note(&notice, "Notice of Commencement"));
    // A contractor in privity with the owner files neither the notice of furnishing nor the
    // formal notice.
    let gc = all(&job("PA", "private", "gc", &[("first_furnished", "2027-04-29"), ("last_furnished", "2027-05-10")]));
    assert_eq!(rules_of(&gc), ["PA.private.claim_of_lien"]);
}

#[test]
fn pa_claim_six_months_clamps_to_february_28_then_rolls_off_the_sunday() {
    // Last furnished Monday Aug 31, 2026 + 6 months (49 P.S. § 1502(a)(1)): February has no 31st,
    // so Sunday Feb 28, 2027 -> Monday Mar 1. The formal notice (§ 1501(b)) counts 30 days back
    // from the unadjusted last day to file: Friday Jan 29, 2027 (Jan 29 + 30 = Feb 28).
    let facts = job("PA", "private", "sub_sub", &[("last_furnished", "2026-08-31")]);
    let lien = one(&facts, "PA.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2027, 2, 28), ymd(2027, 3, 1)));
    let notice = one(&facts, "PA.private.formal_notice");
    assert_eq!(
        (notice.kind.as_str(), notice.raw_due, notice.due),
        ("notice_of_intent", ymd(2027, 1, 29), ymd(2027, 1, 29))
    );
    assert!(has_note(&notice, "at least 30 days before"));
}

#[test]
fn pa_claim_on_good_friday_and_on_election_day_rolls_forward() {
    // Last furnished Saturday Sep 26, 2026 + 6 months = Friday Mar 26, 2027, Good Friday (Easter
    // is Mar 28) -> Saturday, Sunday -> Monday Mar 29.
    let lien = one(&job("PA", "private", "supplier", &[("last_furnished", "2026-09-26")]), "PA.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2027, 3, 26), ymd(2027, 3, 29)));
    assert!(has_note(&lien, "Good Friday"));
    assert!(has_note(&lien, "lower tier"));
    // Last furnished Sunday May 3, 2026 + 6 months = Tuesday Nov 3, 2026, Election Day -> Wed Nov 4.
    let lien = one(&job("PA", "residential", "gc", &[("last_furnished", "2026-05-03")]), "PA.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 11, 3), ymd(2026, 11, 4)));
    assert!(has_note(&lien, "defense of payment"));
}

#[test]
fn pa_formal_notice_counted_back_onto_a_saturday_stays_there() {
    // Last furnished Monday Oct 5, 2026 + 6 months = Monday Apr 5, 2027; 30 days before is
    // Saturday Mar 6 (Mar 6 + 25 = Mar 31, + 5 = Apr 5): a date counted back never moves.
    let notice = one(&job("PA", "private", "sub", &[("last_furnished", "2026-10-05")]), "PA.private.formal_notice");
    assert_eq!((notice.raw_due, notice.due), (ymd(2027, 3, 6), ymd(2027, 3, 6)));
    assert!(has_note(&notice, "never moves"));
}

#[test]
fn pa_service_on_thanksgiving_moves_to_the_friday_and_suit_is_two_years_after_filing() {
    // Filed Monday Oct 26, 2026 + 1 month (§ 1502(a)(2)) = Thursday Nov 26, Thanksgiving -> Friday
    // Nov 27 (the day after is no Pennsylvania legal holiday). Suit: 2 years (§ 1701(b)) =
    // Thursday Oct 26, 2028.
    let facts = job("PA", "private", "sub", &[("lien_recorded", "2026-10-26")]);
    let service = one(&facts, "PA.private.lien_service");
    assert_eq!((service.raw_due, service.due), (ymd(2026, 11, 26), ymd(2026, 11, 27)));
    assert!(has_note(&service, "affidavit of service"));
    let suit = one(&facts, "PA.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2028, 10, 26), ymd(2028, 10, 26)));
    assert!(has_note(&suit, "five years"));
}

#[test]
fn pa_laborers_have_no_mechanics_lien_and_public_jobs_are_not_covered() {
    assert!(all(&job("PA", "private", "laborer", &[("last_furnished", "2026-10-05")])).is_empty());
    let err = deadlines(&job("PA", "public", "sub", &[("last_furnished", "2026-10-05")]), &[]).unwrap_err();
    assert!(err.to_string().contains("not public jobs"), "{err}");
}

// ---------------------------------------------------------------------------------- New Jersey

#[test]
fn nj_lien_claim_on_labor_day_or_a_sunday_keeps_the_unadjusted_date() {
    // Last furnished Tuesday Jun 9, 2026 + 90 days (N.J.S.A. 2A:44A-6(a)(2)): Jun 30 is day 21,
    // Jul 31 day 52, Aug 31 day 83, Sep 7 day 90 = Labor Day. No New Jersey rule extends the
    // period: the date is kept and the note says where a roll would land, Tuesday Sep 8.
    let lien = one(&job("NJ", "private", "sub", &[("last_furnished", "2026-06-09")]), "NJ.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 9, 7), ymd(2026, 9, 7)));
    assert!(has_note(&lien, "Labor Day") && has_note(&lien, "Tue 2026-09-08") && has_note(&lien, "unsettled"));
    // A day earlier: day 90 is Sunday Sep 6, kept; a roll would skip Labor Day too.
    let lien = one(&job("NJ", "private", "supplier", &[("last_furnished", "2026-06-08")]), "NJ.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 9, 6), ymd(2026, 9, 6)));
    assert!(has_note(&lien, "a Sunday") && has_note(&lien, "Tue 2026-09-08"));
    // Suit: one year from the last work (2A:44A-14(a)), not from the claim: Wednesday Jun 9, 2027.
    let suit = one(&job("NJ", "private", "sub", &[("last_furnished", "2026-06-09")]), "NJ.private.lien_enforcement");
    assert_eq!(suit.due, ymd(2027, 6, 9));
}

#[test]
fn nj_residential_job_goes_through_the_notice_of_unpaid_balance_first() {
    // Last furnished Monday Mar 2, 2026: + 60 days (2A:44A-21(b)) = Friday May 1 (Mar 31 is day
    // 29, Apr 30 day 59); + 120 days (2A:44A-6(a)(2)) = Tuesday Jun 30 (May 31 is day 90).
    let list = all(&job("NJ", "residential", "sub", &[("last_furnished", "2026-03-02")]));
    assert_eq!(
        rules_of(&list),
        ["NJ.residential.notice_of_unpaid_balance", "NJ.residential.claim_of_lien", "NJ.private.lien_enforcement"]
    );
    assert_eq!((list[0].kind.as_str(), list[0].due), ("notice_of_nonpayment", ymd(2026, 5, 1)));
    assert_eq!(list[1].due, ymd(2026, 6, 30));
    assert!(has_note(&list[1], "arbitrator's determination"));
    assert!(
        all(&job("NJ", "private", "sub", &[("last_furnished", "2026-03-02")]))
            .iter()
            .all(|d| !d.rule.starts_with("NJ.residential"))
    );
}

#[test]
fn nj_service_on_juneteenth_kept_on_the_third_friday_stays_put() {
    // Lodged Tuesday Jun 8, 2027 + 10 days (2A:44A-7) = Friday Jun 18, 2027, the third Friday of
    // June, New Jersey's Juneteenth (N.J.S.A. 11A:6-24.1); kept, with the Monday a roll would give.
    let service = one(&job("NJ", "private", "sub", &[("lien_recorded", "2027-06-08")]), "NJ.private.lien_service");
    assert_eq!((service.raw_due, service.due), (ymd(2027, 6, 18), ymd(2027, 6, 18)));
    assert!(has_note(&service, "Juneteenth") && has_note(&service, "Mon 2027-06-21"));
    assert!(has_note(&service, "10 calendar days"));
}

// ------------------------------------------------------------------------------------ Virginia

#[test]
fn va_memorandum_is_90_days_after_the_month_of_last_work_or_completion_if_earlier() {
    // Last furnished Tuesday Mar 10, 2026; the month ends Mar 31; + 90 days (Va. Code § 43-4):
    // Apr 30 is day 30, May 31 day 61, Jun 29 day 90 = Monday. The building was completed Jun 30:
    // 90 days from that is Sep 28, later. Due Jun 29, nothing assumed.
    let facts = job("VA", "private", "sub", &[("last_furnished", "2026-03-10"), ("completed", "2026-06-30")]);
    let lien = one(&facts, "VA.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due, lien.assumption.clone()), (ymd(2026, 6, 29), ymd(2026, 6, 29), None));
    assert!(has_note(&lien, "90 days after the last day of the month of last furnishing"));
    assert!(has_note(&lien, "§ 43-7"));
}

#[test]
fn va_memorandum_without_a_completion_date_takes_the_earliest_it_can_be_and_says_so() {
    // Same job, completion unknown: the building cannot be completed before our last day, so the
    // earliest candidate is Mar 10 + 90 days = Monday Jun 8, 2026 (Mar 31 is day 21, Apr 30 day
    // 51, May 31 day 82), ahead of the month-end date Jun 29.
    let facts = job("VA", "private", "sub", &[("last_furnished", "2026-03-10")]);
    let lien = one(&facts, "VA.private.claim_of_lien");
    assert_eq!(lien.due, ymd(2026, 6, 8));
    let assumption = lien.assumption.as_ref().expect("an assumption");
    assert_eq!(assumption.settled_by, "completed");
    assert!(
        lien.document.contains(
            "assumes completion of the work on the day of last furnishing, the earliest it can be; set completed to be sure"
        ),
        "{}",
        lien.document
    );
    assert!(missing_facts(&facts).contains(&"completed"));
}

#[test]
fn va_memorandum_on_the_friday_after_thanksgiving_rolls_to_monday() {
    // Last furnished Monday Aug 10, 2026, building completed Saturday Aug 29. Completion + 90 days
    // = Friday Nov 27 (Aug 31 is day 2, Sep 30 day 32, Oct 31 day 63), the Friday after
    // Thanksgiving (§ 2.2-3300) -> Saturday, Sunday -> Monday Nov 30 (§ 1-210). The month-end
    // date, Aug 31 + 90 = Sunday Nov 29, also rolls to Nov 30; the earlier unadjusted date wins.
    let facts = job("VA", "private", "gc", &[("last_furnished", "2026-08-10"), ("completed", "2026-08-29")]);
    let lien = one(&facts, "VA.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 11, 27), ymd(2026, 11, 30)));
    assert!(has_note(&lien, "the Friday after Thanksgiving"));
    assert!(has_note(&lien, "certification"));
}

#[test]
fn va_lien_agent_notice_only_on_residential_jobs_and_a_sunday_is_kept() {
    // First furnished Friday Sep 4, 2026 + 30 days (§ 43-4.01) = Sunday Oct 4. The notice goes to
    // a private agent, so whether it moves is unsettled: kept, with the Monday a roll would give.
    let notice = one(
        &job("VA", "residential", "supplier", &[("first_furnished", "2026-09-04")]),
        "VA.residential.lien_agent_notice",
    );
    assert_eq!((notice.raw_due, notice.due), (ymd(2026, 10, 4), ymd(2026, 10, 4)));
    assert_eq!(notice.consequence, "coverage_limited");
    assert!(has_note(&notice, "Mon 2026-10-05") && has_note(&notice, "private agent"));
    assert!(all(&job("VA", "private", "supplier", &[("first_furnished", "2026-09-04")])).is_empty());
}

#[test]
fn va_suit_is_the_later_of_six_months_after_recording_and_60_days_after_completion() {
    // Recorded Monday Nov 30, 2026 + 6 months (§ 43-17) = Sunday May 30, 2027; Monday May 31 is
    // Memorial Day -> Tuesday Jun 1. Completion Nov 15 + 60 days = Jan 14, 2027, earlier.
    let facts = job("VA", "private", "sub", &[("lien_recorded", "2026-11-30"), ("completed", "2026-11-15")]);
    let suit = one(&facts, "VA.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due, suit.assumption.clone()), (ymd(2027, 5, 30), ymd(2027, 6, 1), None));
    assert!(has_note(&suit, "Memorial Day"));
    // Completion unknown: it can only push the suit later, so six months it is, marked.
    let suit = one(&job("VA", "private", "sub", &[("lien_recorded", "2026-11-30")]), "VA.private.lien_enforcement");
    assert_eq!(suit.due, ymd(2027, 6, 1));
    assert_eq!(suit.assumption.as_ref().map(|a| a.settled_by), Some("completed"));
}

// -------------------------------------------------------------------------------------- Nevada

#[test]
fn nv_notice_of_right_to_lien_on_nevada_day_is_kept_and_reaches_back_31_days() {
    // First furnished Tuesday Sep 29, 2026 + 31 days (NRS 108.245(6)): Sep 30 is day 1, Oct 30
    // day 31 = Friday, Nevada Day (NRS 236.015). No statute moves the last day of the period:
    // kept, with the Monday a roll would give.
    let notice =
        one(&job("NV", "private", "sub", &[("first_furnished", "2026-09-29")]), "NV.private.notice_of_right_to_lien");
    assert_eq!((notice.raw_due, notice.due), (ymd(2026, 10, 30), ymd(2026, 10, 30)));
    assert_eq!(notice.consequence, "coverage_limited");
    assert!(has_note(&notice, "Nevada Day") && has_note(&notice, "Mon 2026-11-02"));
    assert!(has_note(&notice, "31 days before the day it is served"));
    for role in ["gc", "laborer"] {
        let list = all(&job("NV", "private", role, &[("first_furnished", "2026-09-29")]));
        assert!(list.iter().all(|d| d.kind != "preliminary_notice"), "{role}: {list:#?}");
    }
}

#[test]
fn nv_notice_of_lien_on_family_day_and_cut_short_by_a_notice_of_completion() {
    // Last furnished Saturday Aug 29, 2026 + 90 days (NRS 108.226(1)(a)): Aug 31 is day 2, Sep 30
    // day 32, Oct 31 day 63, Nov 27 day 90 = Family Day, the Friday after Thanksgiving; kept.
    let facts = job("NV", "private", "supplier", &[("last_furnished", "2026-08-29")]);
    let lien = one(&facts, "NV.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 11, 27), ymd(2026, 11, 27)));
    assert!(has_note(&lien, "the Friday after Thanksgiving") && has_note(&lien, "Mon 2026-11-30"));
    // A notice of completion recorded Tuesday Sep 15 + 40 days (§ 108.226(1)(b)) = Sunday Oct 25,
    // earlier, kept on the Sunday.
    let facts = job(
        "NV",
        "private",
        "supplier",
        &[("last_furnished", "2026-08-29"), ("notice_of_completion_recorded", "2026-09-15")],
    );
    let lien = one(&facts, "NV.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 10, 25), ymd(2026, 10, 25)));
    assert!(has_note(&lien, "Earlier of") && has_note(&lien, "a Sunday"));
}

#[test]
fn nv_residential_notice_of_intent_is_15_days_before_the_last_day_to_record() {
    // The same job on a residence: Nov 27, 2026 - 15 days = Thursday Nov 12 (NRS 108.226(6)).
    let facts = job("NV", "residential", "sub", &[("last_furnished", "2026-08-29")]);
    let notice = one(&facts, "NV.residential.notice_of_intent");
    assert_eq!((notice.kind.as_str(), notice.due), ("notice_of_intent", ymd(2026, 11, 12)));
    assert!(has_note(&notice, "earlier of two readings"));
    assert!(
        all(&job("NV", "residential", "laborer", &[("last_furnished", "2026-08-29")]))
            .iter()
            .all(|d| d.rule != "NV.residential.notice_of_intent")
    );
    assert!(
        all(&job("NV", "private", "sub", &[("last_furnished", "2026-08-29")]))
            .iter()
            .all(|d| d.rule != "NV.residential.notice_of_intent")
    );
}

#[test]
fn nv_service_after_christmas_weekend_and_the_six_month_suit() {
    // Recorded Friday Nov 27, 2026 + 30 days (NRS 108.227) = Sunday Dec 27; kept, a roll would
    // give Monday Dec 28. Suit: 6 months (NRS 108.233(1)) = Thursday May 27, 2027.
    let facts = job("NV", "private", "sub", &[("lien_recorded", "2026-11-27")]);
    let service = one(&facts, "NV.private.lien_service");
    assert_eq!((service.raw_due, service.due), (ymd(2026, 12, 27), ymd(2026, 12, 27)));
    assert!(has_note(&service, "Mon 2026-12-28"));
    let suit = one(&facts, "NV.private.lien_enforcement");
    assert_eq!(suit.due, ymd(2027, 5, 27));
}

// ------------------------------------------------------------------------------------ Tennessee

#[test]
fn tn_notice_of_nonpayment_is_due_90_days_after_each_month_end_and_a_weekend_is_kept() {
    // Work furnished in May 2026 (Tenn. Code Ann. § 66-11-145(a)): May 31 + 90 days, Jun 30 is
    // day 30, Jul 31 day 61, Aug 29 day 90 = Saturday. § 1-3-102's text was not confirmed, so the
    // Saturday is kept; a roll would give Monday Aug 31. August 2026: Aug 31 + 90, Sep 30 day 30,
    // Oct 31 day 61, Nov 29 day 90 = Sunday, kept (a roll: Monday Nov 30).
    let facts = job("TN", "private", "sub", &[("furnished_month", "2026-05"), ("furnished_month", "2026-08")]);
    let notices: Vec<Deadline> =
        all(&facts).into_iter().filter(|d| d.rule == "TN.private.notice_of_nonpayment").collect();
    assert_eq!(notices.len(), 2, "{notices:#?}");
    assert_eq!((notices[0].raw_due, notices[0].due), (ymd(2026, 8, 29), ymd(2026, 8, 29)));
    assert_eq!((notices[1].raw_due, notices[1].due), (ymd(2026, 11, 29), ymd(2026, 11, 29)));
    assert_eq!(
        (notices[0].kind.as_str(), notices[0].consequence.as_str()),
        ("notice_of_nonpayment", "coverage_limited")
    );
    assert!(notices[0].document.contains("(work furnished in May 2026)"), "{}", notices[0].document);
    assert!(has_note(&notices[0], "Mon 2026-08-31") && has_note(&notices[0], "unsettled"));
    assert!(has_note(&notices[1], "Mon 2026-11-30") && has_note(&notices[0], "received within the 90 days"));
    // The prime contractor serves none, and neither does anyone on a one- to four-family home.
    for (project, role) in [("private", "gc"), ("residential", "sub")] {
        let list = all(&job("TN", project, role, &[("furnished_month", "2026-05")]));
        assert!(list.iter().all(|d| d.kind != "notice_of_nonpayment"), "{project} {role}: {list:#?}");
    }
}

#[test]
fn tn_remote_notice_of_lien_counts_from_completion_and_the_suit_from_service() {
    // Completion unknown: counted from our last day, Tuesday Sep 15, 2026, the earliest the
    // improvement can be complete (§§ 66-11-115(a)(2), 66-11-112(a)): Sep 30 is day 15, Oct 31 day
    // 46, Nov 30 day 76, Dec 14 day 90 = Monday.
    let facts = job("TN", "private", "supplier", &[("last_furnished", "2026-09-15")]);
    let lien = one(&facts, "TN.private.remote_notice_of_lien");
    assert_eq!((lien.kind.as_str(), lien.due), ("claim_of_lien", ymd(2026, 12, 14)));
    assert_eq!(lien.assumption.as_ref().map(|a| a.settled_by), Some("completed"));
    // Completed Saturday Sep 26: Sep 30 is day 4, Oct 31 day 35, Nov 30 day 65, Dec 25 day 90 =
    // Christmas, a Friday; kept, a roll would give Monday Dec 28.
    let facts = job("TN", "private", "supplier", &[("last_furnished", "2026-09-15"), ("completed", "2026-09-26")]);
    let lien = one(&facts, "TN.private.remote_notice_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 12, 25), ymd(2026, 12, 25)));
    assert!(lien.assumption.is_none());
    assert!(has_note(&lien, "Christmas Day") && has_note(&lien, "Mon 2026-12-28"));
    // Notice served Tuesday Dec 1, 2026 + 90 days (§ 66-11-115(b)): Dec 31 is day 30, Jan 31 day
    // 61, Feb 28 day 89, Mar 1, 2027 day 90 = Monday.
    let suit =
        one(&job("TN", "private", "sub", &[("lien_recorded", "2026-12-01")]), "TN.private.remote_lien_enforcement");
    assert_eq!(suit.due, ymd(2027, 3, 1));
    assert!(has_note(&suit, "served on the owner"));
    // Served Monday Nov 30, 2026 + 90 days: Dec 31 is day 31, Jan 31 day 62, Feb 28 day 90 =
    // Sunday; the suit, a court filing, rolls under Tenn. R. Civ. P. 6.01 to Monday Mar 1, 2027.
    let suit =
        one(&job("TN", "private", "sub", &[("lien_recorded", "2026-11-30")]), "TN.private.remote_lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2027, 2, 28), ymd(2027, 3, 1)));
}

#[test]
fn tn_prime_contractor_records_for_priority_and_sues_within_a_year() {
    // Completed Saturday Jun 19, 2027: the sworn statement (§ 66-11-112(a)) only keeps priority.
    // Suit: one year (§ 66-11-106) = Monday Jun 19, 2028, Juneteenth (§ 15-1-101). A suit is filed
    // in court, and Tenn. R. Civ. P. 6.01 excludes a last day on a legal holiday: Tuesday Jun 20.
    let facts = job("TN", "private", "gc", &[("last_furnished", "2027-06-10"), ("completed", "2027-06-19")]);
    let statement = one(&facts, "TN.private.prime_sworn_statement");
    assert_eq!(statement.consequence, "priority_only");
    let suit = one(&facts, "TN.private.prime_lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2028, 6, 19), ymd(2028, 6, 20)));
    assert!(has_note(&suit, "Juneteenth") && has_note(&suit, "Tenn. R. Civ. P. 6.01"));
    assert!(all(&facts).iter().all(|d| !d.rule.contains("remote")));
}

#[test]
fn tn_residential_notice_to_owner_is_given_before_work_and_counted_back_never_moves() {
    // First furnished Monday Mar 1, 2027 (§ 66-11-203): the day before is Sunday Feb 28, kept.
    let facts = job("TN", "residential", "gc", &[("first_furnished", "2027-03-01")]);
    let notice = one(&facts, "TN.residential.notice_to_owner");
    assert_eq!((notice.kind.as_str(), notice.due), ("notice_to_owner", ymd(2027, 2, 28)));
    assert!(has_note(&notice, "never moves"));
    assert!(all(&job("TN", "private", "gc", &[("first_furnished", "2027-03-01")])).is_empty());
    // A sub on a residence is told that only the prime contractor has a lien on an owner-occupied
    // home.
    let lien =
        one(&job("TN", "residential", "sub", &[("last_furnished", "2026-09-15")]), "TN.private.remote_notice_of_lien");
    assert!(has_note(&lien, "§ 66-11-146(a)"));
}

// -------------------------------------------------------------------------------- Massachusetts

#[test]
fn ma_notice_of_contract_on_a_saturday_uses_friday_and_the_statement_rolls_past_patriots_day() {
    // Last furnished Sunday Dec 20, 2026. Notice of contract, 90 days (M.G.L. c. 254, § 4): Dec 31
    // is day 11, Jan 31 day 42, Feb 28 day 70, Mar 20 day 90 = Saturday. c. 4, § 9 moves only a
    // Sunday or legal holiday and the registry is closed on Saturdays: Friday Mar 19. Statement of
    // account, 120 days (§ 8): Mar 31 is day 101, Apr 19 day 120 = Patriots' Day (the third Monday
    // in April, c. 4, § 7, cl. Eighteenth) -> Tuesday Apr 20.
    let facts = job("MA", "private", "sub", &[("last_furnished", "2026-12-20")]);
    let notice = one(&facts, "MA.private.notice_of_contract");
    assert_eq!((notice.raw_due, notice.due), (ymd(2027, 3, 20), ymd(2027, 3, 19)));
    assert_eq!((notice.kind.as_str(), notice.consequence.as_str()), ("preliminary_notice", "right_lost"));
    assert!(has_note(&notice, "a Saturday") && has_note(&notice, "actual notice"));
    let statement = one(&facts, "MA.private.statement_of_account");
    assert_eq!((statement.raw_due, statement.due), (ymd(2027, 4, 19), ymd(2027, 4, 20)));
    assert!(has_note(&statement, "Patriots' Day"));
}

#[test]
fn ma_notice_of_substantial_completion_shortens_both_filings() {
    // Notice of substantial completion recorded Monday Jan 4, 2027: + 60 days (§ 4): Jan 31 is day
    // 27, Feb 28 day 55, Mar 5 day 60 = Friday, earlier than Mar 20. + 90 days (§ 8): Mar 31 is
    // day 86, Apr 4 day 90 = Sunday -> Monday Apr 5.
    let facts = job(
        "MA",
        "private",
        "gc",
        &[("last_furnished", "2026-12-20"), ("notice_of_completion_recorded", "2027-01-04")],
    );
    let notice = one(&facts, "MA.private.notice_of_contract");
    assert_eq!(notice.due, ymd(2027, 3, 5));
    assert!(has_note(&notice, "Earlier of"));
    let statement = one(&facts, "MA.private.statement_of_account");
    assert_eq!((statement.raw_due, statement.due), (ymd(2027, 4, 4), ymd(2027, 4, 5)));
}

#[test]
fn ma_notice_of_identification_from_a_lower_tier_rolls_past_veterans_day() {
    // First furnished Monday Oct 12, 2026 + 30 days (§ 4): Oct 31 is day 19, Nov 11 day 30 =
    // Veterans Day, a Wednesday -> Thursday Nov 12.
    let notice = one(
        &job("MA", "private", "sub_sub", &[("first_furnished", "2026-10-12")]),
        "MA.private.notice_of_identification",
    );
    assert_eq!((notice.raw_due, notice.due), (ymd(2026, 11, 11), ymd(2026, 11, 12)));
    assert_eq!(notice.consequence, "coverage_limited");
    let supplier = one(
        &job("MA", "private", "supplier", &[("first_furnished", "2026-10-12")]),
        "MA.private.notice_of_identification",
    );
    assert!(has_note(&supplier, "supply a subcontractor"));
    for role in ["gc", "sub"] {
        let list = all(&job("MA", "private", role, &[("first_furnished", "2026-10-12")]));
        assert!(list.iter().all(|d| d.rule != "MA.private.notice_of_identification"), "{role}");
    }
}

#[test]
fn ma_suit_on_a_saturday_christmas_is_not_moved_to_monday_but_to_friday() {
    // Statement of account recorded Sunday Sep 26, 2027 + 90 days (§ 11): Sep 30 is day 4, Oct 31
    // day 35, Nov 30 day 65, Dec 25 day 90 = Christmas on a Saturday. Massachusetts keeps a
    // Saturday holiday on its day (only a Sunday one moves to Monday), and a Saturday does not
    // extend the period: Friday Dec 24.
    let suit = one(&job("MA", "private", "sub", &[("lien_recorded", "2027-09-26")]), "MA.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2027, 12, 25), ymd(2027, 12, 24)));
    assert!(has_note(&suit, "attested copy") && has_note(&suit, "60 days"));
    assert!(all(&job("MA", "private", "laborer", &[("last_furnished", "2026-12-20")])).is_empty());
}

// ----------------------------------------------------------------------------------------- Utah

#[test]
fn ut_preliminary_notice_on_pioneer_day_rolls_to_monday_or_is_cut_by_a_notice_of_completion() {
    // First furnished Saturday Jul 4, 2026 + 20 days (Utah Code § 38-1a-501(1)(a)) = Friday Jul
    // 24, Pioneer Day (§ 63G-1-301); § 68-3-7 runs it to the next day that is no Saturday, Sunday
    // or holiday: Monday Jul 27.
    let facts = job("UT", "private", "gc", &[("first_furnished", "2026-07-04")]);
    let notice = one(&facts, "UT.private.preliminary_notice");
    assert_eq!((notice.raw_due, notice.due), (ymd(2026, 7, 24), ymd(2026, 7, 27)));
    assert_eq!(notice.consequence, "coverage_limited");
    assert!(has_note(&notice, "Pioneer Day"));
    // A notice of completion filed Friday Jul 10 + 10 days = Monday Jul 20, earlier (§ 38-1a-501(1)(d)).
    let facts = job(
        "UT",
        "private",
        "sub",
        &[("first_furnished", "2026-07-04"), ("notice_of_completion_recorded", "2026-07-10")],
    );
    assert_eq!(one(&facts, "UT.private.preliminary_notice").due, ymd(2026, 7, 20));
}

#[test]
fn ut_notice_of_lien_180_days_from_completion_or_90_after_a_notice_of_completion() {
    // Completion unknown, counted from our last day Monday Jun 1, 2026 (§ 38-1a-502(1)): Jun 30 is
    // day 29, Jul 31 day 60, Aug 31 day 91, Sep 30 day 121, Oct 31 day 152, Nov 28 day 180 =
    // Saturday -> Monday Nov 30.
    let facts = job("UT", "residential", "supplier", &[("last_furnished", "2026-06-01")]);
    let lien = one(&facts, "UT.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 11, 28), ymd(2026, 11, 30)));
    assert_eq!(lien.assumption.as_ref().map(|a| a.settled_by), Some("completed"));
    assert!(has_note(&lien, "Lien Recovery Fund"));
    // A notice of completion filed Wednesday Jul 1 + 90 days: Jul 31 is day 30, Aug 31 day 61,
    // Sep 29 day 90 = Tuesday.
    let facts = job(
        "UT",
        "private",
        "supplier",
        &[
            ("last_furnished", "2026-06-01"),
            ("completed", "2026-06-30"),
            ("notice_of_completion_recorded", "2026-07-01"),
        ],
    );
    assert_eq!(one(&facts, "UT.private.claim_of_lien").due, ymd(2026, 9, 29));
}

#[test]
fn ut_enforcement_180_days_after_recording_rolls_off_christmas() {
    // Recorded Sunday Jun 28, 2026 + 180 days (§ 38-1a-701): Jun 30 is day 2, Jul 31 day 33, Aug
    // 31 day 64, Sep 30 day 94, Oct 31 day 125, Nov 30 day 155, Dec 25 day 180 = Christmas, a
    // Friday -> Monday Dec 28.
    let suit = one(&job("UT", "private", "sub", &[("lien_recorded", "2026-06-28")]), "UT.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2026, 12, 25), ymd(2026, 12, 28)));
    assert!(has_note(&suit, "lis pendens"));
}

// --------------------------------------------------------------------------------------- Oregon

#[test]
fn or_notice_of_right_to_lien_counts_seven_business_days_past_juneteenth() {
    // First furnished Friday Jun 12, 2026. The notice covers work after the day eight business
    // days before it is delivered (ORS 87.021(1)); to cover the first day it must go within seven:
    // Mon 15 (1), Tue 16 (2), Wed 17 (3), Thu 18 (4), Fri 19 Juneteenth (ORS 187.010, skipped), Mon
    // 22 (5), Tue 23 (6), Wed 24 (7).
    let notice = one(
        &job("OR", "residential", "sub", &[("first_furnished", "2026-06-12")]),
        "OR.residential.notice_of_right_to_lien",
    );
    assert_eq!((notice.raw_due, notice.due), (ymd(2026, 6, 24), ymd(2026, 6, 24)));
    assert_eq!(notice.consequence, "coverage_limited");
    assert!(has_note(&notice, "arbot shows seven"));
    // On a home everyone not hired by the owner gives it, labor included (ORS 87.021(3)(b) spares
    // labor only on a commercial improvement).
    let labor = all(&job("OR", "residential", "laborer", &[("first_furnished", "2026-06-12")]));
    assert!(rules_of(&labor).contains(&"OR.residential.notice_of_right_to_lien"), "{labor:#?}");
    // On a commercial job only a materials supplier gives it.
    let supplier = one(
        &job("OR", "private", "supplier", &[("first_furnished", "2026-06-12")]),
        "OR.private.notice_of_right_to_lien",
    );
    assert_eq!(supplier.due, ymd(2026, 6, 24));
    for role in ["gc", "sub", "laborer"] {
        let list = all(&job("OR", "private", role, &[("first_furnished", "2026-06-12")]));
        assert!(list.iter().all(|d| d.kind != "preliminary_notice"), "{role}: {list:#?}");
    }
}

#[test]
fn or_claim_of_lien_75_days_rolls_past_thanksgiving_or_runs_from_an_earlier_completion() {
    // Last furnished Saturday Sep 12, 2026 + 75 days (ORS 87.035(1)): Sep 30 is day 18, Oct 31 day
    // 49, Nov 26 day 75 = Thanksgiving -> Friday Nov 27 (the day after is no Oregon legal holiday).
    let lien = one(&job("OR", "private", "gc", &[("last_furnished", "2026-09-12")]), "OR.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 11, 26), ymd(2026, 11, 27)));
    assert!(has_note(&lien, "Thanksgiving Day") && has_note(&lien, "ORS 87.039"));
    // Construction completed Tuesday Sep 1 + 75 days: Sep 30 is day 29, Oct 31 day 60, Nov 15 day
    // 75 = Sunday -> Monday Nov 16, the earlier.
    let facts = job("OR", "private", "laborer", &[("last_furnished", "2026-09-12"), ("completed", "2026-09-01")]);
    let lien = one(&facts, "OR.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 11, 15), ymd(2026, 11, 16)));
}

#[test]
fn or_foreclosure_120_days_on_new_years_observed_friday_rolls_to_monday() {
    // Claim filed Thursday Sep 2, 2027 + 120 days (ORS 87.055): Sep 30 is day 28, Oct 31 day 59,
    // Nov 30 day 89, Dec 31 day 120 = Friday, New Year's Day 2028 (a Saturday) observed
    // (ORS 187.010(2)) -> Monday Jan 3, 2028.
    let suit = one(&job("OR", "private", "sub", &[("lien_recorded", "2027-09-02")]), "OR.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2027, 12, 31), ymd(2028, 1, 3)));
    assert!(has_note(&suit, "(observed)") && has_note(&suit, "ORS 87.057"));
}

// ------------------------------------------------------------------------------------ Minnesota

#[test]
fn mn_prelien_notice_on_juneteenth_friday_falls_back_to_thursday() {
    // First furnished Tuesday May 5, 2026 + 45 days (Minn. Stat. § 514.011, subd. 2): May 31 is
    // day 26, Jun 19 day 45 = Juneteenth (§ 645.44, subd. 5), a Friday. § 645.15 moves it off the
    // holiday, but its Saturday wording is unconfirmed and the next day is a Saturday: the
    // business day before, Thursday Jun 18 (conservative).
    let notice = one(&job("MN", "private", "sub", &[("first_furnished", "2026-05-05")]), "MN.private.prelien_notice");
    assert_eq!((notice.raw_due, notice.due), (ymd(2026, 6, 19), ymd(2026, 6, 18)));
    assert_eq!((notice.kind.as_str(), notice.consequence.as_str()), ("preliminary_notice", "right_lost"));
    assert!(has_note(&notice, "Juneteenth") && has_note(&notice, "5,000 usable square feet"));
    for role in ["gc", "laborer"] {
        let list = all(&job("MN", "private", role, &[("first_furnished", "2026-05-05")]));
        assert!(list.iter().all(|d| d.rule != "MN.private.prelien_notice"), "{role}");
    }
}

#[test]
fn mn_lien_statement_and_suit_on_sundays_roll_to_monday() {
    // Last furnished Saturday Jul 11, 2026 + 120 days (§ 514.08, subd. 1): Jul 31 is day 20, Aug
    // 31 day 51, Sep 30 day 81, Oct 31 day 112, Nov 8 day 120 = Sunday -> Monday Nov 9. Suit: one
    // year from the last item (§ 514.12, subd. 3) = Sunday Jul 11, 2027 -> Monday Jul 12.
    let facts = job("MN", "private", "supplier", &[("last_furnished", "2026-07-11")]);
    let lien = one(&facts, "MN.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 11, 8), ymd(2026, 11, 9)));
    assert!(has_note(&lien, "served personally or by certified mail"));
    let suit = one(&facts, "MN.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2027, 7, 11), ymd(2027, 7, 12)));
}

#[test]
fn mn_prime_contractor_notice_on_thanksgiving_moves_to_the_friday() {
    // Work agreed upon Monday Nov 16, 2026 without a written contract + 10 days (§ 514.011, subd.
    // 1) = Thursday Nov 26, Thanksgiving -> Friday Nov 27 (the day after is left out, a holiday
    // only for the branches that choose it).
    let notice = one(
        &job("MN", "residential", "gc", &[("contract_signed", "2026-11-16")]),
        "MN.private.prime_contractor_notice",
    );
    assert_eq!((notice.raw_due, notice.due), (ymd(2026, 11, 26), ymd(2026, 11, 27)));
    assert!(has_note(&notice, "written contract"));
    assert!(missing_facts(&job("MN", "private", "gc", &[])).contains(&"contract_signed"));
}

// ------------------------------------------------------------------------------------- Missouri

#[test]
fn mo_lien_six_months_on_lincolns_birthday_rolls_past_washingtons_birthday() {
    // Last furnished Wednesday Aug 12, 2026 + 6 calendar months (RSMo § 429.080) = Friday Feb 12,
    // 2027, Lincoln's Birthday (§ 9.010); § 506.060.1 skips Saturday, Sunday and Monday Feb 15
    // (Washington's Birthday) -> Tuesday Feb 16. The 10-day notice (§ 429.100) counts back from
    // the unadjusted Feb 12: Tuesday Feb 2.
    let facts = job("MO", "private", "sub", &[("last_furnished", "2026-08-12")]);
    let lien = one(&facts, "MO.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2027, 2, 12), ymd(2027, 2, 16)));
    assert!(has_note(&lien, "Lincoln's Birthday") && has_note(&lien, "just and true"));
    let notice = one(&facts, "MO.private.notice_of_intent");
    assert_eq!((notice.kind.as_str(), notice.due), ("notice_of_intent", ymd(2027, 2, 2)));
    // The original contractor gives no 10-day notice, and is told of the § 429.012 notice.
    let gc = all(&job("MO", "private", "gc", &[("last_furnished", "2026-08-12")]));
    assert_eq!(rules_of(&gc), ["MO.private.claim_of_lien"]);
    assert!(has_note(&gc[0], "§ 429.012"));
    let home = one(&job("MO", "residential", "sub", &[("last_furnished", "2026-08-12")]), "MO.private.claim_of_lien");
    assert!(has_note(&home, "§ 429.013"));
}

#[test]
fn mo_six_months_clamps_to_february_28_and_the_suit_rolls_off_truman_day() {
    // Last furnished Monday Aug 31, 2026 + 6 months: February has no 31st, so Sunday Feb 28,
    // 2027 -> Monday Mar 1.
    let lien = one(&job("MO", "private", "supplier", &[("last_furnished", "2026-08-31")]), "MO.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2027, 2, 28), ymd(2027, 3, 1)));
    // Filed Monday Nov 8, 2027 + 6 months (§ 429.170) = Monday May 8, 2028, Truman Day -> Tuesday
    // May 9.
    let suit = one(&job("MO", "private", "sub", &[("lien_recorded", "2027-11-08")]), "MO.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2028, 5, 8), ymd(2028, 5, 9)));
    assert!(has_note(&suit, "Truman Day"));
}

// -------------------------------------------------------------------------------------- Indiana

#[test]
fn in_residential_prelien_notice_on_thanksgiving_is_kept() {
    // First furnished Tuesday Oct 27, 2026 + 30 days (Ind. Code § 32-28-3-1): Oct 31 is day 4, Nov
    // 26 day 30 = Thanksgiving. No Indiana rule found moves the last day: kept, and the note says
    // a roll would give Friday Nov 27.
    let notice =
        one(&job("IN", "residential", "sub", &[("first_furnished", "2026-10-27")]), "IN.residential.prelien_notice");
    assert_eq!((notice.raw_due, notice.due), (ymd(2026, 11, 26), ymd(2026, 11, 26)));
    assert!(has_note(&notice, "Thanksgiving Day") && has_note(&notice, "Fri 2026-11-27"));
    assert!(has_note(&notice, "60 days"));
    for (project, role) in [("residential", "gc"), ("private", "sub")] {
        let list = all(&job("IN", project, role, &[("first_furnished", "2026-10-27")]));
        assert!(list.iter().all(|d| d.kind != "preliminary_notice"), "{project} {role}: {list:#?}");
    }
}

#[test]
fn in_lien_is_90_days_or_60_on_a_home_and_a_saturday_is_kept() {
    // Last furnished Tuesday Sep 1, 2026. Commercial, 90 days (§ 32-28-3-3(a)): Sep 30 is day 29,
    // Oct 31 day 60, Nov 30 day 90 = Monday. Residential, 60 days (§ 32-28-3-3(b)): Oct 31 =
    // Saturday, kept (a roll would give Monday Nov 2).
    let lien = one(&job("IN", "private", "supplier", &[("last_furnished", "2026-09-01")]), "IN.private.claim_of_lien");
    assert_eq!(lien.due, ymd(2026, 11, 30));
    let home =
        one(&job("IN", "residential", "gc", &[("last_furnished", "2026-09-01")]), "IN.residential.claim_of_lien");
    assert_eq!((home.raw_due, home.due), (ymd(2026, 10, 31), ymd(2026, 10, 31)));
    assert!(has_note(&home, "Mon 2026-11-02") && home.consequence_text.contains("Class 2"));
    // Suit: one year after recording Thursday Mar 26, 2026 (§ 32-28-3-6) = Friday Mar 26, 2027,
    // Good Friday; kept (a roll: Monday Mar 29).
    let suit = one(&job("IN", "private", "sub", &[("lien_recorded", "2026-03-26")]), "IN.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2027, 3, 26), ymd(2027, 3, 26)));
    assert!(has_note(&suit, "Good Friday") && has_note(&suit, "Mon 2027-03-29"));
}

// ------------------------------------------------------------------------------------ Wisconsin

#[test]
fn wi_claim_six_months_on_a_sunday_is_kept_and_the_notice_of_intent_is_30_days_before() {
    // Last furnished Monday Aug 31, 2026 + 6 months (Wis. Stat. § 779.06(1)): February has no
    // 31st, so Sunday Feb 28, 2027. § 990.001(4)'s text was not confirmed: kept, and the note says
    // a roll would give Monday Mar 1. The notice of intent (§ 779.06(2)) is 30 days before the
    // unadjusted Feb 28: Friday Jan 29, 2027.
    let facts = job("WI", "private", "sub", &[("last_furnished", "2026-08-31")]);
    let lien = one(&facts, "WI.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2027, 2, 28), ymd(2027, 2, 28)));
    assert!(has_note(&lien, "Mon 2027-03-01"));
    let notice = one(&facts, "WI.private.notice_of_intent");
    assert_eq!((notice.kind.as_str(), notice.due), ("notice_of_intent", ymd(2027, 1, 29)));
    // Suit: two years after filing Wednesday Mar 1, 2026 (§ 779.10) = Wednesday Mar 1, 2028.
    let suit = one(&job("WI", "private", "gc", &[("lien_recorded", "2026-03-01")]), "WI.private.lien_enforcement");
    assert_eq!(suit.due, ymd(2028, 3, 1));
}

#[test]
fn wi_notices_of_lien_rights_prime_on_thanksgiving_kept_and_sub_at_60_days() {
    // Prime contractor on a home, first work Monday Nov 16, 2026 + 10 days (§ 779.02(2)(a)) =
    // Thursday Nov 26, Thanksgiving; kept (a roll would give Friday Nov 27).
    let prime = one(
        &job("WI", "residential", "gc", &[("first_furnished", "2026-11-16")]),
        "WI.residential.prime_contractor_notice",
    );
    assert_eq!((prime.raw_due, prime.due), (ymd(2026, 11, 26), ymd(2026, 11, 26)));
    assert!(has_note(&prime, "Thanksgiving Day") && has_note(&prime, "Fri 2026-11-27"));
    // A subcontractor, first furnished Saturday Sep 26, 2026 + 60 days (§ 779.02(2)(b)): Sep 30
    // is day 4, Oct 31 day 35, Nov 25 day 60 = Wednesday. On a commercial job the sources disagree
    // whether it is needed: shown, and said so.
    let sub =
        one(&job("WI", "private", "sub", &[("first_furnished", "2026-09-26")]), "WI.private.notice_of_lien_rights");
    assert_eq!((sub.due, sub.consequence.as_str()), (ymd(2026, 11, 25), "coverage_limited"));
    assert!(has_note(&sub, "nonresidential"));
    let home =
        one(&job("WI", "residential", "sub", &[("first_furnished", "2026-09-26")]), "WI.private.notice_of_lien_rights");
    assert!(!has_note(&home, "nonresidential"));
    assert!(all(&job("WI", "private", "gc", &[("first_furnished", "2026-11-16")])).is_empty());
}

// ------------------------------------------------------------------------------------- Maryland

#[test]
fn md_notice_on_election_day_and_petition_on_a_saturday_are_kept() {
    // Last furnished Monday Jul 6, 2026. Notice of intention, 120 days (Md. Code, Real Prop.
    // § 9-104(a)): Jul 31 is day 25, Aug 31 day 56, Sep 30 day 86, Oct 31 day 117, Nov 3 day 120 =
    // the statewide general election (Gen. Prov. § 1-111). No rule read moves the last day: kept,
    // a roll would give Wednesday Nov 4. Petition, 180 days (§ 9-105(a)): Nov 30 is day 147, Dec
    // 31 day 178, Jan 2, 2027 day 180 = Saturday, kept (a roll: Monday Jan 4).
    let facts = job("MD", "private", "sub", &[("last_furnished", "2026-07-06")]);
    let notice = one(&facts, "MD.private.notice_of_intent");
    assert_eq!((notice.raw_due, notice.due), (ymd(2026, 11, 3), ymd(2026, 11, 3)));
    assert!(has_note(&notice, "Election Day") && has_note(&notice, "Wed 2026-11-04"));
    let petition = one(&facts, "MD.private.claim_of_lien");
    assert_eq!((petition.raw_due, petition.due), (ymd(2027, 1, 2), ymd(2027, 1, 2)));
    assert!(has_note(&petition, "Mon 2027-01-04") && has_note(&petition, "show-cause hearing"));
    // The general contractor gives no notice of intention.
    let gc = all(&job("MD", "private", "gc", &[("last_furnished", "2026-07-06")]));
    assert_eq!(rules_of(&gc), ["MD.private.claim_of_lien"]);
}

#[test]
fn md_enforcement_a_year_after_the_petition_on_american_indian_heritage_day_is_kept() {
    // Petition filed Thursday Nov 26, 2026 + 1 year (§ 9-109) = Friday Nov 26, 2027, the Friday
    // after Thanksgiving (American Indian Heritage Day, § 1-111(a)(15)); kept (a roll: Monday Nov
    // 29).
    let suit =
        one(&job("MD", "residential", "supplier", &[("lien_recorded", "2026-11-26")]), "MD.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2027, 11, 26), ymd(2027, 11, 26)));
    assert!(has_note(&suit, "the Friday after Thanksgiving") && has_note(&suit, "Mon 2027-11-29"));
    let notice =
        one(&job("MD", "residential", "supplier", &[("last_furnished", "2026-07-06")]), "MD.private.notice_of_intent");
    assert!(has_note(&notice, "defense of payment"));
}

// ------------------------------------------------------------------------------- South Carolina

#[test]
fn sc_lien_on_thanksgiving_is_kept_and_suit_is_six_months_from_last_work() {
    // Last furnished Friday Aug 28, 2026 + 90 days (S.C. Code § 29-5-90): Aug 31 is day 3, Sep 30
    // day 33, Oct 31 day 64, Nov 26 day 90 = Thanksgiving. No rule found moves the last day: kept,
    // and the note says a roll would pass the day after Thanksgiving (also a holiday under
    // § 53-5-10) and the weekend to Monday Nov 30. Suit (§ 29-5-120): Aug 28 + 6 months = Sunday
    // Feb 28, 2027, kept (a roll: Monday Mar 1).
    let facts = job("SC", "private", "sub", &[("last_furnished", "2026-08-28")]);
    let lien = one(&facts, "SC.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 11, 26), ymd(2026, 11, 26)));
    assert!(has_note(&lien, "Mon 2026-11-30") && has_note(&lien, "§ 29-5-40"));
    let suit = one(&facts, "SC.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2027, 2, 28), ymd(2027, 2, 28)));
    assert!(has_note(&suit, "Mon 2027-03-01") && has_note(&suit, "Shelley"));
}

#[test]
fn sc_lien_on_christmas_eve_would_roll_past_three_holidays() {
    // Last furnished Friday Sep 25, 2026 + 90 days: Sep 30 is day 5, Oct 31 day 36, Nov 30 day 66,
    // Dec 24 day 90 = Christmas Eve (§ 53-5-10); kept. A roll would pass Dec 24, 25 and 26 and
    // Sunday Dec 27 to Monday Dec 28.
    let lien = one(&job("SC", "residential", "gc", &[("last_furnished", "2026-09-25")]), "SC.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 12, 24), ymd(2026, 12, 24)));
    assert!(has_note(&lien, "Christmas Eve") && has_note(&lien, "Mon 2026-12-28"));
    let holidays: Vec<NaiveDate> = holidays("SC", 2026).unwrap().into_iter().map(|(d, _)| d).collect();
    assert!(holidays.contains(&ymd(2026, 5, 10)) && holidays.contains(&ymd(2026, 12, 26)), "{holidays:?}");
}

// ------------------------------------------------------------------------------------- Kentucky

#[test]
fn ky_notice_on_lincolns_birthday_rolls_past_washingtons_birthday() {
    // Last furnished Sunday Nov 29, 2026 + 75 days (KRS 376.010): Nov 30 is day 1, Dec 31 day 32,
    // Jan 31 day 63, Feb 12, 2027 day 75 = Lincoln's Birthday (KRS 2.110), a Friday. KRS
    // 446.030(1)(a) skips it, the weekend and Monday Feb 15 (Washington's Birthday): Tuesday Feb 16.
    let facts = job("KY", "private", "sub", &[("last_furnished", "2026-11-29")]);
    let notice = one(&facts, "KY.private.notice_of_intent");
    assert_eq!((notice.raw_due, notice.due), (ymd(2027, 2, 12), ymd(2027, 2, 16)));
    assert!(has_note(&notice, "Lincoln's Birthday") && has_note(&notice, "120 days"));
    // The statement of lien: Nov 29 + 6 months = Saturday May 29, 2027 -> past Sunday and Monday
    // May 31 (Memorial Day) to Tuesday Jun 1 (KRS 376.080(1)).
    let lien = one(&facts, "KY.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2027, 5, 29), ymd(2027, 6, 1)));
    let gc = all(&job("KY", "private", "gc", &[("last_furnished", "2026-11-29")]));
    assert_eq!(rules_of(&gc), ["KY.private.claim_of_lien"]);
}

#[test]
fn ky_copy_to_the_owner_seven_days_after_filing_rolls_off_christmas() {
    // Filed Friday Dec 18, 2026 + 7 days (KRS 376.080) = Friday Dec 25, Christmas -> Monday Dec
    // 28. Suit: filed Saturday Jul 4, 2026 + 12 months (KRS 376.090(1)) = Sunday Jul 4, 2027 ->
    // Monday Jul 5 (KRS 2.110 keeps no observed day, so Monday is open).
    let service = one(&job("KY", "private", "supplier", &[("lien_recorded", "2026-12-18")]), "KY.private.lien_service");
    assert_eq!((service.raw_due, service.due), (ymd(2026, 12, 25), ymd(2026, 12, 28)));
    assert_eq!(service.consequence, "right_lost");
    let suit =
        one(&job("KY", "private", "supplier", &[("lien_recorded", "2026-07-04")]), "KY.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2027, 7, 4), ymd(2027, 7, 5)));
}

// -------------------------------------------------------------------------------------- Alabama

#[test]
fn al_subcontractor_lien_four_months_on_mlk_day_rolls_and_the_notice_comes_first() {
    // Last furnished Friday Sep 18, 2026 + 4 months (Ala. Code § 35-11-215) = Monday Jan 18,
    // 2027, Martin Luther King Jr. and Robert E. Lee Day (§ 1-3-8) -> Tuesday Jan 19 (§ 1-1-4).
    // The notice to the owner (§ 35-11-218) comes before filing: shown on the unadjusted Jan 18.
    let facts = job("AL", "private", "sub", &[("last_furnished", "2026-09-18")]);
    let lien = one(&facts, "AL.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2027, 1, 18), ymd(2027, 1, 19)));
    let notice = one(&facts, "AL.private.notice_to_owner");
    assert_eq!((notice.kind.as_str(), notice.due), ("notice_of_intent", ymd(2027, 1, 18)));
    // The original contractor has six months and gives no notice: Thursday Mar 18, 2027; suit
    // within six months of the debt's maturity, here the last day: also Mar 18 (§ 35-11-221).
    let gc = all(&job("AL", "private", "gc", &[("last_furnished", "2026-09-18")]));
    assert_eq!(rules_of(&gc), ["AL.private.gc_claim_of_lien", "AL.private.lien_enforcement"]);
    assert!(gc.iter().all(|d| d.due == ymd(2027, 3, 18)), "{gc:#?}");
    assert!(has_note(&gc[1], "progress payment"));
}

#[test]
fn al_laborer_30_days_on_a_saturday_independence_day_falls_back_to_thursday() {
    // Last worked Thursday Jun 4, 2026 + 30 days = Saturday Jul 4, 2026. § 1-1-4 names no Saturday,
    // so the business day before is used; Friday Jul 3 is Independence Day observed (§ 1-3-8):
    // Thursday Jul 2. The notice to the owner counts from the laborer's own 30 days.
    let facts = job("AL", "private", "laborer", &[("last_furnished", "2026-06-04")]);
    let lien = one(&facts, "AL.private.laborer_claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 7, 4), ymd(2026, 7, 2)));
    assert_eq!(one(&facts, "AL.private.notice_to_owner").due, ymd(2026, 7, 4));
}

// ------------------------------------------------------------------------------------- Oklahoma

#[test]
fn ok_subcontractor_lien_on_the_day_after_thanksgiving_rolls_to_monday() {
    // Last furnished Saturday Aug 29, 2026. Lien statement, 90 days (42 O.S. § 143.1): Aug 31 is
    // day 2, Sep 30 day 32, Oct 31 day 63, Nov 27 day 90 = the day after Thanksgiving, a holiday
    // under 25 O.S. § 82.1(A); (C) lets it be done the next business day: Monday Nov 30. The
    // pre-lien notice, 75 days (§ 142.6(B)(1)) = Thursday Nov 12.
    let facts = job("OK", "private", "supplier", &[("last_furnished", "2026-08-29")]);
    let lien = one(&facts, "OK.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 11, 27), ymd(2026, 11, 30)));
    assert!(has_note(&lien, "the Friday after Thanksgiving"));
    let notice = one(&facts, "OK.private.pre_lien_notice");
    assert_eq!((notice.kind.as_str(), notice.due), ("preliminary_notice", ymd(2026, 11, 12)));
    assert!(has_note(&notice, "$10,000"));
    // The original contractor: four months = Tuesday Dec 29, 2026 (§ 142), and no pre-lien notice.
    let gc = all(&job("OK", "private", "gc", &[("last_furnished", "2026-08-29")]));
    assert_eq!(rules_of(&gc), ["OK.private.gc_claim_of_lien"]);
    assert_eq!(gc[0].due, ymd(2026, 12, 29));
}

#[test]
fn ok_suit_a_year_after_filing_rolls_past_a_sunday_independence_day_kept_on_monday() {
    // Filed Friday Jul 3, 2026 + 1 year (42 O.S. § 172) = Saturday Jul 3, 2027; Sunday Jul 4 is
    // Independence Day, kept on Monday Jul 5 (§ 82.1(A)): Tuesday Jul 6.
    let suit = one(&job("OK", "private", "sub", &[("lien_recorded", "2026-07-03")]), "OK.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2027, 7, 3), ymd(2027, 7, 6)));
}

// ------------------------------------------------------------------------------------ Louisiana

#[test]
fn la_statement_of_claim_60_days_from_completion_on_a_saturday_is_kept() {
    // Completion unknown: counted from our last day, Tuesday Sep 15, 2026, the earliest the work
    // can be substantially complete (La. R.S. 9:4822(A)): Sep 30 is day 15, Oct 31 day 46, Nov 14
    // day 60 = Saturday. No rule moving it off a weekend was confirmed (C.C. art. 3454 moves a
    // legal holiday), so it is kept; a roll would give Monday Nov 16.
    let facts = job("LA", "private", "sub", &[("last_furnished", "2026-09-15")]);
    let lien = one(&facts, "LA.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 11, 14), ymd(2026, 11, 14)));
    assert_eq!(lien.assumption.as_ref().map(|a| a.settled_by), Some("completed"));
    assert!(has_note(&lien, "Mon 2026-11-16") && has_note(&lien, "unsettled"));
    assert!(has_note(&lien, "six months after substantial completion"));
    // Filed Friday Nov 13, 2026: suit against the owner within one year after filing
    // (§ 4823(A)(2)) = Saturday Nov 13, 2027, kept likewise.
    let suit = one(&job("LA", "private", "sub", &[("lien_recorded", "2026-11-13")]), "LA.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2027, 11, 13), ymd(2027, 11, 13)));
    assert!(has_note(&suit, "Mon 2027-11-15"));
}

#[test]
fn la_notice_of_termination_shortens_a_subs_period_to_30_days_but_not_the_gcs() {
    // Substantially complete Friday Oct 30, 2026; notice of termination filed Friday Nov 20.
    // Subcontractor (§ 4822(A), (B)): Oct 30 + 60 = Oct 31 day 1, Nov 30 day 31, Dec 29 day 60 =
    // Tuesday; Nov 20 + 30 = Nov 30 day 10, Dec 20 day 30 = Sunday. The earlier, Sunday Dec 20,
    // is kept; a roll would give Monday Dec 21.
    let dates = [
        ("last_furnished", "2026-10-15"),
        ("completed", "2026-10-30"),
        ("notice_of_completion_recorded", "2026-11-20"),
    ];
    let lien = one(&job("LA", "private", "sub", &dates), "LA.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 12, 20), ymd(2026, 12, 20)));
    assert!(lien.assumption.is_none());
    assert!(has_note(&lien, "Earlier of") && has_note(&lien, "Mon 2026-12-21"));
    // The general contractor has 60 days from either (§ 4822(A), (C)): Nov 20 + 60 = Dec 31 day 41,
    // Jan 19, 2027 day 60; the earlier is Tuesday Dec 29, 2026.
    let gc = all(&job("LA", "private", "gc", &dates));
    assert_eq!(rules_of(&gc), ["LA.private.gc_claim_of_lien"]);
    assert_eq!(gc[0].due, ymd(2026, 12, 29));
    assert!(has_note(&gc[0], "$100,000"));
}

#[test]
fn la_supplier_notice_of_nonpayment_75_days_after_each_month_or_the_lien_deadline_if_earlier() {
    // Deliveries in May and November 2026, last on Friday Nov 20 (La. R.S. 9:4802(G)). May: May 31
    // + 75 = Jun 30 day 30, Jul 31 day 61, Aug 14 day 75 = Friday. November: Nov 30 + 75 = Dec 31
    // day 31, Jan 31 day 62, Feb 13, 2027 day 75 = Saturday; but the lien period ends first:
    // completion unknown, Nov 20 + 60 = Nov 30 day 10, Dec 31 day 41, Jan 19, 2027 day 60 = Tuesday.
    let facts = job(
        "LA",
        "private",
        "supplier",
        &[("furnished_month", "2026-05"), ("furnished_month", "2026-11"), ("last_furnished", "2026-11-20")],
    );
    let notices: Vec<Deadline> =
        all(&facts).into_iter().filter(|d| d.rule == "LA.private.notice_of_nonpayment").collect();
    assert_eq!(notices.len(), 2, "{notices:#?}");
    assert_eq!((notices[0].kind.as_str(), notices[0].due), ("notice_of_nonpayment", ymd(2026, 8, 14)));
    assert_eq!(notices[0].consequence, "coverage_limited");
    assert_eq!(notices[1].due, ymd(2027, 1, 19));
    assert!(has_note(&notices[1], "Earlier of") && has_note(&notices[0], "J. Reed"));
    // Without a last day the lien period is not known, and the 75 days stand: Saturday Feb 13,
    // 2027, kept; a roll would pass Monday Feb 15, Washington's Birthday (R.S. 1:55), to Tuesday.
    let facts = job("LA", "private", "supplier", &[("furnished_month", "2026-11")]);
    let notice = one(&facts, "LA.private.notice_of_nonpayment");
    assert_eq!((notice.raw_due, notice.due), (ymd(2027, 2, 13), ymd(2027, 2, 13)));
    assert!(has_note(&notice, "Tue 2027-02-16"));
    // A subcontractor hired by the general contractor, and the general contractor, send none.
    for role in ["sub", "gc"] {
        let list = all(&job("LA", "private", role, &[("furnished_month", "2026-11")]));
        assert!(list.iter().all(|d| d.kind != "notice_of_nonpayment"), "{role}: {list:#?}");
    }
}

#[test]
fn la_residential_claim_mentions_the_70_day_extension_and_public_jobs_are_not_covered() {
    let lien =
        one(&job("LA", "residential", "supplier", &[("last_furnished", "2026-09-15")]), "LA.private.claim_of_lien");
    assert_eq!(lien.due, ymd(2026, 11, 14));
    assert!(has_note(&lien, "70 days"));
    let err = deadlines(&job("LA", "public", "sub", &[("last_furnished", "2026-09-15")]), &[]).unwrap_err();
    assert!(err.to_string().contains("not public jobs"), "{err}");
}

// ---------------------------------------------------------------------------------- Connecticut

#[test]
fn ct_notice_of_intent_and_certificate_both_90_days_after_last_work() {
    // Last furnished Tuesday Sep 15, 2026 + 90 days (Conn. Gen. Stat. §§ 49-34(1), 49-35(a)): Sep 30
    // is day 15, Oct 31 day 46, Nov 30 day 76, Dec 14 day 90 = Monday.
    let facts = job("CT", "private", "supplier", &[("last_furnished", "2026-09-15")]);
    assert_eq!(rules_of(&all(&facts)), ["CT.private.claim_of_lien", "CT.private.notice_of_intent"]);
    assert!(all(&facts).iter().all(|d| d.due == ymd(2026, 12, 14) && d.consequence == "right_lost"));
    // The original contractor gives no notice of intent.
    let gc = all(&job("CT", "private", "gc", &[("last_furnished", "2026-09-15")]));
    assert_eq!(rules_of(&gc), ["CT.private.claim_of_lien"]);
    // A subcontractor is told when it needs none.
    let notice = one(&job("CT", "private", "sub", &[("last_furnished", "2026-09-15")]), "CT.private.notice_of_intent");
    assert!(has_note(&notice, "assented to it in writing"));
}

#[test]
fn ct_certificate_on_lincoln_day_is_kept_and_a_roll_would_pass_washingtons_birthday() {
    // Last furnished Saturday Nov 14, 2026 + 90 days: Nov 30 is day 16, Dec 31 day 47, Jan 31 day
    // 78, Feb 12, 2027 day 90 = Friday, Lincoln Day (§ 1-4). No rule moving it was found, so it is
    // kept; a roll would pass the weekend and Monday Feb 15, Washington's Birthday, to Tuesday.
    let lien = one(&job("CT", "residential", "sub", &[("last_furnished", "2026-11-14")]), "CT.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2027, 2, 12), ymd(2027, 2, 12)));
    assert!(has_note(&lien, "Lincoln's Birthday") && has_note(&lien, "Tue 2027-02-16"));
}

#[test]
fn ct_service_30_days_and_foreclosure_a_year_after_recording_are_kept_off_closed_days() {
    // Certificate lodged Friday Dec 4, 2026: copy served within 30 days (§ 49-34(2)) = Dec 31 is
    // day 27, Jan 3, 2027 day 30 = Sunday, kept (a roll: Monday Jan 4).
    let service = one(&job("CT", "private", "sub", &[("lien_recorded", "2026-12-04")]), "CT.private.lien_service");
    assert_eq!((service.kind.as_str(), service.due), ("lien_service", ymd(2027, 1, 3)));
    assert!(has_note(&service, "Mon 2027-01-04"));
    // Lodged Thursday Dec 24, 2026: action and lis pendens within one year (§ 49-39) = Friday Dec
    // 24, 2027, Christmas observed (Dec 25 is a Saturday, § 1-4); kept, a roll would give Monday
    // Dec 27.
    let suit = one(&job("CT", "private", "gc", &[("lien_recorded", "2026-12-24")]), "CT.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2027, 12, 24), ymd(2027, 12, 24)));
    assert!(has_note(&suit, "Christmas Day (observed)") && has_note(&suit, "Mon 2027-12-27"));
    assert!(has_note(&suit, "lis pendens"));
}

// ----------------------------------------------------------------------------------------- Iowa

#[test]
fn ia_lien_90_days_on_a_saturday_rolls_to_monday_and_costs_coverage_not_the_right() {
    // Last furnished Sunday Sep 6, 2026 + 90 days (Iowa Code § 572.9): Sep 30 is day 24, Oct 31
    // day 55, Nov 30 day 85, Dec 5 day 90 = Saturday; § 4.1(34) extends it to Monday Dec 7.
    let facts = job("IA", "private", "sub", &[("last_furnished", "2026-09-06")]);
    let lien = one(&facts, "IA.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 12, 5), ymd(2026, 12, 7)));
    assert_eq!(lien.consequence, "coverage_limited");
    // Suit within two years after the 90 days end, counted from the unadjusted Saturday (§ 572.27):
    // Tuesday Dec 5, 2028.
    assert_eq!(one(&facts, "IA.private.lien_enforcement").due, ymd(2028, 12, 5));
}

#[test]
fn ia_suit_two_years_after_the_posting_period_rolls_past_labor_day() {
    // Last furnished Saturday Jun 6, 2026 + 90 days: Jun 30 is day 24, Jul 31 day 55, Aug 31 day
    // 86, Sep 4 day 90 = Friday. Two years later, Monday Sep 4, 2028, is Labor Day (§ 1C.2):
    // Tuesday Sep 5.
    let suit =
        one(&job("IA", "residential", "supplier", &[("last_furnished", "2026-06-06")]), "IA.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2028, 9, 4), ymd(2028, 9, 5)));
    assert!(has_note(&suit, "Labor Day") && has_note(&suit, "§ 572.28"));
}

#[test]
fn ia_commercial_notice_to_prime_on_the_friday_after_thanksgiving_rolls_to_monday() {
    // First furnished Wednesday Oct 28, 2026 + 30 days (§ 572.33) = Friday Nov 27, the Friday
    // after Thanksgiving (§ 1C.2): Monday Nov 30. Only a claimant below a subcontractor owes it,
    // and only on commercial work.
    let notice =
        one(&job("IA", "private", "sub_sub", &[("first_furnished", "2026-10-28")]), "IA.private.notice_to_prime");
    assert_eq!((notice.raw_due, notice.due), (ymd(2026, 11, 27), ymd(2026, 11, 30)));
    assert_eq!(notice.confidence, "low");
    for (project, role) in [("private", "sub"), ("private", "gc"), ("residential", "sub_sub")] {
        let list = all(&job("IA", project, role, &[("first_furnished", "2026-10-28")]));
        assert!(list.iter().all(|d| d.rule != "IA.private.notice_to_prime"), "{project} {role}: {list:#?}");
    }
}

#[test]
fn ia_residential_notice_of_commencement_on_a_saturday_independence_day_rolls_to_monday() {
    // Work began Wednesday Jun 24, 2026 + 10 days (§ 572.13A(1)) = Saturday Jul 4; Friday Jul 3 is
    // Independence Day observed (§ 1C.2(3)): Monday Jul 6. A subcontractor posts its preliminary
    // notice (§ 572.13B) as it starts: Wednesday Jun 24.
    let notice = one(
        &job("IA", "residential", "gc", &[("first_furnished", "2026-06-24")]),
        "IA.residential.notice_of_commencement",
    );
    assert_eq!((notice.raw_due, notice.due), (ymd(2026, 7, 4), ymd(2026, 7, 6)));
    let prelim = one(
        &job("IA", "residential", "sub", &[("first_furnished", "2026-06-24")]),
        "IA.residential.preliminary_notice",
    );
    assert_eq!((prelim.kind.as_str(), prelim.due), ("preliminary_notice", ymd(2026, 6, 24)));
    assert!(all(&job("IA", "private", "gc", &[("first_furnished", "2026-06-24")])).is_empty());
}

// --------------------------------------------------------------------------------------- Kansas

#[test]
fn ks_subcontractor_three_months_clamps_to_february_28_and_rolls_off_the_sunday() {
    // Last furnished Monday Nov 30, 2026 + 3 months (K.S.A. 60-1103(a)(1)) = Feb 30 -> Sunday Feb
    // 28, 2027; 60-206(a)(1)(C) runs it to Monday Mar 1. On a residence the notice of intent to
    // perform comes first: shown on the unadjusted Feb 28.
    let lien = one(&job("KS", "private", "sub", &[("last_furnished", "2026-11-30")]), "KS.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2027, 2, 28), ymd(2027, 3, 1)));
    assert!(has_note(&lien, "K.S.A. 60-206(a)(1)(C)"));
    let home = job("KS", "residential", "supplier", &[("last_furnished", "2026-11-30")]);
    let notice = one(&home, "KS.residential.notice_of_intent_to_perform");
    assert_eq!((notice.kind.as_str(), notice.due), ("notice_of_intent", ymd(2027, 2, 28)));
    assert!(
        all(&job("KS", "private", "sub", &[("last_furnished", "2026-11-30")]))
            .iter()
            .all(|d| d.kind != "notice_of_intent")
    );
}

#[test]
fn ks_original_contractor_four_months_on_washingtons_birthday_rolls_to_tuesday() {
    // Last furnished Thursday Oct 15, 2026 + 4 months (§ 60-1102(a)) = Monday Feb 15, 2027,
    // Washington's Birthday (K.S.A. 35-107): Tuesday Feb 16.
    let gc = all(&job("KS", "private", "gc", &[("last_furnished", "2026-10-15")]));
    assert_eq!(rules_of(&gc), ["KS.private.gc_claim_of_lien"]);
    assert_eq!((gc[0].raw_due, gc[0].due), (ymd(2027, 2, 15), ymd(2027, 2, 16)));
    assert!(has_note(&gc[0], "five months"));
}

#[test]
fn ks_suit_a_year_after_filing_rolls_off_veterans_day_but_a_saturday_one_is_not_kept_monday() {
    // Filed Wednesday Nov 11, 2026 + 1 year (§ 60-1105) = Thursday Nov 11, 2027, Veterans Day:
    // Friday Nov 12.
    let suit = one(&job("KS", "private", "sub", &[("lien_recorded", "2026-11-11")]), "KS.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2027, 11, 11), ymd(2027, 11, 12)));
    // Filed Thursday Nov 11, 2027 + 1 year = Saturday Nov 11, 2028. A Saturday Veterans Day is not
    // kept on the Monday (City of Lawrence v. McCormick), so the weekend rolls to Monday Nov 13.
    let suit = one(&job("KS", "private", "gc", &[("lien_recorded", "2027-11-11")]), "KS.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2028, 11, 11), ymd(2028, 11, 13)));
    assert!(deadlines(&job("KS", "public", "sub", &[("lien_recorded", "2027-11-11")]), &[]).is_err());
}

// ------------------------------------------------------------------------------------- Arkansas

#[test]
fn ar_lien_account_120_days_on_christmas_eve_is_kept_and_the_notice_is_10_days_before() {
    // Last furnished Wednesday Aug 26, 2026. Lien account, 120 days (Ark. Code Ann.
    // § 18-44-117(a)): Aug 31 is day 5, Sep 30 day 35, Oct 31 day 66, Nov 30 day 96, Dec 24 day 120
    // = Thursday, Christmas Eve (§ 1-5-101). No rule moving it was confirmed, so it is kept; a roll
    // would pass Christmas and the weekend to Monday Dec 28. The 10 days' notice (§ 18-44-114) is
    // counted back from Dec 24: Monday Dec 14. On commercial work the notice of nonpayment, 75
    // days (§ 18-44-115): Aug 31 day 5, Sep 30 day 35, Oct 31 day 66, Nov 9 day 75 = Monday.
    let facts = job("AR", "private", "supplier", &[("last_furnished", "2026-08-26")]);
    let lien = one(&facts, "AR.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 12, 24), ymd(2026, 12, 24)));
    assert!(has_note(&lien, "Christmas Eve") && has_note(&lien, "Mon 2026-12-28"));
    let notice = one(&facts, "AR.private.notice_of_intent");
    assert_eq!((notice.kind.as_str(), notice.due), ("notice_of_intent", ymd(2026, 12, 14)));
    let nonpayment = one(&facts, "AR.private.notice_of_nonpayment");
    assert_eq!((nonpayment.kind.as_str(), nonpayment.due), ("notice_of_nonpayment", ymd(2026, 11, 9)));
    // None on a home, and none for the general contractor.
    for (project, role) in [("residential", "supplier"), ("private", "gc")] {
        let list = all(&job("AR", project, role, &[("last_furnished", "2026-08-26")]));
        assert!(list.iter().all(|d| d.kind != "notice_of_nonpayment"), "{project} {role}: {list:#?}");
    }
}

#[test]
fn ar_notice_counted_back_onto_a_saturday_stays_there() {
    // Last furnished Monday Aug 3, 2026 + 120 days = Aug 31 day 28, Sep 30 day 58, Oct 31 day 89,
    // Nov 30 day 119, Tuesday Dec 1 day 120. Ten days before: Saturday Nov 21, never moved.
    let facts = job("AR", "private", "gc", &[("last_furnished", "2026-08-03")]);
    assert_eq!(one(&facts, "AR.private.claim_of_lien").due, ymd(2026, 12, 1));
    let notice = one(&facts, "AR.private.notice_of_intent");
    assert_eq!(notice.due, ymd(2026, 11, 21));
    assert!(has_note(&notice, "never moves"));
}

#[test]
fn ar_residential_notice_before_work_and_the_15_month_suit_landing_on_february_29() {
    // First furnished Monday Mar 1, 2027 (§ 18-44-115(a)): the day before, Sunday Feb 28, counted
    // back and kept. Only the residential contractor gives it.
    let notice =
        one(&job("AR", "residential", "gc", &[("first_furnished", "2027-03-01")]), "AR.residential.notice_to_owner");
    assert_eq!((notice.kind.as_str(), notice.due), ("notice_to_owner", ymd(2027, 2, 28)));
    assert!(all(&job("AR", "residential", "sub", &[("first_furnished", "2027-03-01")])).is_empty());
    // Filed Monday Nov 30, 2026 + 15 months (§ 18-44-119) = Tuesday Feb 29, 2028, a leap day.
    let suit = one(&job("AR", "private", "sub", &[("lien_recorded", "2026-11-30")]), "AR.private.lien_enforcement");
    assert_eq!(suit.due, ymd(2028, 2, 29));
}

// ---------------------------------------------------------------------------------- Mississippi

#[test]
fn ms_second_tier_notice_30_days_on_the_friday_after_thanksgiving_and_the_90_day_claim() {
    // First furnished Wednesday Oct 28, 2026 + 30 days (Miss. Code Ann. § 85-7-407(2)) = Friday
    // Nov 27, a business day (not a § 3-3-7 holiday). Last furnished Friday Nov 20 + 90 days
    // (§ 85-7-405(1)(b)): Nov 30 is day 10, Dec 31 day 41, Jan 31 day 72, Feb 18, 2027 day 90 =
    // Thursday.
    let facts = job("MS", "private", "sub_sub", &[("first_furnished", "2026-10-28"), ("last_furnished", "2026-11-20")]);
    let notice = one(&facts, "MS.private.notice_of_commencement");
    assert_eq!((notice.kind.as_str(), notice.due), ("preliminary_notice", ymd(2026, 11, 27)));
    assert_eq!(one(&facts, "MS.private.claim_of_lien").due, ymd(2027, 2, 18));
    // None on single-family residential work, where the pre-lien notice comes 10 days before the
    // last day to file instead: Monday Feb 8, 2027.
    let home = all(&job(
        "MS",
        "residential",
        "sub_sub",
        &[("first_furnished", "2026-10-28"), ("last_furnished", "2026-11-20")],
    ));
    assert!(home.iter().all(|d| d.rule != "MS.private.notice_of_commencement"), "{home:#?}");
    let pre = home.iter().find(|d| d.rule == "MS.residential.pre_lien_notice").expect("a pre-lien notice");
    assert_eq!((pre.kind.as_str(), pre.due), ("notice_of_intent", ymd(2027, 2, 8)));
}

#[test]
fn ms_copy_of_the_lien_two_business_days_after_filing_skips_thanksgiving() {
    // Filed Wednesday Nov 25, 2026: Thursday Nov 26 is Thanksgiving (§ 3-3-7); business day 1 is
    // Friday Nov 27, day 2 Monday Nov 30.
    let service = one(&job("MS", "private", "gc", &[("lien_recorded", "2026-11-25")]), "MS.private.lien_service");
    assert_eq!((service.kind.as_str(), service.due), ("lien_service", ymd(2026, 11, 30)));
}

#[test]
fn ms_suit_180_days_after_filing_on_a_saturday_is_kept() {
    // Filed Thursday Dec 3, 2026 + 180 days (§ 85-7-421(1)): Dec 31 is day 28, Jan 31 day 59,
    // Feb 28 day 87, Mar 31 day 118, Apr 30 day 148, May 31 day 179, Jun 1, 2027 day 180 = Tuesday.
    let suit = one(&job("MS", "private", "sub", &[("lien_recorded", "2026-12-03")]), "MS.private.lien_enforcement");
    assert_eq!(suit.due, ymd(2027, 6, 1));
    // Filed Monday Nov 30, 2026 + 180 days = May 29, 2027, a Saturday. § 85-7-425's text was not
    // read, so it is kept; a roll would pass Memorial Day (Monday May 31) to Tuesday Jun 1.
    let suit = one(&job("MS", "private", "sub", &[("lien_recorded", "2026-11-30")]), "MS.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2027, 5, 29), ymd(2027, 5, 29)));
    assert!(has_note(&suit, "Tue 2027-06-01"));
}

// ------------------------------------------------------------------------------------- Nebraska

#[test]
fn ne_lien_120_days_on_the_friday_after_thanksgiving_is_kept() {
    // Last furnished Thursday Jul 30, 2026 + 120 days (Neb. Rev. Stat. § 52-137(1)): Jul 31 is
    // day 1, Aug 31 day 32, Sep 30 day 62, Oct 31 day 93, Nov 27 day 120 = the Friday after
    // Thanksgiving, a § 25-2221 court holiday. Whether § 25-2221 reaches a recording was not
    // confirmed, so it is kept; a roll would give Monday Nov 30.
    let facts = job("NE", "private", "sub", &[("last_furnished", "2026-07-30")]);
    let lien = one(&facts, "NE.private.claim_of_lien");
    assert_eq!((lien.kind.as_str(), lien.raw_due, lien.due), ("claim_of_lien", ymd(2026, 11, 27), ymd(2026, 11, 27)));
    assert!(has_note(&lien, "Mon 2026-11-30"), "{lien:#?}");
    // The same 120 days for the prime contractor, on a home too; no preliminary notice.
    let home =
        all(&job("NE", "residential", "gc", &[("first_furnished", "2026-05-04"), ("last_furnished", "2026-07-30")]));
    assert_eq!(rules_of(&home), ["NE.private.claim_of_lien"]);
    assert_eq!(home[0].due, ymd(2026, 11, 27));
}

#[test]
fn ne_copy_of_the_lien_10_days_after_recording_on_christmas_is_kept() {
    // Recorded Tuesday Dec 15, 2026 + 10 days (§ 52-135(3)) = Friday Dec 25, Christmas: kept; a
    // roll would give Monday Dec 28.
    let service = one(&job("NE", "private", "supplier", &[("lien_recorded", "2026-12-15")]), "NE.private.lien_service");
    assert_eq!((service.kind.as_str(), service.due), ("lien_service", ymd(2026, 12, 25)));
    assert!(has_note(&service, "Mon 2026-12-28"), "{service:#?}");
}

#[test]
fn ne_suit_two_years_after_recording_and_a_february_29_anniversary() {
    // Recorded Friday Jan 8, 2027 + 2 years (§ 52-140(1)) = Monday Jan 8, 2029.
    let suit = one(&job("NE", "private", "sub", &[("lien_recorded", "2027-01-08")]), "NE.private.lien_enforcement");
    assert_eq!((suit.kind.as_str(), suit.due), ("lien_enforcement", ymd(2029, 1, 8)));
    // Recorded Tuesday Feb 29, 2028 + 2 years: 2030 has no Feb 29, so Thursday Feb 28, 2030.
    let suit = one(&job("NE", "private", "sub", &[("lien_recorded", "2028-02-29")]), "NE.private.lien_enforcement");
    assert_eq!(suit.due, ymd(2030, 2, 28));
}

// ----------------------------------------------------------------------------------- New Mexico

#[test]
fn nm_preliminary_notice_60_days_on_a_saturday_is_kept_and_none_on_a_home() {
    // First furnished Tuesday Sep 1, 2026 + 60 days (NMSA § 48-2-2.1(B)): Sep 30 is day 29, Oct 31
    // day 60 = Saturday. Whether § 12-2A-7(F) reaches the lien act was not confirmed, so it is
    // kept; a roll would give Monday Nov 2.
    let facts = job("NM", "private", "sub_sub", &[("first_furnished", "2026-09-01")]);
    let notice = one(&facts, "NM.private.preliminary_notice");
    assert_eq!(
        (notice.kind.as_str(), notice.raw_due, notice.due),
        ("preliminary_notice", ymd(2026, 10, 31), ymd(2026, 10, 31))
    );
    assert!(has_note(&notice, "Mon 2026-11-02"), "{notice:#?}");
    // Not owed by a subcontractor hired by the original contractor, nor on a home (four units or
    // fewer).
    let sub = all(&job("NM", "private", "sub", &[("first_furnished", "2026-09-01")]));
    assert!(sub.iter().all(|d| d.rule != "NM.private.preliminary_notice"), "{sub:#?}");
    let home = all(&job("NM", "residential", "supplier", &[("first_furnished", "2026-09-01")]));
    assert!(home.iter().all(|d| d.rule != "NM.private.preliminary_notice"), "{home:#?}");
}

#[test]
fn nm_claim_90_days_after_completion_or_120_for_the_original_contractor() {
    // Completed Thursday Oct 1, 2026 + 90 days (§ 48-2-6(A)): Oct 31 is day 30, Nov 30 day 60,
    // Dec 30 day 90 = Wednesday.
    let facts = job("NM", "private", "sub", &[("last_furnished", "2026-09-21"), ("completed", "2026-10-01")]);
    let lien = one(&facts, "NM.private.claim_of_lien");
    assert_eq!((lien.due, lien.assumption.clone()), (ymd(2026, 12, 30), None));
    // Completion unknown: counted from our last day, Monday Sep 21 + 90 = Sunday Dec 20 (Sep 30
    // day 9, Oct 31 day 40, Nov 30 day 70, Dec 20 day 90), kept; a roll would give Monday Dec 21.
    let facts = job("NM", "private", "sub", &[("last_furnished", "2026-09-21")]);
    let lien = one(&facts, "NM.private.claim_of_lien");
    assert_eq!(lien.due, ymd(2026, 12, 20));
    assert_eq!(lien.assumption.as_ref().map(|a| a.settled_by), Some("completed"));
    assert!(has_note(&lien, "Mon 2026-12-21"), "{lien:#?}");
    // The original contractor: last work Thursday Oct 1 + 120 days = Oct 31 day 30, Nov 30 day
    // 60, Dec 31 day 91, Jan 29, 2027 day 120 = Friday.
    let gc = one(&job("NM", "residential", "gc", &[("last_furnished", "2026-10-01")]), "NM.private.gc_claim_of_lien");
    assert_eq!(gc.due, ymd(2027, 1, 29));
}

#[test]
fn nm_copy_within_15_days_and_the_two_year_suit_off_a_sunday() {
    // Filed Thursday Dec 3, 2026: the copy to the owner within 15 days (§ 48-2-6(B)) = Friday Dec
    // 18; suit two years after filing (§ 48-2-10) = Sunday Dec 3, 2028, which Rule 1-006(A)(1)(c)
    // moves to Monday Dec 4.
    let facts = job("NM", "private", "supplier", &[("lien_recorded", "2026-12-03")]);
    let service = one(&facts, "NM.private.lien_service");
    assert_eq!(
        (service.kind.as_str(), service.due, service.consequence.as_str()),
        ("lien_service", ymd(2026, 12, 18), "coverage_limited")
    );
    let suit = one(&facts, "NM.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2028, 12, 3), ymd(2028, 12, 4)));
}

// ---------------------------------------------------------------------------------------- Idaho

#[test]
fn id_claim_90_days_a_sunday_rolls_to_monday_a_saturday_uses_the_friday_before() {
    // Last furnished Monday Aug 31, 2026 + 90 days (Idaho Code § 45-507): Sep 30 is day 30, Oct 31
    // day 61, Nov 29 day 90 = Sunday, a § 73-108 holiday: Monday Nov 30 (§ 73-110).
    let lien = one(&job("ID", "private", "sub", &[("last_furnished", "2026-08-31")]), "ID.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 11, 29), ymd(2026, 11, 30)));
    // Last furnished Sunday Sep 6 + 90 days: Sep 30 day 24, Oct 31 day 55, Nov 30 day 85, Dec 5
    // day 90 = Saturday, which § 73-108 does not make a holiday: Friday Dec 4.
    let lien = one(&job("ID", "residential", "gc", &[("last_furnished", "2026-09-06")]), "ID.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 12, 5), ymd(2026, 12, 4)));
    assert!(has_note(&lien, "§ 45-525"), "{lien:#?}");
}

#[test]
fn id_copy_to_the_owner_five_business_days_after_filing_skips_veterans_day() {
    // Filed Friday Nov 6, 2026: Monday Nov 9 is business day 1, Tuesday Nov 10 day 2, Wednesday
    // Nov 11 is Veterans Day (§ 73-108), Thursday Nov 12 day 3, Friday Nov 13 day 4, Monday Nov 16
    // day 5.
    let service = one(&job("ID", "private", "supplier", &[("lien_recorded", "2026-11-06")]), "ID.private.lien_service");
    assert_eq!((service.kind.as_str(), service.due), ("lien_service", ymd(2026, 11, 16)));
}

#[test]
fn id_suit_six_months_after_filing_off_a_sunday_and_a_saturday() {
    // Filed Friday May 7, 2027 + 6 months (§ 45-510(1)) = Sunday Nov 7: Monday Nov 8.
    let suit = one(&job("ID", "private", "sub", &[("lien_recorded", "2027-05-07")]), "ID.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2027, 11, 7), ymd(2027, 11, 8)));
    // Filed Thursday May 6 + 6 months = Saturday Nov 6: Friday Nov 5.
    let suit = one(&job("ID", "private", "sub", &[("lien_recorded", "2027-05-06")]), "ID.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2027, 11, 6), ymd(2027, 11, 5)));
}

// --------------------------------------------------------------------------------------- Hawaii

#[test]
fn hi_application_45_days_after_the_date_of_completion_on_thanksgiving_is_kept() {
    // Date of completion (the affidavit of publication filed) Monday Oct 12, 2026 + 45 days (Haw.
    // Rev. Stat. § 507-43): Oct 31 is day 19, Nov 26 day 45 = Thanksgiving (§ 8-1). § 1-29 was
    // not confirmed, so it is kept; a roll would give Friday Nov 27.
    let lien = one(&job("HI", "private", "sub", &[("completed", "2026-10-12")]), "HI.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due, lien.assumption.clone()), (ymd(2026, 11, 26), ymd(2026, 11, 26), None));
    assert!(has_note(&lien, "Fri 2026-11-27"), "{lien:#?}");
}

#[test]
fn hi_without_the_completion_date_counts_from_our_last_day_past_election_day() {
    // Last furnished Saturday Sep 19, 2026 + 45 days: Sep 30 is day 11, Oct 31 day 42, Nov 3 day
    // 45 = the general election day, a § 8-1 holiday in an even year: kept; a roll would give
    // Wednesday Nov 4. Marked as assuming completion on our last day.
    let lien =
        one(&job("HI", "residential", "supplier", &[("last_furnished", "2026-09-19")]), "HI.private.claim_of_lien");
    assert_eq!(lien.due, ymd(2026, 11, 3));
    assert_eq!(lien.assumption.as_ref().map(|a| a.settled_by), Some("completed"));
    assert!(has_note(&lien, "Wed 2026-11-04"), "{lien:#?}");
}

#[test]
fn hi_suit_three_months_after_attachment_clamped_to_february() {
    // Lien attached Wednesday Jan 13, 2027 + 3 months (§ 507-47) = Tuesday Apr 13.
    let suit = one(&job("HI", "private", "gc", &[("lien_recorded", "2027-01-13")]), "HI.private.lien_enforcement");
    assert_eq!(suit.due, ymd(2027, 4, 13));
    // Attached Monday Nov 30, 2026 + 3 months: February has no 30th, so Sunday Feb 28, 2027, kept;
    // a roll would give Monday Mar 1.
    let suit = one(&job("HI", "private", "gc", &[("lien_recorded", "2026-11-30")]), "HI.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2027, 2, 28), ymd(2027, 2, 28)));
    assert!(has_note(&suit, "Mon 2027-03-01"), "{suit:#?}");
}

// ------------------------------------------------------------------------------------- Delaware

#[test]
fn de_contractor_180_days_after_completion_on_a_saturday_is_kept() {
    // Structure completed Monday Jun 1, 2026 + 180 days (25 Del. C. § 2711(a)): Jun 30 is day 29,
    // Jul 31 day 60, Aug 31 day 91, Sep 30 day 121, Oct 31 day 152, Nov 28 day 180 = Saturday.
    // Rule 6(a)'s reach was not confirmed, so it is kept; a roll would give Monday Nov 30.
    let facts = job("DE", "private", "gc", &[("last_furnished", "2026-05-29"), ("completed", "2026-06-01")]);
    let lien = one(&facts, "DE.private.gc_claim_of_lien");
    assert_eq!((lien.raw_due, lien.due, lien.assumption.clone()), (ymd(2026, 11, 28), ymd(2026, 11, 28), None));
    assert!(has_note(&lien, "Mon 2026-11-30"), "{lien:#?}");
    // The statement is the action: no enforcement deadline follows.
    assert!(all(&facts).iter().all(|d| d.kind != "lien_enforcement"));
}

#[test]
fn de_contractor_without_the_completion_date_counts_from_its_last_day() {
    // Last furnished Friday May 29, 2026 + 180 days: May 31 is day 2, Jun 30 day 32, Jul 31 day
    // 63, Aug 31 day 94, Sep 30 day 124, Oct 31 day 155, Nov 25 day 180 = Wednesday; marked as
    // assuming completion on that last day.
    let lien = one(&job("DE", "residential", "gc", &[("last_furnished", "2026-05-29")]), "DE.private.gc_claim_of_lien");
    assert_eq!(lien.due, ymd(2026, 11, 25));
    assert_eq!(lien.assumption.as_ref().map(|a| a.settled_by), Some("completed"));
}

#[test]
fn de_subcontractor_120_days_on_the_friday_after_thanksgiving_is_kept() {
    // Last furnished Thursday Jul 30, 2026 + 120 days (§ 2711(b)): Jul 31 is day 1, Aug 31 day
    // 32, Sep 30 day 62, Oct 31 day 93, Nov 27 day 120 = the Friday after Thanksgiving: kept; a
    // roll would give Monday Nov 30.
    let list =
        all(&job("DE", "private", "supplier", &[("first_furnished", "2026-05-04"), ("last_furnished", "2026-07-30")]));
    assert_eq!(rules_of(&list), ["DE.private.claim_of_lien"]);
    assert_eq!((list[0].raw_due, list[0].due), (ymd(2026, 11, 27), ymd(2026, 11, 27)));
    assert!(has_note(&list[0], "Mon 2026-11-30"), "{:#?}", list[0]);
}

// -------------------------------------------------------------------------------- West Virginia

#[test]
fn wv_subcontractor_100_days_on_a_saturday_rolls_to_monday() {
    // Last furnished Thursday Aug 27, 2026 + 100 days (W. Va. Code § 38-2-7): Aug 31 is day 4,
    // Sep 30 day 34, Oct 31 day 65, Nov 30 day 95, Dec 5 day 100 = Saturday: Monday Dec 7
    // (§ 2-2-3).
    let lien = one(&job("WV", "private", "sub", &[("last_furnished", "2026-08-27")]), "WV.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 12, 5), ymd(2026, 12, 7)));
    assert!(lien.document.contains("serve it on the owner"), "{}", lien.document);
}

#[test]
fn wv_contractor_100_days_on_lincolns_day_rolls_to_monday() {
    // Last furnished Wednesday Aug 19, 2026 + 100 days: Aug 31 is day 12, Sep 30 day 42, Oct 31
    // day 73, Nov 27 day 100 = Friday, Lincoln's Day (§ 2-2-1(a)(11)): Monday Nov 30.
    let list =
        all(&job("WV", "residential", "gc", &[("first_furnished", "2026-06-01"), ("last_furnished", "2026-08-19")]));
    assert_eq!(rules_of(&list), ["WV.private.gc_claim_of_lien"]);
    assert_eq!((list[0].raw_due, list[0].due), (ymd(2026, 11, 27), ymd(2026, 11, 30)));
}

#[test]
fn wv_suit_six_months_after_recording_off_a_saturday() {
    // Recorded Thursday May 6, 2027 + 6 months (§ 38-2-34(a)) = Saturday Nov 6: Monday Nov 8.
    let suit =
        one(&job("WV", "private", "supplier", &[("lien_recorded", "2027-05-06")]), "WV.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2027, 11, 6), ymd(2027, 11, 8)));
}

// -------------------------------------------------------------------------------------- Montana

#[test]
fn mt_notice_of_right_to_claim_a_lien_20_days_on_a_home_and_none_on_commercial_work() {
    // First furnished Friday Oct 2, 2026 + 20 days (Mont. Code Ann. § 71-3-531(3)) = Thursday
    // Oct 22; a late notice still covers the 20 days before it.
    let facts = job("MT", "residential", "sub", &[("first_furnished", "2026-10-02")]);
    let notice = one(&facts, "MT.residential.notice_of_right_to_claim_lien");
    assert_eq!((notice.due, notice.consequence.as_str()), (ymd(2026, 10, 22), "coverage_limited"));
    // First furnished Monday Nov 9 + 20 = Sunday Nov 29: a look-back notice is not moved; a roll
    // would give Monday Nov 30.
    let facts = job("MT", "residential", "supplier", &[("first_furnished", "2026-11-09")]);
    let notice = one(&facts, "MT.residential.notice_of_right_to_claim_lien");
    assert_eq!((notice.raw_due, notice.due), (ymd(2026, 11, 29), ymd(2026, 11, 29)));
    assert!(has_note(&notice, "Mon 2026-11-30"), "{notice:#?}");
    // Commercial work, and the contractor hired by the owner, owe none.
    for (project, role) in [("private", "sub"), ("residential", "gc")] {
        let list = all(&job("MT", project, role, &[("first_furnished", "2026-10-02")]));
        assert!(list.iter().all(|d| d.kind != "preliminary_notice"), "{project} {role}: {list:#?}");
    }
}

#[test]
fn mt_lien_90_days_off_a_sunday_or_90_days_after_an_earlier_notice_of_completion() {
    // Last furnished Monday Aug 31, 2026 + 90 days (§ 71-3-535(1)): Sep 30 day 30, Oct 31 day 61,
    // Nov 29 day 90 = Sunday: Monday Nov 30 (§ 1-1-307). The copy to the owner comes before
    // filing: shown on the unadjusted Nov 29.
    let facts = job("MT", "private", "sub", &[("last_furnished", "2026-08-31")]);
    let lien = one(&facts, "MT.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 11, 29), ymd(2026, 11, 30)));
    let service = one(&facts, "MT.private.lien_service");
    assert_eq!((service.kind.as_str(), service.due), ("lien_service", ymd(2026, 11, 29)));
    // Last furnished Thursday Oct 1 (+ 90 = Wednesday Dec 30), but the owner filed a notice of
    // completion Thursday Sep 10: Sep 30 day 20, Oct 31 day 51, Nov 30 day 81, Dec 9 day 90 =
    // Wednesday, the earlier.
    let facts = job(
        "MT",
        "private",
        "gc",
        &[("last_furnished", "2026-10-01"), ("notice_of_completion_recorded", "2026-09-10")],
    );
    assert_eq!(one(&facts, "MT.private.claim_of_lien").due, ymd(2026, 12, 9));
}

#[test]
fn mt_suit_two_years_after_filing_off_a_sunday() {
    // Filed Thursday Nov 5, 2026 + 2 years (§ 71-3-562) = Sunday Nov 5, 2028: Monday Nov 6 (the
    // general election day is Tuesday Nov 7).
    let suit = one(&job("MT", "private", "sub", &[("lien_recorded", "2026-11-05")]), "MT.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2028, 11, 5), ymd(2028, 11, 6)));
}

// -------------------------------------------------------------------------------------- Wyoming

#[test]
fn wy_preliminary_notice_30_days_on_a_sunday_is_kept() {
    // First furnished Monday Oct 26, 2026 + 30 days (W.S. § 29-2-112) = Wednesday Nov 25.
    let notice =
        one(&job("WY", "private", "sub", &[("first_furnished", "2026-10-26")]), "WY.private.preliminary_notice");
    assert_eq!((notice.kind.as_str(), notice.due), ("preliminary_notice", ymd(2026, 11, 25)));
    // First furnished Friday Oct 30 + 30 = Sunday Nov 29: no rule moving it was confirmed, so it
    // is kept; a roll would give Monday Nov 30.
    let notice = one(
        &job("WY", "residential", "supplier", &[("first_furnished", "2026-10-30")]),
        "WY.private.preliminary_notice",
    );
    assert_eq!((notice.raw_due, notice.due), (ymd(2026, 11, 29), ymd(2026, 11, 29)));
    assert!(has_note(&notice, "Mon 2026-11-30"), "{notice:#?}");
    // The owner's contractor gives its own notice before its first payment: no date shown.
    let gc = all(&job("WY", "private", "gc", &[("first_furnished", "2026-10-26")]));
    assert!(gc.iter().all(|d| d.kind != "preliminary_notice"), "{gc:#?}");
}

#[test]
fn wy_subcontractor_120_days_from_the_earlier_of_last_work_and_substantial_completion() {
    // Last furnished Thursday Jul 30, 2026 + 120 days (§ 29-2-106(a)) = Friday Nov 27; but the
    // project was substantially completed Monday Jul 20: Jul 31 day 11, Aug 31 day 42, Sep 30 day
    // 72, Oct 31 day 103, Nov 17 day 120 = Tuesday, the earlier. The notice of intention comes 20
    // days before that (§ 29-2-107): Wednesday Oct 28.
    let facts = job("WY", "private", "sub", &[("last_furnished", "2026-07-30"), ("completed", "2026-07-20")]);
    assert_eq!(one(&facts, "WY.private.claim_of_lien").due, ymd(2026, 11, 17));
    let intent = one(&facts, "WY.private.notice_of_intent");
    assert_eq!((intent.kind.as_str(), intent.due), ("notice_of_intent", ymd(2026, 10, 28)));
    // Without the completion date: Friday Nov 27, a business day in Wyoming.
    let facts = job("WY", "private", "sub", &[("last_furnished", "2026-07-30")]);
    assert_eq!(one(&facts, "WY.private.claim_of_lien").due, ymd(2026, 11, 27));
}

#[test]
fn wy_contractor_150_days_on_a_saturday_and_the_180_day_suit_past_memorial_day() {
    // Last furnished Wednesday Jul 1, 2026 + 150 days: Jul 31 day 30, Aug 31 day 61, Sep 30 day
    // 91, Oct 31 day 122, Nov 28 day 150 = Saturday, kept; a roll would give Monday Nov 30. The
    // notice of intention: 20 days before Nov 28 = Sunday Nov 8 (counted back, never moved).
    let facts = job("WY", "residential", "gc", &[("last_furnished", "2026-07-01")]);
    let lien = one(&facts, "WY.private.gc_claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 11, 28), ymd(2026, 11, 28)));
    assert!(has_note(&lien, "Mon 2026-11-30"), "{lien:#?}");
    assert_eq!(one(&facts, "WY.private.notice_of_intent").due, ymd(2026, 11, 8));
    // Filed Tuesday Dec 1, 2026 + 180 days (§ 29-2-109): Dec 31 day 30, Jan 31 day 61, Feb 28 day
    // 89, Mar 31 day 120, Apr 30 day 150, May 30 day 180 = Sunday, kept; a roll would pass
    // Memorial Day (Monday May 31) to Tuesday Jun 1.
    let suit = one(&job("WY", "private", "gc", &[("lien_recorded", "2026-12-01")]), "WY.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2027, 5, 30), ymd(2027, 5, 30)));
    assert!(has_note(&suit, "Tue 2027-06-01"), "{suit:#?}");
}

// -------------------------------------------------------------------------------- New Hampshire

#[test]
fn nh_subcontractor_notice_before_work_limits_coverage_when_late() {
    // First furnished Monday Nov 2, 2026: the notice comes before the work (RSA 447:5), shown on
    // the day before, Sunday Nov 1 (counted back, never moved); late, it still covers what is
    // then or later due (RSA 447:6).
    let notice = one(&job("NH", "private", "sub", &[("first_furnished", "2026-11-02")]), "NH.private.notice_to_owner");
    assert_eq!((notice.kind.as_str(), notice.due), ("notice_to_owner", ymd(2026, 11, 1)));
    assert_eq!(notice.consequence, "coverage_limited");
    // The owner's own contractor owes none.
    let gc = all(&job("NH", "private", "gc", &[("first_furnished", "2026-11-02")]));
    assert!(gc.iter().all(|d| d.rule != "NH.private.notice_to_owner"), "{gc:#?}");
}

#[test]
fn nh_attachment_within_120_days_on_the_friday_after_thanksgiving_is_kept() {
    // Last furnished Thursday Jul 30, 2026 + 120 days (RSA 447:9): Jul 31 day 1, Aug 31 day 32,
    // Sep 30 day 62, Oct 31 day 93, Nov 27 day 120 = the Friday after Thanksgiving. RSA 21:35 was
    // not confirmed, so it is kept; a roll would give Monday Nov 30.
    let lien = one(&job("NH", "private", "supplier", &[("last_furnished", "2026-07-30")]), "NH.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 11, 27), ymd(2026, 11, 27)));
    assert!(has_note(&lien, "Mon 2026-11-30"), "{lien:#?}");
}

#[test]
fn nh_contractor_attachment_120_days_and_no_later_suit_deadline() {
    // Last furnished Monday Aug 3, 2026 + 120 days: Aug 31 day 28, Sep 30 day 58, Oct 31 day 89,
    // Nov 30 day 119, Dec 1 day 120 = Tuesday. The attachment suit is the enforcement.
    let list = all(&job(
        "NH",
        "residential",
        "gc",
        &[("first_furnished", "2026-06-01"), ("last_furnished", "2026-08-03"), ("lien_recorded", "2026-11-20")],
    ));
    assert_eq!(rules_of(&list), ["NH.private.claim_of_lien"]);
    assert_eq!(list[0].due, ymd(2026, 12, 1));
}

// ---------------------------------------------------------------------------------------- Maine

#[test]
fn me_statement_90_days_on_a_sunday_is_kept_and_none_for_the_owners_contractor() {
    // Last furnished Monday Aug 31, 2026 + 90 days (10 M.R.S. § 3253(1)): Sep 30 day 30, Oct 31
    // day 61, Nov 29 day 90 = Sunday. No rule moving it was confirmed, so it is kept; a roll would
    // give Monday Nov 30.
    let lien = one(&job("ME", "private", "sub", &[("last_furnished", "2026-08-31")]), "ME.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 11, 29), ymd(2026, 11, 29)));
    assert!(has_note(&lien, "Mon 2026-11-30"), "{lien:#?}");
    // A contractor in contract with the owner records nothing; it sues within 120 days: Sep 30 day
    // 30, Oct 31 day 61, Nov 30 day 91, Dec 29 day 120 = Tuesday.
    let list = all(&job("ME", "residential", "gc", &[("last_furnished", "2026-08-31")]));
    assert_eq!(rules_of(&list), ["ME.private.lien_enforcement"]);
    assert_eq!(list[0].due, ymd(2026, 12, 29));
}

#[test]
fn me_action_120_days_after_the_last_work_on_juneteenth_is_kept() {
    // Last furnished Thursday Feb 19, 2026 + 120 days (§ 3255(1)): Feb 28 day 9, Mar 31 day 40,
    // Apr 30 day 70, May 31 day 101, Jun 19 day 120 = Friday, Juneteenth (4 M.R.S. § 1051): kept;
    // a roll would give Monday Jun 22.
    let suit =
        one(&job("ME", "private", "supplier", &[("last_furnished", "2026-02-19")]), "ME.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2026, 6, 19), ymd(2026, 6, 19)));
    assert!(has_note(&suit, "Mon 2026-06-22"), "{suit:#?}");
}

#[test]
fn me_clerks_certificate_60_days_after_the_complaint_keeps_priority() {
    // Complaint filed Monday Mar 1, 2027 + 60 days (§ 3261(2)): Mar 31 day 30, Apr 30 day 60 =
    // Friday. Missing it costs priority against a purchaser, not the lien.
    let cert = one(&job("ME", "private", "gc", &[("suit_planned", "2027-03-01")]), "ME.private.clerk_certificate");
    assert_eq!((cert.due, cert.consequence.as_str()), (ymd(2027, 4, 30), "priority_only"));
}

// --------------------------------------------------------------------------------- Rhode Island

#[test]
fn ri_contractors_notice_of_possible_lien_comes_before_work() {
    // First furnished Tuesday Dec 1, 2026: the notice goes in the contract or before work (R.I.
    // Gen. Laws § 34-28-4.1), shown on Monday Nov 30, the day before (Levelset's "within 10 days"
    // would be later; the earlier is kept).
    let notice = one(
        &job("RI", "residential", "gc", &[("first_furnished", "2026-12-01")]),
        "RI.private.notice_of_possible_lien",
    );
    assert_eq!((notice.kind.as_str(), notice.due), ("notice_to_owner", ymd(2026, 11, 30)));
    // Subcontractors owe none.
    let sub = all(&job("RI", "residential", "sub", &[("first_furnished", "2026-12-01")]));
    assert!(sub.iter().all(|d| d.kind != "notice_to_owner"), "{sub:#?}");
}

#[test]
fn ri_notice_of_intention_200_days_on_a_saturday_is_kept() {
    // Last furnished Tuesday May 12, 2026 + 200 days (§ 34-28-4(a)): May 31 day 19, Jun 30 day 49,
    // Jul 31 day 80, Aug 31 day 111, Sep 30 day 141, Oct 31 day 172, Nov 28 day 200 = Saturday.
    // No rule moving it was confirmed, so it is kept; a roll would give Monday Nov 30.
    let lien = one(&job("RI", "private", "sub_sub", &[("last_furnished", "2026-05-12")]), "RI.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 11, 28), ymd(2026, 11, 28)));
    assert!(has_note(&lien, "Mon 2026-11-30"), "{lien:#?}");
}

#[test]
fn ri_complaint_40_days_after_filing_on_a_sunday_is_kept() {
    // Filed Tuesday Nov 17, 2026 + 40 days (§ 34-28-10): Nov 30 day 13, Dec 27 day 40 = Sunday,
    // kept; a roll would give Monday Dec 28.
    let suit =
        one(&job("RI", "private", "supplier", &[("lien_recorded", "2026-11-17")]), "RI.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2026, 12, 27), ymd(2026, 12, 27)));
    assert!(has_note(&suit, "Mon 2026-12-28"), "{suit:#?}");
}

// -------------------------------------------------------------------------------------- Vermont

#[test]
fn vt_memorandum_180_days_on_a_saturday_is_kept() {
    // Last furnished Monday Jun 1, 2026 + 180 days (9 V.S.A. § 1921(c)): Jun 30 day 29, Jul 31
    // day 60, Aug 31 day 91, Sep 30 day 121, Oct 31 day 152, Nov 28 day 180 = Saturday. No rule
    // moving it was confirmed, so it is kept; a roll would give Monday Nov 30.
    let lien = one(&job("VT", "private", "gc", &[("last_furnished", "2026-06-01")]), "VT.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 11, 28), ymd(2026, 11, 28)));
    assert!(has_note(&lien, "Mon 2026-11-30"), "{lien:#?}");
}

#[test]
fn vt_subcontractors_notice_to_the_owner_by_the_last_day_to_record() {
    // A supplier to a subcontractor, last furnished Monday Jun 1, 2026: the notice to the owner
    // (§ 1921(b)) is due by the unadjusted last day to record, Saturday Nov 28; the owner's own
    // contractor owes none.
    let facts = job("VT", "residential", "supplier", &[("last_furnished", "2026-06-01")]);
    let notice = one(&facts, "VT.private.notice_to_owner");
    assert_eq!((notice.kind.as_str(), notice.due), ("notice_to_owner", ymd(2026, 11, 28)));
    let gc = all(&job("VT", "residential", "gc", &[("last_furnished", "2026-06-01")]));
    assert!(gc.iter().all(|d| d.rule != "VT.private.notice_to_owner"), "{gc:#?}");
}

#[test]
fn vt_suit_and_attachment_180_days_after_recording_past_memorial_day() {
    // Recorded Tuesday Dec 1, 2026 + 180 days (§ 1924): Dec 31 day 30, Jan 31 day 61, Feb 28 day
    // 89, Mar 31 day 120, Apr 30 day 150, May 30 day 180 = Sunday, kept; a roll would pass
    // Memorial Day (Monday May 31) to Tuesday Jun 1.
    let suit = one(&job("VT", "private", "sub", &[("lien_recorded", "2026-12-01")]), "VT.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2027, 5, 30), ymd(2027, 5, 30)));
    assert!(has_note(&suit, "Tue 2027-06-01"), "{suit:#?}");
}

// --------------------------------------------------------------------------------- South Dakota

#[test]
fn sd_lien_120_days_on_a_saturday_is_kept() {
    // Last furnished Friday Jul 31, 2026 + 120 days (SDCL § 44-9-15): Aug 31 day 31, Sep 30 day
    // 61, Oct 31 day 92, Nov 28 day 120 = Saturday. No rule moving it was confirmed, so it is
    // kept; a roll would give Monday Nov 30.
    let lien = one(&job("SD", "private", "sub", &[("last_furnished", "2026-07-31")]), "SD.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 11, 28), ymd(2026, 11, 28)));
    assert!(has_note(&lien, "Mon 2026-11-30"), "{lien:#?}");
}

#[test]
fn sd_suit_six_years_after_the_last_work() {
    // Last furnished Friday Jul 31, 2026 + 6 years (§ 44-9-26) = Saturday Jul 31, 2032, kept; a
    // roll would give Monday Aug 2.
    let suit = one(&job("SD", "private", "gc", &[("last_furnished", "2026-07-31")]), "SD.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2032, 7, 31), ymd(2032, 7, 31)));
    assert!(has_note(&suit, "Mon 2032-08-02"), "{suit:#?}");
    // Last furnished Tuesday Feb 29, 2028 + 6 years: 2034 has no Feb 29, so Tuesday Feb 28, 2034.
    let suit = one(&job("SD", "private", "gc", &[("last_furnished", "2028-02-29")]), "SD.private.lien_enforcement");
    assert_eq!(suit.due, ymd(2034, 2, 28));
}

#[test]
fn sd_a_supplier_on_a_home_gets_the_lien_and_the_suit_and_a_note_on_the_commencement_notice() {
    // Last furnished Monday Aug 3, 2026: lien Aug 31 day 28, Sep 30 day 58, Oct 31 day 89, Nov 30
    // day 119, Dec 1 day 120 = Tuesday; suit six years after the last work, Tuesday Aug 3, 2032.
    let list = all(&job("SD", "residential", "supplier", &[("last_furnished", "2026-08-03")]));
    assert_eq!(rules_of(&list), ["SD.private.claim_of_lien", "SD.private.lien_enforcement"]);
    assert_eq!((list[0].due, list[1].due), (ymd(2026, 12, 1), ymd(2032, 8, 3)));
    assert!(has_note(&list[0], "notice of project commencement"), "{:#?}", list[0]);
}

// --------------------------------------------------------------------------------- North Dakota

#[test]
fn nd_lien_90_days_on_a_sunday_is_kept_and_the_notice_10_days_before() {
    // Last furnished Monday Aug 31, 2026 + 90 days (N.D.C.C. § 35-27-13): Sep 30 day 30, Oct 31
    // day 61, Nov 29 day 90 = Sunday, kept; a roll would give Monday Nov 30. The certified-mail
    // notice to the owner comes at least 10 days before (§ 35-27-02): Thursday Nov 19.
    let facts = job("ND", "private", "sub", &[("last_furnished", "2026-08-31")]);
    let lien = one(&facts, "ND.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 11, 29), ymd(2026, 11, 29)));
    assert!(has_note(&lien, "Mon 2026-11-30"), "{lien:#?}");
    let notice = one(&facts, "ND.private.notice_of_intent");
    assert_eq!((notice.kind.as_str(), notice.due), ("notice_of_intent", ymd(2026, 11, 19)));
}

#[test]
fn nd_suit_three_years_after_recording_and_the_notice_20_days_before() {
    // Recorded Friday Dec 4, 2026 + 3 years (§ 35-27-25) = Tuesday Dec 4, 2029; the notice of
    // intent to enforce 20 days before (§ 35-27-24, low confidence): Wednesday Nov 14, 2029.
    let facts = job("ND", "residential", "gc", &[("lien_recorded", "2026-12-04")]);
    assert_eq!(one(&facts, "ND.private.lien_enforcement").due, ymd(2029, 12, 4));
    let notice = one(&facts, "ND.private.notice_of_intent_to_enforce");
    assert_eq!((notice.due, notice.confidence.as_str()), (ymd(2029, 11, 14), "low"));
}

#[test]
fn nd_suit_from_a_february_29_recording_and_a_notice_on_a_saturday_is_not_moved() {
    // Recorded Tuesday Feb 29, 2028 + 3 years: 2031 has no Feb 29, so Friday Feb 28, 2031. The
    // notice 20 days before lands on Saturday Feb 8, counted back and never moved.
    let facts = job("ND", "private", "supplier", &[("lien_recorded", "2028-02-29")]);
    assert_eq!(one(&facts, "ND.private.lien_enforcement").due, ymd(2031, 2, 28));
    assert_eq!(one(&facts, "ND.private.notice_of_intent_to_enforce").due, ymd(2031, 2, 8));
}

// --------------------------------------------------------------------------------------- Alaska

#[test]
fn ak_claim_120_days_on_a_saturday_is_kept() {
    // Last furnished Friday Jul 31, 2026 + 120 days (AS 34.35.068): Aug 31 day 31, Sep 30 day 61,
    // Oct 31 day 92, Nov 28 day 120 = Saturday. No rule moving it was confirmed, so it is kept; a
    // roll would give Monday Nov 30.
    let lien = one(&job("AK", "private", "sub", &[("last_furnished", "2026-07-31")]), "AK.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due), (ymd(2026, 11, 28), ymd(2026, 11, 28)));
    assert!(has_note(&lien, "Mon 2026-11-30"), "{lien:#?}");
}

#[test]
fn ak_a_notice_of_completion_cuts_the_claim_to_15_days() {
    // Last furnished Thursday Aug 20, 2026 (+ 120 days = Friday Dec 18), but the owner recorded a
    // notice of completion Tuesday Sep 8: + 15 days = Wednesday Sep 23, the earlier.
    let facts = job(
        "AK",
        "residential",
        "gc",
        &[("last_furnished", "2026-08-20"), ("notice_of_completion_recorded", "2026-09-08")],
    );
    assert_eq!(one(&facts, "AK.private.claim_of_lien").due, ymd(2026, 9, 23));
    // Without it: Aug 31 day 11, Sep 30 day 41, Oct 31 day 72, Nov 30 day 102, Dec 18 day 120.
    let facts = job("AK", "residential", "gc", &[("last_furnished", "2026-08-20")]);
    assert_eq!(one(&facts, "AK.private.claim_of_lien").due, ymd(2026, 12, 18));
}

#[test]
fn ak_suit_six_months_after_recording_clamped_to_february() {
    // Recorded Monday Jun 1, 2026 + 6 months (AS 34.35.080) = Tuesday Dec 1.
    let suit =
        one(&job("AK", "private", "supplier", &[("lien_recorded", "2026-06-01")]), "AK.private.lien_enforcement");
    assert_eq!(suit.due, ymd(2026, 12, 1));
    // Recorded Monday Aug 31 + 6 months: February has no 31st, so Sunday Feb 28, 2027, kept; a
    // roll would give Monday Mar 1.
    let suit =
        one(&job("AK", "private", "supplier", &[("lien_recorded", "2026-08-31")]), "AK.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2027, 2, 28), ymd(2027, 2, 28)));
    assert!(has_note(&suit, "Mon 2027-03-01"), "{suit:#?}");
}

// ------------------------------------------------------------------------- District of Columbia

#[test]
fn dc_notice_of_intent_90_days_after_completion_on_a_sunday_is_kept() {
    // Project completed Monday Aug 31, 2026 + 90 days (D.C. Code § 40-301.02(a)(1)): Sep 30 day
    // 30, Oct 31 day 61, Nov 29 day 90 = Sunday. No rule moving it was confirmed, so it is kept; a
    // roll would give Monday Nov 30.
    let facts = job("DC", "private", "sub", &[("last_furnished", "2026-07-15"), ("completed", "2026-08-31")]);
    let lien = one(&facts, "DC.private.claim_of_lien");
    assert_eq!((lien.raw_due, lien.due, lien.assumption.clone()), (ymd(2026, 11, 29), ymd(2026, 11, 29), None));
    assert!(has_note(&lien, "Mon 2026-11-30"), "{lien:#?}");
    // Completion unknown: counted from our last day, Tuesday Sep 1 + 90 = Monday Nov 30 (Sep 30
    // day 29, Oct 31 day 60, Nov 30 day 90), marked as an assumption.
    let lien = one(&job("DC", "residential", "gc", &[("last_furnished", "2026-09-01")]), "DC.private.claim_of_lien");
    assert_eq!(lien.due, ymd(2026, 11, 30));
    assert_eq!(lien.assumption.as_ref().map(|a| a.settled_by), Some("completed"));
}

#[test]
fn dc_copy_to_the_owner_five_business_days_after_recording_skips_thanksgiving() {
    // Recorded Monday Nov 23, 2026: Tuesday Nov 24 is business day 1, Wednesday Nov 25 day 2,
    // Thursday Nov 26 is Thanksgiving, Friday Nov 27 day 3, Monday Nov 30 day 4, Tuesday Dec 1
    // day 5 (§ 40-301.02(a)(2)).
    let service = one(&job("DC", "private", "gc", &[("lien_recorded", "2026-11-23")]), "DC.private.lien_service");
    assert_eq!((service.kind.as_str(), service.due), ("lien_service", ymd(2026, 12, 1)));
}

#[test]
fn dc_suit_180_days_after_recording_and_the_lis_pendens_10_days_after_suit() {
    // Recorded Tuesday Dec 1, 2026 + 180 days (§ 40-303.13(a)): Dec 31 day 30, Jan 31 day 61, Feb
    // 28 day 89, Mar 31 day 120, Apr 30 day 150, May 30 day 180 = Sunday, kept; a roll would pass
    // Memorial Day (Monday May 31) to Tuesday Jun 1.
    let suit =
        one(&job("DC", "private", "supplier", &[("lien_recorded", "2026-12-01")]), "DC.private.lien_enforcement");
    assert_eq!((suit.raw_due, suit.due), (ymd(2027, 5, 30), ymd(2027, 5, 30)));
    assert!(has_note(&suit, "Tue 2027-06-01"), "{suit:#?}");
    // Suit filed Monday Mar 1, 2027 + 10 days = Thursday Mar 11 for the notice of pendency.
    let lis = one(&job("DC", "private", "supplier", &[("suit_planned", "2027-03-01")]), "DC.private.lis_pendens");
    assert_eq!(lis.due, ymd(2027, 3, 11));
}

// ---------------------------------------------------- an unknown project type or role: candidates

#[test]
fn an_unknown_role_gives_each_kind_of_deadline_at_its_earliest_and_names_the_role() {
    // Florida, private job, role unknown. A sub, sub-sub or supplier owes the Notice to Owner 45
    // days after first furnishing (Oct 9 -> Mon Nov 23, 2026); a GC or laborer owes none, so the
    // notice is given, marked as assuming we are a subcontractor. Every role records its lien 90
    // days after last furnishing, so that date assumes nothing.
    let mut facts = JobFacts::with_unknown("FL", Some(ProjectType::Private), None);
    facts.set("first_furnished", "2026-10-09").unwrap();
    facts.set("last_furnished", "2027-01-15").unwrap();
    let list = all(&facts);
    let nto = list.iter().find(|d| d.kind == "notice_to_owner").expect("an NTO");
    assert_eq!(nto.due, ymd(2026, 11, 23));
    assert_eq!(nto.assumption.as_ref().map(|a| a.settled_by), Some("role"));
    assert!(nto.document.ends_with("— assumes that we are the subcontractor; set role to be sure"), "{}", nto.document);
    let lien = list.iter().find(|d| d.kind == "claim_of_lien").expect("a claim of lien");
    assert_eq!(lien.assumption, None, "{lien:#?}");
    assert_eq!(&missing_facts(&facts)[..1], ["role"]);
    // Once the role is set, the answer is that role's; `unknown` undoes it.
    facts.set("role", "sub").unwrap();
    assert_eq!(one(&facts, "FL.private.nto").assumption, None);
    facts.set("role", "unknown").unwrap();
    assert_eq!(one(&facts, "FL.private.nto").assumption.map(|a| a.settled_by), Some("role"));
    facts.set("role", "gc").unwrap();
    assert!(all(&facts).iter().all(|d| d.kind != "notice_to_owner" && d.assumption.is_none()));
    assert!(!missing_facts(&facts).contains(&"role"));
}

#[test]
fn an_unknown_project_type_in_virginia_gives_the_residential_lien_agent_notice_marked() {
    // Virginia, sub, project unknown: only a one- or two-family home has the lien-agent notice
    // (Fri Sep 4 + 30 = Sun Oct 4, 2026, kept); private and residential jobs record the
    // memorandum alike, so it assumes only the completion date it already did.
    let mut facts = JobFacts::with_unknown("VA", None, Some(OurRole::Sub));
    facts.set("first_furnished", "2026-09-04").unwrap();
    facts.set("last_furnished", "2026-09-20").unwrap();
    let list = all(&facts);
    let notice = one(&facts, "VA.residential.lien_agent_notice");
    assert_eq!(notice.due, ymd(2026, 10, 4));
    assert!(notice.document.contains("assumes a residential job; set project to be sure"), "{}", notice.document);
    let memo = list.iter().find(|d| d.kind == "claim_of_lien").expect("a memorandum");
    assert_eq!(memo.assumption.as_ref().map(|a| a.settled_by), Some("completed"), "{memo:#?}");
    assert_eq!(&missing_facts(&facts)[..1], ["project"]);
}

#[test]
fn unknown_role_and_contract_date_in_texas_name_both_assumptions() {
    // Texas, May 2026 work, role and contract date unknown: the monthly notice is the earliest
    // any role and either law gives, and says both what it assumes and what settles it.
    let mut facts = JobFacts::with_unknown("TX", Some(ProjectType::Private), None);
    facts.set("furnished_month", "2026-05").unwrap();
    let known = job("TX", "private", "sub", &[("furnished_month", "2026-05")]);
    let known_due = all(&known).iter().filter(|d| d.kind == "monthly_notice").map(|d| d.due).min().unwrap();
    let notices: Vec<Deadline> = all(&facts).into_iter().filter(|d| d.kind == "monthly_notice").collect();
    assert!(!notices.is_empty());
    assert!(notices[0].due <= known_due, "{notices:#?}");
    assert!(notices[0].document.contains("set role and contract_signed to be sure"), "{}", notices[0].document);
    let missing = missing_facts(&facts);
    assert!(missing[0] == "role" && missing.contains(&"contract_signed"), "{missing:?}");
}

#[test]
fn a_known_project_type_the_state_does_not_cover_is_still_refused_with_the_role_unknown() {
    let mut facts = JobFacts::with_unknown("NY", Some(ProjectType::Public), None);
    facts.set("last_furnished", "2026-03-03").unwrap();
    assert!(deadlines(&facts, &[]).unwrap_err().to_string().contains("not public jobs"));
}

#[test]
fn a_synced_job_without_a_role_still_gets_its_earliest_deadlines() {
    // A Florida job synced with its state and project type but no role: its record has facts,
    // marked unknown, and the Notice to Owner comes out as the earliest candidate instead of
    // nothing; a job with no state still has none.
    let job = crate::ledger::Job {
        id: 7,
        customer_id: 1,
        name: "Bayview".into(),
        city: None,
        county: None,
        state: Some("FL".into()),
        project_type: Some(ProjectType::Private),
        role: None,
        owner_name: None,
        gc_name: None,
        pm: None,
        first_furnished: Some(ymd(2026, 10, 9)),
        last_furnished: None,
        noc_recorded: None,
        noc_expires: None,
        retainage_bp: 0,
    };
    let record = LienRecord::of(&job, Vec::new(), Vec::new());
    let facts = record.facts.as_ref().expect("facts with the role unknown");
    assert_eq!((facts.known_project(), facts.known_role()), (Some(ProjectType::Private), None));
    let open = record.open_deadlines(&[]);
    let nto = open.iter().find(|d| d.kind == "notice_to_owner").expect("an NTO");
    assert_eq!(nto.due, ymd(2026, 11, 23));
    assert!(nto.document.contains("assumes that we are the subcontractor; set role to be sure"), "{}", nto.document);
    // The role set from chat settles it.
    let record = LienRecord::of(&job, vec![("role".into(), "gc".into())], Vec::new());
    assert!(record.open_deadlines(&[]).iter().all(|d| d.kind != "notice_to_owner"));
    let stateless = crate::ledger::Job { state: None, ..job };
    assert_eq!(LienRecord::of(&stateless, Vec::new(), Vec::new()).facts, None);
}

/// `reach_days` bounds how long after a job's latest dated fact any deadline can fall: every
/// state, project type, role and bond, the facts spread out or bunched, optional facts known or
/// not, project and role known or not, dates landing on every weekday and around the year-end
/// holidays, with closures. What `/ar liens` and the warnings leave unread rests on it.
#[test]
fn no_deadline_falls_later_after_the_latest_fact_than_reach_days() {
    use chrono::Datelike;
    let closures = [ymd(2026, 12, 28), ymd(2026, 12, 29), ymd(2027, 3, 2)];
    let reach = reach_days(None, &closures);
    let reach_preventive = reach_days(Some(PREVENTIVE), &closures);
    let (mut widest, mut widest_preventive, mut seen, mut seen_preventive) = (0i64, 0i64, 0usize, 0usize);
    let bases: Vec<NaiveDate> =
        (0..7).map(|k| ymd(2026, 6, 15) + chrono::Days::new(k)).chain([ymd(2026, 12, 1), ymd(2026, 9, 30)]).collect();
    for state in supported_states() {
        for &project in ProjectType::ALL {
            for &role in OurRole::ALL {
                for (bonded, spread, full, known) in [
                    (false, 0u64, true, true),
                    (true, 45, true, true),
                    (false, 200, false, true),
                    (true, 30, false, false),
                    (false, 400, true, false),
                ] {
                    for &base in &bases {
                        let mut facts = if known {
                            JobFacts::new(state, project, role)
                        } else {
                            JobFacts::with_unknown(state, None, None)
                        };
                        facts.bonded = bonded;
                        let last = base + chrono::Days::new(spread);
                        facts.first_furnished = Some(base);
                        facts.last_furnished = Some(last);
                        let mut month = base.with_day(1).unwrap();
                        while month <= last {
                            facts.furnished_months.push((month.year(), month.month()));
                            month = month.checked_add_months(chrono::Months::new(1)).unwrap();
                        }
                        if full {
                            facts.noc_recorded = Some(base - chrono::Days::new(10));
                            facts.contract_signed = Some(base - chrono::Days::new(30));
                            facts.completed = Some(last + chrono::Days::new(5));
                            facts.notice_of_completion_recorded = Some(last + chrono::Days::new(12));
                            facts.lien_recorded = Some(last + chrono::Days::new(60));
                            facts.owner_final_payment = Some(last + chrono::Days::new(90));
                            facts.suit_planned = Some(last + chrono::Days::new(300));
                        }
                        let latest = Fact::ALL
                            .iter()
                            .filter_map(|f| facts.date(*f))
                            .chain(facts.furnished_months.iter().map(|(y, m)| ymd(*y, *m, 1)))
                            .max()
                            .unwrap();
                        let Ok(found) = deadlines(&facts, &closures) else { continue };
                        for d in found {
                            let after = (d.due - latest).num_days();
                            widest = widest.max(after);
                            seen += 1;
                            if PREVENTIVE.contains(&d.kind.as_str()) {
                                widest_preventive = widest_preventive.max(after);
                                seen_preventive += 1;
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(seen > 10_000 && seen_preventive > 1_000, "{seen} deadlines, {seen_preventive} preventive");
    assert!(widest <= reach, "a deadline {widest} days after the latest fact; reach_days says {reach}");
    assert!(
        widest_preventive <= reach_preventive,
        "a preventive deadline {widest_preventive} days after the latest fact; reach_days says {reach_preventive}"
    );
    // A bound, not a blanket: within a year of the widest seen here (a month counts as 31 days,
    // a year as 366, a roll as 60, and the latest fact here is often a suit planned far ahead).
    assert!(
        reach - widest < 366 && reach_preventive - widest_preventive < 120,
        "{reach} vs {widest}, {reach_preventive} vs {widest_preventive}"
    );
    assert!(reach_preventive < reach, "{reach_preventive} < {reach}");
}
