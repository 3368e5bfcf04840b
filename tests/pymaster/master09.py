#!/usr/bin/python3
"""A Locust 0.9 test master, written from locust-0.9-spec.md sections 1-3.

It drives one C slave (tests/test_dist_node) through a whole session and
checks every frame the slave sends: the envelope, the message types and
their order, field names and types, and the byte encodings 0.9.0's
msgpack-python 0.5 produced (str never bin, str16 rather than str8, float64
only, smallest integers, no ext types).

Usage: master09.py --node PATH/test_dist_node
Prints one line per check and "N passed, N failed"; exits 1 on a failure.
Needs Debian's python3-zmq and python3-msgpack.
"""
import argparse
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import time

import msgpack
import zmq

PASSED = 0
FAILED = 0


def check(cond, what):
    global PASSED, FAILED
    if cond:
        PASSED += 1
    else:
        FAILED += 1
        print("FAIL: " + what)
    return cond


# ---- raw encoding checks (spec 1.2) -------------------------------------------------


class Encoding(Exception):
    pass


def walk(buf, pos=0, depth=0):
    """Walks one msgpack object, raising Encoding for anything 0.9.0 would not write."""
    if depth > 32:
        raise Encoding("nested too deep")
    b = buf[pos]
    pos += 1

    def need(n):
        if pos + n > len(buf):
            raise Encoding("truncated")

    if b <= 0x7F or b >= 0xE0 or b in (0xC0, 0xC2, 0xC3):
        return pos
    if 0x80 <= b <= 0x8F:
        for _ in range(2 * (b & 0x0F)):
            pos = walk(buf, pos, depth + 1)
        return pos
    if 0x90 <= b <= 0x9F:
        for _ in range(b & 0x0F):
            pos = walk(buf, pos, depth + 1)
        return pos
    if 0xA0 <= b <= 0xBF:
        n = b & 0x1F
        need(n)
        buf[pos:pos + n].decode("utf-8")
        return pos + n
    if b in (0xC4, 0xC5, 0xC6):
        raise Encoding("bin type 0x%02x (strings must be str)" % b)
    if b == 0xCA:
        raise Encoding("float32 (floats must be float64)")
    if b == 0xCB:
        need(8)
        return pos + 8
    if b in (0xC7, 0xC8, 0xC9) or 0xD4 <= b <= 0xD8:
        raise Encoding("ext type 0x%02x" % b)
    if b == 0xD9:
        raise Encoding("str8 (msgpack-python 0.5 writes str16 for 32-255 bytes)")
    if b in (0xDA, 0xDB):
        size = 2 if b == 0xDA else 4
        need(size)
        n = int.from_bytes(buf[pos:pos + size], "big")
        if (b == 0xDA and n < 32) or (b == 0xDB and n < 65536):
            raise Encoding("str with a longer header than needed")
        pos += size
        need(n)
        buf[pos:pos + n].decode("utf-8")
        return pos + n
    if b in (0xCC, 0xCD, 0xCE, 0xCF):
        size = {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8}[b]
        need(size)
        v = int.from_bytes(buf[pos:pos + size], "big")
        smallest = 0 if v < 128 else 1 if v < 256 else 2 if v < 65536 else 4 if v < 2**32 else 8
        if size != smallest:
            raise Encoding("uint %d not in its smallest encoding" % v)
        return pos + size
    if b in (0xD0, 0xD1, 0xD2, 0xD3):
        size = {0xD0: 1, 0xD1: 2, 0xD2: 4, 0xD3: 8}[b]
        need(size)
        v = int.from_bytes(buf[pos:pos + size], "big", signed=True)
        if v >= 0 or v >= -32:
            raise Encoding("int %d should be a fixint or unsigned" % v)
        smallest = 1 if v >= -128 else 2 if v >= -32768 else 4 if v >= -2**31 else 8
        if size != smallest:
            raise Encoding("int %d not in its smallest encoding" % v)
        return pos + size
    if b in (0xDC, 0xDD, 0xDE, 0xDF):
        size = 2 if b in (0xDC, 0xDE) else 4
        need(size)
        n = int.from_bytes(buf[pos:pos + size], "big")
        if n < 16 or (size == 4 and n < 65536):
            raise Encoding("container with a longer header than needed")
        pos += size
        for _ in range(n * (2 if b >= 0xDE else 1)):
            pos = walk(buf, pos, depth + 1)
        return pos
    raise Encoding("invalid byte 0x%02x" % b)


# ---- field checks (spec 2.1, 3.1, 3.2) ------------------------------------------------

ENTRY_KEYS = {"name", "method", "last_request_timestamp", "start_time", "num_requests", "num_failures",
              "total_response_time", "max_response_time", "min_response_time", "total_content_length",
              "response_times", "num_reqs_per_sec"}


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v):
    return is_int(v) or isinstance(v, float)


# liblocust's precise-histogram extension. 0.9.0's StatsEntry.unserialize reads exactly the 12 keys
# above, so a real 0.9.0 master never sees it; any other extra key is still an error.
EXTENSION_KEYS = {"liblocust_hdr"}


def check_entry(e, where, total):
    ok = check(isinstance(e, dict) and ENTRY_KEYS <= set(e) and set(e) - ENTRY_KEYS <= EXTENSION_KEYS,
               "%s: keys %s" % (where, sorted(e)))
    if not ok:
        return
    check(isinstance(e["name"], str), where + ".name is a str")
    if total:
        check(e["name"] == "Total" and e["method"] is None, where + ": Total with a nil method")
    else:
        check(isinstance(e["method"], str), where + ".method is a str")
    check(is_int(e["last_request_timestamp"]), where + ".last_request_timestamp is an int")
    check(isinstance(e["start_time"], float), where + ".start_time is a float")
    for k in ("num_requests", "num_failures", "total_content_length"):
        check(is_int(e[k]) and e[k] >= 0, "%s.%s is a count" % (where, k))
    for k in ("total_response_time", "max_response_time"):
        check(is_num(e[k]), "%s.%s is a number" % (where, k))
    check(e["min_response_time"] is None or is_num(e["min_response_time"]), where + ".min_response_time")
    check(isinstance(e["response_times"], dict) and all(is_num(k) and is_int(v) for k, v in e["response_times"].items()),
          where + ".response_times maps numbers to counts")
    check(sum(e["response_times"].values()) == e["num_requests"], where + ": histogram holds every success")
    check(isinstance(e["num_reqs_per_sec"], dict)
          and all(is_int(k) and is_int(v) for k, v in e["num_reqs_per_sec"].items()),
          where + ".num_reqs_per_sec maps seconds to counts")
    check(sum(e["num_reqs_per_sec"].values()) == e["num_requests"], where + ": per-second counts add up")


def check_stats(data):
    if not check(isinstance(data, dict) and set(data) == {"stats", "stats_total", "errors", "user_count"},
                 "stats data keys: %s" % (sorted(data) if isinstance(data, dict) else type(data))):
        return
    check(isinstance(data["stats"], list), "stats.stats is an array")
    for i, e in enumerate(data["stats"]):
        check_entry(e, "stats[%d]" % i, False)
        check(e["num_requests"] or e["num_failures"], "stats[%d] only sent with activity" % i)
    check_entry(data["stats_total"], "stats_total", True)
    check(is_int(data["user_count"]) and data["user_count"] >= 0, "user_count is a count")
    check(isinstance(data["errors"], dict), "errors is a map")
    for k, v in data["errors"].items():
        check(isinstance(k, str) and re.fullmatch(r"[0-9a-f]{32}", k) is not None, "error key is 32 hex")
        check(isinstance(v, dict) and set(v) == {"method", "name", "error", "occurences"},
              "error row keys (0.9.0 spells occurences): %s" % sorted(v))
        check(is_int(v["occurences"]) and v["occurences"] > 0, "occurences is a positive count")


class Slave:
    def __init__(self, node, port, tmp):
        self.count_file = os.path.join(tmp, "slave.count")
        self.log = open(os.path.join(tmp, "slave.log"), "w+")
        self.proc = subprocess.Popen(
            [node, "slave", "--port", str(port), "--report-interval", "0.5", "--fail-every", "5",
             "--count-file", self.count_file], stderr=self.log)


def free_port_pair():
    for _ in range(100):
        a = socket.socket()
        a.bind(("127.0.0.1", 0))
        p = a.getsockname()[1]
        b = socket.socket()
        try:
            b.bind(("127.0.0.1", p + 1))
            return p
        except OSError:
            continue
        finally:
            a.close()
            b.close()
    raise RuntimeError("no free port pair")


class Master:
    """The 0.9 master's sockets: PULL on P, PUSH on P + 1 (spec 1.1)."""

    def __init__(self, port):
        self.ctx = zmq.Context()
        self.pull = self.ctx.socket(zmq.PULL)
        self.pull.bind("tcp://127.0.0.1:%d" % port)
        self.push = self.ctx.socket(zmq.PUSH)
        self.push.bind("tcp://127.0.0.1:%d" % (port + 1))
        self.node_id = None
        self.frames = []
        self.totals = {"requests": 0, "failures": 0, "errors": 0, "exceptions": 0}

    def send(self, type_, data):
        # msgpack-python 0.5 defaults: use_bin_type=False.
        self.push.send(msgpack.packb([type_, data, None], use_bin_type=False))

    def recv(self, timeout):
        if not self.pull.poll(int(timeout * 1000)):
            return None
        raw = self.pull.recv()
        try:
            end = walk(raw)
            check(end == len(raw), "frame has %d trailing bytes" % (len(raw) - end))
            check(raw[0] == 0x93, "envelope is a fixarray of 3")
        except Encoding as e:
            check(False, "encoding: %s in %r" % (e, raw[:80]))
        msg = msgpack.unpackb(raw, raw=False, strict_map_key=False)
        check(isinstance(msg, list) and len(msg) == 3, "envelope [type, data, node_id]")
        type_, data, node_id = msg
        check(isinstance(type_, str), "type is a str")
        check(isinstance(node_id, str) and re.fullmatch(r".+_[0-9a-f]{32}", node_id) is not None,
              "node_id is <hostname>_<32 hex>: %r" % node_id)
        if self.node_id is None:
            self.node_id = node_id
        check(node_id == self.node_id, "node_id is the same in every message")
        self.frames.append(type_)
        if type_ == "stats":
            check_stats(data)
            self.totals["requests"] += data["stats_total"]["num_requests"]
            self.totals["failures"] += data["stats_total"]["num_failures"]
            self.totals["errors"] += sum(v["occurences"] for v in data["errors"].values())
        elif type_ == "exception":
            check(isinstance(data, dict) and set(data) == {"msg", "traceback"}, "exception has msg and traceback")
            check(isinstance(data["msg"], str) and data["msg"].startswith("planned task failure"), "exception msg")
            check(isinstance(data["traceback"], str) and data["traceback"], "exception traceback")
            self.totals["exceptions"] += 1
        elif type_ in ("client_ready", "hatching", "client_stopped", "quit"):
            check(data is None, "%s carries nil data" % type_)
        elif type_ == "hatch_complete":
            check(isinstance(data, dict) and set(data) == {"count"} and is_int(data["count"]),
                  "hatch_complete {count: int}")
        else:
            check(False, "unknown message type %r" % type_)
        return type_, data

    def expect(self, wanted, timeout=10.0, skip=("stats", "exception")):
        """Returns the data of the next `wanted` message, skipping periodic ones."""
        end = time.time() + timeout
        while time.time() < end:
            got = self.recv(end - time.time())
            if got is None:
                break
            if got[0] == wanted:
                return got[1]
            if got[0] not in skip:
                check(False, "expected %s, got %s" % (wanted, got[0]))
        check(False, "no %s within %g s" % (wanted, timeout))
        return None

    def drain(self, seconds):
        end = time.time() + seconds
        while time.time() < end:
            self.recv(max(0.0, end - time.time()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--node", required=True)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port_pair()
        m = Master(port)
        slave = Slave(args.node, port, tmp)
        try:
            run(m, slave)
        finally:
            if slave.proc.poll() is None:
                slave.proc.kill()
            slave.log.seek(0)
            log = slave.log.read()
            if FAILED:
                print("---- slave log\n" + log[-3000:])
    print("%d passed, %d failed" % (PASSED, FAILED))
    return 1 if FAILED else 0


def run(m, slave):
    # 1. client_ready, then a report at once (spec 2.6).
    check(m.expect("client_ready", skip=()) is None, "client_ready first")
    check(m.expect("stats", skip=()) is not None, "a stats report right after client_ready")
    # 2. hatch -> hatching -> hatch_complete {count}.
    m.send("hatch", {"hatch_rate": 30.0, "num_clients": 3, "host": None, "stop_timeout": None})
    m.expect("hatching")
    done = m.expect("hatch_complete")
    check(done == {"count": 3}, "hatch_complete count 3: %r" % done)
    m.drain(1.5)
    check(m.frames.count("stats") >= 3, "stats every report interval")
    check(m.totals["exceptions"] > 0, "task failures are sent as exceptions")
    # 3. stop -> a final report, client_stopped, client_ready (in that order).
    m.send("stop", None)
    seen = []
    while "client_ready" not in seen:
        got = m.recv(10)
        if not check(got is not None, "answers to stop: %s" % seen):
            return
        if got[0] != "exception":
            seen.append(got[0])
    check(seen[-2:] == ["client_stopped", "client_ready"], "stop answered by client_stopped, client_ready: %s" % seen)
    check("stats" in seen[:-2], "a final report before client_stopped: %s" % seen)
    # 4. A new hatch with a host, then quit: a final report, then quit, and the slave exits 0.
    m.send("hatch", {"hatch_rate": 20.0, "num_clients": 2, "host": "http://127.0.0.1:9", "stop_timeout": None})
    m.expect("hatching")
    check(m.expect("hatch_complete") == {"count": 2}, "second hatch_complete count 2")
    m.drain(0.6)
    m.send("quit", None)
    m.expect("quit")
    try:
        code = slave.proc.wait(10)
    except subprocess.TimeoutExpired:
        code = None
    check(code == 0, "the slave exits 0 after quit (got %r)" % code)
    made = int(open(slave.count_file).read())
    check(made > 0, "the slave made requests")
    check(m.totals["requests"] == made, "every success reported once: %d reported, %d made"
          % (m.totals["requests"], made))
    check(m.totals["failures"] == made // 5, "every failure reported once: %d" % m.totals["failures"])
    check(m.totals["errors"] == m.totals["failures"], "error occurrences match the failures")
    print("slave made %d requests; reported %d successes and %d failures in %d frames"
          % (made, m.totals["requests"], m.totals["failures"], len(m.frames)))


if __name__ == "__main__":
    sys.exit(main())
