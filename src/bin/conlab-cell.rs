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
