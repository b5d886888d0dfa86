"""Which contract stands for a coin on a venue.

A venue may list a coin under a multiplier name (``1000PEPEUSDT``) or list both a plain and a
multiplier contract.  Subscriptions and context use one contract per coin: the USDT perpetual the
venue's own listing shows, the plain one when both exist.  The listing arrives in REST bodies that
the recorder keeps, so replay learns the same choice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from engine.symbols import canonical


class PerpetualMap:
    def __init__(self, default: Callable[[str], str]) -> None:
        self._default = default  # the venue's usual spelling, until a listing says otherwise
        self._by_coin: dict[str, tuple[float, str]] = {}

    def learn(self, names: Iterable[str]) -> None:
        """Note the USDT perpetuals of one listing (plain contracts win over multipliers)."""
        for name in names:
            coin, divisor = canonical(name)
            if not coin:
                continue
            known = self._by_coin.get(coin)
            if known is None or divisor < known[0]:
                self._by_coin[coin] = (divisor, name)

    def __len__(self) -> int:
        return len(self._by_coin)

    def listed(self, coin: str) -> bool:
        """True when a listing showed the coin, or when no listing arrived yet (try it anyway)."""
        return not self._by_coin or coin in self._by_coin

    def coins(self) -> list[str]:
        return sorted(self._by_coin)

    def listed_instruments(self, coins: list[str]) -> list[str]:
        """The contracts of those ``coins`` the listing shows (all of them, under the usual
        spelling, until a listing arrived)."""
        return [self.instrument(coin) for coin in coins if self.listed(coin)]

    def instrument(self, coin: str) -> str:
        known = self._by_coin.get(coin)
        return known[1] if known is not None else self._default(coin)

    def known(self, coin: str) -> str | None:
        """The coin's contract as the venue's listing names it, None until a listing showed it
        (a guessed name can be acknowledged and never send: Binance ``pepeusdt@aggTrade``)."""
        known = self._by_coin.get(coin)
        return known[1] if known is not None else None

    def is_primary(self, name: str) -> bool:
        coin, _ = canonical(name)
        return self.instrument(coin) == name
