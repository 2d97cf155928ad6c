//! Fuzzing, bounded for CI: the parsers people and files feed arbot — money, dates, the command
//! line (console and Discord read it the same way), CSV and XLSX files and the import's row
//! parser — get generated and arbitrary input and must never panic, and keep what can be said of
//! them: an amount read back from how arbot writes it is the same amount, a date read is in the
//! plausible window and reads back the same, a file's rows come back as written.
//!
//! Each target runs `ARBOT_FUZZ_CASES` cases (256 by default); for a longer run, set it higher:
//! `ARBOT_FUZZ_CASES=100000 cargo test -p arbot-tests --test fuzz --release`. The vendor JSON
//! decoders are fuzzed through the real connectors in `connector_conformance`
//! (`mangled_answers_never_panic_or_leak_parser_words`, same variable).

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test

use std::sync::OnceLock;

use arbot::app::App;
use arbot::roles::Actor;
use arbot_connector_spreadsheet::{Kind, Mapping, Options, parse, read_file};
use arbot_core::dates::{parse_date, plausible_years};
use arbot_core::{Currency, Money};
use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("ARBOT_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256)
}

fn config() -> ProptestConfig {
    ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

/// Text that looks like what people type for an amount, and some that doesn't.
fn amount_like() -> impl Strategy<Value = String> {
    prop_oneof!["[-(]?[$€£]?[0-9]{0,13}(,[0-9]{3}){0,3}(\\.[0-9]{0,4})?\\)?", "[ 0-9.,$()-]{0,24}", any::<String>(),]
}

/// Text that looks like a date, and some that doesn't.
fn date_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,5}-[0-9]{1,2}-[0-9]{1,2}",
        "[0-9]{1,2}/[0-9]{1,2}(/[0-9]{1,4})?",
        "(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6} [0-9]{1,2}(, [0-9]{1,5})?",
        "[0-9]{1,2} (jan|nov|dec) [0-9]{1,5}",
        "(today|yesterday|tomorrow|TODAY)",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn money_read_back_from_how_arbot_writes_it_is_the_same(input in amount_like(), code in "(USD|CAD|EUR|JPY|KWD)") {
        let currency = Currency::parse(&code).unwrap();
        if let Ok(m) = Money::parse_signed(&input, currency) {
            prop_assert_eq!(m.currency, currency);
            prop_assert_eq!(Money::parse_signed(&m.to_plain_string(), currency), Ok(m), "plain: {}", m.to_plain_string());
            prop_assert_eq!(Money::parse_signed(&m.to_string(), currency), Ok(m), "display: {}", m);
            if m.minor >= 0 {
                prop_assert_eq!(Money::parse(&input, currency), Ok(m));
            } else {
                prop_assert!(Money::parse(&input, currency).is_err(), "a negative amount refused by parse");
            }
        }
        // Whatever it made of the text, Money::parse never panics and its sentence names the input.
        if let Err(e) = Money::parse(&input, currency) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn a_date_read_is_plausible_and_reads_back_the_same(input in date_like()) {
        if let Ok(d) = parse_date(&input, today()) {
            prop_assert!(plausible_years(today()).contains(&d.year()), "{input} -> {d}");
            prop_assert_eq!(parse_date(&d.to_string(), today()), Ok(d));
            prop_assert_eq!(parse_date(&d.format("%m/%d/%Y").to_string(), today()), Ok(d));
        }
    }

    #[test]
    fn a_csv_file_reads_back_its_rows(
        rows in proptest::collection::vec(proptest::collection::vec("[^\u{0}\r\n]{0,12}", 3), 0..30),
        bom in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rows.csv");
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        w.write_record(["invoice", "customer", "total"]).unwrap();
        for r in &rows {
            w.write_record(r).unwrap();
        }
        let mut bytes = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
        bytes.extend(w.into_inner().unwrap());
        std::fs::write(&path, &bytes).unwrap();
        let table = read_file(&path, None).unwrap();
        prop_assert_eq!(&table.headers, &["invoice", "customer", "total"]);
        // Every row comes back as written (three blank cells are `,,`, a row, not a blank line),
        // cells of spaces read as blank.
        prop_assert_eq!(table.rows.len(), rows.len());
        for (got, want) in table.rows.iter().zip(&rows) {
            let got: Vec<String> = got.iter().map(|c| c.text()).collect();
            let want: Vec<String> = want.iter().map(|c| if c.trim().is_empty() { String::new() } else { c.clone() }).collect();
            prop_assert_eq!(got, want);
        }
        prop_assert!(table.numbers.windows(2).all(|w| w[0] < w[1]), "row numbers increase: {:?}", table.numbers);
        // And the import's row parser takes whatever the file holds without panicking.
        let opts = Options { kind: Some(Kind::Invoices), mapping: Mapping::default(), currency: Currency::USD, today: today(), at: chrono::Utc::now() };
        let _ = parse(&table, &opts);
    }

    #[test]
    fn any_bytes_as_csv_or_workbook_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600), zip_head in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("any.csv");
        std::fs::write(&csv, &bytes).unwrap();
        if let Ok(table) = read_file(&csv, None) {
            for kind in [Kind::Invoices, Kind::Payments, Kind::Customers, Kind::Jobs] {
                let opts = Options { kind: Some(kind), mapping: Mapping::default(), currency: Currency::USD, today: today(), at: chrono::Utc::now() };
                let _ = parse(&table, &opts);
            }
        }
        let xlsx = dir.path().join("any.xlsx");
        let mut book = if zip_head { b"PK\x03\x04".to_vec() } else { Vec::new() };
        book.extend(&bytes);
        std::fs::write(&xlsx, &book).unwrap();
        if let Err(e) = read_file(&xlsx, None) {
            let text = e.to_string();
            prop_assert!(!text.contains("Zip") && !text.contains("EOCD"), "{text}");
        }
    }

    #[test]
    fn the_command_parser_answers_every_line(line in command_like()) {
        let (rt, app) = world();
        let read = rt.block_on(arbot::commands::read_line(app, &line, Actor::console()));
        match read {
            Err(arbot::commands::Unread::Mistake(e)) => {
                let text = e.to_string();
                prop_assert!(!text.trim().is_empty(), "{line:?}");
                prop_assert!(text.chars().count() < 2_000, "{line:?}: {} chars", text.chars().count());
                // A sentence for a person: no Rust or parser words leak into it.
                for leak in ["Some(", "None", "Err(", "Ok(", "panicked", "unwrap", "ParseError", "Bound::"] {
                    prop_assert!(!text.contains(leak), "{line:?}: {text}");
                }
            }
            Ok(inv) => {
                // What was read is a command of the table, and every value it holds is one the
                // command declares.
                prop_assert!(arbot::commands::spec(inv.command.name).is_some(), "{line:?}");
                for (name, _) in inv.args.iter() {
                    prop_assert!(inv.command.params.iter().any(|p| p.name == name), "{line:?}: {name}");
                }
            }
            Err(_) => {}
        }
    }
}

/// Lines like the ones people type at `/ar`, and some that aren't.
fn command_like() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        Just("customer".to_string()),
        Just("promise".to_string()),
        Just("aging".to_string()),
        Just("note".to_string()),
        Just("dispute".to_string()),
        Just("job".to_string()),
        Just("set".to_string()),
        Just("by:pm".to_string()),
        Just("harborview".to_string()),
        Just("\"Acme Builders\"".to_string()),
        amount_like(),
        date_like(),
        "[a-z:=\"'-]{0,12}",
        any::<String>().prop_map(|s| s.chars().take(40).collect()),
    ];
    (proptest::option::of(Just("/ar ")), proptest::collection::vec(word, 0..7))
        .prop_map(|(prefix, words)| format!("{}{}", prefix.unwrap_or(""), words.join(" ")))
}

/// One runtime and one App on the sample ledger for every case (the parser reads customers and
/// jobs from the store).
fn world() -> &'static (tokio::runtime::Runtime, App) {
    static WORLD: OnceLock<(tokio::runtime::Runtime, App)> = OnceLock::new();
    WORLD.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let app = rt.block_on(async {
            let db = arbot_tests::TestDb::sqlite().await;
            arbot_tests::bot_world::load_sample_ledger(&db).await;
            let app = App {
                store: db.store.clone(),
                clock: std::sync::Arc::new(arbot_core::PinnedClock {
                    today: today(),
                    tz: chrono_tz::America::New_York,
                }),
                config: arbot::config::Config::default(),
                sources: Vec::new(),
            };
            // The temp dir lives as long as the test process.
            std::mem::forget(db);
            app
        });
        (rt, app)
    })
}
