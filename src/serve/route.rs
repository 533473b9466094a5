//! Scenario routing in the server: the pure decision of [`crate::routing`] over the parsed
//! body, the exact token count off the async threads when the long-context rule asks for
//! one, the tag removed from the body, and the message for a name no route serves.

use super::body::JsonBody;
use super::config::Snapshot;
use super::protocol::ClientApi;
use crate::names::shown;
use std::sync::LazyLock;

use crate::routing::{self, CountCache, Family, Outcome, Probe, Protocol, Route};

/// Token counts of the conversations near the long-context threshold, shared by every
/// request (and every reload: counts depend on the text only).
static COUNTS: LazyLock<CountCache> = LazyLock::new(CountCache::default);

impl routing::Body for JsonBody {
    fn field(&self, key: &str) -> Option<&[u8]> {
        self.raw(key)
    }
    fn bytes(&self) -> &[u8] {
        JsonBody::bytes(self)
    }
}

/// A request routed to an alias.
pub struct Routed {
    /// The alias (a tag may name a `model_group_alias` name: followed here).
    pub alias: String,
    pub route: Route,
    /// The body to forward (a subagent tag removed).
    pub body: JsonBody,
}

/// What routing makes of a request.
pub enum Step {
    /// Routing does not apply (no `routing` section, a served name, a name the table does
    /// not cover): serve the name as the client wrote it.
    AsNamed(JsonBody),
    Routed(Routed),
    /// 404: the message says why nothing serves it.
    Refused(String),
}

fn protocol(api: ClientApi) -> Protocol {
    match api {
        ClientApi::Chat => Protocol::Chat,
        ClientApi::Responses => Protocol::Responses,
        ClientApi::Messages | ClientApi::CountTokens => Protocol::Messages,
    }
}

/// Route the request for `name` by `snap`'s routing table.
pub async fn route(snap: &Snapshot, api: ClientApi, body: JsonBody, name: &str) -> Step {
    let Some(table) = snap.routing.clone() else {
        return Step::AsNamed(body);
    };
    let protocol = protocol(api);
    let served = |n: &str| snap.resolve(n).is_some();
    let mut outcome = routing::decide(&table, &Probe::new(protocol, &body, name), served, None);
    if outcome == Outcome::NeedCount {
        // Near the threshold: count with the local tokenizer (milliseconds per thousand
        // tokens) on a blocking thread.
        let (b, n) = (body.clone(), name.to_string());
        let counted = tokio::task::spawn_blocking(move || {
            Probe::new(protocol, &b, &n).count_tokens_cached(&COUNTS)
        })
        .await;
        let count = counted.unwrap_or_else(|_| Probe::new(protocol, &body, name).estimate().tokens);
        outcome = routing::decide(
            &table,
            &Probe::new(protocol, &body, name),
            served,
            Some(count),
        );
    }
    match outcome {
        Outcome::Explicit | Outcome::NotCovered | Outcome::NeedCount => Step::AsNamed(body),
        Outcome::Routed(d) => {
            let alias = snap.resolve(&d.alias).unwrap_or(&d.alias).to_string();
            tracing::debug!(requested = %shown(name), route = d.route.name(), %alias, "routed");
            let body = match &d.edit {
                Some(e) => body.with_field(e.key, &e.raw),
                None => body,
            };
            Step::Routed(Routed {
                alias,
                route: d.route,
                body,
            })
        }
        Outcome::Unrouted { family } => Step::Refused(unrouted(name, family)),
        Outcome::UnknownTag { name: tag } => {
            let close = snap.closest(&tag);
            let hint = match close.first() {
                Some(c) => format!("; did you mean `{c}`?"),
                None => format!("; served: {}", snap.listed_names().join(", ")),
            };
            Step::Refused(format!(
                "the subagent tag at the start of the system prompt names `{}`, which this gateway does not serve{hint}",
                shown(&tag)
            ))
        }
    }
}

fn unrouted(name: &str, family: Option<Family>) -> String {
    let name = shown(name);
    match family {
        Some(f) => format!(
            "model `{name}` is a Claude {0} model, and no route serves it: set routing.families.{0} or routing.default in flowgate.yaml (or name an alias)",
            f.name()
        ),
        None => format!("model `{name}` is not served by this gateway and no route serves it"),
    }
}
