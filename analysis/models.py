"""Analysis definitions and stored results (built in the live-analyses issue)."""
