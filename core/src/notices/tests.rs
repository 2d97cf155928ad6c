use chrono::NaiveDate;

use super::*;
use crate::ledger::{OurRole, ProjectType};
use crate::liens::{JobFacts, deadlines};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn claimant() -> Claimant {
    Claimant {
        name: "Sunshine Electric LLC".to_string(),
        address: vec!["410 W Kennedy Blvd".to_string(), "Tampa, FL 33606".to_string()],
        phone: Some("(813) 555-0142".to_string()),
        email: None,
        signer: Some("Sam Ortiz, AR manager".to_string()),
    }
}

fn parties(pairs: &[(&str, &str)]) -> JobParties {
    let job = crate::ledger::Job {
        id: 1,
        customer_id: 1,
        name: "Marina Tower".to_string(),
        city: None,
        county: None,
        state: None,
        project_type: None,
        role: None,
        owner_name: None,
        gc_name: None,
        pm: None,
        first_furnished: None,
        last_furnished: None,
        noc_recorded: None,
        noc_expires: None,
        retainage_bp: 0,
    };
    let overrides: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    JobParties::of(&job, &overrides)
}

const FULL: &[(&str, &str)] = &[
    ("owner", "Bayside Holdings LLC"),
    ("owner_address", "100 N Ashley Dr, Tampa, FL 33602"),
    ("gc", "Gulf Coast Builders LLC"),
    ("gc_address", "2200 W Cypress St, Tampa, FL 33607"),
    ("property", "1400 Bayshore Blvd, Tampa, FL 33606"),
    ("legal_description", "Lot 4, Block 2, Bayshore Estates"),
    ("work", "electrical rough-in and finish labor and materials"),
    ("estimate", "48500.00"),
];

struct Case {
    facts: JobFacts,
    parties: JobParties,
    deadlines: Vec<Deadline>,
    claimant: Claimant,
    customer: &'static str,
    customer_address: Option<&'static str>,
    unpaid: Money,
    invoices: Vec<OpenInvoice>,
}

impl Case {
    fn new(state: &str, project: ProjectType, role: OurRole, set: &[(&str, &str)], pairs: &[(&str, &str)]) -> Case {
        let mut facts = JobFacts::new(state, project, role);
        for (k, v) in set {
            facts.set(k, v).unwrap();
        }
        let deadlines = deadlines(&facts, &[]).unwrap();
        Case {
            facts,
            parties: parties(pairs),
            deadlines,
            claimant: claimant(),
            customer: "Gulf Coast Builders LLC",
            customer_address: None,
            unpaid: Money::usd(1_825_075),
            invoices: vec![OpenInvoice {
                number: "1002".to_string(),
                issued: day("2026-10-30"),
                balance: Money::usd(1_825_075),
            }],
        }
    }

    fn draft(&self, today: &str) -> Result<Result<NoticeDraft, Vec<Missing>>, Refusal> {
        let today = day(today);
        let d = choose(&self.deadlines, None, today)?;
        draft(&NoticeInput {
            deadline: d,
            all: &self.deadlines,
            facts: &self.facts,
            parties: &self.parties,
            job_name: "Marina Tower",
            city: Some("Tampa"),
            county: Some("Hillsborough"),
            customer: self.customer,
            customer_address: self.customer_address,
            claimant: &self.claimant,
            unpaid: self.unpaid,
            open_invoices: &self.invoices,
            currency: Currency::USD,
            today,
        })
    }
}

/// Every word of the draft, as one text.
fn text(n: &NoticeDraft) -> String {
    let mut out = vec![n.title.clone(), n.citation.clone()];
    for b in &n.blocks {
        out.push(match b {
            Block::Warning(s) | Block::Heading(s) | Block::Text(s) | Block::Bold(s) | Block::Bullet(s) => s.clone(),
            Block::Field { label, value } => format!("{label}: {value}"),
        });
    }
    for p in n.to.iter().chain(&n.copies) {
        out.push(format!("{}: {} {}", p.role, p.name, p.address.join(" ")));
    }
    out.join("\n")
}

fn missing_names(m: &[Missing]) -> Vec<&'static str> {
    m.iter()
        .map(|m| match m {
            Missing::Fact { fact, .. } => *fact,
            Missing::Setting { key, .. } => *key,
        })
        .collect()
}

#[test]
fn florida_notice_to_owner_has_the_statutes_form_and_the_jobs_facts() {
    let case = Case::new("FL", ProjectType::Private, OurRole::SubSub, &[("first_furnished", "2026-10-09")], FULL);
    let n = case.draft("2026-11-02").unwrap().unwrap();
    assert_eq!(n.form, Form::FloridaNoticeToOwner);
    assert_eq!(n.rule, "FL.private.nto");
    let t = text(&n);
    for wording in [FL_WARNING, FL_PRESCRIBES, FL_IMPORTANT, FL_RECOGNIZE, FL_LEARN] {
        assert!(t.contains(wording), "missing statutory wording: {wording}");
    }
    assert!(t.contains("IMPORTANT INFORMATION FOR YOUR PROTECTION") && t.contains("PROTECT YOURSELF:"));
    assert!(t.contains(
        "for the improvement of the real property identified as 1400 Bayshore Blvd, Tampa, FL 33606 (Hillsborough County); \
legal description: Lot 4, Block 2, Bayshore Estates under an order given by Gulf Coast Builders LLC."
    ));
    assert!(t.contains("electrical rough-in and finish labor and materials"));
    assert_eq!(n.to[0].name, "Bayside Holdings LLC");
    assert_eq!(n.to[0].address, vec!["100 N Ashley Dr", "Tampa, FL 33602"]);
    // § 713.06(2)(a): a sub-subcontractor copies the contractor.
    assert_eq!(n.copies[0].role, "Contractor");
    assert_eq!(n.claimant.label, "Lienor");
}

#[test]
fn a_florida_sub_in_contract_with_the_gc_sends_no_copy_to_its_own_customer() {
    let case = Case::new("FL", ProjectType::Private, OurRole::Sub, &[("first_furnished", "2026-10-09")], FULL);
    let n = case.draft("2026-11-02").unwrap().unwrap();
    assert!(n.copies.is_empty(), "{:?}", n.copies);
    // A sub does not need the GC's address for its notice.
    let case = Case::new(
        "FL",
        ProjectType::Private,
        OurRole::Sub,
        &[("first_furnished", "2026-10-09")],
        &FULL.iter().copied().filter(|(k, _)| *k != "gc_address").collect::<Vec<_>>(),
    );
    assert!(case.draft("2026-11-02").unwrap().is_ok());
}

#[test]
fn a_bonded_florida_job_combines_the_notice_to_contractor() {
    let mut case = Case::new(
        "FL",
        ProjectType::Private,
        OurRole::Supplier,
        &[("first_furnished", "2026-10-09"), ("bonded", "yes")],
        &[
            FULL,
            &[
                ("surety", "Atlantic Surety Co"),
                ("surety_address", "1 Surety Plaza, Hartford, CT 06103"),
                ("bond_number", "PB-102938"),
            ],
        ]
        .concat(),
    );
    let n = case.draft("2026-11-02").unwrap().unwrap();
    assert_eq!(n.form, Form::FloridaNoticeToOwnerAndContractor);
    assert_eq!(n.title, "NOTICE TO OWNER/NOTICE TO CONTRACTOR");
    let t = text(&n);
    assert!(t.contains(FL_BOND) && t.contains(FL_WARNING) && t.contains("Payment bond: PB-102938"));
    assert_eq!(n.to.iter().map(|p| p.role.as_str()).collect::<Vec<_>>(), ["Owner", "Contractor"]);
    assert!(n.copies.iter().any(|p| p.role == "Surety" && p.name == "Atlantic Surety Co"));
    assert!(
        !n.advice.iter().any(|a| a.contains("sub-subcontractor")),
        "a supplier to the contractor needs no more copies"
    );
    case.customer = "Bay Plumbing Inc";
    let n = case.draft("2026-11-02").unwrap().unwrap();
    assert!(n.advice.iter().any(|a| a.contains("If Bay Plumbing Inc is a sub-subcontractor")), "{:?}", n.advice);
    assert!(text(&n).contains("under an order given by Bay Plumbing Inc."));
}

#[test]
fn missing_facts_are_named_and_nothing_is_drafted() {
    let case = Case::new(
        "FL",
        ProjectType::Private,
        OurRole::SubSub,
        &[("first_furnished", "2026-10-09")],
        &[("owner", "Bayside Holdings LLC"), ("lender", "First Harbor Bank")],
    );
    let missing = case.draft("2026-11-02").unwrap().unwrap_err();
    assert_eq!(missing_names(&missing), ["owner_address", "gc", "gc_address", "property", "work", "lender_address"]);
    assert_eq!(
        set_command("\"marina tower\"", &missing[0]),
        "/ar job \"marina tower\" set owner_address <street, city, state zip>"
    );
    let mut bare = case;
    bare.claimant.address.clear();
    let missing = bare.draft("2026-11-02").unwrap().unwrap_err();
    assert_eq!(missing_names(&missing)[0], "[business] address");
}

#[test]
fn an_unknown_role_is_asked_before_a_form_is_chosen() {
    let mut facts = JobFacts::with_unknown("FL", Some(ProjectType::Private), None);
    facts.set("first_furnished", "2026-10-09").unwrap();
    let mut case = Case::new("FL", ProjectType::Private, OurRole::Sub, &[], FULL);
    case.deadlines = deadlines(&facts, &[]).unwrap();
    case.facts = facts;
    let missing = case.draft("2026-11-02").unwrap().unwrap_err();
    assert_eq!(missing_names(&missing), ["role"]);
}

#[test]
fn california_preliminary_notice_has_every_8102_item_and_the_8202_statement() {
    let case = Case::new(
        "CA",
        ProjectType::Private,
        OurRole::Sub,
        &[("first_furnished", "2026-11-20")],
        &[FULL, &[("lender", "First Harbor Bank"), ("lender_address", "500 Capitol Mall, Sacramento, CA 95814")]]
            .concat(),
    );
    let n = case.draft("2026-11-25").unwrap().unwrap();
    assert_eq!(n.form, Form::CaliforniaPreliminary);
    let t = text(&n);
    for s in CA_STATEMENT {
        assert!(t.contains(s), "missing § 8202(a)(3) text: {s}");
    }
    assert!(t.contains("NOTICE TO PROPERTY OWNER"));
    for field in [
        "Owner or reputed owner: Bayside Holdings LLC, 100 N Ashley Dr, Tampa, FL 33602",
        "Direct contractor: Gulf Coast Builders LLC, 2200 W Cypress St, Tampa, FL 33607",
        "Construction lender: First Harbor Bank, 500 Capitol Mall, Sacramento, CA 95814",
        "Description of the site: 1400 Bayshore Blvd",
        "Person giving this notice: Sunshine Electric LLC, 410 W Kennedy Blvd, Tampa, FL 33606 (subcontractor)",
        "General description of the work provided or to be provided: electrical rough-in",
        "Name of the person to or for whom the work is provided: Gulf Coast Builders LLC",
        "Estimate of the total price of the work provided and to be provided: $48,500.00",
    ] {
        assert!(t.contains(field), "missing {field}\n{t}");
    }
    assert_eq!(n.to.len(), 3, "owner, direct contractor and lender (§ 8200(a))");
    // Without an estimate there is no notice.
    let case = Case::new(
        "CA",
        ProjectType::Private,
        OurRole::Sub,
        &[("first_furnished", "2026-11-20")],
        &FULL.iter().copied().filter(|(k, _)| *k != "estimate").collect::<Vec<_>>(),
    );
    assert_eq!(missing_names(&case.draft("2026-11-25").unwrap().unwrap_err()), ["estimate"]);
}

#[test]
fn california_without_a_lender_says_none_is_known_and_advises() {
    let case = Case::new("CA", ProjectType::Private, OurRole::Supplier, &[("first_furnished", "2026-11-20")], FULL);
    let n = case.draft("2026-11-25").unwrap().unwrap();
    assert!(text(&n).contains("Construction lender: none known"));
    assert!(n.advice.iter().any(|a| a.contains("§ 8200(a)(3)")));
    assert_eq!(n.to.len(), 2);
}

#[test]
fn a_california_direct_contractor_notifies_the_lender_only() {
    let case = Case::new(
        "CA",
        ProjectType::Private,
        OurRole::Gc,
        &[("first_furnished", "2026-11-20")],
        &[FULL, &[("lender", "First Harbor Bank"), ("lender_address", "500 Capitol Mall, Sacramento, CA 95814")]]
            .concat(),
    );
    let n = case.draft("2026-11-25").unwrap().unwrap();
    assert_eq!(n.to.iter().map(|p| p.role.as_str()).collect::<Vec<_>>(), ["Construction lender"]);
    assert!(!text(&n).contains("NOTICE TO PROPERTY OWNER"));
}

#[test]
fn texas_notice_of_claim_is_the_53_056_form_with_the_claim_amount() {
    let case = Case::new(
        "TX",
        ProjectType::Private,
        OurRole::Sub,
        &[("contract_signed", "2026-03-02"), ("furnished_month", "2026-10"), ("furnished_month", "2026-11")],
        FULL,
    );
    let n = case.draft("2026-12-04").unwrap().unwrap();
    assert_eq!(n.form, Form::TexasUnpaidClaim);
    assert_eq!(n.month.as_deref(), Some("2026-10"), "the soonest deadline still to come: Jan 15 for October");
    let t = text(&n);
    for line in [
        "NOTICE OF CLAIM FOR UNPAID LABOR OR MATERIALS",
        TX_WARNING,
        TX_OWNER,
        "Date: December 4, 2026",
        "Project description and/or address: Marina Tower: 1400 Bayshore Blvd",
        "Claimant's name: Sunshine Electric LLC",
        "Type of labor or materials provided: electrical rough-in and finish labor and materials",
        "Original contractor's name: Gulf Coast Builders LLC",
        "Party with whom claimant contracted if different from original contractor: Same as the original contractor",
        "Claim amount: $18,250.75",
        "Claimant's contact person: Sam Ortiz, AR manager",
        "Claimant's address: 410 W Kennedy Blvd, Tampa, FL 33606",
    ] {
        assert!(t.contains(line), "missing {line}\n{t}");
    }
    assert_eq!(n.statement.len(), 1, "the open invoices go with it (§ 53.056(a-3))");
    let november = choose(&case.deadlines, Some("2026-11"), day("2026-12-04")).unwrap();
    assert_eq!(november.month.as_deref(), Some("2026-11"));
    assert!(matches!(choose(&case.deadlines, Some("2026-09"), day("2026-12-04")), Err(Refusal::NoSuchMonth { .. })));
}

#[test]
fn texas_asks_for_the_contract_date_and_refuses_with_nothing_unpaid() {
    let case = Case::new("TX", ProjectType::Private, OurRole::Sub, &[("furnished_month", "2026-10")], FULL);
    assert_eq!(missing_names(&case.draft("2026-12-04").unwrap().unwrap_err()), ["contract_signed"]);
    let mut paid = Case::new(
        "TX",
        ProjectType::Private,
        OurRole::Sub,
        &[("contract_signed", "2026-03-02"), ("furnished_month", "2026-10")],
        FULL,
    );
    paid.unpaid = Money::usd(0);
    assert_eq!(paid.draft("2026-12-04").unwrap_err(), Refusal::NothingUnpaid);
    let mut unsigned = Case::new(
        "TX",
        ProjectType::Private,
        OurRole::Sub,
        &[("contract_signed", "2026-03-02"), ("furnished_month", "2026-10")],
        FULL,
    );
    unsigned.claimant.signer = None;
    assert_eq!(missing_names(&unsigned.draft("2026-12-04").unwrap().unwrap_err()), ["[letters] signer"]);
    let old = Case::new(
        "TX",
        ProjectType::Private,
        OurRole::Sub,
        &[("contract_signed", "2020-03-02"), ("furnished_month", "2026-10")],
        FULL,
    );
    assert!(matches!(old.draft("2026-12-04"), Err(Refusal::NotDrafted { .. })));
}

fn without(keys: &[&str]) -> Vec<(&'static str, &'static str)> {
    FULL.iter().copied().filter(|(k, _)| !keys.contains(k)).collect()
}

#[test]
fn arizona_twenty_day_notice_follows_the_33_992_01_form() {
    // First furnished Friday November 20, 2026: 20 days is Thursday December 10.
    let case = Case::new(
        "AZ",
        ProjectType::Private,
        OurRole::Sub,
        &[("first_furnished", "2026-11-20")],
        &[FULL, &[("lender", "Desert Bank"), ("lender_address", "1 E Washington St, Phoenix, AZ 85004")]].concat(),
    );
    let d = choose(&case.deadlines, None, day("2026-11-25")).unwrap();
    assert_eq!((d.rule.as_str(), d.due), ("AZ.private.preliminary_notice", day("2026-12-10")));
    let n = case.draft("2026-11-25").unwrap().unwrap();
    assert_eq!(n.form, Form::ArizonaPreliminary);
    assert_eq!(n.title, "PRELIMINARY TWENTY DAY NOTICE");
    assert_eq!(n.citation, "A.R.S. § 33-992.01");
    let t = text(&n);
    for wording in [AZ_NOT_A_LIEN, AZ_OWNER, AZ_CORRECT, AZ_BOND] {
        assert!(t.contains(wording), "missing: {wording}\n{t}");
    }
    for field in [
        "The name and address of the owner or reputed owner are: Bayside Holdings LLC, 100 N Ashley Dr, Tampa, FL 33602",
        "The name and address of the original contractor are: Gulf Coast Builders LLC, 2200 W Cypress St, Tampa, FL 33607",
        "The name and address of any lender or reputed lender and assigns are: Desert Bank, 1 E Washington St, Phoenix, AZ 85004",
        "The name and address of the person with whom the claimant has contracted are: Gulf Coast Builders LLC, 2200 W Cypress St",
        "This preliminary lien notice has been completed by (name and address of claimant): Sunshine Electric LLC, 410 W Kennedy Blvd, Tampa, FL 33606 (subcontractor)",
        "of the following general description: electrical rough-in and finish labor and materials",
        "structure or improvement located at: 1400 Bayshore Blvd",
        "furnished or to be furnished is: $48,500.00",
    ] {
        assert!(t.contains(field), "missing {field}\n{t}");
    }
    // § 33-992.01(B): owner, original contractor and lender; the GC hired us, so it is served once.
    assert_eq!(
        n.to.iter().map(|p| p.role.as_str()).collect::<Vec<_>>(),
        ["Owner or reputed owner", "Original contractor", "Construction lender"]
    );
    // The box is arbot's wording, and the page and the answer say so.
    assert!(t.contains("gives that form's content in the drafter's words, not the statute's text"));
    assert!(n.advice.iter().any(|a| a.contains("not the statute's text")));
    // The facts (C) asks for are asked for.
    let bare = Case::new(
        "AZ",
        ProjectType::Private,
        OurRole::Sub,
        &[("first_furnished", "2026-11-20")],
        &without(&["estimate", "gc_address", "property"]),
    );
    assert_eq!(missing_names(&bare.draft("2026-11-25").unwrap().unwrap_err()), ["gc_address", "property", "estimate"]);
}

#[test]
fn an_arizona_original_contractor_names_itself_and_a_sub_serves_its_customer() {
    let gc = Case::new(
        "AZ",
        ProjectType::Private,
        OurRole::Gc,
        &[("first_furnished", "2026-11-20")],
        &without(&["gc", "gc_address"]),
    );
    let n = gc.draft("2026-11-25").unwrap().unwrap();
    let t = text(&n);
    assert!(t.contains("The name and address of the original contractor are: Sunshine Electric LLC, 410 W Kennedy Blvd, Tampa, FL 33606 (the claimant)"), "{t}");
    assert!(t.contains("the claimant has contracted are: Bayside Holdings LLC, 100 N Ashley Dr"));
    assert_eq!(n.to.len(), 1, "the owner; no lender known");
    let mut sub = Case::new("AZ", ProjectType::Private, OurRole::SubSub, &[("first_furnished", "2026-11-20")], FULL);
    sub.customer = "Bay Plumbing Inc";
    let n = sub.draft("2026-11-25").unwrap().unwrap();
    assert!(n.advice.iter().any(|a| a.contains("Bay Plumbing Inc, who hired you, served too")), "{:?}", n.advice);
    sub.customer_address = Some("88 Pipe Way, Mesa, AZ 85201");
    let n = sub.draft("2026-11-25").unwrap().unwrap();
    assert!(n.to.iter().any(|p| p.name == "Bay Plumbing Inc" && p.address == ["88 Pipe Way", "Mesa, AZ 85201"]));
}

#[test]
fn nevada_notice_of_right_to_lien_is_the_108_245_form() {
    // First furnished Friday November 20, 2026: 31 days is Monday December 21.
    let case = Case::new("NV", ProjectType::Private, OurRole::Supplier, &[("first_furnished", "2026-11-20")], FULL);
    let d = choose(&case.deadlines, None, day("2026-11-25")).unwrap();
    assert_eq!((d.rule.as_str(), d.due), ("NV.private.notice_of_right_to_lien", day("2026-12-21")));
    let n = case.draft("2026-11-25").unwrap().unwrap();
    assert_eq!(
        (n.form, n.title.as_str(), n.citation.as_str()),
        (Form::NevadaRightToLien, "NOTICE OF RIGHT TO LIEN", "NRS 108.245")
    );
    let t = text(&n);
    assert!(t.contains(
        "The undersigned notifies you that he or she has supplied materials or equipment or performed work or services as follows:"
    ));
    assert!(t.contains(&format!(
        "for improvement of property identified as 1400 Bayshore Blvd, Tampa, FL 33606 (Hillsborough County); legal \
description: Lot 4, Block 2, Bayshore Estates under contract with Gulf Coast Builders LLC. {NV_STATEMENT}"
    )));
    assert_eq!(n.to[0].role, "Owner");
    assert_eq!(n.copies[0].role, "Prime contractor, for information only");
    let bare = Case::new(
        "NV",
        ProjectType::Private,
        OurRole::Sub,
        &[("first_furnished", "2026-11-20")],
        &without(&["owner_address", "work"]),
    );
    assert_eq!(missing_names(&bare.draft("2026-11-25").unwrap().unwrap_err()), ["owner_address", "work"]);
}

#[test]
fn washington_notice_gives_the_60_04_031_content_and_says_whose_words() {
    // A supplier first furnishing Friday October 9, 2026: 60 days is Tuesday December 8.
    let case = Case::new("WA", ProjectType::Private, OurRole::Supplier, &[("first_furnished", "2026-10-09")], FULL);
    let d = choose(&case.deadlines, None, day("2026-11-25")).unwrap();
    assert_eq!((d.rule.as_str(), d.due), ("WA.private.preliminary_notice", day("2026-12-08")));
    let n = case.draft("2026-11-25").unwrap().unwrap();
    assert_eq!((n.form, n.citation.as_str()), (Form::WashingtonRightToClaim, "RCW 60.04.031"));
    let t = text(&n);
    for line in [
        "Claimant's telephone: (813) 555-0142",
        "Materials, equipment or services: electrical rough-in",
        "Ordered by: Gulf Coast Builders LLC, 2200 W Cypress St",
        "Prime contractor: Gulf Coast Builders LLC",
        "First furnished: October 9, 2026",
        "within sixty days before the date this notice is given",
        WA_OWNER,
        "in the drafter's words; the statute prescribes the notice's form",
    ] {
        assert!(t.contains(line), "missing {line}\n{t}");
    }
    // A new single-family residence: ten days, first furnished Nov 20 is due Monday Nov 30.
    let home = Case::new("WA", ProjectType::Residential, OurRole::SubSub, &[("first_furnished", "2026-11-20")], FULL);
    let d = choose(&home.deadlines, None, day("2026-11-25")).unwrap();
    assert_eq!(d.due, day("2026-11-30"));
    assert!(text(&home.draft("2026-11-25").unwrap().unwrap()).contains("within ten days before"));
    // RCW 60.04.031(2) asks for the claimant's telephone number.
    let mut silent = case;
    silent.claimant.phone = None;
    assert_eq!(missing_names(&silent.draft("2026-11-25").unwrap().unwrap_err()), ["[business] phone"]);
}

#[test]
fn oregon_notice_of_right_to_a_lien_is_the_87_023_form() {
    // First furnished Monday September 14, 2026; seven business days later is Wednesday September 23
    // (ORS 87.021(1): coverage from after the day eight business days before the notice).
    let case = Case::new("OR", ProjectType::Residential, OurRole::Sub, &[("first_furnished", "2026-09-14")], FULL);
    let d = choose(&case.deadlines, None, day("2026-09-16")).unwrap();
    assert_eq!((d.rule.as_str(), d.due), ("OR.residential.notice_of_right_to_lien", day("2026-09-23")));
    let n = case.draft("2026-09-16").unwrap().unwrap();
    assert_eq!(
        (n.form, n.title.as_str(), n.citation.as_str()),
        (Form::OregonRightToLien, "NOTICE OF RIGHT TO A LIEN", "ORS 87.023")
    );
    let t = text(&n);
    for wording in [OR_WARNING, OR_EIGHT_DAYS, OR_FULL_PAYMENT, OR_NOT_A_LIEN] {
        assert!(t.contains(wording), "missing ORS 87.023 text: {wording}");
    }
    for s in OR_IMPORTANT.iter().chain(&OR_PROTECT) {
        assert!(t.contains(s), "missing: {s}");
    }
    for line in [
        "This is to inform you that Sunshine Electric LLC has begun to provide electrical rough-in and finish labor and \
materials ordered by Gulf Coast Builders LLC for improvements to property you own. The property is located at 1400 \
Bayshore Blvd",
        "Date of mailing: September 16, 2026",
        "NAME: Sunshine Electric LLC",
        "ADDRESS: 410 W Kennedy Blvd, Tampa, FL 33606",
        "TELEPHONE: (813) 555-0142",
        "IF YOU HAVE ANY QUESTIONS ABOUT THIS NOTICE, FEEL FREE TO CALL US.",
        "IMPORTANT INFORMATION FOR YOUR PROTECTION",
    ] {
        assert!(t.contains(line), "missing {line}\n{t}");
    }
    assert_eq!(n.to.iter().map(|p| p.role.as_str()).collect::<Vec<_>>(), ["Owner"]);
    // What arbot does not hold of the form is said.
    assert!(n.advice.iter().any(|a| a.contains("closing line") && a.contains("add it from ORS 87.023")));
    // The form gives the sender's telephone; the contractor is not needed.
    let mut bare = Case::new(
        "OR",
        ProjectType::Residential,
        OurRole::Sub,
        &[("first_furnished", "2026-09-14")],
        &without(&["gc", "gc_address", "owner_address"]),
    );
    bare.claimant.phone = None;
    assert_eq!(missing_names(&bare.draft("2026-09-16").unwrap().unwrap_err()), ["owner_address", "[business] phone"]);
}

#[test]
fn montana_notice_of_right_to_claim_a_lien_has_the_71_3_532_items() {
    // A residential job first furnished Friday November 20, 2026: 20 days is Thursday December 10.
    let case = Case::new("MT", ProjectType::Residential, OurRole::Supplier, &[("first_furnished", "2026-11-20")], FULL);
    let d = choose(&case.deadlines, None, day("2026-11-25")).unwrap();
    assert_eq!((d.rule.as_str(), d.due), ("MT.residential.notice_of_right_to_claim_lien", day("2026-12-10")));
    let n = case.draft("2026-11-25").unwrap().unwrap();
    assert_eq!((n.form, n.citation.as_str()), (Form::MontanaRightToClaim, "Mont. Code Ann. § 71-3-532"));
    let t = text(&n);
    for line in [
        "This is a notice of a right to claim a lien against real estate for services or materials furnished in \
connection with improvement of the real estate described as: 1400 Bayshore Blvd",
        "Date of mailing: November 25, 2026",
        MT_WARNING,
        "ordered by Gulf Coast Builders LLC for improvements to property you own.",
        "If Sunshine Electric LLC is not paid, a lien may be filed against the property.",
        "THIS IS NOT A LIEN. It is a notice sent to you for your protection in compliance with the construction lien laws \
of the state of Montana.",
        "TELEPHONE: (813) 555-0142",
        MT_IMPORTANT[0],
        MT_IMPORTANT[1],
    ] {
        assert!(t.contains(line), "missing {line}\n{t}");
    }
    assert!(n.advice.iter().any(|a| a.contains("arbot does not hold that text: copy it from the statute")));
    assert!(n.advice.iter().any(|a| a.contains("county clerk and recorder within five business days")));
    let bare = Case::new(
        "MT",
        ProjectType::Residential,
        OurRole::Supplier,
        &[("first_furnished", "2026-11-20")],
        &without(&["property", "work"]),
    );
    assert_eq!(missing_names(&bare.draft("2026-11-25").unwrap().unwrap_err()), ["property", "work"]);
}

#[test]
fn michigan_notice_of_furnishing_is_the_570_1109_form() {
    // First furnished Friday November 20, 2026, no later notice of commencement: 20 days is
    // Thursday December 10.
    let mut case = Case::new("MI", ProjectType::Private, OurRole::SubSub, &[("first_furnished", "2026-11-20")], FULL);
    let d = choose(&case.deadlines, None, day("2026-11-25")).unwrap();
    assert_eq!((d.rule.as_str(), d.due), ("MI.private.notice_of_furnishing", day("2026-12-10")));
    case.customer = "Bay Plumbing Inc";
    case.customer_address = Some("88 Pipe Way, Detroit, MI 48201");
    let n = case.draft("2026-11-25").unwrap().unwrap();
    assert_eq!(
        (n.form, n.title.as_str(), n.citation.as_str()),
        (Form::MichiganFurnishing, "NOTICE OF FURNISHING", "MCL 570.1109")
    );
    let t = text(&n);
    for line in [
        "Please take notice that the undersigned is furnishing to Bay Plumbing Inc, 88 Pipe Way, Detroit, MI 48201 certain \
labor or material for electrical rough-in and finish labor and materials, in connection with the improvements to the real \
property described in the notice of commencement recorded in Hillsborough County records, described as: 1400 Bayshore Blvd",
        MI_WARNING,
        "Name and address of lien claimant: Sunshine Electric LLC, 410 W Kennedy Blvd, Tampa, FL 33606",
    ] {
        assert!(t.contains(line), "missing {line}\n{t}");
    }
    assert_eq!(
        n.to.iter().map(|p| p.role.as_str()).collect::<Vec<_>>(),
        ["Owner or lessee, or its designee", "General contractor"]
    );
    assert!(n.advice.iter().any(|a| a.contains("not by the liber and page")));
    assert_eq!(n.claimant.signer.as_deref(), Some("Sam Ortiz, AR manager"), "by the party signing, in its capacity");
    let bare =
        Case::new("MI", ProjectType::Private, OurRole::Sub, &[("first_furnished", "2026-11-20")], &without(&["gc"]));
    assert_eq!(missing_names(&bare.draft("2026-11-25").unwrap().unwrap_err()), ["gc"]);
}

#[test]
fn ohio_notice_of_furnishing_gives_the_1311_05_content_and_says_whose_words() {
    // A notice of commencement recorded Monday November 2, 2026, first furnished Friday November
    // 20: 21 days after first furnishing is Friday December 11.
    let case = Case::new(
        "OH",
        ProjectType::Private,
        OurRole::Supplier,
        &[("first_furnished", "2026-11-20"), ("noc_recorded", "2026-11-02")],
        FULL,
    );
    let d = choose(&case.deadlines, None, day("2026-11-25")).unwrap();
    assert_eq!((d.rule.as_str(), d.due), ("OH.private.notice_of_furnishing", day("2026-12-11")));
    let n = case.draft("2026-11-25").unwrap().unwrap();
    assert_eq!((n.form, n.citation.as_str()), (Form::OhioFurnishing, "Ohio Rev. Code § 1311.05"));
    let t = text(&n);
    for line in [
        "Original contractor: Gulf Coast Builders LLC, 2200 W Cypress St",
        "Labor, work or materials: electrical rough-in",
        "First furnished: November 20, 2026",
        "Notice of commencement recorded: November 2, 2026",
        OH_STATEMENT,
        "in the drafter's words; the statute prescribes the notice's form",
    ] {
        assert!(t.contains(line), "missing {line}\n{t}");
    }
    assert!(!n.advice.iter().any(|a| a.contains("No notice of commencement")));
    let no_noc = Case::new("OH", ProjectType::Private, OurRole::Supplier, &[("first_furnished", "2026-11-20")], FULL);
    let n = no_noc.draft("2026-11-25").unwrap().unwrap();
    assert!(n.advice.iter().any(|a| a.contains("No notice of commencement is on record")));
}

#[test]
fn other_states_get_the_generic_notice_under_their_citation() {
    let case = Case::new("MN", ProjectType::Private, OurRole::Supplier, &[("first_furnished", "2026-11-20")], FULL);
    let n = case.draft("2026-11-25").unwrap().unwrap();
    assert_eq!(n.form, Form::Generic);
    assert_eq!(n.title, "PRE-LIEN NOTICE");
    let t = text(&n);
    assert!(t.contains("This is not a lien.") && t.contains("under Minnesota law"));
    assert!(t.contains(&format!("Given under {} (Minnesota).", n.citation)), "{t}");
    assert!(t.contains("First furnished: November 20, 2026") && t.contains("Unpaid to date: $18,250.75"));
}

#[test]
fn notices_filed_in_a_registry_or_with_no_form_are_refused() {
    let ut = Case::new("UT", ProjectType::Private, OurRole::Sub, &[("first_furnished", "2026-11-20")], FULL);
    assert!(matches!(ut.draft("2026-11-25"), Err(Refusal::FiledNotMailed { .. })));
    let ny = Case::new("NY", ProjectType::Private, OurRole::Sub, &[("first_furnished", "2026-11-20")], FULL);
    assert_eq!(ny.draft("2026-11-25").unwrap_err(), Refusal::NoneOwed);
    let tn = Case::new("TN", ProjectType::Residential, OurRole::Gc, &[("first_furnished", "2026-11-20")], FULL);
    if choose(&tn.deadlines, None, day("2026-11-25")).is_ok() {
        assert!(matches!(tn.draft("2026-11-25"), Err(Refusal::NotDrafted { .. })));
    }
}

#[test]
fn forms_have_stable_words() {
    for f in [
        Form::FloridaNoticeToOwner,
        Form::FloridaNoticeToOwnerAndContractor,
        Form::CaliforniaPreliminary,
        Form::TexasUnpaidClaim,
        Form::ArizonaPreliminary,
        Form::NevadaRightToLien,
        Form::WashingtonRightToClaim,
        Form::OregonRightToLien,
        Form::MontanaRightToClaim,
        Form::MichiganFurnishing,
        Form::OhioFurnishing,
        Form::Generic,
    ] {
        assert_eq!(Form::parse(f.word()), Some(f));
    }
}
