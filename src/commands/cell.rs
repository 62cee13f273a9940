//! `conlab cell`: internal, the measured process of one Rust cell. Its typed spec comes
//! on stdin; it prints one JSON line. (`conlab-cell`, the lean binary, runs the same.)

pub fn run() -> i32 {
    crate::cell::child::run(std::io::stdin())
}
