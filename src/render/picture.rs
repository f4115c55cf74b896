//! A rendered picture: RGBA8 pixels, the camera that drew them, PNG encoding.

use std::path::Path;

use super::{Camera, RenderError};
use crate::io::WriteError;

/// An RGBA8 image, rows top to bottom, with the camera that drew it.
#[derive(Debug, Clone, PartialEq)]
pub struct Picture {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `4 × width × height` bytes.
    pub pixels: Vec<u8>,
    /// The camera: [`Camera::project`] gives the pixel of a mesh point.
    pub camera: Camera,
}

impl Picture {
    /// The pixel at column `x`, row `y` (from the top).
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 4] {
        let i = 4 * (y as usize * self.width as usize + x as usize);
        [self.pixels[i], self.pixels[i + 1], self.pixels[i + 2], self.pixels[i + 3]]
    }

    /// The picture as a PNG file.
    pub fn png(&self) -> Result<Vec<u8>, RenderError> {
        encode_png(self.width, self.height, &self.pixels)
    }

    /// Writes the PNG to `path` atomically (nothing is left behind on failure).
    pub fn write_png(&self, path: &Path) -> Result<(), WriteError> {
        let bytes = self.png().map_err(|e| WriteError::Io {
            path: path.display().to_string(),
            source: std::io::Error::other(e.to_string()),
        })?;
        crate::io::write_atomic(path, |w| w.write_all(&bytes))
    }
}

/// Encodes `width × height` RGBA8 pixels as PNG (8 bits per channel).
pub fn encode_png(width: u32, height: u32, rgba: &[u8]) -> Result<Vec<u8>, RenderError> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::High);
        let mut writer = encoder.write_header().map_err(|e| RenderError::Png(e.to_string()))?;
        writer.write_image_data(rgba).map_err(|e| RenderError::Png(e.to_string()))?;
        writer.finish().map_err(|e| RenderError::Png(e.to_string()))?;
    }
    Ok(out)
}
