"""Leaving a terminal that is gone.

When SSH drops or tmux kills the pane, writes to the terminal fail or block and reads return at
once, forever: Textual's writer thread would die with the screen queue full, its input thread
would spin.  Pointing the standard descriptors elsewhere makes both harmless while the service
saves its state: output goes to /dev/null, input waits on a pipe nobody writes.
"""

from __future__ import annotations

import os

_quiet_input: list[int] = []  # the pipe's write end, held open so reads wait instead of ending


def detach_terminal() -> None:
    read_end, write_end = os.pipe()
    _quiet_input.append(write_end)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(read_end, 0)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.close(read_end)
    os.close(null)
