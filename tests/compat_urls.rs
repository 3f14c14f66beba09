//! Where a composition's URLs lead, as in a browser: a sub-composition's
//! relative URLs resolve against its own file's folder, the project's own
//! symlinks are followed (and named in the verbose log), and nothing
//! outside the composition folder is served.

mod common;

use common::{describe, render_input, Rendered};
use hf::Event;

/// A pure colour, each channel clearly on (> 200) or off (< 50), named;
/// None for anything else (an edge, a blend, a wrong colour).
fn named([r, g, b]: [u8; 3]) -> Option<&'static str> {
    let on = common::channel_on;
    Some(match (on(r)?, on(g)?, on(b)?) {
        (false, false, false) => "black",
        (true, false, false) => "red",
        (false, true, false) => "green",
        (false, false, true) => "blue",
        (true, true, false) => "yellow",
        (false, true, true) => "cyan",
        (true, false, true) => "magenta",
        (true, true, true) => "white",
    })
}

/// Check every `(what, (x, y), colour)` on each frame of `frames`,
/// reporting all mismatches together.
fn expect_cells(r: &Rendered, frames: &[u64], cells: &[(&str, (u32, u32), &str)]) {
    let mut wrong = Vec::new();
    for &f in frames {
        for &(what, (x, y), want) in cells {
            let seen = r.pixel(f, x, y);
            if named(seen) != Some(want) {
                wrong.push(format!(
                    "frame {f}, {what} at ({x},{y}): expected {want}, saw {}",
                    describe(seen)
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "`{}` has wrong colours:\n  {}",
        r.name,
        wrong.join("\n  ")
    );
}

/// `html` without its `<!-- … -->` comments.
fn without_comments(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find("<!--") {
        out.push_str(&rest[..open]);
        rest = rest[open..]
            .find("-->")
            .map_or("", |close| &rest[open + close + 3..]);
    }
    out.push_str(rest);
    out
}

#[test]
fn sub_composition_urls_resolve_against_their_own_file() {
    let r = render_input("subcomp-urls", &common::composition("subcomp-urls"), |_| {});
    assert_eq!(
        r.frames.len(),
        30,
        "expected 1 s at 30 fps, saw {} frames",
        r.frames.len()
    );
    expect_cells(
        &r,
        &[0, 15, 29],
        &[
            (
                "card <img src=\"../media/red.svg\"> (climbs)",
                (40, 45),
                "red",
            ),
            (
                "card url(img/blue.svg) (beside the file)",
                (120, 45),
                "blue",
            ),
            (
                "card url(media/yellow.svg) (falls back to the root)",
                (200, 45),
                "yellow",
            ),
            ("card @import \"css/cyan.css\"", (40, 135), "cyan"),
            ("card srcset=\"img/magenta.svg 1x\"", (120, 135), "magenta"),
            (
                "inner <img src=\"../../media/green.svg\">",
                (280, 45),
                "green",
            ),
            ("inner style url(../img/white.svg)", (280, 135), "white"),
            (
                "index url(../media/green.svg) (climbs to the root)",
                (180, 135),
                "green",
            ),
            (
                "index url(../subcomp-urls/media/red.svg) (not served)",
                (220, 135),
                "black",
            ),
        ],
    );
    // The index's leading comment quotes the authored URLs: look at markup.
    let html = &without_comments(&r.report.compiled_html);
    for (rebased, what) in [
        ("src=\"media/red.svg\"", "the card's climbing <img src>"),
        (
            "url(compositions/img/blue.svg)",
            "the card's plain url() beside it",
        ),
        (
            "url(media/yellow.svg)",
            "the card's plain url() kept root-relative",
        ),
        (
            "@import \"compositions/css/cyan.css\"",
            "the card's @import",
        ),
        (
            "srcset=\"compositions/img/magenta.svg 1x\"",
            "the card's srcset",
        ),
        (
            "src=\"media/green.svg\"",
            "the inner file's climbing <img src>",
        ),
        (
            "url(compositions/img/white.svg)",
            "the inner file's style attribute",
        ),
        (
            "data-composition-file=\"compositions/deep/inner.html\"",
            "the nested host's root-relative file",
        ),
        ("url(../media/green.svg)", "the index's own URL, untouched"),
    ] {
        assert!(
            html.contains(rebased),
            "expected the compiled HTML to hold {rebased} ({what})"
        );
    }
    for stale in [
        "../media/red.svg",
        "../../media/green.svg",
        "compositions/media/yellow.svg",
        "compositions/compositions/",
    ] {
        assert!(
            !html.contains(stale),
            "expected no {stale} in the compiled HTML"
        );
    }
}

#[test]
fn project_symlinks_are_followed_and_escapes_refused() {
    let tmp = tempfile::Builder::new()
        .prefix("hf-test-symlinks-")
        .tempdir()
        .expect("cannot create a temp folder");
    let proj = tmp.path().join("proj");
    let src = proj.join("src");
    let shared = proj.join("shared");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::write(
        shared.join("brand.css"),
        ".brand { background: #00ff00; }\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("../shared", src.join("shared")).unwrap();
    // Outside the composition folder: what an escape would reach. Each
    // way of climbing names its own file (the server's log keeps one line
    // per decoded path) and would paint its own box red.
    let escapes = [
        ("a", "%2e%2e/secret-a.css"),
        ("b", "/../secret-b.css"),
        ("c", "%2e%2e%2fsecret-c.css"),
        ("d", "..%2fsecret-d.css"),
    ];
    for (k, _) in escapes {
        std::fs::write(
            proj.join(format!("secret-{k}.css")),
            format!(".secret-{k} {{ background: #ff0000; }}\n"),
        )
        .unwrap();
    }
    let svg = |fill: &str| {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"40\" height=\"90\">\
             <rect width=\"40\" height=\"90\" fill=\"{fill}\"/></svg>"
        )
    };
    std::fs::write(proj.join("tile.svg"), svg("#ff0000")).unwrap();
    std::fs::write(src.join("tile.svg"), svg("#0000ff")).unwrap();
    let links: String = escapes
        .iter()
        .map(|(_, href)| format!("<link rel=\"stylesheet\" href=\"{href}\">\n"))
        .collect();
    let boxes: String = escapes
        .iter()
        .enumerate()
        .map(|(i, (k, _))| {
            format!(
                "  <div class=\"box secret-{k}\" style=\"left: {}px\"></div>\n",
                80 + 40 * i
            )
        })
        .collect();
    std::fs::write(
        src.join("index.html"),
        format!(
            r#"<!doctype html>
<html>
<head>
<link rel="stylesheet" href="shared/brand.css">
{links}<style>
  body {{ background: #000; }}
  #root {{ position: relative; width: 240px; height: 90px; overflow: hidden; background: #000; }}
  .box {{ position: absolute; top: 0; width: 40px; height: 90px; }}
  .brand {{ left: 0; }}
  .tile {{ left: 40px; background: url(../tile.svg); }}
</style>
</head>
<body>
<div id="root" data-composition-id="symlinks" data-width="240" data-height="90"
     data-duration="1" data-no-timeline>
  <div class="box brand"></div>
  <div class="box tile"></div>
{boxes}</div>
</body>
</html>
"#
        ),
    )
    .unwrap();

    let r = render_input("symlinks", &src.join("index.html"), |_| {});
    expect_cells(
        &r,
        &[0, 15, 29],
        &[
            ("shared/brand.css through the symlink", (20, 45), "green"),
            ("url(../tile.svg), the folder's own tile", (60, 45), "blue"),
            ("%2e%2e/secret-a.css", (100, 45), "black"),
            ("/../secret-b.css", (140, 45), "black"),
            ("%2e%2e%2fsecret-c.css", (180, 45), "black"),
            ("..%2fsecret-d.css", (220, 45), "black"),
        ],
    );

    let details: Vec<&str> = r
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Detail { message } => Some(message.as_str()),
            _ => None,
        })
        .collect();
    let followed = format!(
        "followed the project's symlink {} -> ../shared",
        src.join("shared").display()
    );
    assert_eq!(
        details,
        vec![followed.as_str()],
        "expected one verbose-log line naming the symlink followed"
    );

    let warnings: Vec<&str> = r
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Warning { message } => Some(message.as_str()),
            _ => None,
        })
        .collect();
    // The browser folds `..` and `%2e%2e` segments before asking, so these
    // two land at the composition folder's root, where there is no such file.
    for k in ["a", "b"] {
        let want = format!("request not found: /secret-{k}.css");
        assert!(
            warnings.contains(&want.as_str()),
            "expected the warning `{want}`, saw {warnings:#?}"
        );
    }
    // An encoded slash keeps the climb whole until hf decodes it: refused.
    for k in ["c", "d"] {
        let want = format!("request refused (outside the composition folder): /../secret-{k}.css");
        assert!(
            warnings.contains(&want.as_str()),
            "expected the warning `{want}`, saw {warnings:#?}"
        );
    }
    assert!(
        !warnings.iter().any(|w| w.contains("shared")),
        "expected the symlinked stylesheet to be served without a warning, saw {warnings:#?}"
    );
}
