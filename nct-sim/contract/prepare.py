#!/usr/bin/env python3
"""Writes the spec schemathesis checks the simulator against: nct-openapi.json with exceptions.json applied.

Usage: prepare.py OUT.json
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def walk(doc, pointer):
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/")]
    node = doc
    for p in parts[:-1]:
        node = node[p]
    return node, parts[-1]


def main():
    spec = json.load(open(os.path.join(HERE, "nct-openapi.json"), encoding="utf-8"))
    rules = json.load(open(os.path.join(HERE, "exceptions.json"), encoding="utf-8"))
    for e in rules["exceptions"]:
        parent, last = walk(spec, e["pointer"])
        if last not in parent:
            sys.exit(f"exception {e['pointer']}: the spec has no such place (was it fixed upstream?)")
        if e["op"] == "remove":
            del parent[last]
        elif e["op"] == "array-of-ref":
            old = parent[last]
            ref = {"$ref": old["$ref"]} if "$ref" in old else old
            new = {"type": "array", "items": ref}
            if "description" in old:
                new["description"] = old["description"]
            parent[last] = new
        elif e["op"] == "both-cases":
            parent[last] = sorted(set(parent[last]) | {v.upper() for v in parent[last]})
        else:
            sys.exit(f"unknown op {e['op']}")
    json.dump(spec, open(sys.argv[1], "w", encoding="utf-8"), ensure_ascii=False)


if __name__ == "__main__":
    main()
