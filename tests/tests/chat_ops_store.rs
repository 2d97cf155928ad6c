//! The store's chat-operations stories (scheduled runs, the outbox, escalations, leadership), run
//! on every backend: SQLite always, PostgreSQL when `ARBOT_TEST_POSTGRES_URL` is set. Where two
//! instances compete, two separate store connections to the same database play them.

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test

use arbot_core::Currency;
use arbot_core::audit::{AuditQuery, Author, Surface};
use arbot_core::escalation::{EscalationAction, EscalationPosts, EscalationStatus, NewEscalation};
use arbot_core::ledger::CustomerKind;
use arbot_core::outbox::Delivery;
use arbot_core::source::{CustomerRecord, Entity, Record, Version};
use arbot_core::store::{self, Store};
use arbot_tests::TestDb;
use chrono::{DateTime, Duration, Utc};

fn by(id: &str, name: &str, key: Option<&str>) -> Author {
    Author { id: id.into(), name: name.into(), surface: Surface::Discord, key: key.map(str::to_string) }
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

async fn one_customer(store: &dyn Store, name: &str) -> i64 {
    let run = store.start_sync_run("test", Utc::now()).await.unwrap();
    let record = Record::Customer(CustomerRecord {
        external_id: name.to_lowercase(),
        name: name.into(),
        kind: CustomerKind::GeneralContractor,
        email: None,
        address: None,
        phone: None,
        terms_days: Some(30),
        pm: Some("dana".into()),
        active: true,
        version: Version::at(at("2026-11-01T12:00:00Z")),
    });
    store.apply_page(run, "test", Entity::Customer, &[record], None).await.unwrap();
    let _ = Currency::USD;
    store.customers_matching(name, 1).await.unwrap()[0].id
}

#[tokio::test]
async fn a_scheduled_run_is_claimed_once_and_taken_over_only_when_stale() {
    for db in TestDb::all().await {
        let (s, name) = (db.store.as_ref(), db.name);
        let other = store::open(&db.url).await.unwrap();
        let due = at("2026-11-23T13:00:00Z");
        let now = at("2026-11-23T13:00:05Z");
        let lease = Duration::minutes(10);
        assert!(s.claim_run("digest", due, "a", now, now - lease).await.unwrap(), "{name}");
        assert!(!other.claim_run("digest", due, "b", now, now - lease).await.unwrap(), "{name}: claimed once");
        // Its owner died mid-run: after the lease another instance takes it over, once.
        let later = now + Duration::minutes(11);
        assert!(other.claim_run("digest", due, "b", later, later - lease).await.unwrap(), "{name}");
        assert!(!s.claim_run("digest", due, "a", later, later - lease).await.unwrap(), "{name}");
        other.finish_run("digest", due, arbot_core::store::RunStatus::Done, Some("posted"), later).await.unwrap();
        // A finished run is never taken over, however old.
        let much_later = later + Duration::days(2);
        assert!(!s.claim_run("digest", due, "a", much_later, much_later).await.unwrap(), "{name}");
        let runs = s.runs("digest", 5).await.unwrap();
        assert_eq!(runs.len(), 1, "{name}");
        assert_eq!((runs[0].status.as_str(), runs[0].claimed_by.as_str()), ("done", "b"), "{name}");
        assert_eq!(runs[0].scheduled_for, due, "{name}");
        db.close().await;
    }
}

#[tokio::test]
async fn the_outbox_delivers_each_key_once() {
    for db in TestDb::all().await {
        let (s, name) = (db.store.as_ref(), db.name);
        let other = store::open(&db.url).await.unwrap();
        let t0 = at("2026-11-23T13:00:00Z");
        assert!(s.enqueue("digest:2026-11-23", "post", "{\"a\":1}", t0).await.unwrap(), "{name}");
        assert!(!s.enqueue("digest:2026-11-23", "post", "{\"a\":2}", t0).await.unwrap(), "{name}: same key, no-op");
        assert!(other.enqueue("lien:1", "post", "{}", t0).await.unwrap(), "{name}");
        let stale = t0 - Duration::minutes(5);

        // Two instances claim at once: each post goes to exactly one of them.
        let (a, b) = tokio::join!(s.claim_outbox("a", t0, stale, 10), other.claim_outbox("b", t0, stale, 10));
        let (a, b) = (a.unwrap(), b.unwrap());
        let mut keys: Vec<&str> = a.iter().chain(b.iter()).map(|i| i.key.as_str()).collect();
        keys.sort();
        assert_eq!(keys, ["digest:2026-11-23", "lien:1"], "{name}");
        let digest = a.iter().chain(b.iter()).find(|i| i.key.starts_with("digest")).unwrap().clone();
        assert_eq!(digest.payload, "{\"a\":1}", "{name}: the first payload stands");
        assert!(!digest.in_doubt(), "{name}");
        assert!(s.claim_outbox("a", t0, stale, 10).await.unwrap().is_empty(), "{name}: nothing left to claim");

        // A failed attempt comes back at its retry time, marked in doubt, with its progress.
        s.settle_outbox(
            digest.id,
            &Delivery::Retry {
                error: "Discord 502".into(),
                retry_at: t0 + Duration::seconds(30),
                progress: Some("{\"message\":\"9\"}".into()),
            },
            t0,
        )
        .await
        .unwrap();
        assert!(s.claim_outbox("a", t0 + Duration::seconds(10), stale, 10).await.unwrap().is_empty(), "{name}");
        let again = s.claim_outbox("a", t0 + Duration::seconds(31), stale, 10).await.unwrap();
        assert_eq!(again.len(), 1, "{name}");
        assert!(again[0].in_doubt(), "{name}");
        assert_eq!(again[0].result.as_deref(), Some("{\"message\":\"9\"}"), "{name}");
        assert_eq!(again[0].last_error.as_deref(), Some("Discord 502"), "{name}");
        s.settle_outbox(again[0].id, &Delivery::Sent { result: "{\"message\":\"10\"}".into() }, t0).await.unwrap();
        assert_eq!(
            s.outbox_status("digest:2026-11-23").await.unwrap(),
            Some(("sent".to_string(), Some("{\"message\":\"10\"}".to_string()))),
            "{name}"
        );

        // The other post's claimer died while sending: after the lease it is claimed again.
        let lien = s.outbox_status("lien:1").await.unwrap().unwrap();
        assert_eq!(lien.0, "sending", "{name}");
        let late = t0 + Duration::minutes(6);
        let retaken = s.claim_outbox("a", late, late - Duration::minutes(5), 10).await.unwrap();
        assert_eq!(retaken.iter().map(|i| i.key.as_str()).collect::<Vec<_>>(), ["lien:1"], "{name}");
        assert!(retaken[0].in_doubt(), "{name}");
        s.settle_outbox(retaken[0].id, &Delivery::Failed { error: "400 bad embed".into() }, late).await.unwrap();
        let counts = s.outbox_counts().await.unwrap();
        assert_eq!((counts.pending, counts.sending, counts.sent, counts.failed), (0, 0, 1, 1), "{name}");
        db.close().await;
    }
}

#[tokio::test]
async fn escalations_open_once_and_record_each_click_once() {
    for db in TestDb::all().await {
        let (s, name) = (db.store.as_ref(), db.name);
        let customer = one_customer(s, "Harborview Owners Assn").await;
        let t0 = at("2026-11-23T14:00:00Z");
        let new = NewEscalation {
            customer_id: customer,
            job_id: None,
            title: "Harborview Owners Assn — $115.0k, 35 days".into(),
            reason: "promise for $40.0k broke yesterday".into(),
            pm: Some("lee".into()),
            opened_by: "sam".into(),
            opened_at: t0,
        };
        let (esc, created) = s.open_escalation(&new, &by("7", "sam", None)).await.unwrap();
        assert!(created, "{name}");
        assert_eq!(esc.status, EscalationStatus::Open, "{name}");
        let (same, created) = s.open_escalation(&new, &by("7", "sam", None)).await.unwrap();
        assert!(!created, "{name}: one open escalation per account");
        assert_eq!(same.id, esc.id, "{name}");

        s.record_escalation_posts(
            esc.id,
            &EscalationPosts {
                channel_id: Some("100".into()),
                message_id: Some("5001".into()),
                ..EscalationPosts::default()
            },
        )
        .await
        .unwrap();
        s.record_escalation_posts(esc.id, &EscalationPosts { thread_id: Some("5001".into()), ..Default::default() })
            .await
            .unwrap();
        let esc = s.escalation(esc.id).await.unwrap().unwrap();
        assert_eq!(
            (esc.channel_id.as_deref(), esc.message_id.as_deref(), esc.thread_id.as_deref()),
            (Some("100"), Some("5001"), Some("5001")),
            "{name}: each post recorded without losing the others"
        );

        let t1 = t0 + Duration::minutes(14);
        let acked =
            s.act_on_escalation(esc.id, &EscalationAction::Acknowledge, &by("42", "lee", Some("i-1")), t1).await;
        let acked = acked.unwrap().unwrap();
        assert_eq!(
            (acked.status, acked.acked_by.as_deref(), acked.acked_at),
            (EscalationStatus::Acknowledged, Some("lee"), Some(t1)),
            "{name}"
        );
        // Discord redelivers the same click: recorded once.
        s.act_on_escalation(esc.id, &EscalationAction::Acknowledge, &by("42", "lee", Some("i-1")), t1).await.unwrap();
        let until = t1 + Duration::days(1);
        let snoozed =
            s.act_on_escalation(esc.id, &EscalationAction::Snooze { until }, &by("7", "sam", Some("i-2")), t1).await;
        assert_eq!(snoozed.unwrap().unwrap().snoozed_until, Some(until), "{name}");
        let resolved = s.act_on_escalation(esc.id, &EscalationAction::Resolve, &by("7", "sam", Some("i-3")), t1).await;
        assert_eq!(resolved.unwrap().unwrap().status, EscalationStatus::Resolved, "{name}");
        // A resolved escalation stays resolved; the click is still on record.
        let late = s.act_on_escalation(esc.id, &EscalationAction::Acknowledge, &by("42", "lee", Some("i-4")), t1).await;
        assert_eq!(late.unwrap().unwrap().status, EscalationStatus::Resolved, "{name}");
        let events: Vec<String> = s
            .escalation_events(esc.id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| format!("{} {}", e.action, e.actor_name))
            .collect();
        assert_eq!(events, ["ack lee", "snooze sam", "resolve sam", "ack lee"], "{name}");
        assert!(
            s.act_on_escalation(999, &EscalationAction::Resolve, &by("7", "sam", None), t1).await.unwrap().is_none()
        );
        // The audit trail has each change once, with the status before and after; the late
        // click on a resolved escalation changed nothing, so it is not an audit record.
        let trail: Vec<String> = s
            .audit_trail(AuditQuery { customer_id: Some(esc.customer_id), job_id: None, limit: 10 })
            .await
            .unwrap()
            .into_iter()
            .rev()
            .map(|e| format!("{} {} {} {:?} -> {:?}", e.actor_name, e.action, e.subject, e.before, e.after))
            .collect();
        assert_eq!(
            trail,
            [
                format!("sam escalation open None -> Some({:?})", new.reason),
                "lee escalation ack Some(\"open\") -> Some(\"acknowledged\")".to_string(),
                "sam escalation snooze Some(\"acknowledged\") -> Some(\"snoozed\")".to_string(),
                "sam escalation resolve Some(\"snoozed\") -> Some(\"resolved\")".to_string(),
            ],
            "{name}"
        );

        // Once resolved, the account can be escalated again.
        let (next, created) = s.open_escalation(&new, &by("7", "sam", None)).await.unwrap();
        assert!(created && next.id != esc.id, "{name}");
        assert_eq!(s.open_escalations().await.unwrap().len(), 1, "{name}");
        db.close().await;
    }
}

#[tokio::test]
async fn one_instance_leads_at_a_time() {
    for db in TestDb::all().await {
        let name = db.name;
        let first = db.store.try_lead("gateway").await.unwrap();
        assert!(first.is_some(), "{name}");
        assert!(first.as_ref().unwrap().held().await, "{name}");
        let other = store::open(&db.url).await.unwrap();
        assert!(other.try_lead("gateway").await.unwrap().is_none(), "{name}: the second instance waits");
        drop(first);
        // The lock is gone with its holder; give the server a moment to notice the closed session.
        let mut taken = None;
        for _ in 0..50 {
            taken = other.try_lead("gateway").await.unwrap();
            if taken.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(taken.is_some(), "{name}: another instance takes over when the leader stops");
        db.close().await;
    }
}
