//! The one trait every rendering implements, below the renderers and the module that
//! picks one, so a renderer never imports its parent.

use crate::results::Results;

/// One output format.
pub trait Format {
    /// The whole rendering as text.
    fn render(&self, results: &Results) -> String;
}
