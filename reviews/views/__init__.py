"""HTML pages of the reviews app, one module per part."""
