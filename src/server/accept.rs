//! What both of the target's ports do when an accept fails.

use std::time::Duration;

/// Accept errors such as EMFILE are survived: wait a moment and accept again, so a flood
/// of connections degrades the server instead of ending it.
pub(super) async fn accept_backoff(err: &std::io::Error) {
    eprintln!("conlab serve: accept failed: {err}");
    tokio::time::sleep(Duration::from_millis(10)).await;
}
