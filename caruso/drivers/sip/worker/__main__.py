"""Entry point of a media worker process: connect to the supervisor's socket, serve requests.

The worker exits (after hanging up its calls) when the link to Caruso closes: the supervisor restarts it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from typing import Any

from caruso.drivers.sip.protocol import Decoder, Event, ProtocolError, Reply, Request, encode
from caruso.drivers.sip.worker.endpoint import EndpointSettings, create_endpoint, handle_events_for, pump
from caruso.drivers.sip.worker.service import OPS, OpError, WorkerService

log = logging.getLogger("caruso.sip.worker")


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="caruso-sip-worker")
    p.add_argument("--socket", required=True, help="the supervisor's Unix socket")
    p.add_argument("--name", required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--sip-port", type=int, required=True)
    p.add_argument("--rtp-port", type=int, required=True)
    p.add_argument("--max-calls", type=int, default=4)
    p.add_argument("--proxy", default="", help="host:port of the front SIP server for outgoing calls")
    p.add_argument("--transports", default="udp,tcp")
    p.add_argument("--pj-log-level", type=int, default=1)
    return p.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    settings = EndpointSettings(host=args.host, sip_port=args.sip_port, rtp_port=args.rtp_port,
                                max_calls=args.max_calls, transports=tuple(args.transports.split(",")),
                                log_level=args.pj_log_level)
    reader, writer = await asyncio.open_unix_connection(args.socket)

    def emit(message: Event | Reply) -> None:
        if not writer.is_closing():
            writer.write(encode(message))

    ep = create_endpoint(settings)
    service = WorkerService(args.name, settings, args.proxy, emit)
    pump_task = asyncio.create_task(pump(ep, lambda: bool(service.calls)), name="pjsua2-pump")
    requests: set[asyncio.Task[Any]] = set()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    async def run(request: Request) -> None:
        method = OPS.get(request.op)
        try:
            if method is None:
                raise OpError(f"unknown operation {request.op!r}")
            result = await getattr(service, method)(request.args)
            emit(Reply(request.id, True, result))
        except OpError as exc:
            emit(Reply(request.id, False, error=str(exc)))
        except Exception as exc:
            detail = exc.info() if hasattr(exc, "info") else str(exc)
            log.error("operation %s failed: %s", request.op, detail)
            emit(Reply(request.id, False, error=f"{type(exc).__name__}: {detail}"))

    async def read() -> None:
        decoder = Decoder()
        while data := await reader.read(65536):
            decoder.feed(data)
            for message in decoder.messages():
                if isinstance(message, Request):
                    task = asyncio.create_task(run(message))
                    requests.add(task)
                    task.add_done_callback(requests.discard)

    emit(Event("hello", "", {"name": args.name, "sip_port": args.sip_port, **service.capacity()}))
    reader_task = asyncio.create_task(read(), name="ipc-read")
    stopper = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({reader_task, stopper, pump_task}, return_when=asyncio.FIRST_COMPLETED)
        for task in (reader_task, pump_task):
            if task.done() and not task.cancelled() and task.exception() is not None:
                log.error("worker stopping: %r", task.exception())
    finally:
        stopper.cancel()
        reader_task.cancel()
        for task in requests:
            task.cancel()
        pump_task.cancel()
        with contextlib.suppress(asyncio.CancelledError, ProtocolError, OSError):
            await asyncio.gather(reader_task, pump_task, *requests, return_exceptions=True)
        _destroy(ep, service)
        writer.close()


def _destroy(ep: Any, service: WorkerService) -> None:
    """Hang up, let pjsua2 finish, drop every media object, then destroy the library."""
    ep.hangupAllCalls()
    handle_events_for(ep, 30)
    service.shutdown()
    service.calls.clear()
    handle_events_for(ep, 5)
    service.account.shutdown()
    del service.account
    ep.libDestroy()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s {args.name} %(levelname)s %(message)s")
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
