//! The encode stage's loop, on a thread of its own: take captured frames
//! from the channel, put them back in order, and push them into the sink;
//! report progress back to capture (which stays within a window of it).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

use super::sink::FrameSink;
use super::EncodeTimings;
use crate::capture::FrameMsg;
use crate::error::{Error, Result};

/// What the encoder thread reports.
#[derive(Debug, Clone, Copy)]
pub struct Encoded {
    /// Busy time: opening the sink and pushing frames.
    pub busy: Duration,
    /// Flushing and finishing the file.
    pub finish: Duration,
    /// Waiting for the next frame.
    pub idle: Duration,
    /// The sink's breakdown of its busy time.
    pub timings: EncodeTimings,
}

/// Receive the frames `order` (composition indices, in output order) from
/// `rx` and push them into the sink `open` creates; `encoded` tells capture
/// how many frames have been pushed.
pub fn run(
    open: impl FnOnce() -> Result<Box<dyn FrameSink>>,
    order: &[u64],
    mut rx: mpsc::Receiver<FrameMsg>,
    encoded: watch::Sender<u64>,
) -> Result<Encoded> {
    let mut busy = Duration::ZERO;
    let t = Instant::now();
    let mut sink = open()?;
    busy += t.elapsed();
    let mut pending: BTreeMap<u64, FrameMsg> = BTreeMap::new();
    let mut next = 0usize;
    let mut last: Option<Arc<Vec<u8>>> = None;
    let mut idle = Duration::ZERO;
    while next < order.len() {
        let waiting = Instant::now();
        let Some(msg) = rx.blocking_recv() else {
            break;
        };
        idle += waiting.elapsed();
        pending.insert(msg.index, msg);
        while let Some(m) = order.get(next).and_then(|i| pending.remove(i)) {
            let t = Instant::now();
            let same = m.reused && last.as_ref().is_some_and(|l| Arc::ptr_eq(l, &m.image));
            if same {
                sink.repeat(m.index)?;
            } else {
                sink.push(m.index, &m.image)?;
            }
            busy += t.elapsed();
            last = Some(m.image);
            next += 1;
            let _ = encoded.send(next as u64);
        }
    }
    if next < order.len() {
        // Capture stopped early; its error is the one to report.
        return Err(Error::Cancelled);
    }
    let t = Instant::now();
    let timings = sink.timings();
    sink.finish()?;
    Ok(Encoded {
        busy,
        finish: t.elapsed(),
        idle,
        timings,
    })
}

/// Run [`run`] on a thread named `hf-encode`.
pub fn spawn(
    open: impl FnOnce() -> Result<Box<dyn FrameSink>> + Send + 'static,
    order: Vec<u64>,
    rx: mpsc::Receiver<FrameMsg>,
    encoded: watch::Sender<u64>,
) -> Result<std::thread::JoinHandle<Result<Encoded>>> {
    std::thread::Builder::new()
        .name("hf-encode".into())
        .spawn(move || run(open, &order, rx, encoded))
        .map_err(|e| Error::io(Path::new("encoder thread"), e))
}
