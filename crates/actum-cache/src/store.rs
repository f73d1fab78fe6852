//! Where revalidation marks (and, on Redis, shared entries) live: in this process, or in Redis.
//!
//! Both keep one counter. Marking names takes the next value of the counter and records it under
//! each name; reading asks for the counter's current value and for the latest mark among the
//! names an entry is checked against. An entry made (its load begun) at counter value `made` is
//! fresh while that latest mark is `<= made`. Marking is O(names), whatever the number of
//! entries, and it works the same on one process and on many.

use std::collections::HashMap;
use std::sync::Mutex;

/// What a read learns from the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    /// The counter now: what a load begun now records as its `made`.
    pub(crate) now: u64,
    /// The latest mark among the names asked about (0 when none was ever marked).
    pub(crate) latest: u64,
}

impl Stamp {
    /// Whether an entry made at `made` is still fresh.
    pub(crate) fn fresh(self, made: u64) -> bool {
        self.latest <= made
    }
}

/// The process's own marks.
#[derive(Debug, Default)]
pub(crate) struct MemoryMarks {
    state: Mutex<MarksState>,
}

#[derive(Debug, Default)]
struct MarksState {
    counter: u64,
    /// Every name marked at or before it counts as marked at it: how forgetting stays correct.
    floor: u64,
    marks: HashMap<String, u64>,
}

/// Past this many names, the marks are forgotten and the floor raised instead: every entry made
/// before is stale, which is correct, and memory stays bounded however many paths are marked.
const MAX_MARKS: usize = 100_000;

impl MemoryMarks {
    pub(crate) fn stamp(&self, names: &[String]) -> Stamp {
        let state = self.lock();
        let latest = names
            .iter()
            .filter_map(|name| state.marks.get(name).copied())
            .fold(state.floor, u64::max);
        Stamp {
            now: state.counter,
            latest,
        }
    }

    pub(crate) fn mark(&self, names: &[String]) {
        let mut state = self.lock();
        state.counter += 1;
        let now = state.counter;
        for name in names {
            state.marks.insert(name.clone(), now);
        }
        if state.marks.len() > MAX_MARKS {
            state.marks.clear();
            state.floor = now;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MarksState> {
        // The state is plain numbers; a panic elsewhere cannot leave it half-written.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn an_entry_made_before_a_mark_is_stale_and_one_made_after_is_fresh() {
        let marks = MemoryMarks::default();
        let made = marks.stamp(&names(&["t:a"])).now;
        marks.mark(&names(&["t:a"]));
        let stamp = marks.stamp(&names(&["t:a"]));
        assert!(!stamp.fresh(made));
        assert!(stamp.fresh(stamp.now));
    }

    #[test]
    fn other_names_do_not_count() {
        let marks = MemoryMarks::default();
        let made = marks.stamp(&names(&["t:a"])).now;
        marks.mark(&names(&["t:b"]));
        assert!(marks.stamp(&names(&["t:a"])).fresh(made));
    }

    #[test]
    fn forgetting_marks_keeps_older_entries_stale() {
        let marks = MemoryMarks::default();
        let made = marks.stamp(&[]).now;
        for i in 0..=MAX_MARKS {
            marks.mark(&[format!("p:/{i}")]);
        }
        let stamp = marks.stamp(&names(&["t:unrelated"]));
        assert!(!stamp.fresh(made), "the floor covers forgotten marks");
        assert!(stamp.fresh(stamp.now));
        assert!(marks.lock().marks.len() <= MAX_MARKS);
    }
}
