//! The history store at size: 10,000 conversations, 100,000 turns and 100,000 exchanges
//! (small frames). Times what the history browser needs when it opens: `Store::open`
//! (schema check, migrations, interrupted-turn recovery), the first page of `list` (the
//! page the browser asks for), and drawing the browser pane with it at 160x45; and a
//! full-text search. Target: open + first page + drawn under 100 ms.
//!
//! `cargo bench --bench store` (release). The fixture is written with plain SQL in one
//! transaction, as the store's own writers would leave it, to keep setup quick.

use std::time::{Duration, Instant};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use rusqlite::{Connection, params};
use switchboard::llm::http::Frame;
use switchboard::store::{DB_FILE, Store, encode_frames};
use switchboard::tui::pane::history::{Browser, PAGE, Row, StoreStatus, render};
use switchboard::tui::theme::Theme;

const CONVERSATIONS: usize = 10_000;
const TURNS_PER: usize = 10;
const WORDS: &[&str] = &[
    "stream",
    "token",
    "latency",
    "model",
    "price",
    "cache",
    "reasoning",
    "answer",
    "request",
    "provider",
    "gateway",
    "protocol",
    "frame",
    "usage",
    "budget",
    "compare",
    "lane",
    "rust",
    "sqlite",
    "terminal",
    "inspector",
    "history",
    "search",
    "window",
    "context",
    "prompt",
    "system",
    "tool",
    "call",
    "json",
    "schema",
    "retry",
    "timeout",
    "header",
    "decode",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn words(&mut self, n: usize) -> String {
        let mut s = String::new();
        for i in 0..n {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(WORDS[(self.next() % WORDS.len() as u64) as usize]);
        }
        s
    }
}

fn build(dir: &std::path::Path) -> rusqlite::Result<()> {
    drop(Store::open(dir).map_err(|e| rusqlite::Error::InvalidPath(e.to_string().into()))?);
    let mut conn = Connection::open(dir.join(DB_FILE))?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    let tx = conn.transaction()?;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let frames: Vec<Frame> = (0..20)
        .map(|i| Frame {
            offset_us: i * 4000,
            event: None,
            data: format!(r#"{{"choices":[{{"delta":{{"content":"tok{i} "}}}}]}}"#),
        })
        .collect();
    let blob = encode_frames(&frames, usize::MAX).data;
    let request = serde_json::json!({
        "method": "POST", "url": "https://api.example/v1/chat/completions",
        "headers": [{"name": "Authorization", "value": "Bearer sk-e…7f3a", "secret": true}],
        "body": {"model": "m", "messages": [{"role": "user", "content": "x".repeat(300)}]},
    })
    .to_string();
    {
        let mut conv = tx.prepare(
            "INSERT INTO conversations (id, title, created_ms, updated_ms, models, params)
             VALUES (?1, ?2, ?3, ?3, '[\"demo/demo-fast\"]', '{}')",
        )?;
        let mut turn = tx.prepare(
            "INSERT INTO turns (id, conversation_id, position, model, prompt, answer, status,
                 created_ms, updated_ms)
             VALUES (?1, ?2, ?3, 'demo/demo-fast', ?4, ?5, 'done', ?6, ?6)",
        )?;
        let mut ex = tx.prepare(
            "INSERT INTO exchanges (id, turn_id, source, model, method, url, request, status,
                 input_tokens, output_tokens, usage, cost, cost_currency, started_ms, ttft_us,
                 total_us, frame_count, created_ms)
             VALUES (?1, ?1, 'ask', 'demo/demo-fast', 'POST', 'https://api.example/v1', ?2, 200,
                 120, 80, '{\"input\":120,\"output\":80}', '0.000123', 'USD', ?3, 20000, 900000,
                 20, ?3)",
        )?;
        let mut fr = tx.prepare(
            "INSERT INTO exchange_frames (exchange_id, encoding, data) VALUES (?1, 1, ?2)",
        )?;
        let mut id = 0i64;
        for c in 0..CONVERSATIONS as i64 {
            let t0 = 1_700_000_000_000 + c * 60_000;
            let first = rng.words(8);
            conv.execute(params![c + 1, first, t0])?;
            for p in 0..TURNS_PER as i64 {
                id += 1;
                let prompt = if p == 0 { first.clone() } else { rng.words(12) };
                let mut answer = rng.words(60);
                if id % 100 == 0 {
                    answer.push_str(" lighthouse");
                }
                turn.execute(params![id, c + 1, p, prompt, answer, t0 + p])?;
                ex.execute(params![id, request, t0 + p])?;
                fr.execute(params![id, blob])?;
            }
        }
    }
    tx.commit()?;
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let dir = std::env::temp_dir().join(format!("switchboard-bench-store-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let t = Instant::now();
    if let Err(e) = build(&dir) {
        eprintln!("fixture: {e}");
        std::process::exit(1);
    }
    let size = std::fs::metadata(dir.join(DB_FILE))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "fixture: {CONVERSATIONS} conversations, {} turns, {} exchanges, {:.1} MB, built in {:.1} s",
        CONVERSATIONS * TURNS_PER,
        CONVERSATIONS * TURNS_PER,
        size as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let mut opens = Vec::new();
    let mut pages = Vec::new();
    let mut searches = Vec::new();
    let mut common = Vec::new();
    let mut draws = Vec::new();
    let theme = Theme::dark();
    let status = StoreStatus::On(dir.join(DB_FILE));
    for run in 0..7 {
        let t = Instant::now();
        let store = match Store::open(&dir) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("open: {e}");
                std::process::exit(1);
            }
        };
        let open = t.elapsed();
        let t = Instant::now();
        let page = store.list(PAGE, 0).unwrap_or_default();
        let first_page = t.elapsed();
        let t = Instant::now();
        let browser = Browser {
            rows: page.iter().cloned().map(Row::Entry).collect(),
            now_ms: switchboard::store::now_ms(),
            ..Browser::default()
        };
        let area = Rect::new(0, 0, 160, 45);
        let mut buf = Buffer::empty(area);
        render(&status, &browser, &theme, area, &mut buf);
        draws.push(t.elapsed());
        if run == 0 {
            let text: String = (0..area.width).map(|x| buf[(x, 3)].symbol()).collect();
            println!("browser row 2: {}", text.trim_end());
        }
        let t = Instant::now();
        let hits = store.search("lighthouse", 50).unwrap_or_default();
        let search = t.elapsed();
        let t = Instant::now();
        let many = store.search("sqlite lat", 50).unwrap_or_default();
        common.push(t.elapsed());
        if run == 0 {
            println!(
                "first run: open {} + first page ({} rows, {} tokens out on the top row) {} = {}; search ({} hits) {}; a word in every turn ({} hits) {}",
                ms(open),
                page.len(),
                page.first().map_or(0, |e| e.output_tokens),
                ms(first_page),
                ms(open + first_page),
                hits.len(),
                ms(search),
                many.len(),
                ms(common[0])
            );
        }
        opens.push(open);
        pages.push(first_page);
        searches.push(search);
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (o, p, s) = (
        median(&mut opens),
        median(&mut pages),
        median(&mut searches),
    );
    let c = median(&mut common);
    let d = median(&mut draws);
    println!(
        "median of 7: open {} · first page ({PAGE} entries) {} · browser drawn {} · open + \
         first page + drawn {} (target < 100 ms) · search for a word in 1% of turns {} · \
         for words in nearly every turn {}",
        ms(o),
        ms(p),
        ms(d),
        ms(o + p + d),
        ms(s),
        ms(c)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
