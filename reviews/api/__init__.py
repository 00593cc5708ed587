"""REST API of the reviews app, one module per part."""
