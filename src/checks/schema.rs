//! The committed JSON Schemas, and the README's list of failure and error kinds, are the
//! ones the result types generate. Set CONLAB_UPDATE_SCHEMA=1 to rewrite them after
//! changing a result type.

use std::path::Path;

#[test]
fn committed_schemas_match_the_result_types() {
    let dir = Path::new(env!("CONLAB_ROOT")).join("schema");
    for (file, schema) in [
        ("results.schema.json", crate::report::json::results_schema()),
        ("results-line.schema.json", crate::report::json::jsonl_schema()),
        ("child-report.schema.json", crate::report::json::child_report_schema()),
    ] {
        let generated = serde_json::to_string_pretty(&schema).unwrap() + "\n";
        let path = dir.join(file);
        if std::env::var_os("CONLAB_UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "schema/{file} is stale: run CONLAB_UPDATE_SCHEMA=1 cargo test --release -p conlab-unit --test unit checks::schema"
        );
    }
}

const BEGIN: &str = "<!-- kinds: generated from FailureKind and ErrorKind -->\n";
const END: &str = "<!-- kinds: end -->";

#[test]
fn the_readme_lists_every_failure_and_error_kind() {
    let path = Path::new(env!("CONLAB_ROOT")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let start = readme.find(BEGIN).expect("README.md has the kinds section") + BEGIN.len();
    let end = start + readme[start..].find(END).expect("the kinds section ends");
    let generated = crate::report::kinds::markdown();
    if std::env::var_os("CONLAB_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, format!("{}{generated}{}", &readme[..start], &readme[end..])).unwrap();
        return;
    }
    assert!(
        readme[start..end] == generated,
        "README.md's list of kinds is stale: run CONLAB_UPDATE_SCHEMA=1 cargo test --release -p conlab-unit --test unit checks::schema"
    );
}

#[test]
fn the_committed_compare_schema_is_the_generated_one() {
    let path = Path::new(env!("CONLAB_ROOT")).join("schema/compare.schema.json");
    let generated = serde_json::to_string_pretty(&crate::report::compare::schema()).unwrap() + "\n";
    if std::env::var_os("CONLAB_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schema/compare.schema.json is stale: run CONLAB_UPDATE_SCHEMA=1 cargo test --release -p conlab-unit --test unit checks::schema"
    );
}
