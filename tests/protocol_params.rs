//! Parameters mapped per protocol and model: `max_completion_tokens` and no temperature for
//! OpenAI reasoning models, the effort as a thinking budget or level, parameters the
//! catalog says a model does not take left out with a note, extra body fields merged; and
//! routing: a model goes to the protocol its provider lists for it.

use std::path::Path;

use serde_json::json;
use switchboard::config::parse;
use switchboard::llm::chat::{ChatRequest, ReasoningEffort};
use switchboard::llm::protocol::{ApiKey, Built, Endpoint, ModelTraits, Protocol, build};
use switchboard::llm::provider::{ModelRef, ProviderConfig};
use switchboard::workbench::{Prepared, Workbench};

fn endpoint(p: &ProviderConfig, protocol: Protocol) -> Endpoint {
    Endpoint {
        base_url: p.base_url_for(protocol).unwrap(),
        auth: p.auth_scheme_for(protocol),
        key: Some(ApiKey::new("sk-test-0123456789abcdefghij")),
        headers: Vec::new(),
    }
}

/// The request for `chat` in `protocol` to a provider at a test host.
fn built(protocol: Protocol, chat: &ChatRequest, traits: &ModelTraits) -> Built {
    let p = ProviderConfig::new("t", protocol, "https://h.example/v1", None);
    build(protocol, &endpoint(&p, protocol), chat, traits).unwrap()
}

#[test]
fn openai_reasoning_models_take_max_completion_tokens_and_no_temperature() {
    let mut c = ChatRequest::new("gpt-5", "hi");
    c.params.max_tokens = Some(100);
    c.params.temperature = Some(0.5);
    c.params.reasoning_effort = Some(ReasoningEffort::Low);
    let b = built(Protocol::OpenAiChat, &c, &ModelTraits::guess("gpt-5"));
    let body = b.request.body.as_ref().unwrap();
    assert_eq!(body["max_completion_tokens"], 100);
    assert!(body.get("max_tokens").is_none());
    assert!(body.get("temperature").is_none());
    assert_eq!(body["reasoning_effort"], "low");
    assert_eq!(b.notes.len(), 2, "{:?}", b.notes);
    assert!(b.notes.iter().any(|n| n.contains("max_completion_tokens")));
    assert!(
        b.notes
            .iter()
            .any(|n| n.starts_with("left out `temperature`"))
    );

    // An ordinary model keeps max_tokens and temperature, with nothing to say.
    c.model = "gpt-4o".into();
    c.params.reasoning_effort = None;
    let b = built(Protocol::OpenAiChat, &c, &ModelTraits::guess("gpt-4o"));
    let body = b.request.body.as_ref().unwrap();
    assert_eq!(
        (body["max_tokens"].as_u64(), body["temperature"].as_f64()),
        (Some(100), Some(0.5))
    );
    assert!(b.notes.is_empty());
}

#[test]
fn catalog_supported_parameters_leave_others_out_with_a_note() {
    let mut c = ChatRequest::new("some-model", "hi");
    c.params.seed = Some(7);
    c.params.temperature = Some(0.2);
    let traits = ModelTraits {
        supported_parameters: Some(vec!["temperature".into(), "max_tokens".into()]),
        ..ModelTraits::default()
    };
    for protocol in Protocol::ALL {
        let b = built(protocol, &c, &traits);
        let text = b.request.body.as_ref().unwrap().to_string();
        assert!(!text.contains("\"seed\""), "{protocol}: {text}");
        assert!(
            b.notes.iter().any(|n| n.starts_with("left out `seed`")),
            "{protocol}: {:?}",
            b.notes
        );
    }
}

#[test]
fn effort_becomes_a_thinking_budget_on_anthropic() {
    let mut c = ChatRequest::new("claude-sonnet-4-5", "hi");
    c.params.reasoning_effort = Some(ReasoningEffort::Medium);
    c.params.temperature = Some(0.7);
    c.params.seed = Some(1);
    let b = built(Protocol::Anthropic, &c, &ModelTraits::default());
    let body = b.request.body.as_ref().unwrap();
    assert_eq!(
        body["thinking"],
        json!({"type": "enabled", "budget_tokens": 4096})
    );
    assert_eq!(body["max_tokens"], 4096 + 8192);
    assert!(body.get("temperature").is_none());
    assert!(body.get("seed").is_none());
    assert!(
        b.notes
            .iter()
            .any(|n| n.starts_with("left out `temperature`")),
        "{:?}",
        b.notes
    );
    assert!(
        b.notes.iter().any(|n| n.starts_with("left out `seed`")),
        "{:?}",
        b.notes
    );
    // A small max_tokens halves the budget; too small leaves thinking off, with a note.
    c.params.max_tokens = Some(3000);
    let body = built(Protocol::Anthropic, &c, &ModelTraits::default())
        .request
        .body
        .unwrap();
    assert_eq!(body["thinking"]["budget_tokens"], 1500);
    assert_eq!(body["max_tokens"], 3000);
    c.params.max_tokens = Some(1500);
    let b = built(Protocol::Anthropic, &c, &ModelTraits::default());
    assert!(b.request.body.as_ref().unwrap().get("thinking").is_none());
    assert!(b.notes.iter().any(|n| n.starts_with("thinking left off")));
    // Not a reasoning model: the effort is left out.
    let traits = ModelTraits {
        reasoning: Some(false),
        ..ModelTraits::default()
    };
    let b = built(Protocol::Anthropic, &c, &traits);
    assert!(b.request.body.as_ref().unwrap().get("thinking").is_none());
    assert!(
        b.notes
            .iter()
            .any(|n| n.starts_with("left out `reasoning_effort`"))
    );
}

#[test]
fn effort_on_responses_and_gemini() {
    let mut c = ChatRequest::new("o4-mini", "hi");
    c.params.reasoning_effort = Some(ReasoningEffort::High);
    c.params.stop = vec!["x".into()];
    let b = built(
        Protocol::OpenAiResponses,
        &c,
        &ModelTraits::guess("o4-mini"),
    );
    let body = b.request.body.as_ref().unwrap();
    assert_eq!(
        body["reasoning"],
        json!({"effort": "high", "summary": "auto"})
    );
    assert!(b.notes.iter().any(|n| n.starts_with("left out `stop`")));

    c.model = "gemini-2.5-flash".into();
    let b = built(Protocol::Gemini, &c, &ModelTraits::default());
    assert_eq!(
        b.request.body.as_ref().unwrap()["generationConfig"]["thinkingConfig"],
        json!({"thinkingBudget": 24576, "includeThoughts": true})
    );
    c.model = "gemini-3-pro-preview".into();
    c.params.reasoning_effort = Some(ReasoningEffort::Low);
    let b = built(Protocol::Gemini, &c, &ModelTraits::default());
    assert_eq!(
        b.request.body.as_ref().unwrap()["generationConfig"]["thinkingConfig"],
        json!({"thinkingLevel": "low", "includeThoughts": true})
    );
}

#[test]
fn extra_body_fields_merge_into_every_protocol() {
    let mut c = ChatRequest::new("m", "hi");
    c.params.max_tokens = Some(10);
    c.params.extra = json!({"generationConfig": {"candidateCount": 1}, "metadata": {"user": "u1"}})
        .as_object()
        .cloned()
        .unwrap();
    for protocol in Protocol::ALL {
        let b = built(protocol, &c, &ModelTraits::default());
        let body = b.request.body.as_ref().unwrap();
        assert_eq!(body["metadata"], json!({"user": "u1"}), "{protocol}");
    }
    let b = built(Protocol::Gemini, &c, &ModelTraits::default());
    // Objects merge key by key: the builder's maxOutputTokens stays.
    assert_eq!(
        b.request.body.as_ref().unwrap()["generationConfig"],
        json!({"maxOutputTokens": 10, "candidateCount": 1})
    );
}

fn workbench(config: &str) -> Workbench {
    Workbench::new(parse(config, Path::new("test.toml")).unwrap()).unwrap()
}

async fn prepared(bench: &Workbench, model: &str, protocol: Option<Protocol>) -> Prepared {
    let chat = ChatRequest::new("", "hi");
    bench
        .prepare_with(&ModelRef::parse(model).unwrap(), &chat, protocol)
        .await
        .unwrap()
}

#[tokio::test]
async fn aisa_models_go_to_the_routes_the_catalog_lists() {
    let bench = workbench(
        "[[providers]]\nname = \"aisa\"\napi_key_cmd = \"printf aisa-0123456789abcdefghij\"\n",
    );
    // A model served only over /v1/responses is sent there.
    let p = prepared(&bench, "aisa/gpt-5.4", None).await;
    assert_eq!(p.protocol, Protocol::OpenAiResponses);
    assert_eq!(p.request.url, "https://api.aisa.one/v1/responses");
    // Claude goes to /v1/messages first, with AIsa's Bearer key; the user can pick chat.
    let p = prepared(&bench, "aisa/claude-opus-4-8", None).await;
    assert_eq!(p.request.url, "https://api.aisa.one/v1/messages");
    assert_eq!(
        p.request.header_value("authorization"),
        Some("Bearer aisa-0123456789abcdefghij")
    );
    let p = prepared(&bench, "aisa/claude-opus-4-8", Some(Protocol::OpenAiChat)).await;
    assert_eq!(p.request.url, "https://api.aisa.one/v1/chat/completions");
    let p = prepared(&bench, "aisa/gemini-3.5-flash", None).await;
    assert_eq!(
        p.request.url,
        "https://api.aisa.one/v1beta/models/gemini-3.5-flash:streamGenerateContent?alt=sse"
    );
    // A route the model does not list is refused before anything is sent.
    let chat = ChatRequest::new("", "hi");
    let model = ModelRef::parse("aisa/gpt-5.4").unwrap();
    let err = bench
        .prepare_with(&model, &chat, Some(Protocol::Gemini))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("served over openai-responses"), "{err}");
}

#[tokio::test]
async fn sandbox_keys_extras_and_local_servers() {
    let bench = workbench(
        r#"
[[providers]]
name = "clipia"
api_key_cmd = "printf clipia_test_fake-0123456789abcdef"
auth = "key"
body = { provider = { order = ["a"] } }
[providers.models."gpt-5.5"]
headers = { "X-Model-Header" = "1" }
body = { provider = { sort = "price" } }
"#,
    );
    let p = prepared(&bench, "clipia/gpt-5.5", None).await;
    assert!(p.sandbox);
    assert!(
        p.notes.iter().any(|n| n.contains("sandbox")),
        "{:?}",
        p.notes
    );
    assert_eq!(
        p.request.header_value("authorization"),
        Some("Key clipia_test_fake-0123456789abcdef")
    );
    assert_eq!(p.request.header_value("x-model-header"), Some("1"));
    assert_eq!(
        p.request.body.as_ref().unwrap()["provider"],
        json!({"order": ["a"], "sort": "price"})
    );
    // A local server is used only when named, with no key and no auth header.
    let bench = workbench("");
    assert!(bench.config.providers().iter().all(|p| p.name != "ollama"));
    let p = prepared(&bench, "ollama/llama3.2", None).await;
    assert_eq!(p.request.url, "http://localhost:11434/v1/chat/completions");
    assert_eq!(p.request.header_value("authorization"), None);
}
