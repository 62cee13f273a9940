//! The `conlab` binary: hand the arguments to the library and exit with its code.

fn main() {
    let code = conlab::main_with(std::env::args_os());
    std::process::exit(code);
}
