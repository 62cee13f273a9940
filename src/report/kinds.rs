//! The two lists a reader of a failed cell needs: how a cell can end (`failure.kind`) and
//! why a task or request failed (the keys of `errors`). Both are read from the enums' own
//! documentation through their JSON Schema, so the README, `conlab list` and the schema
//! say the same thing: a new kind is documented where it is declared, once.

use schemars::schema_for;
use serde_json::Value;

use crate::results::{ErrorKind, FailureKind};

/// One kind: its name in results and what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kind {
    pub name: String,
    pub meaning: String,
}

/// Every `failure.kind`, in declaration order.
pub fn failure_kinds() -> Vec<Kind> {
    listed(serde_json::to_value(schema_for!(FailureKind)).expect("schema serializes"))
}

/// Every error kind counted in a cell's `errors`, in declaration order.
pub fn error_kinds() -> Vec<Kind> {
    listed(serde_json::to_value(schema_for!(ErrorKind)).expect("schema serializes"))
}

fn listed(schema: Value) -> Vec<Kind> {
    schema["oneOf"]
        .as_array()
        .expect("a documented enum is a oneOf of constants")
        .iter()
        .map(|variant| Kind {
            name: variant["const"]
                .as_str()
                .expect("each variant is a constant")
                .to_string(),
            meaning: variant["description"]
                .as_str()
                .unwrap_or_default()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        })
        .collect()
}

/// Both lists as Markdown tables: the README's section, checked by a test.
pub fn markdown() -> String {
    let mut out = String::new();
    for (title, kinds) in [
        ("How a cell ends when it is not `ok` (`failure.kind`)", failure_kinds()),
        ("Why a task or a request failed (keys of `errors`)", error_kinds()),
    ] {
        out.push_str(&format!("{title}:\n\n| kind | meaning |\n|---|---|\n"));
        for k in kinds {
            out.push_str(&format!("| `{}` | {} |\n", k.name, k.meaning.replace('|', "\\|")));
        }
        out.push('\n');
    }
    out
}

/// Both lists as plain text for `conlab list`.
pub fn text() -> String {
    let mut out = String::new();
    for (title, kinds) in [
        ("How a cell ends when it is not ok (failure.kind):", failure_kinds()),
        ("Why a task or a request failed (the keys of errors):", error_kinds()),
    ] {
        out.push_str(&format!("\n{title}\n"));
        for k in kinds {
            out.push_str(&format!("  {:<18} {}\n", k.name, k.meaning));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_listed_with_a_meaning() {
        let failures = failure_kinds();
        assert!(failures.iter().any(|k| k.name == "oom-killed"));
        let names: std::collections::BTreeSet<_> = failures.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(names.len(), failures.len(), "no kind is listed twice");
        let errors = error_kinds();
        for kind in ["refused", "http-4xx", "fd-limit", "error"] {
            assert!(errors.iter().any(|k| k.name == kind), "{kind}");
        }
        assert!(failures
            .iter()
            .chain(&errors)
            .all(|k| !k.meaning.is_empty() && !k.meaning.contains('\n')));
        // The names are the ones results carry.
        assert!(errors.iter().any(|k| k.name == ErrorKind::FdLimit.as_str()));
        assert!(failures.iter().any(|k| k.name == FailureKind::TaskErrors.as_str()));
    }
}
