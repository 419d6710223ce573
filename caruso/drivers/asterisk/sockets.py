"""TCP keep-alive on the AMI and FastAGI sockets: a silent peer (Asterisk host gone, network cut) is noticed
by the kernel within about a minute even when no command is in flight (a call waiting in a queue sends
nothing on its AGI socket for minutes)."""

from __future__ import annotations

import asyncio
import socket

KEEPALIVE_IDLE = 30      # seconds of silence before the first probe
KEEPALIVE_INTERVAL = 10
KEEPALIVE_PROBES = 3


def keep_alive(stream: asyncio.StreamWriter | asyncio.BaseTransport) -> None:
    sock = stream.get_extra_info("socket")
    if sock is None:
        return
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for name, value in (("TCP_KEEPIDLE", KEEPALIVE_IDLE), ("TCP_KEEPINTVL", KEEPALIVE_INTERVAL),
                        ("TCP_KEEPCNT", KEEPALIVE_PROBES)):
        option = getattr(socket, name, None)
        if option is not None:                     # Linux names; other systems keep their defaults
            sock.setsockopt(socket.IPPROTO_TCP, option, value)
