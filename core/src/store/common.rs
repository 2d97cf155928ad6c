//! The SQL both backends share. `sql_store!` expands to an `impl Store` for a backend type whose
//! `pool` field is a `sqlx::Pool<$db>`; the backend passes in what it does differently.
//!
//! Portability rules kept here: `$N` placeholders; every integer is BIGINT and every aggregate is
//! `CAST(... AS BIGINT)` (Postgres sums BIGINT into NUMERIC); booleans compared to TRUE/FALSE;
//! date arithmetic done in Rust and bound as parameters.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::ledger::{AppliedAmount, Customer, CustomerKind, Invoice, InvoiceKind, InvoiceStatus, Job, OpenItem};
use crate::ledger::{OurRole, Payment, ProjectType};
use crate::money::{Currency, Money};
use crate::source::{Entity, Record, Version};

/// Rows per multi-row statement: well under SQLite's 32,766 and Postgres' 65,535 bind limits.
pub(super) const CHUNK: usize = 500;

pub(super) fn micros(v: &Version) -> i64 {
    v.updated_at.timestamp_micros()
}

pub(super) fn currency(code: &str) -> Currency {
    Currency::parse(code).unwrap_or_default()
}

/// Keeps the newest version of each external id in a page (a page may repeat a record).
pub(super) fn newest<T>(items: Vec<&T>, key: impl Fn(&T) -> (&str, Version)) -> Vec<&T> {
    let mut best: HashMap<&str, (usize, Version)> = HashMap::new();
    for (i, it) in items.iter().enumerate() {
        let (k, v) = key(it);
        match best.get(k) {
            Some((_, bv)) if *bv > v => {}
            _ => {
                best.insert(k, (i, v));
            }
        }
    }
    let mut keep: Vec<usize> = best.values().map(|(i, _)| *i).collect();
    keep.sort_unstable();
    keep.into_iter().map(|i| items[i]).collect()
}

/// Records of one kind, split out of a page.
#[derive(Default)]
pub(super) struct Split<'a> {
    pub customers: Vec<&'a crate::source::CustomerRecord>,
    pub jobs: Vec<&'a crate::source::JobRecord>,
    pub invoices: Vec<&'a crate::source::InvoiceRecord>,
    pub memos: Vec<&'a crate::source::CreditMemoRecord>,
    pub payments: Vec<&'a crate::source::PaymentRecord>,
    pub deletions: Vec<&'a crate::source::Deletion>,
}

pub(super) fn split(records: &[Record]) -> Split<'_> {
    let mut s = Split::default();
    for r in records {
        match r {
            Record::Customer(c) => s.customers.push(c),
            Record::Job(j) => s.jobs.push(j),
            Record::Invoice(i) => s.invoices.push(i),
            Record::CreditMemo(m) => s.memos.push(m),
            Record::Payment(p) => s.payments.push(p),
            Record::Deleted(d) => s.deletions.push(d),
        }
    }
    s.customers = newest(s.customers, |c| (&c.external_id, c.version));
    s.jobs = newest(s.jobs, |j| (&j.external_id, j.version));
    s.invoices = newest(s.invoices, |i| (&i.external_id, i.version));
    s.memos = newest(s.memos, |m| (&m.external_id, m.version));
    s.payments = newest(s.payments, |p| (&p.external_id, p.version));
    s
}

pub(super) fn table_of(entity: Entity) -> &'static str {
    match entity {
        Entity::Customer => "customers",
        Entity::Job => "jobs",
        Entity::Invoice => "invoices",
        Entity::CreditMemo => "credit_memos",
        Entity::Payment => "payments",
    }
}

/// The WHERE clause of every versioned upsert: newer wins; on a tie, the higher sequence; on a
/// full tie, only different content.
pub(super) fn newer_than(table: &str) -> String {
    format!(
        " WHERE excluded.src_updated_at > {t}.src_updated_at \
           OR (excluded.src_updated_at = {t}.src_updated_at AND excluded.src_seq > {t}.src_seq) \
           OR (excluded.src_updated_at = {t}.src_updated_at AND excluded.src_seq = {t}.src_seq \
               AND excluded.content_hash <> {t}.content_hash)",
        t = table
    )
}

/// A stored record's version and content, read before a chunk is written.
#[derive(sqlx::FromRow)]
pub(super) struct Stored {
    pub external_id: String,
    pub src_updated_at: i64,
    pub src_seq: i64,
    pub content_hash: i64,
    /// An invoice that was open (what a sync that pays it off counts as closed).
    pub was_open: bool,
}

/// The expression `stored_versions` reads as [`Stored::was_open`] from `table`.
pub(super) fn was_open(table: &str) -> &'static str {
    if table == "invoices" { "status = 'open'" } else { "FALSE" }
}

/// An invoice's stored status: void, open while something is owed, else paid.
pub(super) fn invoice_status(i: &crate::source::InvoiceRecord) -> &'static str {
    if i.voided {
        "void"
    } else if i.balance_minor > 0 {
        "open"
    } else {
        "paid"
    }
}

/// Decides what to do with an incoming record and counts it: `true` when it must be written
/// (new; changed; or a newer version of the same content, whose version must still advance so a
/// stale copy cannot later overwrite it).
pub(super) fn plan(stored: Option<&Stored>, version: &Version, hash: i64, stats: &mut super::PageStats) -> bool {
    let Some(s) = stored else {
        stats.new += 1;
        return true;
    };
    let incoming = (micros(version), version.seq);
    let held = (s.src_updated_at, s.src_seq);
    if incoming < held || (incoming == held && hash == s.content_hash) {
        stats.unchanged += 1;
        return false;
    }
    if hash == s.content_hash {
        stats.unchanged += 1;
    } else {
        stats.updated += 1;
    }
    true
}

#[derive(sqlx::FromRow)]
pub(super) struct IdRow {
    pub external_id: String,
    pub id: i64,
}

#[derive(sqlx::FromRow)]
pub(super) struct CustomerRow {
    pub id: i64,
    pub source: String,
    pub external_id: String,
    pub name: String,
    pub kind: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub terms_days: Option<i64>,
    pub pm: Option<String>,
    pub active: bool,
}

impl From<CustomerRow> for Customer {
    fn from(r: CustomerRow) -> Customer {
        Customer {
            id: r.id,
            source: r.source,
            external_id: r.external_id,
            name: r.name,
            kind: CustomerKind::parse(&r.kind).unwrap_or(CustomerKind::Other),
            email: r.email,
            phone: r.phone,
            terms_days: r.terms_days,
            pm: r.pm,
            active: r.active,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct JobRow {
    pub id: i64,
    pub customer_id: i64,
    pub name: String,
    pub city: Option<String>,
    pub county: Option<String>,
    pub state: Option<String>,
    pub project_type: Option<String>,
    pub our_role: Option<String>,
    pub owner_name: Option<String>,
    pub gc_name: Option<String>,
    pub pm: Option<String>,
    pub first_furnished: Option<NaiveDate>,
    pub last_furnished: Option<NaiveDate>,
    pub noc_recorded: Option<NaiveDate>,
    pub noc_expires: Option<NaiveDate>,
    pub retainage_bp: i64,
}

#[derive(sqlx::FromRow)]
pub(super) struct JobListRow {
    #[sqlx(flatten)]
    pub job: JobRow,
    pub customer_name: String,
}

impl From<JobRow> for Job {
    fn from(r: JobRow) -> Job {
        Job {
            id: r.id,
            customer_id: r.customer_id,
            name: r.name,
            city: r.city,
            county: r.county,
            state: r.state,
            project_type: r.project_type.as_deref().and_then(ProjectType::parse),
            role: r.our_role.as_deref().and_then(OurRole::parse),
            owner_name: r.owner_name,
            gc_name: r.gc_name,
            pm: r.pm,
            first_furnished: r.first_furnished,
            last_furnished: r.last_furnished,
            noc_recorded: r.noc_recorded,
            noc_expires: r.noc_expires,
            retainage_bp: r.retainage_bp,
        }
    }
}

pub(super) const INVOICE_SELECT: &str = "SELECT i.id, i.source, i.external_id, i.number, i.customer_id, \
    c.name AS customer_name, i.job_id, j.name AS job_name, COALESCE(j.pm, c.pm) AS pm, i.kind, i.status, \
    i.issued, i.due, i.currency, i.total_minor, i.balance_minor, i.retainage_minor, i.memo \
    FROM invoices i JOIN customers c ON c.id = i.customer_id LEFT JOIN jobs j ON j.id = i.job_id ";

#[derive(sqlx::FromRow)]
pub(super) struct InvoiceRow {
    pub id: i64,
    pub source: String,
    pub external_id: String,
    pub number: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub job_id: Option<i64>,
    pub job_name: Option<String>,
    pub pm: Option<String>,
    pub kind: String,
    pub status: String,
    pub issued: NaiveDate,
    pub due: NaiveDate,
    pub currency: String,
    pub total_minor: i64,
    pub balance_minor: i64,
    pub retainage_minor: i64,
    pub memo: Option<String>,
}

impl From<InvoiceRow> for Invoice {
    fn from(r: InvoiceRow) -> Invoice {
        let cur = currency(&r.currency);
        Invoice {
            id: r.id,
            source: r.source,
            external_id: r.external_id,
            number: r.number,
            customer_id: r.customer_id,
            customer_name: r.customer_name,
            job_id: r.job_id,
            job_name: r.job_name,
            pm: r.pm,
            kind: InvoiceKind::parse(&r.kind).unwrap_or(InvoiceKind::Progress),
            status: InvoiceStatus::parse(&r.status).unwrap_or(InvoiceStatus::Open),
            issued: r.issued,
            due: r.due,
            total: Money::new(r.total_minor, cur),
            balance: Money::new(r.balance_minor, cur),
            retainage: Money::new(r.retainage_minor, cur),
            memo: r.memo,
        }
    }
}

/// Open items. The historical form takes the as-of date as `$1`; `{customer}` becomes a customer filter or nothing
/// (two statements rather than `$2 = 0 OR ...`, which would keep the planner off the index).
pub(super) fn open_items_sql(historical: bool, one_customer: bool) -> String {
    // The customer is the first parameter of the current form and the second of the historical one.
    let customer = match (one_customer, historical) {
        (false, _) => "",
        (true, false) => "AND i.customer_id = $1",
        (true, true) => "AND i.customer_id = $2",
    };
    let columns = "i.id AS invoice_id, i.number, i.customer_id, c.name AS customer_name, i.job_id, \
        j.name AS job_name, COALESCE(j.pm, c.pm) AS pm, i.kind, i.issued, i.due, i.currency, i.total_minor, \
        i.retainage_minor, CAST(CASE WHEN EXISTS (SELECT 1 FROM disputes d WHERE d.invoice_id = i.id \
        AND d.resolved_at IS NULL) THEN 1 ELSE 0 END AS BIGINT) AS disputed";
    let from = "FROM invoices i JOIN customers c ON c.id = i.customer_id LEFT JOIN jobs j ON j.id = i.job_id";
    if !historical {
        // No date condition here: an index on the invoice date would tempt SQLite away from the
        // small partial index of open invoices. Invoices dated after `$1` are dropped by the caller.
        return format!(
            "SELECT {columns}, i.balance_minor FROM invoices i \
             JOIN customers c ON c.id = i.customer_id LEFT JOIN jobs j ON j.id = i.job_id \
             WHERE i.balance_minor > 0 AND i.status = 'open' {customer} ORDER BY i.due, i.id"
        );
    }
    // Open on a past date: open now, or paid by something applied after that date. Only those
    // few invoices get their balance rebuilt from the applications since.
    format!(
        "SELECT * FROM (SELECT {columns}, CAST(i.balance_minor + COALESCE((SELECT SUM(a.amount_minor) \
             FROM applications a WHERE a.invoice_id = i.id AND a.applied_on > $1), 0) AS BIGINT) AS balance_minor \
         {from} WHERE i.issued <= $1 AND i.status IN ('open', 'paid') {customer} \
           AND ((i.balance_minor > 0 AND i.status = 'open') \
                OR i.id IN (SELECT a.invoice_id FROM applications a WHERE a.applied_on > $1))) t \
         WHERE t.balance_minor > 0 ORDER BY t.due, t.invoice_id"
    )
}

#[derive(sqlx::FromRow)]
pub(super) struct OpenItemRow {
    pub invoice_id: i64,
    pub number: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub job_id: Option<i64>,
    pub job_name: Option<String>,
    pub pm: Option<String>,
    pub kind: String,
    pub issued: NaiveDate,
    pub due: NaiveDate,
    pub currency: String,
    pub total_minor: i64,
    pub balance_minor: i64,
    pub retainage_minor: i64,
    pub disputed: i64,
}

impl From<OpenItemRow> for OpenItem {
    fn from(r: OpenItemRow) -> OpenItem {
        let cur = currency(&r.currency);
        OpenItem {
            invoice_id: r.invoice_id,
            number: r.number,
            customer_id: r.customer_id,
            customer_name: r.customer_name,
            job_id: r.job_id,
            job_name: r.job_name,
            pm: r.pm,
            kind: InvoiceKind::parse(&r.kind).unwrap_or(InvoiceKind::Progress),
            issued: r.issued,
            due: r.due,
            total: Money::new(r.total_minor, cur),
            balance: Money::new(r.balance_minor, cur),
            retainage: Money::new(r.retainage_minor, cur),
            disputed: r.disputed != 0,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ApplicationRow {
    pub payment_id: i64,
    pub payment_reference: Option<String>,
    pub invoice_id: Option<i64>,
    pub invoice_number: Option<String>,
    pub applied_on: NaiveDate,
    pub currency: String,
    pub amount_minor: i64,
    pub credit_memo_number: Option<String>,
}

impl From<ApplicationRow> for AppliedAmount {
    fn from(r: ApplicationRow) -> AppliedAmount {
        AppliedAmount {
            payment_id: Some(r.payment_id),
            payment_reference: r.payment_reference,
            invoice_id: r.invoice_id,
            invoice_number: r.invoice_number,
            applied_on: r.applied_on,
            amount: Money::new(r.amount_minor, currency(&r.currency)),
            credit_memo_number: r.credit_memo_number,
        }
    }
}

pub(super) const APPLICATION_SELECT: &str = "SELECT a.payment_id, p.reference AS payment_reference, a.invoice_id, \
    i.number AS invoice_number, a.applied_on, p.currency, a.amount_minor, m.number AS credit_memo_number \
    FROM applications a JOIN payments p ON p.id = a.payment_id \
    LEFT JOIN invoices i ON i.id = a.invoice_id \
    LEFT JOIN credit_memos m ON m.source = a.source AND m.external_id = a.credit_memo_ext ";

#[derive(sqlx::FromRow)]
pub(super) struct PaymentRow {
    pub id: i64,
    pub customer_id: i64,
    pub received: NaiveDate,
    pub currency: String,
    pub amount_minor: i64,
    pub unapplied_minor: i64,
    pub method: Option<String>,
    pub reference: Option<String>,
}

impl PaymentRow {
    pub(super) fn into_payment(self, applications: Vec<AppliedAmount>) -> Payment {
        let cur = currency(&self.currency);
        Payment {
            id: self.id,
            customer_id: self.customer_id,
            received: self.received,
            amount: Money::new(self.amount_minor, cur),
            unapplied: Money::new(self.unapplied_minor, cur),
            method: self.method,
            reference: self.reference,
            applications,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct NoteRow {
    pub id: i64,
    pub customer_id: i64,
    pub invoice_id: Option<i64>,
    pub kind: String,
    pub body: String,
    pub author: String,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
pub(super) struct PromiseRow {
    pub id: i64,
    pub customer_id: i64,
    pub amount_minor: i64,
    pub currency: String,
    pub promised_for: NaiveDate,
    pub status: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
pub(super) struct SyncRunRow {
    pub id: i64,
    pub source: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status: String,
    pub detail: Option<String>,
}

/// The columns of an escalation, in [`EscalationRow`]'s order.
pub(super) const ESCALATION_SELECT: &str = "SELECT id, customer_id, job_id, title, reason, pm, status, opened_by, \
    opened_at, channel_id, message_id, thread_id, thread_message_id, acked_by, acked_at, snoozed_until, resolved_by, \
    resolved_at FROM escalations";

#[derive(sqlx::FromRow)]
pub(super) struct EscalationRow {
    pub id: i64,
    pub customer_id: i64,
    pub job_id: Option<i64>,
    pub title: String,
    pub reason: String,
    pub pm: Option<String>,
    pub status: String,
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
    pub channel_id: Option<String>,
    pub message_id: Option<String>,
    pub thread_id: Option<String>,
    pub thread_message_id: Option<String>,
    pub acked_by: Option<String>,
    pub acked_at: Option<DateTime<Utc>>,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
}

impl From<EscalationRow> for crate::escalation::Escalation {
    fn from(r: EscalationRow) -> Self {
        crate::escalation::Escalation {
            id: r.id,
            customer_id: r.customer_id,
            job_id: r.job_id,
            title: r.title,
            reason: r.reason,
            pm: r.pm,
            status: crate::escalation::EscalationStatus::parse(&r.status)
                .unwrap_or(crate::escalation::EscalationStatus::Open),
            opened_by: r.opened_by,
            opened_at: r.opened_at,
            channel_id: r.channel_id,
            message_id: r.message_id,
            thread_id: r.thread_id,
            thread_message_id: r.thread_message_id,
            acked_by: r.acked_by,
            acked_at: r.acked_at,
            snoozed_until: r.snoozed_until,
            resolved_by: r.resolved_by,
            resolved_at: r.resolved_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct OutboxRow {
    pub id: i64,
    pub key: String,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
    pub result: Option<String>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<OutboxRow> for crate::outbox::OutboxItem {
    fn from(r: OutboxRow) -> Self {
        crate::outbox::OutboxItem {
            id: r.id,
            key: r.key,
            kind: r.kind,
            payload: r.payload,
            attempts: r.attempts,
            result: r.result,
            last_error: r.last_error,
            created_at: r.created_at,
        }
    }
}

/// Escapes LIKE wildcards in user text (with `ESCAPE '\'`).
pub(super) fn like_pattern(needle: &str) -> String {
    let mut out = String::from("%");
    for c in needle.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Expands to `impl Store for $store`, which reads through `pool` and writes through `writer`
/// (both `sqlx::Pool<$db>`; on SQLite the writer is a single connection). `$specific` holds the
/// backend's own methods (`backend`, `migrate`).
macro_rules! sql_store {
    ($store:ty, $db:ty, { $($specific:tt)* }) => {
        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            $($specific)*

            async fn watermark(&self, source: &str, entity: $crate::source::Entity)
                -> Result<Option<String>, $crate::store::StoreError> {
                Ok(sqlx::query_scalar::<$db, String>(
                    "SELECT watermark FROM sync_watermarks WHERE source = $1 AND entity = $2")
                    .bind(source).bind(entity.as_str())
                    .fetch_optional(&self.pool).await?)
            }

            async fn start_sync_run(&self, source: &str, at: chrono::DateTime<chrono::Utc>)
                -> Result<i64, $crate::store::StoreError> {
                Ok(sqlx::query_scalar::<$db, i64>(
                    "INSERT INTO sync_runs (source, started_at, status) VALUES ($1, $2, 'running') RETURNING id")
                    .bind(source).bind(at)
                    .fetch_one(&self.writer).await?)
            }

            async fn finish_sync_run(&self, run: i64, at: chrono::DateTime<chrono::Utc>, status: &str,
                detail: Option<&str>) -> Result<(), $crate::store::StoreError> {
                sqlx::query::<$db>("UPDATE sync_runs SET finished_at = $2, status = $3, detail = $4 WHERE id = $1")
                    .bind(run).bind(at).bind(status).bind(detail)
                    .execute(&self.writer).await?;
                Ok(())
            }

            async fn last_sync_run(&self, source: &str)
                -> Result<Option<$crate::store::SyncRun>, $crate::store::StoreError> {
                let row = sqlx::query_as::<$db, $crate::store::common::SyncRunRow>(
                    "SELECT id, source, started_at, finished_at, status, detail FROM sync_runs \
                     WHERE source = $1 ORDER BY id DESC LIMIT 1")
                    .bind(source).fetch_optional(&self.pool).await?;
                Ok(row.map(|r| $crate::store::SyncRun {
                    id: r.id, source: r.source, started_at: r.started_at, finished_at: r.finished_at,
                    status: r.status, detail: r.detail,
                }))
            }

            async fn apply_page(&self, run: i64, source: &str, entity: $crate::source::Entity,
                records: &[$crate::source::Record], watermark: Option<&str>)
                -> Result<$crate::store::PageStats, $crate::store::StoreError> {
                use $crate::store::common::*;
                use sqlx::QueryBuilder;
                let page = split(records);
                let mut stats = $crate::store::PageStats::default();
                let mut tx = self.writer.begin().await?;
                Self::prepare_page_tx(&mut tx).await?;

                // Each chunk: read what is stored for its keys, decide per record (new, changed,
                // version bump, stale or identical), and write only what must be written. The
                // upsert keeps its own newer-version guard, so a concurrent writer cannot slip a
                // stale row in between.
                for chunk in page.customers.chunks(CHUNK) {
                    let keys: Vec<&str> = chunk.iter().map(|c| c.external_id.as_str()).collect();
                    let have = Self::stored_versions(&mut tx, "customers", source, &keys).await?;
                    let write: Vec<_> = chunk.iter().filter_map(|c| {
                        let h = $crate::store::content_hash(&(&c.name, c.kind, &c.email, &c.phone, c.terms_days, &c.pm, c.active));
                        plan(have.get(&c.external_id), &c.version, h, &mut stats).then_some((*c, h))
                    }).collect();
                    if write.is_empty() {
                        continue;
                    }
                    let mut qb = QueryBuilder::<$db>::new(
                        "INSERT INTO customers (source, external_id, name, kind, email, phone, terms_days, pm, \
                         active, src_updated_at, src_seq, content_hash, deleted) ");
                    qb.push_values(&write, |mut b, (c, h)| {
                        b.push_bind(source).push_bind(&c.external_id).push_bind(&c.name).push_bind(c.kind.as_str())
                            .push_bind(&c.email).push_bind(&c.phone).push_bind(c.terms_days).push_bind(&c.pm)
                            .push_bind(c.active).push_bind(micros(&c.version)).push_bind(c.version.seq)
                            .push_bind(*h).push_bind(false);
                    });
                    qb.push(" ON CONFLICT (source, external_id) DO UPDATE SET name = excluded.name, \
                        kind = excluded.kind, email = excluded.email, phone = excluded.phone, \
                        terms_days = excluded.terms_days, pm = excluded.pm, active = excluded.active, \
                        src_updated_at = excluded.src_updated_at, src_seq = excluded.src_seq, \
                        content_hash = excluded.content_hash, deleted = FALSE");
                    qb.push(newer_than("customers"));
                    qb.build().execute(&mut *tx).await?;
                }

                // Parents referenced by this page but not (yet) in the store get a placeholder,
                // so no record is dropped; the real record overwrites it when it arrives.
                let mut wanted: Vec<&str> = page.jobs.iter().map(|j| j.customer_external_id.as_str())
                    .chain(page.invoices.iter().map(|i| i.customer_external_id.as_str()))
                    .chain(page.memos.iter().map(|m| m.customer_external_id.as_str()))
                    .chain(page.payments.iter().map(|p| p.customer_external_id.as_str()))
                    .collect();
                wanted.sort_unstable();
                wanted.dedup();
                let customer_ids = Self::ensure_customers(&mut tx, source, &wanted).await?;
                let customer_id = |ext: &str| customer_ids.get(ext).copied().unwrap_or_default();

                for chunk in page.jobs.chunks(CHUNK) {
                    let keys: Vec<&str> = chunk.iter().map(|j| j.external_id.as_str()).collect();
                    let have = Self::stored_versions(&mut tx, "jobs", source, &keys).await?;
                    let write: Vec<_> = chunk.iter().filter_map(|j| {
                        let h = $crate::store::content_hash(&((&j.customer_external_id, &j.name, &j.city, &j.county, &j.state,
                            j.project_type, j.role, &j.owner_name), (&j.gc_name, &j.pm, j.first_furnished, j.last_furnished,
                            j.noc_recorded, j.noc_expires, j.retainage_bp)));
                        plan(have.get(&j.external_id), &j.version, h, &mut stats).then_some((*j, h))
                    }).collect();
                    if write.is_empty() {
                        continue;
                    }
                    let mut qb = QueryBuilder::<$db>::new(
                        "INSERT INTO jobs (source, external_id, customer_id, name, city, county, state, project_type, \
                         our_role, owner_name, gc_name, pm, first_furnished, last_furnished, noc_recorded, noc_expires, \
                         retainage_bp, src_updated_at, src_seq, content_hash, deleted) ");
                    qb.push_values(&write, |mut b, (j, h)| {
                        b.push_bind(source).push_bind(&j.external_id).push_bind(customer_id(&j.customer_external_id))
                            .push_bind(&j.name).push_bind(&j.city).push_bind(&j.county).push_bind(&j.state)
                            .push_bind(j.project_type.map(|p| p.as_str())).push_bind(j.role.map(|r| r.as_str()))
                            .push_bind(&j.owner_name).push_bind(&j.gc_name).push_bind(&j.pm)
                            .push_bind(j.first_furnished).push_bind(j.last_furnished).push_bind(j.noc_recorded)
                            .push_bind(j.noc_expires).push_bind(j.retainage_bp)
                            .push_bind(micros(&j.version)).push_bind(j.version.seq)
                            .push_bind(*h).push_bind(false);
                    });
                    qb.push(" ON CONFLICT (source, external_id) DO UPDATE SET customer_id = excluded.customer_id, \
                        name = excluded.name, city = excluded.city, county = excluded.county, state = excluded.state, \
                        project_type = excluded.project_type, our_role = excluded.our_role, \
                        owner_name = excluded.owner_name, gc_name = excluded.gc_name, pm = excluded.pm, \
                        first_furnished = excluded.first_furnished, last_furnished = excluded.last_furnished, \
                        noc_recorded = excluded.noc_recorded, noc_expires = excluded.noc_expires, \
                        retainage_bp = excluded.retainage_bp, src_updated_at = excluded.src_updated_at, \
                        src_seq = excluded.src_seq, content_hash = excluded.content_hash, deleted = FALSE");
                    qb.push(newer_than("jobs"));
                    qb.build().execute(&mut *tx).await?;
                }

                let mut job_exts: Vec<&str> = page.invoices.iter().filter_map(|i| i.job_external_id.as_deref()).collect();
                job_exts.sort_unstable();
                job_exts.dedup();
                let job_ids = Self::ids_of(&mut tx, "jobs", source, &job_exts).await?;
                let mut invoices_written = false;
                for chunk in page.invoices.chunks(CHUNK) {
                    let keys: Vec<&str> = chunk.iter().map(|i| i.external_id.as_str()).collect();
                    let have = Self::stored_versions(&mut tx, "invoices", source, &keys).await?;
                    let write: Vec<_> = chunk.iter().filter_map(|i| {
                        let h = $crate::store::content_hash(&((&i.customer_external_id, &i.job_external_id, &i.number, i.kind,
                            i.voided, i.issued, i.due, i.currency), (i.total_minor, i.balance_minor, i.retainage_minor, &i.memo)));
                        let before = (stats.new, stats.updated);
                        let stored = have.get(&i.external_id);
                        let go = plan(stored, &i.version, h, &mut stats);
                        if i.voided && (stats.new, stats.updated) != before {
                            stats.voided += 1;
                        }
                        if go && stored.is_some_and(|s| s.was_open) && invoice_status(i) == "paid" {
                            stats.closed += 1;
                        }
                        go.then_some((*i, h))
                    }).collect();
                    if write.is_empty() {
                        continue;
                    }
                    invoices_written = true;
                    let mut qb = QueryBuilder::<$db>::new(
                        "INSERT INTO invoices (source, external_id, customer_id, job_id, number, kind, status, issued, due, \
                         currency, total_minor, balance_minor, retainage_minor, memo, src_updated_at, src_seq, \
                         content_hash) ");
                    qb.push_values(&write, |mut b, (i, h)| {
                        b.push_bind(source).push_bind(&i.external_id).push_bind(customer_id(&i.customer_external_id))
                            .push_bind(i.job_external_id.as_deref().and_then(|j| job_ids.get(j)).copied())
                            .push_bind(&i.number).push_bind(i.kind.as_str()).push_bind(invoice_status(i))
                            .push_bind(i.issued).push_bind(i.due).push_bind(i.currency.code().to_string())
                            .push_bind(i.total_minor).push_bind(i.balance_minor).push_bind(i.retainage_minor)
                            .push_bind(&i.memo).push_bind(micros(&i.version)).push_bind(i.version.seq)
                            .push_bind(*h);
                    });
                    qb.push(" ON CONFLICT (source, external_id) DO UPDATE SET customer_id = excluded.customer_id, \
                        job_id = excluded.job_id, number = excluded.number, kind = excluded.kind, \
                        status = excluded.status, issued = excluded.issued, due = excluded.due, \
                        currency = excluded.currency, total_minor = excluded.total_minor, \
                        balance_minor = excluded.balance_minor, retainage_minor = excluded.retainage_minor, \
                        memo = excluded.memo, src_updated_at = excluded.src_updated_at, src_seq = excluded.src_seq, \
                        content_hash = excluded.content_hash");
                    qb.push(newer_than("invoices"));
                    qb.build().execute(&mut *tx).await?;
                }
                if invoices_written {
                    // Applications that arrived before their invoice now find it.
                    sqlx::query::<$db>("UPDATE applications SET invoice_id = (SELECT i.id FROM invoices i \
                        WHERE i.source = applications.source AND i.external_id = applications.invoice_ext) \
                        WHERE invoice_id IS NULL AND source = $1")
                        // Unnamed, so Postgres plans it against the partial index every time rather
                        // than keep a full-scan plan made while the table was empty.
                        .persistent(false)
                        .bind(source).execute(&mut *tx).await?;
                }

                for chunk in page.memos.chunks(CHUNK) {
                    let keys: Vec<&str> = chunk.iter().map(|m| m.external_id.as_str()).collect();
                    let have = Self::stored_versions(&mut tx, "credit_memos", source, &keys).await?;
                    let write: Vec<_> = chunk.iter().filter_map(|m| {
                        let h = $crate::store::content_hash(&(&m.customer_external_id, &m.number, m.issued, m.currency,
                            m.total_minor, m.remaining_minor));
                        plan(have.get(&m.external_id), &m.version, h, &mut stats).then_some((*m, h))
                    }).collect();
                    if write.is_empty() {
                        continue;
                    }
                    let mut qb = QueryBuilder::<$db>::new(
                        "INSERT INTO credit_memos (source, external_id, customer_id, number, issued, currency, \
                         total_minor, remaining_minor, src_updated_at, src_seq, content_hash, deleted) ");
                    qb.push_values(&write, |mut b, (m, h)| {
                        b.push_bind(source).push_bind(&m.external_id).push_bind(customer_id(&m.customer_external_id))
                            .push_bind(&m.number).push_bind(m.issued).push_bind(m.currency.code().to_string())
                            .push_bind(m.total_minor).push_bind(m.remaining_minor)
                            .push_bind(micros(&m.version)).push_bind(m.version.seq)
                            .push_bind(*h).push_bind(false);
                    });
                    qb.push(" ON CONFLICT (source, external_id) DO UPDATE SET customer_id = excluded.customer_id, \
                        number = excluded.number, issued = excluded.issued, currency = excluded.currency, \
                        total_minor = excluded.total_minor, remaining_minor = excluded.remaining_minor, \
                        src_updated_at = excluded.src_updated_at, src_seq = excluded.src_seq, \
                        content_hash = excluded.content_hash, deleted = FALSE");
                    qb.push(newer_than("credit_memos"));
                    qb.build().execute(&mut *tx).await?;
                }

                // Payments, and their applications replaced as a whole where the content changed.
                for chunk in page.payments.chunks(CHUNK) {
                    let keys: Vec<&str> = chunk.iter().map(|p| p.external_id.as_str()).collect();
                    let have = Self::stored_versions(&mut tx, "payments", source, &keys).await?;
                    let mut replace_lines: Vec<&$crate::source::PaymentRecord> = Vec::new();
                    let write: Vec<_> = chunk.iter().filter_map(|p| {
                        let apps: Vec<_> = p.applications.iter()
                            .map(|a| (&a.invoice_external_id, a.amount_minor, &a.credit_memo_external_id)).collect();
                        let h = $crate::store::content_hash(&(&p.customer_external_id, p.received, p.currency, p.amount_minor,
                            p.unapplied_minor, &p.method, &p.reference, apps));
                        let stored = have.get(&p.external_id);
                        let go = plan(stored, &p.version, h, &mut stats);
                        if go && stored.is_none_or(|s| s.content_hash != h) {
                            replace_lines.push(*p);
                        }
                        go.then_some((*p, h))
                    }).collect();
                    if write.is_empty() {
                        continue;
                    }
                    let mut qb = QueryBuilder::<$db>::new(
                        "INSERT INTO payments (source, external_id, customer_id, received, currency, amount_minor, \
                         unapplied_minor, method, reference, src_updated_at, src_seq, content_hash, deleted) ");
                    qb.push_values(&write, |mut b, (p, h)| {
                        b.push_bind(source).push_bind(&p.external_id).push_bind(customer_id(&p.customer_external_id))
                            .push_bind(p.received).push_bind(p.currency.code().to_string())
                            .push_bind(p.amount_minor).push_bind(p.unapplied_minor).push_bind(&p.method)
                            .push_bind(&p.reference).push_bind(micros(&p.version)).push_bind(p.version.seq)
                            .push_bind(*h).push_bind(false);
                    });
                    qb.push(" ON CONFLICT (source, external_id) DO UPDATE SET customer_id = excluded.customer_id, \
                        received = excluded.received, currency = excluded.currency, amount_minor = excluded.amount_minor, \
                        unapplied_minor = excluded.unapplied_minor, method = excluded.method, \
                        reference = excluded.reference, src_updated_at = excluded.src_updated_at, \
                        src_seq = excluded.src_seq, content_hash = excluded.content_hash, deleted = FALSE");
                    qb.push(newer_than("payments"));
                    qb.build().execute(&mut *tx).await?;
                    if replace_lines.is_empty() {
                        continue;
                    }
                    let payment_ids = Self::ids_of(&mut tx, "payments", source,
                        &replace_lines.iter().map(|p| p.external_id.as_str()).collect::<Vec<_>>()).await?;
                    // Also for payments this page saw as new: a concurrent sync of the same
                    // source may have written them (and their lines) since they were read.
                    let mut del = QueryBuilder::<$db>::new("DELETE FROM applications WHERE payment_id IN (");
                    let mut sep = del.separated(", ");
                    for p in &replace_lines {
                        sep.push_bind(payment_ids.get(&p.external_id).copied().unwrap_or_default());
                    }
                    sep.push_unseparated(")");
                    del.build().execute(&mut *tx).await?;
                    let mut invoice_exts: Vec<&str> = replace_lines.iter()
                        .flat_map(|p| p.applications.iter().map(|a| a.invoice_external_id.as_str())).collect();
                    invoice_exts.sort_unstable();
                    invoice_exts.dedup();
                    let invoice_ids = Self::ids_of(&mut tx, "invoices", source, &invoice_exts).await?;
                    let lines: Vec<(i64, usize, &$crate::source::ApplicationRecord, chrono::NaiveDate)> = replace_lines.iter()
                        .filter_map(|p| payment_ids.get(&p.external_id).map(|id| (*id, *p)))
                        .flat_map(|(id, p)| p.applications.iter().enumerate().map(move |(n, a)| (id, n, a, p.received)))
                        .collect();
                    for lines in lines.chunks(CHUNK) {
                        let mut qb = QueryBuilder::<$db>::new(
                            "INSERT INTO applications (payment_id, line, source, invoice_ext, invoice_id, credit_memo_ext, \
                             applied_on, amount_minor) ");
                        qb.push_values(lines, |mut b, (pid, n, a, on)| {
                            b.push_bind(*pid).push_bind(*n as i64).push_bind(source).push_bind(&a.invoice_external_id)
                                .push_bind(invoice_ids.get(&a.invoice_external_id).copied())
                                .push_bind(&a.credit_memo_external_id).push_bind(*on).push_bind(a.amount_minor);
                        });
                        qb.build().execute(&mut *tx).await?;
                    }
                }

                // Deletions: a record is gone only if the deletion is not older than what we hold.
                for d in &page.deletions {
                    let table = table_of(d.entity);
                    let sql = match d.entity {
                        $crate::source::Entity::Invoice => format!("UPDATE {table} SET status = 'deleted', \
                            src_updated_at = $3, src_seq = $4 WHERE source = $1 AND external_id = $2 \
                            AND status <> 'deleted' AND src_updated_at <= $3 RETURNING id"),
                        _ => format!("UPDATE {table} SET deleted = TRUE, src_updated_at = $3, src_seq = $4 \
                            WHERE source = $1 AND external_id = $2 AND deleted = FALSE AND src_updated_at <= $3 RETURNING id"),
                    };
                    let gone: Option<i64> = sqlx::query_scalar::<$db, i64>(sqlx::AssertSqlSafe(sql))
                        .bind(source).bind(&d.external_id).bind(micros(&d.version)).bind(d.version.seq)
                        .fetch_optional(&mut *tx).await?;
                    match gone {
                        Some(id) => {
                            stats.deleted += 1;
                            if d.entity == $crate::source::Entity::Payment {
                                sqlx::query::<$db>("DELETE FROM applications WHERE payment_id = $1")
                                    .bind(id).execute(&mut *tx).await?;
                            }
                        }
                        None => stats.unchanged += 1,
                    }
                }

                if let Some(wm) = watermark {
                    sqlx::query::<$db>("INSERT INTO sync_watermarks (source, entity, watermark, run_id) \
                        VALUES ($1, $2, $3, $4) ON CONFLICT (source, entity) DO UPDATE \
                        SET watermark = excluded.watermark, run_id = excluded.run_id")
                        .bind(source).bind(entity.as_str()).bind(wm).bind(run)
                        .execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(stats)
            }

            async fn counts(&self) -> Result<$crate::store::LedgerCounts, $crate::store::StoreError> {
                let (customers, jobs, invoices, open_invoices, payments): (i64, i64, i64, i64, i64) =
                    sqlx::query_as::<$db, _>("SELECT \
                        (SELECT COUNT(*) FROM customers WHERE deleted = FALSE), \
                        (SELECT COUNT(*) FROM jobs WHERE deleted = FALSE), \
                        (SELECT COUNT(*) FROM invoices WHERE status <> 'deleted'), \
                        (SELECT COUNT(*) FROM invoices WHERE status = 'open' AND balance_minor > 0), \
                        (SELECT COUNT(*) FROM payments WHERE deleted = FALSE)")
                    .fetch_one(&self.pool).await?;
                Ok($crate::store::LedgerCounts { customers, jobs, invoices, open_invoices, payments })
            }

            async fn id_for(&self, entity: $crate::source::Entity, source: &str, external_id: &str)
                -> Result<Option<i64>, $crate::store::StoreError> {
                let sql = format!("SELECT id FROM {} WHERE source = $1 AND external_id = $2",
                    $crate::store::common::table_of(entity));
                Ok(sqlx::query_scalar::<$db, i64>(sqlx::AssertSqlSafe(sql))
                    .bind(source).bind(external_id).fetch_optional(&self.pool).await?)
            }

            async fn customers_matching(&self, needle: &str, limit: i64)
                -> Result<Vec<$crate::ledger::CustomerRef>, $crate::store::StoreError> {
                let rows: Vec<(i64, String)> = sqlx::query_as::<$db, _>(
                    "SELECT id, name FROM customers WHERE deleted = FALSE AND lower(name) LIKE $1 ESCAPE '\\' \
                     ORDER BY length(name), name LIMIT $2")
                    .bind($crate::store::common::like_pattern(needle)).bind(limit)
                    .fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|(id, name)| $crate::ledger::CustomerRef { id, name }).collect())
            }

            async fn customer_names(&self) -> Result<Vec<$crate::ledger::CustomerRef>, $crate::store::StoreError> {
                let rows: Vec<(i64, String)> = sqlx::query_as::<$db, _>(
                    "SELECT id, name FROM customers WHERE deleted = FALSE ORDER BY name")
                    .fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|(id, name)| $crate::ledger::CustomerRef { id, name }).collect())
            }

            async fn invoice_numbers_like(&self, prefix: &str, limit: i64)
                -> Result<Vec<String>, $crate::store::StoreError> {
                let mut pattern = $crate::store::common::like_pattern(prefix.trim().trim_start_matches('#'));
                // A prefix, not a substring: drop the leading wildcard.
                pattern.remove(0);
                Ok(sqlx::query_scalar::<$db, String>(
                    // Open invoices only (the ones being chased), read through their small index.
                    "SELECT DISTINCT number FROM invoices WHERE balance_minor > 0 AND status = 'open' \
                     AND lower(number) LIKE $1 ESCAPE '\\' ORDER BY number LIMIT $2")
                    .bind(pattern).bind(limit).fetch_all(&self.pool).await?)
            }

            async fn pm_names(&self) -> Result<Vec<String>, $crate::store::StoreError> {
                Ok(sqlx::query_scalar::<$db, String>(
                    "SELECT pm FROM customers WHERE pm IS NOT NULL AND deleted = FALSE \
                     UNION SELECT pm FROM jobs WHERE pm IS NOT NULL AND deleted = FALSE ORDER BY 1")
                    .fetch_all(&self.pool).await?)
            }

            async fn customer(&self, id: i64)
                -> Result<Option<$crate::ledger::Customer>, $crate::store::StoreError> {
                let row = sqlx::query_as::<$db, $crate::store::common::CustomerRow>(
                    "SELECT id, source, external_id, name, kind, email, phone, terms_days, pm, active \
                     FROM customers WHERE id = $1")
                    .bind(id).fetch_optional(&self.pool).await?;
                Ok(row.map(Into::into))
            }

            async fn jobs_for_customer(&self, customer_id: i64)
                -> Result<Vec<$crate::ledger::Job>, $crate::store::StoreError> {
                let rows = sqlx::query_as::<$db, $crate::store::common::JobRow>(
                    "SELECT id, customer_id, name, city, county, state, project_type, our_role, owner_name, gc_name, \
                     pm, first_furnished, last_furnished, noc_recorded, noc_expires, retainage_bp \
                     FROM jobs WHERE customer_id = $1 AND deleted = FALSE ORDER BY name")
                    .bind(customer_id).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn jobs(&self, needle: Option<&str>)
                -> Result<Vec<$crate::ledger::JobWithCustomer>, $crate::store::StoreError> {
                let filter = if needle.is_some() { "AND lower(j.name) LIKE $1 ESCAPE '\\'" } else { "" };
                let sql = format!("SELECT j.id, j.customer_id, j.name, j.city, j.county, j.state, j.project_type, \
                     j.our_role, j.owner_name, j.gc_name, COALESCE(j.pm, c.pm) AS pm, j.first_furnished, \
                     j.last_furnished, j.noc_recorded, j.noc_expires, j.retainage_bp, c.name AS customer_name \
                     FROM jobs j JOIN customers c ON c.id = j.customer_id WHERE j.deleted = FALSE {filter} \
                     ORDER BY length(j.name), j.name");
                let mut query = sqlx::query_as::<$db, $crate::store::common::JobListRow>(sqlx::AssertSqlSafe(sql));
                if let Some(n) = needle {
                    query = query.bind($crate::store::common::like_pattern(n));
                }
                let rows = query.fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|r| $crate::ledger::JobWithCustomer { job: r.job.into(), customer_name: r.customer_name }).collect())
            }

            async fn open_items(&self, q: $crate::store::OpenItemsQuery)
                -> Result<Vec<$crate::ledger::OpenItem>, $crate::store::StoreError> {
                let sql = $crate::store::common::open_items_sql(q.historical, q.customer_id.is_some());
                let mut query = sqlx::query_as::<$db, $crate::store::common::OpenItemRow>(sqlx::AssertSqlSafe(sql));
                if q.historical {
                    query = query.bind(q.as_of);
                }
                if let Some(id) = q.customer_id {
                    query = query.bind(id);
                }
                let mut rows = query.fetch_all(&self.pool).await?;
                rows.retain(|r| r.issued <= q.as_of);
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn invoices_numbered(&self, number: &str)
                -> Result<Vec<$crate::ledger::Invoice>, $crate::store::StoreError> {
                let sql = format!("{}WHERE i.number = $1 AND i.status <> 'deleted' ORDER BY i.issued DESC",
                    $crate::store::common::INVOICE_SELECT);
                let rows = sqlx::query_as::<$db, $crate::store::common::InvoiceRow>(sqlx::AssertSqlSafe(sql))
                    .bind(number.trim().trim_start_matches('#')).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn applications_to_invoice(&self, invoice_id: i64)
                -> Result<Vec<$crate::ledger::AppliedAmount>, $crate::store::StoreError> {
                let sql = format!("{}WHERE a.invoice_id = $1 AND p.deleted = FALSE ORDER BY a.applied_on, a.id",
                    $crate::store::common::APPLICATION_SELECT);
                let rows = sqlx::query_as::<$db, $crate::store::common::ApplicationRow>(sqlx::AssertSqlSafe(sql))
                    .bind(invoice_id).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn recent_payments(&self, customer_id: i64, limit: i64)
                -> Result<Vec<$crate::ledger::Payment>, $crate::store::StoreError> {
                let rows = sqlx::query_as::<$db, $crate::store::common::PaymentRow>(
                    "SELECT id, customer_id, received, currency, amount_minor, unapplied_minor, method, reference \
                     FROM payments WHERE customer_id = $1 AND deleted = FALSE \
                     ORDER BY received DESC, id DESC LIMIT $2")
                    .bind(customer_id).bind(limit).fetch_all(&self.pool).await?;
                let mut out = Vec::with_capacity(rows.len());
                let sql = format!("{}WHERE a.payment_id = $1 ORDER BY a.line", $crate::store::common::APPLICATION_SELECT);
                for row in rows {
                    let apps = sqlx::query_as::<$db, $crate::store::common::ApplicationRow>(sqlx::AssertSqlSafe(sql.clone()))
                        .bind(row.id).fetch_all(&self.pool).await?;
                    out.push(row.into_payment(apps.into_iter().map(Into::into).collect()));
                }
                Ok(out)
            }

            async fn credits(&self, customer_id: Option<i64>)
                -> Result<$crate::ledger::Credits, $crate::store::StoreError> {
                // Unapplied cash sits on few payments: the partial index keeps this from reading them all.
                let filter = if customer_id.is_some() { "AND customer_id = $1" } else { "" };
                let sql = format!("SELECT \
                    (SELECT CAST(COALESCE(SUM(unapplied_minor), 0) AS BIGINT) FROM payments \
                        WHERE unapplied_minor <> 0 AND deleted = FALSE {filter}), \
                    (SELECT CAST(COALESCE(SUM(remaining_minor), 0) AS BIGINT) FROM credit_memos \
                        WHERE deleted = FALSE {filter})");
                let mut query = sqlx::query_as::<$db, (i64, i64)>(sqlx::AssertSqlSafe(sql));
                if let Some(id) = customer_id {
                    query = query.bind(id);
                }
                let (unapplied_cash, open_credit_memos) = query.fetch_one(&self.pool).await?;
                Ok($crate::ledger::Credits { unapplied_cash, open_credit_memos })
            }

            async fn payments_received(&self, after: chrono::NaiveDate, until: chrono::NaiveDate)
                -> Result<Vec<$crate::store::PaymentLine>, $crate::store::StoreError> {
                let rows = sqlx::query_as::<$db, (i64, String, chrono::NaiveDate, i64, String)>(
                    "SELECT p.customer_id, c.name, p.received, p.amount_minor, p.currency FROM payments p \
                     JOIN customers c ON c.id = p.customer_id \
                     WHERE p.received > $1 AND p.received <= $2 AND p.deleted = FALSE AND p.amount_minor > 0 \
                     ORDER BY p.received DESC, p.id DESC")
                    .bind(after).bind(until).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|(customer_id, customer_name, received, minor, cur)| $crate::store::PaymentLine {
                    customer_id, customer_name, received,
                    amount: $crate::money::Money::new(minor, $crate::store::common::currency(&cur)),
                }).collect())
            }

            async fn promises_from(&self, from: chrono::NaiveDate)
                -> Result<Vec<($crate::collections::Promise, String)>, $crate::store::StoreError> {
                let rows = sqlx::query_as::<$db, (i64, i64, i64, String, chrono::NaiveDate, String, String,
                    chrono::DateTime<chrono::Utc>, String)>(
                    "SELECT p.id, p.customer_id, p.amount_minor, p.currency, p.promised_for, p.status, p.created_by, \
                     p.created_at, c.name FROM promises p JOIN customers c ON c.id = p.customer_id \
                     WHERE p.promised_for >= $1 ORDER BY p.promised_for, p.id")
                    .bind(from).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|(id, customer_id, minor, cur, promised_for, status, created_by, created_at, name)| (
                    $crate::collections::Promise {
                        id, customer_id,
                        amount: $crate::money::Money::new(minor, $crate::store::common::currency(&cur)),
                        promised_for, status, created_by, created_at,
                    },
                    name,
                )).collect())
            }

            async fn last_contacts(&self)
                -> Result<Vec<(i64, chrono::DateTime<chrono::Utc>)>, $crate::store::StoreError> {
                Ok(sqlx::query_as::<$db, (i64, chrono::DateTime<chrono::Utc>)>(
                    "SELECT customer_id, MAX(created_at) FROM notes GROUP BY customer_id")
                    .fetch_all(&self.pool).await?)
            }

            async fn sales_between(&self, from: chrono::NaiveDate, to: chrono::NaiveDate,
                currency: $crate::money::Currency) -> Result<i64, $crate::store::StoreError> {
                Ok(sqlx::query_scalar::<$db, i64>(
                    "SELECT CAST(COALESCE(SUM(total_minor), 0) AS BIGINT) FROM invoices \
                     WHERE issued >= $1 AND issued <= $2 AND currency = $3 AND status IN ('open', 'paid')")
                    .bind(from).bind(to).bind(currency.code().to_string())
                    .fetch_one(&self.pool).await?)
            }

            async fn add_note(&self, n: &$crate::collections::NewNote) -> Result<i64, $crate::store::StoreError> {
                Ok(sqlx::query_scalar::<$db, i64>(
                    "INSERT INTO notes (customer_id, invoice_id, kind, body, author, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                    .bind(n.customer_id).bind(n.invoice_id).bind(&n.kind).bind(&n.body).bind(&n.author)
                    .bind(n.created_at).fetch_one(&self.writer).await?)
            }

            async fn notes_for_customer(&self, customer_id: i64, limit: i64)
                -> Result<Vec<$crate::collections::Note>, $crate::store::StoreError> {
                let rows = sqlx::query_as::<$db, $crate::store::common::NoteRow>(
                    "SELECT id, customer_id, invoice_id, kind, body, author, created_at FROM notes \
                     WHERE customer_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2")
                    .bind(customer_id).bind(limit).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|r| $crate::collections::Note {
                    id: r.id, customer_id: r.customer_id, invoice_id: r.invoice_id, kind: r.kind, body: r.body,
                    author: r.author, created_at: r.created_at,
                }).collect())
            }

            async fn add_promise(&self, p: &$crate::collections::NewPromise) -> Result<i64, $crate::store::StoreError> {
                Ok(sqlx::query_scalar::<$db, i64>(
                    "INSERT INTO promises (customer_id, amount_minor, currency, promised_for, status, created_by, \
                     created_at) VALUES ($1, $2, $3, $4, 'open', $5, $6) RETURNING id")
                    .bind(p.customer_id).bind(p.amount.minor).bind(p.amount.currency.code().to_string())
                    .bind(p.promised_for).bind(&p.created_by).bind(p.created_at)
                    .fetch_one(&self.writer).await?)
            }

            async fn set_promise_status(&self, id: i64, status: &str) -> Result<(), $crate::store::StoreError> {
                sqlx::query::<$db>("UPDATE promises SET status = $2 WHERE id = $1")
                    .bind(id).bind(status).execute(&self.writer).await?;
                Ok(())
            }

            async fn promises_for_customer(&self, customer_id: i64)
                -> Result<Vec<$crate::collections::Promise>, $crate::store::StoreError> {
                let rows = sqlx::query_as::<$db, $crate::store::common::PromiseRow>(
                    "SELECT id, customer_id, amount_minor, currency, promised_for, status, created_by, created_at \
                     FROM promises WHERE customer_id = $1 ORDER BY promised_for DESC, id DESC")
                    .bind(customer_id).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|r| $crate::collections::Promise {
                    id: r.id, customer_id: r.customer_id,
                    amount: $crate::money::Money::new(r.amount_minor, $crate::store::common::currency(&r.currency)),
                    promised_for: r.promised_for, status: r.status, created_by: r.created_by, created_at: r.created_at,
                }).collect())
            }

            async fn set_job_fact(&self, job_id: i64, fact: &str, value: &str, by: &str,
                at: chrono::DateTime<chrono::Utc>) -> Result<(), $crate::store::StoreError> {
                sqlx::query::<$db>("INSERT INTO job_facts (job_id, fact, value, set_by, set_at) VALUES ($1, $2, $3, $4, $5) \
                    ON CONFLICT (job_id, fact) DO UPDATE SET value = excluded.value, set_by = excluded.set_by, \
                    set_at = excluded.set_at")
                    .bind(job_id).bind(fact).bind(value).bind(by).bind(at).execute(&self.writer).await?;
                Ok(())
            }

            async fn job_facts(&self, job_id: i64) -> Result<Vec<(String, String)>, $crate::store::StoreError> {
                Ok(sqlx::query_as::<$db, (String, String)>(
                    "SELECT fact, value FROM job_facts WHERE job_id = $1 ORDER BY fact")
                    .bind(job_id).fetch_all(&self.pool).await?)
            }

            async fn add_job_notice(&self, n: &$crate::collections::JobNotice) -> Result<i64, $crate::store::StoreError> {
                Ok(sqlx::query_scalar::<$db, i64>(
                    "INSERT INTO job_notices (job_id, kind, served_on, tracking, recorded_by, recorded_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                    .bind(n.job_id).bind(&n.kind).bind(n.served_on).bind(&n.tracking).bind(&n.recorded_by)
                    .bind(n.recorded_at).fetch_one(&self.writer).await?)
            }

            async fn job_notices(&self, job_id: i64)
                -> Result<Vec<$crate::collections::JobNotice>, $crate::store::StoreError> {
                let rows = sqlx::query_as::<$db, (i64, i64, String, chrono::NaiveDate, Option<String>, String,
                    chrono::DateTime<chrono::Utc>)>(
                    "SELECT id, job_id, kind, served_on, tracking, recorded_by, recorded_at FROM job_notices \
                     WHERE job_id = $1 ORDER BY served_on, id")
                    .bind(job_id).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|(id, job_id, kind, served_on, tracking, recorded_by, recorded_at)|
                    $crate::collections::JobNotice { id, job_id, kind, served_on, tracking, recorded_by, recorded_at })
                    .collect())
            }

            async fn open_dispute(&self, d: &$crate::collections::NewDispute) -> Result<i64, $crate::store::StoreError> {
                Ok(sqlx::query_scalar::<$db, i64>(
                    "INSERT INTO disputes (invoice_id, reason, detail, opened_by, opened_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id")
                    .bind(d.invoice_id).bind(&d.reason).bind(&d.detail).bind(&d.opened_by).bind(d.opened_at)
                    .fetch_one(&self.writer).await?)
            }

            // --- chat operations --------------------------------------------------------------

            async fn claim_run(&self, job: &str, scheduled_for: chrono::DateTime<chrono::Utc>, instance: &str,
                now: chrono::DateTime<chrono::Utc>, stale_before: chrono::DateTime<chrono::Utc>)
                -> Result<bool, $crate::store::StoreError> {
                // The insert wins for the first caller; a later one takes over only a run still
                // marked running whose claim is stale. Both in one statement, so one caller wins.
                let won: Option<i64> = sqlx::query_scalar::<$db, i64>(
                    "INSERT INTO scheduled_runs (job, scheduled_for, status, claimed_by, claimed_at) \
                     VALUES ($1, $2, 'running', $3, $4) \
                     ON CONFLICT (job, scheduled_for) DO UPDATE SET claimed_by = excluded.claimed_by, \
                     claimed_at = excluded.claimed_at \
                     WHERE scheduled_runs.status = 'running' AND scheduled_runs.claimed_at < $5 RETURNING id")
                    .bind(job).bind(scheduled_for).bind(instance).bind(now).bind(stale_before)
                    .fetch_optional(&self.writer).await?;
                Ok(won.is_some())
            }

            async fn finish_run(&self, job: &str, scheduled_for: chrono::DateTime<chrono::Utc>, status: &str,
                detail: Option<&str>, at: chrono::DateTime<chrono::Utc>) -> Result<(), $crate::store::StoreError> {
                sqlx::query::<$db>("UPDATE scheduled_runs SET status = $3, detail = $4, finished_at = $5 \
                    WHERE job = $1 AND scheduled_for = $2")
                    .bind(job).bind(scheduled_for).bind(status).bind(detail).bind(at)
                    .execute(&self.writer).await?;
                Ok(())
            }

            async fn runs(&self, job: &str, limit: i64)
                -> Result<Vec<$crate::store::ScheduledRun>, $crate::store::StoreError> {
                let rows = sqlx::query_as::<$db, (String, chrono::DateTime<chrono::Utc>, String, String,
                    chrono::DateTime<chrono::Utc>, Option<chrono::DateTime<chrono::Utc>>, Option<String>)>(
                    "SELECT job, scheduled_for, status, claimed_by, claimed_at, finished_at, detail \
                     FROM scheduled_runs WHERE job = $1 ORDER BY scheduled_for DESC LIMIT $2")
                    .bind(job).bind(limit).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|(job, scheduled_for, status, claimed_by, claimed_at, finished_at, detail)|
                    $crate::store::ScheduledRun { job, scheduled_for, status, claimed_by, claimed_at, finished_at, detail })
                    .collect())
            }

            async fn enqueue(&self, key: &str, kind: &str, payload: &str, at: chrono::DateTime<chrono::Utc>)
                -> Result<bool, $crate::store::StoreError> {
                let id: Option<i64> = sqlx::query_scalar::<$db, i64>(
                    "INSERT INTO outbox (key, kind, payload, status, attempts, next_attempt_at, created_at) \
                     VALUES ($1, $2, $3, 'pending', 0, $4, $4) ON CONFLICT (key) DO NOTHING RETURNING id")
                    .bind(key).bind(kind).bind(payload).bind(at)
                    .fetch_optional(&self.writer).await?;
                Ok(id.is_some())
            }

            async fn claim_outbox(&self, instance: &str, now: chrono::DateTime<chrono::Utc>,
                stale_before: chrono::DateTime<chrono::Utc>, limit: i64)
                -> Result<Vec<$crate::outbox::OutboxItem>, $crate::store::StoreError> {
                let sql = format!("UPDATE outbox SET status = 'sending', claimed_by = $1, claimed_at = $2, \
                    attempts = attempts + 1 WHERE id IN (SELECT id FROM outbox \
                    WHERE (status = 'pending' AND next_attempt_at <= $2) \
                       OR (status = 'sending' AND claimed_at < $3) \
                    ORDER BY id LIMIT $4{}) \
                    RETURNING id, key, kind, payload, attempts, result, last_error, created_at", Self::LOCK_ROWS);
                let mut rows = sqlx::query_as::<$db, $crate::store::common::OutboxRow>(sqlx::AssertSqlSafe(sql))
                    .bind(instance).bind(now).bind(stale_before).bind(limit)
                    .fetch_all(&self.writer).await?;
                rows.sort_by_key(|r| r.id);
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn settle_outbox(&self, id: i64, delivery: &$crate::outbox::Delivery,
                at: chrono::DateTime<chrono::Utc>) -> Result<(), $crate::store::StoreError> {
                use $crate::outbox::Delivery;
                let query = match delivery {
                    Delivery::Sent { result } => sqlx::query::<$db>(
                        "UPDATE outbox SET status = 'sent', result = $2, sent_at = $3, last_error = NULL, \
                         claimed_by = NULL WHERE id = $1")
                        .bind(id).bind(result.clone()).bind(at),
                    Delivery::Retry { error, retry_at, progress } => sqlx::query::<$db>(
                        "UPDATE outbox SET status = 'pending', last_error = $2, next_attempt_at = $3, \
                         result = COALESCE($4, result), claimed_by = NULL WHERE id = $1")
                        .bind(id).bind(error.clone()).bind(*retry_at).bind(progress.clone()),
                    Delivery::Failed { error } => sqlx::query::<$db>(
                        "UPDATE outbox SET status = 'failed', last_error = $2, claimed_by = NULL, \
                         next_attempt_at = $3 WHERE id = $1")
                        .bind(id).bind(error.clone()).bind(at),
                };
                query.execute(&self.writer).await?;
                Ok(())
            }

            async fn outbox_counts(&self) -> Result<$crate::outbox::OutboxCounts, $crate::store::StoreError> {
                let rows = sqlx::query_as::<$db, (String, i64)>(
                    "SELECT status, CAST(COUNT(*) AS BIGINT) FROM outbox GROUP BY status")
                    .fetch_all(&self.pool).await?;
                let mut c = $crate::outbox::OutboxCounts::default();
                for (status, n) in rows {
                    match status.as_str() {
                        "pending" => c.pending = n,
                        "sending" => c.sending = n,
                        "sent" => c.sent = n,
                        _ => c.failed += n,
                    }
                }
                Ok(c)
            }

            async fn outbox_status(&self, key: &str)
                -> Result<Option<(String, Option<String>)>, $crate::store::StoreError> {
                Ok(sqlx::query_as::<$db, (String, Option<String>)>("SELECT status, result FROM outbox WHERE key = $1")
                    .bind(key).fetch_optional(&self.pool).await?)
            }

            async fn open_escalation(&self, e: &$crate::escalation::NewEscalation)
                -> Result<($crate::escalation::Escalation, bool), $crate::store::StoreError> {
                // One open escalation per account (and job): a second request finds the first.
                let id: Option<i64> = sqlx::query_scalar::<$db, i64>(
                    "INSERT INTO escalations (customer_id, job_id, title, reason, pm, status, opened_by, opened_at) \
                     VALUES ($1, $2, $3, $4, $5, 'open', $6, $7) ON CONFLICT DO NOTHING RETURNING id")
                    .bind(e.customer_id).bind(e.job_id).bind(&e.title).bind(&e.reason).bind(&e.pm)
                    .bind(&e.opened_by).bind(e.opened_at)
                    .fetch_optional(&self.writer).await?;
                let query = match id {
                    Some(id) => sqlx::query_as::<$db, $crate::store::common::EscalationRow>(sqlx::AssertSqlSafe(
                        format!("{} WHERE id = $1", $crate::store::common::ESCALATION_SELECT))).bind(id),
                    None => sqlx::query_as::<$db, $crate::store::common::EscalationRow>(sqlx::AssertSqlSafe(
                        format!("{} WHERE customer_id = $1 AND COALESCE(job_id, 0) = $2 AND status <> 'resolved'",
                        $crate::store::common::ESCALATION_SELECT))).bind(e.customer_id).bind(e.job_id.unwrap_or(0)),
                };
                let row = query.fetch_one(&self.writer).await?;
                Ok((row.into(), id.is_some()))
            }

            async fn escalation(&self, id: i64)
                -> Result<Option<$crate::escalation::Escalation>, $crate::store::StoreError> {
                let sql = format!("{} WHERE id = $1", $crate::store::common::ESCALATION_SELECT);
                let row = sqlx::query_as::<$db, $crate::store::common::EscalationRow>(sqlx::AssertSqlSafe(sql))
                    .bind(id).fetch_optional(&self.pool).await?;
                Ok(row.map(Into::into))
            }

            async fn open_escalations(&self)
                -> Result<Vec<$crate::escalation::Escalation>, $crate::store::StoreError> {
                let sql = format!("{} WHERE status <> 'resolved' ORDER BY opened_at, id",
                    $crate::store::common::ESCALATION_SELECT);
                let rows = sqlx::query_as::<$db, $crate::store::common::EscalationRow>(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn record_escalation_posts(&self, id: i64, p: &$crate::escalation::EscalationPosts)
                -> Result<(), $crate::store::StoreError> {
                sqlx::query::<$db>("UPDATE escalations SET channel_id = COALESCE($2, channel_id), \
                    message_id = COALESCE($3, message_id), thread_id = COALESCE($4, thread_id), \
                    thread_message_id = COALESCE($5, thread_message_id) WHERE id = $1")
                    .bind(id).bind(&p.channel_id).bind(&p.message_id).bind(&p.thread_id).bind(&p.thread_message_id)
                    .execute(&self.writer).await?;
                Ok(())
            }

            async fn act_on_escalation(&self, id: i64, action: &$crate::escalation::EscalationAction,
                actor_id: &str, actor_name: &str, at: chrono::DateTime<chrono::Utc>, interaction_id: Option<&str>)
                -> Result<Option<$crate::escalation::Escalation>, $crate::store::StoreError> {
                use $crate::escalation::EscalationAction;
                let select = format!("{} WHERE id = $1", $crate::store::common::ESCALATION_SELECT);
                let mut tx = self.writer.begin().await?;
                let exists: Option<i64> = sqlx::query_scalar::<$db, i64>("SELECT id FROM escalations WHERE id = $1")
                    .bind(id).fetch_optional(&mut *tx).await?;
                if exists.is_none() {
                    return Ok(None);
                }
                let logged: Option<i64> = sqlx::query_scalar::<$db, i64>(
                    "INSERT INTO escalation_events (escalation_id, action, actor_id, actor_name, at, interaction_id) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id")
                    .bind(id).bind(action.as_str()).bind(actor_id).bind(actor_name).bind(at).bind(interaction_id)
                    .fetch_optional(&mut *tx).await?;
                if logged.is_some() {
                    let update = match action {
                        EscalationAction::Acknowledge | EscalationAction::WillCall => sqlx::query::<$db>(
                            "UPDATE escalations SET status = 'acknowledged', acked_by = $2, acked_at = $3, \
                             snoozed_until = NULL WHERE id = $1 AND status <> 'resolved'")
                            .bind(id).bind(actor_name).bind(at),
                        EscalationAction::Snooze { until } => sqlx::query::<$db>(
                            "UPDATE escalations SET status = 'snoozed', snoozed_until = $2 \
                             WHERE id = $1 AND status <> 'resolved'")
                            .bind(id).bind(*until),
                        EscalationAction::Resolve => sqlx::query::<$db>(
                            "UPDATE escalations SET status = 'resolved', resolved_by = $2, resolved_at = $3 \
                             WHERE id = $1 AND status <> 'resolved'")
                            .bind(id).bind(actor_name).bind(at),
                    };
                    update.execute(&mut *tx).await?;
                }
                let row = sqlx::query_as::<$db, $crate::store::common::EscalationRow>(sqlx::AssertSqlSafe(select))
                    .bind(id).fetch_one(&mut *tx).await?;
                tx.commit().await?;
                Ok(Some(row.into()))
            }

            async fn escalation_events(&self, id: i64)
                -> Result<Vec<$crate::escalation::EscalationEvent>, $crate::store::StoreError> {
                let rows = sqlx::query_as::<$db, (i64, String, String, String, chrono::DateTime<chrono::Utc>)>(
                    "SELECT escalation_id, action, actor_id, actor_name, at FROM escalation_events \
                     WHERE escalation_id = $1 ORDER BY at, id")
                    .bind(id).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|(escalation_id, action, actor_id, actor_name, at)|
                    $crate::escalation::EscalationEvent { escalation_id, action, actor_id, actor_name, at }).collect())
            }

            // --- connections and credentials (connectors) ---------------------------------------

            async fn invoices_applied_by(&self, source: &str, payment_exts: &[&str])
                -> Result<Vec<(String, String)>, $crate::store::StoreError> {
                let mut out = Vec::new();
                for chunk in payment_exts.chunks($crate::store::common::CHUNK) {
                    out.extend(Self::applied_by(&self.pool, source, chunk).await?);
                }
                Ok(out)
            }

            async fn live_external_ids(&self, source: &str, entity: $crate::source::Entity)
                -> Result<Vec<String>, $crate::store::StoreError> {
                let table = $crate::store::common::table_of(entity);
                let live = if entity == $crate::source::Entity::Invoice { "status <> 'deleted'" } else { "deleted = FALSE" };
                let sql = format!("SELECT external_id FROM {table} WHERE source = $1 AND {live}");
                Ok(sqlx::query_scalar::<$db, String>(sqlx::AssertSqlSafe(sql))
                    .bind(source).fetch_all(&self.pool).await?)
            }

            async fn connection(&self, source: &str)
                -> Result<Option<$crate::store::Connection>, $crate::store::StoreError> {
                let row = sqlx::query_as::<$db, (String, String, Option<Vec<u8>>, i64, String, Option<String>,
                    Option<chrono::DateTime<chrono::Utc>>, chrono::DateTime<chrono::Utc>)>(
                    "SELECT source, kind, sealed_tokens, token_version, status, detail, retry_at, updated_at \
                     FROM connections WHERE source = $1")
                    .bind(source).fetch_optional(&self.writer).await?;
                Ok(row.map(|(source, kind, sealed_tokens, token_version, status, detail, retry_at, updated_at)|
                    $crate::store::Connection {
                        source, kind, sealed_tokens, token_version, updated_at,
                        status: $crate::store::ConnectionStatus::from_parts(&status, detail, retry_at),
                    }))
            }

            async fn save_tokens(&self, source: &str, kind: &str, sealed: &[u8], expected: Option<i64>,
                at: chrono::DateTime<chrono::Utc>) -> Result<Option<i64>, $crate::store::StoreError> {
                match expected {
                    None => Ok(Some(sqlx::query_scalar::<$db, i64>(
                        "INSERT INTO connections (source, kind, sealed_tokens, token_version, status, updated_at) \
                         VALUES ($1, $2, $3, 1, 'ok', $4) ON CONFLICT (source) DO UPDATE SET kind = excluded.kind, \
                         sealed_tokens = excluded.sealed_tokens, token_version = connections.token_version + 1, \
                         updated_at = excluded.updated_at RETURNING token_version")
                        .bind(source).bind(kind).bind(sealed).bind(at).fetch_one(&self.writer).await?)),
                    Some(v) => Ok(sqlx::query_scalar::<$db, i64>(
                        "UPDATE connections SET sealed_tokens = $2, token_version = token_version + 1, updated_at = $3 \
                         WHERE source = $1 AND token_version = $4 RETURNING token_version")
                        .bind(source).bind(sealed).bind(at).bind(v).fetch_optional(&self.writer).await?),
                }
            }

            async fn set_connection_status(&self, source: &str, status: &$crate::store::ConnectionStatus,
                at: chrono::DateTime<chrono::Utc>) -> Result<(), $crate::store::StoreError> {
                let (status, detail, until) = status.parts();
                sqlx::query::<$db>(
                    "INSERT INTO connections (source, kind, token_version, status, detail, retry_at, updated_at) \
                     VALUES ($1, '', 0, $2, $3, $4, $5) ON CONFLICT (source) DO UPDATE SET status = excluded.status, \
                     detail = excluded.detail, retry_at = excluded.retry_at, updated_at = excluded.updated_at")
                    .bind(source).bind(status).bind(detail).bind(until).bind(at).execute(&self.writer).await?;
                Ok(())
            }
        }

        impl $store {
            /// Ids of the customers named by external id, creating placeholders for unknown ones.
            async fn ensure_customers(tx: &mut sqlx::Transaction<'_, $db>, source: &str, exts: &[&str])
                -> Result<std::collections::HashMap<String, i64>, $crate::store::StoreError> {
                let mut ids = Self::ids_of(tx, "customers", source, exts).await?;
                let missing: Vec<&str> = exts.iter().copied().filter(|e| !ids.contains_key(*e)).collect();
                for chunk in missing.chunks($crate::store::common::CHUNK) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO customers (source, external_id, name, src_updated_at) ");
                    qb.push_values(chunk, |mut b, e| {
                        b.push_bind(source).push_bind(*e).push_bind(format!("(customer {e} not yet synced)"))
                            .push_bind(0i64);
                    });
                    // A concurrent sync may have created the same customer meanwhile.
                    qb.push(" ON CONFLICT (source, external_id) DO UPDATE SET source = excluded.source \
                        RETURNING external_id, id");
                    let rows: Vec<$crate::store::common::IdRow> = qb.build_query_as().fetch_all(&mut **tx).await?;
                    ids.extend(rows.into_iter().map(|r| (r.external_id, r.id)));
                }
                Ok(ids)
            }
        }
    };
}

pub(crate) use sql_store;
