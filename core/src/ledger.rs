//! The ledger as arbot holds it: customers, construction jobs, invoices, payments and their
//! applications, credit memos. These are read models; what a connector delivers is in
//! [`crate::source`].

use chrono::NaiveDate;
use serde::Serialize;

use crate::money::{Currency, Money};

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable text used in the database, config and chat.
            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
                match s.as_str() { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(
    /// Who the customer is to us.
    CustomerKind {
        GeneralContractor => "gc",
        PropertyOwner => "owner",
        Homeowner => "homeowner",
        Other => "other",
    }
);

string_enum!(
    /// The kind of project, which decides which lien and notice rules apply.
    ProjectType {
        Private => "private",
        Public => "public",
        Residential => "residential",
    }
);

string_enum!(
    /// Our place in the contract chain on a job.
    OurRole {
        Gc => "gc",
        Sub => "sub",
        SubSub => "sub_sub",
        Supplier => "supplier",
        Laborer => "laborer",
    }
);

string_enum!(
    /// What an invoice bills for.
    InvoiceKind {
        Deposit => "deposit",
        Progress => "progress",
        Completion => "completion",
        TouchUp => "touch_up",
        Retainage => "retainage",
        Service => "service",
    }
);

string_enum!(
    /// Where an invoice stands.
    InvoiceStatus {
        Open => "open",
        Paid => "paid",
        Void => "void",
        Deleted => "deleted",
    }
);

/// A customer, as found by a search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerRef {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Customer {
    pub id: i64,
    pub source: String,
    pub external_id: String,
    pub name: String,
    pub kind: CustomerKind,
    pub email: Option<String>,
    /// The billing (bill-to) address from the accounting system, one line per line.
    pub address: Option<String>,
    pub phone: Option<String>,
    pub terms_days: Option<i64>,
    pub pm: Option<String>,
    pub active: bool,
}

/// A construction job (project) we work on for a customer, with the facts lien rules need.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Job {
    pub id: i64,
    pub customer_id: i64,
    pub name: String,
    pub city: Option<String>,
    pub county: Option<String>,
    pub state: Option<String>,
    pub project_type: Option<ProjectType>,
    pub role: Option<OurRole>,
    pub owner_name: Option<String>,
    pub gc_name: Option<String>,
    pub pm: Option<String>,
    pub first_furnished: Option<NaiveDate>,
    pub last_furnished: Option<NaiveDate>,
    pub noc_recorded: Option<NaiveDate>,
    pub noc_expires: Option<NaiveDate>,
    /// Retainage held on progress billings, in basis points (1000 = 10%).
    pub retainage_bp: i64,
}

/// A job with its customer's name, for lists across customers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobWithCustomer {
    pub job: Job,
    pub customer_name: String,
}

/// An invoice with what is still owed on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Invoice {
    pub id: i64,
    pub source: String,
    pub external_id: String,
    pub number: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub job_id: Option<i64>,
    pub job_name: Option<String>,
    pub pm: Option<String>,
    pub kind: InvoiceKind,
    pub status: InvoiceStatus,
    pub issued: NaiveDate,
    pub due: NaiveDate,
    pub total: Money,
    pub balance: Money,
    /// The part of the balance the customer holds back as retainage: billed, not yet due.
    pub retainage: Money,
    pub memo: Option<String>,
}

impl Invoice {
    /// Retainage still unpaid on this invoice (never more than the balance).
    pub fn retainage_held(&self) -> Money {
        Money::new(self.retainage.minor.min(self.balance.minor).max(0), self.balance.currency)
    }
}

/// One application of money to an invoice: cash from a payment, or a credit memo applied through
/// a payment (QuickBooks) or an allocation (Xero).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppliedAmount {
    pub payment_id: Option<i64>,
    pub payment_reference: Option<String>,
    pub invoice_id: Option<i64>,
    pub invoice_number: Option<String>,
    pub applied_on: NaiveDate,
    pub amount: Money,
    /// Set when the application is a credit memo rather than cash.
    pub credit_memo_number: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Payment {
    pub id: i64,
    pub customer_id: i64,
    pub received: NaiveDate,
    pub amount: Money,
    pub unapplied: Money,
    pub method: Option<String>,
    pub reference: Option<String>,
    pub applications: Vec<AppliedAmount>,
}

/// An open invoice line for aging: everything aging, summaries and digests need, nothing more.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenItem {
    pub invoice_id: i64,
    pub number: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub job_id: Option<i64>,
    pub job_name: Option<String>,
    pub pm: Option<String>,
    pub kind: InvoiceKind,
    pub issued: NaiveDate,
    pub due: NaiveDate,
    pub total: Money,
    /// Balance as of the query's date.
    pub balance: Money,
    pub retainage: Money,
    pub disputed: bool,
}

impl OpenItem {
    /// Retainage still held within the balance.
    pub fn retainage_held(&self) -> i64 {
        self.retainage.minor.clamp(0, self.balance.minor.max(0))
    }

    /// The part of the balance that is due (balance less retainage held).
    pub fn due_part(&self) -> i64 {
        self.balance.minor - self.retainage_held()
    }

    pub fn currency(&self) -> Currency {
        self.balance.currency
    }
}

/// An invoice with something past due, as the overdue list shows it
/// ([`crate::store::LedgerReads::overdue_items`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverdueItem {
    pub invoice_id: i64,
    pub number: String,
    pub customer_id: i64,
    pub customer_name: String,
    /// The job's PM, or else the customer's.
    pub pm: Option<String>,
    pub due: NaiveDate,
    /// What is due: the balance less retainage held, in the report's currency.
    pub due_part: i64,
    pub disputed: bool,
}

/// The overdue list as a chat reply shows it: the first rows of [`OverdueItem`]s, in order, and
/// the totals over every one of them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OverduePage {
    /// The first rows, oldest due first, then the most due, then by invoice.
    pub rows: Vec<OverdueItem>,
    /// All the rows: how many, of how many customers, what is due on them, and what of it is
    /// more than 90 days past due.
    pub invoices: i64,
    pub customers: i64,
    pub total: i64,
    pub over_90: i64,
}

/// Customer-level money that is not an invoice: unapplied cash and open credits, in the
/// currency asked for; what is on account in other currencies beside them, each in its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Credits {
    pub unapplied_cash: i64,
    pub open_credit_memos: i64,
    /// Unapplied cash and open credits in other currencies, one amount per currency.
    pub other_currencies: Vec<Money>,
}

/// A payment in a list across customers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PaymentLine {
    pub customer_id: i64,
    pub customer_name: String,
    pub received: NaiveDate,
    pub amount: Money,
}
