use super::*;
use crate::llm::error::ProviderError;
use crate::llm::event::StopReason;
use crate::llm::http::HttpRequest;
use crate::llm::money::Currency;
use crate::llm::usage::Usage;
use rust_decimal::Decimal;

fn frame(offset_us: u64, event: Option<&str>, data: &str) -> Frame {
    Frame {
        offset_us,
        event: event.map(str::to_string),
        data: data.into(),
    }
}

fn chat_frames() -> Vec<Frame> {
    vec![
        frame(
            15_000,
            None,
            r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#,
        ),
        frame(
            16_250,
            None,
            r#"{"choices":[{"index":0,"delta":{"content":"it's \"é\"\n日本"}}]}"#,
        ),
        frame(
            17_500,
            None,
            r#"{"choices":[{"index":0,"delta":{"content":" 🎉"},"finish_reason":"stop"}]}"#,
        ),
        frame(
            18_000,
            None,
            r#"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}"#,
        ),
        frame(18_100, None, "[DONE]"),
    ]
}

fn streamed() -> (Exchange, Vec<StreamEvent>) {
    let mut req = HttpRequest::post_json(
        "http://127.0.0.1:1/v1/chat/completions",
        json!({"model": "m", "stream": true}),
    );
    req.secret_header("Authorization", "Bearer sk-fake-0123456789abcdefghijklmn");
    let mut ex = Exchange::new(req.redacted(), 1_700_000_000_000);
    ex.status = Some(200);
    ex.response_headers = vec![("content-type".into(), "text/event-stream".into())];
    ex.frames = chat_frames();
    ex.ttfb_us = Some(14_000);
    ex.ttft_us = Some(16_250);
    ex.total_us = Some(18_200);
    let mut decoder = Decoder::new(Protocol::OpenAiChat).unwrap();
    let mut events = Vec::new();
    for f in &ex.frames {
        decoder
            .frame(f.event.as_deref(), &f.data, &mut events)
            .unwrap();
    }
    ex.usage = events.iter().rev().find_map(|e| match e {
        StreamEvent::Usage { usage } => Some(usage.clone()),
        _ => None,
    });
    ex.stop_reason = Some(StopReason::Stop);
    (ex, events)
}

fn failed() -> TracedExchange {
    let mut ex = Exchange::new(
        HttpRequest::post_json("http://h/v1/messages", json!({"stream": false})),
        5,
    );
    ex.status = Some(429);
    ex.body = Some(
        r#"{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}"#.into(),
    );
    ex.error = Some(ProviderError::Http {
        status: 429,
        message: "slow down".into(),
        code: Some("rate_limit_error".into()),
        body: ex.body.clone().unwrap(),
        retry_after_secs: Some(2),
    });
    ex.decode_errors = vec!["a note".into()];
    ex.usage = Some(Usage {
        provider_cost: Some(Money::new(Decimal::new(150, 2), Currency::Credits)),
        ..Usage::default()
    });
    ex.total_us = Some(900);
    TracedExchange {
        label: Some("anthropic/claude".into()),
        protocol: None,
        exchange: ex,
        events: vec![TracedEvent {
            frame: None,
            event: StreamEvent::ProviderError {
                message: "x".into(),
                code: None,
            },
        }],
        cost: Some(Money::new(Decimal::new(12, 6), Currency::Usd)),
    }
}

fn to_bytes(trace: &Trace) -> Vec<u8> {
    let mut out = Vec::new();
    write(&mut out, trace).unwrap();
    out
}

#[test]
fn events_are_tied_to_their_frames() {
    let (ex, events) = streamed();
    let t = TracedExchange::from_events(Protocol::OpenAiChat, ex, &events);
    assert_eq!(t.events.len(), events.len());
    assert!(t.events.iter().all(|e| e.frame.is_some()), "{:?}", t.events);
    let first_text = t
        .events
        .iter()
        .find(|e| matches!(&e.event, StreamEvent::TextDelta { text } if !text.is_empty()))
        .unwrap();
    assert_eq!(first_text.frame, Some(1));
    assert_eq!(t.offset_us(first_text), 16_250);
    // An event the frames do not produce (text after them) goes at the end.
    let (ex, mut events) = streamed();
    events.push(StreamEvent::ProviderError {
        message: "late".into(),
        code: None,
    });
    let t = TracedExchange::from_events(Protocol::OpenAiChat, ex, &events);
    let last = t.events.last().unwrap();
    assert_eq!(last.frame, None);
    assert_eq!(t.offset_us(last), 18_200);
}

#[test]
fn round_trip_is_exact() {
    let (ex, events) = streamed();
    let mut one = TracedExchange::from_events(Protocol::OpenAiChat, ex, &events);
    one.label = Some("demo/demo-fast".into());
    let trace = Trace {
        header: TraceHeader::now(),
        exchanges: vec![one, failed()],
    };
    let bytes = to_bytes(&trace);
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(
        !text.contains("abcdefghijklmn"),
        "the key is masked: {text}"
    );
    assert_eq!(text.lines().count(), 1 + (1 + 5 + events.len()) + (1 + 1));
    let back = read(bytes.as_slice()).unwrap();
    assert_eq!(back, trace);
    assert_eq!(to_bytes(&back), bytes, "written again, byte for byte");
    // The single-exchange writer gives the same records.
    let (ex, events) = streamed();
    let mut out = Vec::new();
    write_exchange(&mut out, Protocol::OpenAiChat, &ex, &events).unwrap();
    let single = read(out.as_slice()).unwrap();
    assert_eq!(single.exchanges[0].exchange, ex);
    assert_eq!(single.exchanges[0].events, trace.exchanges[0].events);
}

#[test]
fn records_are_greppable() {
    let (ex, events) = streamed();
    let mut out = Vec::new();
    write_exchange(&mut out, Protocol::OpenAiChat, &ex, &events).unwrap();
    let lines: Vec<Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["type"], "trace");
    assert_eq!(lines[0]["version"], 1);
    assert_eq!(lines[1]["type"], "exchange");
    assert_eq!(lines[1]["protocol"], "openai-chat");
    assert_eq!(lines[1]["status"], 200);
    assert!(lines[1].get("frames").is_none());
    assert_eq!(lines[2]["type"], "frame");
    assert_eq!(lines[2]["offset_us"], 15_000);
    assert_eq!(lines[2]["bytes"], chat_frames()[0].data.len());
    let ev = lines.iter().find(|l| l["type"] == "event").unwrap();
    assert_eq!(ev["exchange"], 0);
    assert!(ev["frame"].is_u64(), "{ev}");
}

#[test]
fn bad_files_say_which_line() {
    let err = read("".as_bytes()).unwrap_err();
    assert_eq!(err.line, None);
    let err = read("{\"type\":\"exchange\"}\n".as_bytes()).unwrap_err();
    assert_eq!(err.line, Some(1), "{err}");
    let header = serde_json::to_string(
        &json!({"type":"trace","format":FORMAT,"version":1,"created_unix_ms":0,"producer":"t"}),
    )
    .unwrap();
    let newer = header.replace("\"version\":1", "\"version\":2");
    let err = read(format!("{newer}\n").as_bytes()).unwrap_err();
    assert!(err.message.contains("newer"), "{err}");
    let orphan = format!(
        "{header}\n\n{{\"type\":\"frame\",\"exchange\":4,\"offset_us\":1,\"data\":\"x\"}}\n"
    );
    let err = read(orphan.as_bytes()).unwrap_err();
    assert_eq!(err.line, Some(3), "{err}");
    let junk = format!("{header}\nnot json\n");
    assert_eq!(read(junk.as_bytes()).unwrap_err().line, Some(2));
    // Unknown record types are skipped.
    let future = format!("{header}\n{{\"type\":\"annotation\",\"text\":\"hi\"}}\n");
    assert!(read(future.as_bytes()).unwrap().exchanges.is_empty());
}
