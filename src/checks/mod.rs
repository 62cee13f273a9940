//! The library's tests that check it against the repository's committed files (schemas,
//! report snapshots, the README's list of kinds), its specs' round trips, and the Python
//! driver held to the Rust code it mirrors. They live in
//! the library's own test binary, not in `tests/it`, so that the integration tests never
//! link the library: each release test binary that does is a full fat-LTO link, and
//! those links were most of what `cargo test --release` cost a newcomer.

mod honest_report;
mod languages;
mod schema;
mod snapshots;
mod specs;
