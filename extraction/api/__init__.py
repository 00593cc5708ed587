"""REST API of the extraction app: validate, call one service or selector, serialize."""
