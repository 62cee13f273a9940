//! One look per model, the same in every report: a reader who learnt that py-thread is
//! the dark red dashed line in one report finds it so in the next. The look is keyed by
//! the model's family, never by its position in the sweep: thread, pool and process
//! models (which block a thread per task or queue their tasks) take warm hues and dashed
//! lines, async models cool hues and solid lines; Rust draws filled markers, Python
//! hollow ones; a variant (`+uvloop`, `:size=8`, `py3.13-`) is a shade of its family's
//! colour. The hues come from Okabe-Ito and Paul Tol's palettes, which stay apart for
//! colour-blind readers, and marker and dash differ anyway.

use std::fmt::Write;

/// The marker drawn at each point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    Circle,
    Square,
    Diamond,
    Triangle,
    TriangleDown,
    Cross,
}

/// How one model is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Look {
    /// On a light background, `#rrggbb`.
    pub light: String,
    /// On a dark background.
    pub dark: String,
    /// Thread-style models (a thread, a worker or a process per running task).
    pub dashed: bool,
    pub marker: Marker,
    /// Rust models: filled markers; Python: hollow.
    pub filled: bool,
}

/// Family, light colour, thread-style, marker.
const FAMILIES: &[(&str, u32, bool, Marker)] = &[
    ("rs-thread", 0xD55E00, true, Marker::Circle),
    ("rs-pool", 0xC98500, true, Marker::Square),
    ("rs-process", 0xCC79A7, true, Marker::Diamond),
    ("py-thread", 0x882255, true, Marker::Circle),
    ("py-pool", 0x8C510A, true, Marker::Square),
    ("py-process", 0xAA4499, true, Marker::Diamond),
    ("rs-async", 0x0072B2, false, Marker::Triangle),
    ("rs-async-st", 0x56B4E9, false, Marker::TriangleDown),
    ("py-asyncio", 0x009E73, false, Marker::Triangle),
    ("py-gevent", 0x117733, false, Marker::Square),
];

/// Models conlab does not know (a future family) are grey, with crosses.
const UNKNOWN: u32 = 0x666666;

/// Shades of a variant: mixed towards black (negative) or white (positive); mostly
/// darker, so that lines keep their contrast on white.
const SHADES: &[f64] = &[-0.3, -0.5, 0.2, -0.15];

/// `py3.13-asyncio+uvloop:size=4` -> (`py-asyncio`, `3.13+uvloop:size=4`).
fn family_and_variant(model: &str) -> (String, String) {
    let (head, params) = model.split_once(':').unwrap_or((model, ""));
    let (name, lib) = head.split_once('+').unwrap_or((head, ""));
    let (family, version) = match name.strip_prefix("py").and_then(|r| r.split_once('-')) {
        Some((v, rest)) if !v.is_empty() => (format!("py-{rest}"), v),
        _ => (name.to_string(), ""),
    };
    let mut variant = version.to_string();
    if !lib.is_empty() {
        variant.push('+');
        variant.push_str(lib);
    }
    if !params.is_empty() {
        variant.push(':');
        variant.push_str(params);
    }
    (family, variant)
}

/// FNV-1a: a stable hash (std's hasher may change between Rust versions).
fn fnv(text: &str) -> u64 {
    text.bytes()
        .fold(0xcbf29ce484222325, |h, b| (h ^ b as u64).wrapping_mul(0x100000001b3))
}

fn mix(rgb: u32, amount: f64) -> u32 {
    let target = if amount < 0.0 { 0.0 } else { 255.0 };
    let a = amount.abs();
    let channel = |shift: u32| {
        let c = ((rgb >> shift) & 0xff) as f64;
        ((c + (target - c) * a).round() as u32) << shift
    };
    channel(16) | channel(8) | channel(0)
}

fn hex(rgb: u32) -> String {
    format!("#{rgb:06x}")
}

/// How `model` is drawn, in every report.
pub fn look(model: &str) -> Look {
    let (family, variant) = family_and_variant(model);
    let (base, dashed, marker) = FAMILIES
        .iter()
        .find(|f| f.0 == family)
        .map(|f| (f.1, f.2, f.3))
        .unwrap_or((UNKNOWN, true, Marker::Cross));
    let light = if variant.is_empty() {
        base
    } else {
        mix(base, SHADES[(fnv(&variant) % SHADES.len() as u64) as usize])
    };
    Look {
        light: hex(light),
        dark: hex(mix(light, 0.3)),
        dashed,
        marker,
        filled: !family.starts_with("py-"),
    }
}

/// The CSS class of the `i`-th model of a report: `m0`, `m1`, ...; its colour is the
/// element's `color`, which lines and markers take as `currentColor`.
pub fn class(i: usize) -> String {
    format!("m{i}")
}

/// The colour rules of a report's models, light and dark.
pub fn css(models: &[String]) -> String {
    let mut light = String::new();
    let mut dark = String::new();
    for (i, m) in models.iter().enumerate() {
        let l = look(m);
        let _ = write!(light, ".{}{{color:{}}}", class(i), l.light);
        let _ = write!(dark, ".{}{{color:{}}}", class(i), l.dark);
    }
    format!("{light}@media (prefers-color-scheme:dark){{{dark}}}")
}

/// A marker of radius `r` at (x, y), drawn in `currentColor`.
pub fn marker(look: &Look, x: f64, y: f64, r: f64) -> String {
    let fill = if look.filled { "currentColor" } else { "var(--bg)" };
    let style = format!(r#"fill="{fill}" stroke="currentColor" stroke-width="1.8""#);
    let poly = |pts: &[(f64, f64)]| {
        let p: Vec<String> = pts
            .iter()
            .map(|(dx, dy)| format!("{:.1},{:.1}", x + dx * r, y + dy * r))
            .collect();
        format!(r#"<polygon points="{}" {style}/>"#, p.join(" "))
    };
    match look.marker {
        Marker::Circle => format!(r#"<circle cx="{x:.1}" cy="{y:.1}" r="{r:.1}" {style}/>"#),
        Marker::Square => poly(&[(-0.85, -0.85), (0.85, -0.85), (0.85, 0.85), (-0.85, 0.85)]),
        Marker::Diamond => poly(&[(0.0, -1.2), (1.2, 0.0), (0.0, 1.2), (-1.2, 0.0)]),
        Marker::Triangle => poly(&[(0.0, -1.2), (1.1, 0.9), (-1.1, 0.9)]),
        Marker::TriangleDown => poly(&[(0.0, 1.2), (1.1, -0.9), (-1.1, -0.9)]),
        Marker::Cross => poly(&[
            (-1.0, -0.4),
            (-0.4, -0.4),
            (-0.4, -1.0),
            (0.4, -1.0),
            (0.4, -0.4),
            (1.0, -0.4),
            (1.0, 0.4),
            (0.4, 0.4),
            (0.4, 1.0),
            (-0.4, 1.0),
            (-0.4, 0.4),
            (-1.0, 0.4),
        ]),
    }
}

/// The dash pattern of a line (`None`: solid).
pub fn dash(look: &Look) -> Option<&'static str> {
    look.dashed.then_some("7 4")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_looks_the_same_whatever_the_sweep() {
        assert_eq!(look("py-thread").light, "#882255");
        assert_eq!(look("rs-async").light, "#0072b2");
        assert!(look("rs-thread").dashed && look("py-process").dashed && look("rs-pool:size=2").dashed);
        assert!(!look("rs-async-st").dashed && !look("py-asyncio+uvloop").dashed);
        assert!(look("rs-thread").filled && !look("py-thread").filled);
        // A variant is a shade of its family, the same shade every time.
        let v = look("py3.13-asyncio+uvloop");
        assert_ne!(v.light, look("py-asyncio").light);
        assert_eq!(v, look("py3.13-asyncio+uvloop"));
        assert_eq!(v.marker, Marker::Triangle);
        assert_eq!(look("go-routine").marker, Marker::Cross);
    }

    #[test]
    fn families_are_split_from_their_variants() {
        assert_eq!(
            family_and_variant("rs-pool:size=2"),
            ("rs-pool".into(), ":size=2".into())
        );
        assert_eq!(
            family_and_variant("py3.13-asyncio+aiohttp"),
            ("py-asyncio".into(), "3.13+aiohttp".into())
        );
        assert_eq!(family_and_variant("rs-async-st"), ("rs-async-st".into(), String::new()));
    }

    #[test]
    fn css_has_light_and_dark_rules() {
        let css = css(&["rs-thread".into(), "py-asyncio".into()]);
        assert!(css.starts_with(".m0{color:#d55e00}.m1{color:#009e73}@media (prefers-color-scheme:dark){.m0"));
    }
}
