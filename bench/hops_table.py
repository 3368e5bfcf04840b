#!/usr/bin/env python3
"""The table of bench/hops.sh from its results.txt: medians over the rounds,
with the range in brackets, of each row's figures and of ratios taken within
a round.

    hops_table.py RESULTS.txt ROUNDS

Each line of RESULTS.txt is "round|row|tool|req/s cpu_us_per_req"; a tool
that failed leaves its figures empty.
"""
import statistics, sys
rounds = int(sys.argv[2])
m = {}  # (round, row, tool) -> (req/s, cpu us per request)
for line in open(sys.argv[1]):
    rnd, row, tool, v = line.rstrip("\n").split("|")
    a = v.split()
    m[(int(rnd), row, tool)] = (float(a[0]), float(a[1])) if len(a) == 2 else (0.0, 0.0)

def per_round(f):
    """f(round) over the rounds, leaving out those where a figure it needs is missing."""
    out = []
    for r in range(1, rounds + 1):
        try:
            out.append(f(r))
        except (KeyError, ZeroDivisionError):
            pass
    return out

def cell(vals, fmt, unit=""):
    if not vals:
        return "-"
    med = statistics.median(vals)
    if len(vals) == 1:
        return f"{med:{fmt}}{unit}"
    return f"{med:{fmt}}{unit} ({min(vals):{fmt}}-{max(vals):{fmt}})"

def get(r, row, tool, i):
    """A figure of one run; a run that counted no request has none (its CPU per request would be
    its whole CPU over one request)."""
    reqs, cpu = m[(r, row, tool)]
    if reqs <= 0 or cpu <= 0:
        raise KeyError(row)
    return (reqs, cpu)[i]

rows = [("ip", "http://127.0.0.1 (the wire)"), ("name", "http://localhost (host name, on the wire)"),
        ("cookie", "after a login that set a cookie (on the wire)"),
        ("https", "https://127.0.0.1 (the wire, TLS verified)"),
        ("h2", "HTTP/2 over TLS (the wire; against h2load -m1)"),
        ("h2curl", "HTTP/2 over TLS (curl; against h2load -m1)")]
print(f"Medians of {rounds} round(s), the range in brackets; ratios are taken within a round.")
print()
print("| hop | locust-run req/s | CPU us/req | vs wrk (h2load) req/s | CPU vs the IP hop | "
      "wrk's (h2load's) CPU us/req | its CPU vs wrk's IP hop | FastHttpUser CPU us/req | its CPU vs ours |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for row, name in rows:
    if not any(k[1] == row for k in m):
        continue
    ref = "h2" if row == "h2curl" else row
    print("| " + " | ".join([
        name,
        cell(per_round(lambda r: get(r, row, "ours", 0)), ".0f"),
        cell(per_round(lambda r: get(r, row, "ours", 1)), ".1f"),
        cell(per_round(lambda r: get(r, row, "ours", 0) / get(r, ref, "wrk", 0)), ".2f", "x"),
        cell(per_round(lambda r: get(r, row, "ours", 1) / get(r, "ip", "ours", 1)), ".2f", "x"),
        cell(per_round(lambda r: get(r, ref, "wrk", 1)), ".1f"),
        cell(per_round(lambda r: get(r, ref, "wrk", 1) / get(r, "ip", "wrk", 1)), ".2f", "x"),
        cell(per_round(lambda r: get(r, row, "fast", 1)), ".0f"),
        cell(per_round(lambda r: get(r, row, "fast", 1) / get(r, row, "ours", 1)), ".1f", "x"),
    ]) + " |")
print()
print("floor (bench/floor.c, send and receive only) on http://127.0.0.1: "
      + cell(per_round(lambda r: get(r, "ip", "floor", 1)), ".1f") + " us/req CPU; locust-run "
      + cell(per_round(lambda r: get(r, "ip", "ours", 1) / get(r, "ip", "floor", 1)), ".2f", "x")
      + " of it; FastHttpUser " + cell(per_round(lambda r: get(r, "ip", "fast", 1) / get(r, "ip", "floor", 1)), ".1f", "x")
      + " of it (the most its CPU per request can be over any client's here)")
