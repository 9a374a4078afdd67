//! Rate limits and wait hints, read from response headers and error bodies: the
//! `x-ratelimit-*` (OpenAI, Groq, OpenRouter) and `anthropic-ratelimit-*` families,
//! `retry-after-ms`, `Retry-After` (seconds or an HTTP date), and Gemini's
//! `RetryInfo.retryDelay` in a 429 body.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::http::Exchange;

/// One budget: how big it is, how much is left, and when it refills (as the provider
/// wrote it: `6m0s`, `1s`, an RFC 3339 time, or seconds).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limit {
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    pub reset: Option<String>,
}

impl Limit {
    fn is_empty(&self) -> bool {
        self.limit.is_none() && self.remaining.is_none() && self.reset.is_none()
    }

    fn describe(&self, what: &str) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        let mut s = what.to_string();
        match (self.remaining, self.limit) {
            (Some(r), Some(l)) => s.push_str(&format!(" {r}/{l} left")),
            (Some(r), None) => s.push_str(&format!(" {r} left")),
            (None, Some(l)) => s.push_str(&format!(" limit {l}")),
            (None, None) => {}
        }
        if let Some(reset) = &self.reset {
            s.push_str(&format!(", resets {reset}"));
        }
        Some(s)
    }
}

/// What a response said about rate limits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimits {
    pub requests: Limit,
    /// All tokens (OpenAI) or input plus output (Anthropic's `tokens` family).
    pub tokens: Limit,
    /// Anthropic's separate input-token budget.
    pub input_tokens: Limit,
    /// Anthropic's separate output-token budget.
    pub output_tokens: Limit,
    /// The wait the provider asked for (`retry-after-ms` or `Retry-After`).
    pub retry_after: Option<Duration>,
}

impl RateLimits {
    /// Reads the rate-limit headers of a response.
    pub fn from_headers(headers: &[(String, String)]) -> RateLimits {
        let get = |name: &str| header(headers, name);
        let num = |name: &str| get(name).and_then(|v| v.trim().parse::<u64>().ok());
        let text = |name: &str| get(name).map(|v| v.trim().to_string());
        let openai = |what: &str| Limit {
            limit: num(&format!("x-ratelimit-limit-{what}")),
            remaining: num(&format!("x-ratelimit-remaining-{what}")),
            reset: text(&format!("x-ratelimit-reset-{what}")),
        };
        let anthropic = |what: &str| Limit {
            limit: num(&format!("anthropic-ratelimit-{what}-limit")),
            remaining: num(&format!("anthropic-ratelimit-{what}-remaining")),
            reset: text(&format!("anthropic-ratelimit-{what}-reset")),
        };
        // OpenRouter's generic family counts requests.
        let generic = Limit {
            limit: num("x-ratelimit-limit"),
            remaining: num("x-ratelimit-remaining"),
            reset: text("x-ratelimit-reset"),
        };
        let first = |a: Limit, b: Limit| if a.is_empty() { b } else { a };
        RateLimits {
            requests: first(first(openai("requests"), anthropic("requests")), generic),
            tokens: first(openai("tokens"), anthropic("tokens")),
            input_tokens: anthropic("input-tokens"),
            output_tokens: anthropic("output-tokens"),
            retry_after: header_wait(headers, SystemTime::now()),
        }
    }

    /// The limits of an exchange's response.
    pub fn of(exchange: &Exchange) -> RateLimits {
        RateLimits::from_headers(&exchange.response_headers)
    }

    /// True when the response said nothing about limits.
    pub fn is_empty(&self) -> bool {
        *self == RateLimits::default()
    }

    /// One line for a status bar: `requests 59/60 left, resets 1s · tokens ...`.
    pub fn summary(&self) -> Option<String> {
        let mut parts: Vec<String> = [
            self.requests.describe("requests"),
            self.tokens.describe("tokens"),
            self.input_tokens.describe("input tokens"),
            self.output_tokens.describe("output tokens"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if let Some(w) = self.retry_after {
            parts.push(format!("retry after {:.1} s", w.as_secs_f64()));
        }
        (!parts.is_empty()).then(|| parts.join(" · "))
    }
}

/// The first header named `name` (case-insensitive).
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The wait the headers ask for: `retry-after-ms` first, then `Retry-After` in seconds
/// (possibly fractional) or as an HTTP date (measured from `now`).
pub fn header_wait(headers: &[(String, String)], now: SystemTime) -> Option<Duration> {
    if let Some(ms) = header(headers, "retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok())
        && ms.is_finite()
        && ms >= 0.0
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let v = header(headers, "retry-after")?.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let at = parse_http_date(v)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The wait a Gemini error body asks for: `details[@type=…RetryInfo].retryDelay` (`"34.4s"`).
pub fn body_wait(body: &str) -> Option<Duration> {
    let v: Value = serde_json::from_str(body).ok()?;
    let details = v.pointer("/error/details")?.as_array()?;
    details.iter().find_map(|d| {
        let kind = d.get("@type")?.as_str()?;
        if !kind.ends_with("google.rpc.RetryInfo") {
            return None;
        }
        parse_proto_duration(d.get("retryDelay")?.as_str()?)
    })
}

/// A protobuf JSON duration: decimal seconds with an `s` suffix (`"34.4s"`, `"2s"`).
pub fn parse_proto_duration(s: &str) -> Option<Duration> {
    let secs: f64 = s.trim().strip_suffix('s')?.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

/// `x-should-retry: true|false`, which OpenAI and Anthropic send to override the usual rule.
pub fn should_retry(headers: &[(String, String)]) -> Option<bool> {
    match header(headers, "x-should-retry")?.trim() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form `Retry-After` dates take.
pub fn parse_http_date(s: &str) -> Option<SystemTime> {
    let mut it = s.split_whitespace();
    let _weekday = it.next()?;
    let day: u64 = it.next()?.parse().ok()?;
    let month = match it.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = it.next()?.parse().ok()?;
    let mut hms = it.next()?.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, sec) = (hms.next()??, hms.next()??, hms.next()??);
    if it.next()? != "GMT" || day == 0 || day > 31 || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day)?;
    let secs = days.checked_mul(86_400)? + h * 3600 + m * 60 + sec;
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u64, day: u64) -> Option<u64> {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    u64::try_from(era * 146_097 + doe - 719_468).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn wait_hints_in_every_form() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777);
        let ms = h(&[("retry-after-ms", "1500"), ("Retry-After", "9")]);
        assert_eq!(header_wait(&ms, now), Some(Duration::from_millis(1500)));
        let secs = h(&[("Retry-After", "2.5")]);
        assert_eq!(header_wait(&secs, now), Some(Duration::from_millis(2500)));
        let date = h(&[("retry-after", "Sun, 06 Nov 1994 08:49:47 GMT")]);
        assert_eq!(header_wait(&date, now), Some(Duration::from_secs(10)));
        assert_eq!(header_wait(&h(&[("retry-after", "soon")]), now), None);
        let gemini = r#"{"error":{"code":429,"details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure"},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"34.4s"}]}}"#;
        assert_eq!(body_wait(gemini), Some(Duration::from_millis(34_400)));
        assert_eq!(body_wait("{}"), None);
    }

    #[test]
    fn limits_of_each_family() {
        let openai = RateLimits::from_headers(&h(&[
            ("x-ratelimit-limit-requests", "60"),
            ("x-ratelimit-remaining-requests", "59"),
            ("x-ratelimit-reset-requests", "1s"),
            ("x-ratelimit-remaining-tokens", "149984"),
        ]));
        assert_eq!(openai.requests.remaining, Some(59));
        assert_eq!(
            openai.summary().as_deref(),
            Some("requests 59/60 left, resets 1s · tokens 149984 left")
        );
        let anthropic = RateLimits::from_headers(&h(&[
            ("anthropic-ratelimit-input-tokens-limit", "400000"),
            ("anthropic-ratelimit-input-tokens-remaining", "399000"),
            ("anthropic-ratelimit-requests-reset", "2026-01-01T00:00:01Z"),
            ("retry-after", "3"),
        ]));
        assert_eq!(anthropic.input_tokens.limit, Some(400_000));
        assert_eq!(anthropic.retry_after, Some(Duration::from_secs(3)));
        assert!(RateLimits::from_headers(&[]).is_empty());
    }
}
