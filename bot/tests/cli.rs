//! The real `arbot` binary, as a user or a script runs it: exit codes, messages, formats.

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn arbot(dir: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_arbot"))
        .args(args)
        .current_dir(dir)
        .env_remove("ARBOT_DATABASE_URL")
        .env_remove("ARBOT_CONFIG")
        .env("ARBOT_TODAY", "2026-11-22")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run arbot");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("arbot finishes")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn demo_then_reports_for_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let out = arbot(dir.path(), &["demo"], "/ar customer acme\n/ar nonsense\n/ar kpi\n");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("Welcome to arbot"), "{stdout}");
    assert!(stdout.contains("» /ar customer acme\n⚠ Acme Builders Inc"), "{stdout}");
    assert!(stdout.contains("I don't know the command 'nonsense'"), "the console goes on after a mistake: {stdout}");
    assert!(stdout.contains("DSO (countback)"), "{stdout}");
    assert!(dir.path().join("arbot-demo.db").exists());

    let db = "sqlite://arbot-demo.db";
    let out = arbot(dir.path(), &["--db", db, "aging", "--format", "json"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("aging JSON");
    let totals = &json["totals"];
    let buckets: i64 = totals["buckets"].as_array().unwrap().iter().map(|b| b.as_i64().unwrap()).sum();
    assert_eq!(buckets + totals["retainage"].as_i64().unwrap(), totals["total"].as_i64().unwrap());

    let out = arbot(dir.path(), &["--db", db, "aging", "--by", "pm", "--format", "csv"], "");
    let csv = text(&out.stdout);
    assert!(csv.starts_with("pm,current,1-30,31-60,61-90,91-120,120+,retainage,total"), "{csv}");
    assert!(csv.lines().last().unwrap_or_default().starts_with("Total,"), "{csv}");

    let out = arbot(dir.path(), &["--db", db, "customer", "harborview", "--format", "json"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("customer JSON");
    assert_eq!(json["customer"]["name"], "Harborview Owners Assn");

    let out = arbot(dir.path(), &["--db", db, "customer", "zzzz"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("No customer matches 'zzzz'"), "{}", text(&out.stderr));

    let out = arbot(dir.path(), &["--db", db, "customer", "gulf"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("3 customers match 'gulf'"), "{}", text(&out.stderr));

    let out = arbot(dir.path(), &["--db", db, "aging", "--as-of", "2026-02-30"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("Feb 30, 2026 isn't a date"), "{}", text(&out.stderr));
}

#[test]
fn bad_databases_fail_with_one_clear_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let out = arbot(dir.path(), &["--db", "mysql://root@localhost/x", "migrate"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("is not a database URL arbot knows"), "{}", text(&out.stderr));

    let out = arbot(dir.path(), &["--db", "postgres://nobody@127.0.0.1:1/x", "aging"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("Can't open the database"), "{}", text(&out.stderr));

    let out = arbot(dir.path(), &["migrate"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("applied 1 migration"), "{}", text(&out.stdout));
    let out = arbot(dir.path(), &["migrate"], "");
    assert!(text(&out.stdout).contains("is up to date"), "{}", text(&out.stdout));

    let out = arbot(dir.path(), &["console"], "/ar customer acme\n/ar aging\n/ar overdue\n");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("arbot has no customers yet"), "{stdout}");
    assert!(stdout.contains("Nothing was open on Nov 22, 2026."), "{stdout}");
    assert!(stdout.contains("Nothing overdue."), "{stdout}");

    let out = arbot(dir.path(), &["sync"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("No accounting system is configured"), "{}", text(&out.stderr));
}

#[test]
fn help_explains_itself() {
    let dir = tempfile::tempdir().unwrap();
    let out = arbot(dir.path(), &["--help"], "");
    let help = text(&out.stdout);
    for sub in ["demo", "console", "sync", "migrate", "aging", "customer"] {
        assert!(help.contains(sub), "{help}");
    }
    let out = arbot(dir.path(), &["aging", "--help"], "");
    assert!(text(&out.stdout).contains("--as-of"), "{}", text(&out.stdout));
}
