//! The preliminary notices of the states whose statutes prescribe their content or wording,
//! beyond Florida, California and Texas: each with the items its statute asks for, in its order,
//! and the statute's own words where arbot holds them. Where arbot does not hold a prescribed
//! text word for word, the form gives the statute's content in arbot's words and says so on the
//! page ([`source_note`]) and in the answer, so no one mails it believing it is the statute's text.
//!
//! * **Arizona**, A.R.S. § 33-992.01: the preliminary twenty day notice. (C) lists its content;
//!   (D) gives the form, which "shall follow substantially" it: the opening statement, the
//!   labelled items and the two ten-day statements are quoted from it; its boxed Notice to
//!   Property Owner is in arbot's words. Served on the owner, the original contractor, the
//!   construction lender if any and the person the claimant contracted with ((B)).
//! * **Nevada**, NRS 108.245(1): the notice of right to lien "in substantially the following
//!   form", quoted; to the owner, with a copy to the prime contractor "for information only".
//! * **Washington**, RCW 60.04.031: the notice of right to claim a lien, to the owner; its
//!   content (the claimant's name, address and telephone number, what it furnishes, who ordered
//!   it, the property, and the 60-day, or 10-day for a new single-family residence, reach back
//!   of the lien, (3)) in arbot's words.
//! * **Oregon**, ORS 87.023: the notice of right to a lien "substantially in the following form",
//!   its front quoted; its "Important information for your protection" quoted as far as arbot
//!   holds the statute's text, the ways to protect yourself as a published copy of the form gives
//!   them, and its closing line (where to get the booklet) not held, which the answer says.
//! * **Michigan**, MCL 570.1109: the notice of furnishing in the section's form, to the owner (or
//!   its designee) and the general contractor, naming the recorded notice of commencement by its
//!   county rather than by liber and page, which arbot does not keep (the answer says so).
//! * **Ohio**, Ohio Rev. Code § 1311.05: the notice of furnishing's content (who furnishes what,
//!   to whom, on which property, since when, under which recorded notice of commencement), to the
//!   owner's designee (or the owner) and the original contractor, in arbot's words.
//! * **Montana**, Mont. Code Ann. § 71-3-532: the notice of right to claim a lien with the (3)(a)-(f)
//!   items and (3)(g)'s notice quoted as far as arbot holds it; the answer names the closing
//!   paragraphs arbot does not hold, to copy from the statute before it is mailed.

use crate::ledger::OurRole;
use crate::liens::{PartyFact, address_lines};

use super::{
    Block, Form, NoticeDraft, NoticeInput, Party, base, lender_and_surety, party, property, relationship, same_name,
    value,
};

/// A.R.S. § 33-992.01(D): the form's opening statement.
pub const AZ_NOT_A_LIEN: &str = "In accordance with Arizona Revised Statutes section 33-992.01, this is not a lien. \
This is not a reflection on the integrity of any contractor or subcontractor.";

/// The boxed Notice to Property Owner of § 33-992.01(D), in arbot's words (its content, not its
/// text): what happens if bills are not paid, and how the owner can protect itself.
pub const AZ_OWNER: &str = "NOTICE TO PROPERTY OWNER: If bills are not paid in full for the labor, professional \
services, materials, machinery, fixtures or tools furnished or to be furnished, a mechanic's lien may be placed against \
the property being improved, and its foreclosure in court may lead to the loss of all or part of that property. You may \
protect yourself by requiring your contractor, before you pay it, to furnish a waiver and release under Arizona Revised \
Statutes section 33-1008 signed by the person or firm giving you this notice, or by any other method or device that is \
appropriate under the circumstances.";

/// § 33-992.01(D): the first ten-day statement (information to correct the notice, (J)).
pub const AZ_CORRECT: &str = "Within ten days after the receipt of this preliminary twenty day notice the owner or \
other interested party is required to furnish all information necessary to correct any inaccuracies in the notice \
pursuant to Arizona Revised Statutes section 33-992.01, subsection J or lose as a defense any inaccuracy of that \
information.";

/// § 33-992.01(D): the second ten-day statement (the payment bond).
pub const AZ_BOND: &str = "Within ten days after the receipt of this preliminary twenty day notice if any payment bond \
has been recorded in compliance with Arizona Revised Statutes section 33-1003, the owner must provide a copy of the \
payment bond, including the name and address of the surety company and bonding agent providing the payment bond to the \
person who has given the preliminary twenty day notice. In the event that the owner or other interested party fails to \
provide the bond information within that ten day period, the claimant shall retain lien rights to the extent precluded \
or prejudiced from asserting a claim against the bond as a result of not timely receiving the bond information.";

/// NRS 108.245(1): the form's statement after the property and the contract.
pub const NV_STATEMENT: &str = "This is not a notice that the undersigned has not been or does not expect to be paid, \
but a notice required by law that the undersigned may, at a future date, record a notice of lien as provided by law \
against the property if the undersigned is not paid.";

/// RCW 60.04.031: what the notice tells the owner, in arbot's words.
pub const WA_OWNER: &str = "If the claimant is not paid for what it furnishes, it may claim a lien against the property \
described above, even if you have paid your contractor in full. To protect yourself, ask your contractor for a lien \
release from the claimant before you pay it, or pay the claimant and your contractor jointly.";

/// ORS 87.023: the warning under the title.
pub const OR_WARNING: &str =
    "WARNING: READ THIS NOTICE. PROTECT YOURSELF FROM PAYING ANY CONTRACTOR OR SUPPLIER TWICE FOR THE SAME SERVICE.";

/// ORS 87.023: after the description of the work and the property.
pub const OR_EIGHT_DAYS: &str = "A lien may be claimed for all materials, equipment, labor and services furnished after \
a date that is eight days, not including Saturdays, Sundays and other holidays, as defined in ORS 187.010, before this \
notice was mailed to you.";

pub const OR_FULL_PAYMENT: &str = "Even if you or your mortgage lender have made full payment to the contractor who \
ordered these materials or services, your property may still be subject to a lien unless the supplier providing this \
notice is paid.";

pub const OR_NOT_A_LIEN: &str = "THIS IS NOT A LIEN. It is a notice sent to you for your protection in compliance with \
the construction lien laws of the State of Oregon.";

/// ORS 87.023: "Important information for your protection", its first paragraphs.
pub const OR_IMPORTANT: [&str; 2] = [
    "Under Oregon's laws, those who work on your property or provide labor, equipment, services or materials and are not \
paid have a right to enforce their claim for payment against your property. This claim is known as a construction lien.",
    "If your contractor fails to pay subcontractors, material suppliers, rental equipment suppliers, service providers or \
laborers or neglects to make other legally required payments, the people who are owed money can look to your property \
for payment, even if you have paid your contractor in full.",
];

/// ORS 87.023's ways to protect yourself, as a published copy of the form gives them.
pub const OR_PROTECT: [&str; 7] = [
    "RECOGNIZE that this Notice of Right to a Lien may result in a lien against your property unless all those supplying a \
Notice of Right to a Lien have been paid.",
    "LEARN more about the lien laws and the meaning of this notice by contacting the Construction Contractors Board, an \
attorney or the firm sending this notice.",
    "ASK for a statement of the labor, equipment, services or materials provided to your property from each party that \
sends you a notice of right to a lien.",
    "WHEN PAYING your contractor for materials, equipment, labor or services, you may make checks payable jointly to the \
contractor and the firm furnishing materials, equipment, labor or services for which you have received a notice of right \
to a lien.",
    "OR use one of the methods suggested by the \"Information Notice to Owners.\" If you have not received such a notice, \
contact the Construction Contractors Board.",
    "GET EVIDENCE that all firms from whom you have received a notice of right to a lien have been paid or have waived the \
right to claim a lien against your property.",
    "CONSULT an attorney, a professional escrow company or your mortgage lender.",
];

/// Mont. Code Ann. § 71-3-532(3)(g): the notice's opening warning.
pub const MT_WARNING: &str = OR_WARNING;

/// § 71-3-532(3)(g), after "This notice has been sent to you by".
pub const MT_IMPORTANT: [&str; 2] = [
    "Under Montana's laws, those who work on your property or provide materials and are not paid have a right to enforce \
their claim for payment against your property. This claim is known as a construction lien.",
    "If your contractor fails to pay subcontractors or material suppliers or neglects to make other legally required \
payments, the people who are owed money may look to your property for payment, even if you have paid your contractor in \
full.",
];

/// MCL 570.1109: the form's warning to the owner.
pub const MI_WARNING: &str = "WARNING TO OWNER: THIS NOTICE IS REQUIRED BY THE MICHIGAN CONSTRUCTION LIEN ACT. IF YOU \
HAVE QUESTIONS ABOUT YOUR RIGHTS AND DUTIES UNDER THIS ACT, YOU SHOULD CONTACT AN ATTORNEY TO PROTECT YOU FROM THE \
POSSIBILITY OF PAYING TWICE FOR THE IMPROVEMENTS TO YOUR PROPERTY.";

/// Ohio Rev. Code § 1311.05: what the notice tells the owner, in arbot's words.
pub const OH_STATEMENT: &str = "This notice is given under section 1311.05 of the Ohio Revised Code to preserve the \
undersigned's lien rights. It is not a lien. If the undersigned is not paid for the labor, work or materials described \
above, it may claim a lien against the property.";

/// The line on the page that says whose words the form is in.
fn source_note(text: &str) -> Block {
    Block::Text(format!("({text})"))
}

/// "Name, street, city": a party on one line.
fn one_line(name: &str, address: &[String]) -> String {
    if address.is_empty() { name.to_string() } else { format!("{name}, {}", address.join(", ")) }
}

/// Who hired us, with the customer's address from the accounting system or, when the customer is
/// the contractor, the contractor's.
fn hired_by(input: &NoticeInput<'_>) -> (String, Vec<String>) {
    let p = input.parties;
    if input.facts.role == OurRole::Gc {
        return (value(p, PartyFact::Owner), address_lines(&value(p, PartyFact::OwnerAddress)));
    }
    let address = match input.customer_address.filter(|a| !a.trim().is_empty()) {
        Some(a) => address_lines(a),
        None if p.get(PartyFact::Gc).is_some_and(|gc| same_name(gc, input.customer)) => {
            p.get(PartyFact::GcAddress).map(address_lines).unwrap_or_default()
        }
        None => Vec::new(),
    };
    (input.customer.to_string(), address)
}

fn field(n: &mut NoticeDraft, label: &str, value: String) {
    n.blocks.push(Block::Field { label: label.to_string(), value });
}

pub(super) fn arizona(input: &NoticeInput<'_>) -> NoticeDraft {
    let p = input.parties;
    let mut n = base(
        input,
        Form::ArizonaPreliminary,
        "PRELIMINARY TWENTY DAY NOTICE",
        "Preliminary twenty day notice",
        "A.R.S. § 33-992.01",
        "preliminary-twenty-day-notice",
    );
    n.claimant.label = "Claimant";
    let gc_is_us = input.facts.role == OurRole::Gc;
    n.to.extend(party("Owner or reputed owner", p, PartyFact::Owner, PartyFact::OwnerAddress));
    if !gc_is_us {
        n.to.extend(party("Original contractor", p, PartyFact::Gc, PartyFact::GcAddress));
    }
    n.to.extend(party("Construction lender", p, PartyFact::Lender, PartyFact::LenderAddress));
    // § 33-992.01(B): the person the claimant contracted with is served too.
    let (hirer, hirer_address) = hired_by(input);
    let hirer_served = n.to.iter().any(|t| same_name(&t.name, &hirer));
    if !hirer_served && !hirer_address.is_empty() {
        n.to.push(Party {
            role: "Person with whom the claimant contracted".to_string(),
            name: hirer.clone(),
            address: hirer_address.clone(),
        });
    }
    n.blocks.push(Block::Heading("PRELIMINARY TWENTY DAY NOTICE".to_string()));
    n.blocks.push(Block::Bold(AZ_NOT_A_LIEN.to_string()));
    let owner = one_line(&value(p, PartyFact::Owner), &address_lines(&value(p, PartyFact::OwnerAddress)));
    let gc = if gc_is_us {
        format!("{} (the claimant)", one_line(&input.claimant.name, &input.claimant.address))
    } else {
        one_line(&value(p, PartyFact::Gc), &address_lines(&value(p, PartyFact::GcAddress)))
    };
    let lender = match party("Lender", p, PartyFact::Lender, PartyFact::LenderAddress) {
        Some(l) => one_line(&l.name, &l.address),
        None => "none known".to_string(),
    };
    field(&mut n, "The name and address of the owner or reputed owner are", owner);
    field(&mut n, "The name and address of the original contractor are", gc);
    field(&mut n, "The name and address of any lender or reputed lender and assigns are", lender);
    field(
        &mut n,
        "The name and address of the person with whom the claimant has contracted are",
        one_line(&hirer, &hirer_address),
    );
    field(
        &mut n,
        "This preliminary lien notice has been completed by (name and address of claimant)",
        format!("{} ({})", one_line(&input.claimant.name, &input.claimant.address), relationship(input.facts.role)),
    );
    field(
        &mut n,
        "You are hereby notified that the claimant has furnished or will furnish labor, professional services, materials, machinery, fixtures or tools of the following general description",
        value(p, PartyFact::Work),
    );
    field(
        &mut n,
        "In the construction, alteration or repair of the building, structure or improvement located at",
        property(input),
    );
    field(
        &mut n,
        "An estimate of the total price of the labor, professional services, materials, machinery, fixtures or tools furnished or to be furnished is",
        p.estimate(input.currency).map(|m| m.to_string()).unwrap_or_default(),
    );
    n.blocks.push(Block::Warning(AZ_OWNER.to_string()));
    n.blocks.push(Block::Bold(AZ_CORRECT.to_string()));
    n.blocks.push(Block::Bold(AZ_BOND.to_string()));
    n.blocks.push(source_note(
        "Laid out after the form in A.R.S. § 33-992.01(D). The boxed Notice to Property Owner gives that form's content in \
the drafter's words, not the statute's text.",
    ));
    n.copies.extend(party("Surety", p, PartyFact::Surety, PartyFact::SuretyAddress));
    if !hirer_served && hirer_address.is_empty() {
        n.advice.push(format!(
            "§ 33-992.01(B) wants {hirer}, who hired you, served too, and the accounting system has no address for it: add its address to the notice and serve it."
        ));
    }
    n.advice.push(
        "The Notice to Property Owner box is arbot's wording of § 33-992.01(D)'s content, not the statute's text: compare it with the statute's box (and use its words) before serving. The rest follows the (D) form."
            .to_string(),
    );
    n.advice.push(
        "Serve it by registered or certified mail and keep the mailing receipts with the proof of service (A.R.S. §§ 33-992.01, 33-992.02); a lien claimant without that proof cannot enforce its lien (§ 33-981(D))."
            .to_string(),
    );
    n
}

pub(super) fn nevada(input: &NoticeInput<'_>) -> NoticeDraft {
    let p = input.parties;
    let mut n = base(
        input,
        Form::NevadaRightToLien,
        "NOTICE OF RIGHT TO LIEN",
        "Notice of right to lien",
        "NRS 108.245",
        "notice-of-right-to-lien",
    );
    n.claimant.label = "Claimant";
    n.to.extend(party("Owner", p, PartyFact::Owner, PartyFact::OwnerAddress));
    n.blocks.push(Block::Heading("NOTICE OF RIGHT TO LIEN".to_string()));
    n.blocks.push(Block::Text(
        "The undersigned notifies you that he or she has supplied materials or equipment or performed work or services as follows:"
            .to_string(),
    ));
    n.blocks.push(Block::Bold(value(p, PartyFact::Work)));
    n.blocks.push(Block::Text(format!(
        "for improvement of property identified as {} under contract with {}. {NV_STATEMENT}",
        property(input),
        input.customer
    )));
    // NRS 108.245(1): a subcontractor's or supplier's copy to the prime contractor, for information.
    if let Some(mut gc) = party("Prime contractor", p, PartyFact::Gc, PartyFact::GcAddress) {
        gc.role = "Prime contractor, for information only".to_string();
        n.copies.push(gc);
    }
    n.copies.extend(lender_and_surety(p));
    n.advice.push(
        "Deliver it in person or by certified mail to the owner, and a copy the same way to the prime contractor (NRS 108.245(1)); it need not be verified, sworn to or acknowledged (NRS 108.245(4))."
            .to_string(),
    );
    n
}

pub(super) fn washington(input: &NoticeInput<'_>) -> NoticeDraft {
    let p = input.parties;
    let residential = input.deadline.rule.starts_with("WA.residential");
    let mut n = base(
        input,
        Form::WashingtonRightToClaim,
        "NOTICE OF RIGHT TO CLAIM A LIEN",
        "Notice of right to claim a lien",
        "RCW 60.04.031",
        "notice-of-right-to-claim-a-lien",
    );
    n.claimant.label = "Claimant";
    n.to.extend(party("Owner", p, PartyFact::Owner, PartyFact::OwnerAddress));
    n.blocks.push(Block::Heading("NOTICE OF RIGHT TO CLAIM A LIEN".to_string()));
    n.blocks.push(Block::Bold(format!(
        "Notice to owner: {} has begun to provide the materials, equipment or services described below for the \
improvement of your property described below, ordered by {}.",
        input.claimant.name, input.customer
    )));
    let (hirer, hirer_address) = hired_by(input);
    field(
        &mut n,
        "Claimant",
        format!("{} ({})", one_line(&input.claimant.name, &input.claimant.address), relationship(input.facts.role)),
    );
    field(&mut n, "Claimant's telephone", input.claimant.phone.clone().unwrap_or_default());
    field(&mut n, "Date of this notice", input.today.format("%B %-d, %Y").to_string());
    field(&mut n, "Materials, equipment or services", value(p, PartyFact::Work));
    field(&mut n, "Ordered by", one_line(&hirer, &hirer_address));
    field(
        &mut n,
        "Prime contractor",
        one_line(&value(p, PartyFact::Gc), &address_lines(&value(p, PartyFact::GcAddress))),
    );
    field(&mut n, "Property", property(input));
    if let Some(first) = input.facts.first_furnished {
        field(&mut n, "First furnished", first.format("%B %-d, %Y").to_string());
    }
    n.blocks.push(Block::Bold(format!(
        "A lien, if claimed, covers what the claimant furnished within {} days before the date this notice is given, and \
after it (RCW 60.04.031(3)).",
        if residential { "ten" } else { "sixty" }
    )));
    n.blocks.push(Block::Bold(WA_OWNER.to_string()));
    n.blocks.push(source_note(
        "The content RCW 60.04.031 asks of this notice, in the drafter's words; the statute prescribes the notice's form.",
    ));
    n.copies.extend(lender_and_surety(p));
    if residential {
        n.advice.push(
            "The 10-day reach back is for a new single-family residence; other residential work gets 60 days (RCW 60.04.031(3)). Say which if it is not a new home."
                .to_string(),
        );
    }
    n.advice.push(
        "This gives RCW 60.04.031's content in arbot's words, not the statute's form: compare it with RCW 60.04.031(2) (and use its form) before serving. Mail it by certified or registered mail, or deliver it in person."
            .to_string(),
    );
    n
}

/// "This notice has been sent to you by": name, address, telephone.
fn sent_by(n: &mut NoticeDraft, input: &NoticeInput<'_>) {
    n.blocks.push(Block::Text("This notice has been sent to you by:".to_string()));
    field(n, "NAME", input.claimant.name.clone());
    field(n, "ADDRESS", input.claimant.address.join(", "));
    field(n, "TELEPHONE", input.claimant.phone.clone().unwrap_or_default());
}

fn to_owner_with_date(n: &mut NoticeDraft, input: &NoticeInput<'_>) {
    let p = input.parties;
    n.to.extend(party("Owner", p, PartyFact::Owner, PartyFact::OwnerAddress));
    field(n, "Date of mailing", input.today.format("%B %-d, %Y").to_string());
}

pub(super) fn oregon(input: &NoticeInput<'_>) -> NoticeDraft {
    let p = input.parties;
    let mut n = base(
        input,
        Form::OregonRightToLien,
        "NOTICE OF RIGHT TO A LIEN",
        "Notice of right to a lien",
        "ORS 87.023",
        "notice-of-right-to-a-lien",
    );
    n.claimant.label = "Sent by";
    n.blocks.push(Block::Heading("NOTICE OF RIGHT TO A LIEN.".to_string()));
    n.blocks.push(Block::Warning(OR_WARNING.to_string()));
    to_owner_with_date(&mut n, input);
    n.blocks.push(Block::Text(format!(
        "This is to inform you that {} has begun to provide {} ordered by {} for improvements to property you own. The \
property is located at {}.",
        input.claimant.name,
        value(p, PartyFact::Work),
        input.customer,
        property(input)
    )));
    n.blocks.push(Block::Text(OR_EIGHT_DAYS.to_string()));
    n.blocks.push(Block::Text(OR_FULL_PAYMENT.to_string()));
    n.blocks.push(Block::Bold(OR_NOT_A_LIEN.to_string()));
    sent_by(&mut n, input);
    n.blocks.push(Block::Bold("IF YOU HAVE ANY QUESTIONS ABOUT THIS NOTICE, FEEL FREE TO CALL US.".to_string()));
    n.blocks.push(Block::Heading("IMPORTANT INFORMATION FOR YOUR PROTECTION".to_string()));
    for s in OR_IMPORTANT {
        n.blocks.push(Block::Text(s.to_string()));
    }
    n.blocks.push(Block::Text(
        "The law states that all people hired by a contractor to provide you with materials, equipment, labor or services \
must give you a Notice of Right to a Lien to let you know what they have provided."
            .to_string(),
    ));
    n.blocks.push(Block::Bold("WAYS TO PROTECT YOURSELF ARE:".to_string()));
    for s in OR_PROTECT {
        n.blocks.push(Block::Bullet(s.to_string()));
    }
    n.copies.extend(lender_and_surety(p));
    n.advice.push(
        "The notice's front is ORS 87.023's form word for word; its \"Important information\" follows here rather than on the reverse side, with the ways to protect yourself as a published copy of the form gives them and without the form's closing line on the Construction Contractors Board's booklet, which arbot does not hold: add it from ORS 87.023 before mailing."
            .to_string(),
    );
    n.advice.push(
        "Deliver it in person or send it by registered or certified mail (ORS 87.018); it covers only work from after the day eight business days before it is delivered or mailed (ORS 87.021)."
            .to_string(),
    );
    n
}

pub(super) fn montana(input: &NoticeInput<'_>) -> NoticeDraft {
    let p = input.parties;
    let mut n = base(
        input,
        Form::MontanaRightToClaim,
        "NOTICE OF RIGHT TO CLAIM A LIEN",
        "Notice of right to claim a lien",
        "Mont. Code Ann. § 71-3-532",
        "notice-of-right-to-claim-a-lien",
    );
    n.claimant.label = "Person filing notice";
    n.blocks.push(Block::Heading("NOTICE OF RIGHT TO CLAIM A LIEN".to_string()));
    // § 71-3-532(1)-(2): what the notice is, and the real estate against which a lien may be claimed.
    n.blocks.push(Block::Text(format!(
        "This is a notice of a right to claim a lien against real estate for services or materials furnished in connection \
with improvement of the real estate described as: {}.",
        property(input)
    )));
    // (3)(a)-(c): the date of mailing and the owner's name and address (the "To" block); (d)-(e),
    // who files it, in "This notice has been sent to you by".
    to_owner_with_date(&mut n, input);
    n.blocks.push(Block::Warning(MT_WARNING.to_string()));
    n.blocks.push(Block::Text(format!(
        "This is to inform you that {name} has begun to provide {} ordered by {} for improvements to property you own. The \
property is located at {}. If {name} is not paid, a lien may be filed against the property.",
        value(p, PartyFact::Work),
        input.customer,
        property(input),
        name = input.claimant.name,
    )));
    n.blocks.push(Block::Bold(
        "THIS IS NOT A LIEN. It is a notice sent to you for your protection in compliance with the construction lien laws of \
the state of Montana."
            .to_string(),
    ));
    sent_by(&mut n, input);
    for s in MT_IMPORTANT {
        n.blocks.push(Block::Text(s.to_string()));
    }
    n.advice.push(
        "§ 71-3-532(3)(g)'s notice goes on after these paragraphs (from \"The law states that all people …\", the ways an owner can protect itself), and arbot does not hold that text: copy it from the statute onto the notice before it is mailed. Everything before it is the statute's text."
            .to_string(),
    );
    n.advice.push(
        "Send it by certified mail (effective when mailed) or deliver it with a signed receipt, and file a copy with the county clerk and recorder within five business days after giving it (§ 71-3-531)."
            .to_string(),
    );
    n
}

pub(super) fn michigan(input: &NoticeInput<'_>) -> NoticeDraft {
    let p = input.parties;
    let mut n = base(
        input,
        Form::MichiganFurnishing,
        "NOTICE OF FURNISHING",
        "Notice of furnishing",
        "MCL 570.1109",
        "notice-of-furnishing",
    );
    n.claimant.label = "Lien claimant";
    n.to.extend(party("Owner or lessee, or its designee", p, PartyFact::Owner, PartyFact::OwnerAddress));
    n.to.extend(party("General contractor", p, PartyFact::Gc, PartyFact::GcAddress));
    let (hirer, hirer_address) = hired_by(input);
    n.blocks.push(Block::Heading("NOTICE OF FURNISHING".to_string()));
    n.blocks.push(Block::Text(format!(
        "Please take notice that the undersigned is furnishing to {} certain labor or material for {}, in connection with \
the improvements to the real property described in the notice of commencement recorded in {} records, described as: {}.",
        one_line(&hirer, &hirer_address),
        value(p, PartyFact::Work),
        input.county.map_or_else(|| "the county's".to_string(), |c| format!("{c} County")),
        property(input),
    )));
    n.blocks.push(Block::Warning(MI_WARNING.to_string()));
    field(&mut n, "Name and address of lien claimant", one_line(&input.claimant.name, &input.claimant.address));
    // The party signing and its capacity are under the signature line.
    n.copies.extend(party("Lender", p, PartyFact::Lender, PartyFact::LenderAddress));
    n.advice.push(
        "The form's words are MCL 570.1109's, except that it names the notice of commencement by its county, not by the liber and page it was recorded at, which arbot does not keep: add them if you have them. Serve the designee the notice of commencement names, if it names one other than the owner."
            .to_string(),
    );
    n.advice.push(
        "Serve it in person or by certified mail within 20 days after first furnishing (MCL 570.1109); a late notice reduces the lien by what the owner paid before receiving it."
            .to_string(),
    );
    n
}

pub(super) fn ohio(input: &NoticeInput<'_>) -> NoticeDraft {
    let p = input.parties;
    let mut n = base(
        input,
        Form::OhioFurnishing,
        "NOTICE OF FURNISHING",
        "Notice of furnishing",
        "Ohio Rev. Code § 1311.05",
        "notice-of-furnishing",
    );
    n.claimant.label = "Claimant";
    n.to.extend(party("Owner, or the owner's designee", p, PartyFact::Owner, PartyFact::OwnerAddress));
    n.to.extend(party("Original contractor", p, PartyFact::Gc, PartyFact::GcAddress));
    let (hirer, hirer_address) = hired_by(input);
    n.blocks.push(Block::Heading("NOTICE OF FURNISHING".to_string()));
    n.blocks.push(Block::Text(format!(
        "The undersigned gives you notice that it is performing labor or work upon, or furnishing materials in furtherance \
of, the improvement to the real property described below, under contract with {}.",
        input.customer
    )));
    field(
        &mut n,
        "Claimant",
        format!("{} ({})", one_line(&input.claimant.name, &input.claimant.address), relationship(input.facts.role)),
    );
    field(&mut n, "Under contract with", one_line(&hirer, &hirer_address));
    field(
        &mut n,
        "Original contractor",
        one_line(&value(p, PartyFact::Gc), &address_lines(&value(p, PartyFact::GcAddress))),
    );
    field(&mut n, "Owner", one_line(&value(p, PartyFact::Owner), &address_lines(&value(p, PartyFact::OwnerAddress))));
    field(&mut n, "Property", property(input));
    field(&mut n, "Labor, work or materials", value(p, PartyFact::Work));
    if let Some(first) = input.facts.first_furnished {
        field(&mut n, "First furnished", first.format("%B %-d, %Y").to_string());
    }
    if let Some(noc) = input.facts.noc_recorded {
        field(&mut n, "Notice of commencement recorded", noc.format("%B %-d, %Y").to_string());
    }
    n.blocks.push(Block::Bold(OH_STATEMENT.to_string()));
    n.blocks.push(source_note(
        "The content Ohio Rev. Code § 1311.05 asks of this notice, in the drafter's words; the statute prescribes the notice's form.",
    ));
    n.copies.extend(lender_and_surety(p));
    if input.facts.noc_recorded.is_none() {
        n.advice.push(
            "No notice of commencement is on record for the job: the notice of furnishing is owed only once one is recorded (§ 1311.05(A)), and goes to the designee and original contractor it names. Set noc_recorded when you have it."
                .to_string(),
        );
    }
    n.advice.push(
        "This gives § 1311.05's content in arbot's words, not the statute's form: compare it with § 1311.05(B) (and use its form) before serving. Serve the owner's designee named in the notice of commencement, if any, instead of the owner."
            .to_string(),
    );
    n
}
