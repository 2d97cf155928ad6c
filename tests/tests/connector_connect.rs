//! `arbot connect` against the fake QuickBooks and Xero: the consent URL, the loopback redirect,
//! the code exchange, tokens stored sealed (never in the clear), the refusal without
//! ARBOT_SECRET_KEY or with a forged state, and a first sync with the stored tokens through the
//! source `arbot sync` builds from `[[sources]]`.

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test

use std::sync::Arc;
use std::time::Duration;

use arbot::config::SourceConfig;
use arbot::connect::{ConnectParams, Connected, Vendor, connect_flow, try_build};
use arbot_connector_http::{KeyError, OAuthApp, SecretKey};
use arbot_core::Clock;
use arbot_core::store::{ConnectionStatus, Store};
use arbot_core::sync::sync_source;
use arbot_tests::TestDb;
use arbot_tests::fake_quickbooks::{Amt, FakeQbo, Ledger};
use arbot_tests::fake_xero::{FakeXero, XLedger};
use arbot_tests::snapshot::assert_matches;
use arbot_tests::vendor_kit::TEST_SECRET_KEY;

fn cfg(text: &str) -> SourceConfig {
    toml::from_str(text).unwrap()
}

fn params(vendor: Vendor, source: SourceConfig, app: OAuthApp, connections_url: String) -> ConnectParams {
    ConnectParams {
        vendor,
        source,
        app,
        key: SecretKey::from_hex(TEST_SECRET_KEY),
        port: 0,
        tenant: None,
        connections_url,
        wait: Duration::from_secs(20),
    }
}

/// Runs the flow, playing the browser: reads the consent URL, gets a code from the fake's
/// consent screen, and follows the redirect with `extra` query parameters.
async fn run(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    p: ConnectParams,
    code: String,
    extra: &'static str,
    forge_state: bool,
) -> anyhow::Result<Connected> {
    let (tx, rx) = tokio::sync::oneshot::channel::<String>();
    let flow = tokio::spawn(async move {
        connect_flow(p, store.as_ref(), clock.as_ref(), move |url| drop(tx.send(url.to_string()))).await
    });
    let url = reqwest::Url::parse(&rx.await.unwrap()).unwrap();
    let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert!(q["redirect_uri"].starts_with("http://localhost:") && q["redirect_uri"].ends_with("/callback"), "{url}");
    let state = if forge_state { "forged".to_string() } else { q["state"].clone() };
    let back = format!("{}?code={code}&state={state}{extra}", q["redirect_uri"].replace("localhost", "127.0.0.1"));
    let page = reqwest::get(&back).await.unwrap();
    assert_eq!(page.status(), 200);
    flow.await.unwrap()
}

#[tokio::test]
async fn connecting_quickbooks_stores_sealed_tokens_that_a_sync_then_uses() {
    for db in TestDb::all().await {
        let mut ledger = Ledger::new("2026-06-01T15:00:00Z".parse().unwrap());
        let acme = ledger.customer("Acme Builders");
        ledger.invoice(&acme, Amt::cents(12_500));
        let fake = FakeQbo::start(ledger).await;
        let clock: Arc<dyn Clock> = Arc::new(fake.clock());
        let source = cfg(&format!(
            "name = \"qbo\"\nkind = \"quickbooks\"\napi_base = \"{u}\"\ntoken_url = \"{u}/oauth2/v1/tokens/bearer\"\nclient_id = \"qbo-client\"\n",
            u = fake.url
        ));
        let (code, realm) = fake.with(|s| (s.oauth.issue_code(), s.realm.clone()));
        let extra: &'static str = Box::leak(format!("&realmId={realm}").into_boxed_str());
        let p = params(Vendor::QuickBooks, source.clone(), fake.app(), String::new());
        let connected = run(db.store.clone(), clock.clone(), p, code, extra, false).await.unwrap();
        assert_eq!((connected.source.as_str(), connected.company.as_str()), ("qbo", realm.as_str()));
        assert_eq!(fake.with(|s| s.oauth.code_calls), 1);

        let conn = db.store.connection("qbo").await.unwrap().unwrap();
        assert_eq!(conn.status, ConnectionStatus::Ok);
        let sealed = conn.sealed_tokens.unwrap();
        let refresh = fake.with(|s| s.oauth.refresh.clone());
        assert!(
            !sealed.windows(refresh.len()).any(|w| w == refresh.as_bytes()),
            "{}: the refresh token is not stored in the clear",
            db.name
        );
        assert!(!sealed.windows(3).any(|w| w == b"at-"), "{}: nor the access token", db.name);

        // The source `arbot sync` builds from [[sources]] syncs with the stored tokens.
        let env = |k: &str| (k == "ARBOT_QUICKBOOKS_CLIENT_SECRET").then(|| "qbo-secret".to_string());
        let built = try_build(
            Vendor::QuickBooks,
            &source,
            db.store.clone(),
            clock.clone(),
            &env,
            SecretKey::from_hex(TEST_SECRET_KEY).ok(),
        )
        .unwrap();
        sync_source(db.store.as_ref(), built.as_ref(), clock.as_ref(), false, |_| {}).await.unwrap();
        assert_matches(&db, "qbo", &fake.with(|s| s.ledger.expected()), "after connecting").await;

        // Without the key, that source says why it cannot work.
        let keyless = try_build(Vendor::QuickBooks, &source, db.store.clone(), clock.clone(), &env, None).unwrap();
        let err = sync_source(db.store.as_ref(), keyless.as_ref(), clock.as_ref(), false, |_| {}).await.unwrap_err();
        assert!(err.to_string().contains("ARBOT_SECRET_KEY is not set"), "{err}");
        db.close().await;
    }
}

#[tokio::test]
async fn without_a_key_or_with_a_forged_state_nothing_is_stored() {
    let db = TestDb::sqlite().await;
    let fake = FakeQbo::start(Ledger::new("2026-06-01T15:00:00Z".parse().unwrap())).await;
    let clock: Arc<dyn Clock> = Arc::new(fake.clock());
    let source = cfg("name = \"qbo\"\nkind = \"quickbooks\"\n");
    let mut p = params(Vendor::QuickBooks, source.clone(), fake.app(), String::new());
    p.key = Err(KeyError::Missing);
    let err = connect_flow(p, db.store.as_ref(), clock.as_ref(), |_| panic!("no consent URL without a key"))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("will not store tokens") && err.to_string().contains("openssl rand -hex 32"),
        "{err}"
    );

    let code = fake.with(|s| s.oauth.issue_code());
    let p = params(Vendor::QuickBooks, source, fake.app(), String::new());
    let err = run(db.store.clone(), clock, p, code, "&realmId=1", true).await.unwrap_err();
    assert!(err.to_string().contains("did not carry the state"), "{err}");
    assert!(db.store.connection("qbo").await.unwrap().is_none(), "nothing stored");
    assert_eq!(fake.with(|s| s.oauth.code_calls), 0, "the code was never exchanged");
    db.close().await;
}

#[tokio::test]
async fn connecting_xero_picks_the_organisation_and_syncs_it() {
    let db = TestDb::sqlite().await;
    let mut ledger = XLedger::new("2026-06-01T15:00:00Z".parse().unwrap());
    let acme = ledger.contact("Acme Builders");
    ledger.invoice(&acme, 4_600);
    let fake = FakeXero::start(ledger).await;
    let clock: Arc<dyn Clock> = Arc::new(fake.clock());
    let source = cfg(&format!(
        "name = \"xero\"\nkind = \"xero\"\napi_base = \"{u}/api.xro/2.0\"\ntoken_url = \"{u}/connect/token\"\nclient_id = \"xero-client\"\n",
        u = fake.url
    ));
    let code = fake.with(|s| s.oauth.issue_code());
    let p = params(Vendor::Xero, source.clone(), fake.app(), format!("{}/connections", fake.url));
    let connected = run(db.store.clone(), clock.clone(), p, code, "", false).await.unwrap();
    assert_eq!(connected.company, fake.with(|s| s.tenant.clone()));
    assert_eq!(connected.company_name.as_deref(), Some("Suncoast Mechanical (US)"));
    let env = |k: &str| (k == "ARBOT_XERO_CLIENT_SECRET").then(|| "xero-secret".to_string());
    let built = try_build(
        Vendor::Xero,
        &source,
        db.store.clone(),
        clock.clone(),
        &env,
        SecretKey::from_hex(TEST_SECRET_KEY).ok(),
    )
    .unwrap();
    sync_source(db.store.as_ref(), built.as_ref(), clock.as_ref(), false, |_| {}).await.unwrap();
    assert_matches(&db, "xero", &fake.with(|s| s.ledger.expected()), "after connecting Xero").await;
    db.close().await;
}
