//! Alpha planes: the coverage of every kept frame of a video with alpha
//! (VP9 through libvpx, whose decoder reads the alpha layer FFmpeg's own VP9
//! decoder skips; ProRes 4444; GIF; PNG), as 8-bit straight alpha, for the
//! harness's alpha check and tests.

use std::path::Path;

use ffmpeg::format::Pixel;
use ffmpeg::media::Type;
use ffmpeg::software::scaling;
use ffmpeg::util::frame::Video as AvFrame;
use ffmpeg_next as ffmpeg;

use super::open;
use crate::error::{Error, Result};

/// One frame's alpha plane, `width × height` bytes, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlphaPlane {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// 0 = transparent, 255 = opaque.
    pub a: Vec<u8>,
}

/// Decode the first video stream of `path` and hand the alpha plane of
/// every frame `keep` accepts to `on_frame`, in decode order. Returns
/// `Ok(None)` without calling it when the stream has no alpha (its pixel
/// format has none), else the number of frames decoded.
pub fn decode_alpha_each(
    path: &Path,
    keep: &dyn Fn(u64) -> bool,
    on_frame: &mut dyn FnMut(u64, AlphaPlane) -> Result<()>,
) -> Result<Option<u64>> {
    let mut input = open(path)?;
    let stream = input
        .streams()
        .best(Type::Video)
        .ok_or_else(|| Error::media(path, "no video stream"))?;
    let index = stream.index();
    let params = stream.parameters();
    let ctx = ffmpeg::codec::context::Context::from_parameters(params)
        .map_err(|e| Error::media(path, format!("cannot read the codec parameters: {e}")))?;
    let vp9 = ctx.id() == ffmpeg::codec::Id::VP9;
    let decoder = if vp9 {
        let libvpx = ffmpeg::decoder::find_by_name("libvpx-vp9")
            .ok_or_else(|| Error::media(path, "FFmpeg was built without the libvpx decoder"))?;
        ctx.decoder().open_as(libvpx).and_then(|o| o.video())
    } else {
        ctx.decoder().video()
    };
    let mut decoder =
        decoder.map_err(|e| Error::media(path, format!("cannot open the decoder: {e}")))?;
    let mut next = 0u64;
    let mut scaler: Option<scaling::Context> = None;
    let mut has_alpha = None;
    super::pump(&mut input, index, path, "video", &mut decoder, |d| {
        let mut frame = AvFrame::empty();
        while d.receive_frame(&mut frame).is_ok() {
            let i = next;
            next += 1;
            let alpha = *has_alpha.get_or_insert_with(|| {
                frame
                    .format()
                    .descriptor()
                    .is_some_and(|desc| desc.nb_components() == 4)
            });
            if !alpha || !keep(i) {
                continue;
            }
            let (fmt, w, h) = (frame.format(), frame.width(), frame.height());
            if scaler.is_none() {
                scaler = Some(
                    scaling::Context::get(fmt, w, h, Pixel::RGBA, w, h, scaling::Flags::POINT)
                        .map_err(|e| Error::media(path, format!("cannot read {fmt:?}: {e}")))?,
                );
            }
            let mut rgba = AvFrame::empty();
            if let Some(s) = scaler.as_mut() {
                s.run(&frame, &mut rgba)
                    .map_err(|e| Error::media(path, format!("cannot convert to RGBA: {e}")))?;
            }
            let stride = rgba.stride(0);
            let data = rgba.data(0);
            let mut a = Vec::with_capacity((w * h) as usize);
            for y in 0..h as usize {
                a.extend((0..w as usize).map(|x| data[y * stride + x * 4 + 3]));
            }
            on_frame(
                i,
                AlphaPlane {
                    width: w,
                    height: h,
                    a,
                },
            )?;
        }
        Ok(())
    })?;
    Ok(has_alpha.unwrap_or(false).then_some(next))
}
