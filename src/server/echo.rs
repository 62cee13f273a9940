//! The TCP echo port: every message read is written back (after an optional delay). It is
//! the other end of the `tcp` workload's long-held, chatty connections.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub async fn serve(listener: TcpListener, delay: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(echo(stream, delay, stop.clone()));
                }
                Err(e) => super::accept::accept_backoff(&e).await,
            },
            _ = stop.changed() => return,
        }
    }
}

async fn echo(mut stream: TcpStream, delay: Duration, mut stop: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::select! {
            read = stream.read(&mut buf) => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            },
            _ = stop.changed() => return,
        };
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        if stream.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
