//! Video checks shared by the test binaries: does an output frame show
//! the predicted source frame (PSNR against it, and against its
//! neighbours so an off-by-one fails), or no video at all.
#![allow(dead_code)]

use hf::decode::YuvFrame;

use super::Rendered;

/// Least PSNR (dB, all three planes) between a shown video frame and the
/// source frame it should be.
pub const MIN_PSNR: f64 = 35.0;

/// PSNR of the `src`-sized region of `out` at (x, y) (both even) against
/// `src`, over Y, U and V weighted by their sizes.
pub fn region_psnr(out: &YuvFrame, (x, y): (u32, u32), src: &YuvFrame) -> f64 {
    let plane = |o: &[u8], ow: u32, s: &[u8], sw: u32, sh: u32, x: u32, y: u32| {
        let mut se = 0.0;
        for row in 0..sh {
            for col in 0..sw {
                let a = f64::from(o[((y + row) * ow + x + col) as usize]);
                let b = f64::from(s[(row * sw + col) as usize]);
                se += (a - b) * (a - b);
            }
        }
        se
    };
    let (cw, ch) = (src.chroma_width(), src.chroma_height());
    let se = plane(&out.y, out.width, &src.y, src.width, src.height, x, y)
        + plane(&out.u, out.chroma_width(), &src.u, cw, ch, x / 2, y / 2)
        + plane(&out.v, out.chroma_width(), &src.v, cw, ch, x / 2, y / 2);
    let n = f64::from(src.width * src.height + 2 * cw * ch);
    let mse = se / n;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0 * 255.0 / mse).log10()
    }
}

/// Output frame `k` (at `fps`) shows source frame `want` in the region at
/// `at`: PSNR at least [`MIN_PSNR`] and better by 3 dB than against either
/// neighbouring source frame. Returns (PSNR, best neighbour PSNR).
pub fn assert_shows(
    r: &Rendered,
    what: &str,
    fps: f64,
    k: u64,
    at: (u32, u32),
    src: &[YuvFrame],
    want: usize,
) -> (f64, f64) {
    let out = r.frame(k);
    let p = region_psnr(out, at, &src[want]);
    assert!(
        p >= MIN_PSNR,
        "{what}: output frame {k} should show source frame {want}, but PSNR is {p:.2} dB \
         (< {MIN_PSNR} dB)"
    );
    let mut best_other = f64::NEG_INFINITY;
    let mut neighbours = Vec::new();
    for other in [want.wrapping_sub(1), want + 1] {
        if let Some(f) = src.get(other) {
            let q = region_psnr(out, at, f);
            best_other = best_other.max(q);
            neighbours.push(format!("{other}: {q:.2} dB"));
            assert!(
                p > q + 3.0,
                "{what}: output frame {k} should show source frame {want} ({p:.2} dB), \
                 but source frame {other} matches nearly as well ({q:.2} dB)"
            );
        }
    }
    eprintln!(
        "{what} frame {k} (t = {:.4} s): source frame {want} at {p:.2} dB (neighbours {})",
        k as f64 / fps,
        neighbours.join(", ")
    );
    (p, best_other)
}

/// The black background: the 320x180 region at `at` shows no video.
pub fn assert_blank(r: &Rendered, what: &str, k: u64, at: (u32, u32)) {
    let f = r.frame(k);
    let mut sum = 0.0;
    for row in at.1..at.1 + 180 {
        for col in at.0..at.0 + 320 {
            sum += f64::from(f.luma_at(col, row));
        }
    }
    let l = sum / (320.0 * 180.0);
    assert!(
        l < 20.0,
        "{what}: output frame {k} should show no video (black), but the mean luma is {l:.1}"
    );
    eprintln!("{what} frame {k}: blank (mean luma {l:.1})");
}
