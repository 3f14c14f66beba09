//! Composition variables: declarations (`data-composition-variables` on
//! `<html>` or the root), render-time overrides, and their validation.
//!
//! Values reach the page three ways: written into the compiled HTML for
//! `data-var-text` / `data-var-src` bindings, as CSS custom properties
//! (`var(--id)`), and through `window.__hyperframes.getVariables()`.

use serde::Deserialize;
use serde_json::{Map, Value};

/// The kinds a variable can be declared as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Free text.
    String,
    /// A JSON number.
    Number,
    /// A CSS colour (`#rgb`, `#rrggbb`, `rgb(…)`, `hsl(…)`, a name).
    Color,
    /// true or false.
    Boolean,
    /// One of `options`.
    Enum,
    /// A font family name.
    Font,
    /// An image path or URL.
    Image,
}

/// One declared variable.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declaration {
    /// Name used in bindings and overrides.
    pub id: String,
    /// Declared kind.
    #[serde(rename = "type")]
    pub kind: Kind,
    /// Value when not overridden.
    #[serde(default)]
    pub default: Value,
    /// Human label (editors show it; hf ignores it).
    #[serde(default)]
    pub label: Option<String>,
    /// Allowed values of an enum.
    #[serde(default)]
    pub options: Vec<Value>,
}

/// Parse the JSON array of a `data-composition-variables` attribute.
pub fn parse_declarations(raw: &str) -> Result<Vec<Declaration>, String> {
    serde_json::from_str::<Vec<Declaration>>(raw)
        .map_err(|e| format!("data-composition-variables is not a valid declaration list: {e}"))
}

/// Why a value does not fit its declaration, if it does not.
fn misfit(d: &Declaration, v: &Value) -> Option<String> {
    let ok = match d.kind {
        Kind::String | Kind::Font | Kind::Image => v.is_string(),
        Kind::Number => v.is_number(),
        Kind::Boolean => v.is_boolean(),
        Kind::Color => v.as_str().is_some_and(looks_like_colour),
        Kind::Enum => d.options.contains(v),
    };
    (!ok).then(|| {
        let want = match d.kind {
            Kind::Enum => format!(
                "one of {}",
                d.options
                    .iter()
                    .map(Value::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Kind::Color => "a CSS colour string".into(),
            k => format!("a {}", format!("{k:?}").to_lowercase()),
        };
        format!(
            "variable \"{}\" is declared {:?} but was given {v}: expected {want}",
            d.id, d.kind
        )
    })
}

fn looks_like_colour(s: &str) -> bool {
    let s = s.trim();
    if let Some(hex) = s.strip_prefix('#') {
        return matches!(hex.len(), 3 | 4 | 6 | 8) && hex.chars().all(|c| c.is_ascii_hexdigit());
    }
    let lower = s.to_ascii_lowercase();
    [
        "rgb(", "rgba(", "hsl(", "hsla(", "hwb(", "lab(", "lch(", "oklab(", "oklch(", "color(",
    ]
    .iter()
    .any(|p| lower.starts_with(p) && lower.ends_with(')'))
        || (!lower.is_empty() && lower.chars().all(|c| c.is_ascii_alphabetic()))
}

/// The merged values (declared defaults, then overrides) and the problems
/// found: an override of an undeclared variable, or of the wrong type.
/// With `strict`, the problems are returned as the error instead.
pub fn resolve(
    decls: &[Declaration],
    overrides: Option<&Value>,
    strict: bool,
) -> Result<(Map<String, Value>, Vec<String>), String> {
    let mut values = Map::new();
    for d in decls {
        values.insert(d.id.clone(), d.default.clone());
    }
    let mut problems = Vec::new();
    if let Some(over) = overrides {
        let Some(over) = over.as_object() else {
            return Err("variable overrides must be a JSON object".into());
        };
        for (k, v) in over {
            match decls.iter().find(|d| &d.id == k) {
                None if decls.is_empty() => problems.push(format!(
                    "variable \"{k}\" is not declared (the composition declares none)"
                )),
                None => problems.push(format!(
                    "variable \"{k}\" is not declared (declared: {})",
                    decls
                        .iter()
                        .map(|d| d.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                Some(d) => {
                    if let Some(p) = misfit(d, v) {
                        problems.push(p);
                    }
                }
            }
            values.insert(k.clone(), v.clone());
        }
    }
    if strict && !problems.is_empty() {
        return Err(problems.join("; "));
    }
    Ok((values, problems))
}

/// Parse a host's `data-variable-values`: a JSON object whose values
/// override the composition's for everything inside that host.
pub fn parse_instance_values(raw: &str) -> Result<serde_json::Map<String, Value>, String> {
    match serde_json::from_str::<Value>(raw) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(format!(
            "data-variable-values must be a JSON object like {{\"title\": \"Hi\"}}, got {raw}"
        )),
        Err(e) => Err(format!("data-variable-values is not valid JSON: {e}")),
    }
}

/// A value as the text a binding shows.
pub fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decls() -> Vec<Declaration> {
        parse_declarations(
            r##"[{"id":"title","type":"string","default":"Hello"},
                 {"id":"accent","type":"color","default":"#ff0000"},
                 {"id":"count","type":"number","default":3},
                 {"id":"show","type":"boolean","default":true},
                 {"id":"mood","type":"enum","default":"calm","options":["calm","loud"]}]"##,
        )
        .unwrap()
    }

    #[test]
    fn overrides_layer_over_defaults() {
        let (v, problems) = resolve(
            &decls(),
            Some(&json!({"title": "Launch", "accent": "#00ff00"})),
            true,
        )
        .unwrap();
        assert!(problems.is_empty());
        assert_eq!(v["title"], json!("Launch"));
        assert_eq!(v["accent"], json!("#00ff00"));
        assert_eq!(v["count"], json!(3));
    }

    #[test]
    fn undeclared_and_mistyped_are_warnings_or_strict_errors() {
        let over = json!({"nope": 1, "count": "three", "mood": "sad", "accent": "not a colour!"});
        let (_, problems) = resolve(&decls(), Some(&over), false).unwrap();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems
            .iter()
            .any(|p| p.contains("\"nope\" is not declared")));
        assert!(problems
            .iter()
            .any(|p| p.contains("\"count\"") && p.contains("number")));
        assert!(problems
            .iter()
            .any(|p| p.contains("\"mood\"") && p.contains("\"calm\"")));
        let err = resolve(&decls(), Some(&over), true).unwrap_err();
        assert!(err.contains("nope"), "{err}");
    }

    #[test]
    fn bad_declarations_are_reported() {
        assert!(parse_declarations(r#"[{"id":"x","type":"vector"}]"#).is_err());
        assert!(parse_declarations("{}").is_err());
    }
}
