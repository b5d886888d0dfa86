"""The last line against absurd prices, at the edge between the adapters and the engine.

A price passes the adapters when it is a finite positive number; that still lets 1e300 (or a
contract read at the wrong multiplier, 1,000× off) through, and one such price poisons the coin's
price for outcomes and stops.  :class:`PriceBand` refuses, as ``"bad price"``:

- anything outside the absolute bounds (a coin below 1e-12 USD or above 1e7 USD is not a market);
- anything more than ``BAND``× away from the coin's last accepted price, while the two are close
  in event time (``STALE_MS`` either way; further apart the market may truly have moved that far,
  and a wrong first price must not lock a coin out for good).

Only accepted prices move the reference, so a bad venue cannot drag it.  O(1) per event.  A
context event's mark price is held to the same rule (the caller drops the price, not the OI and
funding that came with it).
"""

from __future__ import annotations

from engine.model import Context, Event, Liquidation, Trade

MIN_PRICE = 1e-12
MAX_PRICE = 1e7
BAND = 10.0  # a coin does not move 10x between two prints a quarter of an hour apart
STALE_MS = 15 * 60_000


class PriceBand:
    def __init__(self) -> None:
        self._last: dict[str, tuple[float, int]] = {}  # coin -> (last accepted price, its event time)

    def accept(self, event: Event) -> bool:
        """True when ``event`` carries no price or a sane one (which becomes the reference)."""
        cls = event.__class__
        if cls is not Trade and cls is not Liquidation and (cls is not Context or event.price is None):  # type: ignore[union-attr]
            return True
        price = event.price  # type: ignore[union-attr]
        if not MIN_PRICE <= price <= MAX_PRICE:  # NaN fails both comparisons
            return False
        last = self._last.get(event.coin)
        if last is not None and abs(event.ts - last[1]) < STALE_MS:  # venues' clocks and REST lag differ
            ratio = price / last[0]
            if not 1.0 / BAND <= ratio <= BAND:
                return False
        self._last[event.coin] = (price, event.ts)
        return True
