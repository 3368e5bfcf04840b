#!/usr/bin/env python3
"""Runs a command and prints its resource use as one JSON line on stderr's
last line: user and system CPU seconds and peak RSS (KiB), from wait4(), so
the figures are the generator's own, whatever else runs on the machine.

    measure.py OUT.json -- command args...
"""
import json
import os
import sys
import time

def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit("usage: measure.py OUT.json -- command args...")
    out, cmd = sys.argv[1], sys.argv[3:]
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    wall = time.monotonic() - t0
    with open(out, "w") as f:
        json.dump({"user": ru.ru_utime, "sys": ru.ru_stime, "maxrss_kib": ru.ru_maxrss,
                   "wall": wall, "status": os.waitstatus_to_exitcode(status)}, f)
    sys.exit(0)

if __name__ == "__main__":
    main()
