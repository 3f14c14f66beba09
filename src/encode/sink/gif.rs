//! GIF: FFmpeg's two-pass palette (`palettegen` over every frame, then
//! `paletteuse` with Sierra dithering), every frame kept, each delay the
//! rounded difference of exact centisecond times so the total length stays
//! exact. When any frame has transparency, one palette entry is reserved
//! for it (pixels below half coverage become transparent). GIF has no
//! audio. Frames are kept as Chrome sent them (compressed) until the end,
//! when they are decoded once per pass.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use ff::{codec, encoder, filter, format, frame, Dictionary, Packet, Rational};
use ffmpeg_next as ff;

use super::{decode, nothing_to_repeat, FrameSink};
use crate::config::{Fps, Quality};
use crate::encode::{EncodeSettings, EncodeTimings};
use crate::error::{Error, Result};

/// The GIF sink.
pub(super) struct Gif {
    path: PathBuf,
    size: (u32, u32),
    fps: Fps,
    quality: Quality,
    gif_loop: u16,
    frames: Vec<Arc<Vec<u8>>>,
    transparent: bool,
    timings: EncodeTimings,
}

fn fferr(path: &Path, what: &str, e: ff::Error) -> Error {
    Error::media(path, format!("{what}: {e}"))
}

/// `map_err` adapter: FFmpeg's error as a media error on `path`.
fn on<'a>(path: &'a Path, what: &'a str) -> impl FnOnce(ff::Error) -> Error + 'a {
    move |e| fferr(path, what, e)
}

/// Centisecond time of the k-th frame of the GIF, rounded.
fn centis(k: u64, fps: Fps) -> i64 {
    let num = u128::from(k) * 100 * u128::from(fps.den);
    let den = u128::from(fps.num);
    ((num + den / 2) / den) as i64
}

impl Gif {
    pub(super) fn open(path: &Path, s: &EncodeSettings) -> Self {
        Self {
            path: path.to_path_buf(),
            size: (s.width, s.height),
            fps: s.fps,
            quality: s.output.quality,
            gif_loop: s.output.gif_loop,
            frames: Vec::new(),
            transparent: false,
            timings: EncodeTimings::default(),
        }
    }

    /// Frame `k` as an RGBA `AVFrame` at its centisecond time.
    fn av_frame(&mut self, k: usize) -> Result<frame::Video> {
        let rgba = decode(&self.path, &self.frames[k], self.size, &mut self.timings)?.into_rgba();
        let (w, h) = self.size;
        let mut f = frame::Video::new(format::Pixel::RGBA, w, h);
        let stride = f.stride(0);
        let row = w as usize * 4;
        for (y, src) in rgba.as_raw().chunks_exact(row).enumerate() {
            f.data_mut(0)[y * stride..y * stride + row].copy_from_slice(src);
        }
        f.set_pts(Some(centis(k as u64, self.fps)));
        Ok(f)
    }

    /// A graph from the sources `inputs` (name, size, pixel format) through
    /// `spec` into the sink `out`.
    fn graph(
        &self,
        spec: &str,
        inputs: &[(&str, (u32, u32), format::Pixel)],
    ) -> Result<filter::Graph> {
        let err = |e| {
            fferr(
                &self.path,
                &format!("cannot build the filter graph {spec}"),
                e,
            )
        };
        let mut g = filter::Graph::new();
        let missing = |name: &str| Error::media(&self.path, format!("FFmpeg has no {name} filter"));
        let buffer = filter::find("buffer").ok_or_else(|| missing("buffer"))?;
        let sink = filter::find("buffersink").ok_or_else(|| missing("buffersink"))?;
        for (name, (w, h), pixel) in inputs {
            let pix = pixel.descriptor().map_or("rgba", |d| d.name());
            let args = format!("video_size={w}x{h}:pix_fmt={pix}:time_base=1/100:pixel_aspect=1/1");
            g.add(&buffer, name, &args).map_err(err)?;
        }
        g.add(&sink, "out", "").map_err(err)?;
        let mut parser = g.output(inputs[0].0, 0).map_err(err)?;
        for (name, _, _) in &inputs[1..] {
            parser = parser.output(name, 0).map_err(err)?;
        }
        parser
            .input("out", 0)
            .map_err(err)?
            .parse(spec)
            .map_err(err)?;
        g.validate().map_err(err)?;
        Ok(g)
    }

    /// Pass 1: one palette for the whole animation.
    fn palette(&mut self) -> Result<frame::Video> {
        let reserve = u8::from(self.transparent);
        let spec = format!("[in]palettegen=stats_mode=diff:reserve_transparent={reserve}[out]");
        let mut g = self.graph(&spec, &[("in", self.size, format::Pixel::RGBA)])?;
        let path = self.path.clone();
        let err = "palettegen gave no palette";
        for k in 0..self.frames.len() {
            let f = self.av_frame(k)?;
            feed(&mut g, "in", Some(&f))?;
        }
        feed(&mut g, "in", None)?;
        let mut pal = frame::Video::empty();
        if !pull(&mut g, &mut pal) {
            return Err(Error::media(&path, err));
        }
        Ok(pal)
    }

    /// Pass 2: map every frame onto the palette and encode it.
    fn encode(&mut self, palette: &frame::Video) -> Result<()> {
        let dither = if self.quality == Quality::Draft {
            "bayer"
        } else {
            "sierra2_4a"
        };
        let spec = format!("[in][pal]paletteuse=dither={dither}:alpha_threshold=128[out]");
        let pal_size = (palette.width(), palette.height());
        let mut g = self.graph(
            &spec,
            &[
                ("in", self.size, format::Pixel::RGBA),
                ("pal", pal_size, palette.format()),
            ],
        )?;
        let path = self.path.clone();
        let mut octx =
            format::output_as(&self.path, "gif").map_err(on(&path, "cannot create the GIF"))?;
        let gif = encoder::find(codec::Id::GIF)
            .ok_or_else(|| Error::media(&self.path, "FFmpeg has no GIF encoder"))?;
        let mut enc = codec::context::Context::new_with_codec(gif)
            .encoder()
            .video()
            .map_err(on(&path, "cannot create the GIF encoder"))?;
        let tb = Rational::new(1, 100);
        enc.set_width(self.size.0);
        enc.set_height(self.size.1);
        enc.set_format(format::Pixel::PAL8);
        enc.set_time_base(tb);
        let mut enc = enc
            .open_as(gif)
            .map_err(on(&path, "cannot open the GIF encoder"))?;
        let stream = {
            let mut ost = octx
                .add_stream(gif)
                .map_err(on(&path, "cannot add the GIF stream"))?;
            ost.set_parameters(&enc);
            ost.set_time_base(tb);
            ost.index()
        };
        let n = self.frames.len() as u64;
        let last_delay = centis(n, self.fps) - centis(n.saturating_sub(1), self.fps);
        let mut header = Dictionary::new();
        header.set("loop", &self.gif_loop.to_string());
        header.set("final_delay", &last_delay.to_string());
        octx.write_header_with(header)
            .map_err(on(&path, "cannot write the GIF header"))?;
        let stream_tb = octx.stream(stream).map(|s| s.time_base()).unwrap_or(tb);

        let mut pal = palette.clone();
        pal.set_pts(Some(0));
        feed(&mut g, "pal", Some(&pal))?;
        feed(&mut g, "pal", None)?;
        let mut out = frame::Video::empty();
        let write = |enc: &mut encoder::Video, octx: &mut format::context::Output| {
            let mut pkt = Packet::empty();
            while enc.receive_packet(&mut pkt).is_ok() {
                pkt.set_stream(stream);
                pkt.rescale_ts(tb, stream_tb);
                pkt.write_interleaved(octx)?;
            }
            Ok::<(), ff::Error>(())
        };
        for k in 0..self.frames.len() {
            let f = self.av_frame(k)?;
            let t = Instant::now();
            feed(&mut g, "in", Some(&f))?;
            while pull(&mut g, &mut out) {
                enc.send_frame(&out)
                    .map_err(on(&path, "the GIF encoder refused a frame"))?;
                write(&mut enc, &mut octx).map_err(on(&path, "cannot write the GIF"))?;
            }
            self.timings.x264 += t.elapsed();
        }
        feed(&mut g, "in", None)?;
        while pull(&mut g, &mut out) {
            enc.send_frame(&out)
                .map_err(on(&path, "the GIF encoder refused a frame"))?;
        }
        enc.send_eof()
            .map_err(on(&path, "cannot flush the GIF encoder"))?;
        write(&mut enc, &mut octx).map_err(on(&path, "cannot write the GIF"))?;
        octx.write_trailer()
            .map_err(on(&path, "cannot finish the GIF"))
    }
}

/// Feed `frame` (or, with None, the end of stream) to the graph's buffer
/// source `name` (added by [`Gif::graph`]).
fn feed(g: &mut filter::Graph, name: &str, frame: Option<&frame::Video>) -> Result<()> {
    let mut ctx = g
        .get(name)
        .ok_or_else(|| Error::media("gif", format!("the filter graph lost its source {name}")))?;
    let mut src = ctx.source();
    let r = match frame {
        Some(f) => src.add(f),
        None => src.flush(),
    };
    r.map_err(|e| Error::media("gif", format!("the filter graph refused a frame: {e}")))
}

/// Take the next frame out of the graph's sink, if one is ready.
fn pull(g: &mut filter::Graph, out: &mut frame::Video) -> bool {
    match g.get("out") {
        Some(mut ctx) => ctx.sink().frame(out).is_ok(),
        None => false,
    }
}

impl FrameSink for Gif {
    fn push(&mut self, _index: u64, image: &Arc<Vec<u8>>) -> Result<()> {
        if !self.transparent {
            let rgba = decode(&self.path, image, self.size, &mut self.timings)?.into_rgba();
            self.transparent = rgba.pixels().any(|p| p.0[3] < 255);
        }
        self.frames.push(Arc::clone(image));
        Ok(())
    }

    fn repeat(&mut self, _index: u64) -> Result<()> {
        let last = self
            .frames
            .last()
            .cloned()
            .ok_or_else(|| nothing_to_repeat(&self.path))?;
        self.frames.push(last);
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        let palette = self.palette()?;
        self.encode(&palette)
    }

    fn timings(&self) -> EncodeTimings {
        self.timings
    }
}
