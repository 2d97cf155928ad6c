//! A fake Discord on loopback, for running the real serenity client (and arbot on it) in tests:
//! the REST API under `/api/v10` (what arbot calls: the gateway URL, the current user, guild
//! roles and members, channels, messages with nonce dedupe, threads from messages, command
//! registration, interaction callbacks and follow-ups) and a WebSocket gateway (HELLO,
//! IDENTIFY, READY with `application.id`, dispatches with sequence numbers, heartbeat ACKs).
//!
//! It records every REST call so a test can assert what the bot sent, dispatches
//! application-command, autocomplete and component interactions on request, and injects faults
//! (5xx, 403 missing permissions, a post that lands but whose answer is lost, slow answers).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as WsMessage;

pub const TOKEN: &str = "fake-token";
pub const APP_ID: u64 = 700_000_000_000_000_001;
pub const BOT_ID: u64 = 700_000_000_000_000_002;
pub const GUILD: u64 = 800_000_000_000_000_001;
pub const AR_CHANNEL: u64 = 800_000_000_000_000_010;
pub const OTHER_CHANNEL: u64 = 800_000_000_000_000_011;
pub const AR_ROLE: u64 = 810_000_000_000_000_001;
pub const PM_ROLE: u64 = 810_000_000_000_000_002;
pub const MANAGER_ROLE: u64 = 810_000_000_000_000_003;
pub const VIEWER_ROLE: u64 = 810_000_000_000_000_004;
pub const BOT_ROLE: u64 = 810_000_000_000_000_009;

/// Everything the bot needs in the AR channel: view, send, embed links, attach files, read
/// history, create public threads, send in threads (the README's invite link asks for these).
pub const BOT_PERMISSIONS: u64 = 309_237_763_072;
pub const SEND_MESSAGES: u64 = 1 << 11;

/// A REST call the bot made.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub path: String,
    pub body: Value,
    pub at: Instant,
}

/// What a fault does to a matching request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer with this status (and a Discord JSON error) without doing anything.
    Fail(u16),
    /// Do the work, then answer with this status: the post landed but the bot never heard.
    FailAfter(u16),
    /// Answer only after this long.
    Delay(Duration),
}

#[derive(Debug, Clone)]
pub struct Fault {
    pub method: &'static str,
    pub path_contains: String,
    pub times: u32,
    pub kind: FaultKind,
}

/// The fake's world.
#[derive(Debug, Default)]
pub struct World {
    pub calls: Vec<Call>,
    /// Messages by id, in creation order (ids grow).
    pub messages: BTreeMap<u64, Value>,
    pub channels: BTreeMap<u64, Value>,
    /// The last registered command set, and where it went (`guild` or `global`).
    pub commands: Option<(String, Value)>,
    /// The message each interaction was answered with in its callback (type 4), by interaction.
    pub replies: BTreeMap<u64, Value>,
    /// The interactions that were form (modal) submissions.
    pub submissions: std::collections::BTreeSet<u64>,
    /// Interaction responses (callbacks), by interaction id, in order.
    pub callbacks: BTreeMap<u64, Vec<(Instant, Value)>>,
    /// When each interaction was dispatched.
    pub dispatched: BTreeMap<u64, Instant>,
    /// Each interaction as dispatched, so a test can deliver it again (Discord may).
    interactions: BTreeMap<u64, Value>,
    /// Interaction token -> (interaction id, channel id).
    tokens: BTreeMap<String, (u64, u64)>,
    pub faults: Vec<Fault>,
    /// What @everyone and the bot's role may do (the bot's permissions in every channel).
    pub bot_permissions: u64,
    pub identifies: u32,
    /// Heartbeats received (each answered with an ACK).
    pub heartbeats: u32,
    next_id: u64,
    seq: u64,
}

impl World {
    fn id(&mut self) -> u64 {
        self.next_id += 1;
        900_000_000_000_000_000 + self.next_id
    }

    /// Messages in a channel, oldest first.
    pub fn messages_in(&self, channel: u64) -> Vec<&Value> {
        self.messages.values().filter(|m| is_id(&m["channel_id"], channel)).collect()
    }

    /// Calls whose method matches and whose path contains `part`.
    pub fn calls_to(&self, method: &str, part: &str) -> Vec<&Call> {
        self.calls.iter().filter(|c| c.method == method && c.path.contains(part)).collect()
    }
}

struct Shared {
    world: Mutex<World>,
    gateway_url: String,
    sessions: Mutex<Vec<mpsc::UnboundedSender<(String, Value)>>>,
}

/// A running fake Discord.
pub struct FakeDiscord {
    /// What arbot's `discord.api_url` points at (serenity sends `/api/v10/...` here).
    pub api_url: String,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for FakeDiscord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeDiscord").field("api_url", &self.api_url).finish()
    }
}

fn user_json(id: u64, name: &str, bot: bool) -> Value {
    json!({"id": id.to_string(), "username": name, "discriminator": "0", "global_name": name, "avatar": null, "bot": bot})
}

fn timestamp() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, false)
}

fn text_channel(id: u64, name: &str) -> Value {
    json!({"id": id.to_string(), "type": 0, "guild_id": GUILD.to_string(), "name": name, "position": 0,
           "permission_overwrites": [], "nsfw": false, "parent_id": null})
}

fn role_json(id: u64, name: &str, permissions: u64, position: u16) -> Value {
    json!({"id": id.to_string(), "name": name, "color": 0,
           "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
           "hoist": false, "position": position, "permissions": permissions.to_string(), "managed": false,
           "mentionable": false, "flags": 0})
}

/// A person in the fake server.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: u64,
    pub name: &'static str,
    pub roles: Vec<u64>,
}

impl Person {
    pub fn new(id: u64, name: &'static str, roles: &[u64]) -> Person {
        Person { id, name, roles: roles.to_vec() }
    }

    fn member_json(&self) -> Value {
        json!({"user": user_json(self.id, self.name, false), "roles": self.roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
               "joined_at": "2026-01-05T15:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0,
               "permissions": "2147483647", "nick": null})
    }
}

impl FakeDiscord {
    /// Starts the REST server and the gateway on loopback ports.
    pub async fn start() -> FakeDiscord {
        let rest = TcpListener::bind("127.0.0.1:0").await.expect("bind REST");
        let gw = TcpListener::bind("127.0.0.1:0").await.expect("bind gateway");
        let api_url = format!("http://{}", rest.local_addr().expect("addr"));
        let gateway_url = format!("ws://{}", gw.local_addr().expect("addr"));
        let mut world = World { bot_permissions: BOT_PERMISSIONS, ..World::default() };
        world.channels.insert(AR_CHANNEL, text_channel(AR_CHANNEL, "ar"));
        world.channels.insert(OTHER_CHANNEL, text_channel(OTHER_CHANNEL, "general"));
        let shared = Arc::new(Shared { world: Mutex::new(world), gateway_url, sessions: Mutex::new(Vec::new()) });
        let app = Router::new().fallback(rest_handler).with_state(shared.clone());
        tokio::spawn(async move {
            let _ = axum::serve(rest, app).await;
        });
        let gw_shared = shared.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = gw.accept().await {
                tokio::spawn(gateway_session(stream, gw_shared.clone()));
            }
        });
        FakeDiscord { api_url, shared }
    }

    /// Reads or changes the fake's world.
    pub fn world<T>(&self, f: impl FnOnce(&mut World) -> T) -> T {
        let mut w = self.shared.world.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut w)
    }

    pub fn fault(&self, method: &'static str, path_contains: &str, times: u32, kind: FaultKind) {
        self.world(|w| w.faults.push(Fault { method, path_contains: path_contains.to_string(), times, kind }));
    }

    /// Waits (up to `within`) until `f` holds of the world; returns its value or panics.
    pub async fn wait_for<T>(&self, within: Duration, what: &str, mut f: impl FnMut(&World) -> Option<T>) -> T {
        let start = Instant::now();
        loop {
            if let Some(v) = self.world(|w| f(w)) {
                return v;
            }
            if start.elapsed() > within {
                let calls: Vec<String> =
                    self.world(|w| w.calls.iter().map(|c| format!("{} {}", c.method, c.path)).collect());
                panic!("timed out waiting for {what}; calls so far:\n{}", calls.join("\n"));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits for a gateway session to be identified (READY sent), `n` in all.
    pub async fn wait_ready(&self, n: u32) {
        self.wait_for(Duration::from_secs(60), "the bot to identify", |w| (w.identifies >= n).then_some(())).await;
    }

    /// Drops every gateway connection, as a network blip would; serenity reconnects.
    pub fn drop_connections(&self) {
        self.dispatch("__close__", Value::Null);
    }

    fn dispatch(&self, t: &str, d: Value) {
        let sessions = self.shared.sessions.lock().unwrap_or_else(|p| p.into_inner());
        for s in sessions.iter() {
            let _ = s.send((t.to_string(), d.clone()));
        }
    }

    fn interaction_base(&self, kind: u8, person: &Person, channel: u64) -> (u64, Value) {
        let (id, token) = self.world(|w| {
            let id = w.id();
            let token = format!("itoken-{id}");
            w.tokens.insert(token.clone(), (id, channel));
            w.dispatched.insert(id, Instant::now());
            (id, token)
        });
        let channel_json =
            self.world(|w| w.channels.get(&channel).cloned()).unwrap_or_else(|| text_channel(channel, "x"));
        let v = json!({
            "id": id.to_string(), "application_id": APP_ID.to_string(), "type": kind, "token": token, "version": 1,
            "locale": "en-US", "guild_locale": "en-US", "guild_id": GUILD.to_string(), "channel_id": channel.to_string(),
            "channel": {"id": channel.to_string(), "type": channel_json["type"], "parent_id": channel_json["parent_id"],
                        "name": channel_json["name"]},
            "member": person.member_json(), "entitlements": [], "attachment_size_limit": 8_388_608,
            "app_permissions": "2147483647", "authorizing_integration_owners": {}, "context": 0
        });
        (id, v)
    }

    /// The registered top-level command (`ar`, `report`, `mail`) that has subcommand `sub`, as a
    /// Discord client would offer it; `ar` when nothing registered has it.
    fn command_of(&self, sub: &str) -> String {
        self.world(|w| {
            let (_, registered) = w.commands.as_ref()?;
            registered
                .as_array()?
                .iter()
                .find(|c| c["options"].as_array().is_some_and(|o| o.iter().any(|o| o["name"] == sub)))
                .and_then(|c| c["name"].as_str().map(str::to_string))
        })
        .unwrap_or_else(|| "ar".to_string())
    }

    /// `/<family> <sub> option:value ...` typed by `person` in `channel`; returns the interaction id.
    pub fn slash(&self, person: &Person, channel: u64, sub: &str, options: &[(&str, Value)]) -> u64 {
        let (id, mut v) = self.interaction_base(2, person, channel);
        let opts: Vec<Value> = options
            .iter()
            .map(|(name, value)| {
                let kind = if value.is_i64() { 4 } else { 3 };
                json!({"name": name, "type": kind, "value": value})
            })
            .collect();
        v["data"] = json!({"id": "1", "name": self.command_of(sub), "type": 1,
                           "options": [{"name": sub, "type": 1, "options": opts}]});
        self.world(|w| w.interactions.insert(id, v.clone()));
        self.dispatch("INTERACTION_CREATE", v);
        id
    }

    /// Delivers interaction `id` again, unchanged (same id and token), as Discord may after a
    /// network blip.
    ///
    /// # Panics
    /// When no slash command with that id was dispatched.
    pub fn redeliver(&self, id: u64) {
        let v = self.world(|w| w.interactions.get(&id).cloned()).expect("a dispatched slash command");
        self.dispatch("INTERACTION_CREATE", v);
    }

    /// Typing into option `focused` of `/ar <sub>`: an autocomplete interaction.
    pub fn autocomplete(&self, person: &Person, channel: u64, sub: &str, focused: &str, partial: &str) -> u64 {
        let (id, mut v) = self.interaction_base(4, person, channel);
        v["data"] = json!({"id": "1", "name": self.command_of(sub), "type": 1, "options": [{"name": sub, "type": 1, "options": [
            {"name": focused, "type": 3, "value": partial, "focused": true}]}]});
        self.dispatch("INTERACTION_CREATE", v);
        id
    }

    /// A click on button `custom_id` of message `message_id`.
    pub fn click(&self, person: &Person, message_id: u64, custom_id: &str) -> u64 {
        let message = self.world(|w| w.messages.get(&message_id).cloned()).expect("the clicked message exists");
        self.click_on(person, message, custom_id)
    }

    /// A click on button `custom_id` of the message that answered interaction `interaction`.
    pub async fn click_answer(&self, person: &Person, interaction: u64, custom_id: &str) -> u64 {
        let message = self
            .wait_for(Duration::from_secs(60), "the interaction's answer message", |w| {
                w.replies.get(&interaction).cloned()
            })
            .await;
        self.click_on(person, message, custom_id)
    }

    fn click_on(&self, person: &Person, message: Value, custom_id: &str) -> u64 {
        let channel = message["channel_id"].as_str().and_then(|s| s.parse::<u64>().ok()).unwrap_or(AR_CHANNEL);
        let (id, mut v) = self.interaction_base(3, person, channel);
        v["message"] = message;
        v["data"] = json!({"custom_id": custom_id, "component_type": 2});
        self.dispatch("INTERACTION_CREATE", v);
        id
    }

    /// The form (modal) that interaction `interaction` was answered with, waited for.
    pub async fn form(&self, interaction: u64) -> Value {
        self.wait_for(Duration::from_secs(60), "the interaction's form", |w| {
            w.callbacks.get(&interaction)?.iter().find(|(_, b)| b["type"] == json!(9)).map(|(_, b)| b["data"].clone())
        })
        .await
    }

    /// `person` submits form `form_id` (a modal) with `values` by field id, as Discord delivers it
    /// (interaction type 5); returns the interaction id. Fields left out come back as they opened
    /// (their `value`, or empty), as Discord sends an untouched field.
    pub fn submit_form(&self, person: &Person, channel: u64, form: &Value, values: &[(&str, &str)]) -> u64 {
        let (id, mut v) = self.interaction_base(5, person, channel);
        let rows: Vec<Value> = form["components"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(|row| row["components"].get(0))
            .map(|input| {
                let field = input["custom_id"].as_str().unwrap_or_default();
                let opened = input["value"].as_str().unwrap_or("");
                let value = values.iter().find(|(k, _)| *k == field).map(|(_, v)| *v).unwrap_or(opened);
                json!({"type": 1, "components": [{"type": 4, "custom_id": field, "value": value}]})
            })
            .collect();
        v["data"] = json!({"custom_id": form["custom_id"], "components": rows});
        self.world(|w| {
            w.submissions.insert(id);
            w.interactions.insert(id, v.clone());
        });
        self.dispatch("INTERACTION_CREATE", v);
        id
    }

    /// The responses to one interaction: its callback(s), waited for.
    pub async fn callback(&self, interaction: u64) -> (Duration, Value) {
        self.wait_for(Duration::from_secs(60), "the interaction's callback", |w| {
            let (at, body) = w.callbacks.get(&interaction)?.first()?.clone();
            let sent = *w.dispatched.get(&interaction)?;
            Some((at.duration_since(sent), body))
        })
        .await
    }

    /// Every message answering an interaction: the callback's own message and the follow-ups.
    pub async fn answers(&self, interaction: u64, n: usize) -> Vec<Value> {
        self.wait_for(Duration::from_secs(60), "the interaction's answers", |w| {
            let mut out: Vec<Value> = w
                .callbacks
                .get(&interaction)
                .map(|cbs| {
                    cbs.iter()
                        .filter(|(_, b)| matches!(b["type"].as_u64(), Some(4 | 7)))
                        .map(|(_, b)| b["data"].clone())
                        .collect()
                })
                .unwrap_or_default();
            out.extend(w.messages.values().filter(|m| is_id(&m["interaction_id"], interaction)).cloned());
            (out.len() >= n).then_some(out)
        })
        .await
    }
}

/// Whether a JSON id (Discord sends ids as strings) is `id`.
pub fn is_id(v: &Value, id: u64) -> bool {
    v.as_str().and_then(|s| s.parse::<u64>().ok()) == Some(id)
}

/// All text of a message or response (content, embed titles, descriptions, fields, footers).
pub fn text_of(m: &Value) -> String {
    let mut out = String::new();
    if let Some(c) = m["content"].as_str() {
        out.push_str(c);
        out.push('\n');
    }
    for e in m["embeds"].as_array().into_iter().flatten() {
        for part in [&e["title"], &e["description"]] {
            if let Some(s) = part.as_str() {
                out.push_str(s);
                out.push('\n');
            }
        }
        for f in e["fields"].as_array().into_iter().flatten() {
            out.push_str(&format!("{}: {}\n", f["name"].as_str().unwrap_or(""), f["value"].as_str().unwrap_or("")));
        }
        if let Some(s) = e["footer"]["text"].as_str() {
            out.push_str(s);
            out.push('\n');
        }
    }
    out
}

/// The custom ids of a message's buttons.
pub fn button_ids(m: &Value) -> Vec<String> {
    m["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|b| b["custom_id"].as_str().map(str::to_string))
        .collect()
}

/// What Discord refuses in a command registration: more than 25 subcommands, groups or options
/// at one level, more than 25 choices, a required option after an optional one, names over 32 or
/// descriptions over 100 characters, or more than 4,000 characters of names, descriptions and
/// choices in one command.
fn registrable(body: &Value) -> Result<(), String> {
    fn level(options: &[Value], chars: &mut usize, path: &str) -> Result<(), String> {
        if options.len() > 25 {
            return Err(format!("{path}: {} options or subcommands (at most 25)", options.len()));
        }
        let mut seen_optional = false;
        for o in options {
            let name = o["name"].as_str().unwrap_or_default();
            let description = o["description"].as_str().unwrap_or_default();
            if name.is_empty() || name.chars().count() > 32 || !(1..=100).contains(&description.chars().count()) {
                return Err(format!("{path} {name}: a name of 1-32 and a description of 1-100 characters"));
            }
            *chars += name.chars().count() + description.chars().count();
            let kind = o["type"].as_u64().unwrap_or(0);
            if kind == 1 || kind == 2 {
                let sub = o["options"].as_array().cloned().unwrap_or_default();
                level(&sub, chars, &format!("{path} {name}"))?;
                continue;
            }
            let required = o["required"].as_bool().unwrap_or(false);
            if required && seen_optional {
                return Err(format!("{path} {name}: required options must be placed before non-required options"));
            }
            seen_optional |= !required;
            let choices = o["choices"].as_array().cloned().unwrap_or_default();
            if choices.len() > 25 {
                return Err(format!("{path} {name}: {} choices (at most 25)", choices.len()));
            }
            for c in &choices {
                *chars += c["name"].as_str().map(|n| n.chars().count()).unwrap_or(0);
            }
        }
        Ok(())
    }
    let commands = body.as_array().cloned().unwrap_or_default();
    for c in &commands {
        let name = c["name"].as_str().unwrap_or_default();
        let mut chars = name.chars().count() + c["description"].as_str().map(|d| d.chars().count()).unwrap_or(0);
        level(&c["options"].as_array().cloned().unwrap_or_default(), &mut chars, name)?;
        if chars > 4000 {
            return Err(format!("{name}: {chars} characters of names, descriptions and choices (at most 4000)"));
        }
    }
    Ok(())
}

fn error(status: u16, code: u64, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(json!({"code": code, "message": message}))).into_response()
}

fn ok(v: Value) -> Response {
    axum::Json(v).into_response()
}

async fn rest_handler(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let content_type = headers.get("content-type").and_then(|h| h.to_str().ok()).unwrap_or("").to_string();
    let body: Value = match content_type.split_once("boundary=") {
        Some((kind, boundary)) if kind.starts_with("multipart/form-data") => {
            multipart(&body, boundary.trim_matches('"'))
        }
        _ => serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    let fault = {
        let mut w = shared.world.lock().unwrap_or_else(|p| p.into_inner());
        w.calls.push(Call { method: method.to_string(), path: path.clone(), body: body.clone(), at: Instant::now() });
        let found =
            w.faults.iter_mut().find(|f| f.method == method.as_str() && path.contains(&f.path_contains) && f.times > 0);
        found.map(|f| {
            f.times -= 1;
            f.kind
        })
    };
    match fault {
        Some(FaultKind::Fail(status)) => return error(status, 0, "injected failure"),
        Some(FaultKind::Delay(d)) => tokio::time::sleep(d).await,
        _ => {}
    }
    let auth = headers.get("authorization").and_then(|h| h.to_str().ok()).unwrap_or("");
    let interaction_route = path.contains("/interactions/") || path.contains("/webhooks/");
    if !interaction_route && auth != format!("Bot {TOKEN}") {
        return error(401, 0, "401: Unauthorized");
    }
    let response = route(&shared, &method, &path, uri.query().unwrap_or(""), body);
    match fault {
        Some(FaultKind::FailAfter(status)) => error(status, 0, "injected failure after the work was done"),
        _ => response,
    }
}

fn route(shared: &Shared, method: &Method, path: &str, query: &str, body: Value) -> Response {
    let parts: Vec<&str> = path.trim_start_matches("/api/v10/").split('/').collect();
    let mut w = shared.world.lock().unwrap_or_else(|p| p.into_inner());
    match (method.as_str(), parts.as_slice()) {
        ("GET", ["gateway"]) | ("GET", ["gateway", "bot"]) => ok(json!({"url": shared.gateway_url, "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}})),
        ("GET", ["users", "@me"]) => ok(user_json(BOT_ID, "arbot", true)),
        ("GET", ["guilds", g, "roles"]) if *g == GUILD.to_string() => ok(json!([
            role_json(GUILD, "@everyone", 0, 0),
            role_json(BOT_ROLE, "arbot", w.bot_permissions, 5),
            role_json(AR_ROLE, "AR", 0, 4),
        ])),
        ("GET", ["guilds", g, "members", u]) if *g == GUILD.to_string() && *u == BOT_ID.to_string() => ok(json!({
            "user": user_json(BOT_ID, "arbot", true), "roles": [BOT_ROLE.to_string()],
            "joined_at": "2026-01-05T15:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0})),
        ("GET", ["guilds", ..]) => error(404, 10004, "Unknown Guild"),
        ("PUT", ["applications", _, "guilds", _, "commands"]) | ("PUT", ["applications", _, "commands"]) => {
            let scope = if parts.len() == 5 { "guild" } else { "global" };
            if let Err(why) = registrable(&body) {
                return error(400, 50035, &format!("Invalid Form Body: {why}"));
            }
            let mut registered = body.clone();
            if let Some(list) = registered.as_array_mut() {
                for c in list.iter_mut() {
                    c["id"] = json!("1");
                    c["application_id"] = json!(APP_ID.to_string());
                    c["version"] = json!("1");
                    c["type"] = c.get("type").cloned().unwrap_or(json!(1));
                }
            }
            w.commands = Some((scope.to_string(), body));
            ok(registered)
        }
        ("GET", ["channels", c]) => match c.parse::<u64>().ok().and_then(|c| w.channels.get(&c)) {
            Some(ch) => ok(ch.clone()),
            None => error(404, 10003, "Unknown Channel"),
        },
        ("POST", ["channels", c, "messages"]) => {
            let Some(channel) = c.parse::<u64>().ok().filter(|c| w.channels.contains_key(c)) else {
                return error(404, 10003, "Unknown Channel");
            };
            if w.bot_permissions & SEND_MESSAGES == 0 {
                return error(403, 50013, "Missing Permissions");
            }
            // Discord's nonce dedupe: the same nonce from the same author returns the first message.
            if body["enforce_nonce"] == json!(true)
                && let Some(existing) = w.messages.values().find(|m| {
                    is_id(&m["channel_id"], channel) && !body["nonce"].is_null() && m["nonce"] == body["nonce"]
                })
            {
                return ok(existing.clone());
            }
            let m = new_message(&mut w, channel, &body, None);
            ok(m)
        }
        ("GET", ["channels", c, "messages"]) => {
            let limit = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("limit=").and_then(|v| v.parse::<usize>().ok()))
                .unwrap_or(50);
            let mut list: Vec<Value> = w.messages.values().filter(|m| m["channel_id"] == *c).cloned().collect();
            list.reverse();
            list.truncate(limit);
            // Like Discord, message listings carry no nonce.
            for m in &mut list {
                m["nonce"] = Value::Null;
            }
            ok(json!(list))
        }
        ("PATCH", ["channels", _, "messages", m]) => match m.parse::<u64>().ok().filter(|m| w.messages.contains_key(m))
        {
            Some(id) => {
                let msg = w.messages.get_mut(&id).expect("checked");
                for key in ["content", "embeds", "components"] {
                    if !body[key].is_null() {
                        msg[key] = body[key].clone();
                    }
                }
                ok(msg.clone())
            }
            None => error(404, 10008, "Unknown Message"),
        },
        ("POST", ["channels", c, "messages", m, "threads"]) => {
            let (Ok(channel), Ok(message)) = (c.parse::<u64>(), m.parse::<u64>()) else {
                return error(404, 10003, "Unknown Channel");
            };
            if !w.messages.contains_key(&message) {
                return error(404, 10008, "Unknown Message");
            }
            if w.channels.contains_key(&message) {
                return error(400, 160004, "A thread has already been created for this message");
            }
            let name = body["name"].as_str().unwrap_or("thread").to_string();
            let thread = json!({"id": message.to_string(), "type": 11, "guild_id": GUILD.to_string(), "name": name,
                "parent_id": channel.to_string(), "owner_id": BOT_ID.to_string(), "position": 0,
                "permission_overwrites": [],
                "thread_metadata": {"archived": false, "auto_archive_duration": body["auto_archive_duration"].as_u64().unwrap_or(1440),
                                    "archive_timestamp": timestamp(), "locked": false}});
            w.channels.insert(message, thread.clone());
            ok(thread)
        }
        ("POST", ["interactions", id, _token, "callback"]) => {
            let Ok(id) = id.parse::<u64>() else { return error(404, 10062, "Unknown interaction") };
            if body["type"] == json!(9) {
                if let Err(why) = modal_allowed(&body["data"]) {
                    return error(400, 50035, &format!("Invalid Form Body: {why}"));
                }
                if w.submissions.contains(&id) {
                    return error(400, 50035, "Invalid Form Body: a modal submit cannot be answered with a modal");
                }
            }
            w.callbacks.entry(id).or_default().push((Instant::now(), body.clone()));
            // An answer in a message (type 4) is a message people can click on, as in Discord: kept
            // apart from the channel's posts so that counting posts is not changed by answers.
            if body["type"] == json!(4)
                && let Some(channel) = w.tokens.values().find(|(i, _)| *i == id).map(|(_, c)| *c)
            {
                let m = new_message(&mut w, channel, &body["data"], None);
                let message = m["id"].as_str().and_then(|s| s.parse::<u64>().ok()).unwrap_or_default();
                w.messages.remove(&message);
                w.replies.insert(id, m);
            }
            StatusCode::NO_CONTENT.into_response()
        }
        ("POST", ["webhooks", _app, token]) => {
            let Some((interaction, channel)) = w.tokens.get(*token).copied() else {
                return error(404, 10015, "Unknown Webhook");
            };
            let m = new_message(&mut w, channel, &body, Some(interaction));
            ok(m)
        }
        ("PATCH", ["webhooks", _app, token, "messages", "@original"]) => {
            let Some((interaction, channel)) = w.tokens.get(*token).copied() else {
                return error(404, 10015, "Unknown Webhook");
            };
            let m = new_message(&mut w, channel, &body, Some(interaction));
            ok(m)
        }
        _ => error(404, 0, "404: Not Found"),
    }
}

/// Discord's limits on a modal (interaction callback type 9): a custom id of at most 100
/// characters, a title of at most 45, one to five action rows each holding one text input (type 4)
/// with a custom id, a label of at most 45 characters, a style of 1 (short) or 2 (paragraph), a
/// placeholder of at most 100, a maximum length from 1 to 4,000 and a value no longer than it.
fn modal_allowed(data: &Value) -> Result<(), String> {
    let text = |v: &Value| v.as_str().map(|s| s.chars().count());
    match text(&data["custom_id"]) {
        Some(1..=100) => {}
        _ => return Err("data.custom_id: must be 1 to 100 characters".to_string()),
    }
    match text(&data["title"]) {
        Some(1..=45) => {}
        _ => return Err("data.title: must be 1 to 45 characters".to_string()),
    }
    let rows = data["components"].as_array().map(Vec::as_slice).unwrap_or_default();
    if !(1..=5).contains(&rows.len()) {
        return Err(format!("data.components: must have 1 to 5 rows, not {}", rows.len()));
    }
    for (i, row) in rows.iter().enumerate() {
        let inputs = row["components"].as_array().map(Vec::as_slice).unwrap_or_default();
        let [input] = inputs else { return Err(format!("data.components.{i}: a row holds exactly one text input")) };
        if input["type"] != json!(4) {
            return Err(format!("data.components.{i}.components.0.type: must be a text input (4)"));
        }
        if !matches!(text(&input["custom_id"]), Some(1..=100)) {
            return Err(format!("data.components.{i}.components.0.custom_id: must be 1 to 100 characters"));
        }
        if !matches!(text(&input["label"]), Some(1..=45)) {
            return Err(format!("data.components.{i}.components.0.label: must be 1 to 45 characters"));
        }
        if !matches!(input["style"].as_u64(), Some(1 | 2)) {
            return Err(format!("data.components.{i}.components.0.style: must be 1 or 2"));
        }
        if input.get("placeholder").is_some_and(|p| !p.is_null())
            && !matches!(text(&input["placeholder"]), Some(0..=100))
        {
            return Err(format!("data.components.{i}.components.0.placeholder: at most 100 characters"));
        }
        if let Some(max) = input.get("max_length").filter(|m| !m.is_null())
            && !matches!(max.as_u64(), Some(1..=4000))
        {
            return Err(format!("data.components.{i}.components.0.max_length: must be 1 to 4000"));
        }
        let max = input["max_length"].as_u64().unwrap_or(4000) as usize;
        if input.get("value").is_some_and(|v| !v.is_null()) && !matches!(text(&input["value"]), Some(n) if n <= max) {
            return Err(format!("data.components.{i}.components.0.value: at most max_length ({max}) characters"));
        }
    }
    Ok(())
}

/// A multipart body as Discord takes files: the JSON in `payload_json`, each file in its own
/// part. The files come back under `_files` (name and text) beside the JSON.
fn multipart(body: &[u8], boundary: &str) -> Value {
    let text = String::from_utf8_lossy(body);
    let mut payload = Value::Null;
    let mut files = Vec::new();
    for part in text.split(&format!("--{boundary}")) {
        let Some((head, content)) = part.split_once("\r\n\r\n") else { continue };
        let content = content.strip_suffix("\r\n").unwrap_or(content);
        let name = head.split("name=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or("");
        let filename = head.split("filename=\"").nth(1).and_then(|r| r.split('"').next());
        match filename {
            Some(f) => files.push(json!({"name": f, "content": content})),
            None if name == "payload_json" => payload = serde_json::from_str(content).unwrap_or(Value::Null),
            None => {}
        }
    }
    if payload.is_null() {
        payload = json!({});
    }
    // An interaction callback carries its message under `data`.
    let target = if payload.get("data").is_some_and(Value::is_object) { &mut payload["data"] } else { &mut payload };
    target["_files"] = json!(files);
    payload
}

fn new_message(w: &mut World, channel: u64, body: &Value, interaction: Option<u64>) -> Value {
    let id = w.id();
    let files = body["_files"].as_array().cloned().unwrap_or_default();
    let attachments: Vec<Value> = files
        .iter()
        .enumerate()
        .map(|(n, f)| {
            let name = f["name"].as_str().unwrap_or("file");
            let url = format!("https://cdn.example/attachments/{id}/{n}/{name}");
            json!({"id": (id + 1 + n as u64).to_string(), "filename": name,
                   "size": f["content"].as_str().map_or(0, str::len), "url": url, "proxy_url": url})
        })
        .collect();
    let m = json!({
        "id": id.to_string(), "channel_id": channel.to_string(), "guild_id": GUILD.to_string(),
        "author": user_json(BOT_ID, "arbot", true), "content": body["content"].as_str().unwrap_or(""),
        "timestamp": timestamp(), "edited_timestamp": null, "tts": false, "mention_everyone": false,
        "mentions": [], "mention_roles": [], "attachments": attachments, "_files": files,
        "embeds": body.get("embeds").cloned().filter(|e| !e.is_null()).unwrap_or(json!([])),
        "components": body.get("components").cloned().filter(|c| !c.is_null()).unwrap_or(json!([])),
        "allowed_mentions": body.get("allowed_mentions").cloned().unwrap_or(Value::Null),
        "pinned": false, "type": 0, "nonce": body.get("nonce").cloned().unwrap_or(Value::Null),
        "flags": body["flags"].as_u64().unwrap_or(0),
        "interaction_id": interaction.map(|i| i.to_string()),
        "webhook_id": interaction.map(|_| APP_ID.to_string()),
    });
    w.messages.insert(id, m.clone());
    m
}

async fn gateway_session(stream: tokio::net::TcpStream, shared: Arc<Shared>) {
    let Ok(ws) = tokio_tungstenite::accept_async(stream).await else { return };
    let (mut tx, mut rx) = ws.split();
    // Discord says ~41 s; a short interval makes heartbeats (and their ACKs) happen within a test.
    let hello = json!({"op": 10, "d": {"heartbeat_interval": 500}});
    if tx.send(WsMessage::Text(hello.to_string())).await.is_err() {
        return;
    }
    // IDENTIFY (or RESUME, answered by asking for a fresh IDENTIFY).
    loop {
        let Some(Ok(frame)) = rx.next().await else { return };
        let WsMessage::Text(text) = frame else { continue };
        let Ok(v) = serde_json::from_str::<Value>(&text) else { continue };
        match v["op"].as_u64() {
            Some(2) => {
                let token = v["d"]["token"].as_str().unwrap_or("");
                if token.trim_start_matches("Bot ") != TOKEN {
                    let close = tokio_tungstenite::tungstenite::protocol::CloseFrame {
                        code: tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode::from(4004),
                        reason: "Authentication failed.".into(),
                    };
                    let _ = tx.send(WsMessage::Close(Some(close))).await;
                    return;
                }
                break;
            }
            Some(6) => {
                let _ = tx.send(WsMessage::Text(json!({"op": 9, "d": false}).to_string())).await;
            }
            Some(1) => {
                let _ = tx.send(WsMessage::Text(json!({"op": 11}).to_string())).await;
            }
            _ => {}
        }
    }
    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<(String, Value)>();
    let seq = {
        let mut w = shared.world.lock().unwrap_or_else(|p| p.into_inner());
        w.identifies += 1;
        w.seq += 1;
        w.seq
    };
    let ready = json!({"op": 0, "s": seq, "t": "READY", "d": {
        "v": 10, "user": user_json(BOT_ID, "arbot", true), "guilds": [{"id": GUILD.to_string(), "unavailable": true}],
        "session_id": format!("session-{seq}"), "resume_gateway_url": shared.gateway_url, "shard": [0, 1],
        "application": {"id": APP_ID.to_string(), "flags": 0}}});
    if tx.send(WsMessage::Text(ready.to_string())).await.is_err() {
        return;
    }
    shared.sessions.lock().unwrap_or_else(|p| p.into_inner()).push(out_tx);
    loop {
        tokio::select! {
            frame = rx.next() => {
                match frame {
                    Some(Ok(WsMessage::Text(text))) => {
                        if let Ok(v) = serde_json::from_str::<Value>(&text)
                            && v["op"].as_u64() == Some(1)
                        {
                            shared.world.lock().unwrap_or_else(|p| p.into_inner()).heartbeats += 1;
                            if tx.send(WsMessage::Text(json!({"op": 11}).to_string())).await.is_err() {
                                return;
                            }
                        }
                    }
                    Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => return,
                    _ => {}
                }
            }
            event = out_rx.recv() => {
                let Some((t, d)) = event else { return };
                if t == "__close__" {
                    let close = tokio_tungstenite::tungstenite::protocol::CloseFrame {
                        code: tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode::from(4000),
                        reason: "Unknown error.".into(),
                    };
                    let _ = tx.send(WsMessage::Close(Some(close))).await;
                    return;
                }
                let seq = {
                    let mut w = shared.world.lock().unwrap_or_else(|p| p.into_inner());
                    w.seq += 1;
                    w.seq
                };
                let frame = json!({"op": 0, "s": seq, "t": t, "d": d});
                if tx.send(WsMessage::Text(frame.to_string())).await.is_err() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod registration_tests {
    use super::*;

    fn sub(name: &str, options: Value) -> Value {
        json!({"name": name, "description": "d", "type": 1, "options": options})
    }

    #[test]
    fn the_fake_refuses_a_form_discord_would_refuse() {
        let input = |id: &str| json!({"type": 1, "components": [{"type": 4, "custom_id": id, "label": "What was said", "style": 2, "max_length": 1500}]});
        let form = |title: &str, rows: usize| {
            json!({"custom_id": "note:log:1", "title": title,
            "components": (0..rows).map(|n| input(&format!("f{n}"))).collect::<Vec<_>>()})
        };
        assert_eq!(modal_allowed(&form("Call with Acme", 4)), Ok(()));
        assert!(modal_allowed(&form(&"x".repeat(46), 4)).unwrap_err().contains("title"));
        assert!(modal_allowed(&form("Call", 6)).unwrap_err().contains("1 to 5 rows"));
        assert!(modal_allowed(&form("Call", 0)).unwrap_err().contains("1 to 5 rows"));
        let mut long_label = form("Call", 1);
        long_label["components"][0]["components"][0]["label"] = json!("l".repeat(46));
        assert!(modal_allowed(&long_label).unwrap_err().contains("label"));
        let mut too_long = form("Call", 1);
        too_long["components"][0]["components"][0]["max_length"] = json!(4001);
        assert!(modal_allowed(&too_long).unwrap_err().contains("max_length"));
    }

    #[test]
    fn the_fake_refuses_what_discord_refuses() {
        let ok = json!([{"name": "ar", "description": "d", "options": [
            sub("note", json!([{"name": "customer", "description": "d", "type": 3, "required": true},
                               {"name": "invoice", "description": "d", "type": 3}]))]}]);
        assert!(registrable(&ok).is_ok());
        let order = json!([{"name": "ar", "description": "d", "options": [
            sub("note", json!([{"name": "invoice", "description": "d", "type": 3},
                               {"name": "kind", "description": "d", "type": 3, "required": true}]))]}]);
        assert!(registrable(&order).unwrap_err().contains("required options must be placed before"));
        let many: Vec<Value> = (0..26).map(|n| sub(&format!("c{n}"), json!([]))).collect();
        let too_many = json!([{"name": "ar", "description": "d", "options": many}]);
        assert!(registrable(&too_many).unwrap_err().contains("26 options or subcommands"));
        let long = "x".repeat(100);
        let wide: Vec<Value> = (0..25)
            .map(|n| {
                let opts: Vec<Value> =
                    (0..2).map(|k| json!({"name": format!("o{k}"), "description": long, "type": 3})).collect();
                json!({"name": format!("c{n}"), "description": long, "type": 1, "options": opts})
            })
            .collect();
        let too_long = json!([{"name": "ar", "description": "d", "options": wide}]);
        assert!(registrable(&too_long).unwrap_err().contains("at most 4000"));
    }
}
