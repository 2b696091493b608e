#!/usr/bin/env python3
"""Doc-comment coverage of the public API of the library targets (no third-party modules).

Counts every declaration that is part of a target's public API and whether a doc comment
(`///` lines or a `/** */` block) precedes it; attribute lines (`@inlinable`, ...) may sit between
the comment and the declaration, blank lines and `//` comments may not (Swift would not attach it).

What counts as a declaration of the public API:
- func, init, subscript, var, let, typealias, associatedtype, struct, class, enum, protocol, actor,
  declared `public` or `open`, or with no access modifier inside a `public extension` or inside a
  public protocol (protocol requirements are public API);
- only when every enclosing type is public too (a public member of an internal type is not API;
  an extension of a type the target declares non-public is not API either);
- never extensions themselves, nor anything inside a function, accessor or closure body, nor names
  that start with an underscore (public for technical reasons; DocC hides them too).
- enum cases of a public enum, one per case name: documented by their own doc comment, or by the
  enum's doc comment naming the case in backticks (`name` or `.name`), so a one-line enum such as
  `enum Phase { case forward, backward }` is documented by a comment that says what each case means.

Usage: scripts/doc-coverage.py [--min PERCENT] [--root DIR] [TARGET ...]
Prints documented/total per target and every undocumented declaration as file:line; exits 1 when
the overall percentage is below --min (default 100).
"""
import argparse
import os
import re
import sys

LIBRARY_TARGETS = ["VecPlatform", "VecKernels", "Vecgrad", "VecBench", "VecBenchHistory", "VecBenchCommandLine"]
DECL_KEYWORDS = {"func", "init", "subscript", "var", "let", "typealias", "associatedtype", "struct",
                 "class", "enum", "protocol", "actor", "extension", "case", "macro"}
TYPE_KEYWORDS = {"struct", "class", "enum", "protocol", "actor", "extension"}
ACCESS = {"public", "open", "internal", "fileprivate", "private", "package"}
MODIFIERS = ACCESS | {"static", "class", "final", "override", "mutating", "nonmutating", "convenience",
                      "required", "lazy", "weak", "unowned", "indirect", "dynamic", "nonisolated",
                      "optional", "prefix", "postfix", "infix", "isolated", "distributed",
                      "borrowing", "consuming", "__consuming"}
TOKEN = re.compile(r"@\w+(?:\s*\([^()]*\))?|[A-Za-z_]\w*(?:\s*\(\s*(?:set|unsafe|safe)\s*\))?|\S")


def blank_code(text):
    """The text with comments and string-literal contents replaced by spaces (newlines kept),
    so that braces and keywords inside them are not seen."""
    out = list(text)
    n = len(text)
    i = 0

    def blank(a, b):
        for k in range(a, min(b, n)):
            if out[k] != "\n":
                out[k] = " "

    def skip_string(i):
        # i at the opening quote(s), possibly after '#'s; returns the index after the literal.
        hashes = 0
        while i < n and text[i] == "#":
            hashes += 1
            i += 1
        multi = text.startswith('"""', i)
        quote = '"""' if multi else '"'
        i += len(quote)
        close = quote + "#" * hashes
        escape = "\\" + "#" * hashes
        while i < n:
            if text.startswith(escape, i):
                j = i + len(escape)
                if j < n and text[j] == "(":
                    i = skip_code_until_paren(j + 1)
                    continue
                i = j + 1
                continue
            if text.startswith(close, i):
                return i + len(close)
            if not multi and text[i] == "\n":
                return i  # unterminated: stop at the line end
            i += 1
        return n

    def skip_code_until_paren(i):
        depth = 1
        while i < n:
            c = text[i]
            if c == '"' or (c == "#" and re.match(r'#+"', text[i:i + 10])):
                i = skip_string(i)
                continue
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        return n

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            blank(i, j)
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            blank(i, j)
            i = j
        elif c == '"' or (c == "#" and re.match(r'#+"', text[i:i + 10])):
            j = skip_string(i)
            blank(i, j)
            out[i] = '"'  # keep a marker so the statement is not empty
            i = j
        else:
            i += 1
    return "".join(out)


class Scope:
    def __init__(self, kind, public=False, keyword=None, name=None, public_members=False, doc=""):
        self.kind = kind              # "file", "type" or "code"
        self.public = public          # the type (or the extended type) is public API
        self.keyword = keyword        # struct, enum, protocol, extension, ...
        self.name = name
        self.public_members = public_members  # members without a modifier are public
        self.doc = doc


def parse_head(segment):
    """(modifiers, keyword, rest tokens) if the segment starts a declaration, else None."""
    tokens = TOKEN.findall(segment)
    i = 0
    while i < len(tokens) and tokens[i].startswith("@"):
        i += 1
    mods = []
    while i < len(tokens):
        t = re.sub(r"\s+", "", tokens[i])
        word = t.split("(")[0]
        if word == "class" and not (i + 1 < len(tokens) and tokens[i + 1].split("(")[0] in MODIFIERS | DECL_KEYWORDS):
            break
        if word in MODIFIERS:
            mods.append(t)
            i += 1
        else:
            break
    if i < len(tokens) and tokens[i] in DECL_KEYWORDS:
        return mods, tokens[i], tokens[i + 1:]
    return None


def access_of(mods):
    for m in mods:
        if m in ACCESS:          # `private(set)` and the like only narrow the setter
            return m
    return None


def decl_name(keyword, rest):
    if keyword in ("init", "subscript"):
        return keyword + (rest[0] if rest and rest[0] in "?!" else "") + params(rest)
    if keyword == "func" and rest:
        return rest[0] + params(rest[1:])
    return rest[0] if rest else "?"


def params(rest):
    """`(a:b:)` from the tokens after the name: the argument labels, as DocC names a function."""
    if "(" not in rest:
        return ""
    tokens, labels, depth, expect = rest[rest.index("(") + 1:], [], 0, True
    for k, t in enumerate(tokens):
        if t in "([<":
            depth += 1
        elif t in ")]>":
            if depth == 0:
                break
            depth -= 1
        elif t == "," and depth == 0:
            expect = True
        elif expect and depth == 0 and re.match(r"\w", t):
            labels.append(t)
            expect = False
    return "(" + "".join(label + ":" for label in labels) + ")"


def doc_comment(lines, index):
    """The doc comment ending just above lines[index] (attribute lines may sit in between), or None."""
    j = index - 1
    while j >= 0 and lines[j].strip().startswith("@") and not parse_head(lines[j].strip()):
        j -= 1
    if j < 0:
        return None
    line = lines[j].strip()
    if line.startswith("///"):
        doc = []
        while j >= 0 and lines[j].strip().startswith("///"):
            doc.insert(0, lines[j].strip()[3:])
            j -= 1
        return "\n".join(doc)
    if line.endswith("*/"):
        doc = []
        while j >= 0:
            doc.insert(0, lines[j])
            if "/*" in lines[j]:
                return "\n".join(doc) if lines[j].strip().startswith("/**") else None
            j -= 1
    return None


def type_names(path, text):
    """Names of the types a file declares, with whether each is declared public or open."""
    found = []
    for m in re.finditer(r"^\s*((?:@\w+\s+)*(?:\w+\s+)*?)(struct|class|enum|protocol|actor)\s+([A-Za-z_]\w*)",
                         blank_code(text), re.M):
        mods = m.group(1).split()
        found.append((m.group(3), "public" in mods or "open" in mods))
    return found


def scan(path, text, internal_types):
    """Yields (line, kind, name, documented) for every public API declaration of one file."""
    code = blank_code(text)
    lines = text.split("\n")
    stack = [Scope("file", public=True)]
    brackets = []                      # open ( [ { as (char, Scope or None)
    pending = None                     # a type declaration waiting for its `{`
    line_no, i, n = 1, 0, len(code)
    at_start = True
    while i < n:
        c = code[i]
        if c == "\n":
            line_no += 1
            at_start = True
            i += 1
            continue
        if c in " \t\r":
            i += 1
            continue
        top_is_brace = not brackets or brackets[-1][0] == "{"
        in_types = all(s.kind != "code" for s in stack)
        if at_start and top_is_brace and in_types:
            end = code.find("\n", i)
            end = n if end < 0 else end
            seg = re.split(r"[{};]", code[i:end], maxsplit=1)[0]
            head = parse_head(seg)
            line_start = code.rfind("\n", 0, i) + 1
            starts_line = code[line_start:i].strip() == ""
            if head:
                mods, kw, rest = head
                parent = stack[-1]
                access = access_of(mods)
                if access is None:
                    if kw == "case" or parent.keyword == "protocol" or parent.public_members:
                        access = "public" if parent.public else "internal"
                    else:
                        access = "internal"
                own_public = access in ("public", "open")
                if kw == "extension":
                    name = rest[0] if rest else "?"
                    extended_public = name.split(".")[-1] not in internal_types
                    pending = (len(brackets), Scope("type", public=extended_public, keyword=kw, name=name,
                                                    public_members=(access_of(mods) in ("public", "open"))))
                else:
                    is_api = own_public and parent.public
                    doc = doc_comment(lines, line_no - 1) if starts_line else None
                    if kw == "case":
                        if parent.keyword == "enum" and is_api:
                            names = case_names(seg)
                            for case in names:
                                named = bool(re.search(r"`\.?%s\b[^`]*`" % re.escape(case), parent.doc or ""))
                                yield line_no, "case", case, doc is not None or named
                    elif is_api and not decl_name(kw, rest).startswith("_"):
                        yield line_no, kw, decl_name(kw, rest), doc is not None
                    if kw in TYPE_KEYWORDS:
                        pending = (len(brackets), Scope("type", public=is_api, keyword=kw,
                                                        name=decl_name(kw, rest), doc=doc or ""))
            at_start = False
        if c in "([":
            brackets.append((c, None))
        elif c == "{":
            if pending and pending[0] == len(brackets):
                scope, pending = pending[1], None
            else:
                scope = Scope("code")
            brackets.append((c, scope))
            stack.append(scope)
            at_start = True
        elif c in ")]":
            if brackets and brackets[-1][0] != "{":
                brackets.pop()
        elif c == "}":
            while brackets and brackets[-1][0] != "{":
                brackets.pop()
            if brackets:
                brackets.pop()
                stack.pop()
            at_start = True
        elif c == ";":
            at_start = True
        i += 1


def case_names(segment):
    body = segment.split("case", 1)[1]
    parts, depth, current = [], 0, ""
    for ch in body:
        depth += (ch in "([") - (ch in ")]")
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [m.group(1) for m in (re.match(r"\s*`?([A-Za-z_]\w*)", s) for s in parts) if m]


def swift_files(folder):
    for root, _, files in sorted(os.walk(folder)):
        for f in sorted(files):
            if f.endswith(".swift"):
                yield os.path.join(root, f)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("targets", nargs="*", default=LIBRARY_TARGETS, help="folders under Sources/")
    parser.add_argument("--min", type=float, default=100.0, help="fail below this overall percentage")
    parser.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    args = parser.parse_args()
    root = os.path.normpath(args.root)
    rows, missing = [], []
    for target in args.targets:
        folder = os.path.join(root, "Sources", target)
        if not os.path.isdir(folder):
            folder = target if os.path.isdir(target) else None
        if folder is None:
            print(f"doc-coverage: no folder Sources/{target}", file=sys.stderr)
            return 2
        files = [(p, open(p, encoding="utf-8").read()) for p in swift_files(folder)]
        declared = {}
        for p, text in files:
            for name, public in type_names(p, text):
                declared[name] = declared.get(name, False) or public
        internal = {name for name, public in declared.items() if not public}
        documented = total = 0
        for p, text in files:
            for line, kind, name, ok in scan(p, text, internal):
                total += 1
                documented += ok
                if not ok:
                    label = name if name.startswith(kind) else f"{kind} {name}"
                    missing.append(f"{os.path.relpath(p, root)}:{line}: {label}")
        rows.append((target, documented, total))
    width = max(len(t) for t, _, _ in rows + [("total", 0, 0)])
    print(f"{'target':<{width}}  documented  total  percent")
    doc_sum = sum(d for _, d, _ in rows)
    all_sum = sum(t for _, _, t in rows)
    for target, d, t in rows + [("total", doc_sum, all_sum)]:
        pct = 100.0 * d / t if t else 100.0
        print(f"{target:<{width}}  {d:>10}  {t:>5}  {pct:6.1f}%")
    if missing:
        print(f"\nundocumented ({len(missing)}):")
        print("\n".join(missing))
    overall = 100.0 * doc_sum / all_sum if all_sum else 100.0
    if overall + 1e-9 < args.min:
        print(f"\ndoc-coverage: {overall:.1f}% is below --min {args.min:g}%", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
