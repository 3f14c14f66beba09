//! Nested compositions' clocks: everything inside a host (clips, media,
//! timelines) runs on the host's clock, where local time `L` is absolute
//! time `hostStart + (L - data-playback-start) / rate`, rates multiplying
//! down the nesting. This pass turns every authored window into absolute
//! time and records the rate each clip's clock runs at.

use std::collections::HashMap;

use super::media;
use super::scan::Scan;
use super::timing::{Clock, PendingClip, Window};

/// What the clock pass found.
pub(super) struct Clocks {
    /// Per clip (index into `pending`): the clock it runs on.
    pub clock_of: Vec<Clock>,
    /// Per host (scanned element index): the rate of the clock it gives its
    /// children.
    pub host_rates: HashMap<usize, f64>,
}

/// Map every window in `windows` (authored on its composition's clock) to
/// absolute time. `position` maps a scanned element to its index in
/// `pending`. Hosts come before their children in document order, so a
/// host's own window is absolute before its children use it. An error
/// names the scanned element at fault.
pub(super) fn apply_clocks(
    scan: &Scan,
    root_idx: usize,
    pending: &[(usize, PendingClip)],
    position: &HashMap<usize, usize>,
    windows: &mut [Window],
) -> Result<Clocks, (usize, String)> {
    let mut clock_of = vec![Clock::ROOT; pending.len()];
    let mut child_clock: Vec<Option<Clock>> = vec![None; pending.len()];
    for pos in 0..pending.len() {
        let el_idx = pending[pos].0;
        let el = &scan.elements[el_idx];
        let mut parent = el.parent;
        while let Some(p) = parent {
            if p != root_idx && scan.elements[p].attr("data-composition-id").is_some() {
                break;
            }
            parent = scan.elements[p].parent;
        }
        if let Some(&host) = parent.and_then(|p| position.get(&p)) {
            let clock = child_clock[host].unwrap_or(Clock::ROOT);
            clock_of[pos] = clock;
            windows[pos] = clock.window(windows[pos]);
        }
        if el.attr("data-composition-id").is_some() {
            let bad = |m: String| (el_idx, m);
            let pbs = media::number_attr(el, "data-playback-start", 0.0).map_err(bad)?;
            let rate = media::number_attr(el, "data-playback-rate", 1.0).map_err(bad)?;
            if !media::RATE_RANGE.contains(&rate) {
                return Err(bad(format!(
                    "data-playback-rate=\"{rate}\" must lie in {}..={}",
                    media::RATE_RANGE.start(),
                    media::RATE_RANGE.end()
                )));
            }
            child_clock[pos] = Some(Clock {
                origin: windows[pos].start,
                local_origin: pbs,
                rate: rate * clock_of[pos].rate,
            });
        }
    }
    let host_rates = child_clock
        .iter()
        .enumerate()
        .filter_map(|(pos, c)| c.map(|c| (pending[pos].0, c.rate)))
        .collect();
    Ok(Clocks {
        clock_of,
        host_rates,
    })
}
