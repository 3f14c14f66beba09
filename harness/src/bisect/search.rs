//! The binary search itself, apart from git and cargo so it can be tested
//! on its own: over the commits after the good one (oldest first, the bad
//! one last), find the first whose render differs from the good render,
//! skipping commits that cannot be judged the way `git bisect skip` does.

use std::collections::BTreeSet;

/// What probing one commit found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// Renders exactly as the good commit does.
    Same,
    /// Renders differently (any frame hash differs).
    Changed,
    /// Cannot be judged (does not build, or its render failed): why.
    Skip(String),
}

/// The answer of one search, by candidate index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The first candidate whose render changed.
    First(usize),
    /// Only skipped commits lie between the last same and the first
    /// changed one: the first change is one of these (the changed one
    /// last), as `git bisect` says when only skipped commits are left.
    OneOf(Vec<usize>),
    /// No candidate that could be judged renders differently.
    NoChange,
}

/// A finished search: the answer and every candidate probed, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// What the search concluded.
    pub answer: Answer,
    /// Candidates probed, in probe order, with what each showed.
    pub probed: Vec<(usize, Probe)>,
}

impl Search {
    /// The skipped candidates with their reasons, in index order.
    pub fn skipped(&self) -> Vec<(usize, &str)> {
        let mut s: Vec<(usize, &str)> = self
            .probed
            .iter()
            .filter_map(|(i, p)| match p {
                Probe::Skip(why) => Some((*i, why.as_str())),
                _ => None,
            })
            .collect();
        s.sort();
        s
    }
}

/// Search `n` candidates (indices `0..n`, oldest first, the bad commit at
/// `n - 1`). The bad commit is probed first (a range that does not change
/// the render has no answer); then the upper middle of the open range,
/// or, when that was skipped, the untried candidate nearest to it. Each
/// candidate is probed at most once.
pub fn search(n: usize, probe: &mut dyn FnMut(usize) -> Probe) -> Search {
    // Invariant: `lo` renders as good does (-1 is the good commit itself),
    // `hi` is the first known changed candidate (`n`: none known yet).
    let (mut lo, mut hi) = (-1i64, n as i64);
    let mut skipped = BTreeSet::new();
    let mut probed = Vec::new();
    loop {
        let open: Vec<i64> = (lo + 1..hi).filter(|i| !skipped.contains(i)).collect();
        let Some(&last) = open.last() else { break };
        let target = if hi == n as i64 {
            last
        } else {
            lo + (hi - lo + 1) / 2
        };
        let pick = *open
            .iter()
            .min_by_key(|&&i| ((i - target).abs(), i))
            .unwrap_or(&last);
        let seen = probe(pick as usize);
        match &seen {
            Probe::Same => lo = pick,
            Probe::Changed => hi = pick,
            Probe::Skip(_) => {
                skipped.insert(pick);
            }
        }
        probed.push((pick as usize, seen));
    }
    let answer = if hi == n as i64 {
        Answer::NoChange
    } else {
        let between: Vec<usize> = (lo + 1..hi)
            .filter(|i| skipped.contains(i))
            .map(|i| i as usize)
            .collect();
        if between.is_empty() {
            Answer::First(hi as usize)
        } else {
            Answer::OneOf(between.into_iter().chain([hi as usize]).collect())
        }
    };
    Search { answer, probed }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Candidates that change from `first` on, with `broken` unbuildable.
    fn stack(n: usize, first: Option<usize>, broken: &[usize]) -> Search {
        search(n, &mut |i| {
            if broken.contains(&i) {
                Probe::Skip("does not build".into())
            } else if first.is_some_and(|f| i >= f) {
                Probe::Changed
            } else {
                Probe::Same
            }
        })
    }

    #[test]
    fn six_commits_change_at_the_fourth_and_the_fifth_does_not_build() {
        // Candidates 0..6 are commits 1..6 of the stack.
        let s = stack(6, Some(3), &[4]);
        assert_eq!(s.answer, Answer::First(3));
        assert_eq!(s.skipped(), vec![(4, "does not build")]);
        let order: Vec<usize> = s.probed.iter().map(|(i, _)| *i).collect();
        assert_eq!(order, [5, 2, 4, 3], "bad first, then the upper middle");
    }

    #[test]
    fn every_position_of_the_change_is_found() {
        for n in 1..12 {
            for first in 0..n {
                let s = stack(n, Some(first), &[]);
                assert_eq!(s.answer, Answer::First(first), "n={n} first={first}");
                let mut seen: Vec<usize> = s.probed.iter().map(|(i, _)| *i).collect();
                seen.sort();
                seen.dedup();
                assert_eq!(seen.len(), s.probed.len(), "a candidate was probed twice");
            }
        }
    }

    #[test]
    fn a_range_that_never_changes_has_no_answer() {
        assert_eq!(stack(5, None, &[]).answer, Answer::NoChange);
        assert_eq!(stack(0, None, &[]).answer, Answer::NoChange);
    }

    #[test]
    fn only_skipped_commits_left_names_them_all() {
        // The change is at 3, but 2 cannot be judged: 2 or 3.
        assert_eq!(stack(6, Some(3), &[2]).answer, Answer::OneOf(vec![2, 3]));
        assert_eq!(stack(4, Some(2), &[1]).answer, Answer::OneOf(vec![1, 2]));
        assert_eq!(stack(4, Some(1), &[1]).answer, Answer::OneOf(vec![1, 2]));
    }

    #[test]
    fn an_unbuildable_bad_commit_falls_back_to_the_one_before() {
        let s = stack(4, Some(1), &[3]);
        assert_eq!(s.answer, Answer::First(1));
        assert_eq!(s.skipped(), vec![(3, "does not build")]);
    }
}
