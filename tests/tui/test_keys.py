"""Every key does what its label says (Pilot key presses on the real app after a full replay)."""

from __future__ import annotations

import io
import time

from rich.console import Console

from textual.command import CommandList, CommandPalette
from textual.widgets import Input, Label
from tui_harness import ProbeSink, feeds_down, make_app, no_network_app, replayed, until

from engine import format as fmt
from teleglas_tui.choice_screen import ChoiceScreen
from teleglas_tui.coin_detail_screen import CoinDetailScreen
from teleglas_tui.flow_table import FlowTable
from teleglas_tui.header_status import HeaderStatus
from teleglas_tui.help_screen import HelpScreen
from teleglas_tui.liquidation_tape import LiquidationTape, keep
from teleglas_tui.monitor_screen import MonitorScreen
from teleglas_tui.prompt_screen import PromptScreen
from teleglas_tui.signal_detail_screen import SignalDetailScreen, signal_text
from teleglas_tui.signal_feed import SignalFeed
from teleglas_tui.statistics_screen import StatisticsScreen

SIZE = (160, 48)


def screen_text(renderable, width: int = 96) -> str:
    """What a Rich renderable reads as, drawn ``width`` cells wide."""
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def row_texts(view) -> list[str]:
    return ["".join(t for t, _ in view.row_at(i)) for i in range(len(view.rows))]


class TestFlowTableKeys:
    async def test_enter_opens_the_coin_detail_and_escape_returns(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            table = app.screen.query_one(FlowTable)
            coin = table.selected_coin
            await pilot.press("enter")
            assert isinstance(app.screen, CoinDetailScreen) and app.screen.coin == coin
            await pilot.press("escape")
            assert isinstance(app.screen, MonitorScreen)

    async def test_o_cycles_the_sort_order(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            table = app.screen.query_one(FlowTable)
            seen = [table.sort_by]
            for _ in range(3):
                await pilot.press("o")
                seen.append(table.sort_by)
            assert seen == ["activity", "delta", "coin", "activity"]
            assert "sort activity" in str(table.border_title)

    async def test_slash_filters_the_coins(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            table = app.screen.query_one(FlowTable)
            await pilot.press("slash", *"fet", "enter")
            assert table.text_filter == "FET"
            assert table.coins == ["FET"]
            await pilot.press("slash", *["backspace"] * 3, "enter")
            assert table.text_filter == "" and table.row_count > 1

    async def test_a_adds_a_coin_with_completion_from_discovered_coins(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            assert not app.service.coins.setting("SNX").watched  # discovered by the replay
            await pilot.press("a", "s", "n", "right", "enter")  # right accepts the suggestion
            assert app.service.coins.setting("SNX").watched
            assert "SNX" in app.screen.query_one(FlowTable).settings

    async def test_escape_cancels_adding(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            before = app.service.coins.watched()
            await pilot.press("a", *"ada", "escape")
            assert app.service.coins.watched() == before and isinstance(app.screen, MonitorScreen)

    async def test_tab_completes_as_the_prompt_says(self):
        """`pe`, Tab, Enter added a coin called PE: Tab now takes the suggestion shown."""
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            await pilot.press("a", "s", "n", "tab", "enter")
            assert app.service.coins.setting("SNX").watched and isinstance(app.screen, MonitorScreen)

    async def test_a_coin_typed_as_an_instrument_adds_the_coin_once(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            await pilot.press("a", *"btc usdt", "enter")
            await pilot.pause()
            assert isinstance(app.screen, MonitorScreen) and "BTC USDT" not in app.service.coins.known()
            assert app.screen.query_one(FlowTable).coins.count("BTC") == 1

    async def test_text_that_names_no_listed_coin_is_refused_and_the_prompt_says_why(self):
        """"-", "PERP", emoji, 200 x X and a coin no venue lists and the market never showed:
        the prompt stays open with the reason, Escape leaves, nothing is added."""
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            before = app.service.coins.settings()
            for typed, reason in (("-", "names no coin"), ("perp", "names no coin"),
                                  ("🚀🚀moon", "letters and digits"), ("x" * 200, "letters and digits"),
                                  ("zzzq", "no venue lists it")):
                await pilot.press("a")
                prompt = app.screen
                prompt.query_one(Input).value = typed
                await pilot.press("enter")
                assert app.screen is prompt and reason in str(prompt.query_one(Label).render())
                await pilot.press("escape")
            assert app.service.coins.settings() == before and "" not in app.screen.query_one(FlowTable).settings

    async def test_d_removes_the_selected_coin_from_the_watchlist(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            coin = app.screen.query_one(FlowTable).selected_coin
            assert app.service.coins.setting(coin).watched
            await pilot.press("d")
            assert not app.service.coins.setting(coin).watched

    async def test_space_toggles_the_selected_coins_alerts(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            coin = app.screen.query_one(FlowTable).selected_coin
            await pilot.press("space")
            assert not app.service.coins.setting(coin).alerts
            await pilot.press("space")
            assert app.service.coins.setting(coin).alerts

    async def test_m_mutes_for_the_chosen_duration_and_unmutes(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            coin = app.screen.query_one(FlowTable).selected_coin
            before = int(time.time() * 1000)
            await pilot.press("m", "down", "enter")  # the second choice: 1 hour
            until = app.service.coins.setting(coin).muted_until_ms
            assert before + 3_600_000 <= until <= int(time.time() * 1000) + 3_600_000  # mutes are wall clock
            await pilot.press("m", *["down"] * 4, "enter")  # Unmute
            assert app.service.coins.setting(coin).muted_until_ms is None


class TestTapeKeys:
    async def test_p_pauses_the_tape_and_resumes_with_what_came_meanwhile(self):
        app = make_app(speed=1.0)  # real pace: the tape keeps moving while the test looks
        async with app.run_test(size=SIZE) as pilot:
            tape = app.screen.query_one(LiquidationTape)
            tape.focus()
            await pilot.pause(0.3)
            await pilot.press("p")
            assert tape.paused and "PAUSED" in str(tape.border_title)
            frozen = row_texts(tape)
            await until(pilot, lambda: tape._waiting > 0)
            assert row_texts(tape) == frozen
            await pilot.press("p")
            await until(pilot, lambda: row_texts(tape) != frozen)
            assert not tape.paused

    async def test_paused_leads_the_title_so_a_size_filter_never_hides_it(self):
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await replayed(pilot)
            tape = app.screen.query_one(LiquidationTape)
            tape.focus()
            await pilot.press("f", "f", "p")
            assert str(tape.border_title).startswith("PAUSED +0 · Tape") and "≥ $50.0k" in str(tape.border_title)

    async def test_l_shows_liquidations_only(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            tape = app.screen.query_one(LiquidationTape)
            tape.focus()
            assert any(" SELL " in r or " BUY " in r for r in row_texts(tape))
            await pilot.press("l")
            assert tape.rows and all(" liq " in r for r in row_texts(tape))
            await pilot.press("l")
            assert any(" SELL " in r for r in row_texts(tape))

    async def test_f_raises_the_minimum_size_in_steps_and_wraps_around(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            tape = app.screen.query_one(LiquidationTape)
            tape.focus()
            all_rows = len(tape.rows)
            await pilot.press("f")
            assert tape.min_usd == 10_000 and f"≥ {fmt.usd(10_000)}" in str(tape.border_title)
            assert 0 < len(tape.rows) < all_rows
            assert len(tape.rows) == sum(keep(i, 10_000, False) for i in tape._tape)
            await pilot.press(*["f"] * 5)
            assert tape.min_usd == 0 and len(tape.rows) == all_rows


class TestAppKeys:
    async def test_enter_on_a_signal_shows_its_detail_and_c_copies_it(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            feed = app.screen.query_one(SignalFeed)
            feed.focus()
            await pilot.press("enter")
            assert isinstance(app.screen, SignalDetailScreen) and app.screen.signal is feed.shown[0]
            text = str(app.screen.query_one("#signal-text").render())
            assert "Levels: from" in text and "Outcome" in text and "Telegram: " in text and "<b>" not in text
            await pilot.press("c")
            assert app.clipboard == signal_text(feed.shown[0], app.settings.outcomes.horizon_s)
            await pilot.press("escape")
            assert isinstance(app.screen, MonitorScreen)

    async def test_s_shows_statistics_and_escape_returns(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            await pilot.press("s")
            assert isinstance(app.screen, StatisticsScreen)
            await pilot.press("escape")
            assert isinstance(app.screen, MonitorScreen)

    async def test_t_cycles_the_three_themes(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            seen = [app.theme]
            for _ in range(3):
                await pilot.press("t")
                await pilot.pause(0.35)  # presses closer together are applied when they settle
                seen.append(app.theme)
            assert seen == ["teleglas-dark", "teleglas-light", "teleglas-high-contrast", "teleglas-dark"]

    async def test_question_mark_opens_help_with_every_pane_key(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            shown = screen_text(app.screen.query_one("#help-text").content)
            for label in ("Add", "Mute", "Pause tape", "Liqs only", "Pause all", "Theme", "Signal detail",
                          "Copy text", "next pane", "command palette", "Esc", "ctrl+p"):
                assert label in shown
            await pilot.press("escape")
            assert isinstance(app.screen, MonitorScreen)

    async def test_shift_p_pauses_and_resumes_all_alerts(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            feed = app.screen.query_one(SignalFeed)
            before = row_texts(feed)
            await pilot.press("P")
            assert app.service.paused
            app.screen.refresh_panes()
            assert row_texts(feed) == before  # a pause rewrites no signal already decided
            await pilot.press("P")
            assert not app.service.paused

    async def test_the_command_palette_offers_the_pane_keys(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            commands = {c.title for c in app.get_system_commands(app.screen)}
            assert {"Add", "Remove", "Mute", "Stats", "Theme", "Pause all", "Quit"} <= commands
            await pilot.press("ctrl+p")
            assert isinstance(app.screen, CommandPalette)

    async def test_the_command_palette_offers_each_command_once(self):
        """Quit stood there three times (q, ctrl+q, Textual's) and Theme twice."""
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            titles = [c.title for c in app.get_system_commands(app.screen)]
            assert len(titles) == len(set(titles)) and titles.count("Theme") == 1

    async def test_a_hundred_theme_presses_leave_one_toast(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(*["t"] * 100)
            await pilot.pause(0.4)
            assert len(app._notifications) == 1 and app.theme == "teleglas-light"  # 100 = 33 rounds + 1

    async def test_panes_keep_moving_under_a_prompt(self):
        """The header clock and the panes froze while `/`, `a` or ctrl+p were open."""
        app = make_app(speed=1.0)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause(0.3)
            header = app.screen.query_one(HeaderStatus)
            await pilot.press("a")
            shown = header._rows
            await until(pilot, lambda: header._rows != shown)
            assert not isinstance(app.screen, MonitorScreen)

    async def test_q_stops_the_service_then_exits(self):
        probe = ProbeSink()
        app = make_app(speed=1.0, sinks=[probe])
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause(0.2)
            await pilot.press("q")
            await until(pilot, lambda: probe.stopped)
        assert app.return_code == 0 and probe.stopped




async def test_every_key_is_harmless_on_an_empty_live_screen():
    """A first start with no watchlist and no network: nothing to select, no data, feeds down.
    Every key of every pane and screen does nothing or opens its screen, and nothing breaks."""
    app, probe = no_network_app(watchlist=[])
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: probe.started)
        for keys in (["enter", "d", "space", "m", "escape", "o", "a", "escape", "slash", "escape"],
                     ["tab", "p", "l", "f", "enter", "tab", "enter", "tab"],
                     ["s", "t", "escape", "P", "P", "question_mark", "escape"]):
            await pilot.press(*keys)
            await pilot.pause()
            assert isinstance(app.screen, MonitorScreen) and app.is_running
        assert app.service.coins.watched() == [] and app.screen.query_one(FlowTable).row_count == 0
        await pilot.press("q")
        await until(pilot, lambda: probe.stopped)
    assert app.return_code == 0


class TestNoKeySilentlyDoesNothing:
    """Issue 21, item 2: the coin keys worked only while the flow table had the focus, so after
    Esc from a signal's detail `a` did nothing, and `/` typed on the tape did nothing while the
    `s` of "usd" opened Statistics."""

    async def test_after_escape_from_a_signal_detail_a_opens_the_add_prompt(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            await pilot.press("tab", "tab", "enter")
            assert isinstance(app.screen, SignalDetailScreen)
            await pilot.press("escape", "a")
            assert isinstance(app.screen, PromptScreen) and "Add a coin" in str(app.screen.query_one(Label).render())

    async def test_the_coin_keys_act_on_the_flow_tables_coin_from_every_pane(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            table = app.screen.query_one(FlowTable)
            table.move_cursor(table.coins.index("ETH"))
            for pane in (LiquidationTape, SignalFeed):
                app.screen.query_one(pane).focus()
                await pilot.press("space")
                await pilot.pause()
                assert not app.service.coins.setting("ETH").alerts, pane
                await pilot.press("space", "m")
                assert isinstance(app.screen, ChoiceScreen) and "Mute ETH" in app.screen.query_one("OptionList").border_title
                await pilot.press("escape")
            assert app.service.coins.setting("ETH").alerts

    async def test_slash_on_the_tape_opens_the_filter_and_the_table_follows_the_typing(self):
        """`usd` typed after `/` filters as it is typed (the `s` goes to the filter, Statistics
        stays shut), Enter keeps it, `/` then Esc puts it back as it was."""
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            table = app.screen.query_one(FlowTable)
            app.screen.query_one(LiquidationTape).focus()
            await pilot.press("slash", *"mel")
            await pilot.pause()
            assert isinstance(app.screen, PromptScreen) and table.coins == ["MELANIA"]
            assert "filter MEL" in str(table.border_title)
            await pilot.press("enter", "slash", *["backspace"] * 3, *"s", "escape")
            await pilot.pause()
            assert isinstance(app.screen, MonitorScreen) and table.text_filter == "MEL"
            await pilot.press("slash", *["backspace"] * 3, "enter")
            assert table.text_filter == "" and table.row_count > 1

    async def test_the_coin_keys_on_a_coin_detail_act_on_its_coin(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            table = app.screen.query_one(FlowTable)
            table.move_cursor(table.coins.index("FET"))
            await pilot.press("enter")
            assert isinstance(app.screen, CoinDetailScreen)
            await pilot.press("a")
            await pilot.pause()
            assert app.service.coins.setting("FET").watched
            await pilot.press("space")
            await pilot.pause()
            assert not app.service.coins.setting("FET").alerts
            await pilot.press("d")
            await pilot.pause()
            assert not app.service.coins.setting("FET").watched and isinstance(app.screen, CoinDetailScreen)


class TestCommandPalette:
    async def test_every_command_is_offered_once_whichever_pane_has_the_focus(self):
        """With the tape focused, typing `add` found nothing."""
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            offered = []
            for pane in (FlowTable, LiquidationTape, SignalFeed):
                app.screen.query_one(pane).focus()
                await pilot.pause()
                titles = [c.title for c in app.get_system_commands(app.screen)]
                assert len(titles) == len(set(titles))
                offered.append(set(titles))
            assert offered[0] == offered[1] == offered[2]
            assert {"Add", "Remove", "Alerts", "Mute", "Sort", "Filter", "Detail", "Signal detail", "Pause tape",
                    "Liqs only", "Min size", "Stats", "Theme", "Pause all", "Help", "Quit", "Screenshot"} <= offered[0]

    async def test_typing_add_with_the_tape_focused_finds_add_and_runs_it(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            app.screen.query_one(LiquidationTape).focus()
            await pilot.press("ctrl+p", *"add")
            palette = app.screen
            assert isinstance(palette, CommandPalette)
            found = palette.query_one(CommandList)
            await until(pilot, lambda: found.option_count > 0)
            assert "Add" in str(found.get_option_at_index(0).prompt)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, PromptScreen))

    async def test_screenshot_saves_where_its_notice_says(self, tmp_path):
        """Textual's own saved to a Downloads folder a server has not got: "Failed to save"."""
        app = make_app(tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await replayed(pilot)
            await pilot.press("ctrl+p", *"screenshot")
            await until(pilot, lambda: app.screen.query_one(CommandList).option_count > 0)
            await pilot.press("enter")
            await until(pilot, lambda: list((tmp_path / "screenshots").glob("*.svg")))
            saved = next((tmp_path / "screenshots").glob("*.svg"))
            assert "<svg" in saved.read_text() and f"screenshot saved to {saved}" in [
                n.message for n in app._notifications]


async def test_live_with_no_network_says_what_it_waits_for_and_the_clock_runs():
    """Tape and signals stayed blank, the header had no clock."""
    app, probe = no_network_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await feeds_down(pilot)
        tape = app.screen.query_one(LiquidationTape)
        waiting = ["".join(t for t, _ in row) for row in tape.empty]
        assert waiting[0] == "waiting for the feeds" and not tape.rows
        named = " ".join(waiting)
        assert waiting[1].startswith("down") and all(f.name in named for f in app.service.snapshot().feeds)
        assert any("connection refused" in w for w in waiting) and waiting[-1].startswith("each feed keeps retrying")
        assert all(len(w) <= tape.scrollable_content_region.width for w in waiting)  # wrapped, none cut
        feed = app.screen.query_one(SignalFeed)
        assert ["".join(t for t, _ in row) for row in feed.empty] == ["no signals yet", "waiting for the feeds"]
        top = "".join(t for t, _ in app.screen.query_one(HeaderStatus)._rows[0])
        assert top.startswith(" LIVE  23:58:20 UTC ")  # the (frozen) wall clock: nothing has come to give an event time


class TestSignalsPane:
    async def test_a_new_replay_pass_keeps_the_last_pass_signals_until_it_makes_them_again(self):
        """The demo's signals pane emptied at every loop. The service starts a pass over as its
        loop does (a fresh engine): the pane keeps the FET stop hunt of the pass before."""
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            feed = app.screen.query_one(SignalFeed)
            before = [s.id for s in feed.shown]
            assert before and app.service.view.signals
            app.service._restart()
            app.screen.refresh_panes()
            assert not app.service.view.signals and [s.id for s in feed.shown] == before
            assert "no signals yet" not in row_texts(feed)

    async def test_c_says_where_the_text_went(self):
        """`c` said "copied" though tmux (default set-clipboard external) had dropped it."""
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await replayed(pilot)
            app.screen.query_one(SignalFeed).focus()
            await pilot.press("enter", "c")
            assert [n.message for n in app._notifications] == [
                "signal text sent to the terminal's clipboard (in tmux: set-clipboard on)"]
