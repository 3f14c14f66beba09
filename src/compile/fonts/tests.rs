//! What the reference draws for the stacks real compositions use, and the
//! CSS rewriting that gets hf there.

use super::*;

fn family(d: &Drawn) -> &str {
    match d {
        Drawn::Canonical(c) => c.family,
        Drawn::Family(f) | Drawn::Generic(f) => f,
        Drawn::Default => "",
    }
}

/// Nothing unaliased is on the machine or on npm.
fn none(_: &str) -> bool {
    false
}

#[test]
fn the_stacks_of_the_compat_fixtures_draw_what_the_reference_draws() {
    let cases = [
        ("'Segoe UI', system-ui, sans-serif", "Roboto"),
        ("Arial, system-ui, sans-serif", "Inter"),
        ("Helvetica, Arial, sans-serif", "Inter"),
        (
            "-apple-system, \"Helvetica Neue\", Arial, sans-serif",
            "Inter",
        ),
        ("system-ui, sans-serif", "Inter"),
        ("system-ui, -apple-system, sans-serif", "Inter"),
        ("sans-serif", "Inter"),
        // The reference's quirk, kept: a monospace stack draws Inter.
        ("monospace", "Inter"),
        ("Inter, system-ui, sans-serif", "Inter"),
        ("\"Courier New\", monospace", "JetBrains Mono"),
        ("Georgia, serif", "EB Garamond"),
        // Impact is not aliased: not found, the stack's generic draws.
        ("Impact, sans-serif", "sans-serif"),
        ("Impact, Arial, sans-serif", "Inter"),
    ];
    for (stack, expected) in cases {
        assert_eq!(family(&drawn(stack, &none)), expected, "{stack}");
    }
    let impact = drawn("Impact, sans-serif", &|f| f == "Impact");
    assert_eq!(impact, Drawn::Family("Impact".into()));
    assert_eq!(drawn("Nope", &none), Drawn::Default);
}

#[test]
fn splits_only_on_top_level_commas() {
    assert_eq!(
        stack::split(r#" "Open Sans" , 'A, B', var(--f, x, y), sans-serif "#),
        vec!["Open Sans", "A, B", "var(--f, x, y)", "sans-serif"]
    );
    assert!(stack::split(" , ").is_empty());
}

#[test]
fn system_primary_stacks_get_inter_in_front() {
    let html = r#"<html><head><style>
        /* font-family: system-ui */
        body { font-family: system-ui, sans-serif; color: red }
        .a:hover{font-family:monospace}
        @media (min-width: 1px) { .m { font-family: -apple-system, sans-serif !important; } }
        @font-face { font-family: serif; src: url(x.woff2); }
        .keep { font-family: Impact, sans-serif; font: bold 56px sans-serif; }
        :root { --mono: ui-monospace, monospace; --ease: cubic-bezier(0, 0, 1, 1); }
        </style></head>
        <body><p style="font-family: sans-serif; font-weight: 700">x</p>
        <i data-font-family="serif">y</i></body></html>"#;
    let out = normalize_html(html).expect("rewrites");
    for want in [
        "body { font-family: Inter, system-ui, sans-serif; color: red }",
        ".a:hover{font-family:Inter, monospace}",
        "font-family: Inter, -apple-system, sans-serif !important;",
        "@font-face { font-family: serif; src: url(x.woff2); }",
        ".keep { font-family: Impact, sans-serif; font: bold 56px sans-serif; }",
        "--mono: Inter, ui-monospace, monospace;",
        "--ease: cubic-bezier(0, 0, 1, 1);",
        "/* font-family: system-ui */",
        r#"style="font-family: Inter, sans-serif; font-weight: 700""#,
        r#"data-font-family="Inter, serif""#,
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    let plain = "<style>h1 { font-family: Inter, sans-serif }</style>";
    assert_eq!(normalize_html(plain).as_deref(), Ok(plain));
}

#[test]
fn a_var_stack_is_normalised_only_when_its_property_is_undefined() {
    let custom: HashMap<String, String> = [("--brand".to_owned(), "Lato".to_owned())].into();
    assert_eq!(
        stack::system_primary("var(--brand, sans-serif)", &custom),
        None
    );
    assert_eq!(
        stack::system_primary("var(--none, sans-serif), serif", &custom).as_deref(),
        Some("var(--none, Inter, sans-serif), serif")
    );
    assert_eq!(stack::system_primary("var(--none)", &custom), None);
    assert_eq!(
        stack::resolve("var(--brand), serif", &custom),
        vec!["Lato", "serif"]
    );
}

#[test]
fn requested_lists_every_named_family_once() {
    let html = r#"<style>
        :root { --font: "Space Mono", monospace; }
        @font-face { font-family: Mine; src: url(m.woff2); }
        h1 { font-family: Helvetica, Arial, sans-serif; }
        h2 { font-family: var(--font); }
        h3 { font-family: arial, inherit; }
        </style><p style="font-family: 'Segoe UI', system-ui">x</p>"#;
    assert_eq!(
        requested(html),
        vec!["Helvetica", "Arial", "Space Mono", "Segoe UI"]
    );
    let normalized = normalize_html("<style>b { font-family: system-ui }</style>").unwrap();
    assert_eq!(requested(&normalized), vec!["Inter"]);
}
