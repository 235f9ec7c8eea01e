//! The Core Web Vitals from the browser's performance entries, as Google's `web-vitals`
//! library defines them. Pure: the browser's observer feeds the entries in (times in
//! milliseconds since the navigation started), the tests feed recorded sequences.

/// A `layout-shift` entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayoutShift {
    pub value: f64,
    pub start_time: f64,
    /// Shifts within 500 ms of an input are expected (the user caused them) and not counted.
    pub had_recent_input: bool,
}

/// CLS: the largest burst of layout shifts, a session window being shifts less than 1 s
/// apart and at most 5 s long.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LayoutShifts {
    window_value: f64,
    window_first: Option<f64>,
    window_last: f64,
    largest: f64,
}

impl LayoutShifts {
    const GAP_MS: f64 = 1_000.0;
    const WINDOW_MS: f64 = 5_000.0;

    pub fn add(&mut self, shift: LayoutShift) {
        if shift.had_recent_input {
            return;
        }
        match self.window_first {
            Some(first)
                if shift.start_time - self.window_last < Self::GAP_MS && shift.start_time - first < Self::WINDOW_MS =>
            {
                self.window_value += shift.value;
            }
            _ => {
                self.window_first = Some(shift.start_time);
                self.window_value = shift.value;
            }
        }
        self.window_last = shift.start_time;
        self.largest = self.largest.max(self.window_value);
    }

    /// The CLS so far (0 when nothing moved).
    pub fn value(&self) -> f64 {
        self.largest
    }
}

/// LCP: the start time of the last `largest-contentful-paint` candidate, counting only those
/// painted before the page was first hidden. The browser stops reporting candidates after
/// the first input, and the value is final then or once the page is hidden.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LargestPaint {
    value: Option<f64>,
    settled: bool,
}

impl LargestPaint {
    pub fn candidate(&mut self, start_time: f64, first_hidden: Option<f64>) {
        if self.settled || first_hidden.is_some_and(|hidden| start_time >= hidden) {
            return;
        }
        self.value = Some(start_time.max(0.0));
    }

    /// The first input, or the page hidden: later candidates no longer count.
    pub fn settle(&mut self) {
        self.settled = true;
    }

    pub fn is_settled(&self) -> bool {
        self.settled
    }

    pub fn value(&self) -> Option<f64> {
        self.value
    }
}

/// An `event` (or `first-input`) entry that belongs to an interaction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventTiming {
    pub interaction_id: u64,
    /// From the input to the next paint, rounded by the browser to 8 ms.
    pub duration: f64,
}

/// INP: of the page's interactions (each its longest event), the longest, except that one
/// outlier per 50 interactions is skipped (a high percentile for busy pages). Only the ten
/// longest are kept, which covers 500 interactions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Interactions {
    /// `(interaction id, duration)`, longest first.
    longest: Vec<(u64, f64)>,
    seen: u64,
}

impl Interactions {
    const KEPT: usize = 10;
    const PER_OUTLIER: u64 = 50;

    pub fn add(&mut self, event: EventTiming) {
        if event.interaction_id == 0 {
            return;
        }
        match self.longest.iter_mut().find(|(id, _)| *id == event.interaction_id) {
            Some((_, duration)) => *duration = duration.max(event.duration),
            None => {
                self.seen += 1;
                self.longest.push((event.interaction_id, event.duration));
            }
        }
        self.longest.sort_by(|a, b| b.1.total_cmp(&a.1));
        self.longest.truncate(Self::KEPT);
    }

    /// The INP, given how many interactions the page had (`performance.interactionCount`
    /// where the browser has it; otherwise those seen here). `None` before any interaction.
    pub fn value(&self, interaction_count: Option<u64>) -> Option<f64> {
        let count = interaction_count.unwrap_or(self.seen).max(self.seen);
        let index = ((count / Self::PER_OUTLIER) as usize).min(self.longest.len().checked_sub(1)?);
        self.longest.get(index).map(|(_, duration)| *duration)
    }
}

/// FCP: the `first-contentful-paint` entry's start time, unless the page was hidden first.
pub fn first_contentful_paint(start_time: f64, first_hidden: Option<f64>) -> Option<f64> {
    first_hidden.is_none_or(|hidden| start_time < hidden).then_some(start_time.max(0.0))
}

/// TTFB: the navigation entry's `responseStart` (from the navigation's start); none for a
/// response the browser never timed.
pub fn time_to_first_byte(response_start: f64) -> Option<f64> {
    (response_start > 0.0).then_some(response_start)
}

/// FID: from the first input to when its handlers could start, unless the page was hidden
/// first.
pub fn first_input_delay(start_time: f64, processing_start: f64, first_hidden: Option<f64>) -> Option<f64> {
    first_hidden.is_none_or(|hidden| start_time < hidden).then_some((processing_start - start_time).max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shift(value: f64, start_time: f64) -> LayoutShift {
        LayoutShift { value, start_time, had_recent_input: false }
    }

    fn cls(shifts: &[LayoutShift]) -> f64 {
        let mut layout = LayoutShifts::default();
        shifts.iter().for_each(|s| layout.add(*s));
        (layout.value() * 1e6).round() / 1e6
    }

    #[test]
    fn cls_is_the_largest_session_window() {
        // Two windows split by a gap of more than 1 s: 0.1 + 0.05, then 0.2 alone.
        assert_eq!(cls(&[shift(0.1, 100.0), shift(0.05, 900.0), shift(0.2, 2_500.0)]), 0.2);
        // Shifts 900 ms apart keep one window going: 0.3 in all.
        assert_eq!(cls(&[shift(0.1, 0.0), shift(0.1, 900.0), shift(0.1, 1_800.0)]), 0.3);
        assert_eq!(cls(&[]), 0.0);
    }

    #[test]
    fn a_window_closes_after_five_seconds_even_without_a_gap() {
        let steady: Vec<LayoutShift> = (0..12).map(|i| shift(0.01, f64::from(i) * 800.0)).collect();
        // 0, 800 … 4800 fit in the first window (7 shifts); 5600 starts the next.
        assert_eq!(cls(&steady), 0.07);
    }

    #[test]
    fn shifts_right_after_input_do_not_count() {
        let after_tap = LayoutShift { value: 0.5, start_time: 300.0, had_recent_input: true };
        assert_eq!(cls(&[shift(0.02, 100.0), after_tap, shift(0.03, 600.0)]), 0.05);
    }

    #[test]
    fn lcp_is_the_last_candidate_before_input_or_hiding() {
        let mut lcp = LargestPaint::default();
        lcp.candidate(400.0, None);
        lcp.candidate(1_200.0, None);
        assert_eq!(lcp.value(), Some(1_200.0));
        lcp.settle();
        lcp.candidate(3_000.0, None);
        assert_eq!(lcp.value(), Some(1_200.0), "after the first input nothing replaces it");
    }

    #[test]
    fn lcp_ignores_what_was_painted_after_the_page_was_first_hidden() {
        let mut lcp = LargestPaint::default();
        lcp.candidate(800.0, Some(1_000.0));
        lcp.candidate(1_500.0, Some(1_000.0));
        assert_eq!(lcp.value(), Some(800.0));
        let mut background = LargestPaint::default();
        background.candidate(500.0, Some(0.0));
        assert_eq!(background.value(), None, "opened in a background tab");
    }

    #[test]
    fn inp_takes_each_interactions_longest_event_and_the_longest_interaction() {
        let mut inp = Interactions::default();
        assert_eq!(inp.value(None), None);
        for (id, duration) in [(1, 48.0), (1, 104.0), (2, 64.0), (0, 900.0), (3, 24.0)] {
            inp.add(EventTiming { interaction_id: id, duration });
        }
        assert_eq!(inp.value(None), Some(104.0), "the keyup of interaction 1; id 0 is no interaction");
    }

    #[test]
    fn inp_skips_one_outlier_per_fifty_interactions() {
        let mut inp = Interactions::default();
        // 120 interactions: two outliers skipped, the third longest is the INP.
        for id in 1..=120u64 {
            inp.add(EventTiming { interaction_id: id, duration: id as f64 * 8.0 });
        }
        assert_eq!(inp.value(None), Some(118.0 * 8.0));
        // The browser counted more interactions than were long enough to be reported.
        assert_eq!(inp.value(Some(520)), Some(111.0 * 8.0), "capped at the tenth longest");
        let mut few = Interactions::default();
        few.add(EventTiming { interaction_id: 7, duration: 40.0 });
        assert_eq!(few.value(Some(60)), Some(40.0), "never past the ones kept");
    }

    #[test]
    fn paint_and_first_input_count_only_while_visible() {
        assert_eq!(first_contentful_paint(640.0, None), Some(640.0));
        assert_eq!(first_contentful_paint(640.0, Some(300.0)), None);
        assert_eq!(first_input_delay(2_000.0, 2_012.5, None), Some(12.5));
        assert_eq!(first_input_delay(2_000.0, 2_012.5, Some(1_000.0)), None);
        assert_eq!(time_to_first_byte(87.3), Some(87.3));
        assert_eq!(time_to_first_byte(0.0), None);
    }
}
