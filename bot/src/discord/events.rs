//! Button clicks, translated: the click goes to the platform-neutral handler
//! ([`crate::commands::clicks`]) with the person who clicked, and its answer comes back as a
//! Discord response (a new message, or the clicked message updated).

use poise::serenity_prelude as serenity;

use super::render::{colour, components, embed, embeds_for};
use super::{Data, Error, actor, public_here};
use crate::commands::clicks::{Click, ClickAnswer, click, submit};
use crate::reply::{Button, Form, Reply, Severity};

/// Handles a click on one of arbot's buttons.
pub async fn on_component(
    ctx: &serenity::Context,
    data: &Data,
    mci: &serenity::ComponentInteraction,
) -> Result<(), Error> {
    let who = actor(&mci.user, mci.member.as_ref(), &data.discord);
    let id = mci.data.custom_id.as_str();
    let interaction = mci.id.to_string();
    let slow = Click::parse(id).is_some_and(|c| c.is_slow());
    if slow {
        // Reading the account's figures may take a moment: acknowledge first, answer when done.
        mci.create_response(
            &ctx.http,
            serenity::CreateInteractionResponse::Defer(
                serenity::CreateInteractionResponseMessage::new().ephemeral(true),
            ),
        )
        .await?;
    }
    let answer = click(&data.app, &who, id, &interaction).await;
    // A click may have queued posts (an escalation's alert and thread): deliver them now.
    data.wake.notify_one();
    match answer {
        ClickAnswer::New(reply) if slow => {
            let text = reply.lines.join("\n");
            mci.create_followup(
                &ctx.http,
                serenity::CreateInteractionResponseFollowup::new().content(text).ephemeral(true),
            )
            .await?;
            Ok(())
        }
        ClickAnswer::New(reply) => {
            let public = public_here(mci.channel_id, mci.channel.as_ref(), &data.discord);
            respond(ctx, mci, &reply, !public || reply.ephemeral).await
        }
        ClickAnswer::Update { status, severity, buttons } => update(ctx, mci, &status, severity, buttons).await,
        ClickAnswer::Form(form) => {
            mci.create_response(&ctx.http, serenity::CreateInteractionResponse::Modal(modal(&form))).await?;
            Ok(())
        }
    }
}

/// Serenity's modal for one of arbot's forms.
fn modal(form: &Form) -> serenity::CreateModal {
    let rows = form
        .fields
        .iter()
        .map(|f| {
            let style = if f.long { serenity::InputTextStyle::Paragraph } else { serenity::InputTextStyle::Short };
            let mut input =
                serenity::CreateInputText::new(style, &f.label, &f.id).required(f.required).max_length(f.max_length);
            if let Some(p) = &f.placeholder {
                input = input.placeholder(p);
            }
            if let Some(v) = &f.value {
                input = input.value(v);
            }
            serenity::CreateActionRow::InputText(input)
        })
        .collect();
    serenity::CreateModal::new(&form.id, &form.title).components(rows)
}

/// A filled-in form: its values go to the platform-neutral handler, and its answer comes back as
/// a message (in the channel when it is a public one, otherwise to the person alone).
pub async fn on_modal(ctx: &serenity::Context, data: &Data, modal: &serenity::ModalInteraction) -> Result<(), Error> {
    let who = actor(&modal.user, modal.member.as_ref(), &data.discord);
    let values: Vec<(String, String)> = modal
        .data
        .components
        .iter()
        .flat_map(|row| row.components.iter())
        .filter_map(|c| match c {
            serenity::ActionRowComponent::InputText(t) => {
                Some((t.custom_id.clone(), t.value.clone().unwrap_or_default()))
            }
            _ => None,
        })
        .collect();
    let reply = submit(&data.app, &who, &modal.data.custom_id, &values, &modal.id.to_string()).await;
    data.wake.notify_one();
    let public = public_here(modal.channel_id, modal.channel.as_ref(), &data.discord);
    let first = embeds_for(&reply).into_iter().next().unwrap_or_default();
    let message = serenity::CreateInteractionResponseMessage::new()
        .embeds(first.iter().map(embed).collect())
        .components(components(&reply))
        .ephemeral(!public || reply.ephemeral || reply.severity == crate::reply::Severity::Error);
    modal.create_response(&ctx.http, serenity::CreateInteractionResponse::Message(message)).await?;
    Ok(())
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
        message = message.add_file(serenity::CreateAttachment::bytes(a.content.clone(), a.name.clone()));
    }
    mci.create_response(&ctx.http, serenity::CreateInteractionResponse::Message(message)).await?;
    Ok(())
}

/// Keeps the clicked message as it is, with its Status field, colour and buttons replaced.
async fn update(
    ctx: &serenity::Context,
    mci: &serenity::ComponentInteraction,
    status: &str,
    severity: Severity,
    buttons: Vec<Button>,
) -> Result<(), Error> {
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
    updated = updated.field("Status", status, false).colour(colour(severity));
    let components = components(&Reply { buttons, ..Reply::default() });
    let message = serenity::CreateInteractionResponseMessage::new().embed(updated).components(components);
    mci.create_response(&ctx.http, serenity::CreateInteractionResponse::UpdateMessage(message)).await?;
    Ok(())
}
