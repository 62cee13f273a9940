//! The claims table `conlab claims` prints: each claim, the figures measured for it, and
//! its verdict.

use crate::results::ClaimResult;

pub fn render(verdicts: &[ClaimResult]) -> String {
    render_for(verdicts, super::screen::width())
}

/// The table at most `width` columns wide: the claim and the figures fold within their
/// columns, the verdict stays on one line.
pub fn render_for(verdicts: &[ClaimResult], width: usize) -> String {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.force_no_tty();
    table.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
    table.set_width(u16::try_from(width).unwrap_or(u16::MAX));
    table.set_header(vec!["claim", "measured", "verdict"]);
    for v in verdicts {
        table.add_row(vec![v.text.clone(), v.measured.clone(), v.verdict.to_string()]);
    }
    format!("{table}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::Verdict;

    #[test]
    fn the_table_fits_the_screen_and_keeps_each_verdict_whole() {
        let claim = ClaimResult {
            id: "thousand-asyncio-dramatic".into(),
            text: "At 1000+ tasks asyncio is dramatically better than threading for I/O-bound work".into(),
            source: "seed article".into(),
            scenario: "http:latency=50ms at 1,000 tasks".into(),
            measured: "py-asyncio 61.2 ms (median of 3, range 60.1-63.0 ms) vs py-thread 98.7 ms (median of 3)".into(),
            verdict: Verdict::TooClose,
        };
        let out = render_for(&[claim], 80);
        assert!(super::super::screen::widest_line(&out) <= 80, "{out}");
        assert!(out.contains("too close to call"), "{out}");
    }
}
