"""API token keys: made at random, stored and looked up only as a digest."""

import hashlib
import secrets


def new_key() -> str:
    return secrets.token_hex(20)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
