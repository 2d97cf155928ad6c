//! What the leadership reports read: payments with what they paid, a day's cash, and each payer's
//! history of paying.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::audit::write_audit;
use super::{Dialect, SqlStore, currency, on};
use crate::aging::{AgingRow, GroupBy};
use crate::audit::{Author, Change, Recorded};
use crate::cash::{PaidInvoice, PaidLine, PaymentReceived};
use crate::close::{Applied, CloseLedger, InvoiceAtEnd, IssuedInvoice, OnAccount, RetainageTouched};
use crate::collections::Note;
use crate::float::BankBalance;
use crate::money::{Currency, Money};
use crate::snapshots::Snapshot;
use crate::store::{ReportStore, StoreError};

#[derive(sqlx::FromRow)]
struct ReceivedRow {
    id: i64,
    customer_id: i64,
    customer_name: String,
    received: NaiveDate,
    currency: String,
    amount_minor: i64,
    unapplied_minor: i64,
    method: Option<String>,
    reference: Option<String>,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    payment_id: i64,
    invoice_id: Option<i64>,
    invoice_number: Option<String>,
    job_id: Option<i64>,
    job_name: Option<String>,
    amount_minor: i64,
}

const BALANCE_COLUMNS: &str =
    "account, source, currency, CAST(balance_minor AS BIGINT) AS balance_minor, as_of, set_by, recorded_at";

#[derive(sqlx::FromRow)]
struct BalanceRow {
    account: String,
    source: String,
    currency: String,
    balance_minor: i64,
    as_of: NaiveDate,
    set_by: Option<String>,
    recorded_at: DateTime<Utc>,
}

impl BalanceRow {
    fn into_balance(self) -> BankBalance {
        BankBalance {
            account: self.account,
            source: self.source,
            balance: Money::new(self.balance_minor, currency(&self.currency)),
            as_of: self.as_of,
            set_by: self.set_by,
            recorded_at: self.recorded_at,
        }
    }
}

/// The upsert of an account's balance: always when a person set it, else only over an older one
/// (an earlier day, or the same day recorded earlier).
const BALANCE_UPSERT: &str = "INSERT INTO bank_balances \
     (account_key, account, source, currency, balance_minor, as_of, set_by, recorded_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (account_key) DO UPDATE SET account = excluded.account, \
     source = excluded.source, currency = excluded.currency, balance_minor = excluded.balance_minor, \
     as_of = excluded.as_of, set_by = excluded.set_by, recorded_at = excluded.recorded_at";
const BALANCE_UPSERT_IF_NEWER: &str = "INSERT INTO bank_balances \
     (account_key, account, source, currency, balance_minor, as_of, set_by, recorded_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (account_key) DO UPDATE SET account = excluded.account, \
     source = excluded.source, currency = excluded.currency, balance_minor = excluded.balance_minor, \
     as_of = excluded.as_of, set_by = excluded.set_by, recorded_at = excluded.recorded_at \
     WHERE bank_balances.as_of < excluded.as_of \
     OR (bank_balances.as_of = excluded.as_of AND bank_balances.recorded_at < excluded.recorded_at)";

/// The balance stored under an account's key, read in the transaction `$tx`.
macro_rules! balance_by_key {
    ($tx:expr, $db:ident, $key:expr) => {
        sqlx::query_as::<$db, BalanceRow>(sqlx::AssertSqlSafe(format!(
            "SELECT {BALANCE_COLUMNS} FROM bank_balances WHERE account_key = $1"
        )))
        .bind($key)
        .fetch_optional(&mut *$tx)
        .await?
        .map(BalanceRow::into_balance)
    };
}

/// Writes an account's balance in the transaction `$tx`; answers how many rows it wrote.
macro_rules! upsert_balance {
    ($tx:expr, $db:ident, $sql:expr, $key:expr, $b:expr) => {{
        let b: &BankBalance = $b;
        sqlx::query::<$db>($sql)
            .bind($key)
            .bind(&b.account)
            .bind(&b.source)
            .bind(b.balance.currency.code())
            .bind(b.balance.minor)
            .bind(b.as_of)
            .bind(&b.set_by)
            .bind(b.recorded_at)
            .execute(&mut *$tx)
            .await?
            .rows_affected() as usize
    }};
}

#[async_trait::async_trait]
impl<S: SqlStore> ReportStore for S {
    async fn payments_with_lines(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<PaymentReceived>, StoreError> {
        on!(self, read, |pool, DB| {
            // Cash applied to an invoice arbot does not have yet is unapplied until it arrives
            // (as in `credits`); credit memos applied through a payment are not cash.
            let rows = sqlx::query_as::<DB, ReceivedRow>(
                "SELECT p.id, p.customer_id, c.name AS customer_name, p.received, p.currency, p.amount_minor, \
                 CAST(p.unapplied_minor + COALESCE((SELECT SUM(a.amount_minor) FROM applications a \
                 WHERE a.payment_id = p.id AND a.invoice_id IS NULL AND a.credit_memo_ext IS NULL), 0) AS BIGINT) \
                 AS unapplied_minor, p.method, p.reference FROM payments p JOIN customers c ON c.id = p.customer_id \
                 WHERE p.received >= $1 AND p.received <= $2 AND p.deleted = FALSE AND p.amount_minor > 0 \
                 ORDER BY p.received DESC, p.id DESC",
            )
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await?;
            let lines = sqlx::query_as::<DB, LineRow>(
                "SELECT a.payment_id, a.invoice_id, i.number AS invoice_number, i.job_id, j.name AS job_name, \
                 a.amount_minor FROM applications a JOIN payments p ON p.id = a.payment_id \
                 JOIN invoices i ON i.id = a.invoice_id LEFT JOIN jobs j ON j.id = i.job_id \
                 WHERE p.received >= $1 AND p.received <= $2 AND p.deleted = FALSE AND p.amount_minor > 0 \
                 AND a.credit_memo_ext IS NULL ORDER BY a.payment_id, a.line",
            )
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await?;
            let mut by_payment: HashMap<i64, Vec<PaidLine>> = HashMap::new();
            for l in lines {
                by_payment.entry(l.payment_id).or_default().push(PaidLine {
                    invoice_id: l.invoice_id,
                    invoice_number: l.invoice_number,
                    job_id: l.job_id,
                    job_name: l.job_name,
                    amount: l.amount_minor,
                });
            }
            Ok(rows
                .into_iter()
                .map(|r| {
                    let cur = currency(&r.currency);
                    PaymentReceived {
                        payment_id: r.id,
                        customer_id: r.customer_id,
                        customer_name: r.customer_name,
                        received: r.received,
                        amount: Money::new(r.amount_minor, cur),
                        unapplied: Money::new(r.unapplied_minor, cur),
                        method: r.method,
                        reference: r.reference,
                        lines: by_payment.remove(&r.id).unwrap_or_default(),
                    }
                })
                .collect())
        })
    }

    async fn cash_received_on(&self, day: NaiveDate, currency: Currency) -> Result<(i64, i64), StoreError> {
        on!(self, read, |pool, DB| {
            Ok(sqlx::query_as::<DB, (i64, i64)>(
                "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT), CAST(COUNT(*) AS BIGINT) FROM payments \
                 WHERE received = $1 AND currency = $2 AND deleted = FALSE AND amount_minor > 0",
            )
            .bind(day)
            .bind(currency.code().to_string())
            .fetch_one(pool)
            .await?)
        })
    }

    async fn first_payment_received(&self) -> Result<Option<NaiveDate>, StoreError> {
        on!(self, read, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, NaiveDate>(
                "SELECT received FROM payments WHERE deleted = FALSE AND amount_minor > 0 ORDER BY received LIMIT 1",
            )
            .fetch_optional(pool)
            .await?)
        })
    }

    async fn paid_invoices(&self, issued_from: NaiveDate, currency: Currency) -> Result<Vec<PaidInvoice>, StoreError> {
        on!(self, read, |pool, DB| {
            let rows = sqlx::query_as::<DB, (i64, NaiveDate, NaiveDate, NaiveDate)>(
                "SELECT i.customer_id, i.issued, i.due, MAX(a.applied_on) FROM invoices i \
                 JOIN applications a ON a.invoice_id = i.id \
                 WHERE i.issued >= $1 AND i.currency = $2 AND i.status = 'paid' AND i.balance_minor = 0 \
                 AND a.credit_memo_ext IS NULL GROUP BY i.id, i.customer_id, i.issued, i.due",
            )
            .bind(issued_from)
            .bind(currency.code().to_string())
            .fetch_all(pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(|(customer_id, issued, due, paid_on)| PaidInvoice { customer_id, issued, due, paid_on })
                .collect())
        })
    }

    async fn close_ledger(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        currency: Currency,
    ) -> Result<CloseLedger, StoreError> {
        use crate::ledger::InvoiceKind;
        let code = currency.code().to_string();
        let kind = |k: &str| InvoiceKind::parse(k).unwrap_or(InvoiceKind::Progress);
        on!(self, read, |pool, DB| {
            // Issued in the month: what `sales_between` sums for DSO and CEI.
            type Issued = (String, String, Option<String>, String, NaiveDate, NaiveDate, i64, i64);
            let issued = sqlx::query_as::<DB, Issued>(
                "SELECT i.number, c.name, j.name, i.kind, i.issued, i.due, i.total_minor, i.retainage_minor \
                 FROM invoices i JOIN customers c ON c.id = i.customer_id LEFT JOIN jobs j ON j.id = i.job_id \
                 WHERE i.issued >= $1 AND i.issued <= $2 AND i.currency = $3 AND i.status IN ('open', 'paid') \
                 ORDER BY i.issued, i.number, i.id",
            )
            .bind(from)
            .bind(to)
            .bind(&code)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|(number, customer_name, job_name, k, issued, due, total, retainage)| IssuedInvoice {
                number,
                customer_name,
                job_name,
                kind: kind(&k),
                issued,
                due,
                total,
                retainage,
            })
            .collect();
            // Every application made in the month to an invoice arbot has, cash and credits.
            type Line = (NaiveDate, NaiveDate, Option<String>, String, i64, String, String, i64, Option<String>);
            let applied = sqlx::query_as::<DB, Line>(
                "SELECT a.applied_on, p.received, p.reference, c.name, i.id, i.number, i.kind, a.amount_minor, \
                 CASE WHEN a.credit_memo_ext IS NULL THEN NULL ELSE COALESCE(cm.number, a.credit_memo_ext) END \
                 FROM applications a JOIN payments p ON p.id = a.payment_id JOIN invoices i ON i.id = a.invoice_id \
                 JOIN customers c ON c.id = i.customer_id \
                 LEFT JOIN credit_memos cm ON cm.source = a.source AND cm.external_id = a.credit_memo_ext \
                 WHERE a.applied_on >= $1 AND a.applied_on <= $2 AND p.deleted = FALSE AND p.currency = $3 \
                 ORDER BY a.applied_on, a.id",
            )
            .bind(from)
            .bind(to)
            .bind(&code)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|(applied_on, received, reference, customer_name, invoice_id, invoice_number, k, amount, cm)| {
                Applied {
                    applied_on,
                    received,
                    reference,
                    customer_name,
                    invoice_id,
                    invoice_number,
                    invoice_kind: kind(&k),
                    amount,
                    credit_memo: cm,
                }
            })
            .collect();
            // The invoices holding retainage that the month's applications reached, with what
            // was applied in the month and after it (balances rebuilt as `balances_then` does).
            let retainage_touched = sqlx::query_as::<DB, (i64, i64, i64, i64, i64, i64)>(
                "SELECT i.id, i.total_minor, i.balance_minor, i.retainage_minor, \
                 CAST(COALESCE(SUM(CASE WHEN a.applied_on <= $2 THEN a.amount_minor ELSE 0 END), 0) AS BIGINT), \
                 CAST(COALESCE(SUM(CASE WHEN a.applied_on > $2 THEN a.amount_minor ELSE 0 END), 0) AS BIGINT) \
                 FROM invoices i JOIN applications a ON a.invoice_id = i.id \
                 WHERE i.retainage_minor > 0 AND i.currency = $3 AND i.status IN ('open', 'paid') \
                 AND i.issued <= $2 AND a.applied_on >= $1 \
                 AND i.id IN (SELECT m.invoice_id FROM applications m WHERE m.applied_on >= $1 \
                   AND m.applied_on <= $2 AND m.invoice_id IS NOT NULL) \
                 GROUP BY i.id, i.total_minor, i.balance_minor, i.retainage_minor",
            )
            .bind(from)
            .bind(to)
            .bind(&code)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|(invoice_id, total, balance_now, retainage, applied_in_month, applied_after)| RetainageTouched {
                invoice_id,
                total,
                balance_now,
                retainage,
                applied_in_month,
                applied_after,
            })
            .collect();
            // Unapplied cash at the end, as `credits` reads it today: what the payment has
            // unapplied now, what it applied to invoices arbot does not have, and what it
            // applied to invoices only after the end. Only payments that can have any are read.
            type Cash = (String, Option<String>, NaiveDate, i64, i64);
            let unapplied = sqlx::query_as::<DB, Cash>(
                "SELECT c.name, p.reference, p.received, p.amount_minor, CAST(p.unapplied_minor + COALESCE(( \
                   SELECT SUM(a.amount_minor) FROM applications a WHERE a.payment_id = p.id \
                   AND a.credit_memo_ext IS NULL AND (a.invoice_id IS NULL OR a.applied_on > $1)), 0) AS BIGINT) \
                 FROM payments p JOIN customers c ON c.id = p.customer_id \
                 WHERE p.deleted = FALSE AND p.received <= $1 AND p.currency = $2 AND p.id IN ( \
                   SELECT q.id FROM payments q WHERE q.unapplied_minor <> 0 \
                   UNION SELECT a.payment_id FROM applications a WHERE a.applied_on > $1 \
                   UNION SELECT a.payment_id FROM applications a WHERE a.invoice_id IS NULL) \
                 ORDER BY p.received, p.id",
            )
            .bind(to)
            .bind(&code)
            .fetch_all(pool)
            .await?
            .into_iter()
            .filter(|r| r.4 != 0)
            .map(on_account)
            .collect();
            // Credit memos with credit left at the end: what remains now and what was applied
            // after the end.
            let credit_memos = sqlx::query_as::<DB, Cash>(
                "SELECT c.name, cm.number, cm.issued, cm.total_minor, CAST(cm.remaining_minor + COALESCE(( \
                   SELECT SUM(a.amount_minor) FROM applications a WHERE a.applied_on > $1 \
                   AND a.source = cm.source AND a.credit_memo_ext = cm.external_id), 0) AS BIGINT) \
                 FROM credit_memos cm JOIN customers c ON c.id = cm.customer_id \
                 WHERE cm.deleted = FALSE AND cm.issued <= $1 AND cm.currency = $2 \
                 ORDER BY cm.issued, cm.id",
            )
            .bind(to)
            .bind(&code)
            .fetch_all(pool)
            .await?
            .into_iter()
            .filter(|r| r.4 != 0)
            .map(on_account)
            .collect();
            // Every invoice ever disputed, with its balance at the end.
            type Disputed = (i64, String, String, NaiveDate, i64, i64, i64);
            let disputed = sqlx::query_as::<DB, Disputed>(
                "SELECT i.id, i.number, c.name, i.due, i.total_minor, i.balance_minor, CAST(COALESCE(( \
                   SELECT SUM(a.amount_minor) FROM applications a WHERE a.invoice_id = i.id \
                   AND a.applied_on > $1), 0) AS BIGINT) \
                 FROM invoices i JOIN customers c ON c.id = i.customer_id \
                 WHERE i.id IN (SELECT d.invoice_id FROM disputes d) AND i.currency = $2 \
                 AND i.status IN ('open', 'paid') AND i.issued <= $1 ORDER BY i.id",
            )
            .bind(to)
            .bind(&code)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|(invoice_id, number, customer_name, due, total, balance, after)| InvoiceAtEnd {
                invoice_id,
                number,
                customer_name,
                due,
                balance: (balance + after).min(total),
            })
            .collect();
            Ok(CloseLedger { issued, applied, retainage_touched, unapplied, credit_memos, disputed })
        })
    }

    async fn job_gc_names(&self) -> Result<Vec<(String, String, Option<String>)>, StoreError> {
        on!(self, read, |pool, DB| {
            Ok(sqlx::query_as::<DB, (String, String, Option<String>)>(
                "SELECT j.name, c.name, j.gc_name FROM jobs j JOIN customers c ON c.id = j.customer_id \
                 WHERE j.deleted = FALSE ORDER BY length(j.name), j.name, j.id",
            )
            .fetch_all(pool)
            .await?)
        })
    }

    async fn general_contractor_ids(&self) -> Result<Vec<i64>, StoreError> {
        on!(self, read, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, i64>("SELECT id FROM customers WHERE kind = $1 ORDER BY id")
                .bind(crate::ledger::CustomerKind::GeneralContractor.as_str())
                .fetch_all(pool)
                .await?)
        })
    }

    async fn guardrail_states(&self) -> Result<Vec<crate::guardrails::GuardrailState>, StoreError> {
        on!(self, read, |pool, DB| {
            let rows = sqlx::query_as::<DB, (String, bool, i64, NaiveDate)>(
                "SELECT guardrail, breached, CAST(seq AS BIGINT), changed_on FROM kpi_guardrails ORDER BY guardrail",
            )
            .fetch_all(pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(|(guardrail, breached, seq, changed_on)| crate::guardrails::GuardrailState {
                    guardrail,
                    breached,
                    seq,
                    changed_on,
                })
                .collect())
        })
    }

    async fn move_guardrail(
        &self,
        guardrail: &str,
        seq: i64,
        breached: bool,
        on: NaiveDate,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        on!(self, write, |pool, DB| {
            // One statement either way, so of two instances moving it at once one wins.
            let done = if seq == 0 {
                sqlx::query::<DB>(
                    "INSERT INTO kpi_guardrails (guardrail, breached, seq, changed_on, changed_at) \
                     VALUES ($1, $2, 1, $3, $4) ON CONFLICT (guardrail) DO NOTHING",
                )
                .bind(guardrail)
                .bind(breached)
                .bind(on)
                .bind(at)
                .execute(pool)
                .await?
            } else {
                sqlx::query::<DB>(
                    "UPDATE kpi_guardrails SET breached = $2, seq = seq + 1, changed_on = $3, changed_at = $4 \
                     WHERE guardrail = $1 AND seq = $5",
                )
                .bind(guardrail)
                .bind(breached)
                .bind(on)
                .bind(at)
                .bind(seq)
                .execute(pool)
                .await?
            };
            Ok(done.rows_affected() == 1)
        })
    }

    async fn bank_balances(&self) -> Result<Vec<BankBalance>, StoreError> {
        on!(self, read, |pool, DB| {
            let rows = sqlx::query_as::<DB, BalanceRow>(sqlx::AssertSqlSafe(format!(
                "SELECT {BALANCE_COLUMNS} FROM bank_balances"
            )))
            .fetch_all(pool)
            .await?;
            Ok(crate::float::current(&rows.into_iter().map(BalanceRow::into_balance).collect::<Vec<_>>()))
        })
    }

    async fn set_bank_balance(
        &self,
        balance: &BankBalance,
        by: &Author,
        at: DateTime<Utc>,
    ) -> Result<Recorded<Option<BankBalance>>, StoreError> {
        let key = BankBalance::key(&balance.account);
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            let before = balance_by_key!(tx, DB, &key);
            let change = Change {
                action: "bank_balance",
                customer_id: None,
                job_id: None,
                invoice_id: None,
                subject: balance.account.clone(),
                before: before.as_ref().map(|b| format!("{} as of {}", b.balance, b.as_of)),
                after: Some(format!("{} as of {}", balance.balance, balance.as_of)),
            };
            if write_audit!(tx, DB, by, at, &change).is_none() {
                return Ok(Recorded::Already);
            }
            upsert_balance!(tx, DB, BALANCE_UPSERT, &key, balance);
            tx.commit().await?;
            Ok(Recorded::New(before))
        })
    }

    async fn remove_bank_balance(
        &self,
        account: &str,
        by: &Author,
        at: DateTime<Utc>,
    ) -> Result<Recorded<Option<BankBalance>>, StoreError> {
        let key = BankBalance::key(account);
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            let before = balance_by_key!(tx, DB, &key);
            let Some(gone) = before else { return Ok(Recorded::New(None)) };
            let change = Change {
                action: "bank_balance_removed",
                customer_id: None,
                job_id: None,
                invoice_id: None,
                subject: gone.account.clone(),
                before: Some(format!("{} as of {}", gone.balance, gone.as_of)),
                after: None,
            };
            if write_audit!(tx, DB, by, at, &change).is_none() {
                return Ok(Recorded::Already);
            }
            sqlx::query::<DB>("DELETE FROM bank_balances WHERE account_key = $1").bind(&key).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(Recorded::New(Some(gone)))
        })
    }

    async fn record_bank_balances(&self, source: &str, balances: &[BankBalance]) -> Result<usize, StoreError> {
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            let mut written = 0;
            for b in balances {
                written += upsert_balance!(tx, DB, BALANCE_UPSERT_IF_NEWER, BankBalance::key(&b.account), b);
            }
            // The source's accounts it no longer lists (closed, made inactive) are forgotten.
            let keys: Vec<String> = balances.iter().map(|b| BankBalance::key(&b.account)).collect();
            let listed: Vec<String> =
                sqlx::query_scalar::<DB, String>("SELECT account_key FROM bank_balances WHERE source = $1")
                    .bind(source)
                    .fetch_all(&mut *tx)
                    .await?;
            for k in listed.iter().filter(|k| !keys.contains(k)) {
                sqlx::query::<DB>("DELETE FROM bank_balances WHERE account_key = $1 AND source = $2")
                    .bind(k)
                    .bind(source)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(written)
        })
    }

    async fn notes_logged(&self, from: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<(Note, String)>, StoreError> {
        on!(self, read, |pool, DB| {
            let sql = format!(
                "{} WHERE n.created_at >= $1 AND n.created_at < $2 ORDER BY n.created_at, n.id",
                super::collections::NOTES_WITH_CUSTOMER
            );
            let rows = sqlx::query_as::<DB, super::collections::NoteWithCustomer>(sqlx::AssertSqlSafe(sql))
                .bind(from)
                .bind(until)
                .fetch_all(pool)
                .await?;
            Ok(rows.into_iter().map(super::collections::NoteWithCustomer::into_pair).collect())
        })
    }

    async fn save_snapshot(&self, snap: &Snapshot) -> Result<bool, StoreError> {
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            let won: Option<NaiveDate> = sqlx::query_scalar::<DB, NaiveDate>(
                "INSERT INTO aging_snapshot_days (day, rebuilt, taken_at, currency, labels) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (day) DO NOTHING RETURNING day",
            )
            .bind(snap.day)
            .bind(snap.rebuilt)
            .bind(snap.taken_at)
            .bind(snap.currency.code().to_string())
            .bind(snap.labels.join("|"))
            .fetch_optional(&mut *tx)
            .await?;
            if won.is_none() {
                return Ok(false);
            }
            for (by, r) in &snap.rows {
                let buckets: Vec<String> = r.buckets.iter().map(|b| b.to_string()).collect();
                sqlx::query::<DB>(
                    "INSERT INTO aging_snapshots (day, dimension, label, customer_id, buckets, retainage_minor, \
                     total_minor, overdue_minor, overdue_90_minor, disputed_minor, disputed_overdue_minor, invoices, \
                     oldest_days) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                )
                .bind(snap.day)
                .bind(by.as_str())
                .bind(&r.label)
                .bind(r.customer_id)
                .bind(buckets.join(","))
                .bind(r.retainage)
                .bind(r.total)
                .bind(r.overdue)
                .bind(r.overdue_90)
                .bind(r.disputed)
                .bind(r.disputed_overdue)
                .bind(i64::try_from(r.invoices).unwrap_or(i64::MAX))
                .bind(r.oldest_days)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(true)
        })
    }

    async fn snapshot_days(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<(NaiveDate, bool)>, StoreError> {
        on!(self, read, |pool, DB| {
            Ok(sqlx::query_as::<DB, (NaiveDate, bool)>(
                "SELECT day, rebuilt FROM aging_snapshot_days WHERE day >= $1 AND day <= $2 ORDER BY day",
            )
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await?)
        })
    }

    async fn snapshot(&self, day: NaiveDate) -> Result<Option<Snapshot>, StoreError> {
        snapshot_rows(self, day, None).await
    }

    async fn snapshot_of(&self, day: NaiveDate, by: GroupBy) -> Result<Option<Snapshot>, StoreError> {
        snapshot_rows(self, day, Some(by)).await
    }
}

/// The snapshot of `day` with every dimension's rows, or only `by`'s.
async fn snapshot_rows<S: SqlStore>(
    store: &S,
    day: NaiveDate,
    by: Option<GroupBy>,
) -> Result<Option<Snapshot>, StoreError> {
    on!(store, read, |pool, DB| {
        let head = sqlx::query_as::<DB, (bool, DateTime<Utc>, String, String)>(
            "SELECT rebuilt, taken_at, currency, labels FROM aging_snapshot_days WHERE day = $1",
        )
        .bind(day)
        .fetch_optional(pool)
        .await?;
        let Some((rebuilt, taken_at, cur, labels)) = head else { return Ok(None) };
        type Row = (String, String, Option<i64>, String, i64, i64, i64, i64, i64, i64, i64, i64);
        // One dimension reads its part of the primary key (day, dimension, label) alone.
        let one = if by.is_some() { "AND dimension = $2" } else { "" };
        let sql = format!(
            "SELECT dimension, label, customer_id, buckets, retainage_minor, total_minor, overdue_minor, \
                 overdue_90_minor, disputed_minor, disputed_overdue_minor, invoices, oldest_days FROM aging_snapshots \
                 WHERE day = $1 {one} ORDER BY dimension, label"
        );
        let mut query = sqlx::query_as::<DB, Row>(sqlx::AssertSqlSafe(sql)).bind(day);
        if let Some(by) = by {
            query = query.bind(by.as_str());
        }
        let rows = query.fetch_all(pool).await?;
        let currency = currency(&cur);
        let mut out = Vec::with_capacity(rows.len());
        for (
            dim,
            label,
            customer_id,
            buckets,
            retainage,
            total,
            overdue,
            overdue_90,
            disputed,
            disputed_overdue,
            invoices,
            oldest_days,
        ) in rows
        {
            let Some(by) = GroupBy::parse(&dim) else { continue };
            let buckets: Vec<i64> =
                buckets.split(',').filter(|b| !b.is_empty()).filter_map(|b| b.parse().ok()).collect();
            out.push((
                by,
                AgingRow {
                    label,
                    customer_id,
                    buckets,
                    retainage,
                    total,
                    overdue,
                    overdue_90,
                    invoices: usize::try_from(invoices).unwrap_or(0),
                    oldest_days,
                    disputed,
                    disputed_overdue,
                    currency,
                },
            ));
        }
        let labels = labels.split('|').map(str::to_string).collect();
        Ok(Some(Snapshot { day, rebuilt, taken_at, currency, labels, rows: out }))
    })
}

/// A row of unapplied cash or of credit left on a memo: customer, reference, date, amount, open.
fn on_account(
    (customer_name, reference, date, amount, open): (String, Option<String>, NaiveDate, i64, i64),
) -> OnAccount {
    OnAccount { customer_name, reference, date, amount, open }
}
