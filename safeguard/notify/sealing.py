"""Secret personalisation sealed at rest in the outbox.

A template's ``secret_fields`` (the link in a check-in or safety-plan message, which is all
anyone needs to answer as the person or read their plan) are encrypted with Fernet (AES-128-CBC
and HMAC-SHA256, from ``cryptography``) when the message is written, opened only in the gateway
at the moment of sending, and erased once Notify has accepted the message (``scrub_secrets``).
A copy of the database, a backup or a log of the row therefore never holds a usable link.

The keys are ``SAFEGUARD_OUTBOX_KEYS`` (from ``SAFEGUARD_OUTBOX_KEY``, required in production):
the first seals, any of them opens, so a key is rotated by putting the new one first and
keeping the old one until the messages it sealed have gone (``CHECK_IN_LINK_HOURS`` at most).
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

PREFIX = "sealed:v1:"


class Unreadable(Exception):
    """A sealed value none of the configured keys can open."""


@lru_cache(maxsize=4)
def _box(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _current() -> MultiFernet:
    keys = settings.SAFEGUARD_OUTBOX_KEYS
    if isinstance(keys, str):
        keys = [keys]
    return _box(tuple(keys))


def is_sealed(value) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def seal(value: str) -> str:
    if is_sealed(value):
        return value
    return PREFIX + _current().encrypt(str(value).encode()).decode()


def unseal(value):
    """The plain value of a sealed one; anything not sealed is returned as it is."""
    if not is_sealed(value):
        return value
    try:
        return _current().decrypt(value[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise Unreadable(
            "A secret field of this message cannot be opened with SAFEGUARD_OUTBOX_KEYS (was "
            "the key changed without keeping the old one?)"
        ) from exc


def seal_fields(template, personalisation: dict) -> dict:
    """A copy of ``personalisation`` with the template's secret fields sealed."""
    sealed = dict(personalisation or {})
    for field in template.secret_fields:
        if field in sealed and sealed[field] is not None:
            sealed[field] = seal(sealed[field])
    return sealed


def unseal_fields(personalisation: dict) -> dict:
    """A copy of ``personalisation`` with every sealed value opened, for sending."""
    return {key: unseal(value) for key, value in (personalisation or {}).items()}
