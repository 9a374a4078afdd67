//! `Ticker`: redraws the spinner and elapsed time while a request runs, and only then. It
//! is a guard: the ticking task stops when the guard drops, so an idle app has no timer.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use super::msg::Msg;

/// How often a running request redraws its spinner.
pub const TICK: Duration = Duration::from_millis(100);

/// Sends `Msg::Tick` every period until dropped.
#[derive(Debug)]
#[must_use = "the ticker stops when dropped"]
pub struct Ticker {
    stop: CancellationToken,
}

impl Ticker {
    /// Starts ticking into `tx` on the current tokio runtime.
    pub fn start(tx: UnboundedSender<Msg>, period: Duration) -> Ticker {
        let stop = CancellationToken::new();
        let stopped = stop.clone();
        tokio::spawn(async move {
            let mut interval =
                tokio::time::interval_at(tokio::time::Instant::now() + period, period);
            interval.set_missed_tick_behavior(MissedTickBehavior::Skip);
            loop {
                tokio::select! {
                    biased;
                    () = stopped.cancelled() => break,
                    _ = interval.tick() => {
                        if tx.send(Msg::Tick).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        Ticker { stop }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn ticks_until_dropped() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let ticker = Ticker::start(tx, TICK);
        tokio::time::sleep(TICK * 3 + TICK / 2).await;
        let mut ticks = 0;
        while rx.try_recv().is_ok() {
            ticks += 1;
        }
        assert_eq!(ticks, 3);
        drop(ticker);
        tokio::time::sleep(TICK * 5).await;
        assert!(rx.try_recv().is_err(), "no tick after drop");
    }
}
