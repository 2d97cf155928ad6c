//! Reading the synced ledger: customers, jobs, invoices, payments and credits.

use chrono::NaiveDate;

use super::{SqlStore, currency, like_pattern, on};
use crate::aging::{AgingConfig, AgingSums, Basis, GroupBy, column_bounds};
use crate::ledger::{AppliedAmount, Credits, Customer, CustomerKind, CustomerRef, Invoice, InvoiceKind, InvoiceStatus};
use crate::ledger::{Job, JobWithCustomer, OpenItem, OurRole, Payment, ProjectType};
use crate::ledger::{OverdueItem, OverduePage};
use crate::money::{Currency, Money};
use crate::store::{CustomerOverdue, LedgerCounts, LedgerReads, OpenItemsQuery, OpenSums, PaymentLine, StoreError};

#[derive(sqlx::FromRow)]
struct CustomerRow {
    pub id: i64,
    pub source: String,
    pub external_id: String,
    pub name: String,
    pub kind: String,
    pub email: Option<String>,
    pub billing_address: Option<String>,
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
            address: r.billing_address,
            phone: r.phone,
            terms_days: r.terms_days,
            pm: r.pm,
            active: r.active,
        }
    }
}

#[derive(sqlx::FromRow)]
struct JobRow {
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
struct JobListRow {
    #[sqlx(flatten)]
    pub job: JobRow,
    pub customer_name: String,
}

/// A job's columns as [`JobRow`] reads them, with its customer's name (`j` the job, `c` the
/// customer); the PM is the job's, else the customer's.
const JOB_COLUMNS: &str = "j.id, j.customer_id, j.name, j.city, j.county, j.state, j.project_type, j.our_role, \
    j.owner_name, j.gc_name, COALESCE(j.pm, c.pm) AS pm, j.first_furnished, j.last_furnished, j.noc_recorded, \
    j.noc_expires, j.retainage_bp, c.name AS customer_name";

/// Unpaid balance per job (`job_id`, `owed`) on the invoices in `$2` open today and issued by `$1`.
const OPEN_BY_JOB: &str = "SELECT job_id, CAST(SUM(balance_minor) AS BIGINT) AS owed FROM invoices \
    WHERE balance_minor > 0 AND status = 'open' AND job_id IS NOT NULL AND issued <= $1 AND currency = $2 \
    GROUP BY job_id";

#[derive(sqlx::FromRow)]
struct OwingJobRow {
    #[sqlx(flatten)]
    pub job: JobRow,
    pub customer_name: String,
    pub owed: i64,
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

const INVOICE_SELECT: &str = "SELECT i.id, i.source, i.external_id, i.number, i.customer_id, \
    c.name AS customer_name, i.job_id, j.name AS job_name, COALESCE(j.pm, c.pm) AS pm, i.kind, i.status, \
    i.issued, i.due, i.currency, i.total_minor, i.balance_minor, i.retainage_minor, i.memo \
    FROM invoices i JOIN customers c ON c.id = i.customer_id LEFT JOIN jobs j ON j.id = i.job_id ";

#[derive(sqlx::FromRow)]
struct InvoiceRow {
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

/// Each invoice open on the as-of date `$1` with its balance then, as a derived table with the
/// invoice's own column names (`balance_minor` is the balance then). Open now: read through the
/// partial index of open invoices. Closed now: only those paid by something applied after the
/// date. Both add what was applied after the date, summed once from the applications of those
/// days; never more than was invoiced (an invoice paid more than its total owed no more than its
/// total). `{customer}` is a filter on `i` or nothing.
///
/// `one_scan` (PostgreSQL, every customer) reads both from one pass over the invoices instead:
/// there the open invoices are spread over nearly every page of the table, so reading them
/// through the partial index reads the table anyway, and the closed invoices paid since were a
/// second full scan (the planner hashes the applications rather than look up tens of thousands of
/// invoices one by one). On SQLite the partial index carries every column (migration 0029), and
/// the `OR` would keep the planner off it.
fn balances_then(customer: &str, one_scan: bool) -> String {
    // The applications after `$1` come from their date's index, then are summed per invoice. The
    // ORDER BY keeps it so: summed straight from `applications`, SQLite walks the invoice index
    // (to skip the GROUP BY's sort) and so every application ever, twice per report (0.31 s
    // rather than 0.11 s for the digest's "then" on a 1,000,000-invoice ledger).
    let paid = "(SELECT s.invoice_id, SUM(s.amount_minor) AS paid FROM (SELECT a.invoice_id, a.amount_minor \
        FROM applications a WHERE a.applied_on > $1 AND a.invoice_id IS NOT NULL ORDER BY a.applied_on) s \
        GROUP BY s.invoice_id)";
    let cols = "i.id, i.number, i.customer_id, i.job_id, i.kind, i.issued, i.due, i.currency, i.total_minor, \
        i.retainage_minor";
    let rows = if one_scan && customer.is_empty() {
        format!(
            "SELECT {cols}, i.balance_minor + COALESCE(x.paid, 0) AS b \
               FROM invoices i LEFT JOIN (SELECT a.invoice_id, SUM(a.amount_minor) AS paid FROM applications a \
                 WHERE a.applied_on > $1 AND a.invoice_id IS NOT NULL GROUP BY a.invoice_id) x \
                 ON x.invoice_id = i.id \
               WHERE i.issued <= $1 AND ((i.balance_minor > 0 AND i.status = 'open') \
                 OR (i.status IN ('open', 'paid') AND x.invoice_id IS NOT NULL))"
        )
    } else {
        format!(
            "SELECT {cols}, i.balance_minor + COALESCE(x.paid, 0) AS b \
               FROM invoices i LEFT JOIN {paid} x ON x.invoice_id = i.id \
               WHERE i.balance_minor > 0 AND i.status = 'open' AND i.issued <= $1 {customer} \
             UNION ALL \
             SELECT {cols}, i.balance_minor + x.paid FROM {paid} x JOIN invoices i ON i.id = x.invoice_id \
               WHERE i.status IN ('open', 'paid') AND NOT (i.balance_minor > 0 AND i.status = 'open') \
               AND i.issued <= $1 {customer}"
        )
    };
    format!(
        "(SELECT id, number, customer_id, job_id, kind, issued, due, currency, total_minor, retainage_minor, \
           CASE WHEN b > total_minor THEN total_minor ELSE b END AS balance_minor FROM ({rows}) r)"
    )
}

/// Open items. The historical form takes the as-of date as `$1`; `{customer}` becomes a customer filter or nothing
/// (two statements rather than `$2 = 0 OR ...`, which would keep the planner off the index).
fn open_items_sql(historical: bool, one_customer: bool, one_scan: bool) -> String {
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
    if !historical {
        // No date condition here: an index on the invoice date would tempt SQLite away from the
        // small partial index of open invoices. Invoices dated after `$1` are dropped by the caller.
        return format!(
            "SELECT {columns}, i.balance_minor FROM invoices i \
             JOIN customers c ON c.id = i.customer_id LEFT JOIN jobs j ON j.id = i.job_id \
             WHERE i.balance_minor > 0 AND i.status = 'open' {customer} ORDER BY i.due, i.id"
        );
    }
    format!(
        "SELECT {columns}, CAST(i.balance_minor AS BIGINT) AS balance_minor FROM {} i \
         JOIN customers c ON c.id = i.customer_id LEFT JOIN jobs j ON j.id = i.job_id \
         WHERE i.balance_minor > 0 ORDER BY i.due, i.id",
        balances_then(customer, one_scan)
    )
}

/// [`open_items_sql`] summed in one currency: `$1` the as-of date, `$2` the currency, `$3` the
/// day 90 days before the as-of date, `$4` the customer if one. Retainage held is the retainage
/// within the balance.
/// The invoices with a dispute open, joined as `od` (`od.invoice_id` is NULL on an invoice with
/// none). A join rather than `EXISTS (…)` in the select list: the outer sums use `disputed` in
/// several columns, and SQLite inlines the subquery into each, so it ran up to seven times per
/// open invoice (a fifth of the digest's accounts query on a 1,000,000-invoice ledger).
const OPEN_DISPUTES: &str = "LEFT JOIN (SELECT DISTINCT d.invoice_id FROM disputes d WHERE d.resolved_at IS NULL) od \
    ON od.invoice_id = i.id";

fn open_sums_sql(historical: bool, one_customer: bool, one_scan: bool) -> String {
    let customer = if one_customer { "AND i.customer_id = $4" } else { "" };
    let (from, balance, issued) = if historical {
        (format!("{} i", balances_then(customer, one_scan)), "i.balance_minor", "")
    } else {
        // Current: the partial index, with the invoice date in the sums rather than the WHERE
        // clause (an index on the date would tempt SQLite away from the partial index).
        ("invoices i".to_string(), "CASE WHEN i.issued <= $1 THEN i.balance_minor ELSE 0 END", "")
    };
    let filter = if historical { "i.balance_minor > 0" } else { "i.balance_minor > 0 AND i.status = 'open'" };
    format!(
        "SELECT COUNT(*), CAST(COALESCE(SUM(b), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN due < $1 THEN b - r ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN due < $3 THEN b - r ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(r), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN disputed = 1 THEN b ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN disputed = 1 AND due < $1 THEN b - r ELSE 0 END), 0) AS BIGINT) \
         FROM (SELECT i.due, {balance} AS b, \
           CASE WHEN i.retainage_minor < 0 THEN 0 WHEN i.retainage_minor > {balance} THEN {balance} \
             ELSE i.retainage_minor END AS r, \
           CASE WHEN od.invoice_id IS NULL THEN 0 ELSE 1 END AS disputed \
           FROM {from} {OPEN_DISPUTES} WHERE {filter} AND i.currency = $2 {issued} {customer}) t WHERE b > 0"
    )
}

/// [`open_sums_sql`]'s historical sums on `n` days at once: `$1`…`$n` the days, `${n+1}` the
/// currency, `${n+2}` the earliest day, `${n+2+k}` the day 90 days before day `k`. Seven columns
/// per day, in `open_sums`' order. Each invoice's applications after each day are summed in one
/// pass over the applications since the earliest (`x`, read from their date's index, as in
/// `balances_then`); an open invoice counts on a day it was
/// issued by, with what was applied after the day added back; a closed one on a day after which
/// something was applied to it (as `balances_then`'s two parts).
fn open_sums_on_sql(n: usize) -> String {
    let paid: Vec<String> = (1..=n)
        .map(|k| {
            format!(
                "SUM(CASE WHEN a.applied_on > ${k} THEN a.amount_minor ELSE 0 END) AS p{k}, \
                 SUM(CASE WHEN a.applied_on > ${k} THEN 1 ELSE 0 END) AS n{k}"
            )
        })
        .collect();
    let then = |closed: bool| -> String {
        (1..=n)
            .map(|k| {
                let b = format!("i.balance_minor + COALESCE(x.p{k}, 0)");
                let skip = if closed {
                    format!("i.issued > ${k} OR COALESCE(x.n{k}, 0) = 0")
                } else {
                    format!("i.issued > ${k}")
                };
                format!("CASE WHEN {skip} THEN 0 WHEN {b} > i.total_minor THEN i.total_minor ELSE {b} END AS b{k}")
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let sums: Vec<String> = (1..=n)
        .map(|k| {
            let ninety = n + 2 + k;
            let r = format!(
                "(CASE WHEN t.retainage_minor < 0 THEN 0 WHEN t.retainage_minor > t.b{k} THEN t.b{k} \
                 ELSE t.retainage_minor END)"
            );
            let on = format!("t.b{k} > 0");
            let sum = |when: &str, what: &str| {
                format!("CAST(COALESCE(SUM(CASE WHEN {when} THEN {what} ELSE 0 END), 0) AS BIGINT)")
            };
            [
                sum(&on, "1"),
                sum(&on, &format!("t.b{k}")),
                sum(&format!("{on} AND t.due < ${k}"), &format!("t.b{k} - {r}")),
                sum(&format!("{on} AND t.due < ${ninety}"), &format!("t.b{k} - {r}")),
                sum(&on, &r),
                sum(&format!("{on} AND t.disputed = 1"), &format!("t.b{k}")),
                sum(&format!("{on} AND t.disputed = 1 AND t.due < ${k}"), &format!("t.b{k} - {r}")),
            ]
            .join(", ")
        })
        .collect();
    let disputed = "CASE WHEN od.invoice_id IS NULL THEN 0 ELSE 1 END AS disputed";
    format!(
        "WITH x AS (SELECT a.invoice_id, {paid} FROM (SELECT s.invoice_id, s.applied_on, s.amount_minor \
           FROM applications s WHERE s.applied_on > ${earliest} AND s.invoice_id IS NOT NULL ORDER BY s.applied_on) a \
           GROUP BY a.invoice_id) \
         SELECT {sums} FROM ( \
           SELECT i.due, i.retainage_minor, {disputed}, {open} FROM invoices i LEFT JOIN x ON x.invoice_id = i.id \
             {OPEN_DISPUTES} WHERE i.balance_minor > 0 AND i.status = 'open' AND i.currency = ${currency} \
           UNION ALL \
           SELECT i.due, i.retainage_minor, {disputed}, {closed} FROM x JOIN invoices i ON i.id = x.invoice_id \
             {OPEN_DISPUTES} WHERE i.status IN ('open', 'paid') AND NOT (i.balance_minor > 0 AND i.status = 'open') \
             AND i.currency = ${currency}) t",
        paid = paid.join(", "),
        earliest = n + 2,
        currency = n + 1,
        sums = sums.join(", "),
        open = then(false),
        closed = then(true),
    )
}

/// The invoices open on `$1` as a derived table `t`: `b` the balance then, `r` the retainage
/// held within it, `dp` the due part (`b - r`), `disputed` 1 when a dispute is open on it.
/// The current form reads through the partial index of open invoices, with the invoice date in
/// `b` rather than the WHERE clause (invoices dated after `$1` have `b` 0 and are left out).
/// `extra` adds conditions on `i`.
fn open_balances(historical: bool, one_scan: bool, extra: &str) -> String {
    open_balances_issued(historical, one_scan, extra, None)
}

/// [`open_balances`]; with `issued_in_where` (see `Dialect::ISSUED_IN_WHERE`), the current form
/// keeps invoices dated after `$1` out in the WHERE clause instead of in `b`.
fn open_balances_issued(historical: bool, one_scan: bool, extra: &str, issued_in_where: Option<&str>) -> String {
    let (from, balance, filter) = if historical {
        (
            format!("{} i", balances_then("", one_scan)),
            "CAST(i.balance_minor AS BIGINT)",
            "i.balance_minor > 0".to_string(),
        )
    } else if let Some(prefix) = issued_in_where {
        (
            "invoices i".to_string(),
            "i.balance_minor",
            format!("i.balance_minor > 0 AND i.status = 'open' AND {prefix}i.issued <= $1"),
        )
    } else {
        (
            "invoices i".to_string(),
            "CASE WHEN i.issued <= $1 THEN i.balance_minor ELSE 0 END",
            "i.balance_minor > 0 AND i.status = 'open'".to_string(),
        )
    };
    format!(
        "(SELECT id, number, customer_id, job_id, currency, issued, due, b, r, b - r AS dp, disputed FROM ( \
           SELECT i.id, i.number, i.customer_id, i.job_id, i.currency, i.issued, i.due, {balance} AS b, \
             CASE WHEN i.retainage_minor < 0 THEN 0 WHEN i.retainage_minor > {balance} THEN {balance} \
               ELSE i.retainage_minor END AS r, \
             CAST(CASE WHEN od.invoice_id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS disputed \
           FROM {from} {OPEN_DISPUTES} WHERE {filter} {extra}) u WHERE b > 0) t"
    )
}

/// [`open_balances`] summed per group and currency for aging: `$1` the as-of date, `$2` the day
/// 90 days before it, `$3`… the column bounds ([`crate::aging::column_bounds`]) on the date the
/// basis counts from. The columns: the group's customer id, customer name, job name and PM (as
/// the grouping needs them), currency, one sum per bucket, then retainage, total, overdue,
/// overdue 90+, invoices, the oldest past-due date, disputed and disputed past due.
/// `derived`: the past-due and 90+ sums are left out (0) when the buckets already hold them
/// ([`Derived`]).
fn open_aging_sql(
    historical: bool,
    one_scan: bool,
    by: GroupBy,
    basis: Basis,
    columns: usize,
    derived: Derived,
    issued_in_where: Option<&str>,
) -> String {
    let date = match basis {
        Basis::DueDate => "t.due",
        Basis::InvoiceDate => "t.issued",
    };
    let buckets: Vec<String> = (0..columns)
        .map(|k| {
            let cond = if k == 0 {
                format!("{date} >= $3")
            } else if k + 1 == columns {
                format!("{date} < ${}", k + 2)
            } else {
                format!("{date} < ${} AND {date} >= ${}", k + 2, k + 3)
            };
            format!("CAST(SUM(CASE WHEN {cond} THEN t.dp ELSE 0 END) AS BIGINT)")
        })
        .collect();
    let overdue = if derived.overdue {
        "CAST(0 AS BIGINT)"
    } else {
        "CAST(SUM(CASE WHEN t.due < $1 THEN t.dp ELSE 0 END) AS BIGINT)"
    };
    let over_90 = if derived.over_90_from.is_some() {
        "CAST(0 AS BIGINT)"
    } else {
        "CAST(SUM(CASE WHEN t.due < $2 THEN t.dp ELSE 0 END) AS BIGINT)"
    };
    let sums = format!(
        "{}, CAST(SUM(t.r) AS BIGINT) AS r, CAST(SUM(t.b) AS BIGINT) AS b, \
         {overdue} AS o, {over_90} AS o90, COUNT(*) AS n, \
         MIN(CASE WHEN t.due < $1 AND t.dp > 0 THEN t.due END) AS oldest, \
         CAST(SUM(CASE WHEN t.disputed = 1 THEN t.b ELSE 0 END) AS BIGINT) AS d, \
         CAST(SUM(CASE WHEN t.disputed = 1 AND t.due < $1 THEN t.dp ELSE 0 END) AS BIGINT) AS dd",
        buckets.iter().enumerate().map(|(k, b)| format!("{b} AS k{k}")).collect::<Vec<_>>().join(", ")
    );
    let out = format!(
        "{}, g.r, g.b, g.o, g.o90, g.n, g.oldest, g.d, g.dd",
        (0..columns).map(|k| format!("g.k{k}")).collect::<Vec<_>>().join(", ")
    );
    let from = open_balances_issued(historical, one_scan, "", issued_in_where);
    match by {
        // Summed per customer (and job) alone, the names joined to the sums: grouped by id and
        // name, SQLite sorted every open invoice by the name in a temp B-tree rather than read
        // them in the partial index's customer order, and looked the customer up once per
        // invoice; PostgreSQL hashed the names too (as the digest's accounts, `overdue_by_customer`).
        GroupBy::Customer => format!(
            "SELECT g.customer_id, c.name, CAST(NULL AS TEXT), CAST(NULL AS TEXT), g.currency, {out} FROM ( \
             SELECT t.customer_id, t.currency, {sums} FROM {from} GROUP BY t.customer_id, t.currency) g \
             JOIN customers c ON c.id = g.customer_id"
        ),
        GroupBy::Job => format!(
            "SELECT g.customer_id, c.name, j.name, COALESCE(j.pm, c.pm), g.currency, {out} FROM ( \
             SELECT t.customer_id, t.job_id, t.currency, {sums} FROM {from} \
             GROUP BY t.customer_id, t.job_id, t.currency) g \
             JOIN customers c ON c.id = g.customer_id LEFT JOIN jobs j ON j.id = g.job_id"
        ),
        GroupBy::Pm => format!(
            "SELECT CAST(0 AS BIGINT), CAST('' AS TEXT), CAST(NULL AS TEXT), COALESCE(j.pm, c.pm), t.currency, \
             {sums} FROM {from} JOIN customers c ON c.id = t.customer_id LEFT JOIN jobs j ON j.id = t.job_id \
             GROUP BY COALESCE(j.pm, c.pm), t.currency"
        ),
    }
}

/// Which of aging's past-due sums the bucket columns already hold, so the database need not add
/// them up again (two of fourteen sums per open invoice): by due date, past due is every column
/// after "current"; 90+ is the columns after the bound 90 days back, when there is one (the
/// default buckets, 30/60/90/120, have it).
#[derive(Debug, Clone, Copy, Default)]
struct Derived {
    overdue: bool,
    /// The first column of what is more than 90 days past due.
    over_90_from: Option<usize>,
}

impl Derived {
    fn of(basis: Basis, bounds: &[NaiveDate], as_of: NaiveDate, ninety: NaiveDate) -> Derived {
        if basis != Basis::DueDate {
            return Derived::default();
        }
        // Column 0 holds due dates on or after bounds[0]; column k + 1 those before bounds[k].
        Derived {
            overdue: bounds.first() == Some(&as_of),
            over_90_from: bounds.iter().position(|b| *b == ninety).map(|k| k + 1),
        }
    }
}

/// Past due and not in dispute, with something due: what the digest counts as overdue.
const COLLECTIBLE: &str = "t.disputed = 0 AND t.dp > 0 AND t.due < $1";

#[derive(sqlx::FromRow)]
struct OverdueRow {
    pub id: i64,
    pub number: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub pm: Option<String>,
    pub due: NaiveDate,
    pub dp: i64,
    pub disputed: i64,
}

impl OverdueRow {
    fn into_item(self) -> OverdueItem {
        OverdueItem {
            invoice_id: self.id,
            number: self.number,
            customer_id: self.customer_id,
            customer_name: self.customer_name,
            pm: self.pm,
            due: self.due,
            due_part: self.dp,
            disputed: self.disputed != 0,
        }
    }
}

#[derive(sqlx::FromRow)]
struct OverdueSumsRow {
    pub customer_id: i64,
    pub name: String,
    pub open: i64,
    pub disputed: i64,
    pub overdue: i64,
    pub over_60: i64,
    pub over_90: i64,
    pub overdue_invoices: i64,
    pub oldest_due: Option<NaiveDate>,
    pub dollar_days: String,
}

#[derive(sqlx::FromRow)]
struct OpenItemRow {
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
struct ApplicationRow {
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

const APPLICATION_SELECT: &str = "SELECT a.payment_id, p.reference AS payment_reference, a.invoice_id, \
    i.number AS invoice_number, a.applied_on, p.currency, a.amount_minor, m.number AS credit_memo_number \
    FROM applications a JOIN payments p ON p.id = a.payment_id \
    LEFT JOIN invoices i ON i.id = a.invoice_id \
    LEFT JOIN credit_memos m ON m.source = a.source AND m.external_id = a.credit_memo_ext ";

#[derive(sqlx::FromRow)]
struct PaymentRow {
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
    fn into_payment(self, applications: Vec<AppliedAmount>) -> Payment {
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

#[async_trait::async_trait]
impl<S: SqlStore> LedgerReads for S {
    async fn counts(&self) -> Result<LedgerCounts, StoreError> {
        on!(self, read, |pool, DB| {
            let (customers, jobs, invoices, open_invoices, payments): (i64, i64, i64, i64, i64) =
                sqlx::query_as::<DB, _>(
                    "SELECT \
                    (SELECT COUNT(*) FROM customers WHERE deleted = FALSE), \
                    (SELECT COUNT(*) FROM jobs WHERE deleted = FALSE), \
                    (SELECT COUNT(*) FROM invoices WHERE status <> 'deleted'), \
                    (SELECT COUNT(*) FROM invoices WHERE status = 'open' AND balance_minor > 0), \
                    (SELECT COUNT(*) FROM payments WHERE deleted = FALSE)",
                )
                .fetch_one(pool)
                .await?;
            Ok(LedgerCounts { customers, jobs, invoices, open_invoices, payments })
        })
    }

    async fn any_customers(&self) -> Result<bool, StoreError> {
        on!(self, read, |pool, DB| {
            let one: Option<i64> =
                sqlx::query_scalar::<DB, i64>("SELECT CAST(1 AS BIGINT) FROM customers WHERE deleted = FALSE LIMIT 1")
                    .fetch_optional(pool)
                    .await?;
            Ok(one.is_some())
        })
    }

    async fn customers_matching(&self, needle: &str, limit: i64) -> Result<Vec<CustomerRef>, StoreError> {
        on!(self, read, |pool, DB| {
            let rows: Vec<(i64, String)> = sqlx::query_as::<DB, _>(
                "SELECT id, name FROM customers WHERE deleted = FALSE AND lower(name) LIKE $1 ESCAPE '\\' \
                 ORDER BY length(name), name LIMIT $2",
            )
            .bind(like_pattern(needle))
            .bind(limit)
            .fetch_all(pool)
            .await?;
            Ok(rows.into_iter().map(|(id, name)| CustomerRef { id, name }).collect())
        })
    }

    async fn customer_names(&self) -> Result<Vec<CustomerRef>, StoreError> {
        on!(self, read, |pool, DB| {
            let rows: Vec<(i64, String)> =
                sqlx::query_as::<DB, _>("SELECT id, name FROM customers WHERE deleted = FALSE ORDER BY name")
                    .fetch_all(pool)
                    .await?;
            Ok(rows.into_iter().map(|(id, name)| CustomerRef { id, name }).collect())
        })
    }

    async fn invoice_numbers_like(&self, prefix: &str, limit: i64) -> Result<Vec<String>, StoreError> {
        on!(self, read, |pool, DB| {
            let mut pattern = like_pattern(prefix.trim().trim_start_matches('#'));
            // A prefix, not a substring: drop the leading wildcard.
            pattern.remove(0);
            Ok(sqlx::query_scalar::<DB, String>(
                // Open invoices only (the ones being chased), read through their small index.
                "SELECT DISTINCT number FROM invoices WHERE balance_minor > 0 AND status = 'open' \
                 AND lower(number) LIKE $1 ESCAPE '\\' ORDER BY number LIMIT $2",
            )
            .bind(pattern)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }

    async fn pm_names(&self) -> Result<Vec<String>, StoreError> {
        on!(self, read, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, String>(
                "SELECT pm FROM customers WHERE pm IS NOT NULL AND deleted = FALSE \
                 UNION SELECT pm FROM jobs WHERE pm IS NOT NULL AND deleted = FALSE ORDER BY 1",
            )
            .fetch_all(pool)
            .await?)
        })
    }

    async fn customer(&self, id: i64) -> Result<Option<Customer>, StoreError> {
        on!(self, read, |pool, DB| {
            let row = sqlx::query_as::<DB, CustomerRow>(
                "SELECT id, source, external_id, name, kind, email, billing_address, phone, terms_days, pm, active \
                 FROM customers WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?;
            Ok(row.map(Into::into))
        })
    }

    async fn jobs_for_customer(&self, customer_id: i64) -> Result<Vec<Job>, StoreError> {
        on!(self, read, |pool, DB| {
            let rows = sqlx::query_as::<DB, JobRow>(
                "SELECT id, customer_id, name, city, county, state, project_type, our_role, owner_name, gc_name, \
                 pm, first_furnished, last_furnished, noc_recorded, noc_expires, retainage_bp \
                 FROM jobs WHERE customer_id = $1 AND deleted = FALSE ORDER BY name",
            )
            .bind(customer_id)
            .fetch_all(pool)
            .await?;
            Ok(rows.into_iter().map(Into::into).collect())
        })
    }

    async fn jobs(&self, needle: Option<&str>) -> Result<Vec<JobWithCustomer>, StoreError> {
        on!(self, read, |pool, DB| {
            let filter = if needle.is_some() { "AND lower(j.name) LIKE $1 ESCAPE '\\'" } else { "" };
            let sql = format!(
                "SELECT {JOB_COLUMNS} FROM jobs j JOIN customers c ON c.id = j.customer_id \
                 WHERE j.deleted = FALSE {filter} ORDER BY length(j.name), j.name, j.id"
            );
            let mut query = sqlx::query_as::<DB, JobListRow>(sqlx::AssertSqlSafe(sql));
            if let Some(n) = needle {
                query = query.bind(like_pattern(n));
            }
            let rows = query.fetch_all(pool).await?;
            Ok(rows
                .into_iter()
                .map(|r| JobWithCustomer { job: r.job.into(), customer_name: r.customer_name })
                .collect())
        })
    }

    async fn open_items(&self, q: OpenItemsQuery) -> Result<Vec<OpenItem>, StoreError> {
        on!(self, read, |pool, DB| {
            let sql =
                open_items_sql(q.historical, q.customer_id.is_some(), <DB as super::Dialect>::HISTORY_IN_ONE_SCAN);
            let mut query = sqlx::query_as::<DB, OpenItemRow>(sqlx::AssertSqlSafe(sql));
            if q.historical {
                query = query.bind(q.as_of);
            }
            if let Some(id) = q.customer_id {
                query = query.bind(id);
            }
            let mut rows = query.fetch_all(pool).await?;
            rows.retain(|r| r.issued <= q.as_of);
            Ok(rows.into_iter().map(Into::into).collect())
        })
    }

    async fn open_sums(&self, q: OpenItemsQuery, currency: Currency) -> Result<OpenSums, StoreError> {
        on!(self, read, |pool, DB| {
            let sql = open_sums_sql(q.historical, q.customer_id.is_some(), <DB as super::Dialect>::HISTORY_IN_ONE_SCAN);
            let mut query = sqlx::query_as::<DB, (i64, i64, i64, i64, i64, i64, i64)>(sqlx::AssertSqlSafe(sql))
                .bind(q.as_of)
                .bind(currency.code().to_string())
                .bind(q.as_of - chrono::Days::new(90));
            if let Some(id) = q.customer_id {
                query = query.bind(id);
            }
            let (invoices, total, overdue, overdue_90, retainage, disputed, disputed_overdue) =
                query.fetch_one(pool).await?;
            Ok(OpenSums { invoices, total, overdue, overdue_90, retainage, disputed, disputed_overdue })
        })
    }

    async fn open_sums_on(&self, days: &[NaiveDate], currency: Currency) -> Result<Vec<OpenSums>, StoreError> {
        use sqlx::Row;
        let Some(earliest) = days.iter().min().copied() else { return Ok(Vec::new()) };
        let sql = open_sums_on_sql(days.len());
        on!(self, read, |pool, DB| {
            let mut query = sqlx::query::<DB>(sqlx::AssertSqlSafe(sql));
            for d in days {
                query = query.bind(*d);
            }
            query = query.bind(currency.code().to_string()).bind(earliest);
            for d in days {
                query = query.bind(d.checked_sub_days(chrono::Days::new(90)).unwrap_or(NaiveDate::MIN));
            }
            let row = query.fetch_one(pool).await?;
            (0..days.len())
                .map(|k| {
                    let at = |c: usize| row.try_get::<i64, _>(7 * k + c);
                    Ok(OpenSums {
                        invoices: at(0)?,
                        total: at(1)?,
                        overdue: at(2)?,
                        overdue_90: at(3)?,
                        retainage: at(4)?,
                        disputed: at(5)?,
                        disputed_overdue: at(6)?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(StoreError::from)
        })
    }

    async fn owing_jobs(
        &self,
        as_of: NaiveDate,
        currency: Currency,
    ) -> Result<Vec<(JobWithCustomer, i64)>, StoreError> {
        on!(self, read, |pool, DB| {
            let sql = format!(
                "SELECT {JOB_COLUMNS}, o.owed FROM ({OPEN_BY_JOB}) o \
                 JOIN jobs j ON j.id = o.job_id JOIN customers c ON c.id = j.customer_id \
                 WHERE j.deleted = FALSE AND o.owed > 0 ORDER BY length(j.name), j.name, j.id"
            );
            let rows = sqlx::query_as::<DB, OwingJobRow>(sqlx::AssertSqlSafe(sql))
                .bind(as_of)
                .bind(currency.code().to_string())
                .fetch_all(pool)
                .await?;
            Ok(rows
                .into_iter()
                .map(|r| (JobWithCustomer { job: r.job.into(), customer_name: r.customer_name }, r.owed))
                .collect())
        })
    }

    async fn lien_jobs(
        &self,
        as_of: NaiveDate,
        currency: Currency,
        since: NaiveDate,
    ) -> Result<Vec<(JobWithCustomer, i64)>, StoreError> {
        // Dated facts set from chat are stored as YYYY-MM-DD and months as YYYY-MM, so they compare
        // as text; a value in any other shape is kept (counted as recent).
        let dated: Vec<String> = crate::liens::Fact::ALL
            .iter()
            .filter(|f| **f != crate::liens::Fact::FurnishedMonth)
            .map(|f| format!("'{}'", f.name()))
            .collect();
        let sql = format!(
            "SELECT {JOB_COLUMNS}, COALESCE(o.owed, 0) AS owed \
             FROM jobs j JOIN customers c ON c.id = j.customer_id \
             LEFT JOIN ({OPEN_BY_JOB}) o ON o.job_id = j.id \
             WHERE j.deleted = FALSE AND (o.owed > 0 OR j.first_furnished >= $3 OR j.last_furnished >= $3 \
             OR j.noc_recorded >= $3 \
             OR EXISTS (SELECT 1 FROM job_notices n WHERE n.job_id = j.id AND n.kind = 'claim_of_lien' \
             AND n.served_on >= $3) \
             OR EXISTS (SELECT 1 FROM job_facts f WHERE f.job_id = j.id AND (\
             (f.fact IN ({dated}) AND (f.value >= $4 OR length(f.value) <> 10 OR substr(f.value, 5, 1) <> '-')) \
             OR (f.fact = 'furnished_month' AND (f.value >= $5 OR length(f.value) <> 7 \
             OR substr(f.value, 5, 1) <> '-'))))) \
             ORDER BY length(j.name), j.name, j.id",
            dated = dated.join(", ")
        );
        on!(self, read, |pool, DB| {
            let rows = sqlx::query_as::<DB, OwingJobRow>(sqlx::AssertSqlSafe(sql))
                .bind(as_of)
                .bind(currency.code().to_string())
                .bind(since)
                .bind(since.format("%Y-%m-%d").to_string())
                .bind(since.format("%Y-%m").to_string())
                .fetch_all(pool)
                .await?;
            Ok(rows
                .into_iter()
                .map(|r| (JobWithCustomer { job: r.job.into(), customer_name: r.customer_name }, r.owed))
                .collect())
        })
    }

    async fn open_by_job(&self, as_of: NaiveDate, currency: Currency) -> Result<Vec<(i64, i64)>, StoreError> {
        on!(self, read, |pool, DB| {
            Ok(sqlx::query_as::<DB, (i64, i64)>(OPEN_BY_JOB)
                .bind(as_of)
                .bind(currency.code().to_string())
                .fetch_all(pool)
                .await?)
        })
    }

    async fn open_aging(
        &self,
        as_of: NaiveDate,
        historical: bool,
        cfg: &AgingConfig,
        by: GroupBy,
    ) -> Result<Vec<AgingSums>, StoreError> {
        use sqlx::Row;
        let columns = cfg.buckets.len_for(cfg.basis);
        let bounds = column_bounds(cfg, as_of);
        let ninety = as_of.checked_sub_days(chrono::Days::new(90)).unwrap_or(NaiveDate::MIN);
        let derived = Derived::of(cfg.basis, &bounds, as_of, ninety);
        on!(self, read, |pool, DB| {
            let one_scan = <DB as super::Dialect>::HISTORY_IN_ONE_SCAN;
            let issued = <DB as super::Dialect>::ISSUED_IN_WHERE;
            let sql = open_aging_sql(historical, one_scan, by, cfg.basis, columns, derived, issued);
            let mut query = sqlx::query::<DB>(sqlx::AssertSqlSafe(sql)).bind(as_of).bind(ninety);
            for b in bounds {
                query = query.bind(b);
            }
            let rows = query.fetch_all(pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                let at = |k: usize| 5 + columns + k;
                let code: String = row.try_get(4)?;
                let buckets: Vec<i64> = (0..columns).map(|k| row.try_get(5 + k)).collect::<Result<_, _>>()?;
                let from = |k: usize| buckets.iter().skip(k).sum::<i64>();
                out.push(AgingSums {
                    customer_id: row.try_get(0)?,
                    customer_name: row.try_get(1)?,
                    job_name: row.try_get(2)?,
                    pm: row.try_get(3)?,
                    currency: currency(&code),
                    retainage: row.try_get(at(0))?,
                    total: row.try_get(at(1))?,
                    overdue: if derived.overdue { from(1) } else { row.try_get(at(2))? },
                    overdue_90: match derived.over_90_from {
                        Some(k) => from(k),
                        None => row.try_get(at(3))?,
                    },
                    buckets,
                    invoices: row.try_get(at(4))?,
                    oldest_due: row.try_get(at(5))?,
                    disputed: row.try_get(at(6))?,
                    disputed_overdue: row.try_get(at(7))?,
                });
            }
            Ok(out)
        })
    }

    async fn overdue_items(
        &self,
        as_of: NaiveDate,
        due_from: Option<NaiveDate>,
        due_by: NaiveDate,
        currency: Currency,
    ) -> Result<Vec<OverdueItem>, StoreError> {
        let from = if due_from.is_some() { "AND i.due >= $4" } else { "" };
        let sql = format!(
            "SELECT t.id, t.number, t.customer_id, c.name AS customer_name, COALESCE(j.pm, c.pm) AS pm, t.due, t.dp, \
             t.disputed FROM {} JOIN customers c ON c.id = t.customer_id LEFT JOIN jobs j ON j.id = t.job_id \
             WHERE t.dp > 0 ORDER BY t.due, t.dp DESC, t.id",
            open_balances(false, false, &format!("AND i.currency = $2 AND i.due <= $3 {from}"))
        );
        on!(self, read, |pool, DB| {
            let mut query = sqlx::query_as::<DB, OverdueRow>(sqlx::AssertSqlSafe(sql))
                .bind(as_of)
                .bind(currency.code().to_string())
                .bind(due_by);
            if let Some(from) = due_from {
                query = query.bind(from);
            }
            let rows = query.fetch_all(pool).await?;
            Ok(rows.into_iter().map(OverdueRow::into_item).collect())
        })
    }

    async fn overdue_page(
        &self,
        as_of: NaiveDate,
        due_by: NaiveDate,
        currency: Currency,
        limit: usize,
    ) -> Result<OverduePage, StoreError> {
        // The totals in one pass down the partial index with no sort and no name looked up; the
        // rows shown in a second statement, a top-N sort that keeps `limit` rows, joined to their
        // names alone. Reading every row (tens of thousands at 1,000,000 invoices) with its
        // customer's name and PM, for a reply that lists 25, was most of `/ar overdue`'s time.
        let from = open_balances(false, false, "AND i.currency = $2 AND i.due <= $3");
        let totals = format!(
            "SELECT COUNT(*), COUNT(DISTINCT t.customer_id), CAST(COALESCE(SUM(t.dp), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN t.due < $4 THEN t.dp ELSE 0 END), 0) AS BIGINT) FROM {from} WHERE t.dp > 0"
        );
        let rows = format!(
            "SELECT t.id, t.number, t.customer_id, c.name AS customer_name, COALESCE(j.pm, c.pm) AS pm, t.due, t.dp, \
             t.disputed FROM {from} JOIN customers c ON c.id = t.customer_id LEFT JOIN jobs j ON j.id = t.job_id \
             WHERE t.dp > 0 ORDER BY t.due, t.dp DESC, t.id LIMIT $4"
        );
        let ninety = as_of.checked_sub_days(chrono::Days::new(90)).unwrap_or(NaiveDate::MIN);
        let code = currency.code().to_string();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        on!(self, read, |pool, DB| {
            let sums = sqlx::query_as::<DB, (i64, i64, i64, i64)>(sqlx::AssertSqlSafe(totals))
                .bind(as_of)
                .bind(&code)
                .bind(due_by)
                .bind(ninety)
                .fetch_one(pool);
            let first = sqlx::query_as::<DB, OverdueRow>(sqlx::AssertSqlSafe(rows))
                .bind(as_of)
                .bind(&code)
                .bind(due_by)
                .bind(limit)
                .fetch_all(pool);
            // Each on a connection of its own, at once.
            let ((invoices, customers, total, over_90), first) = tokio::try_join!(sums, first)?;
            Ok(OverduePage {
                rows: first.into_iter().map(OverdueRow::into_item).collect(),
                invoices,
                customers,
                total,
                over_90,
            })
        })
    }

    async fn overdue_by_customer(
        &self,
        as_of: NaiveDate,
        currency: Currency,
    ) -> Result<Vec<CustomerOverdue>, StoreError> {
        let back = |days: u64| as_of.checked_sub_days(chrono::Days::new(days)).unwrap_or(NaiveDate::MIN);
        on!(self, read, |pool, DB| {
            // Grouped by the customer alone, its name joined to the sums: grouped by id and name,
            // both engines sorted or hashed every open invoice by the name too (SQLite in a temp
            // B-tree rather than straight down the index, PostgreSQL spilling to disk), and
            // looked up the customer for each invoice rather than for each customer.
            let sql = format!(
                "SELECT g.customer_id, c.name, g.open, g.disputed, g.overdue, g.over_60, g.over_90, \
                 g.overdue_invoices, g.oldest_due, g.dollar_days FROM ( \
                 SELECT t.customer_id, CAST(SUM(t.b) AS BIGINT) AS open, \
                 CAST(SUM(CASE WHEN t.disputed = 1 THEN t.b ELSE 0 END) AS BIGINT) AS disputed, \
                 CAST(SUM(CASE WHEN {c} THEN t.dp ELSE 0 END) AS BIGINT) AS overdue, \
                 CAST(SUM(CASE WHEN {c} AND t.due < $3 THEN t.dp ELSE 0 END) AS BIGINT) AS over_60, \
                 CAST(SUM(CASE WHEN {c} AND t.due < $4 THEN t.dp ELSE 0 END) AS BIGINT) AS over_90, \
                 CAST(SUM(CASE WHEN {c} THEN 1 ELSE 0 END) AS BIGINT) AS overdue_invoices, \
                 MIN(CASE WHEN {c} THEN t.due END) AS oldest_due, \
                 CAST(SUM(CASE WHEN {c} THEN t.dp * {days} ELSE 0 END) AS TEXT) AS dollar_days \
                 FROM {} GROUP BY t.customer_id) g JOIN customers c ON c.id = g.customer_id",
                open_balances(false, false, "AND i.currency = $2"),
                c = COLLECTIBLE,
                days = <DB as super::Dialect>::DAYS_PAST_DUE,
            );
            let rows = sqlx::query_as::<DB, OverdueSumsRow>(sqlx::AssertSqlSafe(sql))
                .bind(as_of)
                .bind(currency.code().to_string())
                .bind(back(60))
                .bind(back(90))
                .fetch_all(pool)
                .await?;
            rows.into_iter()
                .map(|r| {
                    let dollar_days = r
                        .dollar_days
                        .trim()
                        .parse::<i128>()
                        .map_err(|e| StoreError::Internal(sqlx::Error::Decode(e.into())))?;
                    Ok(CustomerOverdue {
                        customer_id: r.customer_id,
                        name: r.name,
                        open: r.open,
                        disputed: r.disputed,
                        overdue: r.overdue,
                        over_60: r.over_60,
                        over_90: r.over_90,
                        overdue_invoices: r.overdue_invoices,
                        oldest_due: r.oldest_due,
                        dollar_days,
                    })
                })
                .collect()
        })
    }

    async fn invoices_numbered(&self, number: &str) -> Result<Vec<Invoice>, StoreError> {
        on!(self, read, |pool, DB| {
            let sql = format!("{}WHERE i.number = $1 AND i.status <> 'deleted' ORDER BY i.issued DESC", INVOICE_SELECT);
            let rows = sqlx::query_as::<DB, InvoiceRow>(sqlx::AssertSqlSafe(sql))
                .bind(number.trim().trim_start_matches('#'))
                .fetch_all(pool)
                .await?;
            Ok(rows.into_iter().map(Into::into).collect())
        })
    }

    async fn applications_to_invoice(&self, invoice_id: i64) -> Result<Vec<AppliedAmount>, StoreError> {
        on!(self, read, |pool, DB| {
            let sql = format!(
                "{}WHERE a.invoice_id = $1 AND p.deleted = FALSE ORDER BY a.applied_on, a.id",
                APPLICATION_SELECT
            );
            let rows =
                sqlx::query_as::<DB, ApplicationRow>(sqlx::AssertSqlSafe(sql)).bind(invoice_id).fetch_all(pool).await?;
            Ok(rows.into_iter().map(Into::into).collect())
        })
    }

    async fn recent_payments(&self, customer_id: i64, limit: i64) -> Result<Vec<Payment>, StoreError> {
        on!(self, read, |pool, DB| {
            let rows = sqlx::query_as::<DB, PaymentRow>(
                "SELECT id, customer_id, received, currency, amount_minor, CAST(unapplied_minor + \
                 COALESCE((SELECT SUM(a.amount_minor) FROM applications a WHERE a.payment_id = payments.id \
                 AND a.invoice_id IS NULL AND a.credit_memo_ext IS NULL), 0) AS BIGINT) AS unapplied_minor, \
                 method, reference FROM payments WHERE customer_id = $1 AND deleted = FALSE \
                 ORDER BY received DESC, id DESC LIMIT $2",
            )
            .bind(customer_id)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            let sql = format!("{}WHERE a.payment_id = $1 ORDER BY a.line", APPLICATION_SELECT);
            for row in rows {
                let apps = sqlx::query_as::<DB, ApplicationRow>(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(row.id)
                    .fetch_all(pool)
                    .await?;
                out.push(row.into_payment(apps.into_iter().map(Into::into).collect()));
            }
            Ok(out)
        })
    }

    async fn credits(&self, customer_id: Option<i64>, currency: Currency) -> Result<Credits, StoreError> {
        on!(self, read, |pool, DB| {
            // Unapplied cash sits on few payments: the partial index keeps this from reading them
            // all. Cash applied to an invoice arbot doesn't have is unapplied until that invoice
            // arrives: it never vanishes between the payment and the invoice it names.
            let filter = if customer_id.is_some() { "AND customer_id = $1" } else { "" };
            let p_filter = if customer_id.is_some() { "AND p.customer_id = $1" } else { "" };
            let sql = format!(
                "SELECT currency, CAST(SUM(cash) AS BIGINT), CAST(SUM(memo) AS BIGINT) FROM ( \
                 SELECT currency, unapplied_minor AS cash, 0 AS memo FROM payments \
                    WHERE unapplied_minor <> 0 AND deleted = FALSE {filter} \
                 UNION ALL SELECT p.currency, a.amount_minor, 0 FROM applications a \
                    JOIN payments p ON p.id = a.payment_id WHERE a.invoice_id IS NULL \
                    AND a.credit_memo_ext IS NULL AND p.deleted = FALSE {p_filter} \
                 UNION ALL SELECT currency, 0, remaining_minor FROM credit_memos \
                    WHERE deleted = FALSE AND remaining_minor <> 0 {filter}) t GROUP BY currency ORDER BY currency"
            );
            let mut query = sqlx::query_as::<DB, (String, i64, i64)>(sqlx::AssertSqlSafe(sql));
            if let Some(id) = customer_id {
                query = query.bind(id);
            }
            let mut credits = Credits::default();
            for (code, cash, memos) in query.fetch_all(pool).await? {
                let cur = super::currency(&code);
                if cur == currency {
                    credits.unapplied_cash = cash;
                    credits.open_credit_memos = memos;
                } else if cash + memos != 0 {
                    credits.other_currencies.push(Money::new(cash + memos, cur));
                }
            }
            Ok(credits)
        })
    }

    async fn payments_received(&self, after: NaiveDate, until: NaiveDate) -> Result<Vec<PaymentLine>, StoreError> {
        on!(self, read, |pool, DB| {
            let rows = sqlx::query_as::<DB, (i64, String, NaiveDate, i64, String)>(
                "SELECT p.customer_id, c.name, p.received, p.amount_minor, p.currency FROM payments p \
                 JOIN customers c ON c.id = p.customer_id \
                 WHERE p.received > $1 AND p.received <= $2 AND p.deleted = FALSE AND p.amount_minor > 0 \
                 ORDER BY p.received DESC, p.id DESC",
            )
            .bind(after)
            .bind(until)
            .fetch_all(pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(|(customer_id, customer_name, received, minor, cur)| PaymentLine {
                    customer_id,
                    customer_name,
                    received,
                    amount: Money::new(minor, currency(&cur)),
                })
                .collect())
        })
    }

    async fn customer_invoices(&self, customer_id: i64) -> Result<Vec<Invoice>, StoreError> {
        on!(self, read, |pool, DB| {
            let sql = format!(
                "{}WHERE i.customer_id = $1 AND i.status <> 'deleted' ORDER BY i.issued, i.number, i.id",
                INVOICE_SELECT
            );
            let rows =
                sqlx::query_as::<DB, InvoiceRow>(sqlx::AssertSqlSafe(sql)).bind(customer_id).fetch_all(pool).await?;
            Ok(rows.into_iter().map(Into::into).collect())
        })
    }

    async fn customer_applications(&self, customer_id: i64) -> Result<Vec<AppliedAmount>, StoreError> {
        on!(self, read, |pool, DB| {
            let sql = format!(
                "{}WHERE i.customer_id = $1 AND i.status <> 'deleted' AND p.deleted = FALSE \
                 ORDER BY a.applied_on, a.id",
                APPLICATION_SELECT
            );
            let rows = sqlx::query_as::<DB, ApplicationRow>(sqlx::AssertSqlSafe(sql))
                .bind(customer_id)
                .fetch_all(pool)
                .await?;
            Ok(rows.into_iter().map(Into::into).collect())
        })
    }

    async fn sales_between(&self, from: NaiveDate, to: NaiveDate, currency: Currency) -> Result<i64, StoreError> {
        on!(self, read, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, i64>(
                "SELECT CAST(COALESCE(SUM(total_minor), 0) AS BIGINT) FROM invoices \
                 WHERE issued >= $1 AND issued <= $2 AND currency = $3 AND status IN ('open', 'paid')",
            )
            .bind(from)
            .bind(to)
            .bind(currency.code().to_string())
            .fetch_one(pool)
            .await?)
        })
    }

    async fn sales_by_day(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        currency: Currency,
    ) -> Result<Vec<(NaiveDate, i64)>, StoreError> {
        on!(self, read, |pool, DB| {
            Ok(sqlx::query_as::<DB, (NaiveDate, i64)>(
                "SELECT issued, CAST(SUM(total_minor) AS BIGINT) FROM invoices \
                 WHERE issued >= $1 AND issued <= $2 AND currency = $3 AND status IN ('open', 'paid') \
                 GROUP BY issued ORDER BY issued",
            )
            .bind(from)
            .bind(to)
            .bind(currency.code().to_string())
            .fetch_all(pool)
            .await?)
        })
    }
}
