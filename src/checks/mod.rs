//! The library's tests that check it against the repository's committed files (schemas,
//! report snapshots, the README's list of kinds) and its specs' round trips. They live in
//! the library's own test binary, not in `tests/it`, so that the integration tests never
//! link the library: each release test binary that does is a full fat-LTO link, and
//! those links were most of what `cargo test --release` cost a newcomer.

mod schema;
mod snapshots;
mod specs;
