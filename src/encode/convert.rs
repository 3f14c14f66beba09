//! RGB to limited-range BT.709 YUV 4:2:0 with swscale.

use ff::software::scaling::{Context, Flags};
use ff::{format, frame};
use ffmpeg_next as ff;

/// A reusable converter for one frame size.
pub struct RgbToYuv {
    ctx: Context,
    rgb: frame::Video,
}

impl RgbToYuv {
    /// Set up for `width` x `height`.
    pub fn new(width: u32, height: u32) -> Result<Self, ff::Error> {
        let mut ctx = Context::get(
            format::Pixel::RGB24,
            width,
            height,
            format::Pixel::YUV420P,
            width,
            height,
            Flags::BILINEAR | Flags::ACCURATE_RND,
        )?;
        // SAFETY: sws_getCoefficients returns a pointer to a static table;
        // the context pointer is valid for the life of `ctx`.
        unsafe {
            let bt709 = ff::ffi::sws_getCoefficients(ff::ffi::SWS_CS_ITU709);
            ff::ffi::sws_setColorspaceDetails(
                ctx.as_mut_ptr(),
                bt709,
                1, // source: full-range RGB
                bt709,
                0, // destination: limited (TV) range
                0,
                1 << 16,
                1 << 16,
            );
        }
        Ok(Self {
            ctx,
            rgb: frame::Video::new(format::Pixel::RGB24, width, height),
        })
    }

    /// Convert `src` into `dst` (which must be YUV420P of the same size).
    pub fn run(&mut self, src: &image::RgbImage, dst: &mut frame::Video) -> Result<(), ff::Error> {
        let w = src.width() as usize * 3;
        let stride = self.rgb.stride(0);
        let data = self.rgb.data_mut(0);
        for (y, row) in src.as_raw().chunks_exact(w).enumerate() {
            data[y * stride..y * stride + w].copy_from_slice(row);
        }
        self.ctx.run(&self.rgb, dst)
    }
}
