#!/usr/bin/env python3
"""Runs a command and samples it while it runs: resident memory (VmRSS) and
the established TCP connections to the target port, at a given time after
the start. Writes one JSON document with the samples and, from wait4(),
the command's user and system CPU seconds and peak RSS.

    sample.py OUT.json PORT AT_SECONDS -- command args...
"""
import json
import os
import sys
import time


def rss_kib(pid):
    """VmRSS of pid and all its descendants (--processes runs slaves)."""
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    total, todo, seen = 0, [pid], False
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        seen = True
        except OSError:
            pass
    return total if seen else None


def connections(port):
    """Established connections to PORT (client side), from /proc/net/tcp{,6}."""
    n = 0
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    rem_port = int(parts[2].rsplit(":", 1)[1], 16)
                    if rem_port == port and parts[3] == "01":
                        n += 1
        except OSError:
            pass
    return n


def main():
    if len(sys.argv) < 6 or sys.argv[4] != "--":
        sys.exit("usage: sample.py OUT.json PORT AT_SECONDS -- command args...")
    out, port, at, cmd = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[5:]
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    sample = {}
    while True:
        done, status, ru = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if not sample and time.monotonic() - t0 >= at:
            sample = {"rss_kib": rss_kib(pid), "connections": connections(port),
                      "at": time.monotonic() - t0}
        time.sleep(0.05)
    wall = time.monotonic() - t0
    with open(out, "w") as f:
        json.dump(dict(sample, user=ru.ru_utime, sys=ru.ru_stime, maxrss_kib=ru.ru_maxrss, wall=wall,
                       status=os.waitstatus_to_exitcode(status)), f)


if __name__ == "__main__":
    main()
