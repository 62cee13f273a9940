//! `conlab worker`: internal, one worker process of the `rs-process` model. Its share of
//! the tasks comes as typed JSON on stdin.

pub fn run() -> i32 {
    crate::model::run_worker(std::io::stdin().lock())
}
