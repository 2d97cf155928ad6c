//! Email to customers: billing contacts, reminder holds, what each queued reminder asked for, and
//! the choices people made about a day's reminder.

use chrono::{DateTime, NaiveDate, Utc};

use super::audit::write_audit;
use super::collections::insert_note;
use super::{Dialect, SqlStore, on};
use crate::audit::{Author, Change, Recorded};
use crate::collections::NewNote;
use crate::letters::{Letter, LetterKind, NewLetter, Sent, SentHow};
use crate::mail::{AskedLine, CustomerContact, Reminded, ReminderChoice};
use crate::money::Money;
use crate::store::{MailStore, StoreError};

#[async_trait::async_trait]
impl<S: SqlStore> MailStore for S {
    async fn set_contact_email(
        &self,
        customer_id: i64,
        email: &str,
        source: &str,
        by: &Author,
        at: DateTime<Utc>,
    ) -> Result<Recorded<Option<String>>, StoreError> {
        set_contact(self, ContactField::Email, customer_id, email, source, by, at).await
    }

    async fn set_contact_address(
        &self,
        customer_id: i64,
        address: &str,
        source: &str,
        by: &Author,
        at: DateTime<Utc>,
    ) -> Result<Recorded<Option<String>>, StoreError> {
        set_contact(self, ContactField::Address, customer_id, address, source, by, at).await
    }

    async fn contact(&self, customer_id: i64) -> Result<Option<CustomerContact>, StoreError> {
        on!(self, read, |pool, DB| {
            let row = sqlx::query_as::<DB, (Option<String>, Option<String>, String)>(
                "SELECT email, address, source FROM customer_contacts WHERE customer_id = $1",
            )
            .bind(customer_id)
            .fetch_optional(pool)
            .await?;
            Ok(row.map(|(email, address, source)| CustomerContact { customer_id, email, address, source }))
        })
    }

    async fn hold_reminders(
        &self,
        customer_id: i64,
        until: NaiveDate,
        reason: &str,
        by: &Author,
        at: DateTime<Utc>,
    ) -> Result<Recorded<i64>, StoreError> {
        let change = Change {
            action: "reminder_hold",
            customer_id: Some(customer_id),
            job_id: None,
            invoice_id: None,
            subject: format!("until {until}"),
            before: None,
            after: Some(reason.to_string()),
        };
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            if write_audit!(tx, DB, by, at, &change).is_none() {
                return Ok(Recorded::Already);
            }
            let id = sqlx::query_scalar::<DB, i64>(
                "INSERT INTO reminder_holds (customer_id, until, reason, set_by, set_at) VALUES ($1, $2, $3, $4, $5) \
                 RETURNING id",
            )
            .bind(customer_id)
            .bind(until)
            .bind(reason)
            .bind(&by.name)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Recorded::New(id))
        })
    }

    async fn reminder_hold(&self, customer_id: i64, on: NaiveDate) -> Result<Option<(NaiveDate, String)>, StoreError> {
        on!(self, read, |pool, DB| {
            Ok(sqlx::query_as::<DB, (NaiveDate, String)>(
                "SELECT until, reason FROM reminder_holds WHERE customer_id = $1 AND until >= $2 \
                 ORDER BY until DESC, id DESC LIMIT 1",
            )
            .bind(customer_id)
            .bind(on)
            .fetch_optional(pool)
            .await?)
        })
    }

    async fn lift_reminder_hold(
        &self,
        customer_id: i64,
        on: NaiveDate,
        by: &Author,
        at: DateTime<Utc>,
    ) -> Result<Recorded<Option<(NaiveDate, String)>>, StoreError> {
        let held = self.reminder_hold(customer_id, on).await?;
        let Some((until, reason)) = held.clone() else { return Ok(Recorded::New(None)) };
        let Some(ended) = on.pred_opt() else { return Ok(Recorded::New(None)) };
        let change = Change {
            action: "reminder_hold_lifted",
            customer_id: Some(customer_id),
            job_id: None,
            invoice_id: None,
            subject: format!("from {on}"),
            before: Some(format!("until {until}: {reason}")),
            after: None,
        };
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            if write_audit!(tx, DB, by, at, &change).is_none() {
                return Ok(Recorded::Already);
            }
            sqlx::query::<DB>("UPDATE reminder_holds SET until = $1 WHERE customer_id = $2 AND until >= $3")
                .bind(ended)
                .bind(customer_id)
                .bind(on)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Recorded::New(held))
        })
    }
    async fn enqueue_reminder(
        &self,
        key: &str,
        kind: &str,
        payload: &str,
        customer_id: i64,
        day: NaiveDate,
        lines: &[AskedLine],
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            let id: Option<i64> = sqlx::query_scalar::<DB, i64>(super::chat_ops::INSERT_OUTBOX)
                .bind(key)
                .bind(kind)
                .bind(payload)
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?;
            if id.is_none() {
                return Ok(false);
            }
            for l in lines {
                sqlx::query::<DB>(
                    "INSERT INTO reminder_lines (outbox_key, customer_id, day, invoice_id, stage, stage_days) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(key)
                .bind(customer_id)
                .bind(day)
                .bind(l.invoice_id)
                .bind(&l.stage)
                .bind(l.stage_days)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(true)
        })
    }

    async fn reminded(&self, customer_id: i64) -> Result<Vec<Reminded>, StoreError> {
        on!(self, read, |pool, DB| {
            let rows = sqlx::query_as::<DB, (i64, i64, NaiveDate)>(
                "SELECT l.invoice_id, CAST(MAX(l.stage_days) AS BIGINT), MAX(l.day) FROM reminder_lines l \
                 JOIN outbox o ON o.key = l.outbox_key \
                 WHERE l.customer_id = $1 AND o.status <> 'failed' GROUP BY l.invoice_id ORDER BY l.invoice_id",
            )
            .bind(customer_id)
            .fetch_all(pool)
            .await?;
            Ok(rows.into_iter().map(|(invoice_id, stage_days, day)| Reminded { invoice_id, stage_days, day }).collect())
        })
    }

    async fn set_reminder_choice(
        &self,
        customer_id: i64,
        day: NaiveDate,
        choice: &ReminderChoice,
        by: &Author,
        at: DateTime<Utc>,
    ) -> Result<Recorded<()>, StoreError> {
        let change = Change {
            action: if choice.skipped { "reminder_skipped" } else { "reminder_edited" },
            customer_id: Some(customer_id),
            job_id: None,
            invoice_id: None,
            subject: format!("reminder of {day}"),
            before: None,
            after: if choice.skipped {
                None
            } else {
                Some(format!(
                    "subject: {}; opening: {}",
                    choice.subject.as_deref().unwrap_or("as written"),
                    choice.opening.as_deref().unwrap_or("as written")
                ))
            },
        };
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            if write_audit!(tx, DB, by, at, &change).is_none() {
                return Ok(Recorded::Already);
            }
            sqlx::query::<DB>(
                "INSERT INTO reminder_choices (customer_id, day, skipped, subject, opening, set_by, set_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (customer_id, day) DO UPDATE SET \
                 skipped = excluded.skipped, subject = excluded.subject, opening = excluded.opening, \
                 set_by = excluded.set_by, set_at = excluded.set_at",
            )
            .bind(customer_id)
            .bind(day)
            .bind(choice.skipped)
            .bind(&choice.subject)
            .bind(&choice.opening)
            .bind(&by.name)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Recorded::New(()))
        })
    }

    async fn reminder_choice(&self, customer_id: i64, day: NaiveDate) -> Result<Option<ReminderChoice>, StoreError> {
        on!(self, read, |pool, DB| {
            let row = sqlx::query_as::<DB, (bool, Option<String>, Option<String>, String)>(
                "SELECT skipped, subject, opening, set_by FROM reminder_choices WHERE customer_id = $1 AND day = $2",
            )
            .bind(customer_id)
            .bind(day)
            .fetch_optional(pool)
            .await?;
            Ok(row.map(|(skipped, subject, opening, set_by)| ReminderChoice { skipped, subject, opening, set_by }))
        })
    }

    async fn add_letter(&self, l: &NewLetter, by: &Author) -> Result<Recorded<i64>, StoreError> {
        let change = Change {
            action: "letter_drafted",
            customer_id: Some(l.customer_id),
            job_id: l.job_id,
            invoice_id: None,
            subject: l.kind.noun().to_string(),
            before: None,
            after: Some(format!("{}: {} by {}", l.subject, l.amount, l.pay_by)),
        };
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            if write_audit!(tx, DB, by, l.drafted_at, &change).is_none() {
                return Ok(Recorded::Already);
            }
            let id = sqlx::query_scalar::<DB, i64>(
                "INSERT INTO letters (customer_id, job_id, kind, drafted_on, amount_minor, currency, pay_by, lien_due, \
                 subject, file_name, pdf, drafted_by, drafted_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
            )
            .bind(l.customer_id)
            .bind(l.job_id)
            .bind(l.kind.word())
            .bind(l.drafted_on)
            .bind(l.amount.minor)
            .bind(l.amount.currency.code())
            .bind(l.pay_by)
            .bind(l.lien_due)
            .bind(&l.subject)
            .bind(&l.file_name)
            .bind(&l.pdf)
            .bind(&l.drafted_by)
            .bind(l.drafted_at)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Recorded::New(id))
        })
    }

    async fn letter(&self, id: i64) -> Result<Option<Letter>, StoreError> {
        on!(self, read, |pool, DB| {
            let sql = format!("{LETTER_SELECT} WHERE l.id = $1");
            let row = sqlx::query_as::<DB, LetterRow>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?;
            Ok(row.map(Letter::from))
        })
    }

    async fn letter_pdf(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        on!(self, read, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, Vec<u8>>("SELECT pdf FROM letters WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?)
        })
    }

    async fn letters(&self, customer_id: Option<i64>, limit: i64) -> Result<Vec<Letter>, StoreError> {
        on!(self, read, |pool, DB| {
            let rows = match customer_id {
                Some(c) => {
                    let sql = format!("{LETTER_SELECT} WHERE l.customer_id = $1 ORDER BY l.id DESC LIMIT $2");
                    sqlx::query_as::<DB, LetterRow>(sqlx::AssertSqlSafe(sql))
                        .bind(c)
                        .bind(limit)
                        .fetch_all(pool)
                        .await?
                }
                None => {
                    let sql = format!("{LETTER_SELECT} ORDER BY l.id DESC LIMIT $1");
                    sqlx::query_as::<DB, LetterRow>(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(pool).await?
                }
            };
            Ok(rows.into_iter().map(Letter::from).collect())
        })
    }

    async fn record_letter_sent(
        &self,
        id: i64,
        sent: &Sent,
        note: &NewNote,
        by: &Author,
        at: DateTime<Utc>,
    ) -> Result<Recorded<Option<Sent>>, StoreError> {
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            let sql = format!("{LETTER_SELECT} WHERE l.id = $1");
            let before = sqlx::query_as::<DB, LetterRow>(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .map(Letter::from);
            // The caller has found the letter; gone since is the driver's "row not found".
            let Some(letter) = before else { return Err(StoreError::Internal(sqlx::Error::RowNotFound)) };
            let change = Change {
                action: "letter_sent",
                customer_id: Some(letter.customer_id),
                job_id: letter.job_id,
                invoice_id: None,
                subject: format!("letter {id}"),
                before: letter.sent.as_ref().map(Sent::describe),
                after: Some(sent.describe()),
            };
            if write_audit!(tx, DB, by, at, &change).is_none() {
                return Ok(Recorded::Already);
            }
            sqlx::query::<DB>(
                "UPDATE letters SET sent_on = $1, sent_how = $2, tracking = $3, sent_by = $4 WHERE id = $5",
            )
            .bind(sent.on)
            .bind(sent.how.word())
            .bind(&sent.tracking)
            .bind(&sent.by)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            insert_note!(tx, DB, note);
            tx.commit().await?;
            Ok(Recorded::New(letter.sent))
        })
    }
}

/// A field of a customer's billing contact that a person can set.
#[derive(Clone, Copy)]
enum ContactField {
    Email,
    Address,
}

impl ContactField {
    fn column(self) -> &'static str {
        match self {
            ContactField::Email => "email",
            ContactField::Address => "address",
        }
    }

    fn subject(self) -> &'static str {
        match self {
            ContactField::Email => "billing email",
            ContactField::Address => "billing address",
        }
    }
}

/// Sets one field of a customer's contact, keeping the other, with its audit entry; returns the
/// value it replaced.
async fn set_contact<S: SqlStore>(
    store: &S,
    field: ContactField,
    customer_id: i64,
    value: &str,
    source: &str,
    by: &Author,
    at: DateTime<Utc>,
) -> Result<Recorded<Option<String>>, StoreError> {
    let column = field.column();
    on!(store, write, |pool, DB| {
        let mut tx = DB::begin_write(pool).await?;
        let before = sqlx::query_scalar::<DB, Option<String>>(sqlx::AssertSqlSafe(format!(
            "SELECT {column} FROM customer_contacts WHERE customer_id = $1"
        )))
        .bind(customer_id)
        .fetch_optional(&mut *tx)
        .await?
        .flatten();
        let change = Change {
            action: "contact",
            customer_id: Some(customer_id),
            job_id: None,
            invoice_id: None,
            subject: field.subject().to_string(),
            before: before.clone(),
            after: Some(value.to_string()),
        };
        if write_audit!(tx, DB, by, at, &change).is_none() {
            return Ok(Recorded::Already);
        }
        // `column` is one of two fixed names, never text from a user.
        sqlx::query::<DB>(sqlx::AssertSqlSafe(format!(
            "INSERT INTO customer_contacts (customer_id, {column}, source, set_by, set_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (customer_id) DO UPDATE SET {column} = excluded.{column}, source = excluded.source, \
             set_by = excluded.set_by, set_at = excluded.set_at"
        )))
        .bind(customer_id)
        .bind(value)
        .bind(source)
        .bind(&by.name)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Recorded::New(before))
    })
}

/// A stored letter with its customer's and job's names.
#[derive(sqlx::FromRow)]
struct LetterRow {
    id: i64,
    customer_id: i64,
    customer_name: String,
    job_id: Option<i64>,
    job_name: Option<String>,
    kind: String,
    drafted_on: NaiveDate,
    amount_minor: i64,
    currency: String,
    pay_by: NaiveDate,
    lien_due: Option<NaiveDate>,
    subject: String,
    file_name: String,
    drafted_by: String,
    sent_on: Option<NaiveDate>,
    sent_how: Option<String>,
    tracking: Option<String>,
    sent_by: Option<String>,
}

impl From<LetterRow> for Letter {
    fn from(r: LetterRow) -> Letter {
        let sent = match (r.sent_on, r.sent_how.as_deref().and_then(SentHow::parse)) {
            (Some(on), Some(how)) => Some(Sent { on, how, tracking: r.tracking, by: r.sent_by.unwrap_or_default() }),
            _ => None,
        };
        Letter {
            id: r.id,
            customer_id: r.customer_id,
            customer_name: r.customer_name,
            job_id: r.job_id,
            job_name: r.job_name,
            kind: LetterKind::parse(&r.kind).unwrap_or(LetterKind::Demand),
            drafted_on: r.drafted_on,
            amount: Money::new(r.amount_minor, super::currency(&r.currency)),
            pay_by: r.pay_by,
            lien_due: r.lien_due,
            subject: r.subject,
            file_name: r.file_name,
            drafted_by: r.drafted_by,
            sent,
        }
    }
}

const LETTER_SELECT: &str = "SELECT l.id, l.customer_id, c.name AS customer_name, l.job_id, j.name AS job_name, l.kind, \
     l.drafted_on, l.amount_minor, l.currency, l.pay_by, l.lien_due, l.subject, l.file_name, l.drafted_by, l.sent_on, \
     l.sent_how, l.tracking, l.sent_by FROM letters l JOIN customers c ON c.id = l.customer_id \
     LEFT JOIN jobs j ON j.id = l.job_id";
