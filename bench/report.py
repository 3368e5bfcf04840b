#!/usr/bin/env python3
"""Reads the runs of bench/run.sh and prints the report: one throughput
table with the ratios (medians over the repeated runs), then the scale
figures of locust-run (memory per user, 50k users, start-up, processes,
master load) next to their goals.

Requests per second are requests / run time for every tool, and CPU per
request is the generator's user + system time (from wait4) / requests.

    report.py BENCH_DIR DURATION USERS
"""
import csv
import glob
import json
import os
import re
import statistics
import sys

OUT, DUR, USERS = sys.argv[1], float(sys.argv[2]), sys.argv[3]
RUNS = os.path.join(OUT, "runs")
SCALE = os.path.join(OUT, "scale")


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def wrk_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v


def parse_wrk(base):
    try:
        out = open(base + ".out").read()
    except OSError:
        return None
    n = re.search(r"(\d+) requests in", out)
    p50 = re.search(r"50%\s+(\S+)", out)
    p99 = re.search(r"99%\s+(\S+)", out)
    if not n:
        return None
    return int(n.group(1)), 0, wrk_ms(p50.group(1)), wrk_ms(p99.group(1))


def parse_locust_run(base):
    try:
        rows = list(csv.reader(open(base + "_requests.csv")))
        dist = list(csv.reader(open(base + "_distribution.csv")))
    except OSError:
        return None
    total = [r for r in rows if len(r) > 3 and r[1] == "Total"]
    dtotal = [r for r in dist if r and r[0] == "Total"]
    if not total or not dtotal:
        return None
    return int(total[0][2]), int(total[0][3]), float(dtotal[0][2]), float(dtotal[0][9])


def parse_locust(base):
    try:
        rows = list(csv.DictReader(open(base + "_stats.csv")))
    except OSError:
        return None
    agg = [r for r in rows if r["Name"] == "Aggregated"]
    if not agg:
        return None
    a = agg[0]
    return int(a["Request Count"]), int(a["Failure Count"]), float(a["50%"]), float(a["99%"])


def parse_floor(base):
    try:
        m = re.search(r"requests (\d+)", open(base + ".out").read())
    except OSError:
        return None
    return (int(m.group(1)), 0, None, None) if m else None


TOOLS = (("floor (send+recv only)", "floor", parse_floor), ("wrk", "wrk", parse_wrk),
         ("locust-run", "locust-run", parse_locust_run),
         ("Locust FastHttpUser", "locust-fast", parse_locust), ("Locust HttpUser", "locust-http", parse_locust))


def median(xs):
    return statistics.median(xs) if xs else None


def fmt(v, spec, none="-"):
    return none if v is None else format(v, spec)


results = []
for path in ("/", "/10k.bin"):
    tagp = path.replace("/", "_").replace(".", "_")
    for label, key, parser in TOOLS:
        runs = []
        for use_path in sorted(glob.glob(os.path.join(RUNS, key + tagp + ".*.json"))):
            base = use_path[:-5]
            use, parsed = load(use_path), parser(base)
            if not use or not parsed or not parsed[0]:
                continue
            reqs, fails, p50, p99 = parsed
            runs.append({"rps": reqs / DUR, "cpu": (use["user"] + use["sys"]) / reqs * 1e6,
                         "user": use["user"] / reqs * 1e6, "p50": p50, "p99": p99,
                         "rss": use["maxrss_kib"] / 1024.0, "fails": fails})
        if runs:
            results.append((path, label, len(runs),
                            {k: median([r[k] for r in runs if r[k] is not None]) for k in runs[0]}))

print(f"## Benchmark\n\n{USERS} users (connections), zero wait, {DUR:.0f} s per run, medians of the runs; nginx "
      f"(1 worker) on CPU 0, the generator on CPU 1. CPU is the generator's user + system time per request. "
      f"\"floor\" is bench/floor.c: {USERS} keep-alive connections doing one send() and one recv() per request "
      f"and nothing else, what the kernel's loopback TCP costs on this machine.\n")
print("| path | tool | runs | req/s | CPU us/req | of which user | p50 ms | p99 ms | peak RSS MiB "
      "| req/s vs wrk | req/s vs FastHttpUser | CPU/req vs wrk | CPU/req vs floor | FastHttpUser CPU/req over this |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for path in ("/", "/10k.bin"):
    rows = [r for r in results if r[0] == path]
    wrk = next((r[3] for r in rows if r[1] == "wrk"), None)
    fast = next((r[3] for r in rows if r[1] == "Locust FastHttpUser"), None)
    floor = next((r[3] for r in rows if r[1].startswith("floor")), None)
    for _, tool, n, m in rows:
        vw = f"{m['rps'] / wrk['rps']:.2f}x" if wrk else "-"
        vf = f"{m['rps'] / fast['rps']:.1f}x" if fast else "-"
        cw = f"{m['cpu'] / wrk['cpu']:.2f}x" if wrk else "-"
        cfl = f"{m['cpu'] / floor['cpu']:.2f}x" if floor else "-"
        cfa = f"{fast['cpu'] / m['cpu']:.1f}x" if fast else "-"
        print(f"| {path} | {tool} | {n} | {m['rps']:,.0f} | {m['cpu']:.1f} | {m['user']:.1f} | {fmt(m['p50'], '.2f')} | "
              f"{fmt(m['p99'], '.2f')} | {m['rss']:.1f} | {vw} | {vf} | {cw} | {cfl} | {cfa} |")

# ---- scale --------------------------------------------------------------------------
rows = []


def requests_of(base):
    p = parse_locust_run(base)
    return p[0] if p else None


mem1, mem = load(os.path.join(SCALE, "mem1.json")), load(os.path.join(SCALE, "mem.json"))
if mem and mem1 and mem.get("rss_kib") and mem1.get("rss_kib"):
    users = None
    m = re.search(r"All locusts hatched: \w+: (\d+)", open(os.path.join(SCALE, "mem.out")).read())
    users = int(m.group(1)) if m else None
    if users:
        per = (mem["rss_kib"] - mem1["rss_kib"]) / (users - 1)
        rows.append(("Memory per user, 10k users waiting 1-2 s (keep-alive)",
                     f"{per:.1f} KiB/user ({users:,} users, {mem['connections']:,} connections, "
                     f"RSS {mem['rss_kib'] / 1024:.0f} MiB)", "<= 16 KiB", "yes" if per <= 16 else "no"))
lf1, lf = load(os.path.join(SCALE, "memlf1.json")), load(os.path.join(SCALE, "memlf1000.json"))
if lf and lf1 and lf.get("rss_kib") and lf1.get("rss_kib"):
    per = (lf["rss_kib"] - lf1["rss_kib"]) / 999
    rows.append(("Locust FastHttpUser, same, 1000 users", f"{per:.1f} KiB/user ({lf['connections']:,} connections)",
                 "", ""))
def hatched(name):
    try:
        m = re.search(r"All locusts hatched: \w+: (\d+)", open(os.path.join(SCALE, name + ".out")).read())
    except OSError:
        return 0
    return int(m.group(1)) if m else 0


try:
    fdlimit = int(open(os.path.join(SCALE, "fdlimit")).read())
except (OSError, ValueError):
    fdlimit = None
bigconn = load(os.path.join(SCALE, "bigconn.json"))
if bigconn and bigconn.get("rss_kib"):
    users = hatched("bigconn")
    reqs = requests_of(os.path.join(SCALE, "bigconn"))
    ok = users >= 50000 and bigconn["connections"] >= users * 0.98
    rows.append(("Users with keep-alive connections in one process (waits 5-10 s)",
                 f"{users:,} users, {bigconn['connections']:,} connections, RSS {bigconn['rss_kib'] / 1024:.0f} MiB, "
                 f"{(reqs or 0) / 40:,.0f} req/s" + (f" (open-file limit {fdlimit:,})" if fdlimit else ""),
                 ">= 50,000", "yes" if ok else "no"))
bigproc = load(os.path.join(SCALE, "bigproc.json"))
if bigproc and bigproc.get("rss_kib"):
    try:
        out = open(os.path.join(SCALE, "bigproc.out")).read()
    except OSError:
        out = ""
    users = sum(int(n) for n in re.findall(r"All locusts hatched: \w+: (\d+)", out))
    reqs = requests_of(os.path.join(SCALE, "bigproc"))
    ok = users >= 50000 and bigproc["connections"] >= users * 0.98
    rows.append(("Users with keep-alive connections, --processes 3 (waits 5-10 s)",
                 f"{users:,} users, {bigproc['connections']:,} connections, RSS of master + slaves "
                 f"{bigproc['rss_kib'] / 1024:.0f} MiB ({bigproc['rss_kib'] / max(users, 1):.1f} KiB/user), "
                 f"{(reqs or 0) / 50:,.0f} req/s", ">= 50,000 (in one process)", "in 3 processes" if ok else "no"))
big = load(os.path.join(SCALE, "big.json"))
if big and big.get("rss_kib"):
    users = hatched("big")
    reqs = requests_of(os.path.join(SCALE, "big"))
    rows.append(("Users in one process without HTTP (waits 1-2 s)",
                 f"{users:,} users, RSS {big['rss_kib'] / 1024:.0f} MiB "
                 f"({big['rss_kib'] / max(users, 1):.1f} KiB/user), {(reqs or 0) / 30:,.0f} tasks/s",
                 ">= 50,000", "yes" if users >= 50000 else "no"))
for key, label in (("lr", "locust-run"), ("lf", "Locust FastHttpUser")):
    s = load(os.path.join(SCALE, f"startup-{key}.json"))
    if s and s.get("median_ms") is not None:
        goal = "< 50 ms" if key == "lr" else ""
        met = ("yes" if s["median_ms"] < 50 else "no") if key == "lr" else ""
        rows.append((f"Start-up, exec to first request: {label}",
                     f"{s['median_ms']:.1f} ms (median of {s['runs']}, min {s['min_ms']:.1f})", goal, met))
p1, p2 = requests_of(os.path.join(SCALE, "proc1")), requests_of(os.path.join(SCALE, "proc2"))
if p1 and p2:
    rows.append(("--processes 2 vs one process (CPU-heavy task)",
                 f"{p2 / DUR:,.0f} vs {p1 / DUR:,.0f} req/s: {p2 / p1:.2f}x", "gain on 2 cores",
                 "yes" if p2 > p1 * 1.3 else "no"))
# The master runs: the median share of a core (user + system, all threads), its range, and CPU per report.
mruns = [m for m in (load(p) for p in sorted(glob.glob(os.path.join(SCALE, "master.*.json"))))
         if m and m.get("master_cpu_share") is not None]
if mruns:
    shares = [m["master_cpu_share"] * 100 for m in mruns]
    share = median(shares)
    per = median([m["master_us_per_report"] for m in mruns if m.get("master_us_per_report")])
    spread = f", {min(shares):.2f}-{max(shares):.2f}%" if len(mruns) > 1 else ""
    rows.append(("Master CPU, 100 slaves reporting 1/s",
                 f"{share:.2f}% of a core (median of {len(mruns)}{spread}; "
                 + (f"{per:.0f} us per report, " if per else "") + f"{mruns[0]['reports']:,} reports a run)",
                 "< 5%", "yes" if share < 5 else "no"))
if rows:
    print("\n## Scale\n")
    print("| measure | locust-run | goal | met |")
    print("|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
