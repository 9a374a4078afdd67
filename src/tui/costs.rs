//! Money before and after sending: the estimate of the next request (its prompt tokens, the
//! most it can cost, the context it fills), the run's budget per currency (a warning at
//! 80%, a question before a request that could pass it), and, for providers with account
//! endpoints, the key's balance and the exact cost of each finished request.
//!
//! The estimate is made in a task (`Effect::Estimate`): tiktoken's tables are loaded there,
//! the first time a prompt is typed for an OpenAI-family model, never at start. It is made
//! again only when the text, model or conversation changed, and at most every
//! `ESTIMATE_EVERY` (a `Effect::Wake` brings the loop back for the last keystrokes).

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::time::{Duration, Instant};

use super::action::Action;
use super::conversation::{build_chat, start_turn};
use super::effect::Effect;
use super::msg::{Msg, TurnId};
use super::state::{Overlay, State};
use crate::llm::account::KeyInfo;
use crate::llm::catalog::ModelInfo;
use crate::llm::chat::ChatRequest;
use crate::llm::http::Exchange;
use crate::llm::money::{Budget, BudgetStatus, CreditRate, Currency, Money, max_cost};
use crate::llm::provider::ModelRef;
use crate::llm::tokens::{PromptEstimate, estimate_prompt_for};

/// The shortest time between two estimates while typing.
pub const ESTIMATE_EVERY: Duration = Duration::from_millis(100);

/// A count still running after this long is taken as lost.
const LOST_AFTER: Duration = Duration::from_secs(5);

/// Where the output bound of the "at most" cost came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxFrom {
    /// `/max N` (the request's `max_tokens`).
    Setting,
    /// The catalog's max output for the model (no `max_tokens` is set).
    Catalog,
}

/// The most the next request can cost, and what that bound rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaxCost {
    /// The output tokens assumed, and where that figure came from; `None` when neither
    /// `max_tokens` nor the catalog gives one.
    pub output: Option<(u64, MaxFrom)>,
    /// Prompt estimate × input price + output bound × output price; `None` when the price
    /// or the output bound is unknown.
    pub cost: Option<Money>,
}

/// The "at most" rule: `prompt` tokens at the input price plus the output bound (the
/// request's `max_tokens`, else the catalog's max output for the model) at the output price.
pub fn max_cost_for(prompt: u64, max_tokens: Option<u32>, info: Option<&ModelInfo>) -> MaxCost {
    let output = match (max_tokens, info.and_then(|m| m.max_output)) {
        (Some(n), _) => Some((u64::from(n), MaxFrom::Setting)),
        (None, Some(n)) => Some((n, MaxFrom::Catalog)),
        (None, None) => None,
    };
    let price = info.and_then(|m| m.price.as_ref());
    let cost = match (output, price) {
        (Some((out, _)), Some(p)) => max_cost(prompt, out, p),
        _ => None,
    };
    MaxCost { output, cost }
}

/// The latest estimate of the next request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Estimate {
    /// The fingerprint of what was estimated (text, model, conversation).
    pub key: u64,
    /// The model it was counted for.
    pub model: ModelRef,
    /// The prompt tokens of the whole request that would be sent.
    pub prompt: PromptEstimate,
}

/// A request held until the user answers the budget question.
#[derive(Debug, Clone)]
pub struct PendingSend {
    /// The prompt (still in the composer until it is sent).
    pub prompt: String,
    /// Where it goes.
    pub model: ModelRef,
    /// The whole request.
    pub chat: ChatRequest,
    /// The question: what it could cost and which budget it could pass.
    pub reason: String,
}

/// Money state beyond the per-turn figures.
#[derive(Debug, Clone, Default)]
pub struct CostState {
    /// The run's limits, per currency (`[budget]` in the config).
    pub budget: Budget,
    /// Currencies whose 80% warning was given.
    pub warned: BTreeSet<Currency>,
    /// Credits-to-currency rates, by provider (`credit_rate` in the config).
    pub rates: BTreeMap<String, CreditRate>,
    /// Providers with account endpoints.
    pub account_providers: Vec<String>,
    /// The last `/key` answer of each such provider, or why there is none.
    pub accounts: BTreeMap<String, Result<KeyInfo, String>>,
    /// The exact cost of finished turns, from `/generation`, or why there is none.
    pub exact: BTreeMap<TurnId, Result<Money, String>>,
    /// The latest estimate.
    pub estimate: Option<Estimate>,
    /// An estimate task is running, for this fingerprint.
    pub running: Option<u64>,
    /// When the last estimate task started.
    pub started: Option<Instant>,
    /// A wake-up is on its way.
    pub wake: bool,
    /// The request waiting for the budget question's answer.
    pub pending: Option<PendingSend>,
}

/// What identifies the request the composer would send now.
pub fn fingerprint(state: &State) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    state.composer.textarea.lines().hash(&mut h);
    state.model.to_string().hash(&mut h);
    state.settings.system.hash(&mut h);
    for t in state.chat.turns.iter().filter(|t| t.in_history()) {
        t.id.hash(&mut h);
        t.version.hash(&mut h);
    }
    h.finish()
}

/// True when the meter shows the next request: text typed, nothing streaming.
pub fn composing(state: &State) -> bool {
    !state.composer.is_empty() && !state.is_streaming()
}

/// Starts an estimate when the request changed and the last one is old enough; otherwise
/// asks to be woken when it will be. Run after every message that can change the text.
pub fn settle(state: &mut State) -> Vec<Effect> {
    if !composing(state) {
        // Whatever is being counted is moot now (the prompt was sent or cleared).
        state.costs.running = None;
        return Vec::new();
    }
    let key = fingerprint(state);
    let c = &state.costs;
    let since = c.started.map(|s| state.now.saturating_duration_since(s));
    // A count that never reported (its task died) does not hold the next one up for long.
    let lost = since.is_some_and(|s| s >= LOST_AFTER);
    if c.estimate.as_ref().is_some_and(|e| e.key == key) || (c.running.is_some() && !lost) {
        return Vec::new();
    }
    if let Some(since) = since.filter(|s| *s < ESTIMATE_EVERY) {
        if c.wake {
            return Vec::new();
        }
        state.costs.wake = true;
        return vec![Effect::Wake {
            after: ESTIMATE_EVERY - since,
        }];
    }
    let chat = build_chat(state, &state.composer.text());
    state.costs.running = Some(key);
    state.costs.started = Some(state.now);
    vec![Effect::Estimate {
        key,
        model: state.model.clone(),
        chat: Box::new(chat),
    }]
}

/// An estimate arrived.
pub fn estimated(state: &mut State, key: u64, model: ModelRef, prompt: PromptEstimate) {
    if state.costs.running == Some(key) {
        state.costs.running = None;
    }
    state.costs.estimate = Some(Estimate { key, model, prompt });
}

/// The estimate of `chat` for the current model: the latest one when it is for this very
/// request, else counted now (only when a budget needs it).
fn prompt_tokens(state: &State, chat: &ChatRequest) -> u64 {
    let key = fingerprint(state);
    match &state.costs.estimate {
        Some(e) if e.key == key => e.prompt.tokens,
        _ => estimate_prompt_for(&state.model.model, chat).tokens,
    }
}

/// Before sending `chat`: `true` holds it for the budget question (the overlay is up).
/// A request whose most possible cost reaches 80% of a limit is sent with a warning.
pub fn hold_for_budget(state: &mut State, prompt: &str, chat: &ChatRequest) -> bool {
    if state.costs.budget.limits.is_empty() {
        return false;
    }
    let info = state.catalog.find(&state.model);
    let currency = info
        .and_then(|m| m.price.as_ref())
        .and_then(|p| p.currency.clone());
    let Some(currency) = currency.filter(|c| state.costs.budget.limits.contains_key(c)) else {
        return false;
    };
    let tokens = prompt_tokens(state, chat);
    let max = max_cost_for(tokens, state.settings.params.max_tokens, info);
    let spent = &state.spend.session;
    let reason = match &max.cost {
        None => format!(
            "The most this request can cost is unknown ({}), and a {currency} budget is set.",
            match max.output {
                None => "no /max is set and the catalog has no max output for the model",
                Some(_) => "the catalog's price is incomplete",
            }
        ),
        Some(cost) => match state.costs.budget.check(spent, cost) {
            BudgetStatus::Ok => return false,
            BudgetStatus::Warn80 { after, limit } => {
                state.note_error(format!(
                    "budget: after this request up to {after} of {limit} could be spent"
                ));
                return false;
            }
            BudgetStatus::WouldExceed { after, limit } => format!(
                "This request could cost up to {cost}: up to {after} spent this run, past \
                 the budget of {limit}."
            ),
        },
    };
    state.costs.pending = Some(PendingSend {
        prompt: prompt.to_string(),
        model: state.model.clone(),
        chat: chat.clone(),
        reason,
    });
    state.overlays.push(Overlay::ConfirmSend);
    true
}

/// The answer to the budget question.
pub fn answer(state: &mut State, action: Action) -> Vec<Effect> {
    if matches!(state.overlays.last(), Some(Overlay::ConfirmSend)) {
        state.overlays.pop();
    }
    let Some(p) = state.costs.pending.take() else {
        return Vec::new();
    };
    if action != Action::ConfirmSend {
        state.note("not sent · the prompt is still in the composer");
        return Vec::new();
    }
    state.composer.take();
    start_turn(state, p.prompt, p.model, p.chat)
}

/// After a turn's `Done` (before `update` folds it in): for a provider with account
/// endpoints, ask for the key's balance again and for the exact cost of the request.
pub fn on_done(state: &State, turn: TurnId, exchange: &Exchange) -> Vec<Effect> {
    let Some(t) = state.chat.turn(turn).filter(|t| t.is_streaming()) else {
        return Vec::new();
    };
    let provider = &t.model.provider;
    if !state.costs.account_providers.contains(provider) {
        return Vec::new();
    }
    let mut out = vec![Effect::LoadAccount {
        provider: provider.clone(),
        cancel: state.root.child_token(),
    }];
    if let Some(id) = crate::llm::account::generation_id(exchange) {
        out.push(Effect::FetchExact {
            turn,
            provider: provider.clone(),
            id,
            cancel: state.root.child_token(),
        });
    }
    out
}

/// After a turn's money was counted: the 80% warning, once per currency.
pub fn warn_budget(state: &mut State) {
    let mut warn = None;
    for (currency, limit) in &state.costs.budget.limits {
        if state.costs.warned.contains(currency) {
            continue;
        }
        let Some(pct) = state.costs.budget.used_pct(&state.spend.session, currency) else {
            continue;
        };
        if pct >= rust_decimal::Decimal::from(80) {
            let limit = Money::new(*limit, currency.clone());
            warn = Some((
                currency.clone(),
                format!("budget: {pct}% of {limit} spent this run"),
            ));
            break;
        }
    }
    if let Some((currency, text)) = warn {
        state.costs.warned.insert(currency);
        state.note_error(text);
    }
}

/// Folds in the messages this module owns; returns the effects they lead to. `None` for
/// any other message.
pub fn on_msg(state: &mut State, msg: &Msg) -> Option<Vec<Effect>> {
    match msg {
        Msg::Estimated { key, model, prompt } => {
            estimated(state, *key, model.clone(), *prompt);
        }
        Msg::Account { provider, result } => {
            state
                .costs
                .accounts
                .insert(provider.clone(), result.clone());
        }
        Msg::Exact { turn, result } => {
            state.costs.exact.insert(*turn, result.clone());
        }
        _ => return None,
    }
    Some(Vec::new())
}

/// Takes the budget, the credit rates and the account providers from the config, and
/// gives the catalog a wall-clock reading for the age of live prices.
pub fn configure(state: &mut State, config: &crate::config::Config) {
    state.costs.budget = config.budget.clone();
    for p in config.providers() {
        if let Some(rate) = &p.credit_rate {
            state.costs.rates.insert(p.name.clone(), rate.clone());
        }
        if p.account.is_some() {
            state.costs.account_providers.push(p.name.clone());
        }
    }
    state.catalog.clock = Some((state.now, crate::llm::catalog::cache::now_unix()));
}

/// The effects to run at start: each account provider's balance.
pub fn init(state: &State) -> Vec<Effect> {
    state
        .costs
        .account_providers
        .iter()
        .map(|p| Effect::LoadAccount {
            provider: p.clone(),
            cancel: state.root.child_token(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::money::Price;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn max_cost_uses_max_tokens_else_the_catalogs_max_output() {
        let info = ModelInfo {
            max_output: Some(128_000),
            price: Some(Price::per_mtok(Currency::Rub, d("400"), d("2400"))),
            ..ModelInfo::default()
        };
        // 1,000 prompt tokens at 400 RUB/1M = 0.4; 500 output at 2400 RUB/1M = 1.2.
        let set = max_cost_for(1_000, Some(500), Some(&info));
        assert_eq!(set.output, Some((500, MaxFrom::Setting)));
        assert_eq!(set.cost, Some(Money::new(d("1.6"), Currency::Rub)));
        // No max_tokens: 128,000 output at 2400 RUB/1M = 307.2, + 0.4.
        let cat = max_cost_for(1_000, None, Some(&info));
        assert_eq!(cat.output, Some((128_000, MaxFrom::Catalog)));
        assert_eq!(cat.cost, Some(Money::new(d("307.6"), Currency::Rub)));
        // Neither: the bound and so the cost are unknown, never zero.
        let bare = ModelInfo {
            max_output: None,
            ..info.clone()
        };
        assert_eq!(
            max_cost_for(1_000, None, Some(&bare)),
            MaxCost {
                output: None,
                cost: None
            }
        );
        // No price: the bound is known, the cost is not.
        let unpriced = ModelInfo {
            price: None,
            ..info
        };
        let u = max_cost_for(1_000, Some(10), Some(&unpriced));
        assert_eq!(u.output, Some((10, MaxFrom::Setting)));
        assert_eq!(u.cost, None);
    }
}
