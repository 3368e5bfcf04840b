#!/usr/bin/env python3
"""Start-up time: from exec() of a load generator to the first request that
reaches the target. A one-shot HTTP server on a free loopback port records
when the first request arrives; the generator is started with its host set
to that server and killed once the request came. Prints the median of RUNS
runs, in milliseconds, as JSON.

    startup.py OUT.json RUNS -- command args... ({URL} is replaced by the server's URL)
"""
import json
import os
import select
import signal
import socket
import statistics
import sys
import time


def once(cmd):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    url = "http://127.0.0.1:%d" % srv.getsockname()[1]
    argv = [a.replace("{URL}", url) for a in cmd]
    devnull = os.open(os.devnull, os.O_WRONLY)
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    ms = None
    deadline = t0 + 30
    conns = []
    while ms is None and time.monotonic() < deadline:
        r, _, _ = select.select([srv] + conns, [], [], 0.5)
        for s in r:
            if s is srv:
                c, _ = srv.accept()
                conns.append(c)
            elif s.recv(4096):
                ms = (time.monotonic() - t0) * 1000.0
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    for c in conns:
        c.close()
    srv.close()
    os.close(devnull)
    return ms


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        sys.exit("usage: startup.py OUT.json RUNS -- command args...")
    out, runs, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[4:]
    times = [t for t in (once(cmd) for _ in range(runs)) if t is not None]
    res = {"runs": len(times), "median_ms": statistics.median(times) if times else None,
           "min_ms": min(times) if times else None, "max_ms": max(times) if times else None}
    with open(out, "w") as f:
        json.dump(res, f)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
