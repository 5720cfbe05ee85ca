//! Uploaded images: recognised by their bytes (never by the name or the claimed type), then
//! made fit to publish: turned upright as their EXIF orientation says, and stripped of every
//! piece of metadata (EXIF with its GPS position, XMP, comments, colour-profile text) before
//! anyone else sees them.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    pub content_type: &'static str,
    pub extension: &'static str,
    pub width: u32,
    pub height: u32,
}

fn be16(b: &[u8], i: usize) -> Option<u32> {
    Some(u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?]) as u32)
}

fn le16(b: &[u8], i: usize) -> Option<u32> {
    Some(u16::from_le_bytes([*b.get(i)?, *b.get(i + 1)?]) as u32)
}

fn be32(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *b.get(i)?,
        *b.get(i + 1)?,
        *b.get(i + 2)?,
        *b.get(i + 3)?,
    ]))
}

fn le24(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes([
        *b.get(i)?,
        *b.get(i + 1)?,
        *b.get(i + 2)?,
        0,
    ]))
}

fn jpeg_size(b: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    while i + 9 < b.len() {
        if b[i] != 0xFF {
            return None;
        }
        let marker = b[i + 1];
        let len = be16(b, i + 2)? as usize;
        // Start-of-frame markers carry the size (not DHT, JPG, DAC).
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            return Some((be16(b, i + 7)?, be16(b, i + 5)?));
        }
        i += 2 + len;
    }
    None
}

/// PNG, JPEG, GIF or WebP with their dimensions; `None` for anything else.
pub fn sniff(b: &[u8]) -> Option<ImageInfo> {
    let info = |content_type, extension, (width, height): (u32, u32)| ImageInfo {
        content_type,
        extension,
        width,
        height,
    };
    if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(info("image/png", "png", (be32(b, 16)?, be32(b, 20)?)));
    }
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(info("image/jpeg", "jpg", jpeg_size(b)?));
    }
    if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        return Some(info("image/gif", "gif", (le16(b, 6)?, le16(b, 8)?)));
    }
    if b.len() > 30 && &b[0..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        let size = match &b[12..16] {
            b"VP8 " => ((le16(b, 26)? & 0x3FFF), (le16(b, 28)? & 0x3FFF)),
            b"VP8L" => {
                let bits = u32::from_le_bytes([b[21], b[22], b[23], b[24]]);
                ((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
            }
            b"VP8X" => (le24(b, 24)? + 1, le24(b, 27)? + 1),
            _ => return None,
        };
        return Some(info("image/webp", "webp", size));
    }
    None
}

/// The longest side an upload may have, in pixels.
pub const MAX_SIDE: u32 = 10_000;
/// The most pixels an upload may have (Mastodon's own limit, 7680 x 4320): apps shrink larger
/// photos to fit before they send them.
pub const MAX_PIXELS: u64 = 33_177_600;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImageError {
    #[error("only PNG, JPEG, GIF and WebP images are supported")]
    Unsupported,
    #[error("the image is {0}x{1} pixels; at most {MAX_SIDE} on a side and {MAX_PIXELS} in all")]
    TooLarge(u32, u32),
    #[error("the image cannot be read: {0}")]
    Unreadable(String),
}

/// An upload ready to be stored and served.
#[derive(Debug, Clone)]
pub struct Cleaned {
    pub bytes: Vec<u8>,
    /// After the orientation is applied.
    pub info: ImageInfo,
    /// The picture's colours in a few bytes, for apps to show while it loads.
    pub blurhash: Option<String>,
}

/// Makes an upload fit to publish. JPEG and PNG are decoded, turned upright and encoded again
/// (JPEG at quality 90), which leaves every piece of metadata behind. GIF keeps its bytes (its
/// frames would be lost; it has no EXIF). WebP keeps its image data and loses its `EXIF` and
/// `XMP ` chunks.
pub fn clean(bytes: &[u8]) -> Result<Cleaned, ImageError> {
    use image::ImageFormat;
    let info = sniff(bytes).ok_or(ImageError::Unsupported)?;
    if info.width > MAX_SIDE
        || info.height > MAX_SIDE
        || u64::from(info.width) * u64::from(info.height) > MAX_PIXELS
    {
        return Err(ImageError::TooLarge(info.width, info.height));
    }
    let format = match info.extension {
        "png" => ImageFormat::Png,
        "jpg" => ImageFormat::Jpeg,
        "gif" => ImageFormat::Gif,
        _ => ImageFormat::WebP,
    };
    let image = decode_upright(bytes, format)?;
    let out = match format {
        ImageFormat::Jpeg => {
            let mut out = Vec::new();
            let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
            let flat = match image.color().has_color() {
                true => image::DynamicImage::ImageRgb8(image.to_rgb8()),
                false => image::DynamicImage::ImageLuma8(image.to_luma8()),
            };
            flat.write_with_encoder(encoder)
                .map_err(|e| ImageError::Unreadable(e.to_string()))?;
            out
        }
        ImageFormat::Png => {
            let mut out = std::io::Cursor::new(Vec::new());
            image
                .write_to(&mut out, ImageFormat::Png)
                .map_err(|e| ImageError::Unreadable(e.to_string()))?;
            out.into_inner()
        }
        ImageFormat::WebP => strip_webp(bytes).ok_or(ImageError::Unreadable(
            "a WebP chunk runs past the end of the file".into(),
        ))?,
        _ => bytes.to_vec(),
    };
    Ok(Cleaned {
        bytes: out,
        info: ImageInfo {
            width: image.width(),
            height: image.height(),
            ..info
        },
        blurhash: blurhash_of(&image),
    })
}

/// The first frame, turned as its orientation says, within [`MAX_SIDE`] and 512 MiB.
fn decode_upright(
    bytes: &[u8],
    format: image::ImageFormat,
) -> Result<image::DynamicImage, ImageError> {
    use image::ImageDecoder;
    let unreadable = |e: image::ImageError| ImageError::Unreadable(e.to_string());
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = image::DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    image.apply_orientation(orientation);
    Ok(image)
}

fn blurhash_of(image: &image::DynamicImage) -> Option<String> {
    let small = image.thumbnail(32, 32).to_rgba8();
    blurhash::encode(4, 3, small.width(), small.height(), small.as_raw()).ok()
}

/// A WebP file without its `EXIF` and `XMP ` chunks (and their flags in `VP8X`); `None` when
/// a chunk runs past the end.
fn strip_webp(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = b.get(..12)?.to_vec();
    let mut i = 12;
    while i + 8 <= b.len() {
        let fourcc = &b[i..i + 4];
        let size = u32::from_le_bytes([b[i + 4], b[i + 5], b[i + 6], b[i + 7]]) as usize;
        let end = (i + 8).checked_add(size)?;
        if end > b.len() {
            return None;
        }
        let padded = (end + (size & 1)).min(b.len());
        if fourcc != b"EXIF" && fourcc != b"XMP " {
            let start = out.len();
            out.extend_from_slice(&b[i..padded]);
            if fourcc == b"VP8X" && size > 0 {
                // Flags: 0x08 EXIF, 0x04 XMP.
                out[start + 8] &= !0x0C;
            }
        }
        i = padded;
    }
    let riff = u32::try_from(out.len() - 8).ok()?;
    out[4..8].copy_from_slice(&riff.to_le_bytes());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webp_loses_its_metadata_chunks_and_flags() {
        let chunk = |fourcc: &[u8], data: &[u8]| {
            let mut c = fourcc.to_vec();
            c.extend_from_slice(&(data.len() as u32).to_le_bytes());
            c.extend_from_slice(data);
            if data.len() % 2 == 1 {
                c.push(0);
            }
            c
        };
        let mut body = b"WEBP".to_vec();
        body.extend(chunk(b"VP8X", &[0x0C | 0x10, 0, 0, 0, 1, 0, 0, 1, 0, 0]));
        body.extend(chunk(b"VP8L", b"pixels"));
        body.extend(chunk(b"EXIF", b"GPS here"));
        body.extend(chunk(b"XMP ", b"<x:xmpmeta/>"));
        let mut file = b"RIFF".to_vec();
        file.extend_from_slice(&(body.len() as u32).to_le_bytes());
        file.extend(body);
        let out = strip_webp(&file).expect("valid");
        assert!(!out.windows(3).any(|w| w == b"GPS"));
        assert!(!out.windows(4).any(|w| w == b"XMP "));
        assert_eq!(out[20], 0x10, "other flags stay");
        assert_eq!(
            u32::from_le_bytes([out[4], out[5], out[6], out[7]]) as usize,
            out.len() - 8
        );
        let truncated = &file[..file.len() - 4];
        assert_eq!(strip_webp(truncated), None);
    }

    #[test]
    fn sniffs_png_and_gif() {
        let png = [
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0,
            0, 0, 3, 0, 0, 0, 2,
        ];
        assert_eq!(
            sniff(&png).map(|i| (i.content_type, i.width, i.height)),
            Some(("image/png", 3, 2))
        );
        let gif = *b"GIF89a\x05\x00\x07\x00";
        assert_eq!(sniff(&gif).map(|i| (i.width, i.height)), Some((5, 7)));
        assert_eq!(sniff(b"<svg xmlns=...>"), None);
        assert_eq!(sniff(b""), None);
    }
}
