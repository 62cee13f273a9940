//! `conlab claims` runs the article's claims on this machine and gives each a verdict
//! with the numbers; a malformed claims file names the entry.

use crate::common::*;

/// The article's claims about memory, from the built-in file: the full set takes two
/// minutes (`conlab claims`), these a few seconds, and their verdicts are not a matter of
/// timing (tens of MB are nowhere near 1-8 GB on any machine).
const MEMORY_CLAIMS: &[&str] = &[
    "thousand-threads-1-8gb-rss",
    "thousand-threads-1-8gb-virtual",
    "thread-1-8mb-rss",
    "asyncio-kb-per-task",
];

#[test]
fn the_article_claims_get_measured_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let article = read_json(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("claims/article.json"));
    let chosen: Vec<&serde_json::Value> = article
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| MEMORY_CLAIMS.contains(&c["id"].as_str().unwrap()))
        .collect();
    assert_eq!(chosen.len(), MEMORY_CLAIMS.len(), "the article's claims hold these ids");
    let file = dir.path().join("memory.json");
    std::fs::write(&file, serde_json::to_string(&chosen).unwrap()).unwrap();
    let out = dir.path().join("claims");
    let output = conlab()
        .arg("claims")
        .arg("--claims")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .timeout(std::time::Duration::from_secs(200))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let table = stdout(&output);
    assert!(table.contains("claim") && table.contains("verdict"), "{table}");
    let verdicts = read_json(&out.join("claims.json"));
    let verdicts = verdicts.as_array().unwrap();
    assert_eq!(verdicts.len(), MEMORY_CLAIMS.len());
    let by_id = |id: &str| verdicts.iter().find(|v| v["id"] == id).unwrap().clone();
    // Resident memory of 1000 sleeping threads is tens of MB here, nowhere near 1-8 GB.
    let rss = by_id("thousand-threads-1-8gb-rss");
    assert_eq!(rss["verdict"], "does not hold", "{rss}");
    let measured = rss["measured"].as_str().unwrap();
    assert!(measured.contains("RSS") && measured.contains("3 runs"), "{rss}");
    // Virtual size is where the gigabytes are.
    let vm = by_id("thousand-threads-1-8gb-virtual");
    assert!(vm["verdict"] == "holds" || vm["verdict"] == "partly", "{vm}");
    assert_eq!(by_id("thread-1-8mb-rss")["verdict"], "does not hold");
    assert!(by_id("asyncio-kb-per-task")["measured"]
        .as_str()
        .unwrap()
        .contains("RSS per task"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<h2>Claims</h2>") && html.contains("1000 threads use 1-8 GB"));
}

#[test]
fn a_malformed_claims_file_names_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("claims.json");
    std::fs::write(&file, r#"[{"id":"first","text":"t","source":"s","workload":"sleep:1x","tasks":1,"check":{"kind":"range","model":"rs-async","metric":"peak_rss_bytes","min":1,"max":2}}]"#).unwrap();
    let output = conlab()
        .arg("claims")
        .arg("--claims")
        .arg(&file)
        .arg("--out")
        .arg(dir.path().join("o"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("claim 1 (id 'first')"), "{err}");
}
