//! `--shard I/N`: split the selected fixtures over N CI machines so that
//! each takes about as long. Deterministic (same inputs, same split on
//! every machine, no coordination needed) and greedy: longest fixture first
//! onto the currently lightest shard.

use std::fmt;
use std::str::FromStr;

/// Seconds assumed for a fixture that has never been rendered.
pub const UNKNOWN_SECONDS: f64 = 60.0;

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1..=count.
    pub index: usize,
    /// Number of shards, ≥ 1.
    pub count: usize,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || format!("invalid shard {s:?}: expected I/N with 1 ≤ I ≤ N, e.g. 2/4");
        let (i, n) = s.split_once('/').ok_or_else(err)?;
        let index: usize = i.trim().parse().map_err(|_| err())?;
        let count: usize = n.trim().parse().map_err(|_| err())?;
        if count == 0 || index == 0 || index > count {
            return Err(err());
        }
        Ok(Self { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Split `(name, seconds)` pairs into `count` shards: sort by (seconds
/// descending, name), then give each to the shard with the least total so
/// far (ties to the lowest index). Each shard lists its names sorted.
pub fn assign(items: &[(String, f64)], count: usize) -> Vec<Vec<String>> {
    let count = count.max(1);
    let mut order: Vec<&(String, f64)> = items.iter().collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut shards = vec![Vec::new(); count];
    let mut load = vec![0.0f64; count];
    for (name, secs) in order {
        let lightest = (0..count)
            .min_by(|&a, &b| load[a].total_cmp(&load[b]).then(a.cmp(&b)))
            .unwrap_or(0);
        load[lightest] += secs;
        shards[lightest].push(name.clone());
    }
    for s in &mut shards {
        s.sort();
    }
    shards
}

/// The names in `shard`.
pub fn select(items: &[(String, f64)], shard: Shard) -> Vec<String> {
    assign(items, shard.count).swap_remove(shard.index - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(times: &[(&str, f64)]) -> Vec<(String, f64)> {
        times.iter().map(|(n, t)| (n.to_string(), *t)).collect()
    }

    #[test]
    fn parses_shard_specs() {
        assert_eq!(
            "2/4".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 4 }
        );
        for bad in ["0/4", "5/4", "1/0", "x/2", "3", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_fixture_in_exactly_one_shard_and_deterministic() {
        let all = items(&[
            ("a", 10.0),
            ("b", 60.0),
            ("c", 60.0),
            ("d", 5.0),
            ("e", 300.0),
            ("f", 20.0),
            ("g", 60.0),
        ]);
        let split = assign(&all, 3);
        let mut seen: Vec<String> = split.concat();
        seen.sort();
        assert_eq!(seen, ["a", "b", "c", "d", "e", "f", "g"]);
        let mut reversed = all.clone();
        reversed.reverse();
        assert_eq!(assign(&reversed, 3), split, "input order must not matter");
        for i in 1..=3 {
            assert_eq!(select(&all, Shard { index: i, count: 3 }), split[i - 1]);
        }
    }

    #[test]
    fn balanced_by_time() {
        // Greedy LPT: e (300) alone; the rest spread over the other two.
        let all = items(&[
            ("a", 10.0),
            ("b", 60.0),
            ("c", 60.0),
            ("d", 5.0),
            ("e", 300.0),
            ("f", 20.0),
            ("g", 60.0),
            ("h", 100.0),
        ]);
        let split = assign(&all, 3);
        let time = |s: &Vec<String>| -> f64 {
            s.iter()
                .map(|n| all.iter().find(|(m, _)| m == n).unwrap().1)
                .sum()
        };
        assert_eq!(split[0], ["e"]);
        let loads: Vec<f64> = split.iter().map(time).collect();
        assert_eq!(loads, [300.0, 160.0, 155.0]);
        // Equal times: names break the ties, lowest shard first.
        let even = items(&[("x", 60.0), ("y", 60.0), ("z", 60.0), ("w", 60.0)]);
        assert_eq!(assign(&even, 2), [vec!["w", "y"], vec!["x", "z"]]);
    }

    #[test]
    fn more_shards_than_fixtures_leaves_some_empty() {
        let split = assign(&items(&[("a", 1.0)]), 3);
        assert_eq!(split, [vec!["a".to_string()], vec![], vec![]]);
    }
}
