"""``teleglas init``: the user's config and secrets files, written where teleglas reads them from
any directory (:func:`engine.locations.user_config_dir`, ``~/.config/teleglas``).

``teleglas.yaml`` is the shipped one: every setting at its default, each with its comment.
``secrets.env`` is the template: the secrets' names, empty, each explained; it is created readable
by its owner alone (it is where the keys go).  A file already there is never overwritten: init
says it kept it, so running it again is harmless.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from engine.locations import CONFIG_NAME, DEFAULT_CONFIG, SECRETS_NAME, SECRETS_TEMPLATE, user_config_dir

FILES = (  # (what, the shipped file, its name there, its mode)
    ("every setting at its default, with comments", DEFAULT_CONFIG, CONFIG_NAME, 0o644),
    ("the secrets, empty: fill in the ones you have; readable by you alone", SECRETS_TEMPLATE, SECRETS_NAME, 0o600),
)


def main(args: argparse.Namespace) -> int:
    for line in write_user_files(user_config_dir()):
        print(f"teleglas: {line}")
    print("teleglas: both are read from any directory (./config/ and ./.env, when present, come first); "
          "`teleglas doctor` checks them")
    return 0


def write_user_files(folder: Path) -> list[str]:
    """Write what is missing in ``folder``; one line per file saying what was done."""
    folder.mkdir(parents=True, exist_ok=True)
    done = []
    for what, source, name, mode in FILES:
        target = folder / name
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            done.append(f"kept {target} (it exists; not overwritten)")
            continue
        with os.fdopen(fd, "wb") as out:
            out.write(source.read_bytes())
        done.append(f"wrote {target} ({what})")
    return done
