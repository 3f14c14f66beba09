//! The reference renderer's font alias map, as data: which family it draws
//! for a family name an author writes.
//!
//! HyperFrames ships a set of canonical families (from the `@fontsource`
//! npm packages) and maps common system names onto them: `Helvetica`,
//! `Arial`, `Verdana` and the other sans-serif system faces draw Inter,
//! `Segoe UI` draws Roboto, `Courier New`, `Menlo` and the other monospace
//! system faces draw JetBrains Mono, `Georgia`, `Times New Roman` and the
//! serif system faces draw EB Garamond. The canonical family's faces are
//! declared under the *authored* name, so the page's CSS matches them and
//! the machine's own font of that name (a DejaVu Sans, say) is never
//! used. Compositions written for the reference were looked at with these
//! faces, so hf draws the same ones.
//!
//! Names not in the map (`Impact`, say) are not aliased: they resolve like
//! any other family (the machine, then npm, then the stack's fallback).

/// One canonical family: what the reference draws for its aliases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Canonical {
    /// The family's own name (`Inter`), which its npm package serves.
    pub family: &'static str,
    /// Fontsource's id, the npm package's name after `@fontsource/`.
    pub id: &'static str,
    /// The package version whose latin files are byte for byte the ones
    /// the reference embeds (checked against its bundle; a later release
    /// of a package may redraw the family).
    pub version: &'static str,
    /// Weights the reference embeds itself (its latin subset); the rest it
    /// supplements from the canonical family when it can reach it.
    pub bundled_weights: &'static [u16],
}

impl Canonical {
    /// The npm package that serves this family's static faces.
    pub fn package(&self) -> String {
        format!("@fontsource/{}", self.id)
    }
}

const W4_7_9: &[u16] = &[400, 700, 900];
const W4_7: &[u16] = &[400, 700];
const W4: &[u16] = &[400];

/// The canonical families the reference bundles.
pub const CANONICAL: &[Canonical] = &[
    canon("Inter", "inter", "5.2.8", W4_7_9),
    canon("Montserrat", "montserrat", "5.2.8", W4_7_9),
    canon("Outfit", "outfit", "5.2.8", W4_7_9),
    canon("Nunito", "nunito", "5.2.7", W4_7_9),
    canon("Oswald", "oswald", "5.2.8", W4_7),
    canon("League Gothic", "league-gothic", "5.2.8", W4),
    canon("Archivo Black", "archivo-black", "5.2.8", W4),
    canon("Space Mono", "space-mono", "5.2.9", W4_7),
    canon("IBM Plex Mono", "ibm-plex-mono", "5.2.7", W4_7),
    canon("JetBrains Mono", "jetbrains-mono", "5.2.8", W4_7),
    canon("EB Garamond", "eb-garamond", "5.2.7", W4_7),
    canon("Playfair Display", "playfair-display", "5.2.8", W4_7_9),
    canon("Source Code Pro", "source-code-pro", "5.2.7", W4_7),
    canon("Noto Sans JP", "noto-sans-jp", "5.2.9", W4_7),
    canon("Roboto", "roboto", "5.2.10", W4_7_9),
    canon("Open Sans", "open-sans", "5.2.7", W4_7),
    canon("Lato", "lato", "5.2.7", W4_7_9),
    canon("Poppins", "poppins", "5.2.7", W4_7_9),
];

const fn canon(
    family: &'static str,
    id: &'static str,
    version: &'static str,
    w: &'static [u16],
) -> Canonical {
    Canonical {
        family,
        id,
        version,
        bundled_weights: w,
    }
}

/// Aliases (lower case) and the canonical id each draws. Every canonical
/// family is also its own alias (see [`canonical_for`]).
const ALIASES: &[(&str, &str)] = &[
    // Common names onto the nearest canonical family.
    ("helvetica neue", "inter"),
    ("helvetica", "inter"),
    ("arial", "inter"),
    ("helvetica bold", "inter"),
    ("futura", "montserrat"),
    ("din alternate", "montserrat"),
    ("arial black", "montserrat"),
    ("bebas neue", "league-gothic"),
    ("courier new", "jetbrains-mono"),
    ("courier", "jetbrains-mono"),
    ("garamond", "eb-garamond"),
    ("noto sans japanese", "noto-sans-jp"),
    ("segoe ui", "roboto"),
    // macOS sans-serif system faces.
    ("sf pro", "inter"),
    ("sf pro display", "inter"),
    ("sf pro text", "inter"),
    ("sf pro rounded", "inter"),
    ("avenir", "inter"),
    ("avenir next", "inter"),
    ("lucida grande", "inter"),
    ("geneva", "inter"),
    ("optima", "inter"),
    // Windows sans-serif system faces.
    ("verdana", "inter"),
    ("tahoma", "inter"),
    ("trebuchet ms", "inter"),
    ("calibri", "inter"),
    ("candara", "inter"),
    ("corbel", "inter"),
    ("lucida sans", "inter"),
    ("lucida sans unicode", "inter"),
    // Linux sans-serif system faces.
    ("noto sans", "inter"),
    ("dejavu sans", "inter"),
    ("liberation sans", "inter"),
    // Monospace system faces.
    ("sf mono", "jetbrains-mono"),
    ("menlo", "jetbrains-mono"),
    ("monaco", "jetbrains-mono"),
    ("consolas", "jetbrains-mono"),
    ("lucida console", "jetbrains-mono"),
    ("lucida sans typewriter", "jetbrains-mono"),
    ("andale mono", "jetbrains-mono"),
    ("dejavu sans mono", "jetbrains-mono"),
    ("liberation mono", "jetbrains-mono"),
    // Serif system faces.
    ("georgia", "eb-garamond"),
    ("palatino", "eb-garamond"),
    ("palatino linotype", "eb-garamond"),
    ("book antiqua", "eb-garamond"),
    ("cambria", "eb-garamond"),
    ("times", "eb-garamond"),
    ("times new roman", "eb-garamond"),
    ("dejavu serif", "eb-garamond"),
    ("liberation serif", "eb-garamond"),
];

/// The family the reference puts first in a stack that starts with a
/// generic or system-UI name (`system-ui, sans-serif` → `Inter, system-ui,
/// sans-serif`), so such text draws the same on every machine.
pub const SYSTEM_PRIMARY: &str = "Inter";

/// Generic and system-UI names: the browser picks a machine font for them,
/// so they are never fetched, and a stack starting with one gets
/// [`SYSTEM_PRIMARY`] in front.
const GENERIC: &[&str] = &[
    "sans-serif",
    "serif",
    "monospace",
    "cursive",
    "fantasy",
    "system-ui",
    "ui-sans-serif",
    "ui-serif",
    "ui-monospace",
    "emoji",
    "math",
    "fangsong",
    "-apple-system",
    "blinkmacsystemfont",
];

/// CSS-wide keywords, which name no family.
const KEYWORDS: &[&str] = &["inherit", "initial", "unset", "revert", "revert-layer"];

/// A family name as the map keys it: unquoted, trimmed, lower case, inner
/// whitespace collapsed.
pub fn key(family: &str) -> String {
    let t = family.trim();
    let t = t.strip_prefix(['"', '\'']).unwrap_or(t);
    let t = t.strip_suffix(['"', '\'']).unwrap_or(t);
    t.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// True for a generic or system-UI family (`sans-serif`, `system-ui`,
/// `-apple-system`, `ui-monospace` …).
pub fn is_generic(family: &str) -> bool {
    GENERIC.contains(&key(family).as_str())
}

/// True when the name can be fetched at all: not generic, not a CSS-wide
/// keyword, not a `var()` expression.
pub fn is_fetchable(family: &str) -> bool {
    let k = key(family);
    !k.is_empty() && !k.starts_with("var(") && !is_generic(&k) && !KEYWORDS.contains(&k.as_str())
}

/// The canonical family the reference draws for `family`, when it aliases
/// it (a canonical family maps onto itself). Case and quotes are ignored.
pub fn canonical_for(family: &str) -> Option<&'static Canonical> {
    let k = key(family);
    let id = ALIASES
        .iter()
        .find(|(alias, _)| *alias == k)
        .map(|(_, id)| *id)
        .or_else(|| CANONICAL.iter().find(|c| key(c.family) == k).map(|c| c.id))?;
    CANONICAL.iter().find(|c| c.id == id)
}

/// Every alias of a different typeface and the family it draws, for the
/// README and for warnings that list what is mapped.
pub fn aliases() -> impl Iterator<Item = (&'static str, &'static str)> {
    ALIASES.iter().filter_map(|(alias, id)| {
        CANONICAL
            .iter()
            .find(|c| c.id == *id)
            .map(|c| (*alias, c.family))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draws(family: &str) -> Option<&'static str> {
        canonical_for(family).map(|c| c.family)
    }

    #[test]
    fn system_names_draw_their_canonical_family() {
        assert_eq!(draws("Helvetica"), Some("Inter"));
        assert_eq!(draws("\"Helvetica Neue\""), Some("Inter"));
        assert_eq!(draws("ARIAL"), Some("Inter"));
        assert_eq!(draws("'Segoe UI'"), Some("Roboto"));
        assert_eq!(draws("Courier New"), Some("JetBrains Mono"));
        assert_eq!(draws("Menlo"), Some("JetBrains Mono"));
        assert_eq!(draws("Times New Roman"), Some("EB Garamond"));
        assert_eq!(draws("Arial Black"), Some("Montserrat"));
        assert_eq!(draws("Bebas Neue"), Some("League Gothic"));
        // A font this machine has is aliased all the same.
        assert_eq!(draws("DejaVu Sans"), Some("Inter"));
    }

    #[test]
    fn canonical_families_map_onto_themselves() {
        for c in CANONICAL {
            assert_eq!(canonical_for(c.family), Some(c), "{}", c.family);
        }
        assert_eq!(
            canonical_for("inter").map(Canonical::package).as_deref(),
            Some("@fontsource/inter")
        );
        assert_eq!(
            canonical_for("jetbrains  mono").map(|c| c.id),
            Some("jetbrains-mono")
        );
    }

    #[test]
    fn unmapped_and_generic_names_are_not_aliased() {
        for name in [
            "Impact",
            "Comic Sans MS",
            "sans-serif",
            "system-ui",
            "monospace",
            "",
        ] {
            assert_eq!(draws(name), None, "{name}");
        }
        assert!(is_generic("-apple-system") && is_generic("BlinkMacSystemFont"));
        assert!(is_generic("ui-monospace") && !is_generic("Inter"));
        assert!(!is_fetchable("inherit") && !is_fetchable("var(--font)"));
        assert!(!is_fetchable("serif") && is_fetchable("Impact"));
    }

    #[test]
    fn every_alias_names_a_canonical_family() {
        assert_eq!(aliases().count(), ALIASES.len());
        assert!(aliases().any(|(a, f)| a == "segoe ui" && f == "Roboto"));
    }
}
