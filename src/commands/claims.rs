//! `conlab claims`: claims as data (the seed article's, built in, or `--claims FILE`),
//! each measured on this machine and judged, in a table, `claims.json` (with the cells
//! behind it in `results.json`) and an HTML report with a Claims section.

use std::sync::atomic::AtomicBool;

use anyhow::Context;

use super::shared::{conlab_exe, default_out, print_out, usage, user_path};
use crate::analyze::claims::{self, Claim, ARTICLE};
use crate::cli::ClaimsArgs;
use crate::measure::{env::Environment, limits};
use crate::model::ModelSpec;
use crate::plan::{Plan, PlanError, PlanRequest, DEFAULT_TIMEOUT};
use crate::report::{self, Format};
use crate::results::{Capacity, ClaimResult, Results, Verdict};
use crate::slo::Slo;
use crate::sweep::{self, Quiet};
use crate::workload::WorkloadSpec;

pub fn run(a: &ClaimsArgs) -> anyhow::Result<()> {
    let claims = load(a)?;
    let out = a.out.clone().unwrap_or_else(|| default_out("claims-"));
    user_path(std::fs::create_dir_all(&out), "cannot create", &out)?;

    let mut env = Environment::probe(limits::raise_nofile());
    let exe = conlab_exe()?;
    let never = AtomicBool::new(false);
    let mut merged: Option<Results> = None;
    let mut capacities: Vec<Capacity> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    for (workload, slo, models, tasks) in sweeps(&claims) {
        let names: Vec<String> = models.iter().map(ToString::to_string).collect();
        let searched = slo.as_ref().map(|s| format!(", capacity at {s}")).unwrap_or_default();
        eprintln!(
            "conlab claims: {workload} with {} at {tasks:?} tasks{searched}",
            names.join(", ")
        );
        let mut request = PlanRequest::new(vec![workload], Some(models), tasks);
        request.cell_timeout = Some(DEFAULT_TIMEOUT);
        request.repeat = a.repeat as usize;
        request.pythons.clone_from(&a.python);
        request.out = Some(out.clone());
        request.slo = slo;
        let plan = match Plan::new(request) {
            // Every model of these claims is missing here (a server stack not
            // installed): their claims are not judged, with this reason.
            Err(PlanError::NoModels(why)) => {
                eprintln!("conlab claims: not run: {why}");
                notes.extend(why.split("; ").map(String::from));
                continue;
            }
            other => other.map_err(usage)?,
        };
        notes.extend(plan.notes.iter().cloned());
        let mut results = sweep::run(&plan, env.clone(), &exe, &mut Quiet, &never)?;
        // The next sweeps reuse the ceilings this one measured.
        env.clone_from(&results.environment);
        if let Some(c) = results.capacity.take() {
            match capacities.iter_mut().find(|k| k.slo == c.slo) {
                Some(k) => k.searches.extend(c.searches),
                None => capacities.push(c),
            }
        }
        merged = Some(match merged {
            None => results,
            Some(m) => merge(m, results),
        });
    }
    let (cells, baselines) = merged
        .as_ref()
        .map_or((&[][..], &[][..]), |r| (&r.cells[..], &r.baselines[..]));
    let verdicts: Vec<ClaimResult> = claims
        .iter()
        .map(|c| with_notes(claims::judge(c, cells, baselines, &capacities), &notes))
        .collect();
    let json = out.join("claims.json");
    let Some(mut results) = merged else {
        // Nothing could run here (every model missing): the verdicts say why, and there
        // are no cells for a results document or a report.
        print_out(&report::claims::render(&verdicts))?;
        std::fs::write(&json, serde_json::to_string_pretty(&verdicts)? + "\n")
            .with_context(|| format!("cannot write {}", json.display()))?;
        return print_out(&format!("claims: {}\n", json.display()));
    };
    results.analysis = crate::analyze::analyze(
        &results.cells,
        &results.baselines,
        &results.plan.workloads,
        &results.plan.models,
    );
    // The report shows the searches of the first objective.
    crate::analyze::capacity::attach(&mut results, capacities.first().cloned());
    results.claims.clone_from(&verdicts);

    print_out(&report::claims::render(&verdicts))?;
    std::fs::write(&json, serde_json::to_string_pretty(&verdicts)? + "\n")
        .with_context(|| format!("cannot write {}", json.display()))?;
    // The cells behind the verdicts, for `conlab report` and `conlab answer --claims`.
    let results_json = out.join("results.json");
    crate::report::json::write_results(&results_json, &results)
        .with_context(|| format!("cannot write {}", results_json.display()))?;
    let html = out.join("report.html");
    std::fs::write(&html, report::html::Html.render(&results))
        .with_context(|| format!("cannot write {}", html.display()))?;
    print_out(&format!("claims: {}\nreport: {}\n", json.display(), html.display()))
}

fn load(a: &ClaimsArgs) -> anyhow::Result<Vec<Claim>> {
    let (text, name) = match &a.claims {
        Some(p) => (
            user_path(std::fs::read_to_string(p), "cannot read", p)?,
            p.display().to_string(),
        ),
        None => (ARTICLE.to_string(), "claims/article.json".to_string()),
    };
    claims::parse_claims(&text, &name).map_err(usage)
}

/// Why a claim was not measured, in the plan's own words when it left a model out (a
/// server stack whose library is not installed here).
fn with_notes(mut v: ClaimResult, notes: &[String]) -> ClaimResult {
    if v.verdict != Verdict::NotMeasured {
        return v;
    }
    let model = v.measured.split_whitespace().next().unwrap_or_default().to_string();
    if let Some(note) = notes
        .iter()
        .find(|n| n.split_whitespace().next() == Some(model.as_str()))
    {
        v.measured = format!("not judged: {note}");
    }
    v
}

/// A sweep the claims need: its workload, objective (capacity claims), models and counts.
type Sweep = (WorkloadSpec, Option<Slo>, Vec<ModelSpec>, Vec<usize>);

/// One sweep per workload and objective (capacity claims search at theirs), covering
/// every model and task count its claims need.
fn sweeps(claims: &[Claim]) -> Vec<Sweep> {
    let mut out: Vec<Sweep> = Vec::new();
    for c in claims {
        let slo = c.slo().cloned();
        let i = match out.iter().position(|(w, s, _, _)| *w == c.workload && *s == slo) {
            Some(i) => i,
            None => {
                out.push((c.workload.clone(), slo, Vec::new(), Vec::new()));
                out.len() - 1
            }
        };
        let (_, _, models, tasks) = &mut out[i];
        for m in c.models() {
            if !models.contains(m) {
                models.push(m.clone());
            }
        }
        if !tasks.contains(&c.tasks) {
            tasks.push(c.tasks);
        }
    }
    out
}

/// One document from the sweeps of several workloads.
fn merge(mut into: Results, other: Results) -> Results {
    into.cells.extend(other.cells);
    into.baselines.extend(other.baselines);
    for workload in other.plan.workloads {
        if !into.plan.workloads.contains(&workload) {
            into.plan.workloads.push(workload);
        }
    }
    for model in other.plan.models {
        if !into.plan.models.contains(&model) {
            into.plan.models.push(model);
        }
    }
    into.finished_at = other.finished_at;
    into.interrupted |= other.interrupted;
    into
}
