//! The flags every subcommand shares, and the small choices several take.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Settings file (business time zone, aging buckets, sources). Default: ./arbot.toml if present.
    #[arg(long, global = true, env = "ARBOT_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite://arbot.db (the default, a file here) or postgres://user@host/db.
    #[arg(long, global = true, env = "ARBOT_DATABASE_URL", value_name = "URL", hide_env_values = true)]
    pub db: Option<String>,
    /// Pretend today is this date (YYYY-MM-DD), for reports as of a day and for tests.
    #[arg(long, global = true, env = "ARBOT_TODAY", value_name = "DATE")]
    pub today: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum By {
    Customer,
    Job,
    Pm,
}

/// `--basis due-date|invoice-date` (also `due_date`, `invoice_date`).
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AgingBasis {
    #[value(alias = "due_date", alias = "due")]
    DueDate,
    #[value(alias = "invoice_date", alias = "invoice")]
    InvoiceDate,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum HistoryFormat {
    Table,
    Csv,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum SummaryFormat {
    Table,
    Json,
}

/// `arbot statement --format`: the files, or the figures as JSON.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum StatementFormat {
    Files,
    Json,
}

/// `arbot report weekly --format`: the chat text, the report as JSON, the workbook, or the
/// charts as PNG.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum WeeklyFormat {
    Table,
    Json,
    Xlsx,
    Png,
}

/// `arbot report close --format`: the chat text, the pack as JSON, or the workbook.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum CloseFormat {
    Table,
    Json,
    Xlsx,
}
