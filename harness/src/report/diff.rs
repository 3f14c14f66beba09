//! Diff heat-maps and page-sized copies of failed frames: the pictures a
//! person looks at first when a visual checkpoint regresses.

use image::imageops::{self, FilterType};
use image::{GrayImage, Luma, Rgb, RgbImage};

/// Widest image the report shows; larger frames are scaled down (keeping the
/// aspect) so a page of ten triptychs stays light.
pub const MAX_WIDTH: u32 = 480;

/// Differences are multiplied by this before colouring, so that a few levels
/// of encoder noise show up as dark red instead of invisible black.
const GAIN: u16 = 4;

/// Summary of a per-pixel difference, for the caption under the heat-map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiffStats {
    /// Pixels whose channels differ at all.
    pub changed: u64,
    /// All pixels.
    pub total: u64,
    /// Largest channel difference (0..=255).
    pub max: u8,
}

/// Per-pixel absolute difference, the maximum over R, G and B, so a change in
/// a single channel counts fully. Returns `None` when the sizes differ: the
/// caller reports the mismatch in words instead of guessing an alignment.
pub fn difference(expected: &RgbImage, actual: &RgbImage) -> Option<(GrayImage, DiffStats)> {
    if expected.dimensions() != actual.dimensions() {
        return None;
    }
    let (w, h) = expected.dimensions();
    let mut stats = DiffStats {
        changed: 0,
        total: u64::from(w) * u64::from(h),
        max: 0,
    };
    let out = GrayImage::from_fn(w, h, |x, y| {
        let (e, a) = (expected.get_pixel(x, y), actual.get_pixel(x, y));
        let d = (0..3).map(|c| e[c].abs_diff(a[c])).max().unwrap_or(0);
        if d > 0 {
            stats.changed += 1;
            stats.max = stats.max.max(d);
        }
        Luma([d])
    });
    Some((out, stats))
}

/// Maps a difference through black → red → yellow → white after the gain,
/// so zero stays black and anything above 255 / GAIN saturates to white.
pub fn heat(diff: &GrayImage) -> RgbImage {
    RgbImage::from_fn(diff.width(), diff.height(), |x, y| {
        ramp(diff.get_pixel(x, y)[0])
    })
}

fn ramp(d: u8) -> Rgb<u8> {
    // 0..=765 spread over three equal legs of the ramp.
    let v = (u16::from(d) * GAIN).min(255) * 3;
    let leg = |lo: u16| (v.saturating_sub(lo).min(255)) as u8;
    Rgb([leg(0), leg(255), leg(510)])
}

/// Scales a difference down by taking the maximum of each source block, so a
/// one-pixel regression in a 1920-wide frame survives shrinking to the page.
pub fn shrink_max(diff: &GrayImage) -> GrayImage {
    let (w, h) = diff.dimensions();
    let (nw, nh) = page_size(w, h);
    if (nw, nh) == (w, h) {
        return diff.clone();
    }
    let span = |i: u32, n: u32, full: u32| {
        let lo = (u64::from(i) * u64::from(full) / u64::from(n)) as u32;
        let hi = (u64::from(i + 1) * u64::from(full)).div_ceil(u64::from(n)) as u32;
        lo..hi.clamp(lo + 1, full)
    };
    GrayImage::from_fn(nw, nh, |x, y| {
        let mut m = 0;
        for sy in span(y, nh, h) {
            for sx in span(x, nw, w) {
                m = m.max(diff.get_pixel(sx, sy)[0]);
            }
        }
        Luma([m])
    })
}

/// A page-sized copy of a frame (unchanged when already small enough).
pub fn shrink(img: &RgbImage) -> RgbImage {
    let (w, h) = img.dimensions();
    let (nw, nh) = page_size(w, h);
    if (nw, nh) == (w, h) {
        return img.clone();
    }
    imageops::resize(img, nw, nh, FilterType::Triangle)
}

/// Size on the page: at most `MAX_WIDTH` wide, aspect kept, never zero.
fn page_size(w: u32, h: u32) -> (u32, u32) {
    if w <= MAX_WIDTH {
        return (w, h);
    }
    let nh = (u64::from(h) * u64::from(MAX_WIDTH) / u64::from(w)).max(1) as u32;
    (MAX_WIDTH, nh)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| Rgb([(x * 7) as u8, (y * 5) as u8, 90]))
    }

    #[test]
    fn identical_images_give_an_all_black_map() {
        let a = gradient(40, 30);
        let (d, stats) = difference(&a, &a).expect("same size");
        assert_eq!(stats.changed, 0);
        assert!(heat(&d).pixels().all(|p| p.0 == [0, 0, 0]));
    }

    #[test]
    fn one_pixel_difference_lights_only_that_pixel() {
        let a = gradient(40, 30);
        let mut b = a.clone();
        b.put_pixel(12, 7, Rgb([a.get_pixel(12, 7)[0], 0, 90]));
        let (d, stats) = difference(&a, &b).expect("same size");
        assert_eq!((stats.changed, stats.total), (1, 1200));
        let map = heat(&d);
        for (x, y, p) in map.enumerate_pixels() {
            assert_eq!(p.0 != [0, 0, 0], (x, y) == (12, 7), "pixel {x},{y}");
        }
    }

    #[test]
    fn ramp_runs_black_red_yellow_white() {
        assert_eq!(ramp(0).0, [0, 0, 0]);
        assert_eq!(ramp(64 / 3).0, [252, 0, 0]);
        assert_eq!(ramp(255 / 6).0, [255, 249, 0]);
        assert_eq!(ramp(255).0, [255, 255, 255]);
        assert_eq!(ramp(64).0, [255, 255, 255]);
    }

    #[test]
    fn sizes_that_differ_give_no_diff() {
        assert!(difference(&gradient(4, 4), &gradient(4, 5)).is_none());
    }

    #[test]
    fn shrinking_keeps_aspect_and_single_pixel_differences() {
        let mut d = GrayImage::new(1920, 1080);
        d.put_pixel(1001, 503, Luma([9]));
        let s = shrink_max(&d);
        assert_eq!(s.dimensions(), (480, 270));
        assert_eq!(s.pixels().filter(|p| p[0] == 9).count(), 1);
        assert_eq!(shrink(&gradient(960, 2)).dimensions(), (480, 1));
        assert_eq!(shrink(&gradient(300, 20)).dimensions(), (300, 20));
    }
}
