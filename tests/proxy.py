"""A loopback TCP proxy that can go silent: the socket stays open but no byte moves.

A camera that stops sending without closing its connection is the fault FFmpeg's own timeouts
handle worst; a proxy between FFmpeg and the test camera reproduces it on command.
"""

from __future__ import annotations

import asyncio
import contextlib


class SilenceableProxy:
    """Forward 127.0.0.1:<port> to an upstream port until told to go silent."""

    def __init__(self, upstream_port: int) -> None:
        """Describe the proxy; ``start`` opens it."""
        self.upstream_port = upstream_port
        self.port = 0
        self.connections = 0
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        """Listen on a free loopback port."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def silence(self) -> None:
        """Keep every connection open but forward nothing, either way."""
        self._flowing.clear()

    def resume(self) -> None:
        """Forward again."""
        self._flowing.set()

    def url(self, path: str = "/stream") -> str:
        """Return the RTSP URL through the proxy."""
        return f"rtsp://127.0.0.1:{self.port}{path}"

    async def stop(self) -> None:
        """Close the listener, every connection and every pump task."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.close()
            return
        self._writers.add(up_writer)
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.get_running_loop().create_task(self._pump(source, sink))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        """Copy bytes while flowing; while silent, read and drop them so nobody sees an error."""
        try:
            while data := await source.read(65536):
                if self._flowing.is_set():
                    sink.write(data)
                    await sink.drain()
        except ConnectionError, OSError:
            pass
        finally:
            with contextlib.suppress(ConnectionError, OSError, RuntimeError):
                sink.close()
            self._writers.discard(sink)
