#!/usr/bin/env python3
"""Reads the runs of bench/run.sh and prints one table with the ratios.

Requests per second are requests / run time for every tool, and CPU per
request is the generator's user + system time (from wait4) / requests."""
import csv
import json
import os
import re
import sys

RUNS, DUR, USERS = sys.argv[1], float(sys.argv[2]), sys.argv[3]


def load(tag):
    try:
        with open(os.path.join(RUNS, tag + ".json")) as f:
            return json.load(f)
    except OSError:
        return None


def wrk_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v


def parse_wrk(tag):
    try:
        out = open(os.path.join(RUNS, tag + ".out")).read()
    except OSError:
        return None
    n = re.search(r"(\d+) requests in", out)
    p50 = re.search(r"50%\s+(\S+)", out)
    p99 = re.search(r"99%\s+(\S+)", out)
    if not n:
        return None
    return int(n.group(1)), wrk_ms(p50.group(1)), wrk_ms(p99.group(1))


def parse_locust_run(base):
    try:
        rows = list(csv.reader(open(base + "_requests.csv")))
        dist = list(csv.reader(open(base + "_distribution.csv")))
    except OSError:
        return None
    total = [r for r in rows if r[1] == "Total"][0]
    dtotal = [r for r in dist if r[0] == "Total"][0]
    return int(total[2]), float(dtotal[2]), float(dtotal[9])


def parse_locust(base):
    try:
        rows = list(csv.DictReader(open(base + "_stats.csv")))
    except OSError:
        return None
    agg = [r for r in rows if r["Name"] == "Aggregated"][0]
    return int(agg["Request Count"]), float(agg["50%"]), float(agg["99%"])


results = []
for path in ("/", "/10k.bin"):
    tagp = path.replace("/", "_").replace(".", "_")
    for tool, parser, base in (("wrk", parse_wrk, "wrk" + tagp),
                               ("locust-run", parse_locust_run, os.path.join(RUNS, "lr" + tagp)),
                               ("Locust FastHttpUser", parse_locust, os.path.join(RUNS, "lf" + tagp)),
                               ("Locust HttpUser", parse_locust, os.path.join(RUNS, "lh" + tagp))):
        key = {"wrk": "wrk", "locust-run": "locust-run", "Locust FastHttpUser": "locust-fast",
               "Locust HttpUser": "locust-http"}[tool] + tagp
        use = load(key)
        parsed = parser(base)
        if not use or not parsed:
            continue
        reqs, p50, p99 = parsed
        rps = reqs / DUR
        cpu_us = (use["user"] + use["sys"]) / reqs * 1e6 if reqs else float("nan")
        results.append((path, tool, rps, cpu_us, p50, p99, use["maxrss_kib"] / 1024.0, reqs))

print(f"# liblocust benchmark: {USERS} users, zero wait, {DUR:.0f} s per run, nginx 1 worker on CPU 0, "
      f"generator on CPU 1\n")
print("| path | tool | req/s | CPU us/req | p50 ms | p99 ms | peak RSS MiB | vs wrk | vs FastHttpUser |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
for path in ("/", "/10k.bin"):
    rows = [r for r in results if r[0] == path]
    ref_wrk = next((r[2] for r in rows if r[1] == "wrk"), None)
    ref_fast = next((r[2] for r in rows if r[1] == "Locust FastHttpUser"), None)
    for _, tool, rps, cpu, p50, p99, rss, reqs in rows:
        vw = f"{rps / ref_wrk:.2f}x" if ref_wrk else "-"
        vf = f"{rps / ref_fast:.1f}x" if ref_fast else "-"
        print(f"| {path} | {tool} | {rps:,.0f} | {cpu:.1f} | {p50:.2f} | {p99:.2f} | {rss:.1f} | {vw} | {vf} |")
