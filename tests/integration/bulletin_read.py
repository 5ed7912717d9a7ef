#!/usr/bin/python3
"""Reads a bulletin's .xlsx (Debian's python3-openpyxl) and its HTML page back and prints what
they hold as one JSON document: the counts of each format, the units' lines of the .xlsx and the
number of rows of each list, and the checks of the workbook's form (title, frozen header rows,
numbers stored as numbers). Used by tests/integration/bulletin_test.cpp.

usage: bulletin_read.py FILE.xlsx FILE.html"""
import json
import re
import sys

import openpyxl

PROGRESS = ["completed", "on_schedule", "behind", "not_started"]
STATUSES = ["pending", "on_track", "at_risk", "missed", "achieved", "overdue", "no_data"]
problems = []


def counts(cells):
    if not all(isinstance(c, int) for c in cells[1:]):
        problems.append(f"counts not stored as numbers: {cells}")
    return {"tasks": cells[1],
            "progress": dict(zip(PROGRESS, cells[2:6])),
            "indicators": cells[6],
            "statuses": dict(zip(STATUSES, cells[7:14]))}


def data_rows(ws):
    return [r for r in ws.iter_rows(min_row=4, values_only=True) if any(c is not None for c in r)]


wb = openpyxl.load_workbook(sys.argv[1])
out = {"sheets": wb.sheetnames}
for ws in wb.worksheets:
    if ws.freeze_panes != "A4":
        problems.append(f"sheet {ws.title}: frozen at {ws.freeze_panes}, not below row 3")
out["title"] = wb.worksheets[0]["A1"].value
out["headline"] = wb.worksheets[0]["A2"].value
out["xlsx"] = {"counts": counts(list(data_rows(wb["总体情况"])[0])),
               "sections": [counts(list(r)) | {"name": r[0]} for r in data_rows(wb["分领域"])],
               "units": [], "overdue": len(data_rows(wb["逾期未报"])),
               "targets": len(data_rows(wb["目标预警"])),
               "obligations": len(data_rows(wb["任务进展"]))}
for r in data_rows(wb["单位排名"]):
    rate = r[7]
    if rate is not None and not isinstance(rate, float) and not isinstance(rate, int):
        problems.append(f"on-time rate not a number: {r}")
    out["xlsx"]["units"].append({"rank": r[0] if isinstance(r[0], int) else None, "name": r[1],
                                 "led": r[2], "due": r[3], "on_time": r[4], "late": r[5],
                                 "missing": r[6], "on_time_rate": rate, "achieved": r[8],
                                 "at_risk": r[9], "missed": r[10]})
for r in data_rows(wb["逾期未报"]):
    if not isinstance(r[5], int):
        problems.append(f"working days overdue not a number: {r}")

html = open(sys.argv[2], encoding="utf-8").read()
m = re.search(r'<tbody id="counts"><tr>(.*?)</tr>', html)
cells = re.findall(r"<td[^>]*>(.*?)</td>", m.group(1)) if m else []
out["html"] = {"counts": counts([cells[0]] + [int(c) for c in cells[1:]]) if cells else None,
               "units": html.count('<tr class="unit">'),
               "overdue": html.count('<tr class="overdue">'),
               "targets": html.count('<tr class="target">'),
               "obligations": html.count('<tr class="obligation">')}
out["problems"] = problems
print(json.dumps(out, ensure_ascii=False, indent=1))
