"""Signal → ``sendMessage`` latency with the write-ahead outbox (not a test: nothing here asserts a time).

    python tests/benchmarks/alert_latency_bench.py [--alerts N] [--data-dir DIR]

A service with its default sinks (SQLite store with ``synchronous = FULL``, Telegram) on a data
directory, the fake Bot API on 127.0.0.1.  Each alert-bearing signal is handed to the sinks as the
event path does; the time until the fake Bot API receives its ``sendMessage`` includes the commit
(and fsync) of the signal and its outbox rows that must come first.  Prints the median, 90th
percentile and worst, in milliseconds.  Put ``--data-dir`` on the disk the service will use.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from builders import settings  # noqa: E402
from fakes.signals import sample  # noqa: E402
from fakes.telegram_kit import TOKEN, secrets  # noqa: E402
from fakes.telegram_server import FakeTelegram  # noqa: E402

from engine.service import Service  # noqa: E402


async def measure(alerts: int, data: Path) -> list[float]:
    telegram = FakeTelegram(TOKEN)
    await telegram.start()
    s = settings(telegram={"api_url": telegram.url, "per_chat_interval_s": 0.001},
                 alerts={"coin_cooldown_s": 0.001, "max_per_hour": 1_000_000})
    svc = Service(s, secrets("42"), data_dir=data)
    for sink in svc.sinks:
        await sink.start(svc)
    latencies = []
    try:
        for i in range(alerts):
            before = len(telegram.of("sendMessage"))
            started = time.perf_counter()
            signal = sample(coin="BTC", signal_id=f"bench-{time.time_ns()}-{i}")
            for sink in svc.sinks:
                sink.on_signals([signal])
            while len(telegram.of("sendMessage")) == before:
                await asyncio.sleep(0)
            latencies.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.05)  # let the answer's write-back commit before the next alert
    finally:
        for sink in svc.sinks:
            await sink.stop()
        await telegram.stop()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=100)
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ms = sorted(asyncio.run(measure(args.alerts, args.data_dir or Path(tmp))))
    print(f"{len(ms)} alerts: signal → sendMessage median {statistics.median(ms):.1f} ms, "
          f"p90 {ms[int(len(ms) * 0.9) - 1]:.1f} ms, worst {ms[-1]:.1f} ms")


if __name__ == "__main__":
    main()
