#!/usr/bin/python3
"""Simulated Locust 0.9 slaves for the master-load benchmark: N slaves in one
process, each with its own ZeroMQ PUSH/PULL pair, that say client_ready and
then send a realistic `stats` report (10 entries with histograms, a Total,
an error row) every INTERVAL seconds, staggered. Meanwhile the CPU time of
the master process (MASTER_PID, all its threads: user + system, from
/proc) is read over the steady part of the run, and written as JSON: the
share of one core the master used, and its CPU time per report received in
that window.

The driver sleeps until the next report is due rather than polling on a
short period, so that it takes as little as possible of the machine the
master is measured on; it records how late it sent (max_lag_s) and its own
CPU share, which tell a run whose driver could not keep up.

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

TICK = os.sysconf("SC_CLK_TCK")


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


def cpu_times(pid):
    """The (user, system) CPU seconds of the whole process (every thread)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / TICK, int(fields[12]) / TICK


def thread_times(pid):
    """{"name/tid": user + system CPU seconds} of each thread of the process."""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                text = f.read()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text.rsplit(")", 1)[1].split()
        out["%s/%s" % (name, tid)] = (int(fields[11]) + int(fields[12])) / TICK
    return out


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
    # Every slave reports once per interval, spread evenly over it: slave i
    # at start + interval * (i / n + k), so the reports fall due in slave order.
    due = start
    nxt = 0
    window = (start + min(5.0, secs / 4), start + secs - 1.0)
    cpu0 = cpu1 = None
    sent = in_window = 0
    max_lag = 0.0
    while True:
        now = time.monotonic()
        if now >= start + secs:
            break
        if cpu0 is None and now >= window[0]:
            cpu0 = (cpu_times(pid), now, os.times(), thread_times(pid))
        if cpu1 is None and now >= window[1]:
            cpu1 = (cpu_times(pid), now, os.times(), thread_times(pid))
        while due <= now:
            push, _, node = slaves[nxt]
            push.send(msgpack.packb(["stats", report(rng, 10), node]))
            max_lag = max(max_lag, now - due)
            sent += 1
            if cpu0 is not None and cpu1 is None:
                in_window += 1
            nxt += 1
            if nxt == n:
                nxt = 0
            due = start + interval * (sent // n + nxt / n)
        # Sleep until the next report, the next window edge or the end.
        wake = min(due, start + secs, *(t for t, c in zip(window, (cpu0, cpu1)) if c is None))
        for sock, _ in poller.poll(timeout=max(0.0, (wake - time.monotonic()) * 1000)):
            sock.recv()  # hatch, stop, quit: a fake slave only reports
    result = {"slaves": n, "interval": interval, "reports": sent, "max_lag_s": round(max_lag, 4),
              "master_cpu_share": None}
    if cpu0 and cpu1:
        wall = cpu1[1] - cpu0[1]
        user, system = cpu1[0][0] - cpu0[0][0], cpu1[0][1] - cpu0[0][1]
        mine = (cpu1[2].user + cpu1[2].system) - (cpu0[2].user + cpu0[2].system)
        result.update({"window_s": wall, "window_reports": in_window, "master_user_s": user,
                       "master_sys_s": system, "master_cpu_share": (user + system) / wall,
                       "master_us_per_report": (user + system) / in_window * 1e6 if in_window else None,
                       "driver_cpu_share": mine / wall,
                       "master_threads_s": {k: round(v - cpu0[3].get(k, 0.0), 2) for k, v in cpu1[3].items()}})
    for push, pull, node in slaves:
        push.send(msgpack.packb(["quit", None, node]))
    time.sleep(0.5)
    with open(out, "w") as f:
        json.dump(result, f)
    ctx.destroy(linger=0)


if __name__ == "__main__":
    main()
