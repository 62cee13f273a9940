//! Renderings of a sweep. Each format lives in its own file; they all read the same
//! [`crate::results::Results`] document and nothing else.

pub mod json;
pub mod terminal;
