//! Recognising uploaded images by their bytes (never by the name or the claimed type).

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

#[cfg(test)]
mod tests {
    use super::*;

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
