//! "Copy as curl" for real: the generated command, run by `sh -c` against the demo server
//! with the key in the environment, streams the same answer the runner got, over every
//! protocol, and the body (quotes, a newline, `$`, backticks, Unicode) reaches the server
//! unchanged. Skips, saying so, when `curl` is not installed.

use std::process::Command;

use switchboard::demo::DemoServer;
use switchboard::llm::chat::ChatRequest;
use switchboard::llm::curl::KeySource;
use switchboard::llm::event::StreamEvent;
use switchboard::llm::protocol::{ApiKey, Decoder, Endpoint, Protocol, build_request};
use switchboard::llm::run::{self, RunOptions, Update};
use switchboard::llm::sse::frames_of_chunks;
use tokio_util::sync::CancellationToken;

const VAR: &str = "SWITCHBOARD_CURL_TEST_KEY";
const KEY: &str = "sk-curl-test-0123456789abcdefghij";

fn text_of(events: &[StreamEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::TextDelta { text } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

fn curl_present() -> bool {
    Command::new("curl")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_copied_command_streams_the_same_answer() {
    if !curl_present() {
        println!("skipping the curl test: curl is not installed");
        return;
    }
    let demo = DemoServer::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    for protocol in Protocol::ALL {
        let endpoint = Endpoint {
            base_url: if protocol.base_has_version() {
                demo.base_url()
            } else {
                demo.root_url()
            },
            auth: protocol.default_auth(),
            key: Some(ApiKey::new(KEY)),
            headers: vec![("X-Note".into(), "it's \"quoted\" $HOME".into())],
        };
        let prompt = "Quote this: it's a \"test\"\nwith a newline, $HOME, `id`, é, 日本, 🎉";
        let request = build_request(
            protocol,
            &endpoint,
            &ChatRequest::new("demo-fast+ttft=0+delay=0+echo", prompt),
        )
        .unwrap();
        assert!(request.is_streaming(), "{protocol}");
        let opts = RunOptions::default();
        let client = run::client(&opts.timeouts).unwrap();
        let mut events = Vec::new();
        let ex = run::run(
            &client,
            &request,
            protocol,
            &opts,
            &CancellationToken::new(),
            &mut |u| {
                if let Update::Event(e) = u {
                    events.push(e.clone());
                }
            },
        )
        .await;
        assert_eq!(ex.error, None, "{protocol}");

        // From the recorded (redacted) request, as the inspector has it.
        let cmd = ex.request.to_curl(&KeySource::Env(VAR.into()));
        assert!(!cmd.contains(KEY), "{protocol}: {cmd}");
        assert!(cmd.starts_with("curl -sN "), "{protocol}: {cmd}");
        assert!(cmd.contains(&format!("${VAR}")), "{protocol}: {cmd}");
        let out = tokio::task::spawn_blocking(move || {
            Command::new("sh")
                .arg("-c")
                .arg(&cmd)
                .env(VAR, KEY)
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        assert!(
            out.status.success(),
            "{protocol}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut decoder = Decoder::new(protocol).unwrap();
        let mut got = Vec::new();
        for frame in frames_of_chunks(vec![out.stdout.clone()]).await {
            let frame = frame.unwrap();
            decoder
                .frame(frame.event.as_deref(), &frame.data, &mut got)
                .unwrap();
        }
        assert!(
            decoder.is_complete(),
            "{protocol}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(!text_of(&got).is_empty());
        assert_eq!(
            text_of(&got),
            text_of(&events),
            "{protocol}: the same answer"
        );
        // The demo echoed the prompt: quotes, newline, `$`, backticks and Unicode arrived
        // through the shell unchanged.
        assert_eq!(text_of(&got), prompt, "{protocol}");
    }
}
