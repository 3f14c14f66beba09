//! Reading a reference-layout `meta.json` as it stands. Its `name` is a
//! display name (hf's must equal the folder), and its `renderConfig` may
//! carry fields of the reference renderer that hf does not honour yet:
//! each becomes a warning naming the field and the run goes on, except
//! `hdr: true`, which fails the fixture (an SDR render judged against an
//! HDR golden would mislead). What remains is validated by hf's own
//! parser, so thresholds mean exactly what they mean for hf fixtures.

use std::path::Path;

use serde_json::{Map, Value};

use crate::fixture::{self, Fixture, FixtureError};

/// `renderConfig` fields of the reference that hf ignores (with a
/// warning): codec and HDR selection, capture-path switches, and the
/// distributed modes' chunking.
const IGNORED: [&str; 5] = [
    "codec",
    "experimentalFastCapture",
    "captureMode",
    "chunkSize",
    "maxParallelChunks",
];

/// Top-level fields hf's parser knows; the reference tolerates others.
const KNOWN_TOP: [&str; 9] = [
    "name",
    "description",
    "tags",
    "minPsnr",
    "maxFrameFailures",
    "minAudioCorrelation",
    "maxAudioLagWindows",
    "maxAudioResidualRmsDb",
    "renderConfig",
];

/// Read the reference-layout fixture folder `dir` (id `name`).
pub fn load(dir: &Path, name: &str) -> Fixture {
    let mut fx = Fixture {
        name: name.to_owned(),
        dir: dir.to_owned(),
        meta: Err(FixtureError::Missing {
            path: dir.join("meta.json"),
        }),
        warnings: Vec::new(),
        unsupported: None,
    };
    let index = dir.join("src").join("index.html");
    let path = dir.join("meta.json");
    if !index.is_file() {
        fx.meta = Err(FixtureError::Missing { path: index });
        return fx;
    }
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            fx.meta = Err(FixtureError::Io {
                path,
                message: e.to_string(),
            });
            return fx;
        }
    };
    let value: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            fx.meta = Err(FixtureError::Syntax {
                path,
                message: e.to_string(),
            });
            return fx;
        }
    };
    let Value::Object(mut map) = value else {
        fx.meta = fixture::parse_meta(&path, &text, name);
        return fx;
    };
    let display = adapt(&mut map, name, &mut fx);
    let adapted = Value::Object(map).to_string();
    fx.meta = fixture::parse_meta(&path, &adapted, name).map(|mut m| {
        if let Some(d) = display.filter(|d| d != name) {
            m.description = format!("{d}: {}", m.description);
        }
        m
    });
    fx
}

/// Bring a reference `meta.json` object to hf's schema, recording what is
/// dropped in `fx`; returns the display name.
fn adapt(map: &mut Map<String, Value>, name: &str, fx: &mut Fixture) -> Option<String> {
    let display = map.get("name").and_then(Value::as_str).map(str::to_owned);
    map.insert("name".into(), Value::String(name.to_owned()));
    let extra: Vec<String> = map
        .keys()
        .filter(|k| !KNOWN_TOP.contains(&k.as_str()))
        .cloned()
        .collect();
    for key in extra {
        map.remove(&key);
        fx.warnings
            .push(format!("field `{key}` is not read by hf-regress (ignored)"));
    }
    if let Some(Value::Object(rc)) = map.get_mut("renderConfig") {
        match rc.remove("hdr") {
            Some(Value::Bool(true)) => {
                fx.unsupported = Some(
                    "renderConfig.hdr is true: hf renders SDR only, so this fixture cannot pass"
                        .into(),
                );
            }
            Some(Value::Bool(false)) | None => {}
            Some(other) => fx.warnings.push(format!(
                "renderConfig.hdr = {other} is not a boolean (ignored)"
            )),
        }
        for key in IGNORED {
            if let Some(v) = rc.remove(key) {
                fx.warnings.push(format!(
                    "renderConfig.{key} = {v} is not honoured by hf yet (ignored)"
                ));
            }
        }
        if let Some(v) = rc.get("format").cloned() {
            if v != Value::String("mp4".into()) && !format_supported(&v) {
                rc.remove("format");
                fx.warnings.push(format!(
                    "renderConfig.format = {v} is not rendered by hf yet: rendered as MP4 and \
                     compared with the golden"
                ));
            }
        }
    }
    display
}

/// Whether hf's own parser accepts this `renderConfig.format` value.
fn format_supported(v: &Value) -> bool {
    let probe = serde_json::json!({
        "name": "x", "description": "", "tags": [], "minPsnr": 30, "maxFrameFailures": 0,
        "minAudioCorrelation": 0, "maxAudioLagWindows": 1, "renderConfig": { "format": v }
    });
    fixture::parse_meta(Path::new("meta.json"), &probe.to_string(), "x").is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture_with(meta: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/index.html"), "<html></html>").unwrap();
        std::fs::write(dir.path().join("meta.json"), meta).unwrap();
        load(dir.path(), "my-fixture")
    }

    const BASE: &str = r#""description": "d", "tags": ["t"], "minPsnr": 30, "maxFrameFailures": 0,
        "minAudioCorrelation": 0.9, "maxAudioLagWindows": 120"#;

    #[test]
    fn a_display_name_and_unhonoured_fields_are_warnings() {
        let fx = fixture_with(&format!(
            r#"{{ "name": "My Fixture", {BASE}, "renderConfig": {{ "fps": 24, "workers": 1,
                 "codec": "h264", "chunkSize": 240, "hdr": false }} }}"#
        ));
        let meta = fx.meta.as_ref().expect("valid");
        assert_eq!(meta.name, "my-fixture");
        assert!(meta.description.starts_with("My Fixture: "));
        assert_eq!(meta.render.workers, hf::Workers::Fixed(1));
        assert_eq!(fx.warnings.len(), 2, "{:?}", fx.warnings);
        assert!(fx.warnings[0].contains("renderConfig.codec"));
        assert!(fx.warnings[1].contains("renderConfig.chunkSize"));
        assert!(fx.unsupported.is_none());
    }

    #[test]
    fn hdr_true_fails_the_fixture_naming_the_field() {
        let fx = fixture_with(&format!(
            r#"{{ "name": "x", {BASE}, "renderConfig": {{ "fps": 30, "hdr": true }} }}"#
        ));
        assert!(fx.meta.is_ok());
        let why = fx.unsupported.expect("hdr refused");
        assert!(why.contains("renderConfig.hdr"), "{why}");
    }

    #[test]
    fn missing_thresholds_stay_invalid() {
        let fx =
            fixture_with(r#"{ "name": "x", "description": "", "tags": [], "renderConfig": {} }"#);
        let err = fx.meta.expect_err("invalid").to_string();
        assert!(err.contains("minPsnr"), "{err}");
    }
}
