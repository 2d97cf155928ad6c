//! `/ar`, `/report` and `/mail` for Discord, built from the one command table
//! ([`crate::commands::COMMANDS`]): each family with a command becomes a top-level command, each
//! entry a poise subcommand with typed options, descriptions and autocomplete, and every
//! subcommand runs the same platform-neutral handler the console runs.

use std::borrow::Cow;
use std::time::Duration;

use poise::serenity_prelude as serenity;

use super::render::{components, embed, embeds_for};
use super::{Data, Error, actor, public_here};
use crate::commands::{
    COMMANDS, CommandSpec, FAMILIES, Family, Param, ParamKind, Suggest, dispatch, family_commands, read_options, spec,
    unread_reply,
};
use crate::reply::Reply;

type Ctx<'a> = poise::ApplicationContext<'a, Data, Error>;
type Failure<'a> = poise::FrameworkError<'a, Data, Error>;

/// How long a command may work before arbot defers its answer (Discord drops an interaction not
/// answered within 3 seconds; a deferred one has 15 minutes).
pub const ANSWER_WITHIN: Duration = Duration::from_millis(1500);

/// How long a deferred command may work before arbot answers that it is taking too long (Discord
/// drops the interaction's token after 15 minutes).
pub const DEFERRED_LIMIT: Duration = Duration::from_secs(14 * 60);

/// One top-level command per family that has commands (`/ar`, `/report`, `/mail`).
pub fn all() -> Vec<poise::Command<Data, Error>> {
    FAMILIES.iter().filter(|f| family_commands(f.name).next().is_some()).map(family).collect()
}

/// A family's command with one subcommand per entry of the command table.
fn family(f: &'static Family) -> poise::Command<Data, Error> {
    poise::Command {
        name: Cow::Borrowed(f.name),
        qualified_name: Cow::Borrowed(f.name),
        identifying_name: Cow::Borrowed(f.name),
        source_code_name: Cow::Borrowed(f.name),
        description: Some(Cow::Borrowed(f.description)),
        subcommands: family_commands(f.name).map(subcommand).collect(),
        subcommand_required: true,
        // Discord never invokes the root of a command with subcommands; poise needs an action.
        slash_action: Some(|_ctx| Box::pin(async { Ok(()) })),
        ..Default::default()
    }
}

fn subcommand(c: &'static CommandSpec) -> poise::Command<Data, Error> {
    poise::Command {
        name: Cow::Borrowed(c.name),
        qualified_name: Cow::Owned(format!("{} {}", c.family, c.name)),
        identifying_name: Cow::Borrowed(c.name),
        source_code_name: Cow::Borrowed(c.name),
        description: Some(Cow::Borrowed(c.summary)),
        help_text: Some(Cow::Owned(format!("Example: {}", c.example))),
        parameters: c.options().into_iter().map(parameter).collect(),
        slash_action: Some(run_slash),
        ..Default::default()
    }
}

fn parameter(p: &'static Param) -> poise::CommandParameter<Data, Error> {
    let (choices, type_setter): (Vec<poise::CommandParameterChoice>, fn(_) -> _) = match choices_of(p) {
        // poise sends choices as integer indexes; see `value_of`.
        Some(options) => (
            options
                .iter()
                .map(|o| poise::CommandParameterChoice {
                    name: Cow::Borrowed(*o),
                    localizations: Cow::Borrowed(&[]),
                    __non_exhaustive: (),
                })
                .collect(),
            integer_option,
        ),
        None if matches!(p.kind, ParamKind::Days | ParamKind::Count) => (Vec::new(), integer_option),
        None => (Vec::new(), string_option),
    };
    poise::CommandParameter {
        name: Cow::Borrowed(p.name),
        name_localizations: Cow::Borrowed(&[]),
        description: Some(Cow::Borrowed(p.help)),
        description_localizations: Cow::Borrowed(&[]),
        required: p.required,
        channel_types: None,
        choices: Cow::Owned(choices),
        type_setter: Some(type_setter),
        autocomplete_callback: if p.suggest() == Suggest::Nothing { None } else { Some(autocomplete) },
        __non_exhaustive: (),
    }
}

/// The fixed options a parameter offers as Discord choices.
fn choices_of(p: &Param) -> Option<&'static [&'static str]> {
    match p.kind {
        ParamKind::Choice(options) => Some(options),
        _ => None,
    }
}

fn string_option(b: serenity::CreateCommandOption) -> serenity::CreateCommandOption {
    b.kind(serenity::CommandOptionType::String)
}

fn integer_option(b: serenity::CreateCommandOption) -> serenity::CreateCommandOption {
    b.kind(serenity::CommandOptionType::Integer)
}

/// An option's value as the handlers take it (text), choices turned back into their words.
fn value_of(param: Option<&Param>, value: &serenity::ResolvedValue<'_>) -> Option<String> {
    match value {
        serenity::ResolvedValue::String(s) => Some((*s).to_string()),
        serenity::ResolvedValue::Integer(n) => match param.and_then(choices_of) {
            Some(options) => usize::try_from(*n).ok().and_then(|i| options.get(i)).map(|s| (*s).to_string()),
            None => Some(n.to_string()),
        },
        serenity::ResolvedValue::Number(n) => Some(n.to_string()),
        serenity::ResolvedValue::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

fn run_slash(ctx: Ctx<'_>) -> poise::BoxFuture<'_, Result<(), Failure<'_>>> {
    Box::pin(async move { answer(ctx).await.map_err(|e| poise::FrameworkError::new_command(ctx.into(), e)) })
}

/// Runs one `/ar` subcommand: checks the options, runs the handler (deferring first if it takes
/// more than a moment), and answers publicly only in the AR channel and its threads.
async fn answer(ctx: Ctx<'_>) -> Result<(), Error> {
    let data: &Data = ctx.data();
    let app = &data.app;
    let Some(command) = spec(&ctx.command().name) else {
        return Err(format!("{} is registered but unknown to this arbot", ctx.command().qualified_name).into());
    };
    let i = ctx.interaction;
    let public = public_here(i.channel_id, i.channel.as_ref(), &data.discord);
    let who = actor(&i.user, i.member.as_deref(), &data.discord);
    let values: Vec<(String, String)> = ctx
        .args
        .iter()
        .filter_map(|o| {
            let param = command.params.iter().find(|p| p.name == o.name);
            value_of(param, &o.value).map(|v| (o.name.to_string(), v))
        })
        .collect();
    let reply = match read_options(app, command, &values, who).await {
        Err(e) => unread_reply(e),
        Ok(mut inv) => {
            inv.key = Some(i.id.to_string());
            let work = dispatch(app, &inv);
            tokio::pin!(work);
            tokio::select! {
                reply = &mut work => reply,
                _ = tokio::time::sleep(ANSWER_WITHIN) => {
                    let c: poise::Context<'_, Data, Error> = ctx.into();
                    if public { c.defer().await? } else { c.defer_ephemeral().await? }
                    // Discord keeps a deferred interaction open for 15 minutes.
                    match tokio::time::timeout(DEFERRED_LIMIT, work).await {
                        Ok(reply) => reply,
                        Err(_) => Reply::user_error(format!(
                            "{} is taking longer than Discord lets an answer wait. What finished is saved; \
                             try again later, or run it from a terminal.",
                            command.invocation()
                        )),
                    }
                }
            }
        }
    };
    if matches!(command.name, "escalate" | "sync" | "nto") {
        // Something may have been queued to post: deliver it now rather than at the next poll.
        data.wake.notify_one();
    }
    send(ctx, &reply, !public || reply.ephemeral).await
}

/// Sends a reply as one or more messages (the first answers the interaction).
pub async fn send(ctx: Ctx<'_>, reply: &Reply, ephemeral: bool) -> Result<(), Error> {
    let c: poise::Context<'_, Data, Error> = ctx.into();
    let messages = embeds_for(reply);
    let last = messages.len().saturating_sub(1);
    for (n, embeds) in messages.iter().enumerate() {
        let mut r = poise::CreateReply::default().ephemeral(ephemeral);
        for e in embeds {
            r = r.embed(embed(e));
        }
        if n == last {
            r = r.components(components(reply));
            for a in &reply.attachments {
                r = r.attachment(serenity::CreateAttachment::bytes(a.content.clone(), a.name.clone()));
            }
        }
        c.send(r).await?;
    }
    Ok(())
}

fn autocomplete<'a>(ctx: Ctx<'a>, partial: &'a str) -> poise::BoxFuture<'a, serenity::CreateAutocompleteResponse> {
    Box::pin(async move {
        let names = suggestions(ctx, partial).await.unwrap_or_else(|e| {
            tracing::warn!("autocomplete failed: {e}");
            Vec::new()
        });
        let choices = names
            .into_iter()
            .filter(|n| !n.is_empty())
            .take(25)
            .map(|n| {
                let n: String = n.chars().take(100).collect();
                serenity::AutocompleteChoice::new(n.clone(), n)
            })
            .collect();
        serenity::CreateAutocompleteResponse::new().set_choices(choices)
    })
}

/// What to suggest for the option being typed, from the local database (never from an
/// accounting system inline). Nothing for a member without an arbot role.
async fn suggestions(ctx: Ctx<'_>, partial: &str) -> Result<Vec<String>, Error> {
    let data: &Data = ctx.data();
    let i = ctx.interaction;
    if actor(&i.user, i.member.as_deref(), &data.discord).roles.is_empty() {
        return Ok(Vec::new());
    }
    let focused = ctx.args.iter().find_map(|o| match &o.value {
        serenity::ResolvedValue::Autocomplete { .. } => Some(o.name),
        _ => None,
    });
    let command = spec(&ctx.command().name);
    let Some(param) = command.and_then(|c| c.params.iter().find(|p| Some(p.name) == focused)) else {
        return Ok(Vec::new());
    };
    let store = &data.app.store;
    let partial = partial.trim();
    Ok(match param.suggest() {
        Suggest::Nothing => Vec::new(),
        Suggest::Customer => store.customers_matching(partial, 25).await?.into_iter().map(|c| c.name).collect(),
        Suggest::Job => {
            let mut names: Vec<String> =
                store.jobs((!partial.is_empty()).then_some(partial)).await?.into_iter().map(|j| j.job.name).collect();
            names.dedup();
            names
        }
        Suggest::Invoice => store.invoice_numbers_like(partial, 25).await?,
        Suggest::Pm => {
            let needle = partial.trim_start_matches('@').to_lowercase();
            store.pm_names().await?.into_iter().filter(|n| n.to_lowercase().contains(&needle)).collect()
        }
        Suggest::Command => COMMANDS.iter().map(|c| c.name.to_string()).filter(|n| n.starts_with(partial)).collect(),
        Suggest::NoticeKind => arbot_core::liens::notice_words()
            .into_iter()
            .filter(|k| k.starts_with(&partial.to_ascii_lowercase()))
            .map(str::to_string)
            .collect(),
        Suggest::Fact => crate::commands::FACTS
            .iter()
            .filter(|f| f.contains(&partial.to_ascii_lowercase().replace([' ', '-'], "_")))
            .map(|f| (*f).to_string())
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_fits_discords_rules() {
        let families = all();
        assert!(!families.is_empty());
        let mut registered_names = 0;
        for f in families {
            let table: Vec<&CommandSpec> = family_commands(&f.name).collect();
            registered_names += table.len();
            subcommands_fit(f, &table);
        }
        assert_eq!(registered_names, COMMANDS.len());
    }

    fn subcommands_fit(f: poise::Command<Data, Error>, table: &[&CommandSpec]) {
        let registered = f.create_as_slash_command().expect("a slash command");
        let json = serde_json::to_value(&registered).unwrap();
        let subs = json["options"].as_array().unwrap();
        assert_eq!(subs.len(), table.len());
        // Discord's caps on one command: 25 subcommands, and 4,000 characters of names,
        // descriptions and choices in all.
        assert!(subs.len() <= 25, "/{} has {} subcommands", json["name"], subs.len());
        fn chars(v: &serde_json::Value) -> usize {
            let text = |k: &str| v[k].as_str().map_or(0, |s| s.chars().count());
            let each = |k: &str| v[k].as_array().map_or(0, |a| a.iter().map(chars).sum());
            text("name") + text("description") + each("options") + each("choices")
        }
        assert!(chars(&json) <= 4000, "/{} is {} characters long", json["name"], chars(&json));
        let name_ok = |n: &str| {
            !n.is_empty()
                && n.len() <= 32
                && n.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        };
        for (sub, c) in subs.iter().zip(table) {
            assert_eq!(sub["name"], c.name);
            assert!(name_ok(c.name), "{}", c.name);
            let desc = sub["description"].as_str().unwrap();
            assert!((1..=100).contains(&desc.chars().count()), "{} description is {} long", c.invocation(), desc.len());
            let options = sub["options"].as_array().cloned().unwrap_or_default();
            assert_eq!(options.len(), c.params.len(), "{}", c.name);
            let mut seen_optional = false;
            for (o, p) in options.iter().zip(c.options()) {
                assert_eq!(o["name"], p.name, "{}", c.name);
                assert!(name_ok(p.name), "{}", p.name);
                assert!((1..=100).contains(&p.help.chars().count()), "{} {}", c.name, p.name);
                assert_eq!(o["required"].as_bool().unwrap_or(false), p.required);
                // Discord wants every required option before the optional ones.
                assert!(!(seen_optional && p.required), "{}: required {} after an optional one", c.name, p.name);
                seen_optional |= !p.required;
            }
        }
    }
}
