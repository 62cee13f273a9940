//! What the screen in front of the user allows: how wide a line may be and whether to
//! colour it. Tables and prose are laid out for it, so `conlab report` in an 80-column
//! terminal prints lines of at most 80 columns, and piped output gets a fixed, readable
//! width (100) instead of whatever the widest table would take.
//!
//! Colour follows the usual conventions (as anstream and colorchoice implement them):
//! `--color always|never` wins; otherwise `CLICOLOR_FORCE` (set and not `0`) forces it,
//! `NO_COLOR` (set and not empty, <https://no-color.org>) or `CLICOLOR=0` turn it off, and
//! the default is colour only on a terminal. Nothing relies on colour alone: winners
//! carry ★ and failures say so in words.

use std::io::IsTerminal;
use std::sync::OnceLock;

/// `--color`: when to colour terminal output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR or CLICOLOR=0 say no (CLICOLOR_FORCE says yes).
    #[default]
    Auto,
    Always,
    Never,
}

/// The width of piped output, and of a terminal whose size cannot be read.
pub const PIPED_WIDTH: usize = 100;

/// Narrower than this, tables are laid out for this width anyway: a table of one model
/// still needs its columns.
const MIN_WIDTH: usize = 40;

static CHOICE: OnceLock<ColorChoice> = OnceLock::new();

/// Record the `--color` choice, once, before anything is printed.
pub fn set_colour(choice: ColorChoice) {
    let _ = CHOICE.set(choice);
}

/// Whether stdout gets ANSI colour.
pub fn colour_wanted() -> bool {
    let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    decide_colour(
        CHOICE.get().copied().unwrap_or_default(),
        env("CLICOLOR_FORCE").is_some_and(|v| v != "0"),
        env("NO_COLOR").is_some() || env("CLICOLOR").is_some_and(|v| v == "0"),
        std::io::stdout().is_terminal(),
    )
}

fn decide_colour(choice: ColorChoice, forced: bool, refused: bool, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => forced || (!refused && terminal),
    }
}

/// The columns a line of stdout may take: `COLUMNS` when set (the user's override, and
/// what shells export), else the terminal's width, else [`PIPED_WIDTH`].
pub fn width() -> usize {
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok());
    columns
        .filter(|&c| c > 0)
        .or_else(terminal_width)
        .unwrap_or(PIPED_WIDTH)
        .max(MIN_WIDTH)
}

fn terminal_width() -> Option<usize> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    let mut size = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one winsize into the struct passed, on a descriptor that
    // is a terminal (checked above).
    let rc = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) };
    (rc == 0 && size.ws_col > 0).then_some(usize::from(size.ws_col))
}

/// `text` folded at spaces into lines of at most `width` columns, every line after the
/// first indented by `indent` spaces. A number stays with its unit ("3.93 MiB") and a
/// model name with its hyphens (`rs-pool:size=2`); only a word longer than a line is cut.
pub fn wrap(text: &str, width: usize, indent: usize) -> String {
    const KEEP: char = '\u{a0}';
    let mut glued = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut previous = ' ';
    while let Some(c) = chars.next() {
        let unit_follows = chars
            .peek()
            .is_some_and(|n| n.is_ascii_alphabetic() || *n == '%' || *n == '×');
        glued.push(if c == ' ' && previous.is_ascii_digit() && unit_follows {
            KEEP
        } else {
            c
        });
        previous = c;
    }
    let pad = " ".repeat(indent);
    let options = textwrap::Options::new(width.max(indent + 10))
        .subsequent_indent(&pad)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
        .break_words(true);
    textwrap::fill(&glued, options).replace(KEEP, " ")
}

/// The display width of the widest line of `text` (ANSI colour codes not counted).
pub fn widest_line(text: &str) -> usize {
    text.lines().map(textwrap::core::display_width).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_follows_the_flag_then_the_environment_then_the_terminal() {
        use ColorChoice::*;
        assert!(decide_colour(Always, false, true, false));
        assert!(!decide_colour(Never, true, false, true));
        assert!(decide_colour(Auto, false, false, true));
        assert!(!decide_colour(Auto, false, false, false), "piped: no colour");
        assert!(!decide_colour(Auto, false, true, true), "NO_COLOR on a terminal");
        assert!(decide_colour(Auto, true, false, false), "CLICOLOR_FORCE when piped");
    }

    #[test]
    fn wrapped_text_fits_and_keeps_every_word() {
        let text = "rs-async beats rs-thread by 2.1× at 10,000 tasks (median of 3 runs, range 1.9-2.3×), and py-asyncio beats py-thread";
        let out = wrap(text, 40, 4);
        assert!(widest_line(&out) <= 40, "{out}");
        assert!(out.lines().skip(1).all(|l| l.starts_with("    ")));
        assert_eq!(
            out.split_whitespace().collect::<Vec<_>>(),
            text.split_whitespace().collect::<Vec<_>>()
        );
        assert_eq!(
            widest_line("ab\n\u{1b}[1mxyz\u{1b}[0m"),
            3,
            "colour codes take no columns"
        );
        let kept = wrap("memory per task: rs-thread 11.4 KiB · rs-pool:size=2 3.93 MiB", 30, 2);
        assert!(kept.contains("rs-pool:size=2") && kept.contains("3.93 MiB"), "{kept}");
        assert!(widest_line(&kept) <= 30, "{kept}");
    }
}
