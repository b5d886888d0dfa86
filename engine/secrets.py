"""Secrets: from the environment, else ``./.env``, else ``./config/secrets.env``, else the user's
``~/.config/teleglas/secrets.env`` (:func:`engine.locations.secrets_files`).

A secret is never printed, logged or shown: :class:`Secrets` redacts itself in ``repr`` and
:func:`redact` scrubs any text that might carry one (URLs with ``cg-api-key``, bot tokens).
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from engine.errors import UsageError
from engine.locations import secrets_files

NAMES = ("COINGLASS_API_KEY", "TELEGRAM_BOT_TOKEN", "TELEGRAM_CHAT_ID")


@dataclass(frozen=True)
class Secrets:
    coinglass_api_key: str = field(default="", repr=False)
    telegram_bot_token: str = field(default="", repr=False)
    telegram_chat_ids: tuple[str, ...] = field(default=(), repr=False)
    # Where each set secret came from ("the environment", "./.env", ...): names, never values.
    sources: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def __repr__(self) -> str:
        present = [n for n, v in zip(NAMES, self._values()) if v]
        return f"Secrets(present={present})"

    def _values(self) -> tuple[object, ...]:
        return (self.coinglass_api_key, self.telegram_bot_token, self.telegram_chat_ids)

    def redact(self, text: str) -> str:
        """Replace every secret value in ``text`` by ``***``."""
        for value in (self.coinglass_api_key, self.telegram_bot_token):
            if value:
                text = text.replace(value, "***")
        return redact(text)


_PATTERNS = (
    re.compile(r"(cg-api-key=)[^&\s\"']+", re.I),
    re.compile(r"(/bot)\d+:[A-Za-z0-9_-]+"),
    re.compile(r"(CG-API-KEY['\"]?\s*[:=]\s*['\"]?)[^'\"\s,}]+", re.I),
)


def redact(text: str) -> str:
    """Scrub secret-shaped substrings (API key query parameters, bot tokens in URLs)."""
    for pattern in _PATTERNS:
        text = pattern.sub(r"\1***", text)
    return text


def load_secrets(environ: dict[str, str] | None = None, search: tuple[Path, ...] | None = None) -> Secrets:
    env = dict(os.environ if environ is None else environ)
    files = search if search is not None else secrets_files()
    merged: dict[str, str] = {}
    sources: dict[str, str] = {}
    for path in reversed(files):  # earlier files win
        if path.is_file():
            found = {k: v for k, v in _read_env_file(path).items() if k in NAMES and v}
            merged.update(found)
            sources.update(dict.fromkeys(found, shown_path(path)))
    found = {k: v for k, v in env.items() if k in NAMES and v}
    merged.update(found)
    sources.update(dict.fromkeys(found, "the environment"))
    chat_ids = tuple(c.strip() for c in merged.get("TELEGRAM_CHAT_ID", "").split(",") if c.strip())
    return Secrets(
        coinglass_api_key=merged.get("COINGLASS_API_KEY", "").strip(),
        telegram_bot_token=merged.get("TELEGRAM_BOT_TOKEN", "").strip(),
        telegram_chat_ids=chat_ids,
        sources=sources,
    )


def shown_path(path: Path) -> str:
    """``./.env`` rather than ``.env``: the reader sees it is relative to where teleglas runs."""
    return str(path) if path.is_absolute() else f"./{path}"


def _read_env_file(path: Path) -> dict[str, str | None]:
    """The file's variables; one line naming the file when it cannot be read (never its content:
    it holds secrets)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"secrets: cannot read {path}: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"secrets: {path} is not UTF-8 text (a byte at offset {exc.start} is not); "
                         "save it as UTF-8") from None
    return dotenv_values(stream=io.StringIO(text))
