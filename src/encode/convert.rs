//! RGB to limited-range BT.709 YUV 4:2:0.
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
        let (w, h) = (self.width, self.height);
        if src.width() as usize != w || src.height() as usize != h {
            return Err(ff::Error::InvalidData);
        }
        let rgb = src.as_raw();
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
        let v =
            (YR * i32::from(px[0]) + YG * i32::from(px[1]) + YB * i32::from(px[2]) + HALF) >> 16;
        *y = (v + 16).clamp(16, 235) as u8;
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
    fn primaries_match_bt709_studio_swing() {
        // Reference values from the BT.709 equations, rounded.
        assert_eq!(convert([0, 0, 0]), (16, 128, 128));
        assert_eq!(convert([255, 255, 255]), (235, 128, 128));
        assert_eq!(convert([255, 0, 0]), (63, 102, 240));
        assert_eq!(convert([0, 255, 0]), (173, 42, 26));
        assert_eq!(convert([0, 0, 255]), (32, 240, 118));
    }
}
