//! Direct labels that never overlap. A chart names its lines where they end instead of in
//! a legend to match up, which only helps while every name can be read: two lines ending
//! close together must not print their names over each other, nor over another line's
//! points. So each label gets a box (estimated from its characters at the largest font
//! the page uses), boxes already placed are avoided, and a label moved away from its
//! point is joined to it by a thin leader line.

/// The largest font size, in user units, the page's CSS gives chart text (on the
/// narrowest screens); the layout leaves room for it.
pub const FONT: f64 = 16.0;
/// The width of one character at [`FONT`]: about a bold glyph of a sans-serif font
/// (DejaVu Sans Bold averages 0.6 em over model names), so a name is never clipped.
pub const CHAR: f64 = 0.6 * FONT;
/// From one line of a label to the next.
pub const LINE: f64 = FONT * 1.05;

/// A box in the chart's user units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Rect {
    /// The square of side `2 r` around a point.
    pub fn around(x: f64, y: f64, r: f64) -> Rect {
        Rect {
            x0: x - r,
            y0: y - r,
            x1: x + r,
            y1: y + r,
        }
    }

    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x0 < other.x1 && other.x0 < self.x1 && self.y0 < other.y1 && other.y0 < self.y1
    }

    fn inside(&self, area: &Rect) -> bool {
        self.x0 >= area.x0 && self.x1 <= area.x1 && self.y0 >= area.y0 && self.y1 <= area.y1
    }

    /// The point of the box nearest to (x, y): where a leader line ends.
    fn nearest(&self, x: f64, y: f64) -> (f64, f64) {
        (x.clamp(self.x0, self.x1), y.clamp(self.y0, self.y1))
    }
}

/// Where a text's characters sit relative to its x.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    pub fn as_str(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// The box of a text of `lines` whose first baseline is at (x, y).
pub fn text_box(x: f64, y: f64, anchor: Anchor, lines: &[&str]) -> Rect {
    let width = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0) as f64 * CHAR;
    let x0 = match anchor {
        Anchor::Start => x,
        Anchor::Middle => x - width / 2.0,
        Anchor::End => x - width,
    };
    Rect {
        x0,
        y0: y - FONT * 0.78,
        x1: x0 + width,
        y1: y + (lines.len().max(1) - 1) as f64 * LINE + FONT * 0.22,
    }
}

/// A label placed: its anchor point (first baseline), its box, and the leader line from
/// the point it names when it had to move away from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    pub x: f64,
    pub y: f64,
    pub anchor: Anchor,
    pub rect: Rect,
    pub leader: Option<((f64, f64), (f64, f64))>,
}

/// The label `text` of the point (px, py): the first spot clear of `taken` and inside
/// `area`, tried nearest first (above right, above left, below right, below left, then
/// further up and down the chart). The box chosen is added to `taken`. When no spot is
/// clear, the nearest is used.
pub fn place_near(px: f64, py: f64, text: &str, area: &Rect, taken: &mut Vec<Rect>) -> Placed {
    let gap = 8.0;
    let above = py - gap;
    let below = py + FONT * 0.8 + gap;
    let mut spots: Vec<(f64, Anchor, f64)> = vec![
        (px + gap, Anchor::Start, above),
        (px - gap, Anchor::End, above),
        (px + gap, Anchor::Start, below),
        (px - gap, Anchor::End, below),
    ];
    let near = spots.len();
    let steps = ((area.y1 - area.y0) / LINE).ceil() as i32 + 1;
    for k in 1..=steps {
        for y in [above - k as f64 * LINE, below + k as f64 * LINE] {
            spots.push((px + gap, Anchor::Start, y));
            spots.push((px - gap, Anchor::End, y));
        }
    }
    let chosen = spots
        .iter()
        .enumerate()
        .map(|(i, &(x, anchor, y))| (i, x, anchor, y, text_box(x, y, anchor, &[text])))
        .find(|(_, _, _, _, r)| r.inside(area) && !taken.iter().any(|t| t.overlaps(r)));
    let (i, x, anchor, y, rect) = chosen.unwrap_or_else(|| {
        let (x, anchor, y) = spots[0];
        (0, x, anchor, y, text_box(x, y, anchor, &[text]))
    });
    taken.push(rect);
    Placed {
        x,
        y,
        anchor,
        rect,
        leader: (i >= near).then(|| ((px, py), rect.nearest(px, py))),
    }
}

/// Spread label positions (wanted y, lines) at least a line apart, inside [lo, hi].
pub fn dodge(wanted: &[(f64, usize)], lo: f64, hi: f64) -> Vec<f64> {
    let mut order: Vec<usize> = (0..wanted.len()).collect();
    order.sort_by(|a, b| wanted[*a].0.total_cmp(&wanted[*b].0));
    let mut y = vec![0.0; wanted.len()];
    let mut next = lo;
    for &i in &order {
        y[i] = wanted[i].0.max(next);
        next = y[i] + LINE * wanted[i].1 as f64;
    }
    // Pushed past the bottom: shift the stack back up.
    let mut limit = hi;
    for &i in order.iter().rev() {
        let bottom = y[i] + LINE * (wanted[i].1 as f64 - 1.0);
        if bottom > limit {
            y[i] -= bottom - limit;
        }
        limit = y[i] - LINE;
    }
    y
}

/// Every pair of boxes that overlap, by index: what a chart must never have among its
/// labels.
pub fn overlapping(boxes: &[Rect]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for i in 0..boxes.len() {
        for j in i + 1..boxes.len() {
            if boxes[i].overlaps(&boxes[j]) {
                out.push((i, j));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_of_lines_ending_together_are_spread_apart() {
        let y = dodge(&[(100.0, 1), (100.0, 2), (101.0, 1)], 0.0, 500.0);
        let mut sorted = y.clone();
        sorted.sort_by(f64::total_cmp);
        assert!(sorted.windows(2).all(|w| w[1] - w[0] >= LINE - 1e-9));
        let low = dodge(&[(200.0, 1), (200.0, 1)], 0.0, 200.0);
        assert!(low.iter().all(|y| *y <= 200.0));
    }

    #[test]
    fn a_label_moves_off_another_and_gets_a_leader_line() {
        let area = Rect {
            x0: 0.0,
            y0: 0.0,
            x1: 400.0,
            y1: 300.0,
        };
        let mut taken = Vec::new();
        let first = place_near(100.0, 150.0, "rs-process", &area, &mut taken);
        assert_eq!(first.leader, None, "nothing in the way: next to its point");
        // The same point again: the four near spots are not all taken, so it goes beside.
        let second = place_near(100.0, 150.0, "py-pool", &area, &mut taken);
        assert!(!second.rect.overlaps(&first.rect));
        // Fill the near spots around another point, then one more label must move away.
        for name in ["aaaaaaaa", "bbbbbbbb", "cccccccc", "dddddddd"] {
            place_near(200.0, 100.0, name, &area, &mut taken);
        }
        let moved = place_near(200.0, 100.0, "eeeeeeee", &area, &mut taken);
        let ((x0, y0), (x1, y1)) = moved.leader.expect("moved, so a leader line");
        assert_eq!((x0, y0), (200.0, 100.0));
        assert!(moved.rect.nearest(x1, y1) == (x1, y1));
        assert!(overlapping(&taken).is_empty(), "{taken:?}");
        assert!(taken.iter().all(|r| r.inside(&area)));
    }

    #[test]
    fn text_boxes_follow_their_anchor() {
        let start = text_box(10.0, 20.0, Anchor::Start, &["abcd"]);
        let end = text_box(10.0, 20.0, Anchor::End, &["abcd"]);
        assert_eq!(start.x0, 10.0);
        assert_eq!(end.x1, 10.0);
        assert!(!start.overlaps(&end), "touching is not overlapping");
        let two = text_box(0.0, 20.0, Anchor::Start, &["ab", "abcdef"]);
        assert!((two.x1 - 6.0 * CHAR).abs() < 1e-9);
        assert!(two.y1 > start.y1 + LINE - 1e-9);
    }
}
