"""Errors raised by the analysis engine, with messages meant for a reviewer."""


class EngineError(Exception):
    """Base class of every error the engine raises on purpose."""


class InputError(EngineError):
    """The data or options cannot be analysed as given (the message says why)."""


class ConvergenceError(EngineError):
    """An iterative estimator did not converge or the optimum is not finite."""
