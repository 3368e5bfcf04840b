#!/usr/bin/python3
"""Draws docs/openmodel.svg, the README's picture of coordinated omission, from real runs.

Usage: scripts/openmodel_picture.py BUILD_DIR [OUT.svg]

Runs locust-run three times for 8 s against tests/openmodel/stall_server.py (50 ms per response,
the whole server stalled for 2 s, 3 s after the first request): the closed model (5 users, no
wait), the open model (--rate 100, a pool of 300) and 5 users paced at 20 runs/s each
(constant_pacing). From the server's own record it draws, per 100 ms, the requests that reached
the server, coloured by how long the slowest of them took; next to each run, what locust-run
reported: the service-time p99 and, for the scheduled runs, the corrected p99 and the runs
dropped.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(SRC, "build")
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(SRC, "docs", "openmodel.svg")
RUNS = [
    ("closed model: 5 users, no wait", "OpenGet", ["-c", "5", "-r", "100"]),
    ("open model: --rate 100 -c 300", "OpenGet", ["--rate", "100", "-c", "300"]),
    ("5 users, constant_pacing(0.05)", "OpenPaced", ["-c", "5", "-r", "100"]),
]
SECONDS, BUCKET = 8.0, 0.1


def run(tmp, name, cls, opts):
    """One run against a fresh stall server: (the server's record, locust-run's console output)."""
    port_file, record = os.path.join(tmp, name + ".port"), os.path.join(tmp, name + ".json")
    server = subprocess.Popen([sys.executable, os.path.join(SRC, "tests/openmodel/stall_server.py"),
                               port_file, record, "0.050", "3", "2"])
    for _ in range(100):
        if os.path.exists(port_file):
            break
        time.sleep(0.1)
    port = open(port_file).read()
    out = subprocess.run([os.path.join(BUILD, "locust-run"), "-f",
                          os.path.join(SRC, "tests/cli_scenarios/openmodel.c"), "-H", "http://127.0.0.1:" + port,
                          "--no-web", "--only-summary", "-t", "%ds" % SECONDS] + opts + [cls],
                         capture_output=True, text=True, check=True).stderr
    server.terminate()
    server.wait()
    return json.load(open(record)), out


def figures(out):
    """The service p99, corrected p99 (or None) and runs dropped (or None) of the Total."""
    svc = re.findall(r"^\s+Total\s+service\s+\d+\s+\S+\s+\S+\s+(\S+)", out, re.M)
    cor = re.findall(r"^\s+Total\s+corrected\s+\d+\s+\S+\s+\S+\s+(\S+)", out, re.M)
    drop = re.findall(r"(\d+) runs dropped", out)
    if not svc:  # the closed model has no scheduled-runs block: 0.9's percentile table
        svc = [re.findall(r"^ Total\s+\d+(?:\s+\d+){7}\s+(\d+)\s+\d+\s*$", out, re.M)[-1]]
    return float(svc[-1]), float(cor[-1]) if cor else None, int(drop[-1]) if drop else None


def colour(ms):
    if ms >= 1000:
        return "#c62828"
    if ms >= 200:
        return "#f9a825"
    return "#2e7d32"


def svg(results):
    w, left, right, row_h, top = 960, 230, 250, 110, 50
    plot_w = w - left - right
    n = int(SECONDS / BUCKET)
    bw = plot_w / n
    h = top + row_h * len(results) + 50
    o = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" '
         'font-size="12">' % (w, h), '<rect width="100%" height="100%" fill="white"/>',
         '<text x="10" y="22" font-size="15" font-weight="bold">Requests that reached the server per 100 ms '
         '(50 ms each; the server stalls for 2 s at 3 s)</text>',
         '<text x="10" y="40" fill="#555">colour: the slowest of them, '
         '<tspan fill="#2e7d32">under 200 ms</tspan>, <tspan fill="#f9a825">200 ms to 1 s</tspan>, '
         '<tspan fill="#c62828">over 1 s</tspan>; on the right, what locust-run reported</text>']
    for r, (label, rec, (p99, cp99, dropped)) in enumerate(results):
        y0 = top + r * row_h
        base = y0 + row_h - 25
        counts, slowest = [0] * n, [0.0] * n
        for a, b in rec["requests"]:
            k = int((a - rec["first"]) / BUCKET)
            if 0 <= k < n:
                counts[k] += 1
                slowest[k] = max(slowest[k], (b - a) * 1000)
        peak = max(max(counts), 1)
        sx = left + rec["stall_after"] / BUCKET * bw
        o.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="#fde0e0"/>'
                 % (sx, y0 + 5, rec["stall"] / BUCKET * bw, row_h - 30))
        for k in range(n):
            if counts[k]:
                bh = counts[k] / peak * (row_h - 35)
                o.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>'
                         % (left + k * bw + 0.5, base - bh, bw - 1, bh, colour(slowest[k])))
        o.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>' % (left, base, left + plot_w, base))
        o.append('<text x="10" y="%d" font-weight="bold">%s</text>' % (y0 + 40, label))
        o.append('<text x="10" y="%d" fill="#555">%d requests</text>' % (y0 + 58, len(rec["requests"])))
        lines = ["p99 service time: %.0f ms" % p99]
        if cp99 is not None:
            lines.append("p99 corrected time: %.0f ms" % cp99)
            lines.append("runs dropped: %d" % dropped)
        else:
            lines.append("(no schedule, no correction:")
            lines.append(" the stall is hidden)")
        for i, t in enumerate(lines):
            o.append('<text x="%d" y="%d">%s</text>' % (left + plot_w + 15, y0 + 35 + 17 * i, t))
    for s in range(int(SECONDS) + 1):
        x = left + s / BUCKET * bw
        o.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%d s</text>' % (x, h - 25, s))
    o.append("</svg>")
    return "\n".join(o) + "\n"


def main():
    with tempfile.TemporaryDirectory() as tmp:
        results = []
        for i, (label, cls, opts) in enumerate(RUNS):
            rec, out = run(tmp, "run%d" % i, cls, opts)
            results.append((label, rec, figures(out)))
            print(label, "->", results[-1][2], file=sys.stderr)
    with open(OUT, "w") as f:
        f.write(svg(results))
    print("wrote", OUT, file=sys.stderr)


if __name__ == "__main__":
    main()
