#!/usr/bin/python3
"""Every PromQL expression of the shipped Grafana dashboard and Prometheus rules, as JSON lines.

usage: promql_exprs.py --dashboard D.json --rules R.yml [--rules ...] --set NAME=VALUE ...

Each line is {"source": where it is, "expr": the query with the dashboard's variables replaced
by the --set values, "want": "data" | "evaluates"}:
  - a dashboard panel's target and a template variable's label_values() selector: "data" (it
    must return series for the bundled plan);
  - a per-indicator alert rule (its group's name ends in "-indicators"): "data" (the bundled
    plan has overdue, missed and at-risk indicators at the test's date);
  - a health alert rule: the whole expression "evaluates" (a healthy daemon raises none), and
    the metric name of each of its series selectors is listed on its own with "data", so a
    renamed family fails. A family that exists only on a weekends_only calendar is "evaluates".
Used by tests/integration/prometheus_queries_test.cpp.
"""
import argparse
import json
import re
import sys

import yaml

# A series selector: a metric name followed by its label matchers.
SELECTOR = re.compile(r'\b([a-zA-Z_:][a-zA-Z0-9_:]*)\{[^}]*\}')
# Families that have series only in conditions the bundled plan does not have.
CONDITIONAL = {"indicatord_calendar_weekends_only"}
GRAFANA_BUILTINS = {"__rate_interval": "1m", "__interval": "15s", "__range": "1h"}


def substitute(expr, values):
    def one(m):
        name = m.group(1) or m.group(2)
        if name in values:
            return values[name]
        if name in GRAFANA_BUILTINS:
            return GRAFANA_BUILTINS[name]
        sys.exit(f"no value for the variable ${name} in: {expr}")
    return re.sub(r'\$\{(\w+)\}|\$(\w+)', one, expr)


def panels(items):
    for p in items:
        yield p
        yield from panels(p.get("panels", []))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dashboard", action="append", default=[])
    ap.add_argument("--rules", action="append", default=[])
    ap.add_argument("--set", action="append", default=[])
    args = ap.parse_args()
    values = dict(s.split("=", 1) for s in args.set)
    out = []
    for path in args.dashboard:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        for v in d.get("templating", {}).get("list", []):
            if v.get("type") != "query":
                continue
            q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
            m = re.fullmatch(r'\s*label_values\((.*),\s*(\w+)\)\s*', q)
            if not m:
                sys.exit(f"{path}: variable {v['name']}: not label_values(selector, label): {q}")
            out.append({"source": f"{path}: variable {v['name']}",
                        "expr": substitute(m.group(1), values), "want": "data",
                        "label": m.group(2)})
        for p in panels(d.get("panels", [])):
            for t in p.get("targets", []):
                if "expr" in t:
                    out.append({"source": f"{path}: panel '{p['title']}' target {t['refId']}",
                                "expr": substitute(t["expr"], values), "want": "data"})
    for path in args.rules:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        for g in doc["groups"]:
            per_indicator = g["name"].endswith("-indicators")
            for r in g["rules"]:
                name = r.get("alert") or r.get("record")
                src = f"{path}: {g['name']}/{name}"
                expr = r["expr"]
                if per_indicator:
                    out.append({"source": src, "expr": expr, "want": "data"})
                    continue
                out.append({"source": src, "expr": expr, "want": "evaluates"})
                for name in dict.fromkeys(m.group(1) for m in SELECTOR.finditer(expr)):
                    out.append({"source": f"{src}: its series {name}", "expr": name,
                                "want": "evaluates" if name in CONDITIONAL else "data"})
    for o in out:
        print(json.dumps(o, ensure_ascii=False))


if __name__ == "__main__":
    main()
