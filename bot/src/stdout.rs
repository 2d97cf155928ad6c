//! Standard output without panics: the CLI and the console write through [`write_stdout`], so a
//! reader that went away (`arbot aging | head -1`) ends the command with status 141.

/// Writes `text` to standard output, returning the write error (a closed pipe among them) rather
/// than panicking as `print!` does.
pub fn write_stdout(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}
