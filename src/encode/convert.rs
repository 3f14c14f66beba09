//! RGB(A) to limited-range BT.709 YUV: 4:2:0 for H.264/H.265, 4:2:0 with
//! an alpha plane for VP9, 4:4:4 10-bit with alpha for ProRes 4444. Alpha
//! stays straight (not premultiplied): colour planes hold the pixel's own
//! colour, the alpha plane its coverage.
//!
//! Written out rather than done with swscale: a fixed-point loop over row
//! pairs is several times faster than swscale's accurate-rounding RGB path
//! at 1080p, and the encoder thread shares two cores with Chrome. Chroma is
//! the conversion of each 2x2 block's mean colour (centre siting).

use ff::frame;
use ffmpeg_next as ff;

/// Coefficients scaled by 2^16, from Kr = 0.2126, Kb = 0.0722 with
/// studio swing (Y 16..235, Cb/Cr 16..240).
const YR: i32 = 11966; // 0.2126 * 219/255
const YG: i32 = 40254; // 0.7152 * 219/255
const YB: i32 = 4064; // 0.0722 * 219/255
const UR: i32 = -6596; // -0.2126 * 0.4734
const UG: i32 = -22189; // -0.7152 * 0.4734
const UB: i32 = 28785; // (1 - 0.0722) * 0.4734
const VR: i32 = 28785; // (1 - 0.2126) * 0.5578
const VG: i32 = -26145; // -0.7152 * 0.5578
const VB: i32 = -2640; // -0.0722 * 0.5578
const HALF: i32 = 1 << 15;

/// A converter for one frame size.
pub struct RgbToYuv {
    width: usize,
    height: usize,
}

impl RgbToYuv {
    /// Set up for `width` x `height` (both even).
    pub fn new(width: u32, height: u32) -> Result<Self, ff::Error> {
        if width % 2 == 1 || height % 2 == 1 {
            return Err(ff::Error::InvalidData);
        }
        Ok(Self {
            width: width as usize,
            height: height as usize,
        })
    }

    /// Convert `src` into `dst`, a YUV420P frame of the same size.
    pub fn run(&mut self, src: &image::RgbImage, dst: &mut frame::Video) -> Result<(), ff::Error> {
        if src.width() as usize != self.width || src.height() as usize != self.height {
            return Err(ff::Error::InvalidData);
        }
        self.run_raw(src.as_raw(), dst)
    }

    /// Convert packed RGB rows (`width × height × 3` bytes).
    fn run_raw(&mut self, rgb: &[u8], dst: &mut frame::Video) -> Result<(), ff::Error> {
        let (w, h) = (self.width, self.height);
        if rgb.len() != w * h * 3 {
            return Err(ff::Error::InvalidData);
        }
        let (ys, us, vs) = (dst.stride(0), dst.stride(1), dst.stride(2));
        for cy in 0..h / 2 {
            let r0 = &rgb[(2 * cy) * w * 3..(2 * cy + 1) * w * 3];
            let r1 = &rgb[(2 * cy + 1) * w * 3..(2 * cy + 2) * w * 3];
            {
                let y_plane = dst.data_mut(0);
                let (top, rest) = y_plane[2 * cy * ys..].split_at_mut(ys);
                luma_row(r0, &mut top[..w]);
                luma_row(r1, &mut rest[..w]);
            }
            let mut u_row = vec![0u8; w / 2];
            let mut v_row = vec![0u8; w / 2];
            for cx in 0..w / 2 {
                let i = cx * 6;
                let r = i32::from(r0[i])
                    + i32::from(r0[i + 3])
                    + i32::from(r1[i])
                    + i32::from(r1[i + 3]);
                let g = i32::from(r0[i + 1])
                    + i32::from(r0[i + 4])
                    + i32::from(r1[i + 1])
                    + i32::from(r1[i + 4]);
                let b = i32::from(r0[i + 2])
                    + i32::from(r0[i + 5])
                    + i32::from(r1[i + 2])
                    + i32::from(r1[i + 5]);
                // Sums of four samples: divide by 4 inside the shift.
                let u = ((UR * r + UG * g + UB * b + 4 * HALF) >> 18) + 128;
                let v = ((VR * r + VG * g + VB * b + 4 * HALF) >> 18) + 128;
                u_row[cx] = u.clamp(16, 240) as u8;
                v_row[cx] = v.clamp(16, 240) as u8;
            }
            dst.data_mut(1)[cy * us..cy * us + w / 2].copy_from_slice(&u_row);
            dst.data_mut(2)[cy * vs..cy * vs + w / 2].copy_from_slice(&v_row);
        }
        Ok(())
    }
}

fn luma_row(rgb: &[u8], out: &mut [u8]) {
    for (px, y) in rgb.chunks_exact(3).zip(out.iter_mut()) {
        *y = luma(px[0], px[1], px[2]);
    }
}

fn luma(r: u8, g: u8, b: u8) -> u8 {
    let v = (YR * i32::from(r) + YG * i32::from(g) + YB * i32::from(b) + HALF) >> 16;
    (v + 16).clamp(16, 235) as u8
}

/// Straight RGBA into YUVA420P (alpha plane full range 0–255). A block's
/// chroma is the alpha-weighted mean of its colours, so a transparent
/// neighbour (stored as black) does not darken an opaque edge.
pub fn rgba_to_yuva420p(src: &image::RgbaImage, dst: &mut frame::Video) {
    let (w, h) = (src.width() as usize, src.height() as usize);
    let px = src.as_raw();
    let (ys, us, vs, as_) = (dst.stride(0), dst.stride(1), dst.stride(2), dst.stride(3));
    for y in 0..h {
        for x in 0..w {
            let p = &px[(y * w + x) * 4..(y * w + x) * 4 + 4];
            dst.data_mut(0)[y * ys + x] = luma(p[0], p[1], p[2]);
            dst.data_mut(3)[y * as_ + x] = p[3];
        }
    }
    for cy in 0..h.div_ceil(2) {
        for cx in 0..w.div_ceil(2) {
            let (mut sum, mut wsum, mut plain, mut n) = ([0i64; 3], 0i64, [0i64; 3], 0i64);
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let (x, y) = ((2 * cx + dx).min(w - 1), (2 * cy + dy).min(h - 1));
                let p = &px[(y * w + x) * 4..(y * w + x) * 4 + 4];
                let a = i64::from(p[3]);
                for c in 0..3 {
                    sum[c] += i64::from(p[c]) * a;
                    plain[c] += i64::from(p[c]);
                }
                wsum += a;
                n += 1;
            }
            let mean = |c: usize| {
                if wsum > 0 {
                    (sum[c] + wsum / 2) / wsum
                } else {
                    (plain[c] + n / 2) / n
                }
            };
            let (r, g, b) = (mean(0) as i32, mean(1) as i32, mean(2) as i32);
            let u = ((UR * r + UG * g + UB * b + HALF) >> 16) + 128;
            let v = ((VR * r + VG * g + VB * b + HALF) >> 16) + 128;
            dst.data_mut(1)[cy * us + cx] = u.clamp(16, 240) as u8;
            dst.data_mut(2)[cy * vs + cx] = v.clamp(16, 240) as u8;
        }
    }
}

/// Straight RGBA into YUVA444P10LE (limited-range colour, full-range
/// alpha 0–1023), for ProRes 4444.
pub fn rgba_to_yuva444p10(src: &image::RgbaImage, dst: &mut frame::Video) {
    let (w, h) = (src.width() as usize, src.height() as usize);
    let px = src.as_raw();
    for y in 0..h {
        for x in 0..w {
            let p = &px[(y * w + x) * 4..(y * w + x) * 4 + 4];
            let (r, g, b) = (f64::from(p[0]), f64::from(p[1]), f64::from(p[2]));
            let yy = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255.0;
            let cb = (b / 255.0 - yy) / 1.8556;
            let cr = (r / 255.0 - yy) / 1.5748;
            let vals = [
                (64.0 + 876.0 * yy).round(),
                (512.0 + 896.0 * cb).round(),
                (512.0 + 896.0 * cr).round(),
                (f64::from(p[3]) * 1023.0 / 255.0).round(),
            ];
            for (plane, v) in vals.into_iter().enumerate() {
                let stride = dst.stride(plane);
                let at = y * stride + x * 2;
                let v = (v.clamp(0.0, 1023.0) as u16).to_le_bytes();
                dst.data_mut(plane)[at..at + 2].copy_from_slice(&v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert(rgb: [u8; 3]) -> (u8, u8, u8) {
        let img = image::RgbImage::from_pixel(4, 2, image::Rgb(rgb));
        let mut f = frame::Video::new(ff::format::Pixel::YUV420P, 4, 2);
        RgbToYuv::new(4, 2).unwrap().run(&img, &mut f).unwrap();
        (f.data(0)[0], f.data(1)[0], f.data(2)[0])
    }

    #[test]
    fn alpha_stays_straight() {
        // A half-transparent blue over transparent black keeps its blue.
        let mut img = image::RgbaImage::from_pixel(2, 2, image::Rgba([0, 0, 0, 0]));
        img.put_pixel(0, 0, image::Rgba([0, 0, 255, 128]));
        let mut f = frame::Video::new(ff::format::Pixel::YUVA420P, 2, 2);
        rgba_to_yuva420p(&img, &mut f);
        assert_eq!((f.data(1)[0], f.data(2)[0]), (240, 118));
        assert_eq!((f.data(3)[0], f.data(3)[1]), (128, 0));
    }

    #[test]
    fn primaries_match_bt709_studio_swing() {
        // Reference values from the BT.709 equations, rounded.
        assert_eq!(convert([0, 0, 0]), (16, 128, 128));
        assert_eq!(convert([255, 255, 255]), (235, 128, 128));
        assert_eq!(convert([255, 0, 0]), (63, 102, 240));
        assert_eq!(convert([0, 255, 0]), (173, 42, 26));
        assert_eq!(convert([0, 0, 255]), (32, 240, 118));
    }
}
