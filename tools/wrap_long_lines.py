#!/usr/bin/env python3
"""Wrap the code lines over 100 characters in notebooks' code cells, and only those.

Usage: python tools/wrap_long_lines.py [--limit 100] [--dry-run] NB.ipynb...

Every other line of a cell stays byte-identical. What is too long, line by line:
- a statement, or a compound statement's header (`if ...:`, `def ...(...):`): that statement alone
  goes through `ruff format` (dedented, at the width its indentation leaves, quotes preserved);
  a one-liner `if x: body` is first split after its colon;
- a comment line: rewrapped at its indentation (the overflow joins the next comment line when that
  one continues the sentence); a trailing comment moves onto its own line above its code line,
  except on a function's parameter lines (fastcore's docments reads it as the parameter's doc) and
  in a `parameters` cell (papermill reads it as the help): those are left for a person;
- a docstring line: its paragraph is rewrapped (a one-line "..." docstring becomes triple-quoted);
- a string literal ruff cannot split: split at spaces into implicitly concatenated literals, on
  their own lines inside the brackets it sits in (or inside new parentheses), never inside `{...}`
  of an f-string; a piece without braces loses its `f`.
Each change must keep `midl_book.core.code_key` of the cell (the syntax tree without comments,
layout and docstrings) or it is undone; a `parameters` cell must give papermill the same names and
defaults. Lines that are still long are listed with the reason, for a person to shorten.
"""
import argparse, ast, copy, io, json, re, shutil, subprocess, sys, tempfile, textwrap, tokenize
from pathlib import Path

LIMIT = 100
RUFF_ONLY = False  # --ruff: no `fill`, every long statement through ruff
RUFF = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
MAGIC = re.compile(r"^\s*[%!]")
LIST_ITEM = re.compile(r"^([-*+]|\d+[.)])\s+")


def code_key(s):
    from midl_book.core import code_key as ck
    return ck(s)


def _indent(line): return line[: len(line) - len(line.lstrip())]


def _ccol(line, bcol):
    "Character column of the AST's UTF-8 byte column `bcol` in `line`."
    return len(line.encode()[:bcol].decode(errors="ignore"))


class Info:
    "The syntax of one cell: statements, tokens with bracket depth, comments, strings, docstrings."
    def __init__(self, lines):
        masked = ["" if MAGIC.match(l) is None else _indent(l) + "pass" for l in lines]
        masked = [m or l for m, l in zip(masked, lines)]
        self.magic = {i for i, l in enumerate(lines) if MAGIC.match(l)}
        src = "\n".join(masked) + "\n"
        self.tree = ast.parse(src)
        self.toks = []  # (type, string, (srow0, scol), (erow0, ecol), depth before the token)
        depth = 0
        for t in tokenize.generate_tokens(io.StringIO(src).readline):
            self.toks.append((t.type, t.string, (t.start[0] - 1, t.start[1]),
                              (t.end[0] - 1, t.end[1]), depth))
            if t.type == tokenize.OP and t.string in "([{": depth += 1
            elif t.type == tokenize.OP and t.string in ")]}": depth -= 1
        self.comment = {}  # row -> col of its comment
        for ty, s, st, en, d in self.toks:
            if ty == tokenize.COMMENT: self.comment[st[0]] = st[1]
        self.docstrings = []  # (srow, erow) of bare string statements (code_key ignores them)
        for n in ast.walk(self.tree):
            if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant) \
                    and isinstance(n.value.value, str):
                self.docstrings.append((n.lineno - 1, n.end_lineno - 1))

    def toks_at(self, row):
        "Whether `row` starts with a token inside brackets (a row of a longer expression)."
        t = next((t for t in self.toks if t[2][0] == row and t[0] not in _SKIP), None)
        return t is not None and t[4] > 0

    def strings(self, row):
        "The single-line string tokens on `row`."
        return [t for t in self.toks if t[0] == tokenize.STRING and t[2][0] == row == t[3][0]]

    def in_multiline_string(self, r0, r1):
        return any(t[0] == tokenize.STRING and t[2][0] != t[3][0] and t[2][0] <= r1 and t[3][0] >= r0
                   for t in self.toks)

    def colon_row(self, node):
        "The row of the colon that ends a compound statement's header."
        start = (node.lineno - 1, node.col_offset)
        for ty, s, st, en, d in self.toks:
            if st >= start and ty == tokenize.OP and s == ":" and d == 0: return st[0]
        return None

    def innermost(self, row):
        "(node, parent, siblings) of the deepest statement (or except clause) spanning `row`."
        ln, best = row + 1, (None, None, None)
        def visit(body, parent):
            nonlocal best
            for n in body:
                if n.lineno <= ln <= n.end_lineno:
                    best = (n, parent, body)
                    for f in ("body", "orelse", "finalbody", "handlers"):
                        sub = getattr(n, f, None)
                        if isinstance(sub, list) and sub and isinstance(sub[0], ast.AST): visit(sub, n)
        visit(self.tree.body, None)
        return best


def ruff_format(code, width):
    r = subprocess.run([RUFF, "format", "--isolated", "--line-length", str(max(width, 20)),
                        "--target-version", "py310", "--config", "format.quote-style='preserve'",
                        "--stdin-filename", "x.py", "-"], input=code, capture_output=True, text=True)
    return r.stdout if r.returncode == 0 else None


_GROUP = re.compile(r"[(\[{][^()\[\]{}\n]{1,16}[)\]}]")
_SHORT_OP = re.compile(r"(?<=\w) ([-+*/]) (?=\w{1,2}\b)")


def _wrap(text, lead, sub, width=None):
    "textwrap, never breaking inside a short bracketed group such as `(z, y, x)` or `(1 - r)`."
    text = _GROUP.sub(lambda m: m.group().replace(" ", "\0"), text)
    text = _SHORT_OP.sub("\0\\1\0", text)  # `W - 1` stays on one line
    return [l.replace("\0", " ") for l in
            textwrap.wrap(text, width=width or LIMIT, initial_indent=lead, subsequent_indent=sub,
                          break_long_words=False, break_on_hyphens=False)]


def reflow(lines, i, lead, text, sub, can_merge):
    """Wrap row `i` (`lead` + `text`) at LIMIT; the overflow is prepended to row i+1 when
    `can_merge(i+1)` (that row without its `sub` prefix), and so on; else it gets rows of its own."""
    out, j = [], i
    while True:
        w = _wrap(text, lead, sub)
        if len(w) <= 1:
            out.append(w[0] if w else lead.rstrip()); j += 1; break
        out.append(w[0])
        over = " ".join(x[len(sub):] for x in w[1:])
        if j + 1 < len(lines) and can_merge(j + 1):
            j += 1; lead, text = sub, over + " " + lines[j][len(sub):].strip()
        else:
            out += _wrap(over, sub, sub); j += 1; break
    return lines[:i] + out + lines[j:]


def fix_comment(lines, info, i):
    line = lines[i]
    s = line.lstrip()
    if s.startswith(("#|", "#!", "# %%")): return None, "nbdev directive or cell marker"
    m = re.match(r"#+\s*", s)
    lead = _indent(line) + m.group()
    def can_merge(j):
        l = lines[j]
        return (l.startswith(lead) and j in info.comment and len(l) > len(lead)
                and l[len(lead)].islower() and not LIST_ITEM.match(l[len(lead):]))
    return reflow(lines, i, lead, s[m.end():], lead, can_merge), None


def fix_docstring(lines, info, i, r0, r1):
    tok = next((t for t in info.toks if t[0] == tokenize.STRING and t[2][0] == r0), None)
    if tok is None or tok[3][0] != r1: return None, "docstring of several literals"
    (_, text, (sr, sc), (er, ec), _) = tok
    pre = re.match(r"[rRbBuUfF]*", text).group()
    q = text[len(pre)]
    triple = text[len(pre):].startswith(q * 3)
    Q = q * 3
    if lines[r1][ec:].strip() and not lines[r1][ec:].lstrip().startswith("#"):
        return None, "code after the docstring"
    if sr == er:
        before = lines[i][:sc]
        if before.strip(): return None, "code before the docstring"
        content = text[len(pre) + (3 if triple else 1): len(text) - (3 if triple else 1)]
        w = _wrap(content + Q + lines[i][ec:].rstrip(), before + pre + Q, before)
        return lines[:i] + w + lines[i + 1:], None
    if i == sr:
        lead = lines[i][: sc + len(pre) + 3]
        rest = lines[i][len(lead):]
        nxt = [l for l in lines[sr + 1: er + 1] if l.strip()]
        sub = _indent(nxt[0]) if nxt else _indent(lines[i])
    else:
        lead = sub = _indent(lines[i])
        rest = lines[i][len(lead):]
        m = LIST_ITEM.match(rest)
        if m: sub = lead + " " * m.end()
    def can_merge(j):
        l = lines[j]
        if j > er or not l.strip() or _indent(l) != sub: return False
        s = l.strip()
        return not (LIST_ITEM.match(s) or s.startswith((">>>", "```", Q)))
    return reflow(lines, i, lead, rest, sub, can_merge), None


def move_comment(lines, info, i):
    c = info.comment[i]
    code, com = lines[i][:c].rstrip(), lines[i][c:]
    t = i
    while t > 0 and lines[t - 1].rstrip().endswith("\\") and (t - 1) not in info.comment: t -= 1
    new = lines[:i] + [code] + lines[i + 1:]
    clause = code.lstrip().startswith(("except", "elif", "else", "finally")) and code.endswith(":")
    if clause and t == i and i + 1 < len(lines) and lines[i + 1].strip():
        return new[:i + 1] + [_indent(lines[i + 1]) + com] + new[i + 1:], None  # first in its body
    return new[:t] + [_indent(lines[t]) + com] + new[t:], None


def _parse_str(text):
    "(prefix without f, is f-string, quote, body) of a one-line literal; None if triple-quoted."
    pre = re.match(r"[rRbBuUfF]*", text).group()
    q = text[len(pre)]
    if text[len(pre):].startswith(q * 3): return None
    return re.sub("[fF]", "", pre), "f" in pre.lower(), q, text[len(pre) + 1: -1]


def _breaks(body, fstr, raw):
    "Split points: after a space or a \\n escape, outside {...} of an f-string and \\N{...}."
    out, nl, d, k = [], set(), 0, 0
    while k < len(body):
        ch = body[k]
        if ch == "\\" and not raw:
            if body[k + 1: k + 3] == "N{": k = body.find("}", k) + 1 or len(body); continue
            if body[k + 1: k + 2] == "n" and d == 0 and k + 2 < len(body): out.append(k + 2); nl.add(k + 2)
            k += 2; continue
        if fstr and ch in "{}":
            if d == 0 and body[k: k + 2] in ("{{", "}}"): k += 2; continue
            d += 1 if ch == "{" else -1
        elif ch == " " and d == 0 and k + 1 < len(body): out.append(k + 1)
        k += 1
    return out, nl


def split_string(lines, info, i):
    """Split the longest string literal of row `i` into implicitly concatenated pieces; where it is
    one of a run of literals, one per row (an implicit concatenation), the run is rewrapped."""
    toks = sorted(info.strings(i), key=lambda t: len(t[1]), reverse=True)
    if not toks: return None, "too long, no string to split"
    _, text, (_, sc), (_, ec), depth = toks[0]
    p = _parse_str(text)
    if p is None: return None, "long triple-quoted literal"
    pre, fstr, q, body = p
    raw = "r" in pre.lower()
    line = lines[i]
    inplace = not line[:sc].strip() and depth > 0
    ind = line[:sc] if inplace else _indent(line) + "    "
    suffix = line[ec:]
    top = bot = i
    if inplace:  # gather the run of literals around row i, one per row at the same column
        def member(r, last_ok):
            ts = info.strings(r)
            if r in info.comment or not ts or ts[0][2][1] != sc or lines[r][:sc] != ind: return None
            rest = lines[r][ts[0][3][1]:]
            if rest.strip() and not last_ok: return None
            m = _parse_str(ts[0][1])
            if m is None or m[0] != pre or m[2] != q: return None
            return m, rest
        members = [(p, suffix)]
        r = i - 1
        while r >= 0 and (m := member(r, False)) and not m[0][3].endswith("\\n"):
            members.insert(0, m); top = r; r -= 1
        r = i + 1
        while not suffix.strip() and not body.endswith("\\n") and r < len(lines) \
                and (m := member(r, True)):
            members.append(m); bot = r; suffix = m[1]
            if m[1].strip() or m[0][3].endswith("\\n"): break
            r += 1
        fstr = any(m[0][1] for m in members)
        if fstr and any(not m[0][1] and ("{" in m[0][3] or "}" in m[0][3]) for m in members):
            members, top, bot, suffix = [(p, line[ec:])], i, i, line[ec:]
        fstr = any(m[0][1] for m in members)
        body = "".join(m[0][3] for m in members)
    breaks, nl = _breaks(body, fstr, raw)
    def piece(s):
        return ind + (pre + "f" if fstr and ("{" in s or "}" in s) else pre) + q + s + q
    pieces, start = [], 0
    while True:
        tail = suffix if inplace else ""
        if len(piece(body[start:]) + tail) <= LIMIT:
            pieces.append(piece(body[start:]) + tail); break
        cands = [b for b in breaks if start < b and len(piece(body[start:b])) <= LIMIT]
        if not cands: return None, "a string with no space to split at"
        b = max(nl & set(cands), default=cands[-1])
        pieces.append(piece(body[start:b])); start = b
    if inplace: new = pieces
    else:
        head = line[:sc] + "("
        if len(head) > LIMIT: return None, "no room for the string"
        new = [head] + pieces + [_indent(line) + ")" + suffix]
    return lines[:top] + new + lines[bot + 1:], None


_SKIP = (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)


def _str_pieces(texts, width, tail):
    """Re-split the implicitly concatenated literals `texts` into literals of at most `width`
    characters, the last one followed by `tail`; None where they cannot be."""
    ps = [_parse_str(t) for t in texts]
    if any(p is None for p in ps) or len({(p[0], p[2]) for p in ps}) > 1: return None
    pre, q = ps[0][0], ps[0][2]
    fstr = any(p[1] for p in ps)
    if fstr and any(not p[1] and ("{" in p[3] or "}" in p[3]) for p in ps): return None
    body = "".join(p[3] for p in ps)
    breaks, nl = _breaks(body, fstr, "r" in pre.lower())
    def piece(x): return (pre + "f" if fstr and ("{" in x or "}" in x) else pre) + q + x + q
    out, start = [], 0
    while len(piece(body[start:]) + tail) > width:
        cands = [b for b in breaks if start < b and len(piece(body[start:b])) <= width]
        if not cands: return None
        b = max(nl & set(cands), default=cands[-1])
        out.append(piece(body[start:b])); start = b
    return out + [piece(body[start:]) + tail]


def fill(lines, info, r0, r1, header=False):
    """The book's own layout for a statement whose last bracket opens on its first row (or a `def`
    header, its parameters' bracket): the items filled up to LIMIT, continuation rows aligned after
    the bracket (long literals re-split there). None where that does not fit (then ruff)."""
    toks = [t for t in info.toks if r0 <= t[2][0] and t[3][0] <= r1 and t[0] not in _SKIP]
    if not toks or any(t[0] == tokenize.COMMENT for t in toks): return None
    if any(t[0] == tokenize.STRING and t[2][0] != t[3][0] for t in toks): return None
    base, after = toks[0][4], ""
    if r0 == r1 and not header:  # one row of a longer statement: its item, then what closes
        j = next((k for k, t in enumerate(toks) if t[4] == base and t[1] in ")]}"
                  and t[0] == tokenize.OP), len(toks))
        if any(t[0] != tokenize.OP or t[1] not in ")]}," for t in toks[j:]): return None
        if j < len(toks): after = lines[r0][toks[j][2][1]:].rstrip()
        toks = toks[:j]
        if len(toks) > 1 and toks[-1][1] == "," and toks[-1][4] == base:
            toks, after = toks[:-1], "," + after
        if not toks: return None
    if any(t[4] < base or (t[4] == base and t[1] in ")]}") for t in toks): return None
    if header:  # def name(...) -> ...:
        if toks[0][1] == "async": toks = toks[1:]
        if toks[0][1] != "def" or toks[2][1] != "(": return None
        op = 2
        cl = next(k for k in range(op + 1, len(toks)) if toks[k][4] == base + 1
                  and toks[k][1] == ")" and toks[k][0] == tokenize.OP)
        if toks[cl][2][0] != toks[-1][3][0]: return None
        after = lines[toks[cl][3][0]][toks[cl][3][1]: toks[-1][3][1]]
        toks = toks[: cl + 1]
    if toks[-1][0] != tokenize.OP or toks[-1][1] not in ")]}" or toks[-1][4] != base + 1: return None
    if not header:
        op = max(k for k, t in enumerate(toks) if t[0] == tokenize.OP and t[1] in "([{"
                 and t[4] == base)
    if toks[op][2][0] != r0: return None
    ind = _indent(lines[r0])
    head = lines[r0][len(ind): toks[op][3][1]]
    col = len(ind) + len(head)
    if col > LIMIT - 36: return None
    items, cur = [], []  # items: token lists between the commas of the bracket
    for t in toks[op + 1:-1]:
        cur.append(t)
        if t[0] == tokenize.OP and t[1] == "," and t[4] == base + 1: items.append(cur); cur = []
    if cur: items.append(cur)
    if len(items) < 1: return None
    closer = toks[-1][1] + after
    def text(it):
        if it[0][2][0] != it[-1][3][0]: return None
        return lines[it[0][2][0]][it[0][2][1]: it[-1][3][1]]
    out, row = [], ind + head
    for k, it in enumerate(items):
        last = k == len(items) - 1
        comma = it[-1][1] == "," and it[-1][0] == tokenize.OP
        core = it[:-1] if comma else it
        tail = ("," if comma else "") + (closer if last else "")
        if core and all(t[0] == tokenize.STRING for t in core) and (
                len(core) > 1 or len(core[0][1]) + col + len(tail) > LIMIT):
            ps = _str_pieces([t[1] for t in core], LIMIT - col, tail)
            if ps is None: return None
            if row.strip() and not row.endswith(tuple("([{")): out.append(row); row = " " * col
            for pz in ps[:-1]: out.append(row + pz); row = " " * col
            row += ps[-1]
            continue
        x = text(it)
        if x is None: return None
        x = x.strip() + (closer if last else "")
        sep = "" if row.endswith(tuple("([{")) or not row.strip() else " "
        if len(row + sep + x) <= LIMIT: row += sep + x
        elif not row.strip(): return None
        else:
            out.append(row.rstrip()); row = " " * col + x
            if len(row) > LIMIT: return None
    out.append(row)
    if len(out) < 2 or any(len(l) > LIMIT for l in out): return None
    return out


def break_row(lines, info, i):
    """Break row `i` of a multi-row statement after its last comma that fits, the rest aligned after
    the bracket that comma belongs to (a row that opens brackets closed on later rows)."""
    row = [t for t in info.toks if t[2][0] == i == t[3][0] and t[0] not in _SKIP]
    if not row or any(t[0] == tokenize.COMMENT for t in row): return None
    if any(t[2][0] != t[3][0] for t in info.toks if t[2][0] <= i <= t[3][0] and t[0] not in _SKIP):
        return None
    line, best = lines[i], None
    for k, c in enumerate(row[:-1]):
        if c[0] != tokenize.OP or c[1] != "," or c[4] < 1 or c[3][1] > LIMIT: continue
        op = next((t for t in reversed(row[:k]) if t[0] == tokenize.OP and t[1] in "([{"
                   and t[4] == c[4] - 1), None)
        if op is not None and not any(t[4] == c[4] - 1 and t[1] in ")]}" for t in row[:k]
                                      if t[2] > op[2]):
            align = op[3][1]
        elif op is None and row[0][4] == c[4] and not any(t[4] < c[4] for t in row[:k]):
            align = row[0][2][1]
        else: continue
        if align <= LIMIT - 30: best = (c[3][1], align, row[k + 1][2][1])
    if best is None: return None
    ec, align, nxt = best
    return lines[:i] + [line[:ec].rstrip(), " " * align + line[nxt:]] + lines[i + 1:]


def fix_code(lines, info, i):
    node, parent, sibs = info.innermost(i)
    if node is None: return None, "not inside a statement (decorator?)"
    if hasattr(node, "body") and isinstance(node.body, list) and i + 1 < node.body[0].lineno:
        return fix_header(lines, info, node, i)
    if hasattr(node, "body") and isinstance(node.body, list):
        return None, "compound statement line"
    group = [node]
    while True:
        lo, hi = min(n.lineno for n in group), max(n.end_lineno for n in group)
        more = [s for s in sibs if s not in group and s.lineno <= hi and s.end_lineno >= lo]
        if not more: break
        group += more
    group.sort(key=lambda n: (n.lineno, n.col_offset))
    r0, r1 = lo - 1, hi - 1
    if info.in_multiline_string(r0, r1): return None, "statement with a multi-line string"
    if any(r in info.magic for r in range(r0, r1 + 1)): return None, "IPython magic"
    first = lines[r0]
    c0 = _ccol(first, group[0].col_offset)
    prefix = first[:c0]
    if prefix.strip():  # `if x: body` on one line: split after the colon
        if not prefix.rstrip().endswith(":") or parent is None: return None, "statement after code"
        body_ind = _indent(lines[parent.lineno - 1]) + "    "
        return lines[:r0] + [prefix.rstrip(), body_ind + first[c0:]] + lines[r0 + 1:], None
    ind = prefix
    f = None if RUFF_ONLY else fill(lines, info, r0, r1)
    if f is not None and f != lines[r0: r1 + 1]: return lines[:r0] + f + lines[r1 + 1:], None
    if r1 > r0 and not RUFF_ONLY and info.toks_at(i):  # a row of a longer statement, alone
        f = fill(lines, info, i, i)
        if f is not None: return lines[:i] + f + lines[i + 1:], None
    if r1 > r0 and not RUFF_ONLY:
        f = break_row(lines, info, i)
        if f is not None: return f, None
    seg = [l[len(ind):] if l.startswith(ind) else l.lstrip() for l in lines[r0: r1 + 1]]
    out = ruff_format("\n".join(seg) + "\n", LIMIT - len(ind))
    if out is None: return None, "ruff could not format the statement"
    new = [ind + l if l else l for l in out.rstrip("\n").split("\n")]
    if new == lines[r0: r1 + 1]: return split_string(lines, info, i)
    return _finish(lines[:r0] + new + lines[r1 + 1:], r0, len(new))


def fix_header(lines, info, node, i):
    rc = info.colon_row(node)
    r0 = node.lineno - 1
    if rc is None or i > rc: return None, "compound statement line"
    if info.in_multiline_string(r0, rc): return None, "header with a multi-line string"
    ind = _indent(lines[r0])
    f = None if RUFF_ONLY else fill(lines, info, r0, rc, header=True)
    if f is not None and f != lines[r0: rc + 1]: return lines[:r0] + f + lines[rc + 1:], None
    seg = [l[len(ind):] if l.startswith(ind) else l.lstrip() for l in lines[r0: rc + 1]]
    head = "\n".join(seg)
    if head.startswith("elif"): code, kind = "if" + head[4:] + "\n    pass\n", "elif"
    elif head.startswith("except"): code, kind = "try:\n    pass\n" + head + "\n    pass\n", "except"
    elif head.startswith(("else", "finally", "case", "match")): return None, "clause header"
    else: code, kind = head + "\n    pass\n", ""
    out = ruff_format(code, LIMIT - len(ind))
    if out is None: return None, "ruff could not format the header"
    o = out.rstrip("\n").split("\n")
    if o[-1] != "    pass": return None, "unexpected ruff output"
    o = o[:-1]
    if kind == "elif": o[0] = "elif" + o[0][2:]
    if kind == "except": o = o[2:]
    new = [ind + l if l else l for l in o]
    if new == lines[r0: rc + 1]: return split_string(lines, info, i)
    return _finish(lines[:r0] + new + lines[rc + 1:], r0, len(new))


def _finish(lines, r0, n):
    "Split the strings of rows r0..r0+n-1 (ruff's output) that are still long; None if one cannot be."
    for _ in range(100):
        long = [k for k in range(r0, r0 + n) if len(lines[k]) > LIMIT]
        if not long: return lines, None
        try: info = Info(lines)
        except Exception: return None, "ruff's output does not parse"
        new, why = split_string(lines, info, long[0])
        if new is None: return None, f"still long after ruff ({why})"
        n += len(new) - len(lines); lines = new
    return None, "still long after ruff"


def in_signature(info, i):
    node, _, _ = info.innermost(i)
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)): return False
    rc = info.colon_row(node)
    return rc is not None and node.lineno - 1 <= i <= rc


def fix_line(lines, info, i, params):
    if i in info.magic: return None, "IPython magic"
    for r0, r1 in info.docstrings:
        if r0 <= i <= r1: return fix_docstring(lines, info, i, r0, r1)
    if i in info.comment and info.comment[i] == len(_indent(lines[i])):
        return fix_comment(lines, info, i)
    if info.in_multiline_string(i, i): return None, "inside a multi-line string"
    if i in info.comment:
        code_long = len(lines[i][: info.comment[i]].rstrip()) > LIMIT
        if params: return None, "trailing comment in the parameters cell (papermill's help)"
        if in_signature(info, i):
            if not code_long: return None, "trailing comment on a parameter line (docments)"
        else: return move_comment(lines, info, i)
    return fix_code(lines, info, i)


def wrap_cell(src, params=False):
    "(new source, {long line left: reason})"
    lines = src.split("\n")
    try: key = code_key(src); Info(lines)
    except SyntaxError: return src, {l: "cell does not parse" for l in lines if len(l) > LIMIT}
    manual = {}
    for _ in range(500):
        i = next((k for k, l in enumerate(lines) if len(l) > LIMIT and l not in manual), None)
        if i is None: break
        info = Info(lines)
        try: new, why = fix_line(lines, info, i, params)
        except Exception as e: new, why = None, f"tool error: {type(e).__name__}: {e}"
        if new is not None and new == lines: new, why = None, "no progress"
        if new is not None:
            try: ok = code_key("\n".join(new)) == key and bool(Info(new))
            except Exception: ok = False
            if not ok: new, why = None, "the change would alter the code (code_key)"
        if new is None: manual[lines[i]] = why or "no progress"
        else: lines, manual = new, {}  # a fix can unblock a line given up on (a comment moved)
    return "\n".join(lines), {l: r for l, r in manual.items() if l in lines}


def _count(cells):
    return sum(len(l) > LIMIT for c in cells if c["cell_type"] == "code"
               for l in "".join(c["source"]).split("\n"))


def _params(nb_json):
    import papermill as pm
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "x.ipynb"
        p.write_text(json.dumps(nb_json))
        return {k: v["default"] for k, v in pm.inspect_notebook(str(p)).items()}


def wrap_notebook(path, dry_run=False):
    path = Path(path)
    raw = path.read_text()
    nb = json.loads(raw)
    old = copy.deepcopy(nb)
    report = []
    for k, c in enumerate(nb["cells"]):
        if c["cell_type"] != "code": continue
        src = "".join(c["source"])
        if not any(len(l) > LIMIT for l in src.split("\n")): continue
        params = "parameters" in c.get("metadata", {}).get("tags", [])
        new, manual = wrap_cell(src, params)
        if new != src:
            c["source"] = [l + "\n" for l in new.split("\n")[:-1]] + [new.split("\n")[-1]]
            if c["source"][-1] == "": c["source"].pop()
        for l, why in manual.items(): report.append(f"  cell {k}: {why}: {l.strip()[:70]}...")
        if params and new != src and _params(old) != _params(nb):
            c["source"] = old["cells"][k]["source"]
            report.append(f"  cell {k}: parameters cell left as it was (papermill reads it differently)")
    before, after = _count(old["cells"]), _count(nb["cells"])
    print(f"{path}: {before} -> {after} lines over {LIMIT}")
    for r in report: print(r)
    if not dry_run and nb != old:
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    return before, after


def main(argv=None):
    global LIMIT, RUFF_ONLY
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("notebooks", nargs="+")
    ap.add_argument("--limit", type=int, default=LIMIT)
    ap.add_argument("--dry-run", action="store_true", help="report, do not write")
    ap.add_argument("--ruff", action="store_true",
                    help="format every long statement with ruff (no aligned filling)")
    a = ap.parse_args(argv)
    LIMIT, RUFF_ONLY = a.limit, a.ruff
    tot = [0, 0]
    for nb in a.notebooks:
        b, f = wrap_notebook(nb, a.dry_run)
        tot[0] += b; tot[1] += f
    print(f"total: {tot[0]} -> {tot[1]}")


if __name__ == "__main__":
    main()
