//! Escaping text for HTML and SVG, below every renderer that writes markup, so that the
//! chart modules (svg, gaps, dots) share it without importing each other.

/// `text` safe inside an element or a double-quoted attribute.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
