//! Request builders: the exact JSON and headers of a representative chat in each protocol
//! and for each preset (snapshots in `tests/snapshots/`, recorded with secrets masked).
//! Parameter mapping: `protocol_params.rs`.

use serde_json::{Value, json};
use switchboard::llm::chat::{ChatRequest, Message, Params, Part, Role, ToolSpec};
use switchboard::llm::http::HttpRequest;
use switchboard::llm::protocol::{ApiKey, Endpoint, Protocol, build_request};
use switchboard::llm::provider::{ProviderConfig, local_presets, presets};

const KEY: &str = "sk-test-0123456789abcdefghij";

fn endpoint(p: &ProviderConfig, protocol: Protocol) -> Endpoint {
    Endpoint {
        base_url: p.base_url_for(protocol).unwrap(),
        auth: p.auth_scheme_for(protocol),
        key: Some(ApiKey::new(KEY)),
        headers: p
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

fn preset(name: &str) -> ProviderConfig {
    presets()
        .into_iter()
        .chain(local_presets())
        .find(|p| p.name == name)
        .unwrap()
}

/// A conversation with every kind of part: system, user, an assistant tool call, its
/// result, and a follow-up.
fn chat(model: &str) -> ChatRequest {
    let mut chat = ChatRequest::new(model, "What's the weather in Oslo?");
    chat.messages
        .insert(0, Message::text(Role::System, "You are terse."));
    chat.messages.push(Message {
        role: Role::Assistant,
        parts: vec![
            Part::Text {
                text: "Checking.".into(),
            },
            Part::ToolCall {
                id: "call_1".into(),
                name: "get_weather".into(),
                arguments: "{\"city\":\"Oslo\"}".into(),
                signature: None,
            },
        ],
    });
    chat.messages.push(Message {
        role: Role::Tool,
        parts: vec![Part::ToolResult {
            call_id: "call_1".into(),
            content: "4°C, rain".into(),
        }],
    });
    chat.messages
        .push(Message::text(Role::User, "Thanks. One line, please."));
    chat.params = Params {
        temperature: Some(0.3),
        max_tokens: Some(512),
        stop: vec!["END".into()],
        tools: vec![ToolSpec {
            name: "get_weather".into(),
            description: Some("Current weather for a city".into()),
            parameters: json!({"type": "object", "properties": {"city": {"type": "string"}},
                "required": ["city"], "additionalProperties": false}),
        }],
        ..Params::default()
    };
    chat
}

/// The request as recorded: secrets masked, body pretty.
fn shown(req: &HttpRequest) -> String {
    let red = req.redacted();
    let mut out = format!("{} {}\n", red.method, red.url);
    for h in &red.headers {
        out.push_str(&format!("{}: {}\n", h.name, h.value));
    }
    if let Some(b) = &red.body {
        out.push_str(&serde_json::to_string_pretty(b).unwrap());
        out.push('\n');
    }
    assert!(!out.contains(KEY), "the key leaked into the record:\n{out}");
    out
}

fn body(req: &HttpRequest) -> &Value {
    req.body.as_ref().unwrap()
}

#[test]
fn anthropic_messages_request() {
    let req = build_request(
        Protocol::Anthropic,
        &endpoint(&preset("anthropic"), Protocol::Anthropic),
        &chat("claude-sonnet-4-5"),
    )
    .unwrap();
    assert_eq!(req.url, "https://api.anthropic.com/v1/messages");
    assert_eq!(req.header_value("x-api-key"), Some(KEY));
    assert_eq!(req.header_value("anthropic-version"), Some("2023-06-01"));
    assert_eq!(req.header_value("authorization"), None);
    let b = body(&req);
    assert_eq!(b["system"], "You are terse.");
    assert_eq!(b["max_tokens"], 512);
    assert_eq!(b["stop_sequences"], json!(["END"]));
    assert_eq!(
        b["messages"][1],
        json!({"role": "assistant", "content": [
            {"type": "text", "text": "Checking."},
            {"type": "tool_use", "id": "call_1", "name": "get_weather", "input": {"city": "Oslo"}}
        ]})
    );
    assert_eq!(
        b["messages"][2],
        json!({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "call_1", "content": "4°C, rain"}]})
    );
    assert_eq!(b["tools"][0]["input_schema"]["required"], json!(["city"]));
    insta::assert_snapshot!("anthropic_request", shown(&req));
}

#[test]
fn openai_responses_request() {
    let req = build_request(
        Protocol::OpenAiResponses,
        &endpoint(&preset("openai"), Protocol::OpenAiResponses),
        &chat("gpt-4.1"),
    )
    .unwrap();
    assert_eq!(req.url, "https://api.openai.com/v1/responses");
    assert_eq!(
        req.header_value("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    let b = body(&req);
    assert_eq!(b["instructions"], "You are terse.");
    assert_eq!(b["max_output_tokens"], 512);
    assert_eq!(b["stream"], true);
    assert!(b.get("stop").is_none(), "Responses has no stop");
    assert_eq!(
        b["input"][2],
        json!({"type": "function_call", "call_id": "call_1", "name": "get_weather",
            "arguments": "{\"city\":\"Oslo\"}"})
    );
    assert_eq!(
        b["input"][3],
        json!({"type": "function_call_output", "call_id": "call_1", "output": "4°C, rain"})
    );
    assert_eq!(b["tools"][0]["type"], "function");
    insta::assert_snapshot!("openai_responses_request", shown(&req));
}

#[test]
fn gemini_request() {
    let req = build_request(
        Protocol::Gemini,
        &endpoint(&preset("gemini"), Protocol::Gemini),
        &chat("gemini-2.5-flash"),
    )
    .unwrap();
    assert_eq!(
        req.url,
        "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    );
    assert_eq!(req.header_value("x-goog-api-key"), Some(KEY));
    let b = body(&req);
    assert_eq!(
        b["systemInstruction"],
        json!({"parts": [{"text": "You are terse."}]})
    );
    assert_eq!(b["contents"][1]["role"], "model");
    assert_eq!(
        b["contents"][1]["parts"][1],
        json!({"functionCall": {"name": "get_weather", "args": {"city": "Oslo"}}})
    );
    assert_eq!(
        b["contents"][2]["parts"][0],
        json!({"functionResponse": {"name": "get_weather", "response": {"result": "4°C, rain"}}})
    );
    assert_eq!(
        b["generationConfig"],
        json!({"maxOutputTokens": 512, "temperature": 0.3, "stopSequences": ["END"]})
    );
    let params = &b["tools"][0]["functionDeclarations"][0]["parameters"];
    assert_eq!(params["type"], "OBJECT");
    assert!(params.get("additionalProperties").is_none());
    insta::assert_snapshot!("gemini_request", shown(&req));

    let mut unary = chat("models/gemini-2.5-flash");
    unary.stream = false;
    let req = build_request(
        Protocol::Gemini,
        &endpoint(&preset("gemini"), Protocol::Gemini),
        &unary,
    )
    .unwrap();
    assert!(
        req.url
            .ends_with("/v1beta/models/gemini-2.5-flash:generateContent")
    );
}

#[test]
fn openai_chat_request() {
    let req = build_request(
        Protocol::OpenAiChat,
        &endpoint(&preset("clipia"), Protocol::OpenAiChat),
        &chat("claude-opus-4-8"),
    )
    .unwrap();
    assert_eq!(req.url, "https://api.clipia.ai/v1/chat/completions");
    insta::assert_snapshot!("openai_chat_request", shown(&req));
}

/// Every preset, over every protocol it serves: URL and headers, keys masked.
#[test]
fn every_preset_and_route() {
    let mut out = String::new();
    for p in presets().into_iter().chain(local_presets()) {
        for protocol in p.protocols() {
            let mut ep = endpoint(&p, protocol);
            if p.api_key_env.is_none() {
                ep.key = None;
            }
            let req = build_request(protocol, &ep, &ChatRequest::new("m", "hi")).unwrap();
            let red = req.redacted();
            out.push_str(&format!("{} {protocol}: {}\n", p.name, red.url));
            for h in &red.headers {
                out.push_str(&format!("    {}: {}\n", h.name, h.value));
            }
            assert!(!format!("{red:?}").contains(KEY), "{}", p.name);
        }
    }
    insta::assert_snapshot!("presets", out);
}

#[test]
fn clipia_auth_schemes_and_sandbox_keys() {
    let mut clipia = preset("clipia");
    for (scheme, header, value) in [
        ("key", "Authorization", format!("Key {KEY}")),
        ("x-api-key", "x-api-key", KEY.to_string()),
        ("bearer", "Authorization", format!("Bearer {KEY}")),
    ] {
        clipia.auth = Some(serde_json::from_value(json!(scheme)).unwrap());
        let req = build_request(
            Protocol::OpenAiChat,
            &endpoint(&clipia, Protocol::OpenAiChat),
            &ChatRequest::new("m", "hi"),
        )
        .unwrap();
        assert_eq!(req.header_value(header), Some(value.as_str()), "{scheme}");
        assert!(
            req.headers
                .iter()
                .find(|h| h.name == header)
                .unwrap()
                .secret
        );
    }
    let test_key = ApiKey::new("clipia_test_fake-0123456789abcdef");
    assert!(clipia.is_sandbox_key(&test_key));
    assert!(clipia.sandbox_note(&test_key).unwrap().contains("sandbox"));
    assert!(!clipia.is_sandbox_key(&ApiKey::new("clipia_live_fake-0123456789abcdef")));
}

#[test]
fn provider_headers_and_an_anthropic_version_override() {
    let mut p = preset("anthropic");
    p.headers
        .insert("anthropic-version".into(), "2026-10-21".into());
    p.headers.insert("anthropic-beta".into(), "b1".into());
    let req = build_request(
        Protocol::Anthropic,
        &endpoint(&p, Protocol::Anthropic),
        &ChatRequest::new("m", "hi"),
    )
    .unwrap();
    let versions: Vec<&str> = req
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("anthropic-version"))
        .map(|h| h.value.as_str())
        .collect();
    assert_eq!(versions, vec!["2026-10-21"]);
    assert_eq!(req.header_value("anthropic-beta"), Some("b1"));
}
