//! `hf assemble`: check that every chunk is there and whole, join their
//! video streams by copying packets (no re-encoding: every chunk starts on
//! a keyframe with the same parameter sets), mux the plan's pre-mixed
//! audio exactly as an in-process render does, and write the output with
//! faststart, atomically. A png-sequence's chunks are folders whose frames
//! already carry their composition numbers: they are gathered into one. A
//! GIF's chunks are such folders too, encoded here into the GIF (its
//! palette needs every frame).

use std::path::{Path, PathBuf};

use ff::{codec, encoder, format, media, Dictionary, Rational, Rescale};
use ffmpeg_next as ff;

use super::chunk::{chunk_path, verify_chunk, Sidecar};
use super::plan::Plan;
use crate::assemble::PendingOutput;
use crate::config::{Format, FrameRange};
use crate::encode::audio::{AudioCodec, AudioTrack};
use crate::encode::{samples_for, EncodeSettings};
use crate::error::{Error, Result};
use crate::events::{EventSink, Stage};

/// What an assembly produced.
#[derive(Debug, Clone)]
pub struct Assembled {
    /// The output written.
    pub output: PathBuf,
    /// Each chunk's sidecar, in order.
    pub chunks: Vec<Sidecar>,
}

/// Check every chunk of the plan in `dir`: the first missing, incomplete
/// or corrupt one is the error (naming the others that are unusable too).
pub fn verify_all(dir: &Path, plan: &Plan) -> Result<Vec<Sidecar>> {
    let mut good = Vec::new();
    let mut problems = Vec::new();
    for i in 0..plan.chunks.len() {
        match verify_chunk(dir, plan, i) {
            Ok(car) => good.push(car),
            Err(e) => problems.push((i, e)),
        }
    }
    let Some((_, first)) = problems.first() else {
        return Ok(good);
    };
    let others: Vec<String> = problems[1..].iter().map(|(i, _)| i.to_string()).collect();
    Err(match first {
        Error::Chunk {
            index,
            path,
            message,
        } if !others.is_empty() => Error::Chunk {
            index: *index,
            path: path.clone(),
            message: format!(
                "{message} (chunks {} are not usable either)",
                others.join(", ")
            ),
        },
        _ => problems.swap_remove(0).1,
    })
}

/// Join the chunks of the plan in `dir` into `output`.
pub fn assemble(dir: &Path, output: &Path, events: EventSink<'_>) -> Result<Assembled> {
    let plan = Plan::load(dir)?;
    let format = plan.output().format;
    let implied = Format::from_path(output).ok();
    let wrong = match format {
        Format::PngSequence => output.extension().is_some(),
        f => implied != Some(f),
    };
    if wrong {
        return Err(Error::Input {
            what: format!("-o {}", output.display()),
            message: format!(
                "the plan renders {format}; name the output {}",
                if format == Format::PngSequence {
                    "as a folder, without an extension".to_owned()
                } else {
                    format!("with the .{} extension", format.name())
                }
            ),
        });
    }
    let chunks = verify_all(dir, &plan)?;
    let clock = crate::pipeline::StageClock::start(events, Stage::Assemble);
    let pending = PendingOutput::new(output)?;
    let samples = match &plan.audio {
        Some(a) => Some(read_mix(dir, &a.file, &plan)?),
        None => None,
    };
    match format {
        Format::PngSequence => gather(dir, &plan, pending.temp_path(), samples.as_deref())?,
        Format::Gif => encode_gif(dir, &plan, output, pending.temp_path())?,
        f => join(dir, &plan, f, pending.temp_path(), samples.as_deref())?,
    }
    let path = pending.commit()?;
    clock.finish();
    Ok(Assembled {
        output: path,
        chunks,
    })
}

fn fferr(path: &Path, what: &str, e: ff::Error) -> Error {
    Error::media(path, format!("{what}: {e}"))
}

/// The plan's audio mix (little-endian f32), cut and padded to the whole
/// render exactly as an in-process render cuts its mix.
fn read_mix(dir: &Path, file: &str, plan: &Plan) -> Result<Vec<f32>> {
    let path = dir.join(file);
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    let samples: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let all = FrameRange {
        first: 0,
        last: plan.frames.saturating_sub(1),
    };
    Ok(crate::encode::cut_audio(&samples, all, plan.fps))
}

/// A png-sequence: every chunk's frames into one folder, and the mix
/// beside them as `audio.wav`.
fn gather(dir: &Path, plan: &Plan, temp: &Path, samples: Option<&[f32]>) -> Result<()> {
    std::fs::create_dir_all(temp).map_err(|e| Error::io(temp, e))?;
    for i in 0..plan.chunks.len() {
        let from = chunk_path(dir, plan, i);
        for entry in std::fs::read_dir(&from).map_err(|e| Error::io(&from, e))? {
            let entry = entry.map_err(|e| Error::io(&from, e))?;
            let to = temp.join(entry.file_name());
            std::fs::copy(entry.path(), &to).map_err(|e| Error::io(&to, e))?;
        }
    }
    if let Some(s) = samples {
        crate::encode::write_wav(
            &temp.join("audio.wav"),
            s,
            samples_for(plan.frames, plan.fps),
        )?;
    }
    Ok(())
}

/// A GIF: its palette is made from every frame at once, so its chunks are
/// the lossless frames (png-sequence folders) and the GIF is encoded here,
/// frame by frame in order, by the sink an in-process render uses.
fn encode_gif(dir: &Path, plan: &Plan, output: &Path, temp: &Path) -> Result<()> {
    let settings = EncodeSettings {
        width: plan.width,
        height: plan.height,
        fps: plan.fps,
        frames: FrameRange {
            first: 0,
            last: plan.frames.saturating_sub(1),
        },
        output: plan
            .output()
            .settings(1)
            .resolve(output, plan.render.quality)?,
    };
    let mut sink = crate::encode::sink::open(temp, &settings, None)?;
    for (i, [start, end]) in plan.chunks.iter().enumerate() {
        let folder = chunk_path(dir, plan, i);
        for k in *start..*end {
            let path = folder.join(crate::encode::sink::frame_name(k));
            let png = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            sink.push(k, &std::sync::Arc::new(png))?;
        }
    }
    sink.finish()
}

/// The container, its audio codec and header options, as the format's
/// in-process sink writes them (plus faststart for the QuickTime family).
fn container(format: Format) -> (&'static str, AudioCodec, Option<&'static str>) {
    match format {
        Format::Webm => ("webm", AudioCodec::Opus, None),
        Format::Mov => ("mov", AudioCodec::Aac, Some("+faststart")),
        _ => ("mp4", AudioCodec::Aac, Some("+faststart")),
    }
}

/// Copy the video packets of every chunk, in order, into one stream.
fn join(dir: &Path, plan: &Plan, f: Format, temp: &Path, samples: Option<&[f32]>) -> Result<()> {
    crate::decode::init();
    let (mut octx, params0) = open_output(dir, plan, f, temp)?;
    let total = samples_for(plan.frames, plan.fps);
    let mut audio = match samples {
        Some(s) => Some(AudioTrack::open(temp, &mut octx, container(f).1, s, total)?),
        None => None,
    };
    let mut header = Dictionary::new();
    if let Some(flags) = container(f).2 {
        header.set("movflags", flags);
    }
    octx.write_header_with(header)
        .map_err(|e| fferr(temp, "cannot write the header", e))?;
    let out_tb = octx
        .stream(0)
        .map(|s| s.time_base())
        .ok_or_else(|| Error::media(temp, "the video stream went missing"))?;
    if let Some(a) = audio.as_mut() {
        a.set_stream_time_base(&octx);
    }
    let mut out = Joined {
        octx,
        audio,
        out_tb,
        temp,
    };
    for (i, [start, _]) in plan.chunks.iter().enumerate() {
        copy_chunk(
            &mut out,
            plan,
            i,
            &chunk_path(dir, plan, i),
            *start,
            &params0,
        )?;
    }
    if let Some(a) = &mut out.audio {
        a.write_until(&mut out.octx, i64::MAX, out_tb)
            .map_err(|e| fferr(temp, "cannot write audio", e))?;
    }
    out.octx
        .write_trailer()
        .map_err(|e| fferr(temp, "cannot finish the file", e))
}

/// The output being joined into.
struct Joined<'a> {
    octx: format::context::Output,
    audio: Option<AudioTrack>,
    out_tb: Rational,
    temp: &'a Path,
}

/// Create the output with chunk 0's video stream parameters (codec, tag,
/// metadata such as WebM's `alpha_mode`); returns it and chunk 0's
/// extradata, which every other chunk must share.
fn open_output(
    dir: &Path,
    plan: &Plan,
    f: Format,
    temp: &Path,
) -> Result<(format::context::Output, Vec<u8>)> {
    let mut octx =
        format::output_as(temp, container(f).0).map_err(|e| fferr(temp, "cannot create", e))?;
    let first = chunk_path(dir, plan, 0);
    let ictx = format::input(&first).map_err(|e| fferr(&first, "cannot open", e))?;
    let ist = ictx
        .streams()
        .best(media::Type::Video)
        .ok_or_else(|| Error::media(&first, "no video stream"))?;
    let mut ost = octx
        .add_stream(encoder::find(codec::Id::None))
        .map_err(|e| fferr(temp, "cannot add the video stream", e))?;
    ost.set_parameters(ist.parameters());
    ost.set_time_base(ist.time_base());
    ost.set_avg_frame_rate(Rational::new(plan.fps.num as i32, plan.fps.den as i32));
    ost.set_metadata(ist.metadata().to_owned());
    let params = extradata(&ist.parameters());
    Ok((octx, params))
}

/// Append chunk `i` (its first frame is `start`) to the output.
fn copy_chunk(
    out: &mut Joined<'_>,
    plan: &Plan,
    i: usize,
    path: &Path,
    start: u64,
    params0: &[u8],
) -> Result<()> {
    let mut ictx = format::input(&path).map_err(|e| fferr(path, "cannot open", e))?;
    let (index, tb) = {
        let ist = ictx
            .streams()
            .best(media::Type::Video)
            .ok_or_else(|| Error::media(path, "no video stream"))?;
        if extradata(&ist.parameters()) != params0 {
            return Err(Error::Chunk {
                index: i,
                path: path.to_path_buf(),
                message: "encoded with other parameters than chunk 0: render it again".into(),
            });
        }
        (ist.index(), ist.time_base())
    };
    let frame_tb = Rational::new(plan.fps.den as i32, plan.fps.num as i32);
    let mut frame = start as i64;
    for (stream, mut pkt) in ictx.packets() {
        if stream.index() != index {
            continue;
        }
        // No B-frames: packet j of the chunk is frame start + j, timed as
        // the in-process encoder times frame start + j.
        let pts = frame.rescale(frame_tb, out.out_tb);
        pkt.set_duration(pkt.duration().rescale(tb, out.out_tb));
        pkt.set_pts(Some(pts));
        pkt.set_dts(Some(pts));
        pkt.set_stream(0);
        pkt.set_position(-1);
        frame += 1;
        if let Some(a) = &mut out.audio {
            a.write_until(&mut out.octx, pts, out.out_tb)
                .map_err(|e| fferr(out.temp, "cannot write audio", e))?;
        }
        pkt.write_interleaved(&mut out.octx)
            .map_err(|e| fferr(out.temp, "cannot write video", e))?;
    }
    Ok(())
}

/// The codec's extradata (SPS/PPS for H.264): equal in every chunk when
/// the encoder parameters were.
fn extradata(p: &codec::Parameters) -> Vec<u8> {
    // SAFETY: reading the extradata buffer of live parameters; FFmpeg keeps
    // `extradata_size` bytes valid at `extradata` (or null with size 0).
    unsafe {
        let raw = p.as_ptr();
        let (ptr, n) = ((*raw).extradata, (*raw).extradata_size);
        if ptr.is_null() || n <= 0 {
            return Vec::new();
        }
        std::slice::from_raw_parts(ptr, n as usize).to_vec()
    }
}
