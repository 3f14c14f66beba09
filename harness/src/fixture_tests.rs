//! Tests of `meta.json` validation: each invalid field in turn must name
//! the file and the field.

use super::*;

const VALID: &str = r#"{
  "name": "many-cuts",
  "description": "hard cuts",
  "tags": ["gsap", "cuts"],
  "minPsnr": 40,
  "maxFrameFailures": 0,
  "minAudioCorrelation": 0.95,
  "maxAudioLagWindows": 8,
  "renderConfig": { "fps": 30, "quality": "high" }
}"#;

fn path() -> PathBuf {
    PathBuf::from("fixtures/many-cuts/meta.json")
}

/// Apply `edit` to the valid meta and parse it.
fn parse_edited(edit: impl FnOnce(&mut Map<String, Value>)) -> Result<Meta, FixtureError> {
    let mut v: Value = serde_json::from_str(VALID).unwrap();
    edit(v.as_object_mut().unwrap());
    parse_meta(&path(), &v.to_string(), "many-cuts")
}

/// The error must name the file and the field.
fn assert_names(result: Result<Meta, FixtureError>, field: &str) -> String {
    let err = result.expect_err("expected an invalid meta").to_string();
    assert!(
        err.contains("fixtures/many-cuts/meta.json"),
        "no file in: {err}"
    );
    assert!(
        err.contains(&format!("`{field}`")),
        "no field {field} in: {err}"
    );
    err
}

fn render_config(m: &mut Map<String, Value>) -> &mut Map<String, Value> {
    m.get_mut("renderConfig").unwrap().as_object_mut().unwrap()
}

#[test]
fn a_valid_meta_parses_with_defaults() {
    let meta = parse_meta(&path(), VALID, "many-cuts").unwrap();
    assert_eq!(meta.name, "many-cuts");
    assert_eq!(meta.tags, vec!["gsap", "cuts"]);
    assert_eq!(meta.min_psnr, 40.0);
    assert_eq!(meta.max_audio_lag_windows, 8);
    assert_eq!(meta.max_audio_residual_rms_db, None);
    assert_eq!(meta.render.fps, Some(Fps::int(30)));
    assert_eq!(meta.render.quality, Quality::High);
    assert_eq!(meta.render.workers, Workers::Auto);
    assert_eq!(meta.render.format, Format::Mp4);
}

#[test]
fn ntsc_rates_workers_variables_and_residual_parse() {
    let meta = parse_edited(|m| {
        m.insert("maxAudioResidualRmsDb".into(), (-40.0).into());
        let rc = render_config(m);
        rc.insert("fps".into(), "30000/1001".into());
        rc.insert("workers".into(), 2.into());
        rc.insert("format".into(), "mp4".into());
        rc.insert("variables".into(), serde_json::json!({"title": "hi"}));
        rc.remove("quality");
    })
    .unwrap();
    assert_eq!(
        meta.render.fps,
        Some(Fps {
            num: 30000,
            den: 1001
        })
    );
    assert_eq!(meta.render.workers, Workers::Fixed(2));
    assert_eq!(meta.render.quality, Quality::High);
    assert_eq!(meta.max_audio_residual_rms_db, Some(-40.0));
    assert_eq!(meta.render.variables.unwrap()["title"], "hi");
}

#[test]
fn missing_name() {
    let err = assert_names(parse_edited(|m| drop(m.remove("name"))), "name");
    assert!(err.contains("missing"), "{err}");
}

#[test]
fn name_must_equal_the_folder() {
    let err = assert_names(
        parse_edited(|m| drop(m.insert("name".into(), "other".into()))),
        "name",
    );
    assert!(err.contains("folder"), "{err}");
}

#[test]
fn negative_min_psnr() {
    assert_names(
        parse_edited(|m| drop(m.insert("minPsnr".into(), (-1.0).into()))),
        "minPsnr",
    );
}

#[test]
fn correlation_above_one() {
    assert_names(
        parse_edited(|m| drop(m.insert("minAudioCorrelation".into(), 1.5.into()))),
        "minAudioCorrelation",
    );
}

#[test]
fn zero_lag_windows() {
    assert_names(
        parse_edited(|m| drop(m.insert("maxAudioLagWindows".into(), 0.into()))),
        "maxAudioLagWindows",
    );
}

#[test]
fn decimal_fps_string_and_number() {
    assert_names(
        parse_edited(|m| drop(render_config(m).insert("fps".into(), "29.97".into()))),
        "renderConfig.fps",
    );
    assert_names(
        parse_edited(|m| drop(render_config(m).insert("fps".into(), 29.97.into()))),
        "renderConfig.fps",
    );
}

#[test]
fn unknown_fields_top_level_and_nested() {
    let err = assert_names(
        parse_edited(|m| drop(m.insert("minPSNR".into(), 3.into()))),
        "minPSNR",
    );
    assert!(err.contains("unknown field"), "{err}");
    assert_names(
        parse_edited(|m| drop(render_config(m).insert("codec".into(), "h123".into()))),
        "renderConfig.codec",
    );
}

#[test]
fn every_format_parses_and_unknown_ones_are_named() {
    for f in ["mp4", "webm", "mov", "png-sequence", "gif"] {
        let meta = parse_edited(|m| drop(render_config(m).insert("format".into(), f.into())))
            .unwrap_or_else(|e| panic!("{f}: {e}"));
        assert_eq!(meta.render.format.name(), f);
    }
    let err = assert_names(
        parse_edited(|m| drop(render_config(m).insert("format".into(), "avi".into()))),
        "renderConfig.format",
    );
    assert!(err.contains("avi"), "{err}");
    let err = assert_names(
        parse_edited(|m| {
            let rc = render_config(m);
            rc.insert("format".into(), "gif".into());
            rc.insert("codec".into(), "h265".into());
        }),
        "renderConfig.codec",
    );
    assert!(err.contains("gif"), "{err}");
}

#[test]
fn unknown_quality() {
    let err = assert_names(
        parse_edited(|m| drop(render_config(m).insert("quality".into(), "ultra".into()))),
        "renderConfig.quality",
    );
    assert!(err.contains("ultra"), "{err}");
}

#[test]
fn wrong_types_and_zero_workers() {
    assert_names(
        parse_edited(|m| drop(m.insert("tags".into(), "a,b".into()))),
        "tags",
    );
    assert_names(
        parse_edited(|m| drop(m.insert("maxFrameFailures".into(), (-2).into()))),
        "maxFrameFailures",
    );
    assert_names(
        parse_edited(|m| drop(render_config(m).insert("workers".into(), 0.into()))),
        "renderConfig.workers",
    );
    assert_names(
        parse_edited(|m| drop(m.remove("renderConfig"))),
        "renderConfig",
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let err = parse_edited(|m| {
        m.insert("minPsnr".into(), (-1.0).into());
        m.insert("bogus".into(), true.into());
    })
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("`minPsnr`") && err.contains("`bogus`"),
        "{err}"
    );
}

#[test]
fn syntax_errors_name_the_file_and_position() {
    let err = parse_meta(&path(), "{ \"name\": ", "many-cuts")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("fixtures/many-cuts/meta.json") && err.contains("line 1"),
        "{err}"
    );
}

#[test]
fn discovery_reports_folders_without_meta_as_errors() {
    let root = tempfile::tempdir().unwrap();
    let fx = root.path().join("fixtures");
    std::fs::create_dir_all(fx.join("b-ok/src")).unwrap();
    std::fs::write(fx.join("b-ok/src/index.html"), "<html></html>").unwrap();
    std::fs::write(
        fx.join("b-ok/meta.json"),
        VALID.replace("many-cuts", "b-ok"),
    )
    .unwrap();
    std::fs::create_dir_all(fx.join("a-bare/src")).unwrap();
    std::fs::write(fx.join("a-bare/src/index.html"), "<html></html>").unwrap();
    std::fs::create_dir_all(fx.join(".hidden")).unwrap();
    let found = discover(root.path()).unwrap();
    let names: Vec<&str> = found.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["a-bare", "b-ok"]);
    let err = found[0].meta.as_ref().unwrap_err().to_string();
    assert!(
        err.contains("a-bare/meta.json") && err.contains("missing"),
        "{err}"
    );
    assert!(found[1].meta.is_ok());
}
