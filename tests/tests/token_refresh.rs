//! Token refresh across processes: two token managers on two separate stores of one database
//! (what two `arbot sync` processes are), against the fake QuickBooks, which refuses a refresh
//! token that was already spent, as the real one does. Each round, the saved access token has
//! expired and both ask for one at once: exactly one refresh reaches QuickBooks, both get the
//! same working token, and the connection is never marked as needing a reconnect.

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test

use std::sync::Arc;
use std::time::Duration;

use arbot_connector_http::{ExposeSecret, SecretKey, TokenSet};
use arbot_core::Clock;
use arbot_core::store::{self, ConnectionStatus, Store};
use arbot_tests::TestDb;
use arbot_tests::fake_quickbooks::{FakeQbo, Ledger};
use arbot_tests::vendor_kit::{self, TEST_SECRET_KEY, Vendor};

const QBO: Vendor =
    Vendor { kind: "quickbooks", name: "QuickBooks", company_key: arbot_connector_quickbooks::REALM_KEY };
const ROUNDS: usize = 8;

async fn saved(store: &Arc<dyn Store>) -> TokenSet {
    let conn = store.connection("qbo").await.unwrap().unwrap();
    let key = SecretKey::from_hex(TEST_SECRET_KEY).unwrap();
    serde_json::from_slice(&key.open("qbo", &conn.sealed_tokens.unwrap()).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_refresh_once_and_neither_is_told_to_reconnect() {
    arbot_tests::init_logs();
    for db in TestDb::all().await {
        let fake = FakeQbo::start(Ledger::new(chrono::Utc::now())).await;
        let clock: Arc<dyn Clock> = Arc::new(fake.clock());
        // The other process: its own pool on the same database.
        let other = store::open(&db.url).await.unwrap();
        let realm = fake.with(|s| s.realm.clone());
        let first = fake.with(|s| s.oauth.refresh.clone());
        vendor_kit::store_connection(
            &db.store,
            QBO,
            "qbo",
            ("at-expired".into(), first, realm),
            chrono::Duration::minutes(-1),
            clock.now(),
        )
        .await;
        // Token calls take a while, so the two overlap.
        fake.with(|s| s.oauth.delay = Duration::from_millis(150));
        for round in 0..ROUNDS {
            let a = vendor_kit::token_manager(&db.store, QBO, "qbo", fake.app(), clock.clone());
            let b = vendor_kit::token_manager(&other, QBO, "qbo", fake.app(), clock.clone());
            let calls_before = fake.with(|s| s.oauth.refresh_calls);
            let started = std::time::Instant::now();
            let (ta, tb) = tokio::join!(a.access_token(), b.access_token());
            // A lease not given back would hold the next round for a minute.
            assert!(started.elapsed() < Duration::from_secs(10), "{}, round {round}: {:?}", db.name, started.elapsed());
            let (ta, tb) = (
                ta.unwrap_or_else(|e| panic!("{}, round {round}: first process: {e}", db.name)),
                tb.unwrap_or_else(|e| panic!("{}, round {round}: second process: {e}", db.name)),
            );
            assert_eq!(ta.expose_secret(), tb.expose_secret(), "{}, round {round}: one token for both", db.name);
            assert!(fake.with(|s| s.oauth.access.contains(ta.expose_secret())), "{}: the token works", db.name);
            assert_eq!(
                fake.with(|s| s.oauth.refresh_calls) - calls_before,
                1,
                "{}, round {round}: one refresh for two processes",
                db.name
            );
            let status = db.store.connection("qbo").await.unwrap().unwrap().status;
            assert_eq!(status, ConnectionStatus::Ok, "{}, round {round}", db.name);
            let tokens = saved(&db.store).await;
            assert_eq!(
                tokens.refresh_token.expose_secret(),
                fake.with(|s| s.oauth.refresh.clone()),
                "{}: the rotated refresh token is the one saved",
                db.name
            );
            // Next round: the access token has expired again.
            let mut expired = tokens;
            expired.access_expires_at = clock.now() - chrono::Duration::minutes(1);
            let key = SecretKey::from_hex(TEST_SECRET_KEY).unwrap();
            arbot_connector_http::tokens::store_new_tokens(
                db.store.as_ref(),
                &key,
                "qbo",
                QBO.kind,
                &expired,
                clock.now(),
            )
            .await
            .unwrap();
        }
        drop(other);
        db.close().await;
    }
}
