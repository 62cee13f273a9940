//! `conlab-cell`: the measured process of a cell, on its own.
//!
//! It runs exactly what `conlab cell` runs (the typed spec on stdin, one JSON line out),
//! from a binary that holds only the cell code (no argument parser, tables, progress bars
//! or report renderers). Every cell's peak RSS includes the code pages of the binary it
//! runs in, so a lean binary keeps conlab's figures close to those of a minimal
//! hand-written program (BENCHMARKS.md).

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let code = match args.get(1).map(String::as_str) {
        Some("cell") if args.len() == 2 => conlab::cell::child::run(std::io::stdin()),
        Some("worker") if args.len() == 2 => conlab::model::run_worker(std::io::stdin().lock()),
        _ => {
            eprintln!("conlab-cell: internal to conlab; usage: conlab-cell cell < SPEC_JSON");
            2
        }
    };
    std::process::exit(code);
}

// libm's routines, defined here so that this binary does not load libm at start
// (`conlab::measure::libm` says why); they call libm itself, loaded on first use or
// before the ready mark of the models whose plain programs load it.
#[no_mangle]
pub extern "C" fn pow(x: f64, y: f64) -> f64 {
    conlab::measure::libm::pow(x, y)
}

#[no_mangle]
pub extern "C" fn log(x: f64) -> f64 {
    conlab::measure::libm::log(x)
}
