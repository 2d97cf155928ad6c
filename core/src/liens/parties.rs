//! The facts about a job that its notices name rather than count from: who the owner, the general
//! contractor, the lender and the surety are and where to mail them, what the property is, what
//! we furnish and, where a form asks for it, our estimate of its price. A preliminary notice or a
//! Notice to Owner is filled from these (see [`crate::notices`]); the lien engine never reads
//! them. They are set from chat like the dated facts (`/ar job marina set owner_address …`) and
//! kept in the same `job_facts` table, by name.

use serde::Serialize;

use crate::ledger::Job;
use crate::money::{Currency, Money};

/// A fact a notice names. The names are the ones people type (`/ar job <job> set <name> <value>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyFact {
    Owner,
    OwnerAddress,
    Gc,
    GcAddress,
    Lender,
    LenderAddress,
    Surety,
    SuretyAddress,
    BondNumber,
    Property,
    LegalDescription,
    Work,
    Estimate,
}

impl PartyFact {
    pub const ALL: &'static [PartyFact] = &[
        PartyFact::Owner,
        PartyFact::OwnerAddress,
        PartyFact::Gc,
        PartyFact::GcAddress,
        PartyFact::Lender,
        PartyFact::LenderAddress,
        PartyFact::Surety,
        PartyFact::SuretyAddress,
        PartyFact::BondNumber,
        PartyFact::Property,
        PartyFact::LegalDescription,
        PartyFact::Work,
        PartyFact::Estimate,
    ];

    /// The name used in commands.
    pub fn name(self) -> &'static str {
        match self {
            PartyFact::Owner => "owner",
            PartyFact::OwnerAddress => "owner_address",
            PartyFact::Gc => "gc",
            PartyFact::GcAddress => "gc_address",
            PartyFact::Lender => "lender",
            PartyFact::LenderAddress => "lender_address",
            PartyFact::Surety => "surety",
            PartyFact::SuretyAddress => "surety_address",
            PartyFact::BondNumber => "bond_number",
            PartyFact::Property => "property",
            PartyFact::LegalDescription => "legal_description",
            PartyFact::Work => "work",
            PartyFact::Estimate => "estimate",
        }
    }

    /// What the fact is, in a sentence ("the owner's mailing address").
    pub fn label(self) -> &'static str {
        match self {
            PartyFact::Owner => "the owner's name",
            PartyFact::OwnerAddress => "the owner's mailing address",
            PartyFact::Gc => "the general (original, direct) contractor's name",
            PartyFact::GcAddress => "the general contractor's mailing address",
            PartyFact::Lender => "the construction lender's name",
            PartyFact::LenderAddress => "the construction lender's mailing address",
            PartyFact::Surety => "the payment bond surety's name",
            PartyFact::SuretyAddress => "the surety's mailing address",
            PartyFact::BondNumber => "the payment bond's number",
            PartyFact::Property => "the property's street address",
            PartyFact::LegalDescription => "the property's legal description (lot, block, parcel)",
            PartyFact::Work => "a general description of the labor, services or materials we furnish",
            PartyFact::Estimate => "an estimate of the total price of what we furnish",
        }
    }

    /// A value to show in an example command.
    pub fn example(self) -> &'static str {
        match self {
            PartyFact::Owner => "Bayside Holdings LLC",
            PartyFact::OwnerAddress => "100 N Ashley Dr, Tampa, FL 33602",
            PartyFact::Gc => "Gulf Coast Builders LLC",
            PartyFact::GcAddress => "2200 W Cypress St, Tampa, FL 33607",
            PartyFact::Lender => "First Harbor Bank",
            PartyFact::LenderAddress => "500 E Kennedy Blvd, Tampa, FL 33602",
            PartyFact::Surety => "Atlantic Surety Co",
            PartyFact::SuretyAddress => "1 Surety Plaza, Hartford, CT 06103",
            PartyFact::BondNumber => "PB-102938",
            PartyFact::Property => "1400 Bayshore Blvd, Tampa, FL 33606",
            PartyFact::LegalDescription => "Lot 4, Block 2, Bayshore Estates, Parcel 12-34-56",
            PartyFact::Work => "electrical rough-in and finish labor and materials",
            PartyFact::Estimate => "48,500",
        }
    }

    /// What to type in its place in a command: `<name>`, `<street, city, state zip>`.
    pub fn placeholder(self) -> &'static str {
        match self {
            PartyFact::Owner | PartyFact::Gc | PartyFact::Lender | PartyFact::Surety => "<name>",
            PartyFact::OwnerAddress
            | PartyFact::GcAddress
            | PartyFact::LenderAddress
            | PartyFact::SuretyAddress
            | PartyFact::Property => "<street, city, state zip>",
            PartyFact::BondNumber => "<number>",
            PartyFact::LegalDescription => "<lot, block, subdivision or parcel>",
            PartyFact::Work => "<what we furnish>",
            PartyFact::Estimate => "<amount>",
        }
    }

    pub fn parse(name: &str) -> Option<PartyFact> {
        let name = name.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        PartyFact::ALL.iter().copied().find(|f| f.name() == name)
    }
}

/// Why a party fact's value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartyError {
    #[error("{fact} needs some text, like {example}.")]
    Empty { fact: &'static str, example: &'static str },
    #[error("{fact} is at most {max} characters; that was {given}. Shorten it.")]
    TooLong { fact: &'static str, max: usize, given: usize },
    #[error("{0}")]
    Estimate(String),
}

/// At most this many characters in a fact: a long legal description fits, a pasted deed does not.
pub const MAX_PARTY_CHARS: usize = 600;

/// What a job's notices name, as synced (owner and GC from the accounting system) and then as
/// set from chat. `None` is not known.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct JobParties {
    pub owner: Option<String>,
    pub owner_address: Option<String>,
    pub gc: Option<String>,
    pub gc_address: Option<String>,
    pub lender: Option<String>,
    pub lender_address: Option<String>,
    pub surety: Option<String>,
    pub surety_address: Option<String>,
    pub bond_number: Option<String>,
    pub property: Option<String>,
    pub legal_description: Option<String>,
    pub work: Option<String>,
    /// Kept as typed after checking (`48500.00`); read in the business currency with
    /// [`JobParties::estimate`].
    pub estimate: Option<String>,
}

impl JobParties {
    /// A job's parties: the owner and GC the accounting system gave, overridden by every party
    /// fact set from chat (`overrides` holds all the job's facts by name; others are skipped).
    pub fn of(job: &Job, overrides: &[(String, String)]) -> JobParties {
        let mut parties = JobParties {
            owner: job.owner_name.clone().filter(|s| !s.trim().is_empty()),
            gc: job.gc_name.clone().filter(|s| !s.trim().is_empty()),
            ..JobParties::default()
        };
        for (name, value) in overrides {
            if let Some(fact) = PartyFact::parse(name) {
                *parties.slot(fact) = Some(value.clone()).filter(|v| !v.trim().is_empty());
            }
        }
        parties
    }

    /// The value of a fact, if known.
    pub fn get(&self, fact: PartyFact) -> Option<&str> {
        let value = match fact {
            PartyFact::Owner => &self.owner,
            PartyFact::OwnerAddress => &self.owner_address,
            PartyFact::Gc => &self.gc,
            PartyFact::GcAddress => &self.gc_address,
            PartyFact::Lender => &self.lender,
            PartyFact::LenderAddress => &self.lender_address,
            PartyFact::Surety => &self.surety,
            PartyFact::SuretyAddress => &self.surety_address,
            PartyFact::BondNumber => &self.bond_number,
            PartyFact::Property => &self.property,
            PartyFact::LegalDescription => &self.legal_description,
            PartyFact::Work => &self.work,
            PartyFact::Estimate => &self.estimate,
        };
        value.as_deref()
    }

    fn slot(&mut self, fact: PartyFact) -> &mut Option<String> {
        match fact {
            PartyFact::Owner => &mut self.owner,
            PartyFact::OwnerAddress => &mut self.owner_address,
            PartyFact::Gc => &mut self.gc,
            PartyFact::GcAddress => &mut self.gc_address,
            PartyFact::Lender => &mut self.lender,
            PartyFact::LenderAddress => &mut self.lender_address,
            PartyFact::Surety => &mut self.surety,
            PartyFact::SuretyAddress => &mut self.surety_address,
            PartyFact::BondNumber => &mut self.bond_number,
            PartyFact::Property => &mut self.property,
            PartyFact::LegalDescription => &mut self.legal_description,
            PartyFact::Work => &mut self.work,
            PartyFact::Estimate => &mut self.estimate,
        }
    }

    /// The estimate in `currency`, if one was set and reads as an amount.
    pub fn estimate(&self, currency: Currency) -> Option<Money> {
        self.estimate.as_deref().and_then(|e| Money::parse(e, currency).ok())
    }
}

/// The value to store for a party fact as typed in chat: trimmed, inner runs of spaces made one,
/// an estimate read as an amount (and stored as `48500.00`); `none` clears it (stored as the
/// empty text, which reads as unknown).
pub fn party_value(fact: PartyFact, value: &str, currency: Currency) -> Result<String, PartyError> {
    let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if value.eq_ignore_ascii_case("none") {
        return Ok(String::new());
    }
    if value.is_empty() {
        return Err(PartyError::Empty { fact: fact.name(), example: fact.example() });
    }
    let given = value.chars().count();
    if given > MAX_PARTY_CHARS {
        return Err(PartyError::TooLong { fact: fact.name(), max: MAX_PARTY_CHARS, given });
    }
    if fact == PartyFact::Estimate {
        let money = Money::parse(&value, currency).map_err(|e| PartyError::Estimate(e.to_string()))?;
        if money.is_zero() {
            return Err(PartyError::Estimate(
                "An estimate of zero tells the owner nothing; give the price you expect to bill, like 48,500."
                    .to_string(),
            ));
        }
        return Ok(money.to_plain_string());
    }
    Ok(value)
}

/// An address as lines: typed with commas (`100 N Ashley Dr, Tampa, FL 33602`), the street on
/// the first line and the rest on the second.
pub fn address_lines(address: &str) -> Vec<String> {
    let parts: Vec<&str> = address.split(['\n', ';']).map(str::trim).filter(|p| !p.is_empty()).collect();
    if parts.len() > 1 {
        return parts.into_iter().map(str::to_string).collect();
    }
    match address.split_once(',') {
        Some((street, rest)) if !rest.trim().is_empty() => vec![street.trim().to_string(), rest.trim().to_string()],
        _ => vec![address.trim().to_string()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{OurRole, ProjectType};

    fn job() -> Job {
        Job {
            id: 1,
            customer_id: 1,
            name: "Marina Tower".to_string(),
            city: Some("Tampa".to_string()),
            county: Some("Hillsborough".to_string()),
            state: Some("FL".to_string()),
            project_type: Some(ProjectType::Private),
            role: Some(OurRole::Sub),
            owner_name: Some("Synced Owner LLC".to_string()),
            gc_name: Some("Gulf Coast Builders LLC".to_string()),
            pm: None,
            first_furnished: None,
            last_furnished: None,
            noc_recorded: None,
            noc_expires: None,
            retainage_bp: 0,
        }
    }

    #[test]
    fn chat_overrides_what_was_synced_and_none_clears() {
        let overrides = vec![
            ("owner".to_string(), "Bayside Holdings LLC".to_string()),
            ("gc".to_string(), String::new()),
            ("first_furnished".to_string(), "2026-10-09".to_string()),
            ("property".to_string(), "1400 Bayshore Blvd, Tampa, FL 33606".to_string()),
        ];
        let p = JobParties::of(&job(), &overrides);
        assert_eq!(p.owner.as_deref(), Some("Bayside Holdings LLC"));
        assert_eq!(p.gc, None, "a fact set to none reads as unknown, whatever was synced");
        assert_eq!(p.get(PartyFact::Property), Some("1400 Bayshore Blvd, Tampa, FL 33606"));
        assert_eq!(JobParties::of(&job(), &[]).gc.as_deref(), Some("Gulf Coast Builders LLC"));
    }

    #[test]
    fn values_are_checked_and_kept_tidy() {
        let usd = Currency::USD;
        assert_eq!(party_value(PartyFact::Owner, "  Bayside   Holdings LLC ", usd).unwrap(), "Bayside Holdings LLC");
        assert_eq!(party_value(PartyFact::Estimate, "$48,500", usd).unwrap(), "48500.00");
        assert_eq!(party_value(PartyFact::Estimate, "12.5k", usd).unwrap(), "12500.00");
        assert!(matches!(party_value(PartyFact::Estimate, "lots", usd), Err(PartyError::Estimate(_))));
        assert!(matches!(party_value(PartyFact::Estimate, "0", usd), Err(PartyError::Estimate(_))));
        assert_eq!(party_value(PartyFact::Lender, "none", usd).unwrap(), "");
        assert!(matches!(party_value(PartyFact::Work, " ", usd), Err(PartyError::Empty { .. })));
        let long = "x".repeat(MAX_PARTY_CHARS + 1);
        assert!(matches!(party_value(PartyFact::LegalDescription, &long, usd), Err(PartyError::TooLong { .. })));
        assert_eq!(PartyFact::parse("Owner-Address"), Some(PartyFact::OwnerAddress));
        assert_eq!(PartyFact::parse("first_furnished"), None);
    }

    #[test]
    fn addresses_break_into_lines() {
        assert_eq!(address_lines("100 N Ashley Dr, Tampa, FL 33602"), vec!["100 N Ashley Dr", "Tampa, FL 33602"]);
        assert_eq!(address_lines("Suite 4; 100 Main St; Austin, TX 78701").len(), 3);
        assert_eq!(address_lines("PO Box 12"), vec!["PO Box 12"]);
    }
}
