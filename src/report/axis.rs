//! Log axes a person reads at a glance: ticks on round 1-2-5 values in round units
//! (`200 ms`, `5 MiB`, `1k`), never on whatever decade the data happened to start at
//! (`977 KiB`), labelled as densely as the axis has room for, with a minor grid line at
//! every 1..9 step in between.

/// What an axis counts, which decides its round values and how they print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Seconds, printed `us`, `ms`, `s`.
    Seconds,
    /// Bytes, round in binary units: `512 KiB`, `1 MiB`, `2 MiB`.
    Bytes,
    /// Plain counts: `1`, `20`, `5k`.
    Count,
}

impl Scale {
    /// A unit and the round mantissas within it: counts and seconds step by 10, bytes by
    /// 1024 (1, 2, 5, ..., 500 KiB, then 1 MiB).
    fn unit_step(self) -> f64 {
        match self {
            Scale::Bytes => 1024.0,
            _ => 1000.0,
        }
    }

    /// The round value `mantissa × 10^decade` within the unit of index `unit`.
    fn value(self, unit: i32, decade: i32, mantissa: f64) -> f64 {
        mantissa * 10f64.powi(decade) * self.unit_step().powi(unit)
    }

    /// Every round value, with its tier: 0 for 1·10^k, 1 for 5·10^k, 2 for 2·10^k, 3 for
    /// the minor 3, 4, 6, 7, 8, 9.
    fn candidates(self, lo: f64, hi: f64) -> Vec<(f64, u8)> {
        let step = self.unit_step();
        let first = (lo.max(1e-12).log(step).floor() as i32) - 1;
        let last = (hi.max(1e-12).log(step).ceil() as i32) + 1;
        let mut out = Vec::new();
        for unit in first..=last {
            for decade in 0..3 {
                for m in 1..10 {
                    let tier = match m {
                        1 => 0,
                        5 => 1,
                        2 => 2,
                        _ => 3,
                    };
                    out.push((self.value(unit, decade, m as f64), tier));
                }
            }
        }
        out.sort_by(|a, b| a.0.total_cmp(&b.0));
        out.dedup_by(|a, b| (a.0 / b.0 - 1.0).abs() < 1e-9);
        out
    }

    /// A round value as a tick label: `1 ms`, `250 us`, `2 MiB`, `10k`.
    pub fn label(self, v: f64) -> String {
        let trim = |x: f64| {
            let s = format!("{x:.1}");
            s.trim_end_matches(".0").to_string()
        };
        match self {
            Scale::Seconds if v < 1e-3 => format!("{} us", trim(v * 1e6)),
            Scale::Seconds if v < 1.0 => format!("{} ms", trim(v * 1e3)),
            Scale::Seconds => format!("{} s", trim(v)),
            Scale::Bytes => {
                const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
                let mut x = v;
                let mut u = 0;
                while x >= 1023.5 && u + 1 < UNITS.len() {
                    x /= 1024.0;
                    u += 1;
                }
                format!("{} {}", trim(x), UNITS[u])
            }
            Scale::Count if v >= 1e6 => format!("{}M", trim(v / 1e6)),
            Scale::Count if v >= 1e3 => format!("{}k", trim(v / 1e3)),
            Scale::Count => trim(v),
        }
    }
}

/// An axis: its ends (round values around the data), labelled ticks and minor lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub scale: Scale,
    pub lo: f64,
    pub hi: f64,
    /// Labelled ticks, ascending.
    pub ticks: Vec<f64>,
    /// Unlabelled grid lines.
    pub minor: Vec<f64>,
}

impl Axis {
    /// A log axis over the positive `values`, `length` units long, whose labels need
    /// `room(label)` units apart.
    pub fn log(scale: Scale, values: &[f64], length: f64, room: &dyn Fn(&str) -> f64) -> Axis {
        let positive: Vec<f64> = values.iter().cloned().filter(|v| *v > 0.0).collect();
        let min = positive.iter().cloned().fold(f64::MAX, f64::min);
        let max = positive.iter().cloned().fold(0.0, f64::max);
        let (min, max) = if positive.is_empty() { (1.0, 10.0) } else { (min, max) };
        let all = scale.candidates(min, max);
        let major: Vec<f64> = all.iter().filter(|c| c.1 <= 2).map(|c| c.0).collect();
        let eps = 1e-9;
        let mut lo = major
            .iter()
            .rev()
            .find(|v| **v <= min * (1.0 + eps))
            .cloned()
            .unwrap_or(min);
        let mut hi = major.iter().find(|v| **v >= max * (1.0 - eps)).cloned().unwrap_or(max);
        if hi / lo < 1.5 {
            // One value: widen to the round values either side.
            lo = major
                .iter()
                .rev()
                .find(|v| **v < lo * (1.0 - eps))
                .cloned()
                .unwrap_or(lo / 2.0);
            hi = major
                .iter()
                .find(|v| **v > hi * (1.0 + eps))
                .cloned()
                .unwrap_or(hi * 2.0);
        }
        let inside = |v: f64| v >= lo * (1.0 - eps) && v <= hi * (1.0 + eps);
        let span = (hi / lo).ln();
        let at = |v: f64| (v / lo).ln() / span * length;
        // The densest labelling whose labels do not collide: 1-2-5, then 1-5, then 1; on a
        // short range, every 1..9 step first.
        let short = all.iter().filter(|c| inside(c.0) && c.1 <= 2).count() < 3;
        let tiers: &[u8] = if short { &[3, 2, 1, 0] } else { &[2, 1, 0] };
        let fits = |a: f64, b: f64| {
            let need = (room(&scale.label(a)) + room(&scale.label(b))) / 2.0;
            (at(b) - at(a)).abs() >= need
        };
        let mut ticks = Vec::new();
        for &max_tier in tiers {
            let chosen: Vec<f64> = all
                .iter()
                .filter(|c| inside(c.0) && c.1 <= max_tier)
                .map(|c| c.0)
                .collect();
            if chosen.len() >= 2 && chosen.windows(2).all(|w| fits(w[0], w[1])) {
                ticks = chosen;
                break;
            }
        }
        if ticks.is_empty() {
            // No whole tier fits: the round values by rank (1s, then 5s, then 2s), each
            // kept when it clears every label kept before it.
            let mut ranked: Vec<&(f64, u8)> = all.iter().filter(|c| inside(c.0) && c.1 <= 2).collect();
            ranked.sort_by_key(|c| c.1);
            for c in ranked {
                if ticks.iter().all(|t| fits(*t, c.0)) {
                    ticks.push(c.0);
                }
            }
            ticks.sort_by(f64::total_cmp);
        }
        let minor = all
            .iter()
            .map(|c| c.0)
            .filter(|v| inside(*v) && !ticks.iter().any(|t| (t / v - 1.0).abs() < eps))
            .collect();
        Axis {
            scale,
            lo,
            hi,
            ticks,
            minor,
        }
    }

    /// The same axis labelled at `values` instead (a sweep's task counts: the places its
    /// points are), when their labels all fit `length` apart by `room`; the round values
    /// stay as grid lines.
    pub fn labelled_at(mut self, values: &[f64], length: f64, room: &dyn Fn(&str) -> f64) -> Axis {
        let mut at: Vec<f64> = values.iter().cloned().filter(|v| *v > 0.0).collect();
        at.sort_by(f64::total_cmp);
        at.dedup();
        let fits = at.windows(2).all(|w| {
            let need = (room(&self.scale.label(w[0])) + room(&self.scale.label(w[1]))) / 2.0;
            self.at(w[1], length) - self.at(w[0], length) >= need
        });
        if at.len() < 2 || !fits {
            return self;
        }
        let same = |a: f64, b: f64| (a / b - 1.0).abs() < 1e-9;
        self.minor
            .extend(self.ticks.iter().filter(|t| !at.iter().any(|v| same(**t, *v))));
        self.minor.retain(|m| !at.iter().any(|v| same(*m, *v)));
        self.minor.sort_by(f64::total_cmp);
        self.ticks = at;
        self
    }

    /// Where `v` falls, 0 at `lo` and `length` at `hi`.
    pub fn at(&self, v: f64, length: f64) -> f64 {
        (v.max(1e-300) / self.lo).ln() / (self.hi / self.lo).ln() * length
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(a: &Axis) -> Vec<String> {
        a.ticks.iter().map(|t| a.scale.label(*t)).collect()
    }

    #[test]
    fn bytes_fall_on_round_binary_values() {
        let a = Axis::log(Scale::Bytes, &[1_000_000.0, 95.0e6], 300.0, &|_| 20.0);
        assert_eq!(a.scale.label(a.lo), "500 KiB");
        assert_eq!(a.scale.label(a.hi), "100 MiB");
        assert!(labels(&a).contains(&"1 MiB".to_string()));
        assert!(labels(&a).contains(&"20 MiB".to_string()));
        assert!(!a.minor.is_empty());
    }

    #[test]
    fn crowded_axes_label_fewer_values() {
        let dense = Axis::log(Scale::Count, &[1.0, 100_000.0], 1000.0, &|_| 30.0);
        assert!(labels(&dense).contains(&"2k".to_string()));
        let sparse = Axis::log(Scale::Count, &[1.0, 100_000.0], 200.0, &|_| 30.0);
        assert_eq!(labels(&sparse), ["1", "10", "100", "1k", "10k", "100k"]);
    }

    #[test]
    fn labels_too_wide_for_any_whole_tier_keep_the_round_values_that_fit() {
        // A dot plot's peak RSS, 2.89 MiB to 29.4 MiB: 5 MiB and 10 MiB do not both fit.
        let room = |l: &str| l.chars().count() as f64 * 8.0 + 10.0;
        let a = Axis::log(Scale::Bytes, &[2.2e6, 3.0e6, 30.8e6, 40.0e6], 240.0, &room);
        assert_eq!(labels(&a), ["2 MiB", "10 MiB", "50 MiB"]);
        let at = |v: f64| a.at(v, 240.0);
        for w in a.ticks.windows(2) {
            let need = (room(&a.scale.label(w[0])) + room(&a.scale.label(w[1]))) / 2.0;
            assert!(at(w[1]) - at(w[0]) >= need, "{:?} collide", labels(&a));
        }
        // Never a minor value as a label when the 1-2-5 values are crowded out.
        let tight = Axis::log(Scale::Seconds, &[1e-3, 0.5], 60.0, &|_| 30.0);
        assert!(tight.ticks.len() >= 2, "{:?}", labels(&tight));
        assert!(labels(&tight)
            .iter()
            .all(|l| ["1", "2", "5"].iter().any(|m| l.starts_with(m))));
    }

    #[test]
    fn a_sweeps_task_counts_label_its_axis_when_they_fit() {
        let room = |l: &str| l.chars().count() as f64 * 8.0 + 10.0;
        let counts = [10.0, 1000.0, 5000.0, 1000.0];
        let a = Axis::log(Scale::Count, &counts, 300.0, &room).labelled_at(&counts, 300.0, &room);
        assert_eq!(labels(&a), ["10", "1k", "5k"]);
        assert!(
            a.minor.iter().any(|m| (m / 100.0 - 1.0).abs() < 1e-9),
            "100 stays a grid line"
        );
        assert!(!a.minor.iter().any(|m| (m / 1000.0 - 1.0).abs() < 1e-9));
        // Counts too close to label each: the round values.
        let close = [10.0, 12.0, 1000.0];
        let b = Axis::log(Scale::Count, &close, 300.0, &room).labelled_at(&close, 300.0, &room);
        assert_eq!(labels(&b), labels(&Axis::log(Scale::Count, &close, 300.0, &room)));
    }

    #[test]
    fn a_short_range_gets_its_in_between_values() {
        let a = Axis::log(Scale::Seconds, &[0.05, 0.09], 300.0, &|_| 20.0);
        assert_eq!(labels(&a), ["50 ms", "60 ms", "70 ms", "80 ms", "90 ms", "100 ms"]);
    }

    #[test]
    fn one_value_still_gets_an_axis() {
        let a = Axis::log(Scale::Seconds, &[0.05], 300.0, &|_| 20.0);
        assert!(a.lo < 0.05 && a.hi > 0.05);
        assert_eq!(a.scale.label(0.05), "50 ms");
        assert_eq!(Scale::Seconds.label(2e-4), "200 us");
        assert_eq!(Scale::Seconds.label(20.0), "20 s");
    }
}
