//! Records the compiler and the tokio, hyper and ureq versions so every result says what built it,
//! and keeps the cell binary's work-path code together at link time.

use std::process::Command;

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .unwrap_or_default();
    println!("cargo:rustc-env=CONLAB_RUSTC_VERSION={}", version.trim());

    let lock = std::fs::read_to_string("Cargo.lock").unwrap_or_default();
    for (krate, var) in [("tokio", "TOKIO"), ("hyper", "HYPER"), ("ureq", "UREQ")] {
        let version = lock
            .split("[[package]]")
            .find(|p| p.contains(&format!("name = \"{krate}\"\n")))
            .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = ")))
            .map(|v| v.trim_matches('"').to_string())
            .unwrap_or_else(|| "unknown".into());
        println!("cargo:rustc-env=CONLAB_{var}_VERSION={version}");
    }
    println!("cargo:rerun-if-changed=Cargo.lock");
    // The cell's work-path functions (`.text.hot.conlab`, see src/measure/image.rs) stay
    // together instead of being merged into .text in compile order.
    println!("cargo:rustc-link-arg-bin=conlab-cell=-Wl,-z,keep-text-section-prefix");
}
