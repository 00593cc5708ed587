"""The one strict reader of environment variables for every setting.

Every setting the project reads from the environment is declared here with
its type and default; a malformed value (``DEBUG=maybe``) or an unknown
``OPENSYNTH_*`` variable (a misspelling) stops start-up with a clear message
instead of being silently ignored.
"""

import os
from collections.abc import Callable
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

_parser = environ.Env()

# Variables with the project prefix that are read somewhere below. Anything
# else with the prefix is almost certainly a typo of one of these.
PREFIX = "OPENSYNTH_"
_KNOWN: set[str] = set()


def _read(name: str, cast: Callable[[str], Any], default: Any) -> Any:
    if name.startswith(PREFIX):
        _KNOWN.add(name)
    raw = os.environ.get(name)
    if raw is None or raw == "":
        if default is _REQUIRED:
            raise ImproperlyConfigured(f"The environment variable {name} is required.")
        return default
    try:
        return cast(raw)
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(f"The environment variable {name}={raw!r} is malformed: {error}") from None


class _Required:
    def __repr__(self) -> str:
        return "<required>"


_REQUIRED = _Required()
REQUIRED: Any = _REQUIRED


def _to_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected one of 1/0, true/false, yes/no, on/off")


def _to_int(raw: str) -> int:
    return int(raw.strip())


def _to_list(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_str(name: str, default: Any = REQUIRED) -> str:
    """A string setting."""
    return _read(name, str, default)


def env_bool(name: str, default: Any = REQUIRED) -> bool:
    """A yes/no setting; anything but the usual spellings is refused."""
    return _read(name, _to_bool, default)


def env_int(name: str, default: Any = REQUIRED, *, minimum: int | None = None) -> int:
    """A whole-number setting, optionally bounded below."""
    value = _read(name, _to_int, default)
    if minimum is not None and value is not None and value < minimum:
        raise ImproperlyConfigured(f"The environment variable {name}={value} must be at least {minimum}.")
    return value


def env_list(name: str, default: Any = REQUIRED) -> list[str]:
    """A comma-separated list setting."""
    return _read(name, _to_list, default)


def env_db(name: str, default: str) -> dict[str, Any]:
    """A database URL (sqlite:///path or postgres://user@host:port/name) as Django's DATABASES entry."""
    url = env_str(name, default)
    try:
        return _parser.db_url_config(url)
    except Exception as error:  # django-environ raises several kinds for a bad URL
        raise ImproperlyConfigured(
            f"The environment variable {name}={url!r} is not a database URL: {error}"
        ) from None


def check_no_unknown_variables() -> None:
    """Refuse OPENSYNTH_* variables that no setting reads (typos)."""
    unknown = sorted(name for name in os.environ if name.startswith(PREFIX) and name not in _KNOWN)
    if unknown:
        known = ", ".join(sorted(_KNOWN))
        raise ImproperlyConfigured(
            f"Unknown environment variable(s) {', '.join(unknown)}; known ones are: {known}."
        )
