//! The sync engine's aggregate: watermarks, sync runs, pages of records, and the keys it compares
//! with a source's.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::QueryBuilder;

use super::{CHUNK, Dialect, SqlStore, on, table_of};
use crate::source::{ApplicationRecord, Entity, PaymentRecord, Record, Version, settled_balance};
use crate::store::{KeyedName, PageStats, RunStatus, StoreError, SyncRun, SyncStore, Tally, content_hash};

fn micros(v: &Version) -> i64 {
    v.updated_at.timestamp_micros()
}

/// Keeps the newest version of each external id in a page (a page may repeat a record).
fn newest<T>(items: Vec<&T>, key: impl Fn(&T) -> (&str, Version)) -> Vec<&T> {
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
struct Split<'a> {
    pub customers: Vec<&'a crate::source::CustomerRecord>,
    pub jobs: Vec<&'a crate::source::JobRecord>,
    pub invoices: Vec<&'a crate::source::InvoiceRecord>,
    pub memos: Vec<&'a crate::source::CreditMemoRecord>,
    pub payments: Vec<&'a crate::source::PaymentRecord>,
    pub deletions: Vec<&'a crate::source::Deletion>,
}

fn split(records: &[Record]) -> Split<'_> {
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

/// The WHERE clause of every versioned upsert: newer wins; on a tie, the higher sequence; on a
/// full tie, only different content.
fn newer_than(table: &str) -> String {
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
pub(in crate::store) struct Stored {
    pub external_id: String,
    pub src_updated_at: i64,
    pub src_seq: i64,
    pub content_hash: i64,
    /// An invoice that was open (what a sync that pays it off counts as closed).
    pub was_open: bool,
}

/// The expression `stored_versions` reads as [`Stored::was_open`] from `table`.
pub(in crate::store) fn was_open(table: &str) -> &'static str {
    if table == "invoices" { "status = 'open'" } else { "FALSE" }
}

/// An invoice's stored status: void, open while something is owed, else paid.
fn invoice_status(i: &crate::source::InvoiceRecord) -> &'static str {
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
fn plan(stored: Option<&Stored>, version: &Version, hash: i64, stats: &mut PageStats) -> bool {
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
pub(in crate::store) struct IdRow {
    pub external_id: String,
    pub id: i64,
}

/// An invoice whose balance is derived, as [`settle_balances`] reads it.
#[derive(sqlx::FromRow)]
struct SettleRow {
    pub id: i64,
    pub total_minor: i64,
    pub stated_balance_minor: Option<i64>,
    pub balance_as_of: NaiveDate,
    pub balance_minor: i64,
    pub status: String,
}

#[derive(sqlx::FromRow)]
struct SyncRunRow {
    pub id: i64,
    pub source: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status: String,
    pub detail: Option<String>,
}

#[async_trait::async_trait]
impl<S: SqlStore> SyncStore for S {
    async fn watermark(&self, source: &str, entity: Entity) -> Result<Option<String>, StoreError> {
        on!(self, read, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, String>(
                "SELECT watermark FROM sync_watermarks WHERE source = $1 AND entity = $2",
            )
            .bind(source)
            .bind(entity.as_str())
            .fetch_optional(pool)
            .await?)
        })
    }

    async fn start_sync_run(&self, source: &str, at: DateTime<Utc>) -> Result<i64, StoreError> {
        on!(self, write, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, i64>(
                "INSERT INTO sync_runs (source, started_at, status, owner) VALUES ($1, $2, 'running', $3) RETURNING id",
            )
            .bind(source)
            .bind(at)
            .bind(crate::process::this().to_recorded())
            .fetch_one(pool)
            .await?)
        })
    }

    async fn finish_sync_run(
        &self,
        run: i64,
        at: DateTime<Utc>,
        status: RunStatus,
        detail: Option<&str>,
    ) -> Result<(), StoreError> {
        on!(self, write, |pool, DB| {
            sqlx::query::<DB>("UPDATE sync_runs SET finished_at = $2, status = $3, detail = $4 WHERE id = $1")
                .bind(run)
                .bind(at)
                .bind(status.as_str())
                .bind(detail)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    async fn last_sync_run(&self, source: &str) -> Result<Option<SyncRun>, StoreError> {
        on!(self, read, |pool, DB| {
            let row = sqlx::query_as::<DB, SyncRunRow>(
                "SELECT id, source, started_at, finished_at, status, detail FROM sync_runs \
                 WHERE source = $1 ORDER BY id DESC LIMIT 1",
            )
            .bind(source)
            .fetch_optional(pool)
            .await?;
            Ok(row.map(|r| SyncRun {
                id: r.id,
                source: r.source,
                started_at: r.started_at,
                finished_at: r.finished_at,
                status: RunStatus::parse(&r.status),
                detail: r.detail,
            }))
        })
    }

    async fn interrupt_dead_sync_runs(
        &self,
        source: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Vec<SyncRun>, StoreError> {
        use crate::process::{Liveness, ProcessId, liveness};
        let stale_before = at - chrono::Duration::hours(crate::store::STALE_RUN_HOURS);
        on!(self, write, |pool, DB| {
            let running = sqlx::query_as::<DB, (i64, String, DateTime<Utc>, Option<String>)>(
                "SELECT id, source, started_at, owner FROM sync_runs \
                 WHERE status = 'running' AND ($1 IS NULL OR source = $1) ORDER BY id",
            )
            .bind(source)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::new();
            for (id, source, started_at, owner) in running {
                let dead = match owner.as_deref().and_then(ProcessId::parse).map(|p| liveness(&p)) {
                    Some(Liveness::Alive) => false,
                    Some(Liveness::Gone) => true,
                    Some(Liveness::Unknown) | None => started_at < stale_before,
                };
                if !dead {
                    continue;
                }
                let detail = "the process running it stopped before it finished";
                // Only if still running: its process may have finished it meanwhile.
                let marked = sqlx::query::<DB>(
                    "UPDATE sync_runs SET status = 'interrupted', finished_at = $2, detail = $3 \
                     WHERE id = $1 AND status = 'running'",
                )
                .bind(id)
                .bind(at)
                .bind(detail)
                .execute(pool)
                .await?
                .rows_affected();
                if marked == 1 {
                    out.push(SyncRun {
                        id,
                        source,
                        started_at,
                        finished_at: Some(at),
                        status: RunStatus::Interrupted,
                        detail: Some(detail.to_string()),
                    });
                }
            }
            Ok(out)
        })
    }

    async fn apply_page(
        &self,
        run: i64,
        source: &str,
        entity: Entity,
        records: &[Record],
        watermark: Option<&str>,
    ) -> Result<PageStats, StoreError> {
        on!(self, write, |pool, DB| {
            /// Ids of the customers named by external id, creating placeholders for unknown ones.
            async fn ensure_customers(
                tx: &mut sqlx::Transaction<'_, DB>,
                source: &str,
                exts: &[&str],
            ) -> Result<HashMap<String, i64>, StoreError> {
                let mut ids = DB::ids_of(tx, "customers", source, exts).await?;
                let missing: Vec<&str> = exts.iter().copied().filter(|e| !ids.contains_key(*e)).collect();
                for chunk in missing.chunks(CHUNK) {
                    let mut qb =
                        QueryBuilder::<DB>::new("INSERT INTO customers (source, external_id, name, src_updated_at) ");
                    qb.push_values(chunk, |mut b, e| {
                        b.push_bind(source)
                            .push_bind(*e)
                            .push_bind(format!("(customer {e} not yet synced)"))
                            .push_bind(0i64);
                    });
                    // A concurrent sync may have created the same customer meanwhile.
                    qb.push(
                        " ON CONFLICT (source, external_id) DO UPDATE SET source = excluded.source \
                        RETURNING external_id, id",
                    );
                    let rows: Vec<IdRow> = qb.build_query_as().fetch_all(&mut **tx).await?;
                    ids.extend(rows.into_iter().map(|r| (r.external_id, r.id)));
                }
                Ok(ids)
            }

            /// The invoices (external ids) the stored lines of these payments apply to.
            async fn lines_of(
                tx: &mut sqlx::Transaction<'_, DB>,
                payment_ids: impl IntoIterator<Item = i64>,
            ) -> Result<Vec<String>, StoreError> {
                let ids: Vec<i64> = payment_ids.into_iter().collect();
                let mut out = Vec::new();
                for chunk in ids.chunks(CHUNK) {
                    let mut qb = QueryBuilder::<DB>::new("SELECT invoice_ext FROM applications WHERE payment_id IN (");
                    let mut sep = qb.separated(", ");
                    for id in chunk {
                        sep.push_bind(*id);
                    }
                    sep.push_unseparated(")");
                    out.extend(qb.build_query_scalar::<String>().fetch_all(&mut **tx).await?);
                }
                Ok(out)
            }

            /// Derives the balance (and open or paid) of the invoices among `exts` whose balance
            /// is stated as of a day, by [`settled_balance`]; returns how many it paid off.
            async fn settle_balances(
                tx: &mut sqlx::Transaction<'_, DB>,
                source: &str,
                exts: &[String],
            ) -> Result<u64, StoreError> {
                let mut closed = 0;
                for chunk in exts.chunks(CHUNK) {
                    let mut qb = QueryBuilder::<DB>::new(
                        "SELECT id, total_minor, stated_balance_minor, balance_as_of, balance_minor, status \
                         FROM invoices WHERE balance_as_of IS NOT NULL AND status IN ('open', 'paid') AND source = ",
                    );
                    qb.push_bind(source).push(" AND external_id IN (");
                    let mut sep = qb.separated(", ");
                    for e in chunk {
                        sep.push_bind(e.as_str());
                    }
                    sep.push_unseparated(")");
                    let rows: Vec<SettleRow> = qb.build_query_as().fetch_all(&mut **tx).await?;
                    if rows.is_empty() {
                        continue;
                    }
                    let mut qb = QueryBuilder::<DB>::new(
                        "SELECT invoice_id, applied_on, amount_minor FROM applications WHERE invoice_id IN (",
                    );
                    let mut sep = qb.separated(", ");
                    for r in &rows {
                        sep.push_bind(r.id);
                    }
                    sep.push_unseparated(")");
                    let lines: Vec<(i64, NaiveDate, i64)> = qb.build_query_as().fetch_all(&mut **tx).await?;
                    let mut applied: HashMap<i64, Vec<(NaiveDate, i64)>> = HashMap::new();
                    for (invoice, on, amount) in lines {
                        applied.entry(invoice).or_default().push((on, amount));
                    }
                    for r in rows {
                        let lines = applied.get(&r.id).map(Vec::as_slice).unwrap_or_default();
                        let stated = r.stated_balance_minor.unwrap_or(r.total_minor);
                        let balance = settled_balance(r.total_minor, stated, r.balance_as_of, lines);
                        let status = if balance > 0 { "open" } else { "paid" };
                        if balance == r.balance_minor && status == r.status {
                            continue;
                        }
                        if r.status == "open" && status == "paid" {
                            closed += 1;
                        }
                        sqlx::query::<DB>("UPDATE invoices SET balance_minor = $2, status = $3 WHERE id = $1")
                            .bind(r.id)
                            .bind(balance)
                            .bind(status)
                            .execute(&mut **tx)
                            .await?;
                    }
                }
                Ok(closed)
            }

            let page = split(records);
            let mut stats = PageStats::default();
            // Customers and jobs carried by a page of another entity are the names its records
            // give (an imported file's rows), and credit memos carried by a page of invoices are
            // an invoices file's credits: counted in the page's figures, and apart too.
            let names_apart = !matches!(entity, Entity::Customer | Entity::Job);
            let credits_apart = entity != Entity::CreditMemo;
            let mut names = Tally::default();
            let mut credits = Tally::default();
            let mut tx = DB::begin_write(pool).await?;

            // Each chunk: read what is stored for its keys, decide per record (new, changed,
            // version bump, stale or identical), and write only what must be written. The
            // upsert keeps its own newer-version guard, so a concurrent writer cannot slip a
            // stale row in between.
            for chunk in page.customers.chunks(CHUNK) {
                let keys: Vec<&str> = chunk.iter().map(|c| c.external_id.as_str()).collect();
                let have = DB::stored_versions(&mut tx, "customers", source, &keys).await?;
                let write: Vec<_> = chunk
                    .iter()
                    .filter_map(|c| {
                        // A record without an address hashes as it did before addresses were kept,
                        // so an upgrade does not rewrite every customer.
                        let h = match &c.address {
                            None => content_hash(&(&c.name, c.kind, &c.email, &c.phone, c.terms_days, &c.pm, c.active)),
                            Some(a) => {
                                content_hash(&(&c.name, c.kind, &c.email, &c.phone, c.terms_days, &c.pm, c.active, a))
                            }
                        };
                        let before = stats;
                        let go = plan(have.get(&c.external_id), &c.version, h, &mut stats);
                        if names_apart {
                            names += Tally::since(&before, &stats);
                        }
                        go.then_some((*c, h))
                    })
                    .collect();
                if write.is_empty() {
                    continue;
                }
                let mut qb = QueryBuilder::<DB>::new(
                    "INSERT INTO customers (source, external_id, name, kind, email, billing_address, phone, \
                     terms_days, pm, active, src_updated_at, src_seq, content_hash, deleted) ",
                );
                qb.push_values(&write, |mut b, (c, h)| {
                    b.push_bind(source)
                        .push_bind(&c.external_id)
                        .push_bind(&c.name)
                        .push_bind(c.kind.as_str())
                        .push_bind(&c.email)
                        .push_bind(&c.address)
                        .push_bind(&c.phone)
                        .push_bind(c.terms_days)
                        .push_bind(&c.pm)
                        .push_bind(c.active)
                        .push_bind(micros(&c.version))
                        .push_bind(c.version.seq)
                        .push_bind(*h)
                        .push_bind(false);
                });
                qb.push(
                    " ON CONFLICT (source, external_id) DO UPDATE SET name = excluded.name, \
                    kind = excluded.kind, email = excluded.email, billing_address = excluded.billing_address, \
                    phone = excluded.phone, \
                    terms_days = excluded.terms_days, pm = excluded.pm, active = excluded.active, \
                    src_updated_at = excluded.src_updated_at, src_seq = excluded.src_seq, \
                    content_hash = excluded.content_hash, deleted = FALSE",
                );
                qb.push(newer_than("customers"));
                qb.build().execute(&mut *tx).await?;
            }

            // Parents referenced by this page but not (yet) in the store get a placeholder,
            // so no record is dropped; the real record overwrites it when it arrives.
            let mut wanted: Vec<&str> = page
                .jobs
                .iter()
                .map(|j| j.customer_external_id.as_str())
                .chain(page.invoices.iter().map(|i| i.customer_external_id.as_str()))
                .chain(page.memos.iter().map(|m| m.customer_external_id.as_str()))
                .chain(page.payments.iter().map(|p| p.customer_external_id.as_str()))
                .collect();
            wanted.sort_unstable();
            wanted.dedup();
            let customer_ids = ensure_customers(&mut tx, source, &wanted).await?;
            let customer_id = |ext: &str| customer_ids.get(ext).copied().unwrap_or_default();

            for chunk in page.jobs.chunks(CHUNK) {
                let keys: Vec<&str> = chunk.iter().map(|j| j.external_id.as_str()).collect();
                let have = DB::stored_versions(&mut tx, "jobs", source, &keys).await?;
                let write: Vec<_> = chunk
                    .iter()
                    .filter_map(|j| {
                        let h = content_hash(&(
                            (
                                &j.customer_external_id,
                                &j.name,
                                &j.city,
                                &j.county,
                                &j.state,
                                j.project_type,
                                j.role,
                                &j.owner_name,
                            ),
                            (
                                &j.gc_name,
                                &j.pm,
                                j.first_furnished,
                                j.last_furnished,
                                j.noc_recorded,
                                j.noc_expires,
                                j.retainage_bp,
                            ),
                        ));
                        let before = stats;
                        let go = plan(have.get(&j.external_id), &j.version, h, &mut stats);
                        if names_apart {
                            names += Tally::since(&before, &stats);
                        }
                        go.then_some((*j, h))
                    })
                    .collect();
                if write.is_empty() {
                    continue;
                }
                let mut qb = QueryBuilder::<DB>::new(
                    "INSERT INTO jobs (source, external_id, customer_id, name, city, county, state, project_type, \
                     our_role, owner_name, gc_name, pm, first_furnished, last_furnished, noc_recorded, noc_expires, \
                     retainage_bp, src_updated_at, src_seq, content_hash, deleted) ",
                );
                qb.push_values(&write, |mut b, (j, h)| {
                    b.push_bind(source)
                        .push_bind(&j.external_id)
                        .push_bind(customer_id(&j.customer_external_id))
                        .push_bind(&j.name)
                        .push_bind(&j.city)
                        .push_bind(&j.county)
                        .push_bind(&j.state)
                        .push_bind(j.project_type.map(|p| p.as_str()))
                        .push_bind(j.role.map(|r| r.as_str()))
                        .push_bind(&j.owner_name)
                        .push_bind(&j.gc_name)
                        .push_bind(&j.pm)
                        .push_bind(j.first_furnished)
                        .push_bind(j.last_furnished)
                        .push_bind(j.noc_recorded)
                        .push_bind(j.noc_expires)
                        .push_bind(j.retainage_bp)
                        .push_bind(micros(&j.version))
                        .push_bind(j.version.seq)
                        .push_bind(*h)
                        .push_bind(false);
                });
                qb.push(
                    " ON CONFLICT (source, external_id) DO UPDATE SET customer_id = excluded.customer_id, \
                    name = excluded.name, city = excluded.city, county = excluded.county, state = excluded.state, \
                    project_type = excluded.project_type, our_role = excluded.our_role, \
                    owner_name = excluded.owner_name, gc_name = excluded.gc_name, pm = excluded.pm, \
                    first_furnished = excluded.first_furnished, last_furnished = excluded.last_furnished, \
                    noc_recorded = excluded.noc_recorded, noc_expires = excluded.noc_expires, \
                    retainage_bp = excluded.retainage_bp, src_updated_at = excluded.src_updated_at, \
                    src_seq = excluded.src_seq, content_hash = excluded.content_hash, deleted = FALSE",
                );
                qb.push(newer_than("jobs"));
                qb.build().execute(&mut *tx).await?;
            }

            let mut job_exts: Vec<&str> = page.invoices.iter().filter_map(|i| i.job_external_id.as_deref()).collect();
            job_exts.sort_unstable();
            job_exts.dedup();
            let job_ids = DB::ids_of(&mut tx, "jobs", source, &job_exts).await?;
            let mut invoices_written = false;
            // Invoices whose balance the store derives (stated as of a day) and that this page may
            // move: the page's own, and those its payments apply to now or applied to before.
            let mut settle: Vec<String> =
                page.invoices.iter().filter(|i| i.balance_as_of.is_some()).map(|i| i.external_id.clone()).collect();
            // Sources that keep balances themselves (QuickBooks, Xero) skip that work.
            let derives = !settle.is_empty()
                || (!(page.payments.is_empty() && page.deletions.is_empty())
                    && sqlx::query_scalar::<DB, i64>(
                        "SELECT COUNT(*) FROM (SELECT 1 FROM invoices WHERE source = $1 \
                         AND balance_as_of IS NOT NULL LIMIT 1) t",
                    )
                    .bind(source)
                    .fetch_one(&mut *tx)
                    .await?
                        > 0);
            for chunk in page.invoices.chunks(CHUNK) {
                let keys: Vec<&str> = chunk.iter().map(|i| i.external_id.as_str()).collect();
                let have = DB::stored_versions(&mut tx, "invoices", source, &keys).await?;
                let write: Vec<_> = chunk
                    .iter()
                    .filter_map(|i| {
                        let h = content_hash(&(
                            (
                                &i.customer_external_id,
                                &i.job_external_id,
                                &i.number,
                                i.kind,
                                i.voided,
                                i.issued,
                                i.due,
                                i.currency,
                            ),
                            (i.total_minor, i.balance_minor, i.retainage_minor, &i.memo),
                        ));
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
                    })
                    .collect();
                if write.is_empty() {
                    continue;
                }
                invoices_written = true;
                let mut qb = QueryBuilder::<DB>::new(
                    "INSERT INTO invoices (source, external_id, customer_id, job_id, number, kind, status, issued, due, \
                     currency, total_minor, balance_minor, retainage_minor, memo, src_updated_at, src_seq, \
                     content_hash, stated_balance_minor, balance_as_of) ",
                );
                qb.push_values(&write, |mut b, (i, h)| {
                    b.push_bind(source)
                        .push_bind(&i.external_id)
                        .push_bind(customer_id(&i.customer_external_id))
                        .push_bind(i.job_external_id.as_deref().and_then(|j| job_ids.get(j)).copied())
                        .push_bind(&i.number)
                        .push_bind(i.kind.as_str())
                        .push_bind(invoice_status(i))
                        .push_bind(i.issued)
                        .push_bind(i.due)
                        .push_bind(i.currency.code().to_string())
                        .push_bind(i.total_minor)
                        .push_bind(i.balance_minor)
                        .push_bind(i.retainage_minor)
                        .push_bind(&i.memo)
                        .push_bind(micros(&i.version))
                        .push_bind(i.version.seq)
                        .push_bind(*h)
                        .push_bind(i.balance_as_of.map(|_| i.balance_minor))
                        .push_bind(i.balance_as_of);
                });
                qb.push(
                    " ON CONFLICT (source, external_id) DO UPDATE SET customer_id = excluded.customer_id, \
                    job_id = excluded.job_id, number = excluded.number, kind = excluded.kind, \
                    status = excluded.status, issued = excluded.issued, due = excluded.due, \
                    currency = excluded.currency, total_minor = excluded.total_minor, \
                    balance_minor = excluded.balance_minor, retainage_minor = excluded.retainage_minor, \
                    memo = excluded.memo, src_updated_at = excluded.src_updated_at, src_seq = excluded.src_seq, \
                    content_hash = excluded.content_hash, stated_balance_minor = excluded.stated_balance_minor, \
                    balance_as_of = CASE WHEN invoices.stated_balance_minor = excluded.stated_balance_minor \
                        AND invoices.balance_as_of < excluded.balance_as_of THEN invoices.balance_as_of \
                        ELSE excluded.balance_as_of END",
                );
                qb.push(newer_than("invoices"));
                qb.build().execute(&mut *tx).await?;
            }
            if invoices_written {
                // Applications that arrived before their invoice now find it.
                sqlx::query::<DB>(
                    "UPDATE applications SET invoice_id = (SELECT i.id FROM invoices i \
                    WHERE i.source = applications.source AND i.external_id = applications.invoice_ext) \
                    WHERE invoice_id IS NULL AND source = $1",
                )
                // Unnamed, so Postgres plans it against the partial index every time rather
                // than keep a full-scan plan made while the table was empty.
                .persistent(false)
                .bind(source)
                .execute(&mut *tx)
                .await?;
            }

            for chunk in page.memos.chunks(CHUNK) {
                let keys: Vec<&str> = chunk.iter().map(|m| m.external_id.as_str()).collect();
                let have = DB::stored_versions(&mut tx, "credit_memos", source, &keys).await?;
                let write: Vec<_> = chunk
                    .iter()
                    .filter_map(|m| {
                        let h = content_hash(&(
                            &m.customer_external_id,
                            &m.number,
                            m.issued,
                            m.currency,
                            m.total_minor,
                            m.remaining_minor,
                        ));
                        let before = stats;
                        let go = plan(have.get(&m.external_id), &m.version, h, &mut stats);
                        if credits_apart {
                            credits += Tally::since(&before, &stats);
                        }
                        go.then_some((*m, h))
                    })
                    .collect();
                if write.is_empty() {
                    continue;
                }
                let mut qb = QueryBuilder::<DB>::new(
                    "INSERT INTO credit_memos (source, external_id, customer_id, number, issued, currency, \
                     total_minor, remaining_minor, src_updated_at, src_seq, content_hash, deleted) ",
                );
                qb.push_values(&write, |mut b, (m, h)| {
                    b.push_bind(source)
                        .push_bind(&m.external_id)
                        .push_bind(customer_id(&m.customer_external_id))
                        .push_bind(&m.number)
                        .push_bind(m.issued)
                        .push_bind(m.currency.code().to_string())
                        .push_bind(m.total_minor)
                        .push_bind(m.remaining_minor)
                        .push_bind(micros(&m.version))
                        .push_bind(m.version.seq)
                        .push_bind(*h)
                        .push_bind(false);
                });
                qb.push(
                    " ON CONFLICT (source, external_id) DO UPDATE SET customer_id = excluded.customer_id, \
                    number = excluded.number, issued = excluded.issued, currency = excluded.currency, \
                    total_minor = excluded.total_minor, remaining_minor = excluded.remaining_minor, \
                    src_updated_at = excluded.src_updated_at, src_seq = excluded.src_seq, \
                    content_hash = excluded.content_hash, deleted = FALSE",
                );
                qb.push(newer_than("credit_memos"));
                qb.build().execute(&mut *tx).await?;
            }

            // Payments, and their applications replaced as a whole where the content changed.
            for chunk in page.payments.chunks(CHUNK) {
                let keys: Vec<&str> = chunk.iter().map(|p| p.external_id.as_str()).collect();
                let have = DB::stored_versions(&mut tx, "payments", source, &keys).await?;
                let mut replace_lines: Vec<&PaymentRecord> = Vec::new();
                let write: Vec<_> = chunk
                    .iter()
                    .filter_map(|p| {
                        let apps: Vec<_> = p
                            .applications
                            .iter()
                            .map(|a| (&a.invoice_external_id, a.amount_minor, &a.credit_memo_external_id))
                            .collect();
                        let h = content_hash(&(
                            &p.customer_external_id,
                            p.received,
                            p.currency,
                            p.amount_minor,
                            p.unapplied_minor,
                            &p.method,
                            &p.reference,
                            apps,
                        ));
                        let stored = have.get(&p.external_id);
                        let go = plan(stored, &p.version, h, &mut stats);
                        if go && stored.is_none_or(|s| s.content_hash != h) {
                            replace_lines.push(*p);
                        }
                        go.then_some((*p, h))
                    })
                    .collect();
                if write.is_empty() {
                    continue;
                }
                let mut qb = QueryBuilder::<DB>::new(
                    "INSERT INTO payments (source, external_id, customer_id, received, currency, amount_minor, \
                     unapplied_minor, method, reference, src_updated_at, src_seq, content_hash, deleted) ",
                );
                qb.push_values(&write, |mut b, (p, h)| {
                    b.push_bind(source)
                        .push_bind(&p.external_id)
                        .push_bind(customer_id(&p.customer_external_id))
                        .push_bind(p.received)
                        .push_bind(p.currency.code().to_string())
                        .push_bind(p.amount_minor)
                        .push_bind(p.unapplied_minor)
                        .push_bind(&p.method)
                        .push_bind(&p.reference)
                        .push_bind(micros(&p.version))
                        .push_bind(p.version.seq)
                        .push_bind(*h)
                        .push_bind(false);
                });
                qb.push(
                    " ON CONFLICT (source, external_id) DO UPDATE SET customer_id = excluded.customer_id, \
                    received = excluded.received, currency = excluded.currency, amount_minor = excluded.amount_minor, \
                    unapplied_minor = excluded.unapplied_minor, method = excluded.method, \
                    reference = excluded.reference, src_updated_at = excluded.src_updated_at, \
                    src_seq = excluded.src_seq, content_hash = excluded.content_hash, deleted = FALSE",
                );
                qb.push(newer_than("payments"));
                qb.build().execute(&mut *tx).await?;
                if replace_lines.is_empty() {
                    continue;
                }
                let payment_ids = DB::ids_of(
                    &mut tx,
                    "payments",
                    source,
                    &replace_lines.iter().map(|p| p.external_id.as_str()).collect::<Vec<_>>(),
                )
                .await?;
                if derives {
                    let ids = replace_lines.iter().filter_map(|p| payment_ids.get(&p.external_id).copied());
                    settle.extend(lines_of(&mut tx, ids).await?);
                }
                // Also for payments this page saw as new: a concurrent sync of the same
                // source may have written them (and their lines) since they were read.
                let mut del = QueryBuilder::<DB>::new("DELETE FROM applications WHERE payment_id IN (");
                let mut sep = del.separated(", ");
                for p in &replace_lines {
                    sep.push_bind(payment_ids.get(&p.external_id).copied().unwrap_or_default());
                }
                sep.push_unseparated(")");
                del.build().execute(&mut *tx).await?;
                let mut invoice_exts: Vec<&str> = replace_lines
                    .iter()
                    .flat_map(|p| p.applications.iter().map(|a| a.invoice_external_id.as_str()))
                    .collect();
                invoice_exts.sort_unstable();
                invoice_exts.dedup();
                if derives {
                    settle.extend(invoice_exts.iter().map(|e| e.to_string()));
                }
                let invoice_ids = DB::ids_of(&mut tx, "invoices", source, &invoice_exts).await?;
                let lines: Vec<(i64, usize, &ApplicationRecord, NaiveDate)> = replace_lines
                    .iter()
                    .filter_map(|p| payment_ids.get(&p.external_id).map(|id| (*id, *p)))
                    .flat_map(|(id, p)| p.applications.iter().enumerate().map(move |(n, a)| (id, n, a, p.received)))
                    .collect();
                for lines in lines.chunks(CHUNK) {
                    let mut qb = QueryBuilder::<DB>::new(
                        "INSERT INTO applications (payment_id, line, source, invoice_ext, invoice_id, credit_memo_ext, \
                         applied_on, amount_minor) ",
                    );
                    qb.push_values(lines, |mut b, (pid, n, a, on)| {
                        b.push_bind(*pid)
                            .push_bind(*n as i64)
                            .push_bind(source)
                            .push_bind(&a.invoice_external_id)
                            .push_bind(invoice_ids.get(&a.invoice_external_id).copied())
                            .push_bind(&a.credit_memo_external_id)
                            .push_bind(*on)
                            .push_bind(a.amount_minor);
                    });
                    qb.build().execute(&mut *tx).await?;
                }
            }

            // Deletions: a record is gone only if the deletion is not older than what we hold.
            for d in &page.deletions {
                let table = table_of(d.entity);
                let sql = match d.entity {
                    Entity::Invoice => format!(
                        "UPDATE {table} SET status = 'deleted', \
                        src_updated_at = $3, src_seq = $4 WHERE source = $1 AND external_id = $2 \
                        AND status <> 'deleted' AND src_updated_at <= $3 RETURNING id"
                    ),
                    _ => format!(
                        "UPDATE {table} SET deleted = TRUE, src_updated_at = $3, src_seq = $4 \
                        WHERE source = $1 AND external_id = $2 AND deleted = FALSE AND src_updated_at <= $3 RETURNING id"
                    ),
                };
                let gone: Option<i64> = sqlx::query_scalar::<DB, i64>(sqlx::AssertSqlSafe(sql))
                    .bind(source)
                    .bind(&d.external_id)
                    .bind(micros(&d.version))
                    .bind(d.version.seq)
                    .fetch_optional(&mut *tx)
                    .await?;
                match gone {
                    Some(id) => {
                        stats.deleted += 1;
                        if d.entity == Entity::Payment {
                            if derives {
                                settle.extend(lines_of(&mut tx, [id]).await?);
                            }
                            sqlx::query::<DB>("DELETE FROM applications WHERE payment_id = $1")
                                .bind(id)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                    None => stats.unchanged += 1,
                }
            }

            if derives {
                settle.sort_unstable();
                settle.dedup();
                stats.closed += settle_balances(&mut tx, source, &settle).await?;
            }

            if let Some(wm) = watermark {
                sqlx::query::<DB>(
                    "INSERT INTO sync_watermarks (source, entity, watermark, run_id) \
                    VALUES ($1, $2, $3, $4) ON CONFLICT (source, entity) DO UPDATE \
                    SET watermark = excluded.watermark, run_id = excluded.run_id",
                )
                .bind(source)
                .bind(entity.as_str())
                .bind(wm)
                .bind(run)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            stats.names = names;
            stats.credits = credits;
            Ok(stats)
        })
    }

    async fn id_for(&self, entity: Entity, source: &str, external_id: &str) -> Result<Option<i64>, StoreError> {
        on!(self, read, |pool, DB| {
            let sql = format!("SELECT id FROM {} WHERE source = $1 AND external_id = $2", table_of(entity));
            Ok(sqlx::query_scalar::<DB, i64>(sqlx::AssertSqlSafe(sql))
                .bind(source)
                .bind(external_id)
                .fetch_optional(pool)
                .await?)
        })
    }

    async fn invoices_applied_by(
        &self,
        source: &str,
        payment_exts: &[&str],
    ) -> Result<Vec<(String, String)>, StoreError> {
        on!(self, read, |pool, DB| {
            let mut out = Vec::new();
            for chunk in payment_exts.chunks(CHUNK) {
                out.extend(DB::applied_by(pool, source, chunk).await?);
            }
            Ok(out)
        })
    }

    async fn keyed_names(&self, source: &str, entity: Entity) -> Result<Vec<KeyedName>, StoreError> {
        on!(self, read, |pool, DB| {
            let rows: Vec<(String, String, Option<String>)> = match entity {
                Entity::Job => sqlx::query_as::<DB, _>(
                    "SELECT j.external_id, j.name, c.external_id FROM jobs j JOIN customers c ON c.id = j.customer_id \
                         WHERE j.source = $1 AND j.deleted = FALSE ORDER BY j.id",
                )
                .bind(source)
                .fetch_all(pool)
                .await?,
                _ => {
                    sqlx::query_as::<DB, _>(
                        "SELECT external_id, name, CAST(NULL AS TEXT) FROM customers \
                         WHERE source = $1 AND deleted = FALSE ORDER BY id",
                    )
                    .bind(source)
                    .fetch_all(pool)
                    .await?
                }
            };
            Ok(rows.into_iter().map(|(external_id, name, parent)| KeyedName { external_id, name, parent }).collect())
        })
    }

    async fn rekey(&self, source: &str, entity: Entity, from: &str, to: &str) -> Result<bool, StoreError> {
        let table = match entity {
            Entity::Customer => "customers",
            Entity::Job => "jobs",
            _ => return Ok(false),
        };
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            let sql = format!(
                "UPDATE {table} SET external_id = $3 WHERE source = $1 AND external_id = $2 \
                 AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.source = $1 AND t.external_id = $3)"
            );
            let done = sqlx::query::<DB>(sqlx::AssertSqlSafe(sql))
                .bind(source)
                .bind(from)
                .bind(to)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            Ok(done > 0)
        })
    }

    async fn merge(&self, source: &str, entity: Entity, from: &str, into: &str) -> Result<bool, StoreError> {
        let (table, moves): (&str, &[&str]) = match entity {
            Entity::Customer => (
                "customers",
                &[
                    "UPDATE jobs SET customer_id = $2 WHERE customer_id = $1",
                    "UPDATE invoices SET customer_id = $2 WHERE customer_id = $1",
                    "UPDATE credit_memos SET customer_id = $2 WHERE customer_id = $1",
                    "UPDATE payments SET customer_id = $2 WHERE customer_id = $1",
                    "UPDATE notes SET customer_id = $2 WHERE customer_id = $1",
                    "UPDATE promises SET customer_id = $2 WHERE customer_id = $1",
                    "UPDATE payment_plans SET customer_id = $2 WHERE customer_id = $1",
                    // An open escalation stays where one is already open for the same job.
                    "UPDATE escalations SET customer_id = $2 WHERE customer_id = $1 AND (status = 'resolved' \
                     OR NOT EXISTS (SELECT 1 FROM escalations e WHERE e.customer_id = $2 AND e.status <> 'resolved' \
                     AND COALESCE(e.job_id, 0) = COALESCE(escalations.job_id, 0)))",
                ],
            ),
            Entity::Job => (
                "jobs",
                &[
                    "UPDATE invoices SET job_id = $2 WHERE job_id = $1",
                    "UPDATE job_facts SET job_id = $2 WHERE job_id = $1 \
                     AND fact NOT IN (SELECT f.fact FROM job_facts f WHERE f.job_id = $2)",
                    "UPDATE job_notices SET job_id = $2 WHERE job_id = $1",
                    "UPDATE escalations SET job_id = $2 WHERE job_id = $1 AND status = 'resolved'",
                ],
            ),
            _ => return Ok(false),
        };
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            let ids = DB::ids_of(&mut tx, table, source, &[from, into]).await?;
            let (Some(from_id), Some(into_id)) = (ids.get(from).copied(), ids.get(into).copied()) else {
                return Ok(false);
            };
            if from_id == into_id {
                return Ok(false);
            }
            for sql in moves {
                sqlx::query::<DB>(sqlx::AssertSqlSafe(*sql)).bind(from_id).bind(into_id).execute(&mut *tx).await?;
            }
            let sql = format!("UPDATE {table} SET deleted = TRUE WHERE id = $1");
            sqlx::query::<DB>(sqlx::AssertSqlSafe(sql)).bind(from_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    async fn live_external_ids(&self, source: &str, entity: Entity) -> Result<Vec<String>, StoreError> {
        on!(self, read, |pool, DB| {
            let table = table_of(entity);
            let live = if entity == Entity::Invoice { "status <> 'deleted'" } else { "deleted = FALSE" };
            let sql = format!("SELECT external_id FROM {table} WHERE source = $1 AND {live}");
            Ok(sqlx::query_scalar::<DB, String>(sqlx::AssertSqlSafe(sql)).bind(source).fetch_all(pool).await?)
        })
    }
}
