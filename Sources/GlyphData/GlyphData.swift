// GlyphData module.
