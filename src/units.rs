//! Parsing and printing of the quantities users type and read: durations (`200ms`),
//! sizes (`256k`, `8MiB`) and task lists (`1,100,1k`).
//!
//! Every value on the command line and inside a workload or model spec goes through these
//! functions, so one spelling is accepted everywhere and one error message explains it.

use std::time::Duration;

/// A value a person typed that is not a duration, size or task count, with the reason in
/// the words of the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("malformed duration '{text}': {why}")]
    Duration { text: String, why: &'static str },
    #[error("malformed size '{text}': {why}")]
    Size { text: String, why: &'static str },
    #[error("'{text}' {why}")]
    Count { text: String, why: &'static str },
}

fn duration_error(text: &str, why: &'static str) -> ValueError {
    ValueError::Duration {
        text: text.to_string(),
        why,
    }
}

fn size_error(text: &str, why: &'static str) -> ValueError {
    ValueError::Size {
        text: text.to_string(),
        why,
    }
}

fn count_error(text: &str, why: &'static str) -> ValueError {
    ValueError::Count {
        text: text.to_string(),
        why,
    }
}

/// Parse a duration such as `200ms`, `1s`, `1.5s`, `250us`, `2m`. A bare number is rejected:
/// `--cell-timeout 60` could mean seconds or milliseconds, and guessing loses runs.
pub fn parse_duration(text: &str) -> Result<Duration, ValueError> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| duration_error(text, "add a unit (ns, us, ms, s, m, h)"))?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| duration_error(text, "expected a number then a unit, like 200ms"))?;
    let scale = match unit {
        "ns" => 1e-9,
        "us" | "µs" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => return Err(duration_error(text, "unknown unit (use ns, us, ms, s, m, h)")),
    };
    let secs = value * scale;
    if !secs.is_finite() || secs > 1e9 {
        return Err(duration_error(text, "out of range"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Print a duration the way a person would write it: `200ms`, `1.5s`, `40us`.
pub fn format_duration(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns == 0 {
        "0ms".into()
    } else if ns.is_multiple_of(1_000_000_000) {
        format!("{}s", ns / 1_000_000_000)
    } else if ns.is_multiple_of(1_000_000) {
        format!("{}ms", ns / 1_000_000)
    } else if ns.is_multiple_of(1_000) {
        format!("{}us", ns / 1_000)
    } else {
        format!("{ns}ns")
    }
}

/// Parse a size in bytes: `65536`, `64k`, `64KiB`, `8m`, `8MiB`, `1g` (binary multiples).
pub fn parse_size(text: &str) -> Result<u64, ValueError> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number
        .parse()
        .map_err(|_| size_error(text, "expected a number of bytes, like 64k or 8MiB"))?;
    let scale: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(size_error(text, "unknown unit (use k, m, g)")),
    };
    value.checked_mul(scale).ok_or_else(|| size_error(text, "too large"))
}

/// Print a size exactly, in the largest binary unit that divides it: `64KiB`, `8MiB`.
pub fn format_size(bytes: u64) -> String {
    for (unit, shift) in [("GiB", 30), ("MiB", 20), ("KiB", 10)] {
        if bytes >= 1 << shift && bytes.is_multiple_of(1 << shift) {
            return format!("{}{unit}", bytes >> shift);
        }
    }
    format!("{bytes}B")
}

/// Parse one task count: `1000`, `10k`, `1m` (decimal multiples, as people count tasks).
pub fn parse_count(text: &str) -> Result<usize, ValueError> {
    let text = text.trim();
    let (number, scale) = match text.char_indices().last() {
        Some((i, 'k' | 'K')) => (&text[..i], 1_000),
        Some((i, 'm' | 'M')) => (&text[..i], 1_000_000),
        _ => (text, 1),
    };
    let digits = number.replace('_', "");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(count_error(text, "is not a whole number (use e.g. 1,100,10k)"));
    }
    let value: usize = digits.parse().map_err(|_| count_error(text, "is too large"))?;
    let value = value
        .checked_mul(scale)
        .ok_or_else(|| count_error(text, "is too large"))?;
    if value == 0 {
        return Err(count_error(text, "must be at least 1"));
    }
    Ok(value)
}

/// Parse a comma-separated list of task counts, sorted and deduplicated.
pub fn parse_task_list(text: &str) -> Result<Vec<usize>, ValueError> {
    let mut counts = text.split(',').map(parse_count).collect::<Result<Vec<_>, _>>()?;
    counts.sort_unstable();
    counts.dedup();
    Ok(counts)
}

/// Print bytes with a binary unit: `512 B`, `3.1 MiB`, `1.20 GiB`.
pub fn format_bytes(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes;
    let mut unit = 0;
    while value.abs() >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    match unit {
        0 => format!("{value:.0} {}", UNITS[0]),
        _ if value.abs() >= 100.0 => format!("{value:.0} {}", UNITS[unit]),
        _ if value.abs() >= 10.0 => format!("{value:.1} {}", UNITS[unit]),
        _ => format!("{value:.2} {}", UNITS[unit]),
    }
}

/// Print seconds with a sensible unit for a table: `812us`, `12.3ms`, `1.21s`, `95s`.
pub fn format_secs(secs: f64) -> String {
    if secs < 1e-3 {
        format!("{:.0}us", secs * 1e6)
    } else if secs < 1.0 {
        format!("{:.1}ms", secs * 1e3)
    } else if secs < 100.0 {
        format!("{secs:.2}s")
    } else {
        format!("{secs:.0}s")
    }
}

/// Print a count with thousands separators: `1,000,000`.
pub fn format_count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count and its noun, singular for one: `1 task`, `10,000 tasks`. (Only nouns whose
/// plural adds an `s`.)
pub fn plural(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        n => format!("{} {noun}s", format_count(n)),
    }
}

/// Durations in typed specs travel as whole nanoseconds (`"duration_ns": 50000000`):
/// exact, and as easy for the Python driver to read as for Rust.
pub mod serde_ns {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_nanos() as u64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_nanos)
    }

    /// The same for an optional duration (`null` when absent).
    pub mod option {
        use std::time::Duration;

        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
            match d {
                Some(d) => s.serialize_some(&(d.as_nanos() as u64)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
            Option::<u64>::deserialize(d).map(|o| o.map(Duration::from_nanos))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("200ms"), Ok(Duration::from_millis(200)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("250us"), Ok(Duration::from_micros(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("0ms"), Ok(Duration::ZERO));
    }

    #[test]
    fn durations_reject_malformed_text() {
        for bad in ["", "60", "ms", "1x", "-5s", "1..2s", "abc", "1e3s"] {
            assert!(parse_duration(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn durations_round_trip_through_format() {
        for text in ["200ms", "1s", "250us", "15ns", "0ms"] {
            assert_eq!(format_duration(parse_duration(text).unwrap()), text);
        }
    }

    #[test]
    fn sizes_use_binary_multiples() {
        assert_eq!(parse_size("64k"), Ok(65536));
        assert_eq!(parse_size("8MiB"), Ok(8 << 20));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("12q").is_err());
        assert!(parse_size("k").is_err());
    }

    #[test]
    fn task_lists_are_sorted_and_checked() {
        assert_eq!(parse_task_list("1000,1,10k,1"), Ok(vec![1, 1000, 10_000]));
        assert_eq!(parse_task_list("1m"), Ok(vec![1_000_000]));
        for bad in ["0", "abc", "-5", "1,,2", "", "1.5"] {
            assert!(parse_task_list(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn counts_and_bytes_print_for_people() {
        assert_eq!(format_count(1_000_000), "1,000,000");
        assert_eq!(format_count(999), "999");
        assert_eq!(plural(1, "repeat"), "1 repeat");
        assert_eq!(plural(0, "thread"), "0 threads");
        assert_eq!(plural(10_000, "task"), "10,000 tasks");
        assert_eq!(format_bytes(512.0), "512 B");
        assert_eq!(format_bytes(3.0 * 1024.0 * 1024.0), "3.00 MiB");
        assert_eq!(format_secs(0.0123), "12.3ms");
    }
}
