#!/usr/bin/python3
"""A test-only HTTP/1.1 server on loopback whose delays are known exactly.

Every response takes DELAY seconds. Once per run, STALL_AFTER seconds after
the first request, the whole server stalls for STALL seconds: a request in
progress when the stall begins finishes its remaining time after the stall,
and a request that arrives during it is served only after the stall, taking
DELAY from then on. On SIGTERM the server writes its own record of every
request (arrival and response times, monotonic seconds) as JSON and exits.

Usage: stall_server.py PORT_FILE RECORD_FILE [DELAY STALL_AFTER STALL]
"""
import asyncio
import json
import signal
import sys
import time

port_file, record_file = sys.argv[1], sys.argv[2]
DELAY = float(sys.argv[3]) if len(sys.argv) > 3 else 0.050
STALL_AFTER = float(sys.argv[4]) if len(sys.argv) > 4 else 3.0
STALL = float(sys.argv[5]) if len(sys.argv) > 5 else 2.0

first = None
record = []  # [arrival, response] per request, monotonic seconds


def due_time(arrival):
    """When the response to a request that arrived at `arrival` goes out."""
    stall_start = first + STALL_AFTER
    stall_end = stall_start + STALL
    if stall_start <= arrival < stall_end:
        return stall_end + DELAY
    due = arrival + DELAY
    if arrival < stall_start < due:
        return due + STALL
    return due


async def handle(reader, writer):
    global first
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            arrival = time.monotonic()
            if first is None:
                first = arrival
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if length:
                await reader.readexactly(length)
            wait = due_time(arrival) - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()
            record.append([arrival, time.monotonic()])
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.sockets[0].getsockname()[1]))
    import os
    os.rename(port_file + ".tmp", port_file)
    await stop
    server.close()
    with open(record_file, "w") as f:
        json.dump({"delay": DELAY, "stall_after": STALL_AFTER, "stall": STALL,
                   "first": first, "requests": record}, f)


asyncio.run(main())
