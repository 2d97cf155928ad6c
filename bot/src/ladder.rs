//! The escalation ladder: an escalation nobody acknowledged, snoozed or resolved within
//! `[collections] escalation_reping_hours` business hours gets one gentle re-ping of its PM in
//! its thread; still nothing after as long again, the manager (`[collections] manager`) is
//! added. Each step is posted once (its outbox key is the escalation and the step), across
//! restarts and instances; the step is decided from the state every run, never by a timer.

use arbot_core::escalation::LadderStep;

use crate::app::App;
use crate::chat::Post;
use crate::outbox::{Destination, enqueue_post};
use crate::reply::{Reply, Severity};
use crate::wording::at;

/// Queues the ladder's due steps; returns how many posts were queued.
pub async fn queue_ladder(app: &App) -> anyhow::Result<usize> {
    let hours = app.config.collections.escalation_reping_hours;
    let now = app.clock.now();
    let mut queued = 0;
    for esc in app.store.open_escalations().await? {
        for step in esc.ladder(now, app.config.time_zone, hours) {
            let (text, mention, line) = match step {
                LadderStep::Reping => (
                    "a gentle reminder:".to_string(),
                    esc.pm.clone(),
                    format!(
                        "This has waited {hours} business hours for someone to pick it up. Acknowledge it, snooze \
                         it or say you'll call them with the buttons above."
                    ),
                ),
                LadderStep::SnoozeOver => (
                    "the snooze is over:".to_string(),
                    esc.pm.clone(),
                    "This was snoozed and nobody has picked it up since. Acknowledge it, snooze it again or say \
                     you'll call them with the buttons above."
                        .to_string(),
                ),
                LadderStep::AddManager => match &app.config.collections.manager {
                    Some(manager) => (
                        "can you take a look?".to_string(),
                        Some(manager.clone()),
                        format!(
                            "Still nobody has picked this up after {} business hours{}.",
                            2 * hours,
                            esc.pm.as_deref().map(|p| format!(" ({} was asked)", at(p))).unwrap_or_default()
                        ),
                    ),
                    None => (
                        String::new(),
                        None,
                        format!(
                            "Still nobody has picked this up after {} business hours. No manager is set to add \
                             ([collections] manager in arbot.toml); ask in the AR channel.",
                            2 * hours
                        ),
                    ),
                },
            };
            let mut reply = Reply::default().line(line);
            reply.severity = Severity::Warning;
            let post = Post { text: mention.as_ref().map(|_| text), mention: mention.into_iter().collect(), reply };
            // Each step once; a snooze's end once per snooze.
            let key = match (step, esc.snoozed_until) {
                (LadderStep::SnoozeOver, Some(until)) => {
                    format!("esc:{}:{}:{}", esc.id, step.as_str(), until.timestamp())
                }
                _ => format!("esc:{}:{}", esc.id, step.as_str()),
            };
            if enqueue_post(app, &key, Destination::EscalationThread { escalation_id: esc.id }, post).await? {
                queued += 1;
            }
        }
    }
    Ok(queued)
}
