//! `conlab claims` runs the article's claims on this machine and gives each a verdict
//! with the numbers; a malformed claims file names the entry.

mod common;

use common::*;

#[test]
fn the_article_claims_get_measured_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("claims");
    let output = conlab()
        .arg("claims")
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
    assert!(verdicts.len() >= 8);
    let by_id = |id: &str| verdicts.iter().find(|v| v["id"] == id).unwrap().clone();
    // Resident memory of 1000 sleeping threads is tens of MB here, nowhere near 1-8 GB.
    let rss = by_id("thousand-threads-1-8gb-rss");
    assert_eq!(rss["verdict"], "does not hold", "{rss}");
    assert!(rss["measured"].as_str().unwrap().contains("RSS"));
    // Virtual size is where the gigabytes are.
    let vm = by_id("thousand-threads-1-8gb-virtual");
    assert!(vm["verdict"] == "holds" || vm["verdict"] == "partly", "{vm}");
    assert_eq!(by_id("cpu-wants-processes")["verdict"], "holds");
    for v in verdicts {
        assert!(
            ["holds", "partly", "does not hold"].contains(&v["verdict"].as_str().unwrap()),
            "{v}"
        );
    }
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
