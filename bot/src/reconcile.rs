//! The reconcile as people meet it: run for the configured sources (by the scheduler,
//! `arbot sync --reconcile` and `/ar sync reconcile`), said in one line when something had
//! drifted ("Reconcile: 2 invoices had drifted and are now right: #1042 $7,500.00 → $0.00 (paid
//! at QuickBooks), …"), and that line posted once to the AR channel through the outbox, keyed by
//! the run. Nothing is posted when nothing drifted (unless invoices the source no longer has were
//! kept for a person to check).

use std::sync::Arc;

use arbot_core::Money;
use arbot_core::reconcile::{ReconcileError, ReconcileReport, reconcile_source};
use arbot_core::source::{Source, SourceError};
use arbot_core::store::{InvoiceState, InvoiceStatus, ReconcileFix, StoreError};

use crate::app::App;
use crate::chat::Post;
use crate::outbox::{Destination, enqueue_post};
use crate::reply::{Reply, Severity};

/// The fixes named in the line; more are counted ("and 4 more").
const NAMED: usize = 8;

/// How one source's reconcile went.
#[derive(Debug)]
pub struct Outcome {
    pub source: String,
    /// The vendor as people call it ("QuickBooks").
    pub vendor: String,
    pub result: Result<ReconcileReport, ReconcileError>,
}

impl Outcome {
    /// The sentence for this source: the drift line, "nothing had drifted", or why it stopped or
    /// cannot be reconciled.
    pub fn text(&self, app: &App) -> String {
        match &self.result {
            Ok(r) => done_text(r, &self.vendor),
            Err(ReconcileError::Unsupported { reason, .. }) => format!("Reconcile: {reason}."),
            Err(ReconcileError::Busy { source_name }) => format!(
                "Reconcile: {source_name} is being reconciled already (another run, here or on another instance); \
                 this one changed nothing. Anything it finds drifted is posted to the AR channel; run it again \
                 once it has finished to see for yourself."
            ),
            Err(ReconcileError::Source { error }) => stopped_text(&self.vendor, error, app),
            Err(ReconcileError::Store(_)) => {
                format!("Reconcile: {} could not be checked because of a problem on our side.", self.source)
            }
        }
    }
}

/// What a finished reconcile found: the drift line or "nothing had drifted", and the invoices
/// that still differ after being read again (the source changed them meanwhile), if any.
fn done_text(r: &ReconcileReport, vendor: &str) -> String {
    let mut text = drift_line(r, vendor)
        .unwrap_or_else(|| format!("Reconcile: {}: nothing had drifted ({}).", r.source, checked(r)));
    if r.still_different > 0 {
        let n = r.still_different as usize;
        text.push_str(&format!(
            " {} still {} from {vendor} after reading {} again (changed there meanwhile); the next reconcile looks again.",
            crate::wording::count(n, "invoice", "invoices"),
            if n == 1 { "differs" } else { "differ" },
            if n == 1 { "it" } else { "them" },
        ));
    }
    if r.not_found_kept > 0 {
        let n = r.not_found_kept as usize;
        text.push_str(&format!(
            " {} open here {} not found at {vendor}; arbot left {} as {} rather than delete so many at once: \
             check {} at {vendor}.",
            crate::wording::count(n, "invoice", "invoices"),
            if n == 1 { "was" } else { "were" },
            if n == 1 { "it" } else { "them" },
            if n == 1 { "it is" } else { "they are" },
            if n == 1 { "it" } else { "them" },
        ));
    }
    if r.not_in_file > 0 {
        let n = r.not_in_file as usize;
        text.push_str(&format!(
            " {} open here {} not in the file; left as {}.",
            crate::wording::count(n, "invoice", "invoices"),
            if n == 1 { "is" } else { "are" },
            if n == 1 { "it is" } else { "they are" },
        ));
    }
    text
}

/// Why a reconcile stopped, and that what it checked is kept for the next one.
fn stopped_text(vendor: &str, error: &SourceError, app: &App) -> String {
    const KEPT: &str = "what it had checked is kept, and the next reconcile carries on from there";
    match error {
        SourceError::RateLimited { retry_at, reason, .. } => {
            let why = reason.clone().unwrap_or_else(|| format!("{vendor} asked arbot to slow down"));
            let when = crate::connect::when(*retry_at, app.clock.as_ref());
            format!("Reconcile: {}; {vendor} can be asked again {when}, and {KEPT}.", why.trim_end_matches('.'))
        }
        SourceError::NeedsReconnect { reason, .. } => {
            format!("Reconcile: {vendor} needs attention first: {}.", reason.trim_end_matches('.'))
        }
        SourceError::Garbled { detail, .. } => {
            format!(
                "Reconcile: {vendor} sent something arbot couldn't read ({}); {KEPT}.",
                detail.trim_end_matches('.')
            )
        }
        SourceError::Unavailable { detail, .. } => {
            format!("Reconcile: {vendor} is unavailable ({}); {KEPT}.", detail.trim_end_matches('.'))
        }
    }
}

/// `1,204 open invoices checked against 1,201 here`.
fn checked(r: &ReconcileReport) -> String {
    format!(
        "{} checked against {} here",
        crate::wording::count(r.listed as usize, "open invoice", "open invoices"),
        r.held_open
    )
}

/// Reconciles each source in turn and queues the drift line of each that had drifted for the
/// AR channel (once per run, whoever asked). A store failure stops at once.
pub async fn reconcile_all(app: &App, sources: &[Arc<dyn Source>]) -> Result<Vec<Outcome>, StoreError> {
    let mut out = Vec::new();
    for source in sources {
        let name = source.name().to_string();
        let sample = app.config.sources.iter().any(|s| s.name == name && s.kind == "sample");
        let vendor = if sample {
            "the sample ledger".to_string()
        } else {
            crate::connect::vendor_name(&app.config.sources, &name)
        };
        let result = reconcile_source(app.store.as_ref(), source.as_ref(), app.clock.as_ref()).await;
        if let Err(ReconcileError::Store(e)) = result {
            return Err(e);
        }
        if let Ok(report) = &result
            && worth_posting(report)
        {
            let line = done_text(report, &vendor);
            let reply = Reply { severity: Severity::Warning, lines: vec![line], ..Reply::default() };
            let key = format!("reconcile:{name}:{}", report.run_id);
            if let Err(e) = enqueue_post(app, &key, Destination::ArChannel, Post::of(reply)).await {
                tracing::error!(source = %name, "can't queue the reconcile's line for the AR channel: {e:#}");
            }
        }
        out.push(Outcome { source: name, vendor, result });
    }
    Ok(out)
}

/// Whether the AR channel hears of this reconcile: something was repaired, or invoices the
/// source no longer has were kept for a person to check.
pub fn worth_posting(r: &ReconcileReport) -> bool {
    !r.fixes.is_empty() || r.not_found_kept > 0
}

/// "Reconcile: 3 invoices had drifted and are now right: #1042 $7,500.00 → $0.00 (paid at
/// QuickBooks), …", or `None` when nothing drifted.
pub fn drift_line(report: &ReconcileReport, vendor: &str) -> Option<String> {
    let n = report.fixes.len();
    if n == 0 {
        return None;
    }
    let mut named: Vec<String> = report.fixes.iter().take(NAMED).map(|f| fix_text(f, vendor)).collect();
    if n > NAMED {
        named.push(format!("and {} more", n - NAMED));
    }
    let (had, is) = if n == 1 { ("invoice had", "is") } else { ("invoices had", "are") };
    Some(format!("Reconcile: {n} {had} drifted and {is} now right: {}.", named.join(", ")))
}

/// `#1042 $7,500.00 → $0.00 (paid at QuickBooks)`.
fn fix_text(f: &ReconcileFix, vendor: &str) -> String {
    let money = |s: &InvoiceState| Money::new(s.balance_minor, f.currency).to_string();
    let before = match &f.before {
        None => "missing".to_string(),
        Some(s) if s.status == InvoiceStatus::Open => money(s),
        Some(s) => s.status.as_str().to_string(),
    };
    let after = match f.after.status {
        InvoiceStatus::Open | InvoiceStatus::Paid => money(&f.after),
        other => other.as_str().to_string(),
    };
    let why = match f.after.status {
        InvoiceStatus::Paid => format!(" (paid at {vendor})"),
        InvoiceStatus::Void => format!(" (voided at {vendor})"),
        InvoiceStatus::Deleted => format!(" (deleted at {vendor})"),
        InvoiceStatus::Open if f.before.is_none_or(|b| b.status != InvoiceStatus::Open) => {
            format!(" (open at {vendor})")
        }
        InvoiceStatus::Open => String::new(),
    };
    format!("#{} {before} → {after}{why}", f.number.trim_start_matches('#'))
}

#[cfg(test)]
mod tests {
    use arbot_core::Currency;
    use arbot_core::store::PageStats;

    use super::*;

    fn fix(number: &str, before: Option<(InvoiceStatus, i64)>, after: (InvoiceStatus, i64)) -> ReconcileFix {
        let state = |(status, balance_minor)| InvoiceState { status, balance_minor };
        ReconcileFix {
            external_id: number.into(),
            number: number.into(),
            currency: Currency::USD,
            before: before.map(state),
            after: state(after),
        }
    }

    fn report(fixes: Vec<ReconcileFix>) -> ReconcileReport {
        ReconcileReport {
            source: "qbo".into(),
            run_id: 7,
            resumed: false,
            listed: 12,
            held_open: 12,
            reread: fixes.len() as u64,
            fixes,
            stats: PageStats::default(),
            still_different: 0,
            not_in_file: 0,
            not_found_kept: 0,
            elapsed: std::time::Duration::ZERO,
        }
    }

    #[test]
    fn the_line_names_each_invoice_what_it_was_and_what_it_is() {
        use InvoiceStatus::*;
        let r = report(vec![
            fix("1042", Some((Open, 750_000)), (Paid, 0)),
            fix("1043", Some((Open, 120_000)), (Open, 20_000)),
            fix("1044", Some((Open, 9_900)), (Void, 0)),
            fix("1045", Some((Open, 5_000)), (Deleted, 5_000)),
            fix("1046", None, (Open, 412_250)),
            fix("1047", Some((Paid, 0)), (Open, 3_333)),
        ]);
        assert_eq!(
            drift_line(&r, "QuickBooks").unwrap(),
            "Reconcile: 6 invoices had drifted and are now right: #1042 $7,500.00 → $0.00 (paid at QuickBooks), \
             #1043 $1,200.00 → $200.00, #1044 $99.00 → void (voided at QuickBooks), #1045 $50.00 → deleted \
             (deleted at QuickBooks), #1046 missing → $4,122.50 (open at QuickBooks), #1047 paid → $33.33 (open \
             at QuickBooks)."
        );
        let one = report(vec![fix("INV-0007", Some((Open, 100)), (Paid, 0))]);
        assert_eq!(
            drift_line(&one, "Xero").unwrap(),
            "Reconcile: 1 invoice had drifted and is now right: #INV-0007 $1.00 → $0.00 (paid at Xero)."
        );
        let many = report((0..11).map(|n| fix(&format!("{}", 2000 + n), Some((Open, 100)), (Paid, 0))).collect());
        assert!(drift_line(&many, "Xero").unwrap().ends_with(", and 3 more."));
        assert_eq!(drift_line(&report(Vec::new()), "Xero"), None, "nothing is said when nothing drifted");
        assert_eq!(
            done_text(&report(Vec::new()), "Xero"),
            "Reconcile: qbo: nothing had drifted (12 open invoices checked against 12 here)."
        );
        let moving = ReconcileReport { still_different: 2, ..report(Vec::new()) };
        assert!(
            done_text(&moving, "Xero").ends_with(
                " 2 invoices still differ from Xero after reading them again (changed there meanwhile); the next \
                 reconcile looks again."
            ),
            "{}",
            done_text(&moving, "Xero")
        );
        let lost = ReconcileReport { not_found_kept: 25, ..report(Vec::new()) };
        assert!(done_text(&lost, "QuickBooks").ends_with(
            " 25 invoices open here were not found at QuickBooks; arbot left them as they are rather than delete so \
             many at once: check them at QuickBooks."
        ));
        let file = ReconcileReport { not_in_file: 1, ..report(Vec::new()) };
        assert!(done_text(&file, "ar-file").ends_with(" 1 invoice open here is not in the file; left as it is."));
    }
}
