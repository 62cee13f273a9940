//! Records the compiler and the tokio, hyper and ureq versions so every result says what built it,
//! lists the Python driver's files for the binary to embed, and lays out the cell binary so that
//! its work-path code sits together.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let root = root();
    println!("cargo:rustc-env=CONLAB_ROOT={}", root.display());
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .unwrap_or_default();
    println!("cargo:rustc-env=CONLAB_RUSTC_VERSION={}", version.trim());

    let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap_or_default();
    for (krate, var) in [("tokio", "TOKIO"), ("hyper", "HYPER"), ("ureq", "UREQ")] {
        let version = lock
            .split("[[package]]")
            .find(|p| p.contains(&format!("name = \"{krate}\"\n")))
            .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = ")))
            .map(|v| v.trim_matches('"').to_string())
            .unwrap_or_else(|| "unknown".into());
        println!("cargo:rustc-env=CONLAB_{var}_VERSION={version}");
    }
    println!("cargo:rerun-if-changed={}", root.join("Cargo.lock").display());
    driver_files(&root);
    if std::env::var("CARGO_PKG_NAME").as_deref() == Ok("conlab") {
        cell_layout(&root);
    }
}

/// The repository's root, where `src/lib.rs` is: the package's own directory for `conlab`,
/// its parent for `unit/` (the same sources built for their tests; unit/Cargo.toml says
/// why). The library's tests read the repository's files from `CONLAB_ROOT`.
fn root() -> PathBuf {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    manifest
        .ancestors()
        .find(|dir| dir.join("src/lib.rs").is_file())
        .expect("src/lib.rs is in the package's directory or above it")
        .to_path_buf()
}

/// `OUT_DIR/driver_files.rs`: every file of the Python driver package (`python/conlab_driver/`),
/// `include_str!`'d, with its path relative to `python/`, in a stable order (the cache
/// directory the binary writes them to is named by their hash). `src/launch/python.rs`
/// includes it.
fn driver_files(root: &Path) {
    let python = root.join("python");
    println!("cargo:rerun-if-changed={}", python.display());
    let mut files = Vec::new();
    let mut dirs = vec![python.join("conlab_driver")];
    while let Some(dir) = dirs.pop() {
        println!("cargo:rerun-if-changed={}", dir.display());
        for entry in std::fs::read_dir(&dir).expect("python/conlab_driver is readable") {
            let path = entry.expect("a readable directory entry").path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "__pycache__") {
                    dirs.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "py") {
                println!("cargo:rerun-if-changed={}", path.display());
                files.push(path);
            }
        }
    }
    files.sort();
    let mut code = String::from("/// The driver package's files: (path relative to `python/`, contents).\n");
    code.push_str("pub const FILES: &[(&str, &str)] = &[\n");
    for path in &files {
        let relative = path.strip_prefix(&python).unwrap().to_str().expect("UTF-8 file names");
        code.push_str(&format!(
            "    ({relative:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("driver_files.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}

/// Lay out conlab-cell's code so that what runs during a cell's work sits together
/// (src/measure/image.rs says why): src/bin/conlab-cell.ld, which `scripts/cell-order.py`
/// writes, puts those functions in a section of their own ahead of the rest of the code
/// (`INSERT BEFORE .text` adds to the linker's own layout rather than replacing it). A
/// linker that does not take the script links the binary as before.
fn cell_layout(root: &Path) {
    let script = root.join("src/bin/conlab-cell.ld");
    println!("cargo:rerun-if-changed={}", script.display());
    if script.exists() && linker_takes(&script) {
        println!("cargo:rustc-link-arg-bin=conlab-cell=-Wl,-T,{}", script.display());
    }
}

/// Whether the linker rustc uses for this target takes the linker script: link an empty
/// program with it, as this crate's binaries will be linked.
fn linker_takes(script: &Path) -> bool {
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let probe = out.join("layout_probe.rs");
    if std::fs::write(&probe, "fn main() {}\n").is_err() {
        return false;
    }
    let mut rustc = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()));
    rustc
        .arg(&probe)
        .arg("-o")
        .arg(out.join("layout_probe"))
        .arg(format!("-Clink-arg=-Wl,-T,{}", script.display()));
    if let Ok(target) = std::env::var("TARGET") {
        rustc.arg("--target").arg(target);
    }
    if let Ok(linker) = std::env::var("RUSTC_LINKER") {
        rustc.arg(format!("-Clinker={linker}"));
    }
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    rustc.args(flags.split('\x1f').filter(|f| !f.is_empty()));
    rustc.output().is_ok_and(|o| o.status.success())
}
