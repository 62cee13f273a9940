//! Claims as data: the claims file's format, checked once on load into typed claims (a
//! scenario, a check with typed models, an ordered range, a parsed objective), so the
//! judging in `claims` never meets a malformed one.

use serde::Deserialize;

use crate::model::ModelSpec;
use crate::slo::Slo;
use crate::workload::WorkloadSpec;

/// The seed article's claims, shipped with conlab.
pub const ARTICLE: &str = include_str!("../../claims/article.json");

/// One claim, checked on load: its workload and models are typed, its range ordered.
#[derive(Debug, Clone)]
pub struct Claim {
    pub id: String,
    pub text: String,
    pub source: String,
    pub workload: WorkloadSpec,
    pub tasks: usize,
    pub check: Check,
}

/// What must be true of the measurements for the claim to hold.
#[derive(Debug, Clone)]
pub enum Check {
    /// `a` and `b` finish within `within` (0.25 = 25%) of each other.
    Similar { a: ModelSpec, b: ModelSpec, within: f64 },
    /// `faster` beats `slower` by at least `by` (1.0 = twice as fast).
    Faster {
        faster: ModelSpec,
        slower: ModelSpec,
        by: f64,
    },
    /// `leaner` uses less peak RSS than `fatter` by at least `by` (1.0 = half as much).
    Leaner {
        leaner: ModelSpec,
        fatter: ModelSpec,
        by: f64,
    },
    /// `model` runs every task, all at once, without a failed task.
    Completes { model: ModelSpec },
    /// `metric` of `model` lies in [min, max].
    Range {
        model: ModelSpec,
        metric: Metric,
        min: f64,
        max: f64,
    },
    /// A server: `more` holds more open-loop load within `slo` than `less`, by at least
    /// `by` (0.25 = a quarter more); judged on capacity searches (`bench --slo`).
    HoldsMore {
        more: ModelSpec,
        less: ModelSpec,
        by: f64,
        slo: Slo,
    },
    /// A server: `a` holds about as much load within `slo` as `b`, within `within`.
    HoldsAsMuch {
        a: ModelSpec,
        b: ModelSpec,
        within: f64,
        slo: Slo,
    },
}

/// The figures a range claim can be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    PeakRssBytes,
    PeakVmBytes,
    /// Peak RSS above the model's baseline (0 tasks), per task.
    RssPerTaskBytes,
    /// Peak virtual size above the model's baseline, per task.
    VmPerTaskBytes,
}

impl Metric {
    pub fn label(self) -> &'static str {
        match self {
            Metric::PeakRssBytes => "RSS",
            Metric::PeakVmBytes => "virtual",
            Metric::RssPerTaskBytes => "RSS per task",
            Metric::VmPerTaskBytes => "virtual per task",
        }
    }
}

/// A claims file that cannot be used: one line naming the claim and the field.
#[derive(Debug, thiserror::Error)]
pub enum ClaimsError {
    #[error("{file} is not a JSON list of claims: {error}")]
    NotAList {
        file: String,
        /// In the message, so not also the source: each cause prints once.
        error: serde_json::Error,
    },
    #[error("{file}: claim {number} (id '{id}'): {why}")]
    Bad {
        file: String,
        number: usize,
        id: String,
        why: String,
    },
    #[error("{0} holds no claims")]
    Empty(String),
}

/// A claim as written in the file, before its specs are parsed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClaim {
    id: String,
    text: String,
    source: String,
    workload: String,
    tasks: usize,
    check: RawCheck,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
enum RawCheck {
    Similar {
        a: String,
        b: String,
        within: f64,
    },
    Faster {
        faster: String,
        slower: String,
        by: f64,
    },
    Leaner {
        leaner: String,
        fatter: String,
        by: f64,
    },
    Completes {
        model: String,
    },
    Range {
        model: String,
        metric: Metric,
        min: f64,
        max: f64,
    },
    #[serde(rename = "holds-more")]
    HoldsMore {
        more: String,
        less: String,
        by: f64,
        slo: String,
    },
    #[serde(rename = "holds-as-much")]
    HoldsAsMuch {
        a: String,
        b: String,
        within: f64,
        slo: String,
    },
}

/// Parse a claims file's text (`file` names it in errors).
pub fn parse_claims(text: &str, file: &str) -> Result<Vec<Claim>, ClaimsError> {
    let entries: Vec<serde_json::Value> = serde_json::from_str(text).map_err(|error| ClaimsError::NotAList {
        file: file.into(),
        error,
    })?;
    if entries.is_empty() {
        return Err(ClaimsError::Empty(file.into()));
    }
    entries
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let id = v.get("id").and_then(|x| x.as_str()).unwrap_or("?").to_string();
            let bad = |why: String| ClaimsError::Bad {
                file: file.into(),
                number: i + 1,
                id: id.clone(),
                why,
            };
            let raw: RawClaim = serde_json::from_value(v).map_err(|e| bad(format!("malformed: {e}")))?;
            let workload = raw.workload.parse().map_err(|e| bad(format!("workload: {e}")))?;
            let model = |field: &str, text: &str| {
                text.parse::<ModelSpec>()
                    .map_err(|e| bad(format!("check.{field}: {e}")))
            };
            let check = match raw.check {
                RawCheck::Similar { a, b, within } => Check::Similar {
                    a: model("a", &a)?,
                    b: model("b", &b)?,
                    within,
                },
                RawCheck::Faster { faster, slower, by } => Check::Faster {
                    faster: model("faster", &faster)?,
                    slower: model("slower", &slower)?,
                    by,
                },
                RawCheck::Leaner { leaner, fatter, by } => Check::Leaner {
                    leaner: model("leaner", &leaner)?,
                    fatter: model("fatter", &fatter)?,
                    by,
                },
                RawCheck::Completes { model: m } => Check::Completes {
                    model: model("model", &m)?,
                },
                RawCheck::Range {
                    model: m,
                    metric,
                    min,
                    max,
                } => {
                    if min > max {
                        return Err(bad(format!("check.min ({min}) is larger than check.max ({max})")));
                    }
                    Check::Range {
                        model: model("model", &m)?,
                        metric,
                        min,
                        max,
                    }
                }
                RawCheck::HoldsMore { more, less, by, slo } => Check::HoldsMore {
                    more: model("more", &more)?,
                    less: model("less", &less)?,
                    by,
                    slo: Slo::parse(&slo).map_err(|e| bad(format!("check.slo: {e}")))?,
                },
                RawCheck::HoldsAsMuch { a, b, within, slo } => Check::HoldsAsMuch {
                    a: model("a", &a)?,
                    b: model("b", &b)?,
                    within,
                    slo: Slo::parse(&slo).map_err(|e| bad(format!("check.slo: {e}")))?,
                },
            };
            if let Some(why) = matches!(check, Check::HoldsMore { .. } | Check::HoldsAsMuch { .. })
                .then(|| crate::slo::refuse(std::slice::from_ref(&workload)))
                .flatten()
            {
                return Err(bad(format!("workload: {why}")));
            }
            if raw.tasks == 0 {
                return Err(bad("tasks must be at least 1".into()));
            }
            Ok(Claim {
                id: raw.id,
                text: raw.text,
                source: raw.source,
                workload,
                tasks: raw.tasks,
                check,
            })
        })
        .collect()
}

impl Claim {
    /// The models the claim's check compares.
    pub fn models(&self) -> Vec<&ModelSpec> {
        match &self.check {
            Check::Similar { a, b, .. } => vec![a, b],
            Check::Faster { faster, slower, .. } => vec![faster, slower],
            Check::Leaner { leaner, fatter, .. } => vec![leaner, fatter],
            Check::Completes { model } | Check::Range { model, .. } => vec![model],
            Check::HoldsMore { more, less, .. } => vec![more, less],
            Check::HoldsAsMuch { a, b, .. } => vec![a, b],
        }
    }

    /// The objective a capacity claim is judged at; `None` for the other checks.
    pub fn slo(&self) -> Option<&Slo> {
        match &self.check {
            Check::HoldsMore { slo, .. } | Check::HoldsAsMuch { slo, .. } => Some(slo),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_article_claims_parse() {
        let claims = parse_claims(ARTICLE, "article").unwrap();
        assert!(claims.len() >= 8);
        assert!(claims.iter().any(|c| c.id == "thousand-threads-1-8gb-virtual"));
    }

    fn one(check: &str) -> String {
        let text = format!(r#"[{{"id":"c","text":"t","source":"s","workload":"sleep:1s","tasks":1,"check":{check}}}]"#);
        parse_claims(&text, "f.json")
            .map(|_| "ok".into())
            .unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn bad_claims_name_the_claim_and_the_field() {
        let range = |metric: &str, min: u32, max: u32, model: &str| {
            format!(r#"{{"kind":"range","model":"{model}","metric":"{metric}","min":{min},"max":{max}}}"#)
        };
        assert_eq!(one(&range("peak_rss_bytes", 1, 2, "rs-async")), "ok");
        let metric = one(&range("peak_cpu", 1, 2, "rs-async"));
        assert!(
            metric.contains("claim 1 (id 'c')") && metric.contains("peak_cpu"),
            "{metric}"
        );
        assert!(one(&range("peak_rss_bytes", 3, 2, "rs-async")).contains("check.min (3) is larger"));
        let model = one(&range("peak_rss_bytes", 1, 2, "go-routine"));
        assert!(model.contains("check.model") && !model.contains("--models"), "{model}");
    }
}
