//! The claims table `conlab claims` prints: each claim, the figures measured for it, and
//! its verdict.

use crate::results::ClaimResult;

pub fn render(verdicts: &[ClaimResult]) -> String {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header(vec!["claim", "measured", "verdict"]);
    for v in verdicts {
        table.add_row(vec![v.text.clone(), v.measured.clone(), v.verdict.to_string()]);
    }
    format!("{table}\n")
}
