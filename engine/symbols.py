"""Canonical coins across venues.

Every venue spells an instrument its own way (``BTC-USDT-SWAP``, ``BTCUSDT_UMCBL``, ``BTC_USDT``,
``BTCUSD_PERP``); the engine keys everything by the base coin (``BTC``) and shows the canonical
symbol ``BTCUSDT``.  Multiplier contracts (``1000PEPEUSDT``, ``SHIB1000USDT``, ``1000000MOGUSDT``,
``kPEPE``) map to the base coin; their price is divided by the multiplier, their USD size is
unchanged.  A USDC- or USD-margined perpetual is its coin (``SOLUSDC``, ``SOL-USDC-SWAP``,
``BTCPERP``, ``BTCUSD_PERP`` and ``XRPUSD`` are SOL, BTC, XRP): watching SOL sees every SOL
contract's liquidations.  Coins whose own name ends like a quote (``TUSD``, ``USDC``) keep it.  A venue's instrument list, when the feed has one, names the base of each contract
(:func:`split_multiplier` reads it); :func:`canonical` is the fallback from the name alone.
"""

from __future__ import annotations

from functools import lru_cache

_QUOTES = ("USDT", "USDC", "USD", "BUSD", "FDUSD")
# Coins whose own name ends like a quote: never cut (TUSD is TrueUSD, not T; USDC is a coin too).
_QUOTE_NAMED = frozenset({"USDC", "USDT", "BUSD", "TUSD", "FDUSD", "PYUSD", "LUSD", "SUSD", "GUSD", "CUSD", "DUSD",
                          "ZUSD", "OUSD", "MUSD", "AUSD", "EUSD", "RLUSD", "CRVUSD", "BFUSD", "LISUSD", "USDD"})
_SUFFIXES = ("-SWAP", "_UMCBL", "_DMCBL", "_PERP", "-PERP", "PERP")
# Longest first: "1000000MOG" is not "1000" of "000MOG".
_MULTIPLIERS = (("10000000", 10_000_000), ("1000000", 1_000_000), ("100000", 100_000), ("10000", 10_000),
                ("1000", 1_000), ("1M", 1_000_000))
# POL replaced MATIC; both names mean one coin for tiers and aggregation.  BitMEX (and Kraken) write
# bitcoin XBT.
_ALIASES = {"MATIC": "POL", "XBT": "BTC"}


@lru_cache(maxsize=65536)
def canonical(instrument: str) -> tuple[str, float]:
    """Return ``(coin, price_divisor)`` for a venue's instrument or base-asset name.

    >>> canonical("BTC-USDT-SWAP")
    ('BTC', 1.0)
    >>> canonical("1000PEPEUSDT")
    ('PEPE', 1000.0)
    >>> canonical("kPEPE")
    ('PEPE', 1000.0)
    """
    name = instrument.strip()
    if name.startswith("k") and len(name) > 1 and name[1:].isupper():
        # Hyperliquid's kPEPE: thousand-unit contract; the only lowercase prefix in use.
        name, divisor = name[1:], 1000.0
    else:
        divisor = 1.0
    name = name.upper()
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    name = name.replace("-", "").replace("_", "").replace("/", "")
    # Dated futures (BTCUSD_200925 → BTCUSD200925): drop a trailing six-digit expiry.
    if len(name) > 6 and name[-6:].isdigit():
        name = name[:-6]
    if name not in _QUOTE_NAMED:
        for quote in _QUOTES:
            if name.endswith(quote) and len(name) > len(quote):
                name = name[: -len(quote)]
                # A USDC-margined contract under a USDT name (ZECUSDCUSDT: CoinGlass-style names built
                # from the base asset "ZECUSDC") is its coin too; "USDCUSDT" stays USDC.
                if quote == "USDT" and name.endswith("USDC") and len(name) >= 6 and name not in _QUOTE_NAMED:
                    name = name[:-4]
                break
    coin, mult = split_multiplier(name)
    return coin, divisor * mult


def split_multiplier(base: str) -> tuple[str, float]:
    """``(coin, multiplier)`` of a contract's base name: ``1000PEPE`` → ``("PEPE", 1000.0)``,
    ``SHIB1000`` (Bybit puts it after the coin) → ``("SHIB", 1000.0)``, ``BTC`` → ``("BTC", 1.0)``.
    A suffix counts only after at least two letters, so ``A8`` or ``X1000`` stay as they are."""
    name = base.upper()
    for digits, mult in _MULTIPLIERS:
        rest = name[len(digits) :]
        if name.startswith(digits) and rest and not rest.isdigit():
            return _ALIASES.get(rest, rest), float(mult)
    for digits, mult in _MULTIPLIERS:
        rest = name[: -len(digits)]
        if digits.isdigit() and name.endswith(digits) and len(rest) >= 2 and rest.isalpha():
            return _ALIASES.get(rest, rest), float(mult)
    return _ALIASES.get(name, name), 1.0


def canonical_symbol(coin: str) -> str:
    """The one symbol the UI and alerts show for a coin."""
    return f"{coin}USDT"
