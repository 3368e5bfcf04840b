#!/usr/bin/python3
"""Simulated Locust 0.9 slaves for the master-load benchmark: N slaves in one
process, each with its own ZeroMQ PUSH/PULL pair, that say client_ready and
then send a realistic `stats` report (10 entries with histograms, a Total,
an error row) every INTERVAL seconds, staggered. Meanwhile the CPU time of
the master process (MASTER_PID) is read from /proc over the steady part of
the run and written as JSON: the share of one core the master used.

Needs pyzmq and msgpack (Debian's python3-zmq and python3-msgpack).

    fake_slaves.py OUT.json MASTER_PID PORT SLAVES SECONDS [INTERVAL]
"""
import json
import os
import random
import sys
import time

import msgpack
import zmq


def entry(name, method, now, rng):
    hist = {}
    total = 0
    n = 0
    for _ in range(rng.randint(15, 40)):
        rt = rng.choice([rng.randint(1, 99), rng.randint(10, 99) * 10])
        c = rng.randint(1, 50)
        hist[rt] = hist.get(rt, 0) + c
        total += rt * c
        n += c
    return {"name": name, "method": method, "last_request_timestamp": int(now), "start_time": now - 1.0,
            "num_requests": n, "num_failures": rng.randint(0, 3), "total_response_time": total,
            "max_response_time": max(hist), "min_response_time": min(hist),
            "total_content_length": n * 612, "response_times": hist, "num_reqs_per_sec": {int(now): n}}


def report(rng, users):
    now = time.time()
    stats = [entry("/page/%d" % i, "GET", now, rng) for i in range(10)]
    total = entry("Total", None, now, rng)
    err = {"method": "GET", "name": "/page/3", "error": "HTTPError('500 Server Error')", "occurences": 1}
    return {"stats": stats, "stats_total": total, "errors": {"k1": err}, "user_count": users}


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    out, pid, port, n, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    interval = float(sys.argv[6]) if len(sys.argv) > 6 else 1.0
    ctx = zmq.Context()
    rng = random.Random(1)
    slaves = []
    for i in range(n):
        push = ctx.socket(zmq.PUSH)
        push.connect("tcp://127.0.0.1:%d" % port)
        pull = ctx.socket(zmq.PULL)
        pull.connect("tcp://127.0.0.1:%d" % (port + 1))
        node = "fake_%d_%08x" % (i, rng.getrandbits(32))
        push.send(msgpack.packb(["client_ready", None, node]))
        slaves.append((push, pull, node))
    poller = zmq.Poller()
    for _, pull, _ in slaves:
        poller.register(pull, zmq.POLLIN)
    start = time.monotonic()
    # Every slave reports once per interval, spread evenly over it.
    due = [start + interval * i / n for i in range(n)]
    window = (start + min(5.0, secs / 4), start + secs - 1.0)
    cpu0 = cpu1 = None
    sent = 0
    while time.monotonic() < start + secs:
        now = time.monotonic()
        if cpu0 is None and now >= window[0]:
            cpu0 = (cpu_seconds(pid), now)
        if cpu1 is None and now >= window[1]:
            cpu1 = (cpu_seconds(pid), now)
        for i, (push, _, node) in enumerate(slaves):
            if now >= due[i]:
                push.send(msgpack.packb(["stats", report(rng, 10), node]))
                sent += 1
                due[i] += interval
        for sock, _ in poller.poll(timeout=5):
            sock.recv()  # hatch, stop, quit: a fake slave only reports
    share = (cpu1[0] - cpu0[0]) / (cpu1[1] - cpu0[1]) if cpu0 and cpu1 else None
    for push, pull, node in slaves:
        push.send(msgpack.packb(["quit", None, node]))
    time.sleep(0.5)
    with open(out, "w") as f:
        json.dump({"slaves": n, "interval": interval, "reports": sent, "master_cpu_share": share,
                   "window_s": (cpu1[1] - cpu0[1]) if cpu0 and cpu1 else None}, f)
    ctx.destroy(linger=0)


if __name__ == "__main__":
    main()
