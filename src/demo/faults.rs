//! Misbehaviour on request: a `+`-suffix on the model (`demo-fast+drop+tokens=500`) or the
//! `x-demo-fault` header with the same syntax (`429`, `drop+stall=3000`).

/// The largest accepted millisecond value (ten minutes), so every wait is bounded.
pub const MAX_MS: u64 = 600_000;
/// The largest accepted `tokens=N`.
pub const MAX_TOKENS: u64 = 10_000_000;

/// An HTTP error the request asked for instead of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultStatus {
    /// 401 invalid API key.
    Unauthorized,
    /// 402: the credits are spent (Clipia's answer when the budget is exhausted).
    PaymentRequired,
    /// 429 with a wait of 2 s, in each protocol's form (`Retry-After`, Gemini's
    /// `RetryInfo.retryDelay`).
    RateLimited,
    /// 500 server error.
    ServerError,
    /// 503 service unavailable.
    Unavailable,
    /// 529 overloaded (Anthropic's status).
    Overloaded,
}

/// The misbehaviour asked for by one request; `Default` is a well-behaved server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Faults {
    /// Reply with this error instead of an answer.
    pub status: Option<FaultStatus>,
    /// Send about half of the tokens, then abort the connection.
    pub drop: bool,
    /// One frame in the middle of the stream is invalid JSON.
    pub malformed: bool,
    /// About 300 ms between tokens.
    pub trickle: bool,
    /// One pause of this many ms in the middle of the stream.
    pub stall_ms: Option<u64>,
    /// Time to first token override.
    pub ttft_ms: Option<u64>,
    /// Per-token delay override (0 = as fast as the client reads).
    pub delay_ms: Option<u64>,
    /// Produce exactly this many content tokens.
    pub tokens: Option<u64>,
    /// Answer with the last user message verbatim.
    pub echo: bool,
    /// About half of the tokens, then the protocol's in-stream error (HTTP 200), and the
    /// stream ends without its end marker.
    pub error: bool,
}

/// The delay `trickle` puts between tokens.
pub const TRICKLE_MS: u64 = 300;

/// The mode names, for error messages.
pub const MODES: &str = "401, 402, 429, 500, 503, 529, drop, error, malformed, trickle, echo, \
     stall=MS, ttft=MS, delay=MS, tokens=N";

/// Splits `demo-fast+429+echo` into the model id and the fault spec (`429+echo`).
pub fn split_model(model: &str) -> (&str, &str) {
    match model.split_once('+') {
        Some((id, spec)) => (id, spec),
        None => (model, ""),
    }
}

fn number(key: &str, value: &str, max: u64) -> Result<u64, String> {
    let n: u64 = value
        .trim()
        .parse()
        .map_err(|_| format!("demo fault `{key}=` needs a whole number, got `{value}`"))?;
    if n > max {
        return Err(format!("demo fault `{key}={n}` is above the limit {max}"));
    }
    Ok(n)
}

impl Faults {
    /// Parses a spec such as `drop+tokens=500`. Items are separated by `+`, `,` or spaces;
    /// an empty spec is no fault.
    pub fn parse(spec: &str) -> Result<Faults, String> {
        let mut f = Faults::default();
        f.apply(spec)?;
        Ok(f)
    }

    /// Adds the items of `spec` to these faults (later items win).
    pub fn apply(&mut self, spec: &str) -> Result<(), String> {
        let items = spec
            .split(['+', ',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty());
        for item in items {
            let lower = item.to_ascii_lowercase();
            match lower.split_once('=') {
                None => match lower.as_str() {
                    "401" => self.status = Some(FaultStatus::Unauthorized),
                    "402" => self.status = Some(FaultStatus::PaymentRequired),
                    "429" => self.status = Some(FaultStatus::RateLimited),
                    "500" => self.status = Some(FaultStatus::ServerError),
                    "503" => self.status = Some(FaultStatus::Unavailable),
                    "529" => self.status = Some(FaultStatus::Overloaded),
                    "drop" => self.drop = true,
                    "error" => self.error = true,
                    "malformed" => self.malformed = true,
                    "trickle" => self.trickle = true,
                    "echo" => self.echo = true,
                    _ => return Err(unknown(item)),
                },
                Some((key, value)) => match key.trim() {
                    "stall" => self.stall_ms = Some(number(key, value, MAX_MS)?),
                    "ttft" => self.ttft_ms = Some(number(key, value, MAX_MS)?),
                    "delay" => self.delay_ms = Some(number(key, value, MAX_MS)?),
                    "tokens" => self.tokens = Some(number(key, value, MAX_TOKENS)?),
                    _ => return Err(unknown(item)),
                },
            }
        }
        Ok(())
    }

    /// The pause between tokens for a model whose own pace is `model_delay_ms`.
    pub fn token_delay_ms(&self, model_delay_ms: u64) -> u64 {
        match (self.delay_ms, self.trickle) {
            (Some(ms), _) => ms,
            (None, true) => TRICKLE_MS,
            (None, false) => model_delay_ms,
        }
    }
}

fn unknown(item: &str) -> String {
    let shown: String = item.chars().take(40).collect();
    format!("unknown demo fault `{shown}`; valid modes: {MODES}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split() {
        assert_eq!(split_model("demo-fast"), ("demo-fast", ""));
        assert_eq!(split_model("demo-fast+429"), ("demo-fast", "429"));
        assert_eq!(
            split_model("demo-fast+drop+tokens=500"),
            ("demo-fast", "drop+tokens=500")
        );
        assert_eq!(split_model("+echo"), ("", "echo"));
    }

    #[test]
    fn parse_combined() {
        let f = Faults::parse("drop+tokens=500+DELAY=0").expect("valid");
        assert!(f.drop);
        assert_eq!(f.tokens, Some(500));
        assert_eq!(f.delay_ms, Some(0));
        assert_eq!(f.token_delay_ms(25), 0);
        let f = Faults::parse("429").expect("valid");
        assert_eq!(f.status, Some(FaultStatus::RateLimited));
        let f = Faults::parse(" trickle, stall=1500 ttft=10,echo,malformed,401").expect("valid");
        assert!(f.trickle && f.echo && f.malformed);
        assert_eq!(f.stall_ms, Some(1500));
        assert_eq!(f.ttft_ms, Some(10));
        assert_eq!(f.status, Some(FaultStatus::Unauthorized));
        assert_eq!(f.token_delay_ms(2), TRICKLE_MS);
        assert_eq!(Faults::parse("").expect("empty"), Faults::default());
        assert_eq!(
            Faults::parse("500").expect("valid").status,
            Some(FaultStatus::ServerError)
        );
        assert_eq!(
            Faults::parse("402").expect("valid").status,
            Some(FaultStatus::PaymentRequired)
        );
        assert!(Faults::parse("error").expect("valid").error);
    }

    #[test]
    fn parse_errors() {
        assert!(Faults::parse("boom").is_err());
        assert!(Faults::parse("tokens=").is_err());
        assert!(Faults::parse("tokens=-1").is_err());
        assert!(Faults::parse("tokens=99999999999").is_err());
        assert!(Faults::parse("stall=600001").is_err());
        assert!(Faults::parse("colour=red").is_err());
        let long = "x".repeat(10_000);
        let msg = Faults::parse(&long).err().unwrap_or_default();
        assert!(msg.len() < 200, "{msg}");
        // Non-ASCII input is handled without panicking.
        assert!(Faults::parse("ドロップ=1").is_err());
    }
}
