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
    let buckets: i64 = totals["buckets"].as_array().unwrap().iter().map(cents).sum();
    assert_eq!(buckets + cents(&totals["retainage"]), cents(&totals["total"]));

    let out = arbot(dir.path(), &["--db", db, "aging", "--basis", "invoice_date", "--format", "json"], "");
    let by_issue: serde_json::Value = serde_json::from_slice(&out.stdout).expect("aging JSON");
    assert_eq!((by_issue["basis"].as_str(), by_issue["labels"][0].as_str()), (Some("invoice_date"), Some("0-30")));
    assert_eq!(cents(&by_issue["totals"]["total"]), cents(&totals["total"]), "the same open balance, aged otherwise");

    let out = arbot(dir.path(), &["--db", db, "aging", "--by", "pm", "--format", "csv"], "");
    let csv = text(&out.stdout);
    assert!(csv.starts_with("pm,current,1-30,31-60,61-90,91-120,120+,retainage,total"), "{csv}");
    assert!(csv.lines().last().unwrap_or_default().starts_with("Total,"), "{csv}");

    let out = arbot(dir.path(), &["--db", db, "customer", "harborview", "--format", "json"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("customer JSON");
    assert_eq!(json["customer"]["name"], "Harborview Owners Assn");
    // One money shape everywhere: a decimal string with its currency.
    for amount in [
        &json["aging"]["total"],
        &json["aging"]["buckets"][0],
        &json["credits"]["unapplied_cash"],
        &json["jobs"][0]["unpaid"],
        &json["open_items"][0]["balance"],
    ] {
        assert_eq!(amount["currency"], "USD", "{amount}");
        assert!(amount["amount"].as_str().is_some_and(|a| a.contains('.')), "{amount}");
    }

    let out = arbot(dir.path(), &["--db", db, "customer", "zzzz"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("No customer matches 'zzzz'"), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("arbot aging") && !text(&out.stderr).contains("/ar aging"));
    let long = "x".repeat(50_000);
    let out = arbot(dir.path(), &["--db", db, "customer", &long], "");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("50000 characters long") && err.lines().count() == 1, "{}", &err[..err.len().min(300)]);

    let out = arbot(dir.path(), &["--db", db, "customer", "gulf"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("3 customers match 'gulf'"), "{}", text(&out.stderr));

    let out = arbot(dir.path(), &["--db", db, "aging", "--as-of", "2026-02-30"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("Feb 30, 2026 isn't a date"), "{}", text(&out.stderr));
}

/// `arbot report close`: the last month that has ended (October, on Nov 22), its aging the
/// same as `arbot aging --as-of 2026-10-31`; the workbook into a folder; November refused.
#[test]
fn the_close_pack_is_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    assert!(arbot(dir.path(), &["demo"], "").status.success());
    let db = "sqlite://arbot-demo.db";
    let out = arbot(dir.path(), &["--db", db, "report", "close", "--format", "json"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let pack: serde_json::Value = serde_json::from_slice(&out.stdout).expect("close JSON");
    assert_eq!((pack["first"].as_str(), pack["last"].as_str()), (Some("2026-10-01"), Some("2026-10-31")));
    let out = arbot(dir.path(), &["--db", db, "aging", "--as-of", "2026-10-31", "--format", "json"], "");
    let aging: serde_json::Value = serde_json::from_slice(&out.stdout).expect("aging JSON");
    let total = aging["totals"]["total"]["amount"].as_str().unwrap().replace('.', "");
    assert_eq!(pack["aging"]["total"].as_i64(), total.parse::<i64>().ok(), "{}", aging["totals"]);

    std::fs::create_dir(dir.path().join("packs")).unwrap();
    let out = arbot(
        dir.path(),
        &["--db", db, "report", "close", "--month", "Oct 2026", "--format", "xlsx", "--out", "packs"],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("Wrote packs/close-2026-10.xlsx (8 sheets: Summary, Aging by customer,"),
        "{}",
        text(&out.stdout)
    );
    assert!(std::fs::metadata(dir.path().join("packs/close-2026-10.xlsx")).unwrap().len() > 1000);

    let out = arbot(dir.path(), &["--db", db, "report", "close", "--month", "2026-11"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("November 2026 hasn't ended yet (today is Nov 22, 2026)"),
        "{}",
        text(&out.stderr)
    );
    let out = arbot(dir.path(), &["--db", db, "report", "close", "--out", "packs"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("--out is for --format xlsx"), "{}", text(&out.stderr));
}

/// `arbot report weekly --format png --out DIR`: the three charts, 1200x600, in the folder.
#[test]
fn the_weekly_report_writes_its_charts_into_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    assert!(arbot(dir.path(), &["demo"], "").status.success());
    let db = "sqlite://arbot-demo.db";
    std::fs::create_dir(dir.path().join("charts")).unwrap();
    let out = arbot(dir.path(), &["--db", db, "report", "weekly", "--format", "png", "--out", "charts"], "");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.starts_with("Wrote 3 charts (1200x600 PNG): charts/weekly-ar-2026-11-22-aging.png"), "{stdout}");
    for chart in ["aging", "dso", "top-overdue"] {
        let bytes = std::fs::read(dir.path().join("charts").join(format!("weekly-ar-2026-11-22-{chart}.png"))).unwrap();
        let info = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap().info().clone();
        assert_eq!((info.width, info.height), (1200, 600), "{chart}");
    }
    // A folder that is not there yet is made; a file in the way is refused and left alone.
    let out = arbot(dir.path(), &["--db", db, "report", "weekly", "--format", "png", "--out", "new/charts"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(dir.path().join("new/charts/weekly-ar-2026-11-22-dso.png").exists());
    std::fs::write(dir.path().join("afile"), "x").unwrap();
    let out = arbot(dir.path(), &["--db", db, "report", "weekly", "--format", "png", "--out", "afile"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("--out afile is a file, not a folder"), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(dir.path().join("afile")).unwrap(), "x");
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
    // An empty database says so, rather than reporting totals of zero as if all were paid up.
    assert_eq!(stdout.matches("This database is empty: arbot has no customers yet").count(), 3, "{stdout}");
    assert!(!stdout.contains("Nothing overdue.") && !stdout.contains("Total $0.00"), "{stdout}");
    let out = arbot(dir.path(), &["aging"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("This database is empty"), "{}", text(&out.stderr));
    let out = arbot(dir.path(), &["digest"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("This database is empty"), "{}", text(&out.stderr));

    let out = arbot(dir.path(), &["sync"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("No accounting system is configured"), "{}", text(&out.stderr));
}

#[test]
fn the_bot_fails_fast_without_its_token_or_discord_settings() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_arbot"));
        cmd.args(args).current_dir(dir.path()).env_remove("DISCORD_TOKEN").env_remove("DISCORD_TOKEN_FILE");
        cmd.env_remove("ARBOT_CONFIG").env_remove("ARBOT_DATABASE_URL");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("run arbot")
    };
    let out = run(&["run"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("set DISCORD_TOKEN") && err.contains("Developer Portal"), "{err}");
    assert!(!dir.path().join("arbot.db").exists(), "no database touched before the token check");

    let out = run(&["run"], &[("DISCORD_TOKEN", "abc")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("needs a [discord] section"), "{}", text(&out.stderr));

    // Without [discord], --post says what is missing first (not the token).
    let out = run(&["digest", "--post"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("digest --post needs a [discord] section"), "{}", text(&out.stderr));
    std::fs::write(dir.path().join("arbot.toml"), "[discord]\nguild_id = \"12\"\nar_channel_id = \"34\"\n").unwrap();
    let out = run(&["digest", "--post"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("DISCORD_TOKEN"), "{}", text(&out.stderr));

    std::fs::write(dir.path().join("arbot.toml"), "[discord]\nguild_id = \"12\"\nar_channel_id = \"x\"\n").unwrap();
    let out = run(&["run"], &[("DISCORD_TOKEN", "abc")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("a Discord id is a number"), "{}", text(&out.stderr));
}

/// A stand-in for Discord's REST API: each request is answered by `answer(method, path)` with a
/// status and a JSON body.
fn stub_discord(answer: fn(&str, &str) -> (u16, String)) -> String {
    use std::io::{BufRead, BufReader, Read};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut request_line = String::new();
            let _ = reader.read_line(&mut request_line);
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let mut parts = request_line.split_whitespace();
            let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let (status, json) = answer(method, path);
            let answer = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
                json.len()
            );
            let _ = reader.get_mut().write_all(answer.as_bytes());
        }
    });
    url
}

fn discord_that_rejects_every_token() -> String {
    stub_discord(|_, _| (401, r#"{"message": "401: Unauthorized", "code": 0}"#.to_string()))
}

/// Discord as the startup check sees it (token, server, channel, permissions all fine), with a
/// gateway nobody answers at.
fn discord_that_accepts_the_bot(method: &str, path: &str) -> (u16, String) {
    let user =
        r#"{"id": "9", "username": "arbot", "discriminator": "0", "global_name": null, "avatar": null, "bot": true}"#;
    match (method, path) {
        ("GET", "/api/v10/users/@me") => (200, user.to_string()),
        ("GET", "/api/v10/guilds/1/roles") => (
            200,
            r#"[{"id": "1", "name": "@everyone", "color": 0, "colors": {"primary_color": 0, "secondary_color": null,
                "tertiary_color": null}, "hoist": false, "position": 0, "permissions": "8", "managed": false,
                "mentionable": false, "flags": 0}]"#
                .to_string(),
        ),
        ("GET", "/api/v10/channels/2") => (
            200,
            r#"{"id": "2", "type": 0, "guild_id": "1", "name": "ar", "position": 0, "permission_overwrites": []}"#
                .to_string(),
        ),
        ("GET", "/api/v10/guilds/1/members/9") => (
            200,
            format!(r#"{{"user": {user}, "roles": [], "deaf": false, "mute": false, "flags": 0, "joined_at": null}}"#),
        ),
        ("GET", "/api/v10/gateway") => (200, r#"{"url": "ws://127.0.0.1:9"}"#.to_string()),
        _ => (404, r#"{"message": "404: Not Found", "code": 0}"#.to_string()),
    }
}

#[test]
fn the_bot_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let url = stub_discord(discord_that_accepts_the_bot);
    std::fs::write(
        dir.path().join("arbot.toml"),
        format!("[discord]\nguild_id = \"1\"\nar_channel_id = \"2\"\napi_url = \"{url}\"\n"),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_arbot"))
        .arg("run")
        .current_dir(dir.path())
        .env("DISCORD_TOKEN", "t")
        .env("ARBOT_LOG", "info")
        .env_remove("ARBOT_CONFIG")
        .env_remove("ARBOT_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Running: past the startup check, holding the gateway lock.
    let started = std::time::Instant::now();
    while !dir.path().join("arbot.db.discord-gateway.lock").exists() {
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "the bot never got going");
        assert!(child.try_wait().unwrap().is_none(), "the bot exited early");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let stopped = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(stopped.elapsed() < std::time::Duration::from_secs(20), "the bot did not stop on SIGTERM");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert!(status.success(), "{status:?}\n{err}");
    assert!(err.contains("stopping: finishing what is in flight"), "{err}");
}

#[test]
fn a_rejected_token_stops_the_bot_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let url = discord_that_rejects_every_token();
    std::fs::write(
        dir.path().join("arbot.toml"),
        format!("[discord]\nguild_id = \"1\"\nar_channel_id = \"2\"\napi_url = \"{url}\"\n"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_arbot"))
        .arg("run")
        .current_dir(dir.path())
        .env("DISCORD_TOKEN", "not-the-token")
        .env_remove("ARBOT_CONFIG")
        .env_remove("ARBOT_DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("Discord rejected the bot token (401 Unauthorized)") && err.contains("Reset Token"), "{err}");
    assert!(!err.contains("not-the-token"), "the token is never printed: {err}");
}

#[test]
fn help_explains_itself() {
    let dir = tempfile::tempdir().unwrap();
    let out = arbot(dir.path(), &["--help"], "");
    let help = text(&out.stdout);
    for sub in ["demo", "console", "run", "digest", "sync", "migrate", "aging", "customer"] {
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
fn lien_states_list_every_state_with_sources_and_checked_date() {
    let dir = tempfile::tempdir().unwrap();
    let out = arbot(dir.path(), &["liens", "states"], "");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("OH Ohio") && stdout.contains("Ohio Rev. Code §§ 1311.04"), "{stdout}");
    assert!(stdout.contains("MI Michigan") && stdout.contains("2026-12-02"), "{stdout}");
    assert!(stdout.contains("PA Pennsylvania") && stdout.contains("49 P.S. §§ 1501(b)"), "{stdout}");
    assert!(
        stdout.contains("NJ New Jersey") && stdout.contains("VA Virginia") && stdout.contains("NV Nevada"),
        "{stdout}"
    );
    assert!(
        stdout.contains("TN Tennessee") && stdout.contains("MA Massachusetts") && stdout.contains("UT Utah"),
        "{stdout}"
    );
    assert!(stdout.contains("OR Oregon") && stdout.contains("Tenn. Code Ann. §§ 66-11-106"), "{stdout}");
    assert!(
        stdout.contains("MN Minnesota") && stdout.contains("MO Missouri") && stdout.contains("RSMo §§ 429.012"),
        "{stdout}"
    );
    assert!(stdout.contains("51 states.") && stdout.contains("not legal advice"), "{stdout}");
    let out = arbot(dir.path(), &["liens", "states", "--format", "json"], "");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("states JSON");
    let states = json.as_array().unwrap();
    assert_eq!(states.len(), 51);
    for state in states {
        assert!(state["checked"].is_string() && !state["sources"].as_array().unwrap().is_empty(), "{state}");
        // Every state listed answers `arbot liens deadlines`.
        let code = state["code"].as_str().unwrap();
        let out =
            arbot(dir.path(), &["liens", "deadlines", "--state", code, "--fact", "last_furnished=2026-10-09"], "");
        assert!(out.status.success(), "{code}: {}", text(&out.stderr));
        assert!(text(&out.stdout).contains("not legal advice"), "{code}");
    }
}

#[test]
fn a_missing_contract_date_gives_the_earliest_texas_notice_with_its_assumption() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--today", "2026-06-01", "liens", "deadlines", "--state", "TX", "--fact", "furnished_month=2026-05"];
    let out = arbot(dir.path(), &args, "");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("Aug 17, 2026"), "{stdout}");
    assert!(
        stdout.contains("assumes a contract signed on or after 2022-01-01; set contract_signed to be sure"),
        "{stdout}"
    );
    assert!(!stdout.contains("No deadlines follow"), "{stdout}");
}

#[test]
fn an_unknown_role_gives_the_earliest_notice_with_its_assumption() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--today",
        "2026-10-01",
        "liens",
        "deadlines",
        "--state",
        "FL",
        "--role",
        "unknown",
        "--fact",
        "first_furnished=2026-10-09",
    ];
    let out = arbot(dir.path(), &args, "");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("Nov 23, 2026"), "{stdout}");
    assert!(
        stdout.contains("Notice to Owner — assumes that we are the subcontractor; set role to be sure"),
        "{stdout}"
    );
    assert!(stdout.contains("More deadlines once you know: role"), "{stdout}");
    let out = arbot(dir.path(), &["liens", "deadlines", "--state", "FL", "--role", "painter"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("laborer or unknown"), "{}", text(&out.stderr));
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
    let buckets: i64 = totals["buckets"].as_array().unwrap().iter().map(cents).sum();
    assert_eq!(buckets + cents(&totals["retainage"]), cents(&totals["total"]));
    assert!(totals["invoices"].as_u64().unwrap() > 0, "some invoices are open");

    // The same seed again changes nothing: it goes through the sync's idempotent upsert.
    let out = arbot(dir.path(), &["--db", db, "dev", "seed", "--customers", "40", "--invoices", "600"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let again = arbot(dir.path(), &["--db", db, "aging", "--format", "json"], "");
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&again.stdout).unwrap()["totals"], *totals);
}

/// A JSON amount (`{"amount":"14250.00","currency":"USD"}`) in cents.
fn cents(v: &serde_json::Value) -> i64 {
    assert_eq!(v["currency"], "USD", "{v}");
    v["amount"].as_str().unwrap().replace('.', "").parse().unwrap()
}

/// A line that is not UTF-8 in piped input (a Latin-1 file, say) is answered, and the commands
/// after it still run.
#[test]
fn a_line_that_is_not_utf8_is_answered_and_the_console_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_arbot"))
        .args(["console"])
        .current_dir(dir.path())
        .env_remove("ARBOT_DATABASE_URL")
        .env_remove("ARBOT_CONFIG")
        .env("ARBOT_TODAY", "2026-11-22")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run arbot");
    child.stdin.take().expect("stdin").write_all(b"/ar customer caf\xe9\n/ar help kpi\n").expect("write stdin");
    let out = child.wait_with_output().expect("arbot finishes");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("That line isn't UTF-8 text, so I skipped it"), "{stdout}");
    assert!(stdout.contains("/ar kpi"), "the next command still runs: {stdout}");
}

#[test]
fn sync_reconcile_finds_what_drifted_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("arbot.toml"), "[[sources]]\nname = \"books\"\nkind = \"sample\"\n").unwrap();
    let out = arbot(dir.path(), &["sync"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = arbot(dir.path(), &["sync", "--reconcile"], "");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("Reconcile: books: nothing had drifted ("), "{stdout}");

    // arbot's copy of #1042 goes wrong: another balance, held as another reading of the record
    // (its content hash), as a change the sync missed leaves it.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = format!("sqlite://{}", dir.path().join("arbot.db").display());
    let right: i64 = rt.block_on(async {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let right = sqlx::query_scalar("SELECT balance_minor FROM invoices WHERE number = '1042'")
            .fetch_one(&pool)
            .await
            .unwrap();
        sqlx::query("UPDATE invoices SET balance_minor = 1, content_hash = 0 WHERE number = '1042'")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        right
    });
    let out = arbot(dir.path(), &["sync", "--reconcile", "--source", "books"], "");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    let dollars = format!("${}.{:02}", right / 100, right % 100);
    let want = "Reconcile: 1 invoice had drifted and is now right: #1042 $0.01 → ";
    assert!(stdout.lines().any(|l| l.starts_with(want) && l.ends_with('.')), "{stdout}");
    assert!(stdout.replace(',', "").contains(&dollars), "{dollars}: {stdout}");

    let out = arbot(dir.path(), &["sync", "--reconcile", "--source", "nope"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("There is no source named 'nope'. Configured: books."), "{}", text(&out.stderr));
    let out = arbot(dir.path(), &["sync", "--reconcile", "--full"], "");
    assert_eq!(out.status.code(), Some(2), "--full and --reconcile are two different things");
}

#[test]
fn a_spreadsheet_source_reconciles_by_reading_its_file_again_or_says_it_cannot() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("arbot.toml"),
        "[[sources]]\nname = \"foundation\"\nkind = \"spreadsheet\"\nfile = \"open-ar.csv\"\n\n\
         [[sources]]\nname = \"old-export\"\nkind = \"spreadsheet\"\n",
    )
    .unwrap();
    let csv = "invoice,customer,date,total,balance\nF-88,Pelican Bay HOA,2026-10-02,1800,1800\nF-89,Pelican Bay HOA,2026-10-09,950,950\n";
    std::fs::write(dir.path().join("open-ar.csv"), csv).unwrap();
    let out = arbot(dir.path(), &["import", "open-ar.csv", "--source", "foundation"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = arbot(dir.path(), &["sync", "--reconcile", "--source", "foundation"], "");
    assert!(
        text(&out.stdout).contains("Reconcile: foundation: nothing had drifted (2 open invoices"),
        "{}",
        text(&out.stdout)
    );

    // The next export says F-88 is part paid: the reconcile reads the file again and repairs it.
    std::fs::write(dir.path().join("open-ar.csv"), csv.replace("1800,1800", "1800,600")).unwrap();
    let out = arbot(dir.path(), &["sync", "--reconcile", "--source", "foundation"], "");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("Reconcile: 1 invoice had drifted and is now right: #F-88 $1,800.00 → $600.00."),
        "{stdout}"
    );

    // An export without F-89 (paid, say): the file proves nothing by leaving it out; it is left.
    std::fs::write(
        dir.path().join("open-ar.csv"),
        "invoice,customer,date,total,balance\nF-88,Pelican Bay HOA,2026-10-02,1800,600\n",
    )
    .unwrap();
    let out = arbot(dir.path(), &["sync", "--reconcile", "--source", "foundation"], "");
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("nothing had drifted (1 open invoice checked against 2 here). 1 invoice open here is not in the file; left as it is."),
        "{stdout}"
    );

    // Without a file to read again, it says so and what to do.
    let out = arbot(dir.path(), &["sync", "--reconcile", "--source", "old-export"], "");
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("'old-export' is a spreadsheet source with no file to read again"), "{stdout}");
    assert!(stdout.contains("arbot import FILE --source old-export"), "{stdout}");
}

#[test]
fn history_as_csv_for_a_spreadsheet() {
    let dir = tempfile::tempdir().unwrap();
    let out = arbot(dir.path(), &["demo"], "/ar note old oak letter Sent the 10-day notice by certified mail\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let db = "sqlite://arbot-demo.db";
    let out = arbot(dir.path(), &["--db", db, "history", "old", "oak", "--format", "csv"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("date,time,kind,what,who"), "{csv}");
    // Newest first: the letter just logged from the console.
    let first = lines.next().unwrap_or_default();
    assert!(first.starts_with("2026-11-22,") && first.contains(",note,"), "{csv}");
    assert!(first.contains("letter: \"\"Sent the 10-day notice by certified mail\"\""), "{csv}");
    assert!(csv.contains(",payment,"), "payments are in the history: {csv}");
    let table = arbot(dir.path(), &["--db", db, "history", "old", "oak"], "");
    assert!(text(&table.stdout).contains("History — Old Oak Homes"), "{}", text(&table.stdout));
}

/// `arbot import` of a large file, killed (SIGKILL) while it writes: the store holds nothing of
/// the file, not even the customers its rows name; the next import says the earlier one was
/// interrupted, marks it so, and imports all of it.
#[test]
fn a_killed_import_leaves_nothing_and_is_marked_interrupted_next_time() {
    use arbot_core::source::Entity;
    use arbot_core::store::RunStatus;
    const ROWS: usize = 120_000;
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("invoice,customer,date,total\n");
    for n in 0..ROWS {
        csv.push_str(&format!(
            "K-{n},Killjoy Framing {},2025-0{}-1{},{}.{:02}\n",
            n % 7,
            1 + n % 9,
            n % 10,
            100 + n % 977,
            n % 100
        ));
    }
    std::fs::write(dir.path().join("big.csv"), csv).unwrap();
    let db_file = dir.path().join("ar.db");
    let url = format!("sqlite://{}", db_file.display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let count = |entity| {
        rt.block_on(async {
            let store = arbot_core::store::open(&url).await.ok()?;
            let run = store.last_sync_run("spreadsheet").await.ok()??;
            let live = store.live_external_ids("spreadsheet", entity).await.ok()?.len();
            Some((run.status, live))
        })
    };

    let mut child = Command::new(env!("CARGO_BIN_EXE_arbot"))
        .args(["--db", &url, "import", "big.csv"])
        .current_dir(dir.path())
        .env_remove("ARBOT_DATABASE_URL")
        .env_remove("ARBOT_CONFIG")
        .env("ARBOT_TODAY", "2026-11-22")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the file is read and the writing has begun (its run is recorded) ...
    let started = std::time::Instant::now();
    while count(Entity::Customer).is_none() {
        assert!(child.try_wait().unwrap().is_none(), "the import ended before it was killed");
        assert!(started.elapsed() < std::time::Duration::from_secs(120), "the import never began writing");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // ... then kill it at the first sign of a commit, or a moment into the writing.
    let writing = std::time::Instant::now();
    while writing.elapsed() < std::time::Duration::from_millis(300) {
        if count(Entity::Customer).is_some_and(|(_, n)| n > 0) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(count(Entity::Customer), Some((RunStatus::Running, 0)), "no customer without its invoices");
    assert_eq!(count(Entity::Invoice), Some((RunStatus::Running, 0)), "no invoice of a killed import");

    let out = arbot(dir.path(), &["--db", &url, "import", "big.csv"], "");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("did not finish (its process stopped)"), "{stdout}");
    assert!(stdout.contains(&format!("{ROWS} new")), "{stdout}");
    assert_eq!(count(Entity::Invoice), Some((RunStatus::Done, ROWS)));
    assert_eq!(count(Entity::Customer).map(|(_, n)| n), Some(7));
}

/// Errors in our words, one sentence each, never the library's: an empty --db, a file that is
/// not a database, a broken or truncated workbook. And CSV in Windows-1252 (Latin-1) or UTF-16
/// imports with its accents, as Excel and older exports write it.
#[test]
fn errors_speak_arbots_words_and_other_encodings_import() {
    let dir = tempfile::tempdir().unwrap();
    let one_sentence = |out: &Output, want: &str, leaks: &[&str]| {
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains(want), "{err}");
        assert_eq!(err.matches(want).count(), 1, "said once: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        for leak in leaks {
            assert!(!err.contains(leak), "'{leak}' leaked: {err}");
        }
    };
    let out = arbot(dir.path(), &["--db", "", "aging"], "");
    one_sentence(&out, "No database was given", &["no such table", "code:"]);

    std::fs::write(dir.path().join("notes.db"), "Call Rita on Friday about the Harbor pay app.\n".repeat(200)).unwrap();
    let out = arbot(dir.path(), &["--db", "sqlite://notes.db", "aging"], "");
    one_sentence(&out, "notes.db is not an arbot database", &["code: 26", "error returned from database"]);

    // A workbook cut off in the middle (an interrupted download), and one that is not a zip at all.
    let mut cut = b"PK\x03\x04\x14\x00\x06\x00\x08\x00".to_vec();
    cut.extend(std::iter::repeat_n(0x5a, 700));
    std::fs::write(dir.path().join("cut.xlsx"), &cut).unwrap();
    std::fs::write(dir.path().join("text.xlsx"), "invoice,customer\n1,Acme\n").unwrap();
    for file in ["cut.xlsx", "text.xlsx"] {
        let out = arbot(dir.path(), &["--db", "sqlite://ar.db", "import", file], "");
        one_sentence(&out, "looks damaged or cut short", &["Zip", "EOCD", "Xlsx error", "invalid"]);
    }

    // Windows-1252: é is 0xE9, the curly apostrophe 0x92. UTF-16 LE with its byte-order mark.
    let latin = b"invoice,customer,date,total\nL-1,Caf\xe9 Lum\xe9 Tile,2026-10-01,100\nL-2,O\x92Brien Drywall,2026-10-02,250.50\n".to_vec();
    std::fs::write(dir.path().join("latin.csv"), &latin).unwrap();
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            "invoice,customer,date,total\r\nU-1,Żabka Roofing,2026-10-03,75\r\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    std::fs::write(dir.path().join("utf16.csv"), &utf16).unwrap();
    for (file, new) in [("latin.csv", "2 new"), ("utf16.csv", "1 new")] {
        let out = arbot(dir.path(), &["--db", "sqlite://ar.db", "import", file], "");
        assert!(out.status.success(), "{file}: {}", text(&out.stderr));
        assert!(text(&out.stdout).contains(new), "{file}: {}", text(&out.stdout));
    }
    for (query, name) in [("café", "Café Lumé Tile"), ("brien", "O’Brien Drywall"), ("żabka", "Żabka Roofing")] {
        let out = arbot(dir.path(), &["--db", "sqlite://ar.db", "customer", query, "--format", "json"], "");
        assert!(out.status.success(), "{query}: {}", text(&out.stderr));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["customer"]["name"], name);
    }
}

#[test]
fn reminders_preview_and_round_print_what_would_go_out_and_send_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = arbot(dir.path(), &["demo", "--no-console"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let db = "sqlite://arbot-demo.db";
    let out = arbot(dir.path(), &["--db", db, "reminders", "preview", "hill", "country"], "");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.starts_with("Reminder for Hill Country Construction: $"), "{stdout}");
    assert!(stdout.contains("To ap@hillcountryconstruction.example: \"Final notice:"), "{stdout}");
    assert!(stdout.contains("Invoice #1042"), "{stdout}");
    let out = arbot(dir.path(), &["--db", db, "reminders", "round"], "");
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("Reminders ready for Sun Nov 22: "), "{stdout}");
    assert!(stdout.contains("Hill Country Construction · final stage · "), "{stdout}");
    // Previewing queued nothing: the round still lists every account.
    let again = text(&arbot(dir.path(), &["--db", db, "reminders", "round"], "").stdout);
    assert_eq!(again, stdout);
    let out = arbot(dir.path(), &["--db", db, "reminders", "preview", "nobody"], "");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("nobody"), "{}", text(&out.stderr));
}

#[test]
fn reminder_templates_are_written_edited_checked_when_loaded_and_used() {
    let dir = tempfile::tempdir().unwrap();
    let out = arbot(dir.path(), &["demo", "--no-console"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::write(dir.path().join("arbot.toml"), "[reminders]\ntemplates = \"letters\"\n").unwrap();
    let db = "sqlite://arbot-demo.db";
    let preview = |dir: &std::path::Path| arbot(dir, &["--db", db, "reminders", "preview", "hill", "country"], "");

    // Named but not there: refused, with what to do.
    let out = preview(dir.path());
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("there is no such folder"), "{}", text(&out.stderr));

    // The starters are arbot's own wording: the preview reads as before.
    let out = arbot(dir.path(), &["reminders", "templates"], "");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("wrote letters/final.txt") && stdout.contains("{{ oldest_days }}"), "{stdout}");
    let out = preview(dir.path());
    assert!(text(&out.stdout).contains("\"Final notice:"), "{}{}", text(&out.stdout), text(&out.stderr));

    // A person's own wording is what goes out.
    let final_txt = dir.path().join("letters/final.txt");
    let own = "Subject: Last call from {{ business }}: {{ total }}\n\nHello {{ customer }},\n\n{% block opening %}We \
               still show {{ invoices | length }} invoices open, the oldest {{ oldest_days }} days past due.\n{% \
               endblock %}\n\n{% include \"_invoices.txt\" %}\n";
    std::fs::write(&final_txt, own).unwrap();
    let out = preview(dir.path());
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("\"Last call from"), "{stdout}");
    assert!(stdout.contains("We still show "), "{stdout}");

    // Mistakes are refused when the config is loaded, with the file and the line.
    std::fs::write(&final_txt, own.replace("{{ oldest_days }}", "{{ oldest }}")).unwrap();
    let out = preview(dir.path());
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("final.txt line 5: unknown placeholder 'oldest'"), "{}", text(&out.stderr));
    std::fs::write(&final_txt, own).unwrap();
    std::fs::write(dir.path().join("letters/fianl.txt"), own).unwrap();
    let out = preview(dir.path());
    assert!(text(&out.stderr).contains("fianl.txt is not the template of any stage"), "{}", text(&out.stderr));
}

/// `arbot … | head -1`: the reader goes away before arbot writes. Every command stops quietly
/// with the shell's SIGPIPE status (141) instead of panicking on the closed pipe.
#[test]
fn a_closed_stdout_ends_every_command_quietly_with_status_141() {
    let dir = tempfile::tempdir().unwrap();
    let out = arbot(dir.path(), &["demo", "--no-console"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let db = "sqlite://arbot-demo.db";
    let commands: &[&[&str]] = &[
        &["demo", "--no-console"],
        &["--db", db, "aging"],
        &["--db", db, "aging", "--format", "csv"],
        &["--db", db, "aging", "--format", "json"],
        &["--db", db, "customer", "harborview"],
        &["--db", db, "digest"],
        &["--db", db, "history", "harborview", "--format", "csv"],
        &["--db", db, "reminders", "preview", "hill", "country"],
        &["--db", db, "reminders", "round"],
        &["--db", db, "report", "cash"],
        &["--db", db, "report", "weekly"],
        &["--db", db, "report", "close"],
        &["--db", db, "migrate"],
        &["import", "--template", "invoices"],
        &["liens", "states"],
        &["liens", "deadlines", "--state", "TN", "--fact", "last_furnished=2026-10-09"],
        &["reminders", "templates"],
    ];
    for args in commands {
        let mut child = Command::new(env!("CARGO_BIN_EXE_arbot"))
            .args(*args)
            .current_dir(dir.path())
            .env_remove("ARBOT_DATABASE_URL")
            .env_remove("ARBOT_CONFIG")
            .env("ARBOT_TODAY", "2026-11-22")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run arbot");
        // Close our end of its standard output before it writes anything.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("arbot finishes");
        let stderr = text(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(141), "{args:?}: {stderr}");
    }
}
