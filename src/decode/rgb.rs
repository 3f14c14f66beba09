//! Limited-range YCbCr 4:2:0 to 8-bit RGB in fixed point: every shown
//! video frame goes through it on its way to Chrome, so it runs a row at a
//! time on integers (several times faster than per-pixel floats, within
//! one code of them).

use super::video::YuvFrame;

/// Fraction bits of the fixed-point coefficients.
const SHIFT: u32 = 16;
const HALF: i32 = 1 << (SHIFT - 1);

/// The conversion matrix, scaled by 2^16: Y' scale 255/219, chroma scale
/// 255/224, from Kr and Kb (BT.709: 0.2126, 0.0722; BT.601: 0.299, 0.114).
#[derive(Debug, Clone, Copy)]
struct Matrix {
    ys: i32,
    rv: i32,
    gu: i32,
    gv: i32,
    bu: i32,
}

impl Matrix {
    fn new(bt601: bool) -> Self {
        let fx = |v: f64| (v * f64::from(1u32 << SHIFT)).round() as i32;
        let (rv, gu, gv, bu) = if bt601 {
            (1.596_026_8, 0.391_762_3, 0.812_967_6, 2.017_232_1)
        } else {
            (1.792_741_1, 0.213_248_6, 0.532_909_3, 2.112_401_8)
        };
        Self {
            ys: fx(1.164_383_6),
            rv: fx(rv),
            gu: fx(gu),
            gv: fx(gv),
            bu: fx(bu),
        }
    }
}

#[inline(always)]
fn clamp(v: i32) -> u8 {
    ((v + HALF) >> SHIFT).clamp(0, 255) as u8
}

/// Convert `frame` into `out`, whose rows are `stride` bytes apart (at
/// least `3 × width`), top row first. Chroma is nearest-neighbour, as in
/// [`YuvFrame::to_rgb_with`].
pub fn convert_into(frame: &YuvFrame, bt601: bool, out: &mut [u8], stride: usize) {
    let m = Matrix::new(bt601);
    let w = frame.width as usize;
    let cw = frame.chroma_width() as usize;
    for (row, dst) in out
        .chunks_mut(stride)
        .take(frame.height as usize)
        .enumerate()
    {
        let luma = &frame.y[row * w..row * w + w];
        let c0 = (row / 2) * cw;
        let (us, vs) = (&frame.u[c0..c0 + cw], &frame.v[c0..c0 + cw]);
        for (x, (px, &y)) in dst[..w * 3].chunks_exact_mut(3).zip(luma).enumerate() {
            let cb = i32::from(us[x / 2]) - 128;
            let cr = i32::from(vs[x / 2]) - 128;
            let l = m.ys * (i32::from(y) - 16);
            px[0] = clamp(l + m.rv * cr);
            px[1] = clamp(l - m.gu * cb - m.gv * cr);
            px[2] = clamp(l + m.bu * cb);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(w: u32, h: u32, y: u8, u: u8, v: u8) -> YuvFrame {
        let (cw, ch) = (w.div_ceil(2) as usize, h.div_ceil(2) as usize);
        YuvFrame {
            width: w,
            height: h,
            y: vec![y; (w * h) as usize],
            u: vec![u; cw * ch],
            v: vec![v; cw * ch],
        }
    }

    /// The float reference the fixed-point path must reproduce.
    fn float_rgb(y: u8, u: u8, v: u8, bt601: bool) -> [u8; 3] {
        let (rv, gu, gv, bu) = if bt601 {
            (1.596_026_8, 0.391_762_3, 0.812_967_6, 2.017_232_1)
        } else {
            (1.792_741_1, 0.213_248_6, 0.532_909_3, 2.112_401_8)
        };
        let l = 1.164_383_6 * (f64::from(y) - 16.0);
        let (cb, cr) = (f64::from(u) - 128.0, f64::from(v) - 128.0);
        let c = |x: f64| x.round().clamp(0.0, 255.0) as u8;
        [c(l + rv * cr), c(l - gu * cb - gv * cr), c(l + bu * cb)]
    }

    #[test]
    fn fixed_point_matches_the_float_matrix_within_one_code() {
        for bt601 in [false, true] {
            for y in (0..=255u8).step_by(5) {
                for u in (0..=255u8).step_by(15) {
                    for v in (0..=255u8).step_by(15) {
                        let f = frame(2, 2, y, u, v);
                        let mut out = [0u8; 12];
                        convert_into(&f, bt601, &mut out, 6);
                        let want = float_rgb(y, u, v, bt601);
                        for c in 0..3 {
                            assert!(
                                out[c].abs_diff(want[c]) <= 1,
                                "yuv ({y}, {u}, {v}) bt601={bt601}: {:?} vs {want:?}",
                                &out[..3]
                            );
                        }
                    }
                }
            }
        }
    }
}
