//! The customer summary (what `/ar customer` shows) and finding a customer from what a person
//! typed.

use chrono::NaiveDate;
use serde::Serialize;

use crate::aging::{AgingConfig, AgingRow, GroupBy, aging};
use crate::collections::{CashApplied, Note, Promise, PromiseStatus};
use crate::ledger::{AppliedAmount, Credits, Customer, CustomerRef, Job, OpenItem, Payment};
use crate::money::{Currency, Money};
use crate::store::{OpenItemsQuery, Store, StoreError};

/// The outcome of looking a customer up by a piece of its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum CustomerMatch {
    One(CustomerRef),
    /// Several customers match; the person must pick (at most 25 listed).
    Several(Vec<CustomerRef>),
    /// Nothing matches; these are the closest names.
    NoneFound {
        suggestions: Vec<CustomerRef>,
    },
}

/// Case-insensitive partial match; an exact name wins over partial ones. Where no name holds the
/// text as typed, the words are matched one by one, punctuation aside, so `acme inc` finds
/// "Acme Mechanical, Inc.".
pub async fn find_customer(store: &dyn Store, query: &str) -> Result<CustomerMatch, StoreError> {
    let q = query.trim();
    let found = store.customers_matching(q, 26).await?;
    if let Some(exact) = found.iter().find(|c| c.name.eq_ignore_ascii_case(q)) {
        return Ok(CustomerMatch::One(exact.clone()));
    }
    let found = if found.is_empty() {
        let all = store.customer_names().await?;
        let by_words: Vec<CustomerRef> = all.iter().filter(|c| words_match(q, &c.name)).cloned().collect();
        if by_words.is_empty() {
            return Ok(CustomerMatch::NoneFound { suggestions: closest(q, &all, 3) });
        }
        by_words
    } else {
        found
    };
    match found.len() {
        1 => Ok(CustomerMatch::One(found.into_iter().next().unwrap_or_else(|| unreachable!()))),
        _ => Ok(CustomerMatch::Several(found.into_iter().take(25).collect())),
    }
}

/// Whether every word typed starts a word of the name (`acme inc` and "Acme Mechanical, Inc.").
pub fn words_match(query: &str, name: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
    };
    let (typed, name) = (words(query), words(name));
    !typed.is_empty() && typed.iter().all(|t| name.iter().any(|w| w.starts_with(t.as_str())))
}

/// The names most like `query`, best first, comparing with whole names and with their words.
pub fn closest(query: &str, names: &[CustomerRef], n: usize) -> Vec<CustomerRef> {
    let q = query.to_lowercase();
    let mut scored: Vec<(f64, &CustomerRef)> = names
        .iter()
        .map(|c| {
            let name = c.name.to_lowercase();
            // Each word typed against its best-matching word of the name, averaged: "gulff coast"
            // is closer to "Gulf Coast Builders" than to "Gulf Breeze Condos".
            let typed: Vec<&str> = q.split_whitespace().collect();
            let words_score = typed
                .iter()
                .map(|t| name.split_whitespace().map(|w| strsim::jaro_winkler(t, w)).fold(0.0, f64::max))
                .sum::<f64>()
                / typed.len().max(1) as f64;
            (strsim::jaro_winkler(&q, &name).max(words_score), c)
        })
        .filter(|(s, _)| *s >= 0.75)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.name.cmp(&b.1.name)));
    scored.into_iter().take(n).map(|(_, c)| c.clone()).collect()
}

/// A job with what is still unpaid on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobLine {
    pub job: Job,
    pub unpaid: i64,
}

/// The oldest open invoice and what has been credited to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OldestOpen {
    pub item: OpenItem,
    pub days_past_due: i64,
    pub credits_applied: Vec<AppliedAmount>,
}

/// In JSON every amount is a [`Money`] (`{"amount":"14250.00","currency":"USD"}`): the aging
/// row's, each job's `unpaid` and the `credits` in the summary's currency.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerSummary {
    pub customer: Customer,
    pub as_of: NaiveDate,
    pub currency: Currency,
    pub labels: Vec<String>,
    /// This customer's aging row (totals over all its open invoices).
    pub aging: AgingRow,
    pub open_items: Vec<OpenItem>,
    pub oldest: Option<OldestOpen>,
    pub last_payment: Option<Payment>,
    /// The most recent promise not cancelled (or, all cancelled, the most recent).
    pub promise: Option<Promise>,
    /// Every promise of the account, newest logged first (how many broke, for re-promising).
    pub promises: Vec<Promise>,
    /// Cash applied since the oldest of them (and of the plans) was logged: what their outcome
    /// is judged by ([`Promise::outcome`], [`crate::collections::PaymentPlan::outcomes`]).
    pub promise_cash: Vec<CashApplied>,
    /// The account's payment plans, newest agreed first.
    pub plans: Vec<crate::collections::PaymentPlan>,
    pub jobs: Vec<JobLine>,
    pub last_note: Option<Note>,
    pub credits: Credits,
    /// What is open in currencies other than `currency`, one balance per currency: the aging
    /// row covers `currency` only, so these are shown beside it, never added to it.
    pub other_currencies: Vec<Money>,
}

impl Serialize for CustomerSummary {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        #[derive(Serialize)]
        struct JobJson<'a> {
            #[serde(flatten)]
            job: &'a Job,
            unpaid: Money,
        }
        #[derive(Serialize)]
        struct CreditsJson<'a> {
            unapplied_cash: Money,
            open_credit_memos: Money,
            other_currencies: &'a [Money],
        }
        let m = |minor: i64| Money::new(minor, self.currency);
        let jobs: Vec<JobJson<'_>> = self.jobs.iter().map(|j| JobJson { job: &j.job, unpaid: m(j.unpaid) }).collect();
        let credits = CreditsJson {
            unapplied_cash: m(self.credits.unapplied_cash),
            open_credit_memos: m(self.credits.open_credit_memos),
            other_currencies: &self.credits.other_currencies,
        };
        let mut st = s.serialize_struct("CustomerSummary", 14)?;
        st.serialize_field("customer", &self.customer)?;
        st.serialize_field("as_of", &self.as_of)?;
        st.serialize_field("currency", &self.currency)?;
        st.serialize_field("labels", &self.labels)?;
        st.serialize_field("aging", &self.aging)?;
        st.serialize_field("open_items", &self.open_items)?;
        st.serialize_field("oldest", &self.oldest)?;
        st.serialize_field("last_payment", &self.last_payment)?;
        st.serialize_field("promise", &self.promise)?;
        st.serialize_field("plan", &self.plans.first())?;
        st.serialize_field("jobs", &jobs)?;
        st.serialize_field("last_note", &self.last_note)?;
        st.serialize_field("credits", &credits)?;
        st.serialize_field("other_currencies", &self.other_currencies)?;
        st.end()
    }
}

/// Gathers everything `/ar customer` shows for one customer.
pub async fn customer_summary(
    store: &dyn Store,
    customer_id: i64,
    as_of: NaiveDate,
    historical: bool,
    cfg: &AgingConfig,
    currency: Currency,
) -> Result<Option<CustomerSummary>, StoreError> {
    let Some(customer) = store.customer(customer_id).await? else {
        return Ok(None);
    };
    let items = store.open_items(OpenItemsQuery { as_of, customer_id: Some(customer_id), historical }).await?;
    let report = aging(&items, as_of, cfg, GroupBy::Customer, currency);
    let row = report.rows.into_iter().next().unwrap_or(report.totals);
    let oldest = match items.iter().filter(|i| i.due_part() > 0).min_by_key(|i| (i.due, i.invoice_id)) {
        Some(item) => {
            let credits_applied = store
                .applications_to_invoice(item.invoice_id)
                .await?
                .into_iter()
                .filter(|a| a.credit_memo_number.is_some())
                .collect();
            Some(OldestOpen { item: item.clone(), days_past_due: (as_of - item.due).num_days(), credits_applied })
        }
        None => None,
    };
    let last_payment = store.recent_payments(customer_id, 1).await?.into_iter().next();
    let promises = store.promises_for_customer(customer_id).await?;
    let promise = promises.iter().find(|p| p.status == PromiseStatus::Open).or(promises.first()).cloned();
    // A day early: the promise's day is the business's, which may be behind UTC.
    let plans = store.plans_for_customer(customer_id).await?;
    let first_logged =
        promises.iter().map(|p| p.created_at.date_naive()).chain(plans.iter().map(|p| p.created_at.date_naive())).min();
    let promise_cash = match first_logged {
        Some(from) => store.cash_applied(Some(customer_id), from - chrono::Days::new(1)).await?,
        None => Vec::new(),
    };
    let jobs = store
        .jobs_for_customer(customer_id)
        .await?
        .into_iter()
        .map(|job| {
            let unpaid = items
                .iter()
                .filter(|i| i.job_id == Some(job.id) && i.currency() == currency)
                .map(|i| i.balance.minor)
                .sum();
            JobLine { job, unpaid }
        })
        .collect();
    let last_note = store.notes_for_customer(customer_id, 1).await?.into_iter().next();
    let credits = store.credits(Some(customer_id), currency).await?;
    let mut other_currencies: Vec<Money> = Vec::new();
    for i in items.iter().filter(|i| i.currency() != currency && i.balance.minor != 0) {
        match other_currencies.iter_mut().find(|m| m.currency == i.currency()) {
            Some(m) => m.minor += i.balance.minor,
            None => other_currencies.push(Money::new(i.balance.minor, i.currency())),
        }
    }
    Ok(Some(CustomerSummary {
        customer,
        as_of,
        currency,
        labels: cfg.labels(),
        aging: row,
        open_items: items,
        oldest,
        last_payment,
        promise,
        promises,
        promise_cash,
        plans,
        jobs,
        last_note,
        credits,
        other_currencies,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(names: &[&str]) -> Vec<CustomerRef> {
        names.iter().enumerate().map(|(i, n)| CustomerRef { id: i as i64, name: n.to_string() }).collect()
    }

    #[test]
    fn suggests_close_names() {
        let all = refs(&["Gulf Coast Builders LLC", "Harborview Owners Assn", "Old Oak Homes"]);
        let s = closest("gulff", &all, 3);
        assert_eq!(s.first().map(|c| c.name.as_str()), Some("Gulf Coast Builders LLC"));
        assert!(closest("zzzz", &all, 3).is_empty());
        let gulfs = refs(&["Gulf Breeze Condos", "Gulf Coast Builders LLC"]);
        assert_eq!(closest("gulff coast", &gulfs, 3)[0].name, "Gulf Coast Builders LLC");
        assert_eq!(closest("harborveiw", &all, 3)[0].name, "Harborview Owners Assn");
    }
}
