//! Preliminary notices and Notices to Owner as documents to mail: which notice a job owes (from
//! the lien engine's deadlines), and its text in the statute's form, filled from the job's facts
//! ([`crate::liens::JobFacts`], [`crate::liens::JobParties`]) and our business. A fact the form
//! needs and arbot does not have is named ([`Missing`]) and nothing is drafted: a notice is never
//! mailed with a blank.
//!
//! The forms:
//!
//! * **Florida Notice to Owner**, Fla. Stat. § 713.06(2)(c): the statute's warning, its text and
//!   its "Important information for your protection", to the owner, with copies to the contractor
//!   (§ 713.06(2)(a): a sub-subcontractor's or supplier's copy) and the lender and surety where
//!   known. On a bonded job a sub-subcontractor or supplier owes the contractor a Notice to
//!   Contractor too (§ 713.23(1)(c)), which the statute lets it combine with the Notice to Owner
//!   under the title "NOTICE TO OWNER/NOTICE TO CONTRACTOR": arbot drafts the two combined.
//! * **California preliminary notice**, Civ. Code §§ 8200, 8102 and 8202 (private works): every
//!   § 8102(a) item (owner, direct contractor, construction lender, the site, who gives it and
//!   their relationship to the parties, the work, whom it is for), § 8202(a)(1)-(2)'s description
//!   and estimate of the total price, and § 8202(a)(3)'s statement to the owner in bold. A direct
//!   contractor's notice goes to the construction lender only (§ 8200(e)(2)).
//! * **Texas notice of claim for unpaid labor or materials**, Prop. Code § 53.056(a-2) (the form
//!   in force for original contracts from January 1, 2022), to the owner and the original
//!   contractor (§ 53.056(a-1)), with the open invoices as its billing statement (§ 53.056(a-3)).
//! * **Arizona, Nevada, Washington, Oregon, Michigan, Ohio and Montana**: their own forms, in
//!   [`forms`] (A.R.S. § 33-992.01, NRS 108.245(1), RCW 60.04.031, ORS 87.023, MCL 570.1109, Ohio
//!   Rev. Code § 1311.05, Mont. Code Ann. § 71-3-532), with the statute's words where arbot holds them and its
//!   content in arbot's words, said on the page, where it does not.
//! * **Every other state whose rules require a preliminary notice or notice to owner from a
//!   subcontractor or supplier**: a generic notice with the content those statutes have in
//!   common (who gives it, the owner, the contractor, who hired us, the property, what we furnish,
//!   when we began, the amount unpaid) under the rule's citation, saying that it is not a lien.
//!   Where the statute prescribes its own form, the answer says to check the draft against it.
//!
//! Refused with the reason: notices filed in a state registry rather than mailed (Utah's State
//! Construction Registry, Pennsylvania's State Construction Notices Directory, Iowa's Mechanics'
//! Notice and Lien Registry, a Massachusetts notice of contract recorded with the registry of
//! deeds), a contractor's own disclosure to the owner in a statutory form (Arkansas, Tennessee,
//! Rhode Island, Minnesota), public-works notices and Texas's pre-2022 notices, whose forms arbot
//! does not hold yet.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::ledger::OurRole;
use crate::liens::{Deadline, JobFacts, JobParties, PartyFact, address_lines, state_name};
use crate::money::{Currency, Money};

/// The deadline kinds a preliminary notice or notice to owner is drafted for.
pub const NOTICE_KINDS: &[&str] = &["notice_to_owner", "preliminary_notice", "monthly_notice"];

/// Rules whose notice is filed in a registry or recorded, not mailed, with where it goes.
const FILED_NOT_MAILED: &[(&str, &str)] = &[
    ("UT.private.preliminary_notice", "filed in Utah's State Construction Registry"),
    ("PA.private.notice_of_furnishing", "filed in Pennsylvania's State Construction Notices Directory"),
    ("IA.residential.notice_of_commencement", "posted on Iowa's Mechanics' Notice and Lien Registry"),
    ("IA.residential.preliminary_notice", "posted on Iowa's Mechanics' Notice and Lien Registry"),
    ("MA.private.notice_of_contract", "recorded in the registry of deeds"),
];

/// Which form a draft is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// Fla. Stat. § 713.06(2)(c).
    FloridaNoticeToOwner,
    /// Fla. Stat. §§ 713.06(2)(c) and 713.23(1)(c), combined.
    FloridaNoticeToOwnerAndContractor,
    /// Cal. Civ. Code §§ 8102, 8202.
    CaliforniaPreliminary,
    /// Tex. Prop. Code § 53.056(a-2).
    TexasUnpaidClaim,
    /// A.R.S. § 33-992.01(C)-(D): the preliminary twenty day notice.
    ArizonaPreliminary,
    /// NRS 108.245(1): the notice of right to lien.
    NevadaRightToLien,
    /// RCW 60.04.031: the notice of right to claim a lien.
    WashingtonRightToClaim,
    /// ORS 87.023: the notice of right to a lien.
    OregonRightToLien,
    /// Mont. Code Ann. § 71-3-532: the notice of right to claim a lien.
    MontanaRightToClaim,
    /// MCL 570.1109: the notice of furnishing.
    MichiganFurnishing,
    /// Ohio Rev. Code § 1311.05: the notice of furnishing.
    OhioFurnishing,
    /// The content the other states' statutes share, under the rule's citation.
    Generic,
}

impl Form {
    /// The stable word stored with a draft.
    pub fn word(self) -> &'static str {
        match self {
            Form::FloridaNoticeToOwner => "fl_nto",
            Form::FloridaNoticeToOwnerAndContractor => "fl_nto_ntc",
            Form::CaliforniaPreliminary => "ca_preliminary",
            Form::TexasUnpaidClaim => "tx_unpaid_claim",
            Form::ArizonaPreliminary => "az_preliminary",
            Form::NevadaRightToLien => "nv_right_to_lien",
            Form::WashingtonRightToClaim => "wa_right_to_claim",
            Form::OregonRightToLien => "or_right_to_lien",
            Form::MontanaRightToClaim => "mt_right_to_claim",
            Form::MichiganFurnishing => "mi_furnishing",
            Form::OhioFurnishing => "oh_furnishing",
            Form::Generic => "generic",
        }
    }

    pub fn parse(word: &str) -> Option<Form> {
        [
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
        ]
        .into_iter()
        .find(|f| f.word() == word)
    }
}

/// Who gives the notice: our business, from the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Claimant {
    pub name: String,
    pub address: Vec<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// The person who signs for the business (`[letters] signer`).
    pub signer: Option<String>,
}

/// An open invoice on the job, for a billing statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenInvoice {
    pub number: String,
    pub issued: NaiveDate,
    pub balance: Money,
}

/// What a notice is drawn from.
#[derive(Debug, Clone)]
pub struct NoticeInput<'a> {
    /// The deadline the notice meets (from [`choose`]).
    pub deadline: &'a Deadline,
    /// Every deadline of the job, so a Florida notice can see that a Notice to Contractor is owed
    /// too.
    pub all: &'a [Deadline],
    pub facts: &'a JobFacts,
    pub parties: &'a JobParties,
    pub job_name: &'a str,
    pub city: Option<&'a str>,
    pub county: Option<&'a str>,
    /// Who hired us: the ledger's customer for the job.
    pub customer: &'a str,
    /// The customer's billing address from the accounting system, where it has one.
    pub customer_address: Option<&'a str>,
    pub claimant: &'a Claimant,
    /// Unpaid on the job today, in `currency`.
    pub unpaid: Money,
    pub open_invoices: &'a [OpenInvoice],
    pub currency: Currency,
    pub today: NaiveDate,
}

/// A fact the form needs that arbot does not have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Missing {
    /// A job fact, set with `/ar job <job> set <fact> <value>`.
    Fact { fact: &'static str, what: String, placeholder: &'static str },
    /// A setting in arbot's configuration file.
    Setting { key: &'static str, what: &'static str },
}

/// Why no notice can be drafted for the job, apart from missing facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Refusal {
    /// The rules give the job no preliminary notice or notice to owner.
    NoneOwed,
    /// A Texas monthly notice was asked for a month the job's facts have no deadline for.
    NoSuchMonth { month: String, months: Vec<String> },
    /// The notice is filed or recorded, not mailed.
    FiledNotMailed { document: String, citation: String, where_: &'static str },
    /// A notice whose statutory form arbot does not hold.
    NotDrafted { document: String, citation: String, why: &'static str },
    /// A Texas notice of claim with nothing unpaid.
    NothingUnpaid,
}

/// One block of a notice's text, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Block {
    /// A statutory warning, set in bold capitals in a box.
    Warning(String),
    /// A centred heading.
    Heading(String),
    /// A paragraph.
    Text(String),
    /// A paragraph in bold (a statement the statute wants in boldface).
    Bold(String),
    /// A labelled value: "Claim amount: $18,250.75".
    Field { label: String, value: String },
    /// A point in a list.
    Bullet(String),
}

/// A person the notice is addressed or copied to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Party {
    /// "Owner", "Contractor", "Construction lender".
    pub role: String,
    pub name: String,
    pub address: Vec<String>,
}

/// A notice ready to lay out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoticeDraft {
    pub form: Form,
    pub state: String,
    pub rule: String,
    pub kind: String,
    /// The title on the page: "NOTICE TO OWNER".
    pub title: String,
    /// What the document is, in the answer and the file's properties: "Notice to Owner".
    pub document: String,
    /// The statute the form follows.
    pub citation: String,
    /// `notice-to-owner`: the file name's middle.
    pub file_stem: String,
    pub date: NaiveDate,
    pub to: Vec<Party>,
    pub blocks: Vec<Block>,
    pub claimant: SignedBy,
    pub copies: Vec<Party>,
    /// A billing statement to print after the notice (Texas § 53.056(a-3)).
    pub statement: Vec<OpenInvoice>,
    /// For a Texas monthly notice: the month of work whose deadline it meets, `YYYY-MM`.
    pub month: Option<String>,
    /// What the person drafting should know (a lender assumed absent, a form to check against).
    pub advice: Vec<String>,
}

/// The signature block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignedBy {
    pub name: String,
    pub address: Vec<String>,
    pub contact: Vec<String>,
    pub signer: Option<String>,
    /// The label over the signature line: "Lienor's signature", "Claimant".
    pub label: &'static str,
}

/// The notice deadline to draft for: for a Texas monthly notice the one of `month` (`YYYY-MM`)
/// if given, else the soonest one not yet passed, else the latest. Other states: the soonest
/// preliminary notice or notice to owner not yet passed, else the latest one.
pub fn choose<'a>(deadlines: &'a [Deadline], month: Option<&str>, today: NaiveDate) -> Result<&'a Deadline, Refusal> {
    let notices: Vec<&Deadline> = deadlines.iter().filter(|d| NOTICE_KINDS.contains(&d.kind.as_str())).collect();
    if notices.is_empty() {
        return Err(Refusal::NoneOwed);
    }
    if let Some(month) = month {
        return notices.iter().copied().find(|d| d.month.as_deref() == Some(month)).ok_or_else(|| {
            Refusal::NoSuchMonth {
                month: month.to_string(),
                months: notices.iter().filter_map(|d| d.month.clone()).collect(),
            }
        });
    }
    // A Florida Notice to Contractor is drafted with the Notice to Owner, so the NTO leads.
    // Coming ones first, soonest first; then passed ones, the latest first.
    let rank = |d: &&Deadline| {
        let day = d.due.num_days_from_ce();
        if d.due >= today { (false, day) } else { (true, -day) }
    };
    let pick = notices.iter().copied().filter(|d| !d.rule.starts_with("FL.bonded.")).min_by_key(rank);
    Ok(pick.unwrap_or_else(|| notices.iter().copied().min_by_key(rank).unwrap_or(notices[0])))
}

/// The notice in its form, or what it needs first.
pub fn draft(input: &NoticeInput<'_>) -> Result<Result<NoticeDraft, Vec<Missing>>, Refusal> {
    let d = input.deadline;
    if let Some((_, where_)) = FILED_NOT_MAILED.iter().find(|(rule, _)| *rule == d.rule) {
        return Err(Refusal::FiledNotMailed {
            document: document_name(d).to_string(),
            citation: d.citation.clone(),
            where_,
        });
    }
    let form = form_for(input)?;
    let mut missing = Vec::new();
    if input.facts.unknown_role || input.facts.unknown_project {
        if input.facts.unknown_project {
            missing.push(fact_missing_setting(
                "project",
                "the project type, which picks the notice",
                "<private|public|residential>",
            ));
        }
        if input.facts.unknown_role {
            missing.push(fact_missing_setting(
                "role",
                "our role on the job, which picks the notice and who gets copies",
                "<sub|sub_sub|supplier|gc>",
            ));
        }
    } else if let Some(a) = d.assumption.as_ref().filter(|a| a.settled_by == "contract_signed") {
        // The contract date picks the rule's version, and so the form: settle it first. Other
        // assumptions move only the due date, which the answer states with its assumption.
        missing.push(Missing::Fact {
            fact: a.settled_by,
            what: format!("which notice is owed: the rule assumes {}", a.assumes),
            placeholder: "<date>",
        });
    }
    if input.claimant.address.is_empty() {
        missing.push(Missing::Setting {
            key: "[business] address",
            what: "our business address, which the notice must give",
        });
    }
    let need = needs(form, input);
    for fact in need {
        if input.parties.get(fact).is_none() {
            missing.push(Missing::Fact {
                fact: fact.name(),
                what: fact.label().to_string(),
                placeholder: fact.placeholder(),
            });
        }
    }
    // A lender or surety named without an address cannot be served.
    for (name, address) in
        [(PartyFact::Lender, PartyFact::LenderAddress), (PartyFact::Surety, PartyFact::SuretyAddress)]
    {
        if input.parties.get(name).is_some()
            && input.parties.get(address).is_none()
            && !missing.iter().any(|m| matches!(m, Missing::Fact { fact, .. } if *fact == address.name()))
        {
            missing.push(Missing::Fact {
                fact: address.name(),
                what: address.label().to_string(),
                placeholder: address.placeholder(),
            });
        }
    }
    let phone_for = match form {
        Form::WashingtonRightToClaim => Some("RCW 60.04.031(2)"),
        Form::OregonRightToLien => Some("ORS 87.023"),
        Form::MontanaRightToClaim => Some("Mont. Code Ann. § 71-3-532(3)(g)"),
        _ => None,
    };
    if let Some(statute) = phone_for.filter(|_| input.claimant.phone.is_none()) {
        missing.push(Missing::Setting {
            key: "[business] phone",
            what: match statute {
                "ORS 87.023" => "our telephone number, which the ORS 87.023 form gives",
                "RCW 60.04.031(2)" => "our telephone number, which RCW 60.04.031(2) asks the notice to give",
                _ => "our telephone number, which the § 71-3-532(3)(g) notice gives",
            },
        });
    }
    if form == Form::TexasUnpaidClaim {
        if input.unpaid.minor <= 0 {
            return Err(Refusal::NothingUnpaid);
        }
        if input.claimant.signer.is_none() {
            missing.push(Missing::Setting {
                key: "[letters] signer",
                what: "the claimant's contact person, whom § 53.056(a-2) asks the notice to name",
            });
        }
    }
    if !missing.is_empty() {
        return Ok(Err(missing));
    }
    Ok(Ok(match form {
        Form::FloridaNoticeToOwner | Form::FloridaNoticeToOwnerAndContractor => florida(input, form),
        Form::CaliforniaPreliminary => california(input),
        Form::TexasUnpaidClaim => texas(input),
        Form::ArizonaPreliminary => forms::arizona(input),
        Form::NevadaRightToLien => forms::nevada(input),
        Form::WashingtonRightToClaim => forms::washington(input),
        Form::OregonRightToLien => forms::oregon(input),
        Form::MontanaRightToClaim => forms::montana(input),
        Form::MichiganFurnishing => forms::michigan(input),
        Form::OhioFurnishing => forms::ohio(input),
        Form::Generic => generic(input),
    }))
}

fn fact_missing_setting(fact: &'static str, what: &str, placeholder: &'static str) -> Missing {
    Missing::Fact { fact, what: what.to_string(), placeholder }
}

fn form_for(input: &NoticeInput<'_>) -> Result<Form, Refusal> {
    let d = input.deadline;
    let not_drafted =
        |why: &'static str| Refusal::NotDrafted { document: d.document.clone(), citation: d.citation.clone(), why };
    match d.rule.as_str() {
        "FL.private.nto" | "FL.bonded.notice_to_contractor" => {
            let with_contractor = input.all.iter().any(|x| x.rule == "FL.bonded.notice_to_contractor");
            Ok(if with_contractor { Form::FloridaNoticeToOwnerAndContractor } else { Form::FloridaNoticeToOwner })
        }
        "FL.public.notice_to_contractor" => {
            Err(not_drafted("arbot does not hold the public-works Notice to Contractor form (Fla. Stat. § 255.05) yet"))
        }
        "CA.private.preliminary_notice" | "CA.private.preliminary_notice_lender" => Ok(Form::CaliforniaPreliminary),
        "CA.public.preliminary_notice" => Err(not_drafted(
            "arbot drafts California's private-works preliminary notice (§ 8202); the public-works one (§ 9303) is not drafted yet",
        )),
        "TX.commercial.monthly_notice" | "TX.residential.monthly_notice" => Ok(Form::TexasUnpaidClaim),
        // § 33-992.01(B): every claimant, the original contractor too.
        "AZ.private.preliminary_notice" => Ok(Form::ArizonaPreliminary),
        "NV.private.notice_of_right_to_lien" => Ok(Form::NevadaRightToLien),
        "WA.private.preliminary_notice" | "WA.residential.preliminary_notice" => Ok(Form::WashingtonRightToClaim),
        "OR.private.notice_of_right_to_lien" | "OR.residential.notice_of_right_to_lien" => Ok(Form::OregonRightToLien),
        "MT.residential.notice_of_right_to_claim_lien" => Ok(Form::MontanaRightToClaim),
        "MI.private.notice_of_furnishing" => Ok(Form::MichiganFurnishing),
        "OH.private.notice_of_furnishing" => Ok(Form::OhioFurnishing),
        rule if rule.starts_with("TX.") => Err(not_drafted(
            "arbot drafts the § 53.056(a-2) form for original contracts from January 1, 2022; the pre-2022 notices and public-works bond notices (Gov't Code ch. 2253) have other forms",
        )),
        "NC.private.notice_to_lien_agent" | "VA.residential.lien_agent_notice" => Err(not_drafted(
            "it is served on the mechanics' lien agent named on the building permit, whom arbot does not keep as a job fact yet",
        )),
        _ if input.facts.role == OurRole::Gc && d.kind != "preliminary_notice" => Err(not_drafted(
            "it is the contractor's own disclosure to the owner, in the words its statute prescribes, which arbot does not hold yet",
        )),
        _ if input.facts.role == OurRole::Gc => {
            Err(not_drafted("it is a contractor's notice whose statutory content arbot does not hold yet"))
        }
        _ => Ok(Form::Generic),
    }
}

/// The facts a form cannot be mailed without.
fn needs(form: Form, input: &NoticeInput<'_>) -> Vec<PartyFact> {
    use PartyFact::*;
    let role = input.facts.role;
    let below_sub = matches!(role, OurRole::SubSub | OurRole::Supplier);
    match form {
        Form::FloridaNoticeToOwner if below_sub => vec![Owner, OwnerAddress, Gc, GcAddress, Property, Work],
        Form::FloridaNoticeToOwner => vec![Owner, OwnerAddress, Property, Work],
        Form::FloridaNoticeToOwnerAndContractor => vec![Owner, OwnerAddress, Gc, GcAddress, Property, Work],
        Form::CaliforniaPreliminary if input.deadline.rule == "CA.private.preliminary_notice_lender" => {
            vec![Lender, LenderAddress, Owner, OwnerAddress, Property, Work, Estimate]
        }
        Form::CaliforniaPreliminary => vec![Owner, OwnerAddress, Gc, GcAddress, Property, Work, Estimate],
        Form::TexasUnpaidClaim => vec![Owner, OwnerAddress, Gc, GcAddress, Property, Work],
        // § 33-992.01(C)-(D): the original contractor's name and address, and an estimate of the
        // total price; an original contractor names itself.
        Form::ArizonaPreliminary if role == OurRole::Gc => vec![Owner, OwnerAddress, Property, Work, Estimate],
        Form::ArizonaPreliminary => vec![Owner, OwnerAddress, Gc, GcAddress, Property, Work, Estimate],
        // NRS 108.245(1): to the owner, a copy to the prime contractor.
        Form::NevadaRightToLien => vec![Owner, OwnerAddress, Gc, GcAddress, Property, Work],
        // RCW 60.04.031(1)-(2): to the owner, naming the prime contractor and the customer.
        Form::WashingtonRightToClaim => vec![Owner, OwnerAddress, Gc, GcAddress, Property, Work],
        // ORS 87.023 and § 71-3-532(3): to the owner, naming who ordered the work (our customer).
        Form::OregonRightToLien | Form::MontanaRightToClaim => vec![Owner, OwnerAddress, Property, Work],
        // MCL 570.1109 and § 1311.05(A): to the owner (or designee) and the general contractor.
        Form::MichiganFurnishing | Form::OhioFurnishing => vec![Owner, OwnerAddress, Gc, GcAddress, Property, Work],
        Form::Generic => vec![Owner, OwnerAddress, Gc, GcAddress, Property, Work],
    }
}

fn value(p: &JobParties, fact: PartyFact) -> String {
    p.get(fact).unwrap_or_default().to_string()
}

fn party(role: &str, p: &JobParties, name: PartyFact, address: PartyFact) -> Option<Party> {
    Some(Party { role: role.to_string(), name: p.get(name)?.to_string(), address: address_lines(p.get(address)?) })
}

/// "1400 Bayshore Blvd, Tampa, FL 33606; Lot 4, Block 2, …": the property as the notice names it.
fn property(input: &NoticeInput<'_>) -> String {
    let p = input.parties;
    let mut text = value(p, PartyFact::Property);
    if let Some(county) = input.county.filter(|c| !text.to_lowercase().contains(&c.to_lowercase())) {
        text.push_str(&format!(" ({county} County)"));
    }
    if let Some(legal) = p.get(PartyFact::LegalDescription) {
        text.push_str(&format!("; legal description: {legal}"));
    }
    text
}

fn signed_by(input: &NoticeInput<'_>, label: &'static str) -> SignedBy {
    let c = input.claimant;
    SignedBy {
        name: c.name.clone(),
        address: c.address.clone(),
        contact: [c.phone.clone(), c.email.clone()].into_iter().flatten().collect(),
        signer: c.signer.clone(),
        label,
    }
}

/// Lender and surety, where known, as copies.
fn lender_and_surety(p: &JobParties) -> Vec<Party> {
    [
        party("Lender", p, PartyFact::Lender, PartyFact::LenderAddress),
        party("Surety", p, PartyFact::Surety, PartyFact::SuretyAddress),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

fn base(input: &NoticeInput<'_>, form: Form, title: &str, document: &str, citation: &str, stem: &str) -> NoticeDraft {
    NoticeDraft {
        form,
        state: input.facts.state.clone(),
        rule: input.deadline.rule.clone(),
        kind: input.deadline.kind.clone(),
        title: title.to_string(),
        document: document.to_string(),
        citation: citation.to_string(),
        file_stem: stem.to_string(),
        date: input.today,
        to: Vec::new(),
        blocks: Vec::new(),
        claimant: signed_by(input, "Signature"),
        copies: Vec::new(),
        statement: Vec::new(),
        month: input.deadline.month.clone(),
        advice: Vec::new(),
    }
}

/// The statute's warning, set before the title (Fla. Stat. § 713.06(2)(c)).
pub const FL_WARNING: &str = "WARNING! FLORIDA'S CONSTRUCTION LIEN LAW ALLOWS SOME UNPAID CONTRACTORS, SUBCONTRACTORS, AND \
MATERIAL SUPPLIERS TO FILE LIENS AGAINST YOUR PROPERTY EVEN IF YOU HAVE MADE PAYMENT IN FULL. UNDER FLORIDA LAW, YOUR \
FAILURE TO MAKE SURE THAT WE ARE PAID MAY RESULT IN A LIEN AGAINST YOUR PROPERTY AND YOUR PAYING TWICE. TO AVOID A LIEN \
AND PAYING TWICE, YOU MUST OBTAIN A WRITTEN RELEASE FROM US EVERY TIME YOU PAY YOUR CONTRACTOR.";

/// Fla. Stat. § 713.06(2)(c), after the description of the property.
pub const FL_PRESCRIBES: &str = "Florida law prescribes the serving of this notice and restricts your right to make \
payments under your contract in accordance with Section 713.06, Florida Statutes.";

/// Fla. Stat. § 713.06(2)(c): "Important information for your protection".
pub const FL_IMPORTANT: &str = "Under Florida's laws, those who work on your property or provide materials and are not \
paid have a right to enforce their claim for payment against your property. This claim is known as a construction lien. \
If your contractor fails to pay subcontractors or material suppliers or neglects to make other legally required \
payments, the people who are owed money may look to your property for payment, EVEN IF YOU HAVE PAID YOUR CONTRACTOR IN \
FULL.";

pub const FL_RECOGNIZE: &str = "RECOGNIZE that this Notice to Owner may result in a lien against your property unless \
all those supplying a Notice to Owner have been paid.";

pub const FL_LEARN: &str = "LEARN more about the Construction Lien Law, Chapter 713, Part I, Florida Statutes, and the \
meaning of this notice by contacting an attorney or the Florida Department of Business and Professional Regulation.";

/// Fla. Stat. § 713.23(1)(c): the Notice to Contractor's statement.
pub const FL_BOND: &str = "This notice is to inform you that the undersigned intends to look to the contractor's bond \
to secure payment for the furnishing of materials or services for the improvement of the real property.";

fn florida(input: &NoticeInput<'_>, form: Form) -> NoticeDraft {
    let p = input.parties;
    let combined = form == Form::FloridaNoticeToOwnerAndContractor;
    let (title, document, citation, stem) = if combined {
        (
            "NOTICE TO OWNER/NOTICE TO CONTRACTOR",
            "Notice to Owner/Notice to Contractor",
            "Fla. Stat. §§ 713.06(2)(c), 713.23(1)(c)",
            "notice-to-owner-and-contractor",
        )
    } else {
        ("NOTICE TO OWNER", "Notice to Owner", "Fla. Stat. § 713.06(2)(c)", "notice-to-owner")
    };
    let mut n = base(input, form, title, document, citation, stem);
    n.claimant.label = "Lienor";
    n.to.extend(party("Owner", p, PartyFact::Owner, PartyFact::OwnerAddress));
    if combined {
        n.to.extend(party("Contractor", p, PartyFact::Gc, PartyFact::GcAddress));
    }
    n.blocks.push(Block::Warning(FL_WARNING.to_string()));
    n.blocks.push(Block::Heading(title.to_string()));
    n.blocks.push(Block::Text(
        "The undersigned hereby informs you that he or she has furnished or is furnishing services or materials as follows:"
            .to_string(),
    ));
    n.blocks.push(Block::Bold(value(p, PartyFact::Work)));
    n.blocks.push(Block::Text(format!(
        "for the improvement of the real property identified as {} under an order given by {}.",
        property(input),
        input.customer
    )));
    n.blocks.push(Block::Text(FL_PRESCRIBES.to_string()));
    if combined {
        n.blocks.push(Block::Text(FL_BOND.to_string()));
        if let Some(bond) = p.get(PartyFact::BondNumber) {
            n.blocks.push(Block::Field { label: "Payment bond".to_string(), value: bond.to_string() });
        }
    }
    n.blocks.push(Block::Heading("IMPORTANT INFORMATION FOR YOUR PROTECTION".to_string()));
    n.blocks.push(Block::Text(FL_IMPORTANT.to_string()));
    n.blocks.push(Block::Heading("PROTECT YOURSELF:".to_string()));
    n.blocks.push(Block::Bullet(FL_RECOGNIZE.to_string()));
    n.blocks.push(Block::Bullet(FL_LEARN.to_string()));
    // § 713.06(2)(a): a sub-subcontractor or a supplier to a subcontractor serves a copy on the
    // contractor; the lender and surety named in the notice of commencement get one too.
    let below_sub = matches!(input.facts.role, OurRole::SubSub | OurRole::Supplier);
    if !combined
        && (below_sub || p.get(PartyFact::Gc).is_some_and(|gc| !same_name(gc, input.customer)))
        && let Some(gc) = party("Contractor", p, PartyFact::Gc, PartyFact::GcAddress)
    {
        n.copies.push(gc);
    }
    n.copies.extend(lender_and_surety(p));
    if input.facts.role == OurRole::Supplier && p.get(PartyFact::Gc).is_some_and(|gc| !same_name(gc, input.customer)) {
        n.advice.push(format!(
            "If {} is a sub-subcontractor, § 713.06(2)(a) wants a copy served on the subcontractor above it as well; add it to the copies before mailing.",
            input.customer
        ));
    }
    if input.facts.noc_recorded.is_some() && p.get(PartyFact::Lender).is_none() {
        n.advice.push(
            "A notice of commencement is recorded: serve everyone it designates (lender, the owner's designee) too. No lender is on record: /ar job … set lender adds one to the copies."
                .to_string(),
        );
    }
    n
}

/// Cal. Civ. Code § 8202(a)(3): the statement in boldface.
pub const CA_STATEMENT: [&str; 3] = [
    "EVEN THOUGH YOU HAVE PAID YOUR CONTRACTOR IN FULL, if the person or firm that has given you this notice is not paid \
in full for labor, service, equipment, or material provided or to be provided to your construction project, a lien may \
be placed on your property. Foreclosure of the lien may lead to loss of all or part of your property. You may wish to \
protect yourself against this by (1) requiring your contractor to provide a signed release by the person or firm that \
has given you this notice before making payment to your contractor, or (2) any other method that is appropriate under \
the circumstances.",
    "This notice is required by law to be served by the undersigned as a statement of your legal rights. This notice is \
not intended to reflect upon the financial condition of the contractor or the person employed by you on the construction \
project.",
    "If you record a notice of cessation or completion of your construction project, you must within 10 days after \
recording, send a copy of the notice of completion to your contractor and the person or firm that has given you this \
notice. The notice must be sent by registered or certified mail. Failure to send the notice will extend the deadline to \
record a claim of lien. You are not required to send the notice if you are a residential homeowner of a dwelling \
containing four or fewer units.",
];

fn relationship(role: OurRole) -> &'static str {
    match role {
        OurRole::Gc => "direct contractor (in contract with the owner)",
        OurRole::Sub => "subcontractor",
        OurRole::SubSub => "sub-subcontractor",
        OurRole::Supplier => "material supplier",
        OurRole::Laborer => "laborer",
    }
}

fn california(input: &NoticeInput<'_>) -> NoticeDraft {
    let p = input.parties;
    let lender_only = input.deadline.rule == "CA.private.preliminary_notice_lender";
    let mut n = base(
        input,
        Form::CaliforniaPreliminary,
        "PRELIMINARY NOTICE",
        "California preliminary notice",
        "Cal. Civ. Code §§ 8200, 8102, 8202",
        "preliminary-notice",
    );
    n.claimant.label = "Claimant";
    let lender = party("Construction lender", p, PartyFact::Lender, PartyFact::LenderAddress);
    if lender_only {
        n.to.extend(lender.clone());
    } else {
        n.to.extend(party("Owner or reputed owner", p, PartyFact::Owner, PartyFact::OwnerAddress));
        n.to.extend(party("Direct contractor", p, PartyFact::Gc, PartyFact::GcAddress));
        n.to.extend(lender.clone());
    }
    n.blocks.push(Block::Heading("PRELIMINARY NOTICE".to_string()));
    n.blocks.push(Block::Text(
        "(California Civil Code §§ 8200–8216.) This is not a lien. It is notice that the undersigned has provided or will \
provide the work described below for the construction project at the site described below."
            .to_string(),
    ));
    // § 8102(a)(1)-(5), (6)(A)-(C) and § 8202(a)(1)-(2), in the statute's order.
    let address = |name: PartyFact, addr: PartyFact| format!("{}, {}", value(p, name), value(p, addr));
    let fields = [
        ("Owner or reputed owner", address(PartyFact::Owner, PartyFact::OwnerAddress)),
        (
            "Direct contractor",
            if p.get(PartyFact::Gc).is_some() && p.get(PartyFact::GcAddress).is_some() {
                address(PartyFact::Gc, PartyFact::GcAddress)
            } else if input.facts.role == OurRole::Gc {
                format!("{} (the claimant)", input.claimant.name)
            } else {
                "not known".to_string()
            },
        ),
        (
            "Construction lender",
            if lender.is_some() {
                address(PartyFact::Lender, PartyFact::LenderAddress)
            } else {
                "none known".to_string()
            },
        ),
        ("Description of the site", property(input)),
        (
            "Person giving this notice",
            format!(
                "{}, {} ({})",
                input.claimant.name,
                input.claimant.address.join(", "),
                relationship(input.facts.role)
            ),
        ),
        ("General description of the work provided or to be provided", value(p, PartyFact::Work)),
        (
            "Name of the person to or for whom the work is provided",
            if input.facts.role == OurRole::Gc {
                format!("{} (owner)", value(p, PartyFact::Owner))
            } else {
                input.customer.to_string()
            },
        ),
        (
            "Estimate of the total price of the work provided and to be provided",
            p.estimate(input.currency).map(|m| m.to_string()).unwrap_or_default(),
        ),
    ];
    for (label, v) in fields {
        n.blocks.push(Block::Field { label: label.to_string(), value: v });
    }
    if !lender_only {
        n.blocks.push(Block::Heading("NOTICE TO PROPERTY OWNER".to_string()));
        for s in CA_STATEMENT {
            n.blocks.push(Block::Bold(s.to_string()));
        }
    }
    if lender.is_none() {
        n.advice.push(
            "No construction lender is on record, so the notice says none is known. If the job has one it must be served too (Civ. Code § 8200(a)(3)): /ar job … set lender, then draft again."
                .to_string(),
        );
    }
    n.advice.push(
        "Serve it by hand or by registered, certified or express mail (Civ. Code §§ 8106, 8110); mailed, it is given when deposited (§ 8116). Keep a proof of notice declaration with the mailing receipt (§ 8118)."
            .to_string(),
    );
    n
}

/// Tex. Prop. Code § 53.056(a-2): the warning lines.
pub const TX_WARNING: &str = "WARNING: This notice is provided to preserve lien rights.";
pub const TX_OWNER: &str = "Owner's property may be subject to a lien if sufficient funds are not withheld from future \
payments to the original contractor to cover this debt.";

fn texas(input: &NoticeInput<'_>) -> NoticeDraft {
    let p = input.parties;
    let mut n = base(
        input,
        Form::TexasUnpaidClaim,
        "NOTICE OF CLAIM FOR UNPAID LABOR OR MATERIALS",
        "Notice of claim for unpaid labor or materials",
        "Tex. Prop. Code § 53.056(a-2)",
        "notice-of-claim-for-unpaid-labor-or-materials",
    );
    n.claimant.label = "Claimant";
    n.to.extend(party("Owner", p, PartyFact::Owner, PartyFact::OwnerAddress));
    n.to.extend(party("Original contractor", p, PartyFact::Gc, PartyFact::GcAddress));
    n.blocks.push(Block::Heading("NOTICE OF CLAIM FOR UNPAID LABOR OR MATERIALS".to_string()));
    n.blocks.push(Block::Warning(TX_WARNING.to_string()));
    n.blocks.push(Block::Bold(TX_OWNER.to_string()));
    let gc = value(p, PartyFact::Gc);
    let contracted = if same_name(&gc, input.customer) {
        "Same as the original contractor".to_string()
    } else {
        input.customer.to_string()
    };
    let fields = [
        ("Date", input.today.format("%B %-d, %Y").to_string()),
        ("Project description and/or address", format!("{}: {}", input.job_name, property(input))),
        ("Claimant's name", input.claimant.name.clone()),
        ("Type of labor or materials provided", value(p, PartyFact::Work)),
        ("Original contractor's name", gc),
        ("Party with whom claimant contracted if different from original contractor", contracted),
        ("Claim amount", input.unpaid.to_string()),
        ("Claimant's contact person", input.claimant.signer.clone().unwrap_or_default()),
        ("Claimant's address", input.claimant.address.join(", ")),
    ];
    for (label, v) in fields {
        n.blocks.push(Block::Field { label: label.to_string(), value: v });
    }
    n.statement = input.open_invoices.to_vec();
    if let Some(month) = &input.deadline.month {
        n.advice.push(format!(
            "This notice claims everything unpaid on the job ({}), which covers the work of {}; § 53.056(a-1) wants one by the 15th day of the {} month after each month of unpaid work.",
            input.unpaid,
            month_name(month),
            if input.deadline.rule.starts_with("TX.residential") { "second" } else { "third" }
        ));
    }
    n.advice.push(
        "Send it by certified mail (Prop. Code § 53.003) to both the owner and the original contractor.".to_string(),
    );
    n
}

fn generic(input: &NoticeInput<'_>) -> NoticeDraft {
    let p = input.parties;
    let d = input.deadline;
    let state = state_name(&input.facts.state).unwrap_or(&input.facts.state).to_string();
    let title = generic_title(d).to_string();
    let stem = title
        .to_lowercase()
        .replace('\'', "")
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let mut n = base(input, Form::Generic, &title, document_name(d), &d.citation, &stem);
    n.claimant.label = "Claimant";
    n.to.extend(party("Owner", p, PartyFact::Owner, PartyFact::OwnerAddress));
    n.to.extend(party("Contractor", p, PartyFact::Gc, PartyFact::GcAddress));
    n.blocks.push(Block::Heading(title.clone()));
    n.blocks.push(Block::Text(format!("Given under {} ({state}).", d.citation)));
    n.blocks.push(Block::Bold(format!(
        "This is not a lien. The undersigned gives you notice that it has furnished or will furnish the labor, services or \
materials described below for the improvement of the property described below, and that if it is not paid in full it may \
claim a lien against the property under {state} law."
    )));
    let first = input.facts.first_furnished.map(|f| f.format("%B %-d, %Y").to_string());
    let mut fields = vec![
        (
            "Claimant",
            format!(
                "{}, {} ({})",
                input.claimant.name,
                input.claimant.address.join(", "),
                relationship(input.facts.role)
            ),
        ),
        ("Owner", format!("{}, {}", value(p, PartyFact::Owner), value(p, PartyFact::OwnerAddress))),
        ("Contractor", format!("{}, {}", value(p, PartyFact::Gc), value(p, PartyFact::GcAddress))),
        ("Furnished under contract with", input.customer.to_string()),
        ("Property", property(input)),
        ("Labor, services or materials", value(p, PartyFact::Work)),
    ];
    if let Some(first) = first {
        fields.push(("First furnished", first));
    }
    if let Some(estimate) = p.estimate(input.currency) {
        fields.push(("Estimated total price", estimate.to_string()));
    }
    if input.unpaid.minor > 0 {
        fields.push(("Unpaid to date", input.unpaid.to_string()));
    }
    if let Some(l) = party("Lender", p, PartyFact::Lender, PartyFact::LenderAddress) {
        fields.push(("Lender", format!("{}, {}", l.name, l.address.join(", "))));
    }
    for (label, v) in fields {
        n.blocks.push(Block::Field { label: label.to_string(), value: v });
    }
    n.copies.extend(lender_and_surety(p));
    n
}

/// The title a generic notice carries: the statute's name for it.
fn generic_title(d: &Deadline) -> &'static str {
    const TITLES: &[(&str, &str)] = &[
        ("GA.private.notice_to_contractor", "NOTICE TO CONTRACTOR"),
        ("IA.private.notice_to_prime", "NOTICE TO GENERAL CONTRACTOR"),
        ("IL.private.subcontractor_notice", "SUBCONTRACTOR'S NOTICE TO OWNER"),
        ("IN.residential.prelien_notice", "PRE-LIEN NOTICE"),
        ("MA.private.notice_of_identification", "NOTICE OF IDENTIFICATION"),
        ("MN.private.prelien_notice", "PRE-LIEN NOTICE"),
        ("MS.private.notice_of_commencement", "NOTICE OF COMMENCEMENT"),
        ("NM.private.preliminary_notice", "NOTICE OF RIGHT TO CLAIM A LIEN"),
        ("OK.private.pre_lien_notice", "PRE-LIEN NOTICE"),
    ];
    match TITLES.iter().find(|(rule, _)| *rule == d.rule) {
        Some((_, title)) => title,
        None if d.kind == "notice_to_owner" => "NOTICE TO OWNER",
        None => "PRELIMINARY NOTICE",
    }
}

/// A drafted notice to keep (`/ar nto`), with its PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNoticeDraft {
    pub job_id: i64,
    pub customer_id: i64,
    pub kind: String,
    pub rule: String,
    pub form: Form,
    pub month: Option<String>,
    pub document: String,
    pub drafted_on: NaiveDate,
    /// The deadline the notice meets.
    pub due: NaiveDate,
    pub file_name: String,
    pub pdf: Vec<u8>,
    pub drafted_by: String,
    pub drafted_at: chrono::DateTime<chrono::Utc>,
}

/// A kept draft, without its PDF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredNotice {
    pub id: i64,
    pub job_id: i64,
    pub customer_id: i64,
    pub kind: String,
    pub rule: String,
    pub form: Form,
    pub month: Option<String>,
    pub document: String,
    pub drafted_on: NaiveDate,
    pub due: NaiveDate,
    pub file_name: String,
    pub drafted_by: String,
}

/// The deadline's document without the assumption the engine appends to it.
pub fn document_name(d: &Deadline) -> &str {
    d.document.split(" — assumes").next().unwrap_or(&d.document).trim()
}

/// `2026-10` as `October 2026` (as typed if it is not a month).
pub fn month_name(month: &str) -> String {
    NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .map_or_else(|_| month.to_string(), |d| d.format("%B %Y").to_string())
}

/// What to type to set a missing fact, for the answer: `/ar job "marina tower" set owner_address <…>`.
pub fn set_command(typed_job: &str, m: &Missing) -> String {
    match m {
        Missing::Fact { fact, placeholder, .. } => format!("/ar job {typed_job} set {fact} {placeholder}"),
        Missing::Setting { key, .. } => format!("{key} in arbot.toml"),
    }
}

mod forms;
pub use forms::{
    AZ_BOND, AZ_CORRECT, AZ_NOT_A_LIEN, AZ_OWNER, MI_WARNING, MT_IMPORTANT, MT_WARNING, NV_STATEMENT, OH_STATEMENT,
    OR_EIGHT_DAYS, OR_FULL_PAYMENT, OR_IMPORTANT, OR_NOT_A_LIEN, OR_PROTECT, OR_WARNING, WA_OWNER,
};

#[cfg(test)]
mod tests;
