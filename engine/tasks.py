"""asyncio task housekeeping shared by the sinks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

log = logging.getLogger(__name__)


async def cancel_all(tasks: Iterable[asyncio.Task]) -> None:
    """Cancel each task and wait until it has finished unwinding.  A task that had already died
    of an error is logged, not re-raised: shutdown must still reach the final flush."""
    for task in list(tasks):
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("background task %s had failed", task.get_name())
