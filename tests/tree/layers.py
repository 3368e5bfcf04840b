#!/usr/bin/env python3
"""The dependency rule of docs/architecture.md, checked.

liblocust's layers, lowest first: base <- stats <- core <- {http, dist,
report} and report <- web. A file may use its own layer and the layers below
it, never a layer above nor a peer (http, dist and report plug into the
core, not into each other; the web UI serves the reports). cli/ and demo/
sit on top and may use any public header.

Two checks, both must hold:
  1. includes: every `#include "X/..."` in liblocust/L/ names a layer X that L may use;
  2. symbols: every locust_/locust__ symbol an object file of layer L needs is
     defined by an object of a layer L may use (run on a build tree).
Usage: layers.py SRCDIR [BUILDDIR]
"""
import os
import re
import subprocess
import sys

# What each layer may use besides itself.
BELOW = {
    "base": set(),
    "stats": {"base"},
    "core": {"base", "stats"},
    "http": {"base", "stats", "core"},
    "dist": {"base", "stats", "core"},
    "report": {"base", "stats", "core"},
    "web": {"base", "stats", "core", "report"},
}
RANK = BELOW  # the layers, for lookups


def may_use(layer, other):
    return other == layer or other in BELOW[layer]


def check_includes(src):
    bad = []
    inc = re.compile(r'^\s*#\s*include\s+"([a-z]+)/[^"]+"', re.M)
    root = os.path.join(src, "liblocust")
    for layer in RANK:
        d = os.path.join(root, layer)
        for dirpath, _, files in os.walk(d):
            for f in files:
                if not f.endswith((".c", ".h")):
                    continue
                path = os.path.join(dirpath, f)
                with open(path, encoding="utf-8", errors="replace") as fh:
                    text = fh.read()
                for m in inc.finditer(text):
                    other = m.group(1)
                    if other in RANK and not may_use(layer, other):
                        line = text.count("\n", 0, m.start()) + 1
                        rel = os.path.relpath(path, src)
                        bad.append(f"{rel}:{line}: layer '{layer}' includes '{m.group(0).strip()}' of layer '{other}'")
    return bad


def nm(path, flags):
    out = subprocess.run(["nm", *flags, path], capture_output=True, text=True, check=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.split()}


def check_symbols(build):
    root = os.path.join(build, "liblocust")
    if not os.path.isdir(root):
        return None
    defined, needed = {}, {}
    for layer in RANK:
        d = os.path.join(root, layer)
        if not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            if not f.endswith(".o"):
                continue
            obj = os.path.join(d, f)
            for s in nm(obj, ["--defined-only", "-g"]):
                defined.setdefault(s, layer)
            needed[os.path.relpath(obj, build)] = (layer, {s for s in nm(obj, ["-u"]) if s.startswith("locust_")})
    if not needed:
        return None
    bad = []
    for obj, (layer, syms) in sorted(needed.items()):
        for s in sorted(syms):
            owner = defined.get(s)
            if owner is not None and not may_use(layer, owner):
                bad.append(f"{obj}: layer '{layer}' needs {s}, defined in layer '{owner}'")
    return bad


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    src = sys.argv[1]
    bad = check_includes(src)
    sym = check_symbols(sys.argv[2]) if len(sys.argv) > 2 else None
    if sym is None:
        print("layers: no object files found; checked includes only")
    else:
        bad += sym
    for b in bad:
        print(b)
    if bad:
        print(f"layers: {len(bad)} use(s) of a layer above or beside (docs/architecture.md)")
        return 1
    print("layers: every file uses only its own layer and those below it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
