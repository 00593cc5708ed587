"""Errors raised by the analysis engine, with messages meant for a reviewer.

Every error a reviewer can cause by the data they entered is an ``InputError``
whose message names the study (when there is one) and the problem, so the web
page and the management commands can show it as it is.
"""

from __future__ import annotations


class EngineError(Exception):
    """Base class of every error the engine raises on purpose."""


class InputError(EngineError, ValueError):
    """The data or options cannot be analysed as given (the message says why)."""

    def __init__(self, message: str, *, study: str | None = None, column: str | None = None):
        self.study = study
        self.column = column
        if study is not None:
            message = f"study '{study}': {message}"
        super().__init__(message)


class ConvergenceError(EngineError, ArithmeticError):
    """An iterative estimator did not converge or the optimum is not finite."""

    def __init__(self, message: str, *, iterations: int | None = None, change: float | None = None):
        self.iterations = iterations
        self.change = change
        super().__init__(message)
