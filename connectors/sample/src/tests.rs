// Amounts are grouped as dollars_cents, as in the data: `500_00` is $500.00.
#![allow(clippy::unwrap_used, clippy::inconsistent_digit_grouping)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::task::{Context, Poll, Waker};

use arbot_core::ledger::{CustomerKind, InvoiceKind, OurRole};
use arbot_core::source::{
    CreditMemoRecord, CustomerRecord, Entity, InvoiceRecord, JobRecord, PaymentRecord, Record, Source, SourceError,
};
use chrono::{DateTime, NaiveDate, Utc};

use super::*;

/// The sample never waits, so polling its futures once (or a few times) is enough.
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

const TODAYS: [&str; 3] = ["2026-11-22", "2027-02-28", "2024-02-29"];

struct View<'a> {
    customers: Vec<&'a CustomerRecord>,
    jobs: Vec<&'a JobRecord>,
    invoices: Vec<&'a InvoiceRecord>,
    memos: Vec<&'a CreditMemoRecord>,
    payments: Vec<&'a PaymentRecord>,
}

fn view(s: &SampleSource) -> View<'_> {
    let mut v = View { customers: vec![], jobs: vec![], invoices: vec![], memos: vec![], payments: vec![] };
    for r in s.records() {
        match r {
            Record::Customer(c) => v.customers.push(c),
            Record::Job(j) => v.jobs.push(j),
            Record::Invoice(i) => v.invoices.push(i),
            Record::CreditMemo(m) => v.memos.push(m),
            Record::Payment(p) => v.payments.push(p),
            Record::Deleted(d) => panic!("the sample deletes nothing: {d:?}"),
        }
    }
    v
}

fn days_past_due(i: &InvoiceRecord, today: NaiveDate) -> i64 {
    (today - i.due).num_days()
}

/// The part of an open invoice that is due (balance less retainage held).
fn due_part(i: &InvoiceRecord) -> i64 {
    i.balance_minor - i.retainage_minor.clamp(0, i.balance_minor.max(0))
}

#[test]
fn ledger_invariants_hold() {
    for t in TODAYS {
        let today = day(t);
        let s = SampleSource::new(today);
        let v = view(&s);
        let noon = today.and_hms_opt(12, 0, 0).unwrap().and_utc();

        // Records come in entity order.
        let order: Vec<Entity> = s.records().iter().map(|r| key(r).0).collect();
        assert!(order.windows(2).all(|w| w[0] <= w[1]), "{t}: records not in entity order");

        // Unique ids per entity, every version no later than today noon.
        let mut seen = BTreeSet::new();
        for r in s.records() {
            let (e, id, ver) = key(r);
            assert!(seen.insert((e, id.to_string())), "{t}: duplicate {e:?} {id}");
            assert!(ver.updated_at <= noon, "{t}: {id} updated in the future");
        }

        let customers: HashMap<&str, &CustomerRecord> =
            v.customers.iter().map(|c| (c.external_id.as_str(), *c)).collect();
        let jobs: HashMap<&str, &JobRecord> = v.jobs.iter().map(|j| (j.external_id.as_str(), *j)).collect();
        let invoices: HashMap<&str, &InvoiceRecord> = v.invoices.iter().map(|i| (i.external_id.as_str(), *i)).collect();
        let memos: HashMap<&str, &CreditMemoRecord> = v.memos.iter().map(|m| (m.external_id.as_str(), *m)).collect();

        for j in &v.jobs {
            assert!(customers.contains_key(j.customer_external_id.as_str()), "{t}: job {} customer", j.external_id);
            assert!(j.first_furnished.unwrap() <= today);
            if let Some(last) = j.last_furnished {
                assert!(j.first_furnished.unwrap() <= last && last <= today, "{t}: job {} dates", j.external_id);
            }
            assert!(matches!(j.state.as_deref(), Some("FL" | "TX" | "CA")));
        }

        // Sum every application per invoice and per credit memo.
        let mut applied: HashMap<&str, i64> = HashMap::new();
        let mut memo_used: HashMap<&str, i64> = HashMap::new();
        for p in &v.payments {
            assert!(p.received <= today, "{t}: payment {} in the future", p.external_id);
            assert!(customers.contains_key(p.customer_external_id.as_str()));
            assert!(p.unapplied_minor >= 0, "{t}: payment {}", p.external_id);
            let cash: i64 =
                p.applications.iter().filter(|a| a.credit_memo_external_id.is_none()).map(|a| a.amount_minor).sum();
            assert_eq!(p.amount_minor, cash + p.unapplied_minor, "{t}: payment {}", p.external_id);
            for a in &p.applications {
                assert!(a.amount_minor > 0, "{t}: payment {} has an empty line", p.external_id);
                let inv = invoices[a.invoice_external_id.as_str()];
                assert_eq!(inv.customer_external_id, p.customer_external_id, "{t}: payment {}", p.external_id);
                assert!(p.received >= inv.issued, "{t}: payment {} before invoice {}", p.external_id, inv.number);
                *applied.entry(inv.external_id.as_str()).or_default() += a.amount_minor;
                if let Some(m) = &a.credit_memo_external_id {
                    let memo = memos[m.as_str()];
                    assert_eq!(memo.customer_external_id, p.customer_external_id);
                    assert!(p.received >= memo.issued);
                    *memo_used.entry(memo.external_id.as_str()).or_default() += a.amount_minor;
                }
            }
        }

        let mut last_issued = NaiveDate::MIN;
        for (expected_number, i) in (1001..).zip(&v.invoices) {
            assert_eq!(i.number, format!("{expected_number}"), "{t}: invoice numbers are sequential");
            assert_eq!(i.external_id, format!("INV-{}", i.number));
            assert!(i.issued >= last_issued, "{t}: invoice numbers follow issue dates");
            last_issued = i.issued;
            assert!(i.issued <= today, "{t}: invoice {} in the future", i.number);
            let c = customers[i.customer_external_id.as_str()];
            assert_eq!((i.due - i.issued).num_days(), c.terms_days.unwrap(), "{t}: invoice {} terms", i.number);
            let j = jobs[i.job_external_id.as_deref().unwrap()];
            assert_eq!(j.customer_external_id, i.customer_external_id);
            let paid = applied.get(i.external_id.as_str()).copied().unwrap_or(0);
            assert_eq!(i.balance_minor, i.total_minor - paid, "{t}: invoice {}", i.number);
            assert!(i.balance_minor >= 0, "{t}: invoice {} overpaid", i.number);
            assert!(i.retainage_minor >= 0 && i.retainage_minor <= i.balance_minor, "{t}: invoice {}", i.number);
            if i.voided {
                assert_eq!((i.total_minor, i.balance_minor, paid), (0, 0, 0), "{t}: voided {}", i.number);
                assert_eq!(i.memo.as_deref(), Some("Voided: billed to wrong job"));
            } else {
                assert!(i.total_minor > 0, "{t}: invoice {} is empty", i.number);
            }
            // Retainage is shown while the job is ongoing, on progress billings only.
            if i.retainage_minor > 0 {
                assert_eq!(i.kind, InvoiceKind::Progress);
                assert!(j.last_furnished.is_none() && j.retainage_bp > 0);
                assert_eq!(i.retainage_minor, builder::share(i.total_minor, j.retainage_bp));
            }
        }
        assert!(v.invoices.iter().filter(|i| i.voided).count() == 1, "{t}: one voided invoice");

        for m in &v.memos {
            let used = memo_used.get(m.external_id.as_str()).copied().unwrap_or(0);
            assert_eq!(m.remaining_minor, m.total_minor - used, "{t}: {}", m.number);
            assert!(m.remaining_minor >= 0 && m.issued <= today);
        }
    }
}

#[test]
fn the_same_day_gives_the_same_ledger() {
    for t in TODAYS {
        let a = SampleSource::new(day(t));
        let b = SampleSource::new(day(t));
        assert_eq!(a.records(), b.records());
        assert_eq!(a.collections(), b.collections());
    }
    // Another day moves the dates but not the story.
    let a = SampleSource::new(day("2026-11-22"));
    let b = SampleSource::new(day("2027-02-28"));
    assert_eq!(a.records().len(), b.records().len());
    assert_ne!(a.records(), b.records());
    assert_eq!(a.collections(), b.collections());
}

/// Every page of one entity, following the cursor; the watermark of the last non-empty page.
fn fetch_all(s: &SampleSource, entity: Entity, since: Option<&str>) -> (Vec<Record>, Option<String>, usize) {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    let mut watermark = None;
    let mut pages = 0;
    loop {
        let page = block_on(s.fetch(entity, since, cursor.as_deref())).unwrap();
        pages += 1;
        assert!(page.records.len() <= s.page_size);
        if let Some(w) = page.watermark {
            if let Some(prev) = &watermark {
                assert!(&w >= prev, "watermarks never go back");
            }
            watermark = Some(w);
        }
        out.extend(page.records);
        match page.next {
            Some(n) => cursor = Some(n),
            None => return (out, watermark, pages),
        }
        assert!(pages < 1_000, "paging never ends");
    }
}

fn ids(records: &[Record]) -> Vec<String> {
    let mut v: Vec<String> = records.iter().map(|r| key(r).1.to_string()).collect();
    v.sort();
    v
}

#[test]
fn paging_returns_every_record_once() {
    for t in ["2026-11-22", "2027-02-28"] {
        for size in [1, 7, 40, 1_000] {
            let s = SampleSource::new(day(t)).with_page_size(size);
            for entity in Entity::ALL {
                let expected: Vec<Record> = s.records().iter().filter(|r| key(r).0 == entity).cloned().collect();
                assert!(!expected.is_empty(), "{entity:?}");
                let (got, watermark, pages) = fetch_all(&s, entity, None);
                let first = block_on(s.fetch(entity, None, None)).unwrap();
                assert_eq!(first.expected_total, Some(expected.len() as u64), "the first page says how many");
                assert_eq!(got.len(), expected.len(), "{t} {entity:?} size {size}");
                let got_ids = ids(&got);
                assert_eq!(got_ids.iter().collect::<BTreeSet<_>>().len(), got.len(), "duplicates");
                assert_eq!(got_ids, ids(&expected));
                assert_eq!(pages, expected.len().div_ceil(size).max(1));
                // Same records, field for field.
                let by_id: BTreeMap<&str, &Record> = expected.iter().map(|r| (key(r).1, r)).collect();
                for r in &got {
                    assert_eq!(by_id[key(r).1], r);
                }
                // Ordered by (updated_at, external_id).
                let keys: Vec<(DateTime<Utc>, String)> =
                    got.iter().map(|r| (key(r).2.updated_at, key(r).1.to_string())).collect();
                assert!(keys.windows(2).all(|w| w[0] < w[1]));

                // The watermark is the latest version; fetching from it returns only records at or after it.
                let watermark = watermark.unwrap();
                let latest = expected.iter().map(|r| key(r).2.updated_at).max().unwrap();
                assert_eq!(watermark, latest.to_rfc3339_opts(SecondsFormat::Micros, true));
                let (again, _, _) = fetch_all(&s, entity, Some(&watermark));
                assert!(!again.is_empty());
                assert!(again.iter().all(|r| key(r).2.updated_at >= latest));
                let at_latest = expected.iter().filter(|r| key(r).2.updated_at == latest).count();
                assert_eq!(again.len(), at_latest);
            }
        }
    }
}

#[test]
fn since_filters_and_bad_input_is_garbled() {
    let s = SampleSource::new(day("2026-11-22")).with_page_size(1_000);
    let since = "2026-10-01T00:00:00Z";
    let cut: DateTime<Utc> = since.parse().unwrap();
    let (got, _, _) = fetch_all(&s, Entity::Invoice, Some(since));
    let expected =
        s.records().iter().filter(|r| matches!(r, Record::Invoice(i) if i.version.updated_at >= cut)).count();
    assert_eq!(got.len(), expected);
    assert!(expected > 0);
    assert!(got.len() < view(&s).invoices.len());

    for (since, cursor) in [(Some("yesterday"), None), (None, Some("page-2")), (None, Some("-1"))] {
        let err = block_on(s.fetch(Entity::Customer, since, cursor)).unwrap_err();
        assert!(matches!(err, SourceError::Garbled { ref source_name, .. } if source_name == "sample"), "{err:?}");
    }
    // A cursor past the end is simply the end.
    let page = block_on(s.fetch(Entity::Customer, None, Some("5000"))).unwrap();
    assert!(page.records.is_empty() && page.watermark.is_none() && page.next.is_none());
}

#[test]
fn names_and_page_size() {
    let s = SampleSource::new(day("2026-11-22"));
    assert_eq!(s.name(), "sample");
    assert_eq!(s.page_size, 40);
    assert_eq!(s.clone().with_name("demo").name(), "demo");
    assert_eq!(s.clone().with_page_size(0).page_size, 1);
    assert_eq!(s.today(), day("2026-11-22"));
    assert_eq!(s.entities(), &Entity::ALL);
}

#[test]
fn the_demo_story_is_there() {
    for t in TODAYS {
        let today = day(t);
        let s = SampleSource::new(today);
        let v = view(&s);
        let named = |n: &str| v.customers.iter().find(|c| c.name == n).copied().unwrap_or_else(|| panic!("{n}"));
        let open = |c: &CustomerRecord| -> Vec<&InvoiceRecord> {
            v.invoices
                .iter()
                .filter(|i| i.customer_external_id == c.external_id && i.balance_minor > 0)
                .copied()
                .collect()
        };

        assert!((28..=32).contains(&v.customers.len()));
        assert!(v.customers.iter().filter(|c| c.name.to_lowercase().contains("acme")).count() == 1);
        assert_eq!(v.customers.iter().filter(|c| c.name.to_lowercase().contains("gulf")).count(), 3);
        for kind in [CustomerKind::GeneralContractor, CustomerKind::PropertyOwner, CustomerKind::Homeowner] {
            assert!(v.customers.iter().any(|c| c.kind == kind), "{kind:?}");
        }
        let inactive: Vec<_> = v.customers.iter().filter(|c| !c.active).collect();
        assert_eq!(inactive.len(), 1);
        assert!(open(inactive[0]).is_empty());
        assert!(v.invoices.iter().any(|i| i.customer_external_id == inactive[0].external_id));

        let gcb = named("Gulf Coast Builders LLC");
        assert_eq!((gcb.kind, gcb.pm.as_deref()), (CustomerKind::GeneralContractor, Some("dana")));
        let marina = v.jobs.iter().find(|j| j.name == "Marina Tower").unwrap();
        assert_eq!(marina.customer_external_id, gcb.external_id);
        assert_eq!((marina.city.as_deref(), marina.county.as_deref()), (Some("Tampa"), Some("Hillsborough")));
        assert_eq!((today - marina.first_furnished.unwrap()).num_days(), 44);
        assert_eq!(marina.role, Some(OurRole::Sub));

        let harborview = named("Harborview Owners Assn");
        assert_eq!((harborview.kind, harborview.pm.as_deref()), (CustomerKind::PropertyOwner, Some("lee")));
        let owed: i64 = open(harborview).iter().map(|i| i.balance_minor).sum();
        assert!((110_000_00..=120_000_00).contains(&owed), "{owed}");
        let oldest = open(harborview).iter().map(|i| days_past_due(i, today)).max().unwrap();
        assert!((33..=37).contains(&oldest), "{oldest}");

        let old_oak = named("Old Oak Homes");
        assert_eq!((old_oak.kind, old_oak.terms_days), (CustomerKind::Homeowner, Some(15)));
        let owed: i64 = open(old_oak).iter().map(|i| i.balance_minor).sum();
        assert_eq!(owed, 3_400_00);
        assert_eq!(open(old_oak).iter().map(|i| days_past_due(i, today)).max(), Some(100));

        // Every aging bucket has an invoice with a due balance; the oldest is about 150 days late.
        let late: Vec<i64> = v.invoices.iter().filter(|i| due_part(i) > 0).map(|i| days_past_due(i, today)).collect();
        for (lo, hi) in [(i64::MIN, 0), (1, 30), (31, 60), (61, 90), (91, 120), (121, 150)] {
            assert!(late.iter().any(|d| (lo..=hi).contains(d)), "{t}: nothing in {lo}..={hi}");
        }
        assert_eq!(late.iter().max(), Some(&150));

        let i1042 = v.invoices.iter().find(|i| i.number == "1042").unwrap();
        assert!(due_part(i1042) > 0 && days_past_due(i1042, today) > 0, "{i1042:?}");

        // Kinds of billing and payment the demo shows.
        for kind in InvoiceKind::ALL {
            assert!(v.invoices.iter().any(|i| i.kind == *kind), "{kind:?}");
        }
        assert!(v.invoices.iter().any(|i| i.kind == InvoiceKind::Retainage && i.balance_minor > 0));
        assert!(v.payments.iter().any(|p| p.applications.is_empty() && p.unapplied_minor > 0));
        assert!(v.payments.iter().any(|p| !p.applications.is_empty() && p.unapplied_minor > 0));
        assert!(v.payments.iter().any(|p| p.applications.len() >= 3));
        let short_paid = v.invoices.iter().filter(|i| {
            due_part(i) > 0
                && v.payments.iter().any(|p| p.applications.iter().any(|a| a.invoice_external_id == i.external_id))
        });
        assert!(short_paid.count() >= 2);

        // The credit memo: $500 to Gulf Coast, applied through a $0 payment to its oldest open invoice.
        assert_eq!(v.memos.len(), 1);
        let cm = v.memos[0];
        assert_eq!((cm.number.as_str(), cm.total_minor, cm.remaining_minor), ("CM-9001", 500_00, 0));
        assert_eq!(cm.customer_external_id, gcb.external_id);
        let via =
            v.payments.iter().find(|p| p.applications.iter().any(|a| a.credit_memo_external_id.is_some())).unwrap();
        assert_eq!((via.amount_minor, via.applications.len()), (0, 1));
        let oldest_open = open(gcb).into_iter().min_by_key(|i| (i.issued, i.number.clone())).unwrap();
        assert_eq!(via.applications[0].invoice_external_id, oldest_open.external_id);
        assert_eq!(via.applications[0].amount_minor, 500_00);

        // Roles and places.
        let roles: Vec<OurRole> = v.jobs.iter().filter_map(|j| j.role).collect();
        assert_eq!(roles.iter().filter(|r| **r == OurRole::Supplier).count(), 1);
        assert!(roles.iter().filter(|r| **r == OurRole::SubSub).count() >= 2);
        assert!(roles.iter().filter(|r| **r == OurRole::Sub).count() > roles.len() / 2);
        assert!(v.jobs.iter().any(|j| j.noc_recorded.is_some() && j.state.as_deref() == Some("FL")));
        assert!(v.jobs.iter().all(|j| j.noc_recorded.is_none() || j.state.as_deref() == Some("FL")));
    }
}

#[test]
fn collections_seed_points_at_real_records() {
    let today = day("2026-11-22");
    let s = SampleSource::new(today);
    let v = view(&s);
    let seed = s.collections();
    let customer = |id: &str| v.customers.iter().find(|c| c.external_id == id).unwrap();

    for n in &seed.notes {
        customer(&n.customer_external_id);
        assert!(["call", "email", "letter", "meeting", "note"].contains(&n.kind), "{n:?}");
        assert!(n.days_ago >= 0 && !n.body.is_empty());
    }
    for p in &seed.promises {
        customer(&p.customer_external_id);
        assert!(["open", "kept", "broken"].contains(&p.status));
        assert!(p.days_ago >= 0 && p.amount_minor > 0);
    }
    let gcb_note = seed.notes.iter().find(|n| n.body == "Spoke to AP (Rita). Check run Friday.").unwrap();
    assert_eq!(
        (customer(&gcb_note.customer_external_id).name.as_str(), gcb_note.author.as_str()),
        ("Gulf Coast Builders LLC", "sam")
    );
    assert_eq!(gcb_note.days_ago, 4);
    let harborview = v.customers.iter().find(|c| c.name == "Harborview Owners Assn").unwrap();
    let hv_notes: Vec<_> = seed.notes.iter().filter(|n| n.customer_external_id == harborview.external_id).collect();
    assert!(hv_notes.len() >= 2 && hv_notes.iter().all(|n| n.author == "lee" || n.author == "sam"));
    let old_oak = v.customers.iter().find(|c| c.name == "Old Oak Homes").unwrap();
    let last_contact =
        seed.notes.iter().filter(|n| n.customer_external_id == old_oak.external_id).map(|n| n.days_ago).min();
    assert_eq!(last_contact, Some(21));

    let promise = |name: &str| {
        let c = v.customers.iter().find(|c| c.name == name).unwrap();
        seed.promises.iter().find(|p| p.customer_external_id == c.external_id).unwrap()
    };
    let p = promise("Gulf Coast Builders LLC");
    assert_eq!((p.amount_minor, p.due_in_days, p.status, p.created_by.as_str()), (12_000_00, 8, "open", "sam"));
    let p = promise("Harborview Owners Assn");
    assert_eq!((p.amount_minor, p.due_in_days, p.status), (40_000_00, -1, "broken"));

    assert_eq!(seed.disputes.len(), 1);
    let d = &seed.disputes[0];
    assert!(["quantity", "backcharge"].contains(&d.reason) && !d.detail.is_empty());
    let inv = v.invoices.iter().find(|i| i.external_id == d.invoice_external_id).unwrap();
    assert!(inv.balance_minor > 0 && !inv.voided);
}

/// Not a check: prints the ledger's open picture (`cargo test -p arbot-connector-sample -- --nocapture summary`).
#[test]
fn summary() {
    let today = day("2026-11-22");
    let s = SampleSource::new(today);
    let v = view(&s);
    let mut total = 0;
    for c in &v.customers {
        let open: Vec<&&InvoiceRecord> =
            v.invoices.iter().filter(|i| i.customer_external_id == c.external_id && i.balance_minor > 0).collect();
        let balance: i64 = open.iter().map(|i| i.balance_minor).sum();
        let retainage: i64 = open.iter().map(|i| i.retainage_minor).sum();
        total += balance;
        let oldest_due = open.iter().filter(|i| due_part(i) > 0).map(|i| days_past_due(i, today)).max();
        let oldest_any = open.iter().map(|i| days_past_due(i, today)).max();
        println!(
            "{} {:<34} {:<10} open {:>11.2} (retainage {:>10.2}) oldest due {:>5} any {:>5}",
            c.external_id,
            c.name,
            c.kind.as_str(),
            balance as f64 / 100.0,
            retainage as f64 / 100.0,
            oldest_due.map_or("-".into(), |d| d.to_string()),
            oldest_any.map_or("-".into(), |d| d.to_string()),
        );
    }
    println!("total open {:.2}", total as f64 / 100.0);
    for i in &v.invoices {
        if i.balance_minor > 0 || i.voided || (1035..=1050).contains(&i.number.parse::<i32>().unwrap()) {
            println!(
                "{} {} {:<10} {:?} issued {} due {} ({:>4}) total {:>10.2} bal {:>10.2} ret {:>9.2} {}",
                i.number,
                i.customer_external_id,
                i.kind.as_str(),
                i.job_external_id,
                i.issued,
                i.due,
                days_past_due(i, today),
                i.total_minor as f64 / 100.0,
                i.balance_minor as f64 / 100.0,
                i.retainage_minor as f64 / 100.0,
                i.memo.as_deref().unwrap_or("")
            );
        }
    }
    println!(
        "{} customers, {} jobs, {} invoices, {} memos, {} payments; seed {:?}",
        v.customers.len(),
        v.jobs.len(),
        v.invoices.len(),
        v.memos.len(),
        v.payments.len(),
        s.collections().disputes
    );
}
