//! How a cell process starts. A Rust model runs in the lean `conlab-cell` binary; a
//! Python model runs in the embedded Python driver under the interpreter the plan chose.
//! Either way the launcher hands back a command and the typed spec to write on its
//! stdin, and the parent measures the process the same way: the model layer never needs
//! to know which launcher runs it.

pub mod hosts;
pub mod python;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use crate::measure::env::Interpreter;
use crate::model::ModelSpec;
use crate::protocol::CellSpec;
use crate::workload::{Target, WorkloadSpec};

/// A cell that could not be launched for a reason of conlab's own.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("cannot write the Python driver: {0}")]
    Driver(std::io::Error),
    #[error("{model} is a Python model but the plan gave it no interpreter")]
    NoInterpreter { model: String },
}

/// The executables cells run in.
pub struct Launcher {
    cell_exe: PathBuf,
    /// The driver's cache directory (see [`python::driver_path`]).
    driver: Option<PathBuf>,
    /// The interpreters (by path) the driver was compiled for so far, and whether it worked.
    compiled: Mutex<HashMap<String, bool>>,
    /// Whether cells count their tasks per time bin (the series; `--no-series` clears it).
    pub series: bool,
}

/// One cell ready to start: the command, and the spec for its stdin.
pub struct Launch {
    pub command: Command,
    pub stdin: Vec<u8>,
}

impl Launcher {
    /// Find the cell binary (the lean `conlab-cell` beside `conlab_exe`, or conlab
    /// itself) and, when Python models run, write out the driver. `own_cells`: the cells
    /// run in `conlab_exe` itself, re-executed, because only it knows the workloads (a
    /// user's binary built on [`crate::lab::Lab`]).
    pub fn new(conlab_exe: &Path, with_python: bool, own_cells: bool) -> Result<Self, LaunchError> {
        let lean = conlab_exe.with_file_name("conlab-cell");
        let cell_exe = if lean.is_file() && !own_cells {
            lean
        } else {
            conlab_exe.to_path_buf()
        };
        let driver = match with_python {
            true => Some(python::driver_path().map_err(LaunchError::Driver)?),
            false => None,
        };
        Ok(Launcher {
            cell_exe,
            driver,
            compiled: Mutex::default(),
            series: true,
        })
    }

    /// Compile the driver for `interpreter` before its first cell (once per interpreter),
    /// so that cells run from bytecode.
    fn compile(&self, driver: &Path, interpreter: &Interpreter) {
        let mut compiled = self.compiled.lock().unwrap_or_else(|e| e.into_inner());
        compiled
            .entry(interpreter.path.clone())
            .or_insert_with(|| python::compile_driver(driver, interpreter));
    }

    /// The process for one cell of `model` (with its interpreter, for Python models).
    pub fn cell(
        &self,
        model: &ModelSpec,
        interpreter: Option<&Interpreter>,
        workload: &WorkloadSpec,
        tasks: usize,
        target: &Target,
    ) -> Result<Launch, LaunchError> {
        let (mut command, stdin) = match model {
            ModelSpec::Rust { model, lib } => {
                let spec = CellSpec {
                    workload: workload.clone(),
                    model: model.clone(),
                    lib: *lib,
                    tasks,
                    target: target.clone(),
                    series: self.series,
                };
                let mut cmd = Command::new(&self.cell_exe);
                cmd.arg("cell");
                (cmd, serde_json::to_vec(&spec))
            }
            ModelSpec::Python(m) => {
                let (Some(interpreter), Some(driver)) = (interpreter, &self.driver) else {
                    return Err(LaunchError::NoInterpreter {
                        model: model.to_string(),
                    });
                };
                let spec = python::DriverSpec {
                    workload,
                    model: m.into(),
                    tasks,
                    target,
                    series: self.series,
                    constants: python::DriverConstants::get(),
                };
                self.compile(driver, interpreter);
                // The cache directory runs as a script: its __main__.py runs the package.
                let mut cmd = Command::new(&interpreter.path);
                cmd.arg(driver);
                (cmd, serde_json::to_vec(&spec))
            }
        };
        command.env("PYTHONDONTWRITEBYTECODE", "1");
        Ok(Launch {
            command,
            stdin: stdin.expect("cell specs always serialize"),
        })
    }
}
