//! The built-in text the demo models stitch their answers from: topics with keywords,
//! sentences and a summary, reasoning phrases, openers and code snippets.

/// One subject the demo models can talk about.
pub struct Topic {
    /// A short noun phrase used inside reasoning sentences ("streaming").
    pub noun: &'static str,
    /// A heading for Markdown answers.
    pub title: &'static str,
    /// Lowercase stems matched against the words of the prompt.
    pub keywords: &'static [&'static str],
    /// Sentences, each complete on its own.
    pub sentences: &'static [&'static str],
    /// A one-sentence takeaway.
    pub summary: &'static str,
    /// Which code snippet fits (index into `SNIPPETS` pairs: 0 stream, 1 cost, 2 retry).
    pub snippet: usize,
}

/// The index of the fallback topic in `TOPICS`.
pub const GENERAL: usize = 0;

/// All topics; `TOPICS[GENERAL]` is used when nothing in the prompt matches.
pub static TOPICS: [Topic; 9] = [
    Topic {
        noun: "what a local demo model can do",
        title: "About this answer",
        keywords: &[],
        sentences: &[
            "I am a demo model served by Switchboard itself on 127.0.0.1, so I cannot look things up or reason about the world the way a hosted model would.",
            "What I can do is behave exactly like a real Chat Completions endpoint: I stream tokens, report usage and cost, and misbehave on request.",
            "To get a real answer to this, add a provider key in the settings and send the same prompt to a hosted model; the comparison view will show both side by side.",
            "Everything you see here is generated deterministically from your prompt, the model name and the seed, so the same request always gives the same reply.",
            "The inspector pane shows every byte of this exchange, including the request body, each SSE frame with its arrival time, and the final usage chunk.",
            "Try the other demo models as well: one is fast and cheap, one is slow and thorough, one shows its reasoning, and one answers in Markdown with code.",
            "Because nothing leaves your machine, the demo provider is a safe place to learn the keyboard shortcuts before you spend real money.",
            "If you append a fault to the model name, such as +429 or +drop, you can watch how the client reports rate limits and broken streams.",
            "The prices of the demo models are made up but realistic, so the cost meter behaves the way it would with a real provider.",
        ],
        summary: "this is a local demo, so treat the content as a placeholder and the timing, usage and cost as the real thing.",
        snippet: 0,
    },
    Topic {
        noun: "streaming",
        title: "Streaming responses",
        keywords: &[
            "stream",
            "sse",
            "event",
            "chunk",
            "delta",
            "realtime",
            "live",
            "frame",
            "incremental",
        ],
        sentences: &[
            "With streaming enabled, the server sends one server-sent event per token instead of waiting for the whole answer, so the first words appear almost at once.",
            "Each event is a line starting with data: followed by a JSON chunk, and a blank line ends the event.",
            "The first chunk usually carries only the assistant role and an empty content string, and the text arrives in the delta of the chunks that follow.",
            "The finish reason comes in its own chunk with an empty delta, and the stream ends with the literal marker data: [DONE].",
            "Usage is only reported while streaming if you ask for it with stream_options.include_usage, and then it arrives in an extra chunk whose choices list is empty.",
            "A robust client splits the byte stream into lines before decoding UTF-8, because a network read can end in the middle of a multi-byte character.",
            "If the connection closes before the [DONE] marker, the answer is incomplete, even when the text so far looks finished.",
            "Streaming does not make generation faster overall, but it cuts the perceived latency to the time to first token.",
            "An idle timeout between events is more useful than a total timeout, because a long answer can legitimately take minutes.",
        ],
        summary: "read events line by line, append each delta, and trust the answer only after the finish reason and the [DONE] marker.",
        snippet: 0,
    },
    Topic {
        noun: "model choice",
        title: "Choosing a model",
        keywords: &[
            "model",
            "choose",
            "choice",
            "pick",
            "compar",
            "benchmark",
            "best",
            "which",
            "quality",
            "eval",
            "select",
            "versus",
        ],
        sentences: &[
            "The best model is the cheapest one that reliably clears your quality bar on your own prompts, not the one at the top of a public leaderboard.",
            "Start with a handful of representative prompts and run them against two or three candidates side by side.",
            "Small models are often good enough for classification, extraction and short rewrites, and they answer in a fraction of the time.",
            "Large models earn their price on long documents, subtle instructions and multi-step problems where a small model loses the thread.",
            "Reasoning models spend extra output tokens thinking before they answer, which helps with maths and planning but costs time and money on simple questions.",
            "Look at time to first token and tokens per second separately: one decides how responsive a chat feels, the other how long a long answer takes.",
            "Context length matters only if you actually send long inputs; paying for a huge window you never fill buys nothing.",
            "Re-run the comparison when prices or model versions change, because the trade-off moves more often than people expect.",
            "A gateway can give you many models behind one key, but check that its prices and limits match the provider's own.",
        ],
        summary: "compare candidates on your own prompts and keep the cheapest one that is good enough.",
        snippet: 1,
    },
    Topic {
        noun: "cost",
        title: "What a request costs",
        keywords: &[
            "cost",
            "price",
            "pricing",
            "cheap",
            "expensive",
            "budget",
            "dollar",
            "spend",
            "bill",
            "money",
            "token",
            "usd",
            "credit",
            "afford",
        ],
        sentences: &[
            "A request costs its input tokens times the input price plus its output tokens times the output price, and output tokens are usually four to five times dearer.",
            "Prices are quoted per million tokens, so a thousand-token prompt at two dollars per million costs a fifth of a cent.",
            "Reasoning tokens are billed as output even though you never see most of them in the answer.",
            "Cached input tokens are much cheaper on providers that support prompt caching, which rewards keeping a long, stable prefix at the start of the prompt.",
            "Compute cost with decimal arithmetic rather than floating point, or small per-request amounts will drift when you add up thousands of them.",
            "The usage object in the response is the only reliable token count; estimates made before sending are useful for budgets but not for billing.",
            "A gateway may report its own cost in credits, which is worth showing next to the computed dollar figure but never adding to it.",
            "Setting a maximum number of output tokens is the simplest guard against a runaway answer blowing the budget.",
            "Long conversations get more expensive with every turn, because the whole history is sent again as input each time.",
        ],
        summary: "multiply each kind of token by its own price, add them up in decimal, and watch the output side first.",
        snippet: 1,
    },
    Topic {
        noun: "latency",
        title: "Latency and throughput",
        keywords: &[
            "latency",
            "fast",
            "slow",
            "speed",
            "ttft",
            "first",
            "throughput",
            "second",
            "wait",
            "timeout",
            "quick",
            "perf",
            "responsive",
        ],
        sentences: &[
            "Time to first token is dominated by queueing and by reading the prompt, so it grows with the length of the input.",
            "Tokens per second is a property of the model and the provider's hardware, and it varies with load during the day.",
            "For a chat, a first token within half a second feels instant, while anything beyond two seconds feels like waiting.",
            "Measure latency from the moment the request is sent, not from when the response headers arrive, or you will hide the slowest part.",
            "A total timeout should scale with the expected answer length, while an idle timeout between tokens catches a stalled stream early.",
            "Running the same prompt against several models at once is the quickest way to see their latency differences under identical conditions.",
            "Shorter prompts, smaller models and streaming all cut the time a user waits before something useful appears.",
            "Network distance matters less than you might think; most of the time is spent generating tokens, not moving bytes.",
        ],
        summary: "track time to first token and tokens per second separately, and use an idle timeout rather than a tight total one.",
        snippet: 2,
    },
    Topic {
        noun: "errors and retries",
        title: "Errors and retries",
        keywords: &[
            "error", "retry", "retries", "429", "500", "503", "rate", "limit", "fail", "outage",
            "backoff", "broken", "drop", "crash", "401", "unauthor",
        ],
        sentences: &[
            "A 429 response means you hit a rate limit; honour the Retry-After header and back off instead of hammering the endpoint.",
            "Errors before the stream starts arrive as plain JSON with an error object holding a message, a type, a parameter and a code.",
            "Once the response has started, an error can only arrive inside the stream, so a client has to check every event for an error object.",
            "Retrying is safe only before the response has begun; a stream that broke halfway may already have been billed.",
            "Exponential backoff with jitter, starting around half a second and capped at a few seconds, keeps retries from synchronising across clients.",
            "A 401 usually means a missing or mistyped key, and retrying it will never help.",
            "Server errors in the 500 range are often transient, and a single delayed retry clears most of them.",
            "A connection that closes without the final marker is a failure even if the text looks complete, and it should be shown as one.",
        ],
        summary: "retry rate limits and server errors with backoff before the stream starts, and never retry silently after it has begun.",
        snippet: 2,
    },
    Topic {
        noun: "prompt caching",
        title: "Prompt caching",
        keywords: &[
            "cache",
            "caching",
            "cached",
            "prefix",
            "reuse",
            "history",
            "conversation",
            "memory",
        ],
        sentences: &[
            "Prompt caching lets a provider reuse the work it did on an identical prefix of your prompt, which makes repeated input much cheaper and a little faster.",
            "Put the stable parts first: the system prompt, tool definitions and long reference documents, followed by the part that changes.",
            "Cached tokens are reported in prompt_tokens_details.cached_tokens and are a subset of the prompt tokens, not extra ones.",
            "Caches expire after a few minutes of inactivity, so the saving is largest in busy, multi-turn sessions.",
            "Some providers cache automatically while others need an explicit marker on the prefix you want kept.",
            "Changing a single character early in the prompt invalidates everything after it, so avoid timestamps at the top of a system prompt.",
            "In a long chat, most of each request is the history from earlier turns, which is exactly what a cache is good at.",
        ],
        summary: "keep a long, stable prefix at the start of the prompt and let the cached-token count show you the saving.",
        snippet: 1,
    },
    Topic {
        noun: "reasoning",
        title: "Reasoning models",
        keywords: &[
            "reason", "think", "thought", "chain", "step", "logic", "math", "puzzle", "plan",
            "solve", "why",
        ],
        sentences: &[
            "A reasoning model works through the problem in hidden or visible reasoning tokens before it writes the answer.",
            "Those reasoning tokens are counted in completion_tokens_details.reasoning_tokens and billed at the output price.",
            "For multi-step maths, planning and tricky logic, the extra thinking often turns a wrong answer into a right one.",
            "For simple lookups and rewrites the reasoning is wasted, so a fast non-reasoning model is the better choice.",
            "Some providers stream the reasoning as reasoning_content, which lets you watch the model think before the answer starts.",
            "A reasoning budget or effort setting trades quality for speed and cost, and it is worth tuning per task.",
            "Time to first answer token is much longer for reasoning models, because the thinking comes first.",
        ],
        summary: "use reasoning models where the problem has several steps, and pay for the thinking only where it changes the answer.",
        snippet: 1,
    },
    Topic {
        noun: "writing code",
        title: "Calling the API from code",
        keywords: &[
            "rust", "python", "code", "function", "program", "compile", "library", "api", "script",
            "sdk", "http", "request", "curl", "json", "snippet", "example",
        ],
        sentences: &[
            "The Chat Completions API is a single POST to /v1/chat/completions with a JSON body holding the model and a list of messages.",
            "Authentication is a bearer token in the Authorization header, and the key should come from the environment rather than from source code.",
            "Set stream to true and read the response body as server-sent events to show tokens as they arrive.",
            "Parse each event as JSON, take choices[0].delta.content when it is present, and skip chunks whose choices list is empty.",
            "Keep the request you send as a value you can log and replay, with the key masked, because it makes debugging much easier.",
            "Handle non-2xx statuses before touching the body as a stream, since an error reply is plain JSON rather than events.",
            "Official SDKs hide the details, but a plain HTTP client is only a few dozen lines and shows exactly what goes over the wire.",
            "Use a decimal type for prices and an integer type for token counts, and never parse money as a float.",
        ],
        summary: "one POST, a bearer key, stream: true, and a careful reader for the events is all a client needs.",
        snippet: 0,
    },
];

/// Ways to open an answer; `{q}` is the quoted question.
pub static OPENERS: [&str; 5] = [
    "You asked: \"{q}\".",
    "You asked \"{q}\", so here is what I can tell you.",
    "Good question: \"{q}\".",
    "Let me answer \"{q}\" directly.",
    "About \"{q}\": here is the short version.",
];

/// Reasoning sentences; `{q}` is the question, `{t}` a topic noun.
pub static THOUGHTS: [&str; 10] = [
    "The user is asking \"{q}\", which is mainly about {t}.",
    "First I should pin down what matters most for {t} in practice.",
    "There are a few angles here, but {t} is the one that decides the answer.",
    "Let me check whether the question is about concepts or about a concrete setup.",
    "A common mistake with {t} is to optimise the wrong number, so I should name the right one.",
    "I should keep the answer short and concrete rather than list every caveat.",
    "Maybe an example would help, but a clear rule of thumb is probably more useful here.",
    "Wait, I should also mention how {t} interacts with cost, since that is what people notice.",
    "So the structure is: state the main point, give one supporting detail, then the takeaway.",
    "That covers it; now I can write the answer.",
];

/// Code snippets: (topic snippet index, language, code). Each index has a Rust and a Python one.
pub static SNIPPETS: [(usize, &str, &str); 6] = [
    (
        0,
        "rust",
        "let resp = client\n    .post(format!(\"{base}/chat/completions\"))\n    .bearer_auth(&key)\n    .json(&serde_json::json!({\"model\": model, \"stream\": true, \"messages\": msgs}))\n    .send()\n    .await?;\nlet mut body = resp.bytes_stream();\nwhile let Some(chunk) = body.next().await {\n    print!(\"{}\", String::from_utf8_lossy(&chunk?));\n}",
    ),
    (
        0,
        "python",
        "from openai import OpenAI\n\nclient = OpenAI(base_url=base_url, api_key=key)\nstream = client.chat.completions.create(\n    model=model, messages=messages, stream=True\n)\nfor chunk in stream:\n    if chunk.choices and chunk.choices[0].delta.content:\n        print(chunk.choices[0].delta.content, end=\"\")",
    ),
    (
        1,
        "rust",
        "use rust_decimal::Decimal;\n\nfn cost(input: u64, output: u64, in_per_m: Decimal, out_per_m: Decimal) -> Decimal {\n    let m = Decimal::from(1_000_000u64);\n    Decimal::from(input) * in_per_m / m + Decimal::from(output) * out_per_m / m\n}",
    ),
    (
        1,
        "python",
        "from decimal import Decimal\n\ndef cost(usage, in_per_m: Decimal, out_per_m: Decimal) -> Decimal:\n    m = Decimal(1_000_000)\n    return (usage.prompt_tokens * in_per_m\n            + usage.completion_tokens * out_per_m) / m",
    ),
    (
        2,
        "rust",
        "let mut delay = Duration::from_millis(500);\nfor attempt in 0..4 {\n    let resp = send(&request).await?;\n    if resp.status() != 429 || attempt == 3 {\n        return Ok(resp);\n    }\n    tokio::time::sleep(retry_after(&resp).unwrap_or(delay)).await;\n    delay = (delay * 2).min(Duration::from_secs(8));\n}",
    ),
    (
        2,
        "python",
        "import time\n\ndef with_retry(send, request, attempts=4):\n    delay = 0.5\n    for attempt in range(attempts):\n        resp = send(request)\n        if resp.status_code != 429 or attempt == attempts - 1:\n            return resp\n        time.sleep(float(resp.headers.get(\"retry-after\", delay)))\n        delay = min(delay * 2, 8)",
    ),
];

/// A table of common HTTP statuses, for Markdown answers about errors and streaming.
pub static STATUS_TABLE: &str = "| Status | Meaning | Retry? |\n|---|---|---|\n| 400 | The request is malformed | No |\n| 401 | Missing or invalid key | No |\n| 429 | Rate limited; see Retry-After | Yes, after the delay |\n| 500 | Server error | Once, with backoff |";
