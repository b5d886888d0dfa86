"""The two kinds of failure a ``teleglas`` command ends with, each one line for the user.

The command line turns them into an exit status: 2 when something the user gave cannot be used
(an option, a setting, a file named on the command line), 1 when the work could not be done
(the database is held by another teleglas or was written by a newer one, a disk fails).
"""

from __future__ import annotations


class UsageError(ValueError):
    """An option or a file named on the command line cannot be used: exit status 2."""


class RunError(RuntimeError):
    """The command cannot do its work on this machine as it is now: exit status 1."""
