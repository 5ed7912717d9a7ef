#!/usr/bin/env python3
"""Checks the core library's layering (docs/architecture.md): a file in daemon/core/<layer>/
includes only headers of its own layer or of layers below it; SQLite's header reaches only
store/, prometheus-cpp's only http/. Exits 1 naming every violation as file:line."""
import pathlib
import re
import sys

LAYERS = ["util", "model", "config", "eval", "store", "report", "alerts", "notify", "http", "app"]
ONLY_IN = {"sqlite3.h": "store", "prometheus/": "http"}

core = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "daemon/core")
problems = []
for path in sorted(core.rglob("*.[ch]pp")):
    layer = path.relative_to(core).parts[0]
    if layer not in LAYERS:
        problems.append(f"{path}: not in a layer folder ({', '.join(LAYERS)})")
        continue
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = re.match(r'\s*#\s*include\s*([<"])([^>"]+)[>"]', line)
        if not m:
            continue
        target = m.group(2)
        if m.group(1) == '"':
            dep = target.split("/")[0]
            if dep not in LAYERS:
                problems.append(f"{path}:{n}: includes \"{target}\" without its layer folder")
            elif LAYERS.index(dep) > LAYERS.index(layer):
                problems.append(f"{path}:{n}: {layer}/ includes {target}, a layer above it")
        for header, home in ONLY_IN.items():
            if target.startswith(header) and layer != home:
                problems.append(f"{path}:{n}: <{target}> is for {home}/ only")
for p in problems:
    print(p)
print(f"{len(problems)} layering problems in {core}")
sys.exit(1 if problems else 0)
