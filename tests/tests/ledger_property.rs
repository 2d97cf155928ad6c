//! For any sequence of imported (spreadsheet) and synced (a vendor that states balances itself)
//! invoices, payments and credits, on a real database: the customer card, the aging report, each
//! invoice's view and the digest agree with a ledger recomputed here, independently of arbot's
//! code, and the aging on a past date never shows more owed than was invoiced. SQLite always,
//! PostgreSQL too when ARBOT_TEST_POSTGRES_URL is set (fewer cases: each makes a database).

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::path::Path;

use arbot::import::{ImportRequest, import};
use arbot_core::aging::{AgingConfig, GroupBy, aging};
use arbot_core::ledger::{CustomerKind, InvoiceKind};
use arbot_core::source::{ApplicationRecord, CustomerRecord, Entity, InvoiceRecord, PaymentRecord, Record, Version};
use arbot_core::store::OpenItemsQuery;
use arbot_core::summary::{CustomerMatch, customer_summary, find_customer};
use arbot_core::{Currency, PinnedClock};
use arbot_tests::TestDb;
use chrono::{Days, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use tokio::runtime::Runtime;

#[derive(Debug, Clone)]
enum Op {
    /// An invoices file with invoice `n`: total, and the balance column (a share of the total) or none.
    Invoice { n: u8, total: i64, stated_pct: Option<u8> },
    /// A payments file: `amount` applied to invoice `n` (4: one arbot never gets), received
    /// `offset` days from the day of the import.
    Payment { n: u8, amount: i64, offset: i8 },
    /// An invoices file with credit `n` (a negative total).
    Credit { n: u8, amount: i64 },
    /// The vendor sends invoice `n` with its total and, as vendors do, its current balance.
    VendorInvoice { n: u8, total: i64 },
    /// The vendor sends a payment on its invoice `n` and the invoice again with its new balance.
    VendorPayment { n: u8, amount: i64 },
}

fn op() -> impl Strategy<Value = Op> {
    let cents = (1i64..2_000).prop_map(|d| d * 500);
    prop_oneof![
        (0u8..4, cents.clone(), proptest::option::of(0u8..=100)).prop_map(|(n, total, stated_pct)| Op::Invoice {
            n,
            total,
            stated_pct
        }),
        (0u8..5, cents.clone(), -8i8..8).prop_map(|(n, amount, offset)| Op::Payment { n, amount, offset }),
        (0u8..2, cents.clone()).prop_map(|(n, amount)| Op::Credit { n, amount }),
        (0u8..3, cents.clone()).prop_map(|(n, total)| Op::VendorInvoice { n, total }),
        (0u8..3, cents).prop_map(|(n, amount)| Op::VendorPayment { n, amount }),
    ]
}

/// The ledger as this test understands it, written from the README's rule.
#[derive(Debug, Default)]
struct Model {
    /// number -> (total, stated balance, stated as of)
    invoices: BTreeMap<String, (i64, i64, NaiveDate)>,
    /// invoice number -> payments (day, amount)
    paid: BTreeMap<String, Vec<(NaiveDate, i64)>>,
    credits: BTreeMap<String, i64>,
    /// number -> (total, paid)
    vendor: BTreeMap<String, (i64, i64)>,
}

impl Model {
    fn balance(&self, number: &str) -> i64 {
        let (total, stated, as_of) = self.invoices[number];
        let lines = self.paid.get(number).cloned().unwrap_or_default();
        let mut before = 0;
        let mut after = 0;
        for (day, amount) in lines {
            if day <= as_of { before += amount } else { after += amount }
        }
        // What the file says was paid by its day, or what the payments say if they say more;
        // and everything paid after it.
        let paid = std::cmp::max(total - stated, before) + after;
        (total - paid).max(0)
    }

    fn unapplied(&self) -> i64 {
        self.paid.iter().filter(|(n, _)| !self.invoices.contains_key(*n)).flat_map(|(_, l)| l).map(|(_, a)| a).sum()
    }

    fn imported_open(&self) -> i64 {
        self.invoices.keys().map(|n| self.balance(n)).sum()
    }

    fn vendor_open(&self) -> i64 {
        self.vendor.values().map(|(t, p)| (t - p).max(0)).sum()
    }
}

const ISSUED: &str = "2026-10-01";
const CUSTOMER: &str = "Delta Drywall LLC";

fn import_file(rt: &Runtime, db: &TestDb, dir: &Path, text: &str, today: NaiveDate) {
    let file = dir.join("file.csv");
    std::fs::write(&file, text).unwrap();
    let req = ImportRequest { file, kind: None, mapping: None, skip_bad_rows: false, source: "spreadsheet".into() };
    let clock = PinnedClock { today, tz: chrono_tz::America::New_York };
    rt.block_on(import(db.store.as_ref(), &clock, Currency::USD, &req)).unwrap();
}

fn vendor_records(rt: &Runtime, db: &TestDb, entity: Entity, records: Vec<Record>) {
    rt.block_on(async {
        let run = db.store.start_sync_run("vendor", Utc::now()).await.unwrap();
        db.store.apply_page(run, "vendor", entity, &records, None).await.unwrap();
    });
}

fn vendor_invoice(n: u8, total: i64, balance: i64, version: Version) -> Record {
    Record::Invoice(InvoiceRecord {
        external_id: format!("v{n}"),
        customer_external_id: "vc".into(),
        job_external_id: None,
        number: format!("V-{n}"),
        kind: InvoiceKind::Progress,
        issued: ISSUED.parse().unwrap(),
        due: "2026-10-31".parse().unwrap(),
        currency: Currency::USD,
        total_minor: total,
        balance_minor: balance,
        retainage_minor: 0,
        voided: false,
        memo: None,
        balance_as_of: None,
        version,
    })
}

fn run(rt: &Runtime, db: &TestDb, ops: &[Op]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let start: NaiveDate = "2026-11-01".parse().unwrap();
    let mut model = Model::default();
    let customer = CustomerRecord {
        external_id: "vc".into(),
        name: "Vendor Side Co".into(),
        kind: CustomerKind::Other,
        email: None,
        address: None,
        phone: None,
        terms_days: None,
        pm: None,
        active: true,
        version: Version::at(Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap()),
    };
    vendor_records(rt, db, Entity::Customer, vec![Record::Customer(customer)]);
    for (i, op) in ops.iter().enumerate() {
        let today = start + Days::new(i as u64);
        let version = Version::at(Utc.from_utc_datetime(&today.and_hms_opt(12, 0, 0).unwrap()));
        match op {
            Op::Invoice { n, total, stated_pct } => {
                let number = format!("{}", 100 + n);
                let stated = stated_pct.map(|p| total * i64::from(p) / 100 / 100 * 100).unwrap_or(*total);
                let balance = stated_pct.map(|_| format!("{}.{:02}", stated / 100, stated % 100)).unwrap_or_default();
                let text = format!(
                    "invoice,customer,date,due,total,balance\n{number},{CUSTOMER},{ISSUED},2026-10-31,{}.{:02},{balance}\n",
                    total / 100,
                    total % 100
                );
                import_file(rt, db, dir.path(), &text, today);
                let as_of = match model.invoices.get(&number) {
                    Some((_, old, day)) if *old == stated => (*day).min(today),
                    _ => today,
                };
                model.invoices.insert(number, (*total, stated, as_of));
            }
            Op::Payment { n, amount, offset } => {
                let number = if *n == 4 { "X-9".to_string() } else { format!("{}", 100 + n) };
                let day = today.checked_add_signed(chrono::Duration::days(i64::from(*offset))).unwrap();
                let text = format!(
                    "Check No.,Bill To,Check Date,Amount,Invoice#\nP{i},{},{day},{}.{:02},{number}\n",
                    CUSTOMER.to_uppercase(),
                    amount / 100,
                    amount % 100
                );
                import_file(rt, db, dir.path(), &text, today);
                model.paid.entry(number).or_default().push((day, *amount));
            }
            Op::Credit { n, amount } => {
                let text = format!(
                    "invoice,customer,date,total\nCM-{n},{CUSTOMER},{ISSUED},\"({}.{:02})\"\n",
                    amount / 100,
                    amount % 100
                );
                import_file(rt, db, dir.path(), &text, today);
                model.credits.insert(format!("CM-{n}"), *amount);
            }
            Op::VendorInvoice { n, total } => {
                let key = format!("V-{n}");
                let paid = model.vendor.get(&key).map_or(0, |(_, p)| *p);
                vendor_records(
                    rt,
                    db,
                    Entity::Invoice,
                    vec![vendor_invoice(*n, *total, (total - paid).max(0), version)],
                );
                model.vendor.insert(key, (*total, paid));
            }
            Op::VendorPayment { n, amount } => {
                let key = format!("V-{n}");
                let Some((total, paid)) = model.vendor.get(&key).copied() else { continue };
                let amount = (*amount).min(total - paid);
                if amount <= 0 {
                    continue;
                }
                let payment = Record::Payment(PaymentRecord {
                    external_id: format!("vp{i}"),
                    customer_external_id: "vc".into(),
                    received: today,
                    currency: Currency::USD,
                    amount_minor: amount,
                    unapplied_minor: 0,
                    method: None,
                    reference: None,
                    applications: vec![ApplicationRecord {
                        invoice_external_id: format!("v{n}"),
                        amount_minor: amount,
                        credit_memo_external_id: None,
                    }],
                    version,
                });
                let invoice = vendor_invoice(*n, total, total - paid - amount, version);
                vendor_records(rt, db, Entity::Payment, vec![payment, invoice]);
                model.vendor.insert(key, (total, paid + amount));
            }
        }
    }

    let today: NaiveDate = "2026-12-15".parse().unwrap();
    let cfg = AgingConfig::default();
    let store = db.store.as_ref();
    rt.block_on(async {
        // Each invoice's own view.
        for number in model.invoices.keys() {
            let got = store.invoices_numbered(number).await.unwrap();
            prop_assert_eq!(got.len(), 1, "one invoice {}", number);
            prop_assert_eq!(got[0].balance.minor, model.balance(number), "invoice {} in {:?}", number, ops);
        }
        for (number, (total, paid)) in &model.vendor {
            let got = store.invoices_numbered(number).await.unwrap();
            prop_assert_eq!(got[0].balance.minor, (total - paid).max(0), "vendor invoice {}", number);
        }
        // The customer card: one customer however the files name it, its open balance, its
        // unapplied cash and credits.
        if !model.invoices.is_empty() || !model.paid.is_empty() || !model.credits.is_empty() {
            let CustomerMatch::One(c) = find_customer(store, "delta drywall").await.unwrap() else {
                return Err(TestCaseError::fail("one Delta Drywall"));
            };
            let card = customer_summary(store, c.id, today, false, &cfg, Currency::USD).await.unwrap().unwrap();
            prop_assert_eq!(card.aging.total, model.imported_open(), "card open in {:?}", ops);
            prop_assert_eq!(card.credits.unapplied_cash, model.unapplied(), "unapplied in {:?}", ops);
            prop_assert_eq!(card.credits.open_credit_memos, model.credits.values().sum::<i64>());
        }
        // The aging report and the digest.
        let items =
            store.open_items(OpenItemsQuery { as_of: today, customer_id: None, historical: false }).await.unwrap();
        let report = aging(&items, today, &cfg, GroupBy::Customer, Currency::USD);
        let open = model.imported_open() + model.vendor_open();
        prop_assert_eq!(report.totals.total, open, "aging in {:?}", ops);
        let digest = arbot_core::digest::load(
            store,
            today,
            Currency::USD,
            &[],
            arbot_core::collections::PromiseRules { grace_days: 0, tz: chrono_tz::America::New_York },
        )
        .await
        .unwrap();
        prop_assert_eq!(digest.open, open, "digest");
        // On any past day, no invoice owes more than it was invoiced.
        for day in ["2026-10-15", "2026-11-03", "2026-11-08"] {
            let past = store
                .open_items(OpenItemsQuery { as_of: day.parse().unwrap(), customer_id: None, historical: true })
                .await
                .unwrap();
            for i in past {
                prop_assert!(
                    i.balance.minor <= i.total.minor,
                    "#{} on {}: {} of {}",
                    i.number,
                    day,
                    i.balance,
                    i.total
                );
            }
        }
        Ok(())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, max_shrink_iters: 64, ..ProptestConfig::default() })]
    #[test]
    fn every_report_agrees_with_a_ledger_recomputed_by_hand(ops in proptest::collection::vec(op(), 1..10)) {
        let rt = Runtime::new().unwrap();
        let db = rt.block_on(TestDb::sqlite());
        let out = run(&rt, &db, &ops);
        rt.block_on(db.close());
        out?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, max_shrink_iters: 16, ..ProptestConfig::default() })]
    #[test]
    fn on_postgres_too(ops in proptest::collection::vec(op(), 1..10)) {
        let rt = Runtime::new().unwrap();
        if let Some(db) = rt.block_on(TestDb::postgres()) {
            let out = run(&rt, &db, &ops);
            rt.block_on(db.close());
            out?;
        }
    }
}
