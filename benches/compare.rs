//! A comparison of 8 lanes × 5,000 tokens at full speed from the demo server, through the
//! real UI loop (`tui::run_loop` on a `TestBackend` at 200x50): models marked with Space in
//! the catalog, the prompt sent, every lane streaming at once. Reports the CPU time of the
//! UI thread (client and UI; the demo server runs on a thread of its own) and of the whole
//! process, the frame times (prepare + draw + diff, measured inside the backend), and how
//! long a key pressed mid-stream takes to show. Run: `cargo bench --bench compare`.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cpu_time::{ProcessTime, ThreadTime};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use switchboard::config::parse;
use switchboard::demo::DemoServer;
use switchboard::tui::pane::catalog::Load;
use switchboard::tui::state::{Pane, State};
use switchboard::tui::{Options, run_loop};
use switchboard::workbench::Workbench;
use tokio::sync::mpsc::unbounded_channel;

const LANES: usize = 8;
const TOKENS: u64 = 5_000;

/// A `TestBackend` that times each frame: from the first size query of a frame (the app
/// asks for the size before laying out) to the end of its flush.
struct Timed {
    inner: TestBackend,
    start: std::cell::Cell<Option<Instant>>,
    frames: Arc<Mutex<Vec<Duration>>>,
}

impl Backend for Timed {
    type Error = <TestBackend as Backend>::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.inner.draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, p: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(p)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }
    fn clear_region(&mut self, t: ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(t)
    }
    fn size(&self) -> Result<Size, Self::Error> {
        if self.start.get().is_none() {
            self.start.set(Some(Instant::now()));
        }
        self.inner.size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        let r = self.inner.flush();
        if let Some(s) = self.start.take()
            && let Ok(mut f) = self.frames.lock()
        {
            f.push(s.elapsed());
        }
        r
    }
}

fn pct(times: &mut [Duration], p: usize) -> f64 {
    times.sort();
    let n = times.len();
    times[(n * p / 100).min(n.saturating_sub(1))].as_secs_f64() * 1e3
}

fn main() {
    // The demo server on a thread and runtime of its own, so the UI thread's CPU time is
    // the client's and the UI's only.
    let (url_tx, url_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        rt.block_on(async move {
            let server = DemoServer::start(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let _ = url_tx.send(server.base_url());
            std::future::pending::<()>().await;
        });
    });
    let url = url_rx.recv().unwrap_or_else(|e| panic!("{e}"));
    let provider = |name: &str| {
        format!(
            "[[providers]]\nname = \"{name}\"\nbase_url = \"{url}\"\nprotocol = \"openai-chat\"\n\
             auth = \"none\"\nheaders = {{ \"x-demo-fault\" = \"tokens={TOKENS}+ttft=0+delay=0\" }}\n"
        )
    };
    let config = format!("{}{}", provider("d1"), provider("d2"));
    let config = parse(&config, Path::new("bench.toml")).unwrap_or_else(|e| panic!("{e}"));
    let bench = Arc::new(Workbench::new(config).unwrap_or_else(|e| panic!("{e}")));

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let frames = Arc::new(Mutex::new(Vec::new()));
    let backend = Timed {
        inner: TestBackend::new(200, 50),
        start: std::cell::Cell::new(None),
        frames: frames.clone(),
    };
    let mut terminal = Terminal::new(backend).unwrap_or_else(|e| panic!("{e}"));
    let (tx, rx) = unbounded_channel::<io::Result<Event>>();
    let inputs = Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|e| (e, rx))
    }));
    let key = move |code: KeyCode, mods: KeyModifiers| {
        let _ = tx.send(Ok(Event::Key(KeyEvent::new(code, mods))));
    };
    let mut step = 0;
    let mut cpu = None;
    let mut pressed: Option<Instant> = None;
    let mut key_latency = Vec::new();
    let mut focus_seen = 0;
    let mut streamed_frames = 0usize;
    let mut end = None;
    let until = |s: &State, _: &Terminal<Timed>| {
        let loaded = s
            .catalog
            .providers
            .iter()
            .filter(|p| p.name.starts_with('d') && p.load == Load::Loaded)
            .count()
            >= 2;
        match step {
            0 if loaded => {
                key(KeyCode::Char('1'), KeyModifiers::ALT);
                // The catalog lists d1, d2 (then the built-in demo): their eight models.
                key(KeyCode::Home, KeyModifiers::NONE);
                for _ in 0..LANES {
                    key(KeyCode::Char(' '), KeyModifiers::NONE);
                    key(KeyCode::Down, KeyModifiers::NONE);
                }
                step = 1;
            }
            1 if s.catalog.marked.len() == LANES => {
                key(KeyCode::Char('3'), KeyModifiers::ALT);
                for c in "Explain streaming".chars() {
                    key(KeyCode::Char(c), KeyModifiers::NONE);
                }
                frames.lock().map(|mut f| f.clear()).unwrap_or(());
                cpu = Some((ProcessTime::now(), ThreadTime::now(), Instant::now()));
                key(KeyCode::Enter, KeyModifiers::NONE);
                key(KeyCode::Char('2'), KeyModifiers::ALT);
                step = 2;
            }
            2 if s.compare.is_streaming() => {
                streamed_frames += 1;
                let focus = s.compare.active.as_ref().map_or(0, |c| c.focus);
                // A key mid-stream: how long until a frame shows its effect.
                if let Some(p) = pressed
                    && focus != focus_seen
                {
                    key_latency.push(p.elapsed());
                    pressed = None;
                    focus_seen = focus;
                }
                if pressed.is_none() && s.focus == Pane::Chat && streamed_frames.is_multiple_of(10)
                {
                    // Right along the lanes, then back to the first.
                    let code = if focus < LANES - 1 {
                        KeyCode::Right
                    } else {
                        KeyCode::Left
                    };
                    let times = if code == KeyCode::Left { LANES - 1 } else { 1 };
                    for _ in 0..times {
                        key(code, KeyModifiers::NONE);
                    }
                    pressed = Some(Instant::now());
                }
            }
            2 if s.compare.active.is_some() && !s.compare.is_streaming() => {
                end = Some((ProcessTime::now(), ThreadTime::now(), Instant::now()));
                return true;
            }
            _ => {}
        }
        false
    };
    let run = run_loop(
        &mut terminal,
        inputs,
        bench,
        "d1/demo-fast".into(),
        Options::new(),
        until,
    );
    let state = rt
        .block_on(async { tokio::time::timeout(Duration::from_secs(300), run).await })
        .unwrap_or_else(|_| panic!("no end in 300 s"))
        .unwrap_or_else(|e| panic!("{e}"));
    let (Some((p0, t0, w0)), Some((p1, t1, w1))) = (cpu, end) else {
        panic!("the comparison did not run")
    };
    let c = state.compare.active.as_ref().expect("a comparison");
    let out: u64 = c
        .metrics(state.now)
        .iter()
        .filter_map(|m| m.output_tokens)
        .sum();
    for (l, m) in c.lanes.iter().zip(c.metrics(state.now)) {
        println!(
            "  lane {}: {} output tokens, {:?}",
            l.spec.model,
            m.output_tokens.unwrap_or(0),
            m.status
        );
    }
    let mut times = frames.lock().map(|f| f.clone()).unwrap_or_default();
    let n = times.len();
    let each: Vec<String> = times
        .iter()
        .take(40)
        .map(|t| format!("{:.1}", t.as_secs_f64() * 1e3))
        .collect();
    println!("frame times in order (ms): {}", each.join(" "));
    let mean = times.iter().sum::<Duration>().as_secs_f64() * 1e3 / n.max(1) as f64;
    println!(
        "{LANES} lanes x {TOKENS} tokens: {out} output tokens in {:.2} s wall",
        (w1 - w0).as_secs_f64()
    );
    println!(
        "CPU: UI thread (client + UI) {:.2} s, whole process (with the demo server) {:.2} s",
        (t1.as_duration() - t0.as_duration()).as_secs_f64(),
        (p1.as_duration() - p0.as_duration()).as_secs_f64()
    );
    println!(
        "frames {n}: mean {mean:.3} ms  p50 {:.3} ms  p99 {:.3} ms  worst {:.3} ms",
        pct(&mut times, 50),
        pct(&mut times, 99),
        pct(&mut times, 100),
    );
    if !key_latency.is_empty() {
        let worst = key_latency.iter().max().copied().unwrap_or_default();
        println!(
            "keys mid-stream: {} pressed, worst {:.1} ms from the key to the frame showing it",
            key_latency.len(),
            worst.as_secs_f64() * 1e3
        );
    }
}
