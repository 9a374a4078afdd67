//! Exchanges: the redacted request, the response, frames, usage, cost and timings of one
//! request; and `changes_since`, which the UI polls to show exchanges another process
//! (a `switchboard proxy`, a second window) has written.

use std::str::FromStr;

use rusqlite::{OptionalExtension, Row, Transaction, params};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::frames::{ENCODING, PackedFrames, pack_frames, unpack};
use super::{ConversationId, ExchangeId, Result, Store, StoreError, TurnId, now_ms};
use crate::llm::error::ProviderError;
use crate::llm::http::{Exchange, HttpRequest};
use crate::llm::money::{Currency, Money};

/// An exchange to store, with what the runner does not know about it.
#[derive(Debug, Clone, Copy)]
pub struct ExchangeRecord<'a> {
    /// The record as the runner returned it (its request is already redacted).
    pub exchange: &'a Exchange,
    /// What made the request: `ask`, `tui`, `compare`, `proxy`.
    pub source: &'a str,
    /// `PROVIDER/MODEL`, when known.
    pub model: Option<&'a str>,
    /// The wire protocol's name, when known.
    pub protocol: Option<&'a str>,
    /// The cost computed from the catalog price; `None` when the price is unknown.
    pub cost: Option<&'a Money>,
    /// The frames already packed (`pack_frames`, with the store's cap), when `exchange`
    /// was handed over without them; `None` packs `exchange.frames` here.
    pub packed: Option<&'a PackedFrames>,
}

/// One stored exchange, without its frames: a row of the inspector's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExchangeSummary {
    pub id: ExchangeId,
    pub turn_id: Option<TurnId>,
    pub conversation_id: Option<ConversationId>,
    pub source: String,
    pub model: Option<String>,
    pub protocol: Option<String>,
    pub method: String,
    pub url: String,
    pub status: Option<u16>,
    pub started_ms: i64,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub cost: Option<Money>,
    pub provider_cost: Option<Money>,
    pub ttft_us: Option<u64>,
    pub total_us: Option<u64>,
    /// The failure, worded for people.
    pub error: Option<String>,
    pub frame_count: u64,
    pub frames_truncated: bool,
}

/// One stored exchange in full.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredExchange {
    pub summary: ExchangeSummary,
    /// The record, rebuilt: redacted request, headers, frames, body, usage, errors.
    pub exchange: Exchange,
    /// Why frames are missing, when the cap cut them.
    pub frames_note: Option<String>,
}

/// Masks any secret header or URL key that is not masked yet: the runner redacts, and
/// this makes sure a caller that forgot cannot write a key to disk.
fn scrub(req: &HttpRequest) -> HttpRequest {
    let masked = |v: &str| v.contains('…') || v.ends_with("***");
    let mut out = req.redacted();
    for (orig, red) in req.headers.iter().zip(out.headers.iter_mut()) {
        if orig.secret && masked(&orig.value) {
            red.value = orig.value.clone();
        }
    }
    if masked(&req.url) {
        out.url = req.url.clone();
    }
    out
}

fn money_parts(m: Option<&Money>) -> (Option<String>, Option<String>) {
    match m {
        Some(m) => (
            Some(m.amount.to_string()),
            Some(m.currency.code().to_string()),
        ),
        None => (None, None),
    }
}

pub(super) fn money(amount: Option<String>, currency: Option<String>) -> Option<Money> {
    let amount = Decimal::from_str(&amount?).ok()?;
    Some(Money::new(amount, Currency::parse(&currency?)))
}

fn to_i64(v: Option<u64>) -> Option<i64> {
    v.map(|v| i64::try_from(v).unwrap_or(i64::MAX))
}

/// Inserts an exchange and its frames (capped at `cap` bytes) inside a transaction.
pub(super) fn insert_exchange(
    tx: &Transaction<'_>,
    turn: Option<TurnId>,
    rec: &ExchangeRecord<'_>,
    cap: usize,
) -> Result<ExchangeId> {
    let ex = rec.exchange;
    let request = scrub(&ex.request);
    let packed_here;
    let frames = match rec.packed {
        Some(p) => p,
        None => {
            packed_here = pack_frames(&ex.frames, cap);
            &packed_here
        }
    };
    let (body, body_cut) = match &ex.body {
        Some(b) if b.len() > cap => {
            let mut end = cap;
            while !b.is_char_boundary(end) {
                end -= 1;
            }
            (Some(&b[..end]), true)
        }
        b => (b.as_deref(), false),
    };
    let note = match (frames.note.clone(), body_cut) {
        (Some(n), true) => Some(format!("{n}; body cut at {cap} bytes")),
        (n, false) => n,
        (None, true) => Some(format!("body cut at {cap} bytes")),
    };
    let (cost, cost_cur) = money_parts(rec.cost);
    let provider = ex.usage.as_ref().and_then(|u| u.provider_cost.as_ref());
    let (pcost, pcost_cur) = money_parts(provider);
    tx.execute(
        "INSERT INTO exchanges (turn_id, source, model, protocol, method, url, request, status,
             response_headers, body, attempts, input_tokens, output_tokens, usage, cost,
             cost_currency, provider_cost, provider_cost_currency, started_ms, ttfb_us,
             ttft_us, total_us, stop_reason, decode_errors, error, frame_count,
             frames_truncated, frames_note, created_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
             ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29)",
        params![
            turn,
            rec.source,
            rec.model,
            rec.protocol,
            request.method,
            request.url,
            json(&request),
            ex.status,
            json(&ex.response_headers),
            body,
            ex.attempts,
            to_i64(ex.usage.as_ref().map(|u| u.input)),
            to_i64(ex.usage.as_ref().map(|u| u.output)),
            ex.usage.as_ref().map(json),
            cost,
            cost_cur,
            pcost,
            pcost_cur,
            to_i64(Some(ex.started_unix_ms)),
            to_i64(ex.ttfb_us),
            to_i64(ex.ttft_us),
            to_i64(ex.total_us),
            ex.stop_reason.as_ref().map(json),
            json(&ex.decode_errors),
            ex.error.as_ref().map(json),
            frames.kept as i64,
            note.is_some(),
            note,
            now_ms(),
        ],
    )?;
    let id = tx.last_insert_rowid();
    if !frames.blob.is_empty() {
        tx.execute(
            "INSERT INTO exchange_frames (exchange_id, encoding, data) VALUES (?1, ?2, ?3)",
            params![id, ENCODING, frames.blob],
        )?;
    }
    Ok(id)
}

fn parse<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_str(s).ok()
}

fn json<T: Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

const SUMMARY: &str = "SELECT e.id, e.turn_id, t.conversation_id, e.source, e.model, e.protocol,
        e.method, e.url, e.status, e.started_ms, e.input_tokens, e.output_tokens, e.cost,
        e.cost_currency, e.provider_cost, e.provider_cost_currency, e.ttft_us, e.total_us,
        e.error, e.frame_count, e.frames_truncated
    FROM exchanges e LEFT JOIN turns t ON t.id = e.turn_id";

fn summary_from_row(r: &Row<'_>) -> rusqlite::Result<ExchangeSummary> {
    let u = |v: Option<i64>| v.and_then(|v| u64::try_from(v).ok());
    let error: Option<String> = r.get(18)?;
    Ok(ExchangeSummary {
        id: r.get(0)?,
        turn_id: r.get(1)?,
        conversation_id: r.get(2)?,
        source: r.get(3)?,
        model: r.get(4)?,
        protocol: r.get(5)?,
        method: r.get(6)?,
        url: r.get(7)?,
        status: r
            .get::<_, Option<i64>>(8)?
            .and_then(|s| u16::try_from(s).ok()),
        started_ms: r.get(9)?,
        input_tokens: u(r.get(10)?),
        output_tokens: u(r.get(11)?),
        cost: money(r.get(12)?, r.get(13)?),
        provider_cost: money(r.get(14)?, r.get(15)?),
        ttft_us: u(r.get(16)?),
        total_us: u(r.get(17)?),
        error: error.map(|e| match serde_json::from_str::<ProviderError>(&e) {
            Ok(pe) => pe.to_string(),
            Err(_) => e,
        }),
        frame_count: u(r.get(19)?).unwrap_or(0),
        frames_truncated: r.get(20)?,
    })
}

impl Store {
    /// Stores an exchange on its own (a proxied request) or for a finished turn.
    pub fn record_exchange(
        &self,
        turn: Option<TurnId>,
        rec: &ExchangeRecord<'_>,
    ) -> Result<ExchangeId> {
        let cap = self.inner.options.frames_cap;
        self.write(|tx| insert_exchange(tx, turn, rec, cap))
    }

    /// The newest exchange's id (0 when there is none): where a follower starts.
    pub fn last_exchange_id(&self) -> Result<ExchangeId> {
        Ok(self
            .conn()
            .query_row("SELECT coalesce(max(id), 0) FROM exchanges", [], |r| {
                r.get(0)
            })?)
    }

    /// Exchanges with an id above `after`, oldest first, at most `limit`: poll with the
    /// last id seen (0 at first) to follow what any process writes.
    pub fn changes_since(&self, after: ExchangeId, limit: usize) -> Result<Vec<ExchangeSummary>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare(&format!("{SUMMARY} WHERE e.id > ?1 ORDER BY e.id LIMIT ?2"))?;
        let rows = stmt
            .query_map(params![after, limit as i64], summary_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// The exchanges of one turn, in order.
    pub fn turn_exchanges(&self, turn: TurnId) -> Result<Vec<ExchangeSummary>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("{SUMMARY} WHERE e.turn_id = ?1 ORDER BY e.id"))?;
        let rows = stmt
            .query_map([turn], summary_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Exchange `id` in full, frames decoded.
    pub fn exchange(&self, id: ExchangeId) -> Result<StoredExchange> {
        let conn = self.conn();
        let summary = conn
            .query_row(
                &format!("{SUMMARY} WHERE e.id = ?1"),
                [id],
                summary_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("exchange {id}")))?;
        type Full = (
            String,
            String,
            Option<String>,
            i64,
            Option<i64>,
            Option<String>,
        );
        let (request, headers, body, attempts, ttfb, usage): Full = conn.query_row(
            "SELECT request, response_headers, body, attempts, ttfb_us, usage
             FROM exchanges WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )?;
        let (stop, decode_errors, error, note): (
            Option<String>,
            String,
            Option<String>,
            Option<String>,
        ) = conn.query_row(
            "SELECT stop_reason, decode_errors, error, frames_note FROM exchanges WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        let blob: Option<(i64, Vec<u8>)> = conn
            .query_row(
                "SELECT encoding, data FROM exchange_frames WHERE exchange_id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let exchange = Exchange {
            request: serde_json::from_str(&request)
                .map_err(|e| StoreError::Invalid(format!("exchange {id}: bad request: {e}")))?,
            started_unix_ms: u64::try_from(summary.started_ms).unwrap_or(0),
            attempts: u32::try_from(attempts).unwrap_or(1),
            status: summary.status,
            response_headers: parse(&headers).unwrap_or_default(),
            frames: blob.map(|(enc, b)| unpack(enc, &b)).unwrap_or_default(),
            body,
            ttfb_us: ttfb.and_then(|v| u64::try_from(v).ok()),
            ttft_us: summary.ttft_us,
            total_us: summary.total_us,
            usage: usage.as_deref().and_then(parse),
            stop_reason: stop.as_deref().and_then(parse),
            decode_errors: parse(&decode_errors).unwrap_or_default(),
            error: error.as_deref().and_then(parse),
        };
        Ok(StoredExchange {
            summary,
            exchange,
            frames_note: note,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::http::mask_secret;
    use serde_json::json;

    #[test]
    fn scrub_masks_only_what_is_not_masked_yet() {
        let key = "sk-live-0123456789abcdefghij";
        let mut req = HttpRequest::post_json(format!("https://h/v1?key={key}"), json!({}));
        req.secret_header("Authorization", format!("Bearer {key}"));
        let once = scrub(&req);
        let text = serde_json::to_string(&once).unwrap();
        assert!(!text.contains(key), "{text}");
        // Already redacted: kept as is, hint and all.
        assert_eq!(scrub(&once), once);
        assert_eq!(mask_secret(key), "sk-l…ghij");
    }
}
