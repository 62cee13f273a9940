//! A cell's process tree over time, in bounded memory.
//!
//! Peaks answer "how much"; a run's shape answers "did memory climb steadily, when did
//! the threads stop starting, did it stall". The sampler hands every sample here; at
//! most [`MAX_POINTS`] are kept, evenly spaced in time: the first sample in each slot of
//! the keep interval (slots counted from the first sample) is kept, and when the series
//! is full the interval doubles and each pair of slots keeps its first point (about half
//! go), which is what sampling at the wider interval from the start would have kept. The first sample and the last are always kept, so a long cell costs the parent
//! the same few kilobytes as a short one, and the series spans the whole run.

/// The most points a series holds.
pub const MAX_POINTS: usize = 200;

/// The first keep interval: the sampler's fastest pace (2 ms).
const FIRST_EVERY_NS: u64 = 2_000_000;

/// One sample of the tree: when (CLOCK_MONOTONIC ns) and what it held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    pub at_ns: u64,
    pub rss: u64,
    pub threads: u64,
    pub fds: u64,
    pub processes: u64,
}

/// Samples kept evenly over time, at most `cap` of them.
#[derive(Debug)]
pub struct Thinned {
    cap: usize,
    every_ns: u64,
    points: Vec<Sample>,
    last: Option<Sample>,
}

impl Default for Thinned {
    fn default() -> Self {
        Self::new(MAX_POINTS, FIRST_EVERY_NS)
    }
}

impl Thinned {
    /// A series of at most `cap` points (at least 3), keeping one per `every_ns` at first.
    pub fn new(cap: usize, every_ns: u64) -> Self {
        Self {
            cap: cap.max(3),
            every_ns: every_ns.max(1),
            points: Vec::with_capacity(cap.max(3)),
            last: None,
        }
    }

    /// Offer one sample (samples come in time order).
    pub fn push(&mut self, s: Sample) {
        self.last = Some(s);
        if !self.due(s.at_ns) {
            return;
        }
        if self.points.len() + 1 >= self.cap {
            // Room for this point and the last sample, which `finish` adds.
            self.thin();
            if !self.due(s.at_ns) {
                return;
            }
        }
        self.points.push(s);
    }

    /// Whether a sample at `at_ns` opens a slot of the keep interval (slots counted from
    /// the first sample) that holds no point yet.
    fn due(&self, at_ns: u64) -> bool {
        match (self.points.first(), self.points.last()) {
            (Some(first), Some(last)) => self.slot(first, at_ns) > self.slot(first, last.at_ns),
            _ => true,
        }
    }

    fn slot(&self, first: &Sample, at_ns: u64) -> u64 {
        at_ns.saturating_sub(first.at_ns) / self.every_ns
    }

    /// Double the keep interval, keeping the first point of each wider slot (each is two
    /// of the old ones), until the points fill at most half the series: the points are
    /// then the ones sampling at the wider interval from the start would have kept.
    fn thin(&mut self) {
        let Some(&first) = self.points.first() else { return };
        while self.points.len() > self.cap / 2 {
            self.every_ns = self.every_ns.saturating_mul(2);
            let mut kept: Vec<Sample> = Vec::with_capacity(self.cap);
            for &p in &self.points {
                if kept
                    .last()
                    .is_none_or(|k| self.slot(&first, p.at_ns) > self.slot(&first, k.at_ns))
                {
                    kept.push(p);
                }
            }
            self.points = kept;
        }
    }

    /// The current keep interval, ns.
    pub fn every_ns(&self) -> u64 {
        self.every_ns
    }

    /// The series, the last sample included.
    pub fn finish(mut self) -> Vec<Sample> {
        if let Some(last) = self.last {
            if self.points.last() != Some(&last) {
                if self.points.len() >= self.cap {
                    self.thin();
                }
                self.points.push(last);
            }
        }
        self.points
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    fn sample(at_ns: u64) -> Sample {
        Sample {
            at_ns,
            rss: at_ns / 1000,
            threads: 1,
            fds: 3,
            processes: 1,
        }
    }

    fn gaps(points: &[Sample]) -> Vec<u64> {
        points.windows(2).map(|w| w[1].at_ns - w[0].at_ns).collect()
    }

    #[test]
    fn a_long_regular_run_is_bounded_evenly_spaced_and_ends_kept() {
        let mut t = Thinned::default();
        let n = 100_000u64;
        for i in 0..n {
            t.push(sample(i * MS));
        }
        let every = t.every_ns();
        let points = t.finish();
        assert!(points.len() <= MAX_POINTS, "{} points", points.len());
        assert!(
            points.len() >= MAX_POINTS / 4,
            "{} points: thinned too far",
            points.len()
        );
        assert_eq!(points[0].at_ns, 0, "the first sample is kept");
        assert_eq!(points.last().unwrap().at_ns, (n - 1) * MS, "the last sample is kept");
        let g = gaps(&points);
        let (body, tail) = g.split_at(g.len() - 1);
        assert!(
            body.iter().all(|&d| d == every),
            "every gap but the last is {every} ns: {body:?}"
        );
        assert!(tail[0] <= every, "the last sample closes the series");
    }

    #[test]
    fn uneven_sampling_is_kept_even_in_time() {
        // The sampler's own pace: every 2 ms for 100 ms, every 10 ms to 2 s, then every 25 ms.
        let mut t = Thinned::default();
        let mut at = 0;
        while at < 30_000 * MS {
            t.push(sample(at));
            at += match at {
                a if a < 100 * MS => 2 * MS,
                a if a < 2_000 * MS => 10 * MS,
                _ => 25 * MS,
            };
        }
        let every = t.every_ns();
        let points = t.finish();
        assert!(points.len() <= MAX_POINTS);
        let g = gaps(&points);
        // Each gap is the interval, give or take the sampler's own pace (25 ms at most).
        assert!(every >= 100 * MS, "30 s in at most 200 points: {every}");
        assert!(
            g[..g.len() - 1]
                .iter()
                .all(|&d| d + 25 * MS > every && d < every + 25 * MS),
            "{every}: {g:?}"
        );
    }

    #[test]
    fn a_short_run_keeps_every_sample() {
        let mut t = Thinned::default();
        for i in 0..10 {
            t.push(sample(i * 2 * MS));
        }
        t.push(sample(18 * MS + 1));
        let points = t.finish();
        assert_eq!(points.len(), 11, "10 samples 2 ms apart and the late last one");
    }
}
