#!/usr/bin/python3
"""A Locust 0.9 slave written from locust-0.9-spec.md sections 1-3, packing
as 0.9.0 did (msgpack-python 0.5 style: use_bin_type=False, float64, float
response-time keys below 100 ms, int last_request_timestamp, the
'occurences' spelling), to check that a liblocust master serves stock 0.9
slaves.

It reports synthetic requests while it runs users and writes the totals it
reported to --report-file at exit: "requests N", "failures N", "hatch
num_clients rate host".

Usage: slave09.py --port P --report-file F
"""
import argparse
import hashlib
import random
import socket
import sys
import time

import msgpack
import zmq


def pack(type_, data, node_id):
    return msgpack.packb([type_, data, node_id], use_bin_type=False)


def entry(name, method, successes, failures, now):
    rts = [3.0 + random.random() * 50 for _ in range(successes)]
    hist = {}
    for rt in rts:
        key = rt if rt < 100 else int(round(rt, -1))
        hist[key] = hist.get(key, 0) + 1
    sec = int(now)
    return {
        "name": name, "method": method, "last_request_timestamp": sec, "start_time": now - 0.5,
        "num_requests": successes, "num_failures": failures,
        "total_response_time": sum(rts) if rts else 0, "max_response_time": max(rts) if rts else 0,
        "min_response_time": min(rts) if rts else None, "total_content_length": 21 * successes,
        "response_times": hist, "num_reqs_per_sec": {sec: successes} if successes else {},
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--report-file", required=True)
    args = ap.parse_args()
    node_id = "%s_%s" % (socket.gethostname(),
                         hashlib.md5(str(time.time() + random.randint(0, 10000)).encode()).hexdigest())
    ctx = zmq.Context()
    push = ctx.socket(zmq.PUSH)
    push.connect("tcp://127.0.0.1:%d" % args.port)
    pull = ctx.socket(zmq.PULL)
    pull.connect("tcp://127.0.0.1:%d" % (args.port + 1))
    push.send(pack("client_ready", None, node_id))
    users = 0
    totals = {"requests": 0, "failures": 0}
    hatch_seen = None
    next_report = time.time()
    deadline = time.time() + 60
    while time.time() < deadline:
        if pull.poll(50):
            type_, data, nid = msgpack.unpackb(pull.recv(), raw=False, strict_map_key=False)
            if type_ == "hatch":
                hatch_seen = (data["num_clients"], data["hatch_rate"], data["host"])
                push.send(pack("hatching", None, node_id))
                users = data["num_clients"]
                push.send(pack("hatch_complete", {"count": users}, node_id))
                push.send(pack("exception", {"msg": "boom from the python slave",
                                             "traceback": '  File "x.py", line 1, in task\n'}, node_id))
            elif type_ == "stop":
                users = 0
                push.send(pack("client_stopped", None, node_id))
                push.send(pack("client_ready", None, node_id))
            elif type_ == "quit":
                # 0.9.0 sends no final report: its quitting hook sends quit only.
                push.send(pack("quit", None, node_id))
                break
        now = time.time()
        if now >= next_report:
            next_report = now + 0.5
            stats, errors = [], {}
            total = entry("Total", None, 0, 0, now)
            if users:
                ok, bad = 5 * users, 1
                stats = [entry("/py", "GET", ok, 0, now), entry("/py-fail", "GET", 0, bad, now)]
                total = entry("Total", None, ok, bad, now)
                total["response_times"] = stats[0]["response_times"]
                total["total_response_time"] = stats[0]["total_response_time"]
                total["min_response_time"] = stats[0]["min_response_time"]
                total["max_response_time"] = stats[0]["max_response_time"]
                total["total_content_length"] = stats[0]["total_content_length"]
                err = "HTTPError('500 Server Error')"
                key = hashlib.md5(("GET./py-fail." + repr(err)).encode()).hexdigest()
                errors = {key: {"method": "GET", "name": "/py-fail", "error": err, "occurences": bad}}
                totals["requests"] += ok
                totals["failures"] += bad
            push.send(pack("stats", {"stats": stats, "stats_total": total, "errors": errors,
                                     "user_count": users}, node_id))
    with open(args.report_file, "w") as f:
        f.write("requests %d\nfailures %d\n" % (totals["requests"], totals["failures"]))
        if hatch_seen:
            f.write("hatch %d %r %s\n" % hatch_seen)
    push.close(linger=2000)
    pull.close(linger=0)
    ctx.term()
    return 0


if __name__ == "__main__":
    sys.exit(main())
