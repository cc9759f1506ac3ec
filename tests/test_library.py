"""Checks on the generated library that nbdev, papermill and ruff cannot make (DESIGN.md, "Checks that
keep the house in order"): no exported function uses a name its module does not bind (seen through
`from ..core import *`); every module imports on its own; modules import only their own layer or
lower, fastai only in train/generative and papers, never one paper from another; no two foundation
modules export the same name; every module was generated from a notebook that still exists; ruff passes.

Where today's code breaks a rule, the KNOWN_* sets below list it with its reason; a test fails both on
a new violation and on a KNOWN entry that no longer is one, so the lists can only shrink.
"""
import ast, builtins, fnmatch, functools, importlib, importlib.util, json, os, re, subprocess, symtable, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "midl_book"


def module_files() -> list[Path]:
    "Every module file of the library (packages included), without nbdev's index `_modidx.py`."
    return sorted(p for p in LIB.rglob("*.py") if p.name != "_modidx.py"
                  and not any(s.startswith((".", "__pycache__")) for s in p.relative_to(LIB).parts))


def module_name(path: Path, root: Path = ROOT) -> str:
    "midl_book/data/volume.py -> 'midl_book.data.volume'; midl_book/data/__init__.py -> 'midl_book.data'."
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in module_files()}


def test_the_library_under_test_is_this_checkout():
    # otherwise every check below would read one tree and import another
    import midl_book
    assert Path(midl_book.__file__).resolve().parent == LIB, f"midl_book imported from {midl_book.__file__}, not {LIB}"


# ---------------------------------------------------------------------------------------------------
# a. undefined names, through star imports


def _scopes(table):
    for child in table.get_children():
        yield child
        yield from _scopes(child)


def undefined_names(module, path: Path) -> dict[str, str]:
    """Names that a function or class body of `module` (source at `path`) reads as globals but that the
    imported module does not bind and builtins do not have -> {name: the scope that reads it}.
    Names a function declares `global` and assigns count as bound."""
    top = symtable.symtable(Path(path).read_text(), str(path), "exec")
    used, assigned_global = {}, set()

    def visit(table, where):
        for child in table.get_children():
            here = f"{where}.{child.get_name()}" if where else child.get_name()
            for s in child.get_symbols():
                if s.is_declared_global() and s.is_assigned():
                    assigned_global.add(s.get_name())
                if s.is_global() and s.is_referenced():
                    used.setdefault(s.get_name(), here)
            visit(child, here)

    visit(top, "")
    bound = vars(module)
    return {n: w for n, w in sorted(used.items())
            if n not in bound and not hasattr(builtins, n) and n not in assigned_global}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_undefined_names(name):
    found = undefined_names(importlib.import_module(name), MODULES[name])
    why = "; ".join(f"{n!r} (used in {w}) is never bound: NameError when called" for n, w in found.items())
    assert not found, f"{MODULES[name].relative_to(ROOT)}: {why} -- import it in the notebook's exported code"


def test_undefined_name_check_catches_a_planted_name(tmp_path):
    src = tmp_path / "planted.py"
    src.write_text("from os.path import *\nimport math\n_CACHE = None\n"
                   "def ok(p):\n    global _LATE\n    _LATE = join(p, 'x')\n    return math.pi, _CACHE, len(p)\n"
                   "def bad(xs):\n    return [Image.open(x) for x in xs]\n"
                   "class C:\n    def m(self): return pd.DataFrame()\n")
    spec = importlib.util.spec_from_file_location("planted", src)
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    assert set(undefined_names(mod, src)) == {"Image", "pd"}


# ---------------------------------------------------------------------------------------------------
# b. each module imports on its own


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_imports_alone(name):
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=path)
    r = subprocess.run([sys.executable, "-c", f"import {name}"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert r.returncode == 0, f"`import {name}` in a fresh interpreter failed:\n{r.stderr[-3000:]}"


# ---------------------------------------------------------------------------------------------------
# c. layers (DESIGN.md): a module imports midl_book modules of its own layer or lower only

LAYERS = {0: ["core"], 1: ["data*", "phantoms*", "metrics*"],
          2: ["losses", "models*", "mri*", "ct", "ultrasound", "registration", "detection", "interpret",
              "crf"],
          3: ["train*", "generative*"], 4: ["papers"], 5: ["cli"]}
FASTAI_LAYERS = {3, 4}

# "<importer> -> <imported>": why it is allowed for now. An importer is a foundation's first component
# (`losses`, `data`) or `papers.<slug>`; the imported side is a first component or `fastai`.
KNOWN_LAYER_VIOLATIONS: dict[str, str] = {}   # (losses no longer imports fastai: AttrSchedule is in train.callbacks)


def layer(component: str) -> int:
    "The layer of a first dotted component after `midl_book` ('' is the package itself, layer 0)."
    if component == "":
        return 0
    for k, pats in LAYERS.items():
        if any(fnmatch.fnmatchcase(component, p) for p in pats):
            return k
    raise KeyError(f"midl_book.{component} has no layer: add it to LAYERS in {Path(__file__).name} (and DESIGN.md)")


@functools.cache
def imported_modules(path: Path, name: str) -> frozenset[str]:
    """Absolute names of everything the module at `path` (dotted `name`) imports, anywhere in the file
    (inside functions too). Relative imports are resolved; for `from pkg import x` both `pkg` and `pkg.x`
    are given when `pkg` is in midl_book (x may be a submodule)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = ".".join(base[:len(base) - node.level + 1])
                full = f"{base}.{node.module}" if node.module else base
            else:
                full = node.module
            out.add(full)
            if full == "midl_book" or full.startswith("midl_book."):
                out |= {f"{full}.{a.name}" for a in node.names if a.name != "*"}
    return frozenset(out)


def _importer_key(name: str) -> str:
    parts = name.split(".")[1:]
    return ".".join(parts[:2]) if parts[:1] == ["papers"] and len(parts) > 1 else (parts[0] if parts else "")


def layer_violations(modules: dict[str, Path] = MODULES, root: Path = ROOT) -> dict[str, str]:
    "{'<importer> -> <imported>': an example 'file: import' that breaks the layer, paper or fastai rule}."
    found = {}
    for name, path in modules.items():
        me = name.split(".")[1:]
        mine = layer(me[0] if me else "")
        for target in sorted(imported_modules(path, name)):
            t = target.split(".")
            if t[0] == "fastai":
                if mine not in FASTAI_LAYERS:
                    found.setdefault(f"{_importer_key(name)} -> fastai", f"{path.relative_to(root)}: {target}")
                continue
            if t[0] != "midl_book" or len(t) == 1:
                continue
            if t[1] in ("_modidx", "__init__"):
                continue
            other_paper = me[:1] == ["papers"] and t[1] == "papers" and len(t) > 2 and t[:3] != ["midl_book"] + me[:2]
            if layer(t[1]) > mine or other_paper:
                found.setdefault(f"{_importer_key(name)} -> {'.'.join(t[1:3]) if other_paper else t[1]}",
                                 f"{path.relative_to(root)}: {target}")
    return found


def test_layers_hold():
    new = {k: v for k, v in layer_violations().items() if k not in KNOWN_LAYER_VIOLATIONS}
    assert not new, ("imports against the layers (core -> data/phantoms/metrics -> losses/models/mri/... -> "
                     "train/generative (fastai) -> papers (never another paper) -> cli): " +
                     "; ".join(f"{k} ({v})" for k, v in sorted(new.items())))


def test_no_paper_imports_another_paper():
    # no exceptions, not even KNOWN ones: what two papers share moves down into a foundation
    bad = {k: v for k, v in layer_violations().items() if re.search(r"-> papers\.", k)}
    assert not bad, f"a paper imports another paper: {bad}"


def test_known_layer_violations_still_exist():
    gone = set(KNOWN_LAYER_VIOLATIONS) - set(layer_violations())
    assert not gone, f"fixed, so remove from KNOWN_LAYER_VIOLATIONS: {sorted(gone)}"


def test_layer_check_resolves_relative_and_function_level_imports(tmp_path):
    f = tmp_path / "midl_book" / "data" / "volume.py"
    f.parent.mkdir(parents=True)
    f.write_text("from ..core import *\nfrom .labels import x\nfrom . import splits\nimport midl_book.train\n"
                 "def f():\n    from .. import cli\n    import fastai.learner\n")
    assert imported_modules(f, "midl_book.data.volume") == {
        "midl_book.core", "midl_book.data.labels", "midl_book.data.labels.x", "midl_book.data", "midl_book.data.splits",
        "midl_book.train", "midl_book", "midl_book.cli", "fastai.learner"}


def test_layer_check_catches_planted_violations(tmp_path):
    files = {"midl_book/data/volume.py": "from ..core import *\ndef f():\n    from ..train import x\n",
             "midl_book/losses.py": "import fastai.callback.core\nfrom .data import volume\n",
             "midl_book/papers/a.py": "from ..train import fit\nfrom .b import g\nfrom . import a\n",
             "midl_book/papers/b.py": "from ..losses import l\nimport fastai\n"}
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True); (tmp_path / rel).write_text(text)
    modules = {module_name(tmp_path / rel, tmp_path): tmp_path / rel for rel in files}
    assert set(layer_violations(modules, tmp_path)) == {"data -> train", "losses -> fastai", "papers.a -> papers.b"}


# ---------------------------------------------------------------------------------------------------
# d. one home per exported name among the foundations

# name: why two foundation modules export it for now
KNOWN_EXPORT_CLASHES: dict[str, str] = {}   # (psnr/ssim/nmse of metrics and mri merged into metrics.image)


def foundation_modules() -> list[str]:
    return [n for n in MODULES if n != "midl_book" and n.split(".")[1] not in ("papers", "cli")]


def export_clashes() -> dict[str, list[str]]:
    "{name: [modules]} for names in the `__all__` of two foundation modules, neither the package of the other."
    homes = {}
    for n in foundation_modules():
        for x in getattr(importlib.import_module(n), "__all__", []):
            homes.setdefault(x, []).append(n)
    related = lambda a, b: b.startswith(a + ".") or a.startswith(b + ".")
    return {x: ms for x, ms in sorted(homes.items())
            if any(not related(a, b) for i, a in enumerate(ms) for b in ms[i + 1:])}


def test_no_two_foundations_export_one_name():
    new = {x: ms for x, ms in export_clashes().items() if x not in KNOWN_EXPORT_CLASHES}
    assert not new, "exported by two foundation modules: " + "; ".join(f"{x} ({', '.join(ms)})"
                                                                       for x, ms in new.items())


def test_known_export_clashes_still_exist():
    gone = set(KNOWN_EXPORT_CLASHES) - set(export_clashes())
    assert not gone, f"fixed, so remove from KNOWN_EXPORT_CLASHES: {sorted(gone)}"


# ---------------------------------------------------------------------------------------------------
# e. every module was generated from a notebook that still exists and still exports it

HEADER = re.compile(r"^# AUTOGENERATED! DO NOT EDIT! File to edit: (\S+\.ipynb)\.$", re.M)
DEFAULT_EXP = re.compile(r"^#\|\s*default_exp\s+(\S+)", re.M)


def header_problem(path: Path, text: str | None = None) -> str | None:
    "Why the module at `path` (with `text`, default: the file's) is not one nbdev_export would write today, or None."
    text = path.read_text() if text is None else text
    m = HEADER.search("\n".join(text.splitlines()[:20]))
    if m is None:
        return None if path.name == "__init__.py" else "no nbdev header (# AUTOGENERATED! ... File to edit: ...)"
    nb = (path.parent / m.group(1)).resolve()
    if not nb.is_relative_to((ROOT / "nbs").resolve()):
        return f"its header names {m.group(1)}, outside nbs/"
    if not nb.exists():
        return f"its header names {m.group(1)}, which does not exist (a module left over from a moved notebook?)"
    cells = json.loads(nb.read_text())["cells"]
    exp = [e for c in cells if c["cell_type"] == "code" for e in DEFAULT_EXP.findall("".join(c["source"]))]
    want = module_name(path).removeprefix("midl_book.") + (".__init__" if path.name == "__init__.py" else "")
    if want not in exp and not (path.name == "__init__.py" and want.removesuffix(".__init__") in exp):
        return f"{nb.relative_to(ROOT)} no longer exports it (default_exp {exp})"
    return None


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_comes_from_an_existing_notebook(name):
    problem = header_problem(MODULES[name])
    assert problem is None, f"{MODULES[name].relative_to(ROOT)}: {problem}"


@pytest.mark.parametrize("module, header, problem", [
    ("gone.py", "../../nbs/part9/gone.ipynb", "does not exist"),          # its notebook was deleted or moved
    ("renamed.py", "../../nbs/part2/ace_loss.ipynb", "no longer exports it"),  # its notebook exports another
    ("shallow.py", "../nbs/part2/ace_loss.ipynb", "outside nbs/"),        # the depth of a top-level module
    ("by_hand.py", None, "no nbdev header")])
def test_header_check_catches_leftover_modules(module, header, problem):
    text = f"# AUTOGENERATED! DO NOT EDIT! File to edit: {header}.\n" if header else "def f(): pass\n"
    assert problem in header_problem(LIB / "papers" / module, text)


# ---------------------------------------------------------------------------------------------------
# f. ruff (rules and reasons in pyproject.toml)


def test_ruff():
    r = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", "midl_book"],
                       cwd=ROOT, capture_output=True, text=True)
    assert "No module named ruff" not in r.stderr, "ruff is missing: pip install -r requirements-dev.txt"
    assert r.returncode == 0, f"ruff check midl_book (fix the notebooks, then nbdev_export):\n{r.stdout}{r.stderr}"
