//! The shared HTTP/1.1 corpus (`tests/fixtures/http1/`, one JSON file per case) against
//! this codec. The Python driver's `unittest` reads the same files against its codec, so
//! the same reply ends the same way (status, body length, keep-alive or close; or the
//! same error kind and message) in both languages. Every case is fed whole, split at
//! every byte boundary, and byte by byte, through the shells' 16 KiB buffer.

use super::*;
use crate::workload::http::BUFFER;
use serde::Deserialize;
use std::path::PathBuf;

/// One case file. A response's bytes are a string of code points U+0000..=U+00FF, one
/// per byte; the peer closes the connection after the last one.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// Which part of RFC 9112 (or 9110) says so.
    #[allow(dead_code)]
    rfc: String,
    response: String,
    #[serde(default)]
    request: Request,
    expect: Outcome,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Request {
    keepalive: bool,
}

impl Default for Request {
    fn default() -> Self {
        Request { keepalive: true }
    }
}

/// How a case ends.
#[derive(Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
enum Outcome {
    /// A complete response; `extra` bytes were left for the next one.
    Response {
        status: u16,
        body: u64,
        close: bool,
        #[serde(default)]
        extra: usize,
    },
    Error {
        error: ErrorKind,
        message: String,
    },
}

fn corpus() -> Vec<(String, Case)> {
    let dir = PathBuf::from(env!("CONLAB_ROOT")).join("tests/fixtures/http1");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            // Reject misspelt keys in `expect` too (an untagged enum ignores them).
            let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
            for key in raw["expect"].as_object().expect("expect is an object").keys() {
                let known = ["status", "body", "close", "extra", "error", "message"];
                assert!(known.contains(&key.as_str()), "{}: unknown key {key}", path.display());
            }
            let case: Case = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            (name, case)
        })
        .collect();
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    cases
}

fn bytes(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).expect("a response string holds bytes (U+0000..=U+00FF)"))
        .collect()
}

/// Feed `pieces` one read each (a piece larger than the free space over several reads),
/// then close; how the first response ends.
fn outcome(pieces: &[&[u8]], keepalive: bool) -> Outcome {
    let mut codec = Codec::new(BUFFER);
    let mut pieces = pieces.iter().copied().filter(|p| !p.is_empty());
    let mut pending: &[u8] = &[];
    loop {
        match codec.advance() {
            Err(e) => {
                return Outcome::Error {
                    error: e.kind(),
                    message: e.to_string(),
                }
            }
            Ok(Step::Read) => {
                if pending.is_empty() {
                    match pieces.next() {
                        Some(piece) => pending = piece,
                        None => {
                            codec.filled(0);
                            continue;
                        }
                    }
                }
                let spare = codec.spare();
                let n = pending.len().min(spare.len());
                spare[..n].copy_from_slice(&pending[..n]);
                codec.filled(n);
                pending = &pending[n..];
            }
            Ok(Step::Head(_)) => {}
            Ok(Step::Done(head)) => {
                return Outcome::Response {
                    status: head.status,
                    body: codec.body_len(),
                    close: head.close || !keepalive,
                    extra: codec.end - codec.start + pending.len() + pieces.map(<[u8]>::len).sum::<usize>(),
                }
            }
        }
    }
}

#[test]
fn every_case_whole_split_and_byte_by_byte() {
    let cases = corpus();
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    let mut failed = Vec::new();
    for (name, case) in &cases {
        let input = bytes(&case.response);
        let keepalive = case.request.keepalive;
        let whole = outcome(&[&input], keepalive);
        let mut wrong = (whole != case.expect).then(|| format!("whole: {whole:?}"));
        for cut in 0..=input.len() {
            if wrong.is_some() {
                break;
            }
            let (a, b) = input.split_at(cut);
            let split = outcome(&[a, b], keepalive);
            wrong = (split != case.expect).then(|| format!("split at {cut}: {split:?}"));
        }
        if wrong.is_none() {
            let single: Vec<&[u8]> = input.chunks(1).collect();
            let split = outcome(&single, keepalive);
            wrong = (split != case.expect).then(|| format!("byte by byte: {split:?}"));
        }
        match wrong {
            None => println!("http1 corpus: {name}: ok ({:?})", case.expect),
            Some(got) => {
                println!("http1 corpus: {name}: FAILED: expected {:?}, got {got}", case.expect);
                failed.push(name.as_str());
            }
        }
    }
    println!("http1 corpus: {} cases, {} failed", cases.len(), failed.len());
    assert!(failed.is_empty(), "http1 corpus cases failed: {failed:?}");
}
