"""Run an ASGI app factory under uvicorn, with one worker or several, and Nagle's algorithm off either way.

With `--workers N`, uvicorn 0.54 binds the listening socket itself without naming the protocol, so the accepted
sockets report protocol 0 and asyncio, which turns on TCP_NODELAY only for sockets that report TCP, leaves Nagle
on: each answer on a kept-alive connection then waits for the client's delayed ACK, about 40 ms on Linux
(measured: 0.5 ms per sequential request with one worker, 44 ms with two; upstream issue Kludex/uvicorn#3149).
A single worker is not affected (asyncio binds from getaddrinfo, which names TCP). So the listener is rebound
here with the protocol named, and every worker's connections get TCP_NODELAY.
"""

import socket
import sys

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess


class TcpConfig(uvicorn.Config):
    """uvicorn's configuration, whose shared listening socket says it is TCP."""

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.proto == socket.IPPROTO_TCP:
            return sock
        # The same open socket under a new object that names the protocol; accepted sockets inherit it.
        tcp = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
        tcp.set_inheritable(True)
        return tcp


def run(
    app: str, *, host: str, port: int, workers: int, log_level: str, timeout_graceful_shutdown: int | None = None
) -> None:
    """Serve `app` (a `module:factory` path) until interrupted; what `uvicorn.run` does for these options."""
    config = TcpConfig(
        app,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        timeout_graceful_shutdown=timeout_graceful_shutdown,
    )
    server = uvicorn.Server(config)
    try:
        if config.workers > 1:
            Multiprocess(config, sockets=[config.bind_socket()]).run()
        else:
            server.run()
    except KeyboardInterrupt:
        pass
    if config.workers == 1 and not server.started:
        sys.exit(STARTUP_FAILURE)
