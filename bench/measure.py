#!/usr/bin/env python3
"""Runs a command and writes its resource use to OUT.json: user and system
CPU seconds (from wait4(), so the figures are the generator's own, whatever
else runs on the machine), peak RSS in KiB, wall time and exit status.

    measure.py OUT.json -- command args...

The peak RSS is the program's own VmHWM, read from /proc every 20 ms until
it exits: wait4()'s ru_maxrss would also count this Python process, whose
memory the child holds between fork() and exec(), about 10 MiB that has
nothing to do with the program measured.
"""
import json
import os
import sys
import time


def hwm_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


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
    peak = 0
    while True:
        done, status, ru = os.wait4(pid, os.WNOHANG)
        if done:
            break
        # The command may exec another (taskset does): VmHWM is the last
        # program's, which starts afresh at its exec.
        h = hwm_kib(pid)
        if h is not None:
            peak = h
        time.sleep(0.02)
    wall = time.monotonic() - t0
    with open(out, "w") as f:
        json.dump({"user": ru.ru_utime, "sys": ru.ru_stime, "maxrss_kib": peak or ru.ru_maxrss,
                   "wall": wall, "status": os.waitstatus_to_exitcode(status)}, f)
    sys.exit(0)


if __name__ == "__main__":
    main()
