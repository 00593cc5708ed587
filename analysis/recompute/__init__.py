"""The live recompute of analyses: protocol, queue marks, receivers and the task (docs/architecture.md)."""
