"""CI: `teleglas --replay FILE` in a pseudo-terminal, as a user would start it.

    python .ci/pty_smoke.py TELEGLAS_EXECUTABLE RECORDING DATA_DIR

Opens the monitor on an 80x24 terminal, lets it draw for a few seconds, presses q and expects it
to leave by itself with exit code 0 and the terminal given back.  Fails (exit 1, saying why) when
the screen never shows the panes, the app does not leave, or it leaves with an error.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import sys
import termios
import time

DRAW_S = 5.0  # time the monitor gets to draw before q
LEAVE_S = 20.0  # q saves state and stops the service: generous on a loaded 2-core machine
COLUMNS, ROWS = 80, 24
# What must be on the screen: the header and the titles of the three panes.
MUST_SHOW = ("teleglas", "REPLAY", "Flow", "Tape", "Signals")


def read_for(fd: int, seconds: float, into: bytearray) -> bool:
    """Read the terminal's output for ``seconds``; False once the other side closed it."""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the child closed its terminal
            return False
        if not chunk:
            return False
        into += chunk
    return True


def main() -> int:
    executable, recording, data_dir = sys.argv[1:4]
    argv = [executable, "--replay", recording, "--speed", "10", "--data-dir", data_dir]
    pid, fd = pty.fork()
    if pid == 0:  # the child: the pseudo-terminal is its stdin, stdout and stderr
        os.environ.update(TERM="xterm-256color", COLUMNS=str(COLUMNS), LINES=str(ROWS))
        os.execvp(executable, argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    screen = bytearray()
    read_for(fd, DRAW_S, screen)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.decode("utf-8", "replace"))
    missing = [word for word in MUST_SHOW if word not in text]
    os.write(fd, b"q")
    deadline = time.monotonic() + LEAVE_S
    status = None
    while status is None and time.monotonic() < deadline:
        read_for(fd, 0.2, screen)
        done, code = os.waitpid(pid, os.WNOHANG)
        status = code if done else None
    if status is None:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        print(f"pty smoke: the monitor did not leave within {LEAVE_S:g} s of q", file=sys.stderr)
        return 1
    exit_code = os.waitstatus_to_exitcode(status)
    tail = screen[-4000:].decode("utf-8", "replace")
    problems = []
    if missing:
        problems.append(f"never drew {missing} in {DRAW_S:g} s")
    if exit_code != 0:
        problems.append(f"exit code {exit_code}")
    if "Traceback" in tail:
        problems.append("a traceback on the terminal")
    if b"\x1b[?1049l" not in screen:  # Textual leaves the alternate screen on a clean exit
        problems.append("the terminal was not given back (no exit from the alternate screen)")
    if problems:
        print(f"pty smoke: {'; '.join(problems)}; last output:\n{tail}", file=sys.stderr)
        return 1
    print(f"pty smoke: drew {len(screen):,} bytes at {COLUMNS}x{ROWS}, q left with exit code 0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
