#!/usr/bin/env python3
"""Checks the Catch2 test names under tests/: catch_discover_tests hands each name to CTest, which
cuts a name at ';' (a list separator); the test then runs nothing and
still passes ("No tests ran"). Exits 1 naming every such test as file:line."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "tests")
problems = []
for path in sorted(root.rglob("*.cpp")):
    text = path.read_text(encoding="utf-8")
    for m in re.finditer(r'\bTEST_CASE\s*\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)', text):
        name = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)))
        if ";" in name:
            line = text.count("\n", 0, m.start()) + 1
            problems.append(f"{path}:{line}: test name has ';': {name}")
print("\n".join(problems) if problems else f"{root}: every test name is safe for CTest")
sys.exit(1 if problems else 0)
