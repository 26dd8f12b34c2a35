"""Logging to a bounded file, and masking every known secret in text that leaves the process (logs, errors).

Token sources register what they hold with :func:`remember_secrets`; :func:`redact` then masks
those secrets in any text: verbatim, percent-encoded or base64-encoded, and a cut-off start or
end of one (a body snippet cut at 200 bytes, say) as well.
"""

from __future__ import annotations

import base64
import logging
import logging.handlers
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import quote, quote_plus

MASK = "***"

MIN_SECRET = 8
"""Shorter values are not masked everywhere (nor their fragments): real tokens are far longer."""

MAX_KNOWN = 64
"""How many secrets are remembered; the oldest is forgotten first (tokens rotate on refresh)."""

_CUTS = ("…", "...", "\n")
"""What may follow a cut-off start of a secret (or precede a cut-off end), besides the text's own ends."""

_known: dict[str, tuple[str, ...]] = {}
"""Every secret this process has held (bounded), with the encoded forms to look for."""


def remember_secrets(*secrets: str | None) -> None:
    """Mask these values (tokens, client secrets) wherever :func:`redact` runs, for the rest of the process."""
    for secret in secrets:
        if secret and len(secret) >= MIN_SECRET:
            _known.pop(secret, None)
            _known[secret] = _forms(secret)
    while len(_known) > MAX_KNOWN:
        del _known[next(iter(_known))]


def _forms(secret: str) -> tuple[str, ...]:
    raw = secret.encode()
    encoded = (
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode(),
    )
    return tuple(dict.fromkeys((secret, *encoded, *(form.rstrip("=") for form in encoded))))


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every remembered secret and every one of ``secrets`` replaced by ``***``."""
    extra = {secret: _forms(secret) for secret in secrets if secret and secret not in _known}
    # Longest first: a secret that starts with another must not be left half masked.
    for secret, forms in sorted((*_known.items(), *extra.items()), key=lambda item: -len(item[0])):
        for form in forms:
            if form in text:
                text = text.replace(form, MASK)
        if len(secret) >= MIN_SECRET and (secret[:MIN_SECRET] in text or secret[-MIN_SECRET:] in text):
            text = _mask_cut_ends(text, secret)
    return text


def _mask_cut_ends(text: str, secret: str) -> str:
    """Mask a secret's start cut off at the end of ``text`` or of a line or before an ellipsis; its end likewise."""
    head, tail = secret[:MIN_SECRET], secret[-MIN_SECRET:]
    start = text.find(head)
    while start != -1:
        end = start + MIN_SECRET
        while end < len(text) and end - start < len(secret) and text[end] == secret[end - start]:
            end += 1
        if end == len(text) or text.startswith(_CUTS, end):
            text, end = text[:start] + MASK + text[end:], start + len(MASK)
        start = text.find(head, end)
    stop = text.find(tail)
    while stop != -1:
        begin, end = stop, stop + MIN_SECRET
        while begin > 0 and end - begin < len(secret) and text[begin - 1] == secret[begin - end - 1]:
            begin -= 1
        if begin == 0 or text[:begin].endswith(_CUTS):
            text, end = text[:begin] + MASK + text[end:], begin + len(MASK)
        stop = text.find(tail, end)
    return text


class RedactSecrets(logging.Filter):
    """Replace every secret (remembered ones and the current ``secrets()``) in a record's final text."""

    def __init__(self, secrets: Callable[[], Iterable[str]]) -> None:
        super().__init__()
        self._secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask secrets in the formatted message and any exception text; always keep the record."""
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.stack_info:
            text += "\n" + record.stack_info
            record.stack_info = None
        record.msg, record.args = redact(text, self._secrets()), None
        return True


def setup_logging(log_file: Path, *, debug: bool, secrets: Callable[[], Iterable[str]]) -> None:
    """Log to ``log_file`` (at most 3 files of 1 MB), masking secrets.

    httpx logs full request URLs at INFO, and token refresh URLs carry tokens in their
    query, so its loggers are held at WARNING whatever the level.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(log_file, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for noisy in ("httpx", "httpcore", "websockets"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
