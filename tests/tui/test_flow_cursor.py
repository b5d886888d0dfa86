"""The flow table's cursor stands for the coin the trader chose, not for a row number (issue 21,
item 1): the rows re-sort under it, coins leave the table, and ``d``, ``space``, ``m`` and Enter
act on that coin or on none, never on a neighbour."""

from __future__ import annotations

from builders import T0, trade
from textual.app import App, ComposeResult
from tui_harness import make_app, replayed

from engine.core import Engine
from engine.model import BUY, SELL
from engine.read_model import ReadModel
from engine.settings import Settings
from engine.snapshot import CoinSetting
from teleglas_tui.flow_table import FlowTable
from teleglas_tui.line_view import NO_ROW
from teleglas_tui.monitor_screen import MonitorScreen

SIZE = (160, 48)


class FlowHost(App):
    """The flow table alone, fed by a real engine the test gives trades to."""

    def __init__(self, limit: int = 40) -> None:
        super().__init__()
        self.engine = Engine(Settings())
        self.view = ReadModel(Settings())
        self.engine.path.emit_listeners.append(self.view.on_emitted)
        self.limit = limit
        self.t = 0.0

    def compose(self) -> ComposeResult:
        yield FlowTable(limit=self.limit, id="flow")

    def trade(self, coin: str, usd: float, side: str = BUY) -> None:
        self.t += 1
        event = trade(self.t, coin, side, usd)
        self.engine.process(event)
        self.view.on_event(event)

    def refresh_table(self, settings: list[CoinSetting] = ()) -> FlowTable:
        table = self.query_one(FlowTable)
        table.show(self.view.snapshot().coins, settings, T0)
        return table


def notes(app: App) -> list[str]:
    return [n.message for n in app._notifications]


class TestTheCursorFollowsItsCoin:
    async def test_a_coin_the_rows_re_sort_under_keeps_the_cursor(self):
        """The cursor on TURBO, TURBO trades less than two others: the cursor goes down with it."""
        app = FlowHost()
        async with app.run_test(size=SIZE) as pilot:
            for coin, usd in (("AAA", 3_000), ("TURBO", 2_000), ("BBB", 1_000)):
                app.trade(coin, usd)
            table = app.refresh_table()
            assert table.coins == ["AAA", "TURBO", "BBB"]
            table.focus()
            await pilot.press("down")
            assert table.selected_coin == "TURBO"
            app.trade("BBB", 5_000)
            app.trade("CCC", 9_000)
            app.refresh_table()
            assert table.coins == ["CCC", "BBB", "AAA", "TURBO"]
            assert table.selected_coin == "TURBO" and table.cursor_row == 3

    async def test_the_top_row_keeps_its_coin_when_another_overtakes_it(self):
        """The top row used to follow the ranking: a coin climbing to the top took the cursor."""
        app = FlowHost()
        async with app.run_test(size=SIZE):
            app.trade("AAA", 3_000)
            app.trade("BBB", 1_000)
            table = app.refresh_table()
            assert table.selected_coin == "AAA" and table.cursor_row == 0  # the start: the top row
            app.trade("BBB", 9_000)
            app.refresh_table()
            assert table.coins[0] == "BBB" and table.selected_coin == "AAA" and table.cursor_row == 1

    async def test_a_coin_leaving_the_table_takes_the_cursor_to_no_row(self):
        app = FlowHost(limit=2)
        async with app.run_test(size=SIZE) as pilot:
            for coin, usd in (("AAA", 3_000), ("BBB", 2_000), ("CCC", 1_000)):
                app.trade(coin, usd)
            table = app.refresh_table()
            table.focus()
            await pilot.press("down")
            assert table.selected_coin == "BBB"
            app.trade("CCC", 5_000)  # BBB is now the third most active: out of a two-row table
            app.refresh_table()
            assert table.coins == ["CCC", "AAA"] and table.selected_coin is None and table.cursor_row == NO_ROW
            app.trade("BBB", 20_000)  # back, and the cursor with it
            app.refresh_table()
            assert table.selected_coin == "BBB" and table.cursor_row == 0
            app.trade("AAA", 50_000)
            app.trade("CCC", 50_000)
            app.refresh_table()
            assert table.selected_coin is None
            await pilot.press("down")  # from no row, a cursor key picks the top row
            assert table.selected_coin == table.coins[0]

    async def test_the_sort_keys_re_sort_under_the_held_coin(self):
        """`o` through every order on the real app after a replay: the cursor stays on FET."""
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            table = app.screen.query_one(FlowTable)
            table.move_cursor(table.coins.index("FET"))
            rows = set()
            for _ in range(3):
                await pilot.press("o")
                rows.add(table.cursor_row)
                assert table.selected_coin == "FET" and table.coins[table.cursor_row] == "FET"
            assert len(rows) > 1  # FET did move


class TestCoinKeysActOnTheChosenCoin:
    async def test_d_twice_never_reaches_the_neighbour(self):
        """The issue's case: `d` on VELVET, VELVET left the table and the cursor landed on 0G;
        `d` again said `0G removed from the watchlist`. Here KDA is added, then removed: it falls
        out of a ten-row table, the cursor stands on no row, and `d`, `space`, `m` and Enter
        say so and change nothing."""
        settings = Settings()
        settings.ui.flow_max_rows = 10  # the eight watched coins and the two most active others
        app = make_app(settings=settings)
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            table = app.screen.query_one(FlowTable)
            await pilot.press("a", *"kda", "enter")
            await pilot.pause()
            table.move_cursor(table.coins.index("KDA"))
            await pilot.press("d")
            await pilot.pause()
            assert not app.service.coins.setting("KDA").watched and "KDA" not in table.coins
            assert table.selected_coin is None and table.cursor_row == NO_ROW
            before = app.service.coins.settings()
            for key in ("d", "space", "m", "enter"):
                await pilot.press(key)
                await pilot.pause()
                assert isinstance(app.screen, MonitorScreen)
            assert app.service.coins.settings() == before
            assert any("KDA is no longer in the table; ↑ ↓ choose a coin" in n for n in notes(app))
            assert not any("removed" in n and "KDA" not in n for n in notes(app))

    async def test_d_on_a_coin_not_watched_says_so_and_changes_nothing(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            table = app.screen.query_one(FlowTable)
            table.move_cursor(table.coins.index("FET"))
            before = app.service.coins.settings()
            await pilot.press("d")
            await pilot.pause()
            assert app.service.coins.settings() == before
            assert "FET is not on the watchlist: nothing to remove" in notes(app)

    async def test_adding_a_coin_already_watched_says_it_is_already_watched(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            await pilot.press("a", *"btc", "enter")
            await pilot.pause()
            assert "BTC is already on the watchlist" in notes(app)
            app.service.coins.set_alerts("ETH", False)
            await pilot.press("a", *"eth", "enter")
            await pilot.pause()
            assert "ETH is already on the watchlist (its alerts are off: space turns them on)" in notes(app)
            assert not app.service.coins.setting("ETH").alerts  # adding again turns nothing on

    async def test_space_and_m_act_on_the_coin_under_the_cursor_after_a_re_sort(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            table = app.screen.query_one(FlowTable)
            table.move_cursor(table.coins.index("ETH"))
            before = {s.coin: s for s in app.service.coins.settings()}
            await pilot.press("o", "o")  # sort by name: ETH moves
            await pilot.press("space")
            await pilot.pause()
            assert not app.service.coins.setting("ETH").alerts
            await pilot.press("m", "enter")  # 15 minutes
            await pilot.pause()
            assert app.service.coins.setting("ETH").muted_until_ms
            assert [s.coin for s in app.service.coins.settings() if s != before[s.coin]] == ["ETH"]
