#!/usr/bin/env python3
"""Line-length and file-size check of the Swift sources (run by .ci/run; no third-party modules).

The formatter's line length (.swift-format) is 130, the length the code keeps (99% of its lines
fit). This check fails only above --max-columns (150), where the tree held 16 lines when the
check was added; the longer lines that remain are listed verbatim in scripts/long-lines.allow, so
that each one is a visible exception and any new one fails. A file may not exceed --max-lines
(400; the longest held 371 then) unless scripts/long-files.allow lists it with its own ceiling
("PATH LINES", one a line), again a visible exception. Columns are counted in characters, not bytes.

Usage: scripts/check-lines.py [--max-columns N] [--max-lines N] [FILE ...]
(default files: every Swift file git tracks, or would track, below the repository root)
"""
import argparse
import os
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
ALLOW = os.path.join(ROOT, "scripts", "long-lines.allow")
FILE_ALLOW = os.path.join(ROOT, "scripts", "long-files.allow")


def swift_files():
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", "*.swift"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return sorted(set(p for p in out.splitlines() if os.path.isfile(os.path.join(ROOT, p))))


def allowed_lines():
    if not os.path.exists(ALLOW):
        return set()
    with open(ALLOW, encoding="utf-8") as f:
        # Entries are whole source lines, indentation included; '#' lines document the file.
        return {line.rstrip("\n") for line in f if line.strip() and not line.startswith("#")}


def file_ceilings():
    if not os.path.exists(FILE_ALLOW):
        return {}
    with open(FILE_ALLOW, encoding="utf-8") as f:
        entries = [line.split() for line in f if line.strip() and not line.startswith("#")]
    return {path: int(limit) for path, limit in entries}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*")
    parser.add_argument("--max-columns", type=int, default=150)
    parser.add_argument("--max-lines", type=int, default=400)
    args = parser.parse_args()
    files = args.files or swift_files()
    allowed = allowed_lines()
    ceilings = file_ceilings()
    used = set()
    problems = []
    for path in files:
        with open(os.path.join(ROOT, path), encoding="utf-8") as f:
            lines = f.read().split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        for number, line in enumerate(lines, 1):
            if len(line) > args.max_columns:
                if line in allowed:
                    used.add(line)
                else:
                    problems.append(f"{path}:{number}: {len(line)} characters (limit {args.max_columns})")
        limit = max(args.max_lines, ceilings.get(path, 0))
        if len(lines) > limit:
            problems.append(f"{path}: {len(lines)} lines (limit {limit}): split it")
    for line in sorted(allowed - used):
        if not args.files:
            print(f"note: {os.path.relpath(ALLOW, ROOT)} lists a line no file holds any more: {line.strip()[:60]}...")
    if problems:
        print("\n".join(problems))
        return 1
    print(f"check-lines: {len(files)} Swift files, no line over {args.max_columns} characters "
          f"({len(used)} allowed in {os.path.relpath(ALLOW, ROOT)}), none over {args.max_lines} lines "
          f"({len(ceilings)} allowed more in {os.path.relpath(FILE_ALLOW, ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
