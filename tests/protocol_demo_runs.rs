//! The demo server over each wire protocol, through the workbench and the runner: the same
//! answer (text, reasoning, usage) over all four, streamed or not, and every fault in each
//! protocol's own form.

use std::time::Duration;

use serde_json::Value;
use switchboard::config::Config;
use switchboard::llm::chat::ChatRequest;
use switchboard::llm::error::ProviderError;
use switchboard::llm::event::{StopReason, StreamEvent};
use switchboard::llm::http::Exchange;
use switchboard::llm::protocol::Protocol;
use switchboard::llm::provider::ModelRef;
use switchboard::llm::run::{self, RetryPolicy, RunOptions, Update};
use switchboard::workbench::Workbench;
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;

/// How long anything expected may take; only reached when a test fails.
const PATIENCE: Duration = Duration::from_secs(10);

const NEW_PROTOCOLS: [Protocol; 3] = [
    Protocol::Anthropic,
    Protocol::OpenAiResponses,
    Protocol::Gemini,
];

#[derive(Debug, Default)]
struct Got {
    events: Vec<StreamEvent>,
}

impl Got {
    fn text(&self) -> String {
        self.events
            .iter()
            .filter_map(|e| match e {
                StreamEvent::TextDelta { text } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }
}

async fn demo_run(
    bench: &Workbench,
    model: &str,
    protocol: Protocol,
    stream: bool,
) -> (Exchange, Got) {
    let mut chat = ChatRequest::new("", "Why does streaming need an end marker?");
    chat.stream = stream;
    let model = ModelRef::parse(&format!("demo/{model}")).unwrap();
    let prepared = bench
        .prepare_with(&model, &chat, Some(protocol))
        .await
        .unwrap();
    assert_eq!(prepared.protocol, protocol);
    let mut got = Got::default();
    let mut on = |u: Update<'_>| {
        if let Update::Event(e) = u {
            got.events.push(e.clone());
        }
    };
    let o = RunOptions {
        retry: RetryPolicy::NONE,
        ..prepared.options.clone()
    };
    let ex = timeout(
        PATIENCE * 2,
        run::run(
            &bench.client,
            &prepared.request,
            protocol,
            &o,
            &CancellationToken::new(),
            &mut on,
        ),
    )
    .await
    .expect("run returns in time");
    (ex, got)
}

#[tokio::test]
async fn the_demo_gives_the_same_answer_over_every_protocol() {
    let bench = Workbench::new(Config::default()).unwrap();
    for stream in [true, false] {
        let mut answers = Vec::new();
        for protocol in Protocol::ALL {
            let (ex, got) =
                demo_run(&bench, "demo-reasoner+delay=0+ttft=0", protocol, stream).await;
            assert_eq!(ex.error, None, "{protocol} stream={stream}");
            assert_eq!(ex.stop_reason, Some(StopReason::Stop), "{protocol}");
            let reasoning: String = got
                .events
                .iter()
                .filter_map(|e| match e {
                    StreamEvent::ReasoningDelta { text } => Some(text.as_str()),
                    _ => None,
                })
                .collect();
            assert!(
                !reasoning.is_empty(),
                "{protocol}: reasoning in the protocol's form"
            );
            let u = ex.usage.clone().expect("usage");
            assert!(u.input > 0 && u.output > 0, "{protocol}");
            answers.push((protocol, got.text(), reasoning, u.input, u.output));
        }
        for a in &answers[1..] {
            assert_eq!(
                a.1, answers[0].1,
                "{} vs {} (stream={stream})",
                a.0, answers[0].0
            );
            assert_eq!(a.2, answers[0].2, "{}", a.0);
            assert_eq!((a.3, a.4), (answers[0].3, answers[0].4), "{}", a.0);
        }
    }
}

#[tokio::test]
async fn demo_faults_in_each_protocols_form() {
    let bench = Workbench::new(Config::default()).unwrap();
    for protocol in Protocol::ALL {
        let (ex, _) = demo_run(&bench, "demo-fast+429", protocol, true).await;
        assert!(
            matches!(
                ex.error,
                Some(ProviderError::Http {
                    status: 429,
                    retry_after_secs: Some(2),
                    ..
                })
            ),
            "{protocol}: {:?}",
            ex.error
        );
        let (ex, _) = demo_run(&bench, "demo-fast+402", protocol, true).await;
        assert!(
            matches!(ex.error, Some(ProviderError::Http { status: 402, .. })),
            "{protocol}"
        );
        let (ex, got) = demo_run(&bench, "demo-fast+error+delay=0", protocol, true).await;
        assert!(
            matches!(ex.error, Some(ProviderError::Stream { .. })),
            "{protocol}: {:?}",
            ex.error
        );
        assert!(!got.text().is_empty(), "{protocol}: the first half is kept");
        let (ex, _) = demo_run(&bench, "demo-fast+drop+delay=0", protocol, true).await;
        assert!(
            matches!(ex.error, Some(ProviderError::Transport { .. })),
            "{protocol}: {:?}",
            ex.error
        );
        let (ex, _) = demo_run(&bench, "demo-fast+malformed+delay=0", protocol, true).await;
        assert_eq!(ex.error, None, "{protocol}");
        assert_eq!(
            ex.decode_errors.len(),
            1,
            "{protocol}: {:?}",
            ex.decode_errors
        );
    }
    for protocol in NEW_PROTOCOLS {
        let (ex, _) = demo_run(&bench, "nope", protocol, true).await;
        let Some(ProviderError::Http {
            status: 404, body, ..
        }) = ex.error
        else {
            panic!("{protocol}: {:?}", ex.error);
        };
        // The error comes in the protocol's own envelope.
        let v: Value = serde_json::from_str(&body).unwrap();
        match protocol {
            Protocol::Anthropic => assert_eq!(v["error"]["type"], "not_found_error"),
            Protocol::Gemini => assert_eq!(v["error"]["status"], "NOT_FOUND"),
            _ => assert_eq!(v["error"]["code"], "model_not_found"),
        }
    }
}
