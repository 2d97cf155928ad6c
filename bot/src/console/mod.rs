//! The console chat: one command per line, as typed in Discord, answered as text. On a terminal
//! it has line editing and history; with stdin from a file or pipe it reads line by line and
//! echoes each command before its answer, so a transcript reads well.

use std::io::{BufRead, IsTerminal, Write};

use tokio::runtime::Runtime;

mod out;
pub mod render;

pub use self::out::ConsoleOut;
use self::render::to_text;
use crate::app::App;
use crate::commands::run_line;
use crate::outbox::{Dispatcher, OutboxSettings};
use crate::roles::Actor;

/// Answers one typed line; `None` means the person asked to leave. Attachments are named, not
/// saved ([`answer_saving`] saves them).
pub fn answer(rt: &Runtime, app: &App, line: &str) -> Option<String> {
    answer_saving(rt, app, line, None)
}

/// [`answer`], saving the answer's attachments (a statement's PDF, the weekly workbook) in
/// `files`: the console has no chat to attach them to.
pub fn answer_saving(rt: &Runtime, app: &App, line: &str, files: Option<&std::path::Path>) -> Option<String> {
    let trimmed = line.trim();
    if matches!(trimmed.to_ascii_lowercase().as_str(), "/quit" | "quit" | "/exit" | "exit" | "/ar quit") {
        return None;
    }
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Some(String::new());
    }
    let reply = rt.block_on(run_line(app, trimmed, Actor::console()));
    let mut text = match files {
        Some(folder) if !reply.attachments.is_empty() => save_attachments(&reply, folder),
        _ => to_text(&reply),
    };
    text.push_str(&rt.block_on(deliver_here(app)));
    Some(text)
}

/// The folder the console saves attachments in: `ARBOT_FILES_DIR`, else `./arbot-files`.
pub fn files_folder() -> std::path::PathBuf {
    std::env::var_os("ARBOT_FILES_DIR").map(Into::into).unwrap_or_else(|| "arbot-files".into())
}

/// The reply as text, its attachments saved in `folder` (or why they could not be).
fn save_attachments(reply: &crate::reply::Reply, folder: &std::path::Path) -> String {
    let saved = std::fs::create_dir_all(folder)
        .and_then(|()| reply.attachments.iter().try_for_each(|a| std::fs::write(folder.join(&a.name), &a.content)));
    match saved {
        Ok(()) => render::to_text_saved(reply, Some(folder)),
        Err(e) => format!("{}(couldn't save the files in {}: {e})\n", to_text(reply), folder.display()),
    }
}

/// Without Discord configured, the console is the chat: what a command queued to post (an
/// escalation's alert and thread) is delivered here, right after the answer. With Discord
/// configured it stays in the outbox for `arbot run` to post there.
async fn deliver_here(app: &App) -> String {
    if app.config.discord.is_some() {
        return String::new();
    }
    let chat = std::sync::Arc::new(ConsoleOut::default());
    let dispatcher = Dispatcher::new(app.clone(), chat.clone(), "console", OutboxSettings::default());
    match dispatcher.deliver_due().await {
        Ok(_) => {
            let posted = chat.take();
            if posted.is_empty() { posted } else { format!("\n{posted}") }
        }
        Err(e) => format!("\n(couldn't read the outbox: {e})\n"),
    }
}

/// Runs the console until end of input or `/quit`.
pub fn run(rt: &Runtime, app: &App) -> anyhow::Result<()> {
    if std::io::stdin().is_terminal() { interactive(rt, app) } else { piped(rt, app) }
}

fn piped(rt: &Runtime, app: &App) -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut out = std::io::stdout().lock();
    let mut bytes = Vec::new();
    loop {
        bytes.clear();
        if input.read_until(b'\n', &mut bytes)? == 0 {
            break;
        }
        // A line that is not UTF-8 (a file saved in another encoding) is answered, and the
        // lines after it still run.
        let line = match std::str::from_utf8(&bytes) {
            Ok(text) => text.trim_end_matches(['\n', '\r']).to_string(),
            Err(_) => {
                let shown = String::from_utf8_lossy(&bytes).trim().to_string();
                writeln!(out, "» {shown}")?;
                writeln!(out, "That line isn't UTF-8 text, so I skipped it; save the file as UTF-8 and try again.\n")?;
                continue;
            }
        };
        if line.trim().is_empty() || line.trim().starts_with('#') {
            continue;
        }
        writeln!(out, "» {}", line.trim())?;
        match answer_saving(rt, app, &line, Some(&files_folder())) {
            Some(text) => writeln!(out, "{text}")?,
            None => break,
        }
        out.flush()?;
    }
    Ok(())
}

fn interactive(rt: &Runtime, app: &App) -> anyhow::Result<()> {
    use rustyline::DefaultEditor;
    use rustyline::error::ReadlineError;

    let mut editor = DefaultEditor::new()?;
    let history = history_path();
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    loop {
        match editor.readline("ar> ") {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = editor.add_history_entry(line.as_str());
                }
                match answer_saving(rt, app, &line, Some(&files_folder())) {
                    Some(text) => crate::stdout::write_stdout(&format!("{text}\n"))?,
                    None => break,
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(h) = &history {
        let _ = editor.save_history(h);
    }
    Ok(())
}

fn history_path() -> Option<std::path::PathBuf> {
    std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".arbot_history"))
}
