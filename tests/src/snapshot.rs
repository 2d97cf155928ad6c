//! The synced ledger as plain data, read straight from the database with SQL (not through the
//! store's own read paths), so a test can compare it with what a fake vendor holds.

use std::collections::BTreeMap;

use crate::TestDb;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceRow {
    pub customer: String,
    pub job: Option<String>,
    pub number: String,
    /// open, paid or void (deleted invoices are not in a snapshot).
    pub status: String,
    pub currency: String,
    pub total: i64,
    pub balance: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRow {
    pub customer: String,
    pub amount: i64,
    pub unapplied: i64,
    pub currency: String,
    /// (invoice, amount, credit memo), in line order.
    pub applications: Vec<(String, i64, Option<String>)>,
}

/// Every live record of one source, by external id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// name, active
    pub customers: BTreeMap<String, (String, bool)>,
    /// customer, name
    pub jobs: BTreeMap<String, (String, String)>,
    pub invoices: BTreeMap<String, InvoiceRow>,
    /// customer, total, remaining
    pub memos: BTreeMap<String, (String, i64, i64)>,
    pub payments: BTreeMap<String, PaymentRow>,
}

impl Snapshot {
    /// The differences, readable in a failed assertion.
    pub fn diff(&self, other: &Snapshot) -> String {
        fn side<K: Ord + std::fmt::Debug, V: PartialEq + std::fmt::Debug>(
            name: &str,
            a: &BTreeMap<K, V>,
            b: &BTreeMap<K, V>,
            out: &mut Vec<String>,
        ) {
            for (k, v) in a {
                match b.get(k) {
                    None => out.push(format!("{name} {k:?} only in the store: {v:?}")),
                    Some(w) if w != v => out.push(format!("{name} {k:?}: store {v:?} != expected {w:?}")),
                    _ => {}
                }
            }
            for (k, w) in b {
                if !a.contains_key(k) {
                    out.push(format!("{name} {k:?} missing from the store: {w:?}"));
                }
            }
        }
        let mut out = Vec::new();
        side("customer", &self.customers, &other.customers, &mut out);
        side("job", &self.jobs, &other.jobs, &mut out);
        side("invoice", &self.invoices, &other.invoices, &mut out);
        side("credit memo", &self.memos, &other.memos, &mut out);
        side("payment", &self.payments, &other.payments, &mut out);
        out.truncate(30);
        out.join("\n")
    }
}

/// Asserts the store holds exactly `expected` for `source`.
pub async fn assert_matches(db: &TestDb, source: &str, expected: &Snapshot, context: &str) {
    let got = read(db, source).await;
    assert!(
        got == *expected,
        "{} ({context}): the store differs from the vendor's ledger:\n{}",
        db.name,
        got.diff(expected)
    );
}

macro_rules! read_with {
    ($pool:expr, $db:ty, $source:expr) => {{
        let pool = $pool;
        let source: &str = $source;
        let mut s = Snapshot::default();
        let rows: Vec<(String, String, bool)> = sqlx::query_as::<$db, _>(
            "SELECT external_id, name, active FROM customers WHERE source = $1 AND deleted = FALSE",
        )
        .bind(source)
        .fetch_all(&pool)
        .await
        .expect("customers");
        s.customers = rows.into_iter().map(|(id, name, active)| (id, (name, active))).collect();
        let rows: Vec<(String, String, String)> = sqlx::query_as::<$db, _>(
            "SELECT j.external_id, c.external_id, j.name FROM jobs j JOIN customers c ON c.id = j.customer_id \
             WHERE j.source = $1 AND j.deleted = FALSE",
        )
        .bind(source)
        .fetch_all(&pool)
        .await
        .expect("jobs");
        s.jobs = rows.into_iter().map(|(id, c, name)| (id, (c, name))).collect();
        let rows: Vec<(String, String, Option<String>, String, String, String, i64, i64)> = sqlx::query_as::<$db, _>(
            "SELECT i.external_id, c.external_id, j.external_id, i.number, i.status, i.currency, i.total_minor, \
             i.balance_minor FROM invoices i JOIN customers c ON c.id = i.customer_id \
             LEFT JOIN jobs j ON j.id = i.job_id WHERE i.source = $1 AND i.status <> 'deleted'",
        )
        .bind(source)
        .fetch_all(&pool)
        .await
        .expect("invoices");
        s.invoices = rows
            .into_iter()
            .map(|(id, customer, job, number, status, currency, total, balance)| {
                (id, InvoiceRow { customer, job, number, status, currency, total, balance })
            })
            .collect();
        let rows: Vec<(String, String, i64, i64)> = sqlx::query_as::<$db, _>(
            "SELECT m.external_id, c.external_id, m.total_minor, m.remaining_minor FROM credit_memos m \
             JOIN customers c ON c.id = m.customer_id WHERE m.source = $1 AND m.deleted = FALSE",
        )
        .bind(source)
        .fetch_all(&pool)
        .await
        .expect("credit memos");
        s.memos = rows.into_iter().map(|(id, c, t, r)| (id, (c, t, r))).collect();
        let rows: Vec<(String, String, i64, i64, String)> = sqlx::query_as::<$db, _>(
            "SELECT p.external_id, c.external_id, p.amount_minor, p.unapplied_minor, p.currency FROM payments p \
             JOIN customers c ON c.id = p.customer_id WHERE p.source = $1 AND p.deleted = FALSE",
        )
        .bind(source)
        .fetch_all(&pool)
        .await
        .expect("payments");
        for (id, customer, amount, unapplied, currency) in rows {
            s.payments.insert(id, PaymentRow { customer, amount, unapplied, currency, applications: Vec::new() });
        }
        let rows: Vec<(String, String, i64, Option<String>)> = sqlx::query_as::<$db, _>(
            "SELECT p.external_id, a.invoice_ext, a.amount_minor, a.credit_memo_ext FROM applications a \
             JOIN payments p ON p.id = a.payment_id WHERE p.source = $1 AND p.deleted = FALSE ORDER BY p.external_id, a.line",
        )
        .bind(source)
        .fetch_all(&pool)
        .await
        .expect("applications");
        for (payment, invoice, amount, memo) in rows {
            if let Some(p) = s.payments.get_mut(&payment) {
                p.applications.push((invoice, amount, memo));
            }
        }
        pool.close().await;
        s
    }};
}

/// The live ledger of `source` in `db`.
pub async fn read(db: &TestDb, source: &str) -> Snapshot {
    if db.url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(&db.url).await.expect("connect postgres");
        read_with!(pool, sqlx::Postgres, source)
    } else {
        let pool = sqlx::SqlitePool::connect(&db.url).await.expect("connect sqlite");
        read_with!(pool, sqlx::Sqlite, source)
    }
}

/// The status of one invoice (including `deleted`), if stored.
pub async fn invoice_status(db: &TestDb, source: &str, external_id: &str) -> Option<String> {
    let sql = "SELECT status FROM invoices WHERE source = $1 AND external_id = $2";
    if db.url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(&db.url).await.expect("connect postgres");
        let s = sqlx::query_scalar::<sqlx::Postgres, String>(sql)
            .bind(source)
            .bind(external_id)
            .fetch_optional(&pool)
            .await
            .expect("status");
        pool.close().await;
        s
    } else {
        let pool = sqlx::SqlitePool::connect(&db.url).await.expect("connect sqlite");
        let s = sqlx::query_scalar::<sqlx::Sqlite, String>(sql)
            .bind(source)
            .bind(external_id)
            .fetch_optional(&pool)
            .await
            .expect("status");
        pool.close().await;
        s
    }
}
