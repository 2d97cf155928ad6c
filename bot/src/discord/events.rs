//! Button clicks. Each is routed by its `custom_id` (`esc:ack:42`, `esc:open:7`, `customer:7`)
//! with the state in the database, never in memory, so a button keeps working after arbot
//! restarts or another instance takes over the gateway.

use arbot_core::collections::NewNote;
use arbot_core::escalation::{Escalation, EscalationAction, EscalationStatus};
use arbot_core::summary::customer_summary;
use poise::serenity_prelude as serenity;

use super::render::{components, embed, embeds_for};
use super::{Data, Error, actor, public_here};
use crate::commands::{Actor, Role, at, customer_reply, next_deadlines, open_escalation, opened_reply};
use crate::reply::Reply;

/// Handles a click on one of arbot's buttons.
pub async fn on_component(
    ctx: &serenity::Context,
    data: &Data,
    mci: &serenity::ComponentInteraction,
) -> Result<(), Error> {
    let who = actor(&mci.user, mci.member.as_ref(), &data.discord);
    let id = mci.data.custom_id.as_str();
    let parts: Vec<&str> = id.split(':').collect();
    match parts.as_slice() {
        ["esc", "open", customer, rest @ ..] => {
            let customer = customer.parse::<i64>().ok();
            let job = rest.first().and_then(|j| j.parse::<i64>().ok());
            let Some(customer) = customer else { return stale(ctx, mci).await };
            // Opening reads the account's figures: acknowledge first, answer when done.
            mci.create_response(
                &ctx.http,
                serenity::CreateInteractionResponse::Defer(
                    serenity::CreateInteractionResponseMessage::new().ephemeral(true),
                ),
            )
            .await?;
            let text = match open_escalation(&data.app, customer, job, None, &who).await {
                Ok((esc, created)) => {
                    data.wake.notify_one();
                    opened_reply(&esc, created).lines.join("\n")
                }
                Err(e) => e.to_string(),
            };
            mci.create_followup(
                &ctx.http,
                serenity::CreateInteractionResponseFollowup::new().content(text).ephemeral(true),
            )
            .await?;
            Ok(())
        }
        ["esc", action, esc_id] => {
            let Ok(esc_id) = esc_id.parse::<i64>() else { return stale(ctx, mci).await };
            act(ctx, data, mci, &who, action, esc_id).await
        }
        ["customer", customer] => {
            let Ok(customer) = customer.parse::<i64>() else { return stale(ctx, mci).await };
            let public = public_here(mci.channel_id, mci.channel.as_ref(), &data.discord);
            let app = &data.app;
            let summary = customer_summary(
                app.store.as_ref(),
                customer,
                app.today(),
                false,
                &app.config.aging,
                app.config.currency,
            )
            .await?;
            let reply = match summary {
                Some(s) => {
                    let jobs: Vec<_> = s.jobs.iter().filter(|j| j.unpaid > 0).map(|j| j.job.clone()).collect();
                    let next = next_deadlines(app, &jobs).await.map_err(|e| e.to_string())?;
                    customer_reply(app, &s, &next)
                }
                None => Reply::user_error("That customer is no longer in the ledger."),
            };
            respond(ctx, mci, &reply, !public || reply.ephemeral).await
        }
        _ => stale(ctx, mci).await,
    }
}

async fn stale(ctx: &serenity::Context, mci: &serenity::ComponentInteraction) -> Result<(), Error> {
    respond(ctx, mci, &Reply::user_error("This button no longer does anything; ask arbot again."), true).await
}

/// Answers a click with a new message.
async fn respond(
    ctx: &serenity::Context,
    mci: &serenity::ComponentInteraction,
    reply: &Reply,
    ephemeral: bool,
) -> Result<(), Error> {
    let first = embeds_for(reply).into_iter().next().unwrap_or_default();
    let mut message = serenity::CreateInteractionResponseMessage::new()
        .embeds(first.iter().map(embed).collect())
        .components(components(reply))
        .ephemeral(ephemeral);
    for a in &reply.attachments {
        message = message.add_file(serenity::CreateAttachment::bytes(a.content.as_bytes().to_vec(), a.name.clone()));
    }
    mci.create_response(&ctx.http, serenity::CreateInteractionResponse::Message(message)).await?;
    Ok(())
}

/// Acknowledge, snooze, "I'll call them" or resolve: recorded once per click, then the message
/// is updated to say who did what and when.
async fn act(
    ctx: &serenity::Context,
    data: &Data,
    mci: &serenity::ComponentInteraction,
    who: &Actor,
    action: &str,
    esc_id: i64,
) -> Result<(), Error> {
    if !who.roles.iter().any(|r| matches!(r, Role::Ar | Role::Pm | Role::Manager)) {
        let text = format!(
            "Only a PM, the AR team or a manager can act on an escalation (your roles: {}).",
            crate::commands::roles_text(&who.roles)
        );
        return respond(ctx, mci, &Reply::user_error(text), true).await;
    }
    let app = &data.app;
    let now = app.clock.now();
    let action = match action {
        "ack" => EscalationAction::Acknowledge,
        "snooze" => EscalationAction::Snooze { until: now + chrono::Duration::days(1) },
        "call" => EscalationAction::WillCall,
        "resolve" => EscalationAction::Resolve,
        _ => return stale(ctx, mci).await,
    };
    let interaction = mci.id.to_string();
    let Some(esc) = app.store.act_on_escalation(esc_id, &action, &who.id, &who.name, now, Some(&interaction)).await?
    else {
        return respond(ctx, mci, &Reply::user_error("That escalation no longer exists."), true).await;
    };
    if action == EscalationAction::WillCall {
        let note = NewNote {
            customer_id: esc.customer_id,
            invoice_id: None,
            kind: "note".to_string(),
            body: format!("{} will call them (escalation: {})", at(&who.name), esc.title),
            author: who.name.clone(),
            created_at: now,
        };
        app.store.add_note(&note).await?;
    }
    let status = status_line(app, &esc, &action, who);
    let mut updated = serenity::CreateEmbed::new();
    if let Some(e) = mci.message.embeds.first() {
        if let Some(t) = &e.title {
            updated = updated.title(t);
        }
        if let Some(d) = &e.description {
            updated = updated.description(d);
        }
        for f in e.fields.iter().filter(|f| f.name != "Status") {
            updated = updated.field(&f.name, &f.value, f.inline);
        }
        if let Some(footer) = &e.footer {
            updated = updated.footer(serenity::CreateEmbedFooter::new(&footer.text));
        }
    }
    let colour = match esc.status {
        EscalationStatus::Resolved => super::render::colour(crate::reply::Severity::Good),
        EscalationStatus::Acknowledged => super::render::colour(crate::reply::Severity::Info),
        _ => super::render::colour(crate::reply::Severity::Warning),
    };
    updated = updated.field("Status", status, false).colour(colour);
    // A resolved escalation keeps no buttons; otherwise they stay for the next person.
    let buttons = if esc.status == EscalationStatus::Resolved {
        Vec::new()
    } else {
        components(&Reply { buttons: crate::commands::escalation_buttons(esc.id), ..Reply::default() })
    };
    let message = serenity::CreateInteractionResponseMessage::new().embed(updated).components(buttons);
    mci.create_response(&ctx.http, serenity::CreateInteractionResponse::UpdateMessage(message)).await?;
    Ok(())
}

/// "Acknowledged by @lee at 9:14".
fn status_line(app: &crate::app::App, esc: &Escalation, action: &EscalationAction, who: &Actor) -> String {
    let tz = app.config.time_zone;
    let time = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).format("%-H:%M").to_string();
    let now = app.clock.now();
    match (esc.status, action) {
        (EscalationStatus::Resolved, EscalationAction::Resolve) => {
            format!("Resolved by {} at {}", at(&who.name), time(now))
        }
        (EscalationStatus::Resolved, _) => format!(
            "Already resolved by {} at {}",
            at(esc.resolved_by.as_deref().unwrap_or("someone")),
            esc.resolved_at.map(time).unwrap_or_default()
        ),
        (_, EscalationAction::Snooze { until }) => {
            format!("Snoozed by {} until {}", at(&who.name), until.with_timezone(&tz).format("%a %-H:%M"))
        }
        (_, EscalationAction::WillCall) => format!("{} will call them (said at {})", at(&who.name), time(now)),
        _ => format!("Acknowledged by {} at {}", at(&who.name), time(now)),
    }
}
