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
import json
import os
import signal
import socket
import sys
import threading
import time

port_file, record_file = sys.argv[1], sys.argv[2]
DELAY = float(sys.argv[3]) if len(sys.argv) > 3 else 0.050
STALL_AFTER = float(sys.argv[4]) if len(sys.argv) > 4 else 3.0
STALL = float(sys.argv[5]) if len(sys.argv) > 5 else 2.0

lock = threading.Lock()
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


def serve(conn):
    """One connection on its own thread: a blocking recv wakes the moment a request arrives,
    so the server's record starts closer to the client's send than an event loop's would."""
    global first
    buf = b""
    try:
        while True:
            while b"\r\n\r\n" not in buf:
                data = conn.recv(65536)
                if not data:
                    return
                buf += data
            arrival = time.monotonic()
            with lock:
                if first is None:
                    first = arrival
            head, buf = buf.split(b"\r\n\r\n", 1)
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            while len(buf) < length:
                data = conn.recv(65536)
                if not data:
                    return
                buf += data
            buf = buf[length:]
            wait = due_time(arrival) - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok")
            done = time.monotonic()
            with lock:
                record.append([arrival, done])
    except OSError:
        pass
    finally:
        conn.close()


def accept(lsock):
    while True:
        try:
            conn, _ = lsock.accept()
        except OSError:
            return
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
lsock = socket.socket()
lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lsock.bind(("127.0.0.1", 0))
lsock.listen(1024)
threading.Thread(target=accept, args=(lsock,), daemon=True).start()
with open(port_file + ".tmp", "w") as f:
    f.write(str(lsock.getsockname()[1]))
os.rename(port_file + ".tmp", port_file)
while not stop.wait(0.2):
    pass
with lock:
    with open(record_file, "w") as f:
        json.dump({"delay": DELAY, "stall_after": STALL_AFTER, "stall": STALL,
                   "first": first, "requests": record}, f)
