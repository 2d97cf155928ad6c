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
    assert!(text(&out.stdout).contains("migration(s); the schema is up to date"), "{}", text(&out.stdout));
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

#[test]
fn lien_deadlines_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "liens",
        "deadlines",
        "--state",
        "FL",
        "--project",
        "private",
        "--role",
        "sub",
        "--fact",
        "first_furnished=2026-10-09",
    ];
    let out = arbot(dir.path(), &args, "");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("Nov 23, 2026") && stdout.contains("Notice to Owner"), "{stdout}");
    assert!(stdout.contains("not legal advice"), "{stdout}");
    assert!(!dir.path().join("arbot.db").exists(), "no database is needed");

    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let out = arbot(dir.path(), &json_args, "");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("deadlines JSON");
    let nto = json.as_array().unwrap().iter().find(|d| d["kind"] == "notice_to_owner").expect("an NTO deadline");
    assert_eq!(nto["due"], "2026-11-23");
    assert_eq!(nto["raw_due"], "2026-11-23");
    for key in ["rule", "citation", "consequence", "confidence"] {
        assert!(nto[key].is_string(), "{key} in {nto}");
    }

    let out = arbot(dir.path(), &["liens", "deadlines", "--state", "ZZ", "--fact", "first_furnished=2026-10-09"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("Supported states"), "{}", text(&out.stderr));
    let out = arbot(dir.path(), &["liens", "deadlines", "--state", "FL", "--fact", "first_furnishd=2026-10-09"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("isn't a job fact"), "{}", text(&out.stderr));
}

#[test]
fn dev_seed_writes_a_consistent_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let db = "sqlite://seed.db";
    let out = arbot(dir.path(), &["--db", db, "dev", "seed", "--customers", "40", "--invoices", "600"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary = text(&out.stdout);
    assert!(summary.contains("Seeded 40 customers, 600 invoices"), "{summary}");

    let out = arbot(dir.path(), &["--db", db, "aging", "--format", "json"], "");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("aging JSON");
    let totals = &json["totals"];
    let buckets: i64 = totals["buckets"].as_array().unwrap().iter().map(|b| b.as_i64().unwrap()).sum();
    assert_eq!(buckets + totals["retainage"].as_i64().unwrap(), totals["total"].as_i64().unwrap());
    assert!(totals["invoices"].as_u64().unwrap() > 0, "some invoices are open");

    // The same seed again changes nothing: it goes through the sync's idempotent upsert.
    let out = arbot(dir.path(), &["--db", db, "dev", "seed", "--customers", "40", "--invoices", "600"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let again = arbot(dir.path(), &["--db", db, "aging", "--format", "json"], "");
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&again.stdout).unwrap()["totals"], *totals);
}
