//! Timing resolution: turns authored `data-start` expressions (seconds, or
//! `clipId`, `clipId + N`, `clipId - N`) into absolute seconds, and derives
//! every clip's end. Pure data in, data out, so it is tested without HTML.

use std::collections::HashMap;

/// An authored start, parsed but not yet resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum StartExpr {
    /// Absolute seconds.
    At(f64),
    /// The end of clip `id`, plus `offset` seconds (negative for `-`).
    After {
        /// The referenced clip's id.
        id: String,
        /// Seconds after (or before, when negative) that clip's end.
        offset: f64,
    },
}

/// Parse a `data-start` value. Returns a human reason on failure.
pub fn parse_start(raw: &str) -> Result<StartExpr, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(StartExpr::At(0.0));
    }
    if let Ok(v) = s.parse::<f64>() {
        if !v.is_finite() || v < 0.0 {
            return Err(format!(
                "data-start=\"{raw}\" must be a non-negative number of seconds"
            ));
        }
        return Ok(StartExpr::At(v));
    }
    // `id`, `id + N`, `id - N`. Ids may contain '-', so split on a sign
    // that has white space before it.
    let (id, offset) = match find_operator(s) {
        Some((pos, sign)) => {
            let id = s[..pos].trim();
            let num = s[pos + 1..].trim();
            let n: f64 = num.parse().map_err(|_| {
                format!("data-start=\"{raw}\": \"{num}\" after the operator is not a number")
            })?;
            if !n.is_finite() {
                return Err(format!("data-start=\"{raw}\": offset must be finite"));
            }
            (id, sign * n)
        }
        None => (s, 0.0),
    };
    if id.is_empty() || id.chars().any(char::is_whitespace) {
        return Err(format!(
            "data-start=\"{raw}\" is neither seconds nor `clipId [+|- seconds]`"
        ));
    }
    Ok(StartExpr::After {
        id: id.to_owned(),
        offset,
    })
}

fn find_operator(s: &str) -> Option<(usize, f64)> {
    let bytes = s.as_bytes();
    for (i, &b) in bytes.iter().enumerate().skip(1) {
        if (b == b'+' || b == b'-') && bytes[i - 1].is_ascii_whitespace() {
            return Some((i, if b == b'+' { 1.0 } else { -1.0 }));
        }
    }
    None
}

/// Parse a duration attribute: a positive finite number of seconds.
pub fn parse_duration(raw: &str) -> Result<f64, String> {
    match raw.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        Ok(v) if v.is_finite() && v == 0.0 => Err(format!(
            "data-duration=\"{raw}\" is zero; a clip must last longer than 0 s"
        )),
        Ok(_) => Err(format!(
            "data-duration=\"{raw}\" must be a positive number of seconds"
        )),
        Err(_) => Err(format!(
            "data-duration=\"{raw}\" is not a number; write seconds, e.g. data-duration=\"4\""
        )),
    }
}

/// A clip to resolve: its start expression and optional duration.
#[derive(Debug, Clone)]
pub struct PendingClip {
    /// Element id, if any (needed to be referenced).
    pub id: Option<String>,
    /// The parsed start.
    pub start: StartExpr,
    /// Duration in seconds, if known.
    pub duration: Option<f64>,
}

/// A clip's resolved window; `end` is None when the clip has no duration
/// (visible from its start onwards).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    /// Absolute start in seconds.
    pub start: f64,
    /// Absolute end in seconds.
    pub end: Option<f64>,
}

/// A nested composition's clock: local time `L` is absolute time
/// `origin + (L - local_origin) / rate`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clock {
    /// Absolute time of the host's start.
    pub origin: f64,
    /// Local time at the host's start (its `data-playback-start`).
    pub local_origin: f64,
    /// Local seconds per absolute second (the product of the rates of the
    /// hosts it is nested in).
    pub rate: f64,
}

impl Clock {
    /// The top-level clock: local time is absolute time.
    pub const ROOT: Clock = Clock {
        origin: 0.0,
        local_origin: 0.0,
        rate: 1.0,
    };

    /// Absolute time of local time `local`.
    pub fn absolute(&self, local: f64) -> f64 {
        self.origin + (local - self.local_origin) / self.rate
    }

    /// A window authored on this clock, in absolute time.
    pub fn window(&self, w: Window) -> Window {
        Window {
            start: self.absolute(w.start),
            end: w.end.map(|e| self.absolute(e)),
        }
    }
}

/// Why resolution failed, with the index of the clip at fault.
#[derive(Debug, Clone, PartialEq)]
pub struct TimingError {
    /// Index into the input slice.
    pub clip: usize,
    /// What is wrong.
    pub message: String,
}

/// Resolve every clip's window. Relative starts may chain; an unknown id,
/// a reference to a clip without duration, or a cycle is an error.
pub fn resolve(clips: &[PendingClip]) -> Result<Vec<Window>, TimingError> {
    let by_id: HashMap<&str, usize> = clips
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.id.as_deref().map(|id| (id, i)))
        .collect();
    let mut out: Vec<Option<Window>> = vec![None; clips.len()];
    for i in 0..clips.len() {
        let mut chain = Vec::new();
        resolve_one(i, clips, &by_id, &mut out, &mut chain)?;
    }
    Ok(out.into_iter().flatten().collect())
}

fn resolve_one(
    i: usize,
    clips: &[PendingClip],
    by_id: &HashMap<&str, usize>,
    out: &mut [Option<Window>],
    chain: &mut Vec<usize>,
) -> Result<Window, TimingError> {
    if let Some(w) = out[i] {
        return Ok(w);
    }
    if chain.contains(&i) {
        let names: Vec<String> = chain
            .iter()
            .skip_while(|&&c| c != i)
            .chain(std::iter::once(&i))
            .map(|&c| clips[c].id.clone().unwrap_or_else(|| format!("#{c}")))
            .collect();
        return Err(TimingError {
            clip: i,
            message: format!("relative starts form a cycle: {}", names.join(" → ")),
        });
    }
    chain.push(i);
    let start = match &clips[i].start {
        StartExpr::At(v) => *v,
        StartExpr::After { id, offset } => {
            let Some(&target) = by_id.get(id.as_str()) else {
                return Err(TimingError {
                    clip: i,
                    message: format!(
                        "data-start names clip \"{id}\", but no element has id=\"{id}\""
                    ),
                });
            };
            let w = resolve_one(target, clips, by_id, out, chain)?;
            let Some(end) = w.end else {
                return Err(TimingError {
                    clip: i,
                    message: format!(
                        "data-start is relative to \"{id}\", which has no data-duration, so its end is unknown"
                    ),
                });
            };
            let s = end + offset;
            if s < 0.0 {
                return Err(TimingError {
                    clip: i,
                    message: format!(
                        "data-start resolves to {s:.3} s, before the composition starts"
                    ),
                });
            }
            s
        }
    };
    chain.pop();
    let w = Window {
        start,
        end: clips[i].duration.map(|d| start + d),
    };
    out[i] = Some(w);
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clip(id: &str, start: &str, dur: Option<f64>) -> PendingClip {
        PendingClip {
            id: Some(id.into()),
            start: parse_start(start).unwrap(),
            duration: dur,
        }
    }

    #[test]
    fn parses_relative_forms() {
        assert_eq!(parse_start("1.5").unwrap(), StartExpr::At(1.5));
        assert_eq!(
            parse_start("intro + 0.5").unwrap(),
            StartExpr::After {
                id: "intro".into(),
                offset: 0.5
            }
        );
        assert_eq!(
            parse_start("title-card - 0.25").unwrap(),
            StartExpr::After {
                id: "title-card".into(),
                offset: -0.25
            }
        );
        assert_eq!(
            parse_start("title-card").unwrap(),
            StartExpr::After {
                id: "title-card".into(),
                offset: 0.0
            }
        );
        assert!(parse_start("-1").is_err());
        assert!(parse_start("a + x").is_err());
    }

    #[test]
    fn resolves_chains() {
        let w = resolve(&[
            clip("c", "b + 1", Some(1.0)),
            clip("a", "0.5", Some(1.0)),
            clip("b", "a - 0.5", Some(2.0)),
        ])
        .unwrap();
        assert_eq!(
            w[1],
            Window {
                start: 0.5,
                end: Some(1.5)
            }
        );
        assert_eq!(
            w[2],
            Window {
                start: 1.0,
                end: Some(3.0)
            }
        );
        assert_eq!(
            w[0],
            Window {
                start: 4.0,
                end: Some(5.0)
            }
        );
    }

    #[test]
    fn reports_unknown_ids_and_cycles() {
        let e = resolve(&[clip("a", "nosuch + 1", Some(1.0))]).unwrap_err();
        assert!(e.message.contains("nosuch"), "{}", e.message);
        let e = resolve(&[clip("a", "b", Some(1.0)), clip("b", "a", Some(1.0))]).unwrap_err();
        assert!(e.message.contains("cycle"), "{}", e.message);
        assert!(e.message.contains("a → b → a"), "{}", e.message);
    }

    #[test]
    fn durations_must_be_positive_numbers() {
        assert!(parse_duration("0").unwrap_err().contains("zero"));
        assert!(parse_duration("-2").unwrap_err().contains("positive"));
        assert!(parse_duration("abc").unwrap_err().contains("not a number"));
        assert_eq!(parse_duration("2.5").unwrap(), 2.5);
    }
}
