//! Search and filter over the inspector's listing, and JSON-path queries over the response
//! body or every frame. Matching is case-insensitive and literal.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::timeline::Timeline;
use super::{DebugState, QueryResult, View};
use crate::llm::jsonpath::JsonPath;
use crate::tui::state::State;
use crate::tui::trace::TraceRow;
use crate::tui::turn::Turn;

/// Most query results listed.
const MAX_RESULTS: usize = 500;

/// Text of row `r` of a trace for matching: the frame's event and data, or the decoded text.
pub fn row_text(t: &Turn, row: TraceRow) -> String {
    let slice = |s: &str, start: u32, len: u32| {
        let a = start as usize;
        s.get(a..a.saturating_add(len as usize))
            .unwrap_or("")
            .to_string()
    };
    match row {
        TraceRow::Frame(i) => t
            .trace
            .frames
            .get(i as usize)
            .map_or_else(String::new, |f| {
                format!("{} {}", f.event.as_deref().unwrap_or(""), f.data)
            }),
        TraceRow::Text { start, len } => slice(t.answer.text(), start, len),
        TraceRow::Reasoning { start, len } => slice(t.reasoning.text(), start, len),
        TraceRow::Event(i) => t
            .trace
            .events
            .get(i as usize)
            .and_then(|e| serde_json::to_string(e).ok())
            .unwrap_or_default(),
    }
}

/// The decoded text of a timeline frame: its deltas joined, other events by name.
pub fn decoded_text(t: &Turn, first_row: u32, end_row: u32) -> String {
    let mut out = String::new();
    for r in first_row..end_row {
        let Some(row) = t.trace.rows.get(r as usize) else {
            break;
        };
        match row {
            TraceRow::Text { .. } => out.push_str(&row_text(t, *row)),
            TraceRow::Reasoning { .. } => {
                out.push_str("(reasoning) ");
                out.push_str(&row_text(t, *row));
            }
            TraceRow::Event(i) => {
                if let Some(e) = t.trace.events.get(*i as usize) {
                    let name = serde_json::to_value(e)
                        .ok()
                        .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(String::from))
                        .unwrap_or_default();
                    if !out.is_empty() {
                        out.push(' ');
                    }
                    out.push_str(&format!("[{name}]"));
                }
            }
            TraceRow::Frame(_) => break,
        }
    }
    out
}

fn contains(hay: &str, needle_lower: &str) -> bool {
    hay.to_lowercase().contains(needle_lower)
}

/// The timeline frames whose raw data or decoded text contains `query` (all when empty).
pub fn filter_frames(t: &Turn, tl: &Timeline, query: &str) -> Vec<u32> {
    let q = query.to_lowercase();
    tl.frames
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            q.is_empty()
                || t.trace.frames.get(f.frame as usize).is_some_and(|fr| {
                    contains(&fr.data, &q) || fr.event.as_deref().is_some_and(|e| contains(e, &q))
                })
                || contains(&decoded_text(t, f.first_row, f.end_row), &q)
        })
        .map(|(k, _)| crate::tui::trace::index(k))
        .collect()
}

/// The listing rows matching the search in the current view; `lines` gives a row's text
/// in the wire view.
pub fn matches(d: &DebugState, total: usize, line: impl Fn(usize) -> String) -> Vec<usize> {
    let q = d.search.query.to_lowercase();
    if q.is_empty() {
        return Vec::new();
    }
    match d.view {
        View::Timeline => (0..d.visible.len())
            .map(|k| DebugState::TIMELINE_HEAD + k)
            .collect(),
        View::Wire => (0..total).filter(|r| contains(&line(*r), &q)).collect(),
    }
}

/// Moves to the next (`+1`) or previous (`-1`) match.
pub fn step(state: &mut State, dir: isize) {
    let s = &mut state.inspector.debug.search;
    if s.query.is_empty() {
        state.note("no search: / starts one");
        return;
    }
    let n = s.matches.len();
    if n == 0 {
        let q = s.query.clone();
        state.note(format!("no match for “{q}”"));
        return;
    }
    s.at = (s.at + n).saturating_add_signed(dir) % n;
    let row = s.matches[s.at];
    let at = s.at;
    state.inspector.scroll.top = row.saturating_sub(2);
    state.inspector.scroll.follow = false;
    state.inspector.manual = true;
    state.note(format!("match {} of {n}", at + 1));
}

/// After the matches were computed: jump to the first one at or below the view.
pub fn settle(d: &mut DebugState, top: &mut usize) -> bool {
    if !d.search.jump || d.search.built.is_none() {
        return false;
    }
    d.search.jump = false;
    let Some(k) = d.search.matches.iter().position(|r| *r >= *top).or((!d
        .search
        .matches
        .is_empty())
    .then_some(0)) else {
        return false;
    };
    d.search.at = k;
    *top = d.search.matches[k].saturating_sub(2);
    true
}

/// Runs a JSON-path query over the selected turn's response: the body when the answer came
/// whole, else every frame that holds JSON.
pub fn run_query(state: &mut State, path: &str) {
    let Some(t) = state.selected_turn() else {
        state.note("no exchange to query yet");
        return;
    };
    let result = query_turn(t, path);
    let n = result.lines.len();
    let note = if result.error {
        None
    } else {
        Some(format!("{path}: {n} result(s) · Esc closes"))
    };
    state.inspector.debug.query = Some(result);
    if let Some(n) = note {
        state.note(n);
    }
}

/// The result of `path` over `t`'s response.
pub fn query_turn(t: &Turn, path: &str) -> QueryResult {
    let parsed = match JsonPath::parse(path) {
        Ok(p) => p,
        Err(e) => {
            return QueryResult {
                path: path.into(),
                lines: vec![format!("bad path: {e}")],
                error: true,
            };
        }
    };
    let mut lines = Vec::new();
    let body = t.trace.exchange.as_ref().and_then(|e| e.body.as_deref());
    if let Some(v) = body.and_then(|b| serde_json::from_str(b).ok()) {
        for m in parsed.select(&v) {
            lines.push(format!("body: {}", compact(m)));
        }
    }
    for i in 0..t.trace.frames.len() {
        if lines.len() >= MAX_RESULTS {
            lines.push(format!("… more than {MAX_RESULTS} results"));
            break;
        }
        let Some(f) = t.trace.frames.get(i) else {
            continue;
        };
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&f.data) else {
            continue;
        };
        for m in parsed.select(&v) {
            lines.push(format!(
                "frame {} +{} ms: {}",
                i + 1,
                f.offset_us / 1000,
                compact(m)
            ));
        }
    }
    if lines.is_empty() {
        lines.push("no match".into());
    }
    QueryResult {
        path: path.into(),
        lines,
        error: false,
    }
}

fn compact(v: &serde_json::Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 2000 {
        let cut: String = s.chars().take(2000).collect();
        format!("{cut}…")
    } else {
        s
    }
}

/// `line` with every case-insensitive occurrence of `query` in `style`.
pub fn highlight(line: &Line<'static>, query: &str, style: Style) -> Line<'static> {
    if query.is_empty() {
        return line.clone();
    }
    let q: Vec<char> = query.to_lowercase().chars().collect();
    let mut spans = Vec::new();
    for span in &line.spans {
        let chars: Vec<char> = span.content.chars().collect();
        let lower: Vec<char> = chars
            .iter()
            .map(|c| c.to_lowercase().next().unwrap_or(*c))
            .collect();
        let mut i = 0;
        let mut start = 0;
        while i + q.len() <= chars.len() {
            if lower[i..i + q.len()] == q[..] {
                if start < i {
                    spans.push(Span::styled(
                        chars[start..i].iter().collect::<String>(),
                        span.style,
                    ));
                }
                spans.push(Span::styled(
                    chars[i..i + q.len()].iter().collect::<String>(),
                    span.style.patch(style),
                ));
                i += q.len();
                start = i;
            } else {
                i += 1;
            }
        }
        if start < chars.len() {
            spans.push(Span::styled(
                chars[start..].iter().collect::<String>(),
                span.style,
            ));
        }
    }
    Line::from(spans).style(line.style)
}

/// The whole exchange as plain text, for the pager.
pub fn plain_listing(t: &Turn) -> String {
    let mut out = String::new();
    if let Some(r) = &t.trace.request {
        out.push_str(&format!("{} {}\n", r.method, r.url));
        for h in &r.headers {
            out.push_str(&format!("{}: {}\n", h.name, h.value));
        }
        if let Some(b) = &r.body {
            out.push('\n');
            out.push_str(&serde_json::to_string_pretty(b).unwrap_or_default());
            out.push('\n');
        }
    }
    if let Some(s) = t.trace.status {
        out.push_str(&format!("\n── response: HTTP {s} ──\n"));
        for (k, v) in &t.trace.headers {
            out.push_str(&format!("{k}: {v}\n"));
        }
    }
    out.push_str(&format!("\n── frames ({}) ──\n", t.trace.frames.len()));
    for row in &t.trace.rows {
        match row {
            TraceRow::Frame(i) => {
                if let Some(f) = t.trace.frames.get(*i as usize) {
                    let ev = f
                        .event
                        .as_deref()
                        .map(|e| format!("event: {e} "))
                        .unwrap_or_default();
                    out.push_str(&format!("+{:>6} ms {ev}{}\n", f.offset_us / 1000, f.data));
                }
            }
            other => out.push_str(&format!("         → {:?}\n", row_text(t, *other))),
        }
    }
    if let Some(b) = t.trace.exchange.as_ref().and_then(|e| e.body.as_deref()) {
        out.push_str("\n── body ──\n");
        out.push_str(b);
        out.push('\n');
    }
    if !t.answer.text().is_empty() {
        out.push_str("\n── answer ──\n");
        out.push_str(t.answer.text());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlight_splits_spans_case_insensitively() {
        let line = Line::from(vec![Span::raw("Hello hello"), Span::raw(" HELLO")]);
        let style = Style::new().add_modifier(ratatui::style::Modifier::REVERSED);
        let out = highlight(&line, "hello", style);
        let marked: Vec<&str> = out
            .spans
            .iter()
            .filter(|s| s.style == style)
            .map(|s| s.content.as_ref())
            .collect();
        assert_eq!(marked, vec!["Hello", "hello", "HELLO"]);
        let text: String = out.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, "Hello hello HELLO");
    }
}
