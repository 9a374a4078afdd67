//! Retention: `switchboard history prune --older-than 90d` removes what was last touched
//! before the cutoff. Raw frames are capped when stored (see `frames.rs`).

use std::time::Duration;

use serde::Serialize;

use super::{Result, Store, StoreError, now_ms};

/// What a prune removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PruneReport {
    pub conversations: usize,
    pub comparisons: usize,
    /// Exchanges that belonged to no turn (proxied requests).
    pub exchanges: usize,
}

/// Parses an age: `90d`, `12h`, `2w` (days, hours, weeks).
pub fn parse_age(text: &str) -> Result<Duration> {
    let t = text.trim();
    let bad = || {
        StoreError::Invalid(format!(
            "`{text}` is not an age: write a number and a unit, like 90d, 12h or 2w"
        ))
    };
    let unit = t.chars().last().ok_or_else(bad)?;
    let n: u64 = t[..t.len() - unit.len_utf8()].parse().map_err(|_| bad())?;
    let hours = match unit.to_ascii_lowercase() {
        'h' => n,
        'd' => n.checked_mul(24).ok_or_else(bad)?,
        'w' => n.checked_mul(24 * 7).ok_or_else(bad)?,
        _ => return Err(bad()),
    };
    hours
        .checked_mul(3600)
        .map(Duration::from_secs)
        .ok_or_else(bad)
}

impl Store {
    /// Deletes conversations and comparisons last updated more than `age` ago, with
    /// everything they hold, and stand-alone exchanges started before then. A turn still
    /// streaming keeps its conversation, however old.
    pub fn prune(&self, age: Duration) -> Result<PruneReport> {
        let age_ms = i64::try_from(age.as_millis()).unwrap_or(i64::MAX);
        let cutoff = now_ms().saturating_sub(age_ms);
        self.write(|tx| {
            let conversations = tx.execute(
                "DELETE FROM conversations WHERE comparison_id IS NULL AND updated_ms < ?1
                 AND NOT EXISTS (SELECT 1 FROM turns
                     WHERE conversation_id = conversations.id AND status = 'streaming')",
                [cutoff],
            )?;
            let comparisons = tx.execute(
                "DELETE FROM comparisons WHERE updated_ms < ?1
                 AND NOT EXISTS (SELECT 1 FROM conversations c JOIN turns t
                     ON t.conversation_id = c.id
                     WHERE c.comparison_id = comparisons.id AND t.status = 'streaming')",
                [cutoff],
            )?;
            let exchanges = tx.execute(
                "DELETE FROM exchanges WHERE turn_id IS NULL AND started_ms < ?1",
                [cutoff],
            )?;
            Ok(PruneReport {
                conversations,
                comparisons,
                exchanges,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        assert_eq!(parse_age("90d").unwrap(), Duration::from_secs(90 * 86400));
        assert_eq!(parse_age("12h").unwrap(), Duration::from_secs(12 * 3600));
        assert_eq!(parse_age("2W").unwrap(), Duration::from_secs(14 * 86400));
        for bad in ["", "d", "90", "90m", "-1d", "1.5d", "99999999999999999999d"] {
            assert!(parse_age(bad).is_err(), "{bad}");
        }
    }
}
