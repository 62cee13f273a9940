//! Request timeouts on one timer per task, for the async shells of the I/O workloads.
//!
//! Why it exists: `tokio::time::timeout` around every request registers a fresh entry in
//! the runtime's timer wheel and cancels it when the request ends, and the cancel takes
//! the time driver's lock, shared by every worker. At 150,000 requests/s on loopback that
//! was about 3% of an http cell's CPU (BENCHMARKS.md, "Load generation and serving").
//! A task's requests run one after another and their deadlines only move forward, so the
//! task keeps one [`Sleep`] and moves it to each request's deadline with
//! [`Sleep::reset`]: moving a registered timer later is one atomic update (the wheel
//! re-files the entry only when its old time comes). Every request still fails as a
//! timeout once its own deadline passes, to the timer's 1 ms resolution, exactly as with
//! `tokio::time::timeout`.

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::task::Poll;
use std::time::Instant;

use tokio::time::Sleep;

/// A task's request timer, not yet armed. Pin it (`std::pin::pin!`) for the task's life.
pub fn timer() -> Sleep {
    // Armed by the first `within`; a timer that is never polled never enters the wheel.
    tokio::time::sleep_until(tokio::time::Instant::from_std(far_future()))
}

/// About 30 years from now, as tokio's own "never" is.
fn far_future() -> Instant {
    Instant::now() + std::time::Duration::from_secs(86_400 * 365 * 30)
}

/// Run `future` until it finishes (`Some`), or until `deadline` passes first (`None`, and
/// `future` is dropped): `tokio::time::timeout` on the task's `timer`.
pub async fn within<F: Future>(mut timer: Pin<&mut Sleep>, deadline: Instant, future: F) -> Option<F::Output> {
    timer.as_mut().reset(deadline.into());
    let mut future = pin!(future);
    poll_fn(move |cx| {
        // The request first, as `timeout` does: an answer that is ready counts.
        if let Poll::Ready(out) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        timer.as_mut().poll(cx).map(|()| None)
    })
    .await
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn every_request_gets_its_own_deadline() {
        runtime().block_on(async {
            let mut timer = pin!(timer());
            // Answers in time, one after another: none times out, though the sum of their
            // times is beyond the first deadline.
            for _ in 0..4 {
                let deadline = Instant::now() + Duration::from_millis(60);
                let answer = within(timer.as_mut(), deadline, tokio::time::sleep(Duration::from_millis(20)));
                assert_eq!(answer.await, Some(()));
            }
            // A request that hangs fails, and not before its deadline.
            let deadline = Instant::now() + Duration::from_millis(30);
            let hang = within(timer.as_mut(), deadline, std::future::pending::<()>());
            assert_eq!(hang.await, None);
            assert!(Instant::now() >= deadline);
            // The timer fired; the next request is bounded again.
            let deadline = Instant::now() + Duration::from_millis(30);
            assert_eq!(within(timer.as_mut(), deadline, async { 7 }).await, Some(7));
            let deadline = Instant::now() + Duration::from_millis(30);
            let hang = within(timer.as_mut(), deadline, std::future::pending::<()>());
            assert_eq!(hang.await, None);
        });
    }

    #[test]
    fn a_ready_answer_wins_over_a_passed_deadline() {
        runtime().block_on(async {
            let mut timer = pin!(timer());
            let passed = Instant::now()
                .checked_sub(Duration::from_millis(5))
                .unwrap_or_else(Instant::now);
            assert_eq!(within(timer.as_mut(), passed, async { 1 }).await, Some(1));
            assert_eq!(within(timer.as_mut(), passed, std::future::pending::<u8>()).await, None);
        });
    }
}
