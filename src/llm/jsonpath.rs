//! A small jq-style path query over a JSON value, for the inspector: `.usage`,
//! `.choices[0].delta`, `.a.b[2]`, `.items[-1]`, `.choices[].delta.content`, `."odd key"`,
//! `.["odd key"]`. A leading `$` is accepted (`$.usage`) and `[*]` means `[]`.
//!
//! A path selects zero or more values. A key or index that is not there, or a step that
//! does not fit the value (a key on an array), selects nothing: an inspector shows "no
//! match" rather than an error, because a response body is whatever the server sent. Only
//! a path that cannot be parsed is an error, with the character where it went wrong.
//!
//! Written here rather than taken from a crate: the JSONPath crates implement RFC 9535
//! (`$.a[*]`, filters, functions), whose syntax is not the jq one people type in a
//! terminal, and pull in a parser framework and proc macros for features this does not need.

use std::fmt;
use std::str::FromStr;

use serde_json::Value;

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `.name`, `."name"` or `["name"]`: a field of an object.
    Key(String),
    /// `[n]`: an element of an array; negative counts from the end (`[-1]` is the last).
    Index(i64),
    /// `[]` or `[*]`: every element of an array, or every value of an object.
    Each,
}

/// A parsed path; `.` (no steps) selects the whole value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JsonPath {
    pub steps: Vec<Step>,
}

/// A path that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    /// The character (not byte) offset in the path text where parsing failed.
    pub at: usize,
    pub message: String,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.at + 1)
    }
}

impl std::error::Error for PathError {}

impl JsonPath {
    /// Parses a path such as `.choices[0].delta`.
    pub fn parse(text: &str) -> Result<JsonPath, PathError> {
        Parser {
            chars: text.trim().chars().collect(),
            pos: 0,
        }
        .path()
    }

    /// The values the path selects in `value`, in document order.
    pub fn select<'v>(&self, value: &'v Value) -> Vec<&'v Value> {
        let mut current = vec![value];
        for step in &self.steps {
            let mut next = Vec::new();
            for v in current {
                match (step, v) {
                    (Step::Key(k), Value::Object(map)) => next.extend(map.get(k)),
                    (Step::Index(i), Value::Array(items)) => {
                        let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
                        let at = if *i < 0 { len + i } else { *i };
                        if let Ok(at) = usize::try_from(at) {
                            next.extend(items.get(at));
                        }
                    }
                    (Step::Each, Value::Array(items)) => next.extend(items.iter()),
                    (Step::Each, Value::Object(map)) => next.extend(map.values()),
                    _ => {}
                }
            }
            current = next;
        }
        current
    }
}

/// Parses `path` and selects from `value`: the one call the inspector needs.
pub fn query<'v>(value: &'v Value, path: &str) -> Result<Vec<&'v Value>, PathError> {
    Ok(JsonPath::parse(path)?.select(value))
}

impl FromStr for JsonPath {
    type Err = PathError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JsonPath::parse(s)
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.steps.is_empty() {
            return f.write_str(".");
        }
        for step in &self.steps {
            match step {
                Step::Key(k) if is_plain_key(k) => write!(f, ".{k}")?,
                Step::Key(k) => write!(f, ".{}", Value::String(k.clone()))?,
                Step::Index(i) => write!(f, "[{i}]")?,
                Step::Each => f.write_str("[]")?,
            }
        }
        Ok(())
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

fn is_plain_key(k: &str) -> bool {
    let mut chars = k.chars();
    chars.next().is_some_and(is_ident_start) && chars.all(is_ident)
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn fail<T>(&self, message: impl Into<String>) -> Result<T, PathError> {
        Err(PathError {
            at: self.pos,
            message: message.into(),
        })
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn path(mut self) -> Result<JsonPath, PathError> {
        let mut steps = Vec::new();
        if self.peek() == Some('$') {
            self.pos += 1;
        }
        if self.chars.len() == self.pos {
            return Ok(JsonPath { steps });
        }
        if !matches!(self.peek(), Some('.' | '[')) {
            return self.fail("a path starts with `.` or `[`, as in `.usage`");
        }
        while let Some(c) = self.peek() {
            match c {
                '.' => {
                    self.pos += 1;
                    match self.peek() {
                        // A lone `.` at the end is the identity (`.`), else `.[0]`.
                        None if steps.is_empty() => {}
                        Some('[') => {}
                        Some('"') => steps.push(Step::Key(self.string()?)),
                        Some(c) if is_ident_start(c) => steps.push(Step::Key(self.ident())),
                        _ => return self.fail("expected a field name after `.`"),
                    }
                }
                '[' => {
                    self.pos += 1;
                    steps.push(self.bracket()?);
                }
                // jq's "no error" marker; this query never errors on a mismatch anyway.
                '?' if !steps.is_empty() => self.pos += 1,
                _ => return self.fail(format!("unexpected `{c}`")),
            }
        }
        Ok(JsonPath { steps })
    }

    fn ident(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(is_ident) {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    /// A JSON string literal, escapes and all.
    fn string(&mut self) -> Result<String, PathError> {
        let start = self.pos;
        self.pos += 1;
        let mut escaped = false;
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    let literal: String = self.chars[start..self.pos].iter().collect();
                    return serde_json::from_str(&literal).or_else(|e| {
                        self.pos = start;
                        self.fail(format!("bad quoted key: {e}"))
                    });
                }
                _ => escaped = false,
            }
        }
        self.pos = start;
        self.fail("unclosed `\"`")
    }

    /// After `[`: `]`, `*]`, an integer and `]`, or a quoted key and `]`.
    fn bracket(&mut self) -> Result<Step, PathError> {
        let step = match self.peek() {
            Some(']') => Step::Each,
            Some('*') => {
                self.pos += 1;
                Step::Each
            }
            Some('"') => Step::Key(self.string()?),
            Some(c) if c == '-' || c.is_ascii_digit() => {
                let start = self.pos;
                self.pos += 1;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
                let digits: String = self.chars[start..self.pos].iter().collect();
                match digits.parse() {
                    Ok(i) => Step::Index(i),
                    Err(_) => {
                        self.pos = start;
                        return self.fail(format!("`{digits}` is not an index"));
                    }
                }
            }
            _ => return self.fail("expected an index, a quoted key, `*` or `]` after `[`"),
        };
        if self.peek() != Some(']') {
            return self.fail("expected `]`");
        }
        self.pos += 1;
        Ok(step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body() -> Value {
        json!({
            "id": "c1",
            "choices": [
                {"index": 0, "delta": {"content": "Hel"}},
                {"index": 1, "delta": {"content": "lo"}}
            ],
            "usage": {"prompt_tokens": 3, "completion_tokens": 2},
            "odd key": {"a.b": 1},
            "x-rate": 7
        })
    }

    fn q(path: &str) -> Vec<Value> {
        let b = body();
        query(&b, path).unwrap().into_iter().cloned().collect()
    }

    #[test]
    fn fields_indices_and_identity() {
        assert_eq!(
            q(".usage"),
            vec![json!({"prompt_tokens": 3, "completion_tokens": 2})]
        );
        assert_eq!(q(".usage.completion_tokens"), vec![json!(2)]);
        assert_eq!(q(".choices[0].delta"), vec![json!({"content": "Hel"})]);
        assert_eq!(q(".choices[-1].delta.content"), vec![json!("lo")]);
        assert_eq!(q("$.usage.prompt_tokens"), vec![json!(3)]);
        assert_eq!(q("."), vec![body()]);
        assert_eq!(q(""), vec![body()]);
        assert_eq!(q(".x-rate"), vec![json!(7)]);
    }

    #[test]
    fn iteration_and_quoted_keys() {
        assert_eq!(
            q(".choices[].delta.content"),
            vec![json!("Hel"), json!("lo")]
        );
        assert_eq!(q(".choices[*].index"), vec![json!(0), json!(1)]);
        assert_eq!(q(".usage[]"), vec![json!(3), json!(2)]);
        assert_eq!(q(".\"odd key\"[\"a.b\"]"), vec![json!(1)]);
        assert_eq!(q(".[\"odd key\"].[\"a.b\"]"), vec![json!(1)]);
        assert_eq!(q("[\"id\"]"), vec![json!("c1")]);
        assert_eq!(q(".choices[]?.index"), vec![json!(0), json!(1)]);
    }

    #[test]
    fn misses_select_nothing() {
        assert!(q(".nope").is_empty());
        assert!(q(".choices[5]").is_empty());
        assert!(q(".choices[-3]").is_empty());
        assert!(q(".choices.delta").is_empty());
        assert!(q(".id[0]").is_empty());
        assert!(q(".id[]").is_empty());
    }

    #[test]
    fn bad_paths_say_where() {
        let err = JsonPath::parse(".choices[0").unwrap_err();
        assert_eq!(err.at, 10, "{err}");
        let err = JsonPath::parse("usage").unwrap_err();
        assert_eq!(err.at, 0);
        let err = JsonPath::parse(".a..b").unwrap_err();
        assert_eq!(err.at, 3);
        assert!(JsonPath::parse(".\"unclosed").is_err());
        assert!(JsonPath::parse(".a[x]").is_err());
        assert!(JsonPath::parse(".a[99999999999999999999]").is_err());
        // Character offsets, not bytes.
        let err = JsonPath::parse(".é!").unwrap_err();
        assert_eq!(err.at, 2);
    }

    #[test]
    fn display_parses_back() {
        for text in [
            ".",
            ".usage",
            ".choices[0].delta",
            ".a[]",
            ".\"odd key\"[-1]",
        ] {
            let p = JsonPath::parse(text).unwrap();
            assert_eq!(p.to_string(), text);
            assert_eq!(JsonPath::parse(&p.to_string()).unwrap(), p);
        }
    }
}
