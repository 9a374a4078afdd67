//! Lane specs: a model, the parameters a lane overrides, and the protocol it goes over; and
//! the expansion of `-m A -m B --param temperature=0,1` into lanes.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::llm::chat::{ChatRequest, Message, ReasoningEffort, Role};
use crate::llm::protocol::Protocol;
use crate::llm::provider::ModelRef;

/// The most lanes a comparison runs at once.
pub const MAX_LANES: usize = 8;

/// One lane: the model asked, what it changes in the shared request, and the wire protocol
/// (`None`: the model's preferred route).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LaneSpec {
    /// `PROVIDER/MODEL`.
    pub model: ModelRef,
    /// Overrides as `key -> JSON`: `temperature`, `top_p`, `max_tokens`, `seed`,
    /// `reasoning_effort`, `stop` and `system` set those; any other key is an extra body
    /// field.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub params: Map<String, Value>,
    /// The wire protocol, when the lane names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Protocol>,
}

impl LaneSpec {
    /// A lane asking `model` with the shared request as it is.
    pub fn new(model: ModelRef) -> LaneSpec {
        LaneSpec {
            model,
            params: Map::new(),
            protocol: None,
        }
    }

    /// What the lane is called: the model, then what sets it apart
    /// (`demo/demo-fast · temperature=0 · anthropic`).
    pub fn label(&self) -> String {
        let mut parts = vec![self.model.to_string()];
        parts.extend(self.params.iter().map(|(k, v)| format!("{k}={}", short(v))));
        if let Some(p) = self.protocol {
            parts.push(p.name().to_string());
        }
        parts.join(" · ")
    }

    /// `chat` with this lane's overrides applied (model id, parameters, system prompt).
    pub fn apply(&self, chat: &ChatRequest) -> Result<ChatRequest, String> {
        let mut out = chat.clone();
        out.model = self.model.model.clone();
        for (key, value) in &self.params {
            set_param(&mut out, key, value).map_err(|e| format!("{}: {key}: {e}", self.label()))?;
        }
        Ok(out)
    }
}

fn short(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn set_param(chat: &mut ChatRequest, key: &str, value: &Value) -> Result<(), String> {
    let p = &mut chat.params;
    let number = || value.as_f64().ok_or("expected a number");
    let whole = || value.as_u64().ok_or("expected a whole number");
    match key {
        "temperature" => p.temperature = Some(number()?),
        "top_p" => p.top_p = Some(number()?),
        "max_tokens" => {
            p.max_tokens = Some(u32::try_from(whole()?).map_err(|_| "too large".to_string())?);
        }
        "seed" => p.seed = Some(value.as_i64().ok_or("expected a whole number")?),
        "reasoning_effort" => {
            p.reasoning_effort = Some(
                value
                    .as_str()
                    .and_then(ReasoningEffort::parse)
                    .ok_or("expected minimal, low, medium or high")?,
            );
        }
        "stop" => {
            p.stop = match value {
                Value::String(s) => vec![s.clone()],
                Value::Array(a) => a.iter().map(short).collect(),
                _ => return Err("expected text or a list of texts".into()),
            }
        }
        "system" => {
            let text = value.as_str().ok_or("expected text")?;
            chat.messages.retain(|m| m.role != Role::System);
            chat.messages.insert(0, Message::text(Role::System, text));
        }
        _ => {
            p.extra.insert(key.to_string(), value.clone());
        }
    }
    Ok(())
}

/// Parses `KEY=V1,V2,...` into the key and its values: each value is JSON, or a plain
/// string when it is not. A value that is a JSON object or array is taken whole (its
/// commas do not split it).
pub fn parse_param(text: &str) -> Result<(String, Vec<Value>), String> {
    let (key, values) = text
        .split_once('=')
        .filter(|(k, _)| !k.trim().is_empty())
        .ok_or_else(|| format!("--param {text}: expected KEY=VALUE[,VALUE...]"))?;
    let value = |v: &str| serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.into()));
    let trimmed = values.trim();
    let list: Vec<Value> = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        vec![value(trimmed)]
    } else {
        trimmed.split(',').map(|v| value(v.trim())).collect()
    };
    Ok((key.trim().to_string(), list))
}

/// Every combination of the models, the values of each parameter and the protocols, in
/// that order (models vary slowest). An empty `protocols` means each model's own route.
pub fn expand(
    models: &[ModelRef],
    params: &[(String, Vec<Value>)],
    protocols: &[Protocol],
) -> Vec<LaneSpec> {
    let mut lanes: Vec<LaneSpec> = models.iter().cloned().map(LaneSpec::new).collect();
    for (key, values) in params {
        lanes = lanes
            .into_iter()
            .flat_map(|lane| {
                values.iter().map(move |v| {
                    let mut l = lane.clone();
                    l.params.insert(key.clone(), v.clone());
                    l
                })
            })
            .collect();
    }
    if !protocols.is_empty() {
        lanes = lanes
            .into_iter()
            .flat_map(|lane| {
                protocols.iter().map(move |p| LaneSpec {
                    protocol: Some(*p),
                    ..lane.clone()
                })
            })
            .collect();
    }
    lanes
}

/// Parses `P1,P2,...` into protocols by their config names.
pub fn parse_protocols(list: &str) -> Result<Vec<Protocol>, String> {
    list.split(',')
        .map(|p| {
            Protocol::parse(p.trim()).ok_or_else(|| {
                let names: Vec<&str> = Protocol::ALL.iter().map(|p| p.name()).collect();
                format!("{}: expected one of {}", p.trim(), names.join(", "))
            })
        })
        .collect()
}

/// What sets lanes apart besides their model: the values of each parameter and the
/// protocols, as `--param` and `--protocol` give them; `lanes` expands it over models.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LanePlan {
    /// Each parameter with its values, in the order they were set.
    pub params: Vec<(String, Vec<Value>)>,
    /// The protocols (empty: each model's own route).
    pub protocols: Vec<Protocol>,
}

impl LanePlan {
    /// True when nothing varies.
    pub fn is_empty(&self) -> bool {
        self.params.is_empty() && self.protocols.is_empty()
    }

    /// The lanes of `models` under this plan (`expand`).
    pub fn lanes(&self, models: &[ModelRef]) -> Vec<LaneSpec> {
        expand(models, &self.params, &self.protocols)
    }

    /// Takes `KEY=V1,V2` (`protocol=P1,P2` for protocols): the key's values replace any
    /// it had. A value the lane could not use is refused here, before anything is sent.
    pub fn set(&mut self, text: &str) -> Result<(), String> {
        let (key, values) = parse_param(text)?;
        if key == "protocol" {
            let list = text.split_once('=').map_or("", |(_, v)| v);
            self.protocols = parse_protocols(list)?;
            return Ok(());
        }
        let mut probe = ChatRequest::new("", "");
        for v in &values {
            set_param(&mut probe, &key, v).map_err(|e| format!("{key}: {e}"))?;
        }
        match self.params.iter_mut().find(|(k, _)| *k == key) {
            Some((_, old)) => *old = values,
            None => self.params.push((key, values)),
        }
        Ok(())
    }

    /// `temperature=0,1 · protocol=openai-chat,anthropic`.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self
            .params
            .iter()
            .map(|(k, vs)| {
                let vs: Vec<String> = vs.iter().map(short).collect();
                format!("{k}={}", vs.join(","))
            })
            .collect();
        if !self.protocols.is_empty() {
            let ps: Vec<&str> = self.protocols.iter().map(|p| p.name()).collect();
            parts.push(format!("protocol={}", ps.join(",")));
        }
        parts.join(" · ")
    }
}

/// Checks the lane count: at least two, at most `MAX_LANES`.
pub fn check_count(n: usize) -> Result<(), String> {
    if n < 2 {
        return Err(format!(
            "a comparison needs at least two lanes, got {n}: name two models (-m A -m B) or \
             give a parameter two values (--param temperature=0,1)"
        ));
    }
    if n > MAX_LANES {
        return Err(format!(
            "{n} lanes: a comparison runs at most {MAX_LANES} at once"
        ));
    }
    Ok(())
}

/// The neutral name of lane `i` (`A`, `B`, ...), used in blind mode and in reports.
pub fn letter(i: usize) -> String {
    let letters = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    match letters.get(i) {
        Some(c) => char::from(*c).to_string(),
        None => format!("L{}", i + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(s: &str) -> ModelRef {
        ModelRef::parse(s).unwrap()
    }

    #[test]
    fn params_and_protocols_multiply_lanes() {
        let (k, v) = parse_param("temperature=0,1").unwrap();
        assert_eq!(
            (k.as_str(), v.clone()),
            ("temperature", vec![json!(0), json!(1)])
        );
        let lanes = expand(
            &[m("demo/demo-fast"), m("demo/demo-coder")],
            &[(k, v)],
            &[Protocol::OpenAiChat, Protocol::Anthropic],
        );
        assert_eq!(lanes.len(), 8);
        assert_eq!(
            lanes[1].label(),
            "demo/demo-fast · temperature=0 · anthropic"
        );
        assert_eq!(
            lanes[7].label(),
            "demo/demo-coder · temperature=1 · anthropic"
        );
        assert!(check_count(8).is_ok());
        assert!(check_count(9).is_err());
        assert!(check_count(1).is_err());
    }

    #[test]
    fn objects_are_not_split_and_bad_params_are_errors() {
        let (_, v) = parse_param("provider={\"sort\":\"price\",\"x\":1}").unwrap();
        assert_eq!(v, vec![json!({"sort": "price", "x": 1})]);
        assert!(parse_param("=1").is_err());
        assert!(parse_param("temperature").is_err());
        let (_, v) = parse_param("reasoning_effort=low,high").unwrap();
        assert_eq!(v, vec![json!("low"), json!("high")]);
    }

    #[test]
    fn apply_sets_typed_fields_system_and_extras() {
        let mut spec = LaneSpec::new(m("demo/demo-fast"));
        spec.params.insert("temperature".into(), json!(0.5));
        spec.params.insert("max_tokens".into(), json!(64));
        spec.params.insert("system".into(), json!("be brief"));
        spec.params
            .insert("provider".into(), json!({"sort": "price"}));
        let chat = ChatRequest::new("", "hi");
        let out = spec.apply(&chat).unwrap();
        assert_eq!(out.model, "demo-fast");
        assert_eq!(out.params.temperature, Some(0.5));
        assert_eq!(out.params.max_tokens, Some(64));
        assert_eq!(out.messages[0], Message::text(Role::System, "be brief"));
        assert_eq!(out.params.extra["provider"], json!({"sort": "price"}));
        spec.params.insert("temperature".into(), json!("hot"));
        let err = spec.apply(&chat).unwrap_err();
        assert!(err.contains("temperature: expected a number"), "{err}");
    }
}
