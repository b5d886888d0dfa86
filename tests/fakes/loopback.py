"""What every fake venue shares: a WebSocket server and a REST app on 127.0.0.1 (ports picked by
the OS), the connections it keeps, and the ways a test makes it misbehave (drop every connection).

A venue subclass says what its socket answers (:meth:`LoopbackVenue.on_text`) and which REST
paths it serves (:meth:`LoopbackVenue.routes`, POSTs in :meth:`LoopbackVenue.post_routes`); tests
use it as ``async with FakeX() as fake``.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterable
from http import HTTPStatus

from aiohttp import web
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response


class LoopbackVenue:
    feed = ""  # the teleglas feed this venue stands in for (``feeds.<feed>`` in the settings)
    ws_path = "/"
    base_path = ""  # the part of ws_path the client's ws_url already carries (default: all of it)

    def __init__(self) -> None:
        self.connections = 0
        self.clients: list[ServerConnection] = []  # open ones, in connection order
        self.received: list[str] = []
        self.rest_requests: list[str] = []
        self.ws_url = ""
        self.rest_url = ""
        self._ws: Server | None = None
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        self._ws = await serve(self._serve, "127.0.0.1", 0, process_request=self.check_request, ping_interval=None)
        port = self._ws.sockets[0].getsockname()[1]
        self.ws_url = f"ws://127.0.0.1:{port}{self.base_path or self.ws_path}"
        app = web.Application()
        for path, handler in self.routes().items():
            app.router.add_get(path, handler)
        for path, handler in self.post_routes().items():
            app.router.add_post(path, handler)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.rest_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._ws is not None:
            self._ws.close()
            await self._ws.wait_closed()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self):
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def routes(self) -> dict:
        """REST path → aiohttp handler."""
        return {}

    def post_routes(self) -> dict:
        """REST path → aiohttp handler of a POST (Hyperliquid's ``/info``)."""
        return {}

    def check_request(self, connection: ServerConnection, request: Request) -> Response | None:
        """The WebSocket handshake: None lets it through, a response refuses it."""
        if request.path.split("?")[0] != self.ws_path:
            return connection.respond(HTTPStatus.NOT_FOUND, "not found\n")
        return None

    async def _serve(self, ws: ServerConnection) -> None:
        self.connections += 1
        self.clients.append(ws)
        try:
            await self.on_open(ws)
            async for message in ws:
                self.received.append(message)  # type: ignore[arg-type]
                await self.on_text(ws, message)  # type: ignore[arg-type]
        except ConnectionClosed:
            pass
        finally:
            self.clients.remove(ws)

    async def on_open(self, ws: ServerConnection) -> None:
        pass

    async def on_text(self, ws: ServerConnection, text: str) -> None:
        raise NotImplementedError

    async def push(self, frame: str) -> None:
        """Send a frame to every connected client."""
        await self.send(self.clients, frame)

    @staticmethod
    async def send(clients: Iterable[ServerConnection], frame: str) -> None:
        for ws in list(clients):
            try:
                await ws.send(frame)
            except ConnectionClosed:
                pass

    async def drop(self) -> None:
        """Close every connection abruptly (no close handshake), as a crashed peer would."""
        for ws in list(self.clients):
            ws.transport.abort()


async def wait_for(condition, timeout: float = 5.0, step: float = 0.01) -> None:
    """Poll ``condition`` until true; fail the test after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(step)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then let go): connections are refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
