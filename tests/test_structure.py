"""What nbdev and papermill cannot check: every chapter follows the book's standard (STYLE.md),
the table of contents matches the notebooks, and committed notebooks carry no outputs."""
import ast, json, re
from pathlib import Path
import pytest
import yaml
from midl_book.cli import CHAPTERS, CHAPTER_BY_SLUG, FAKE_RUNS, book_notebooks, repo_root

ROOT = repo_root()
PAPER_NBS = sorted((ROOT / "nbs").glob("part*/*.ipynb"))
TEMPLATE = ROOT / "nbs" / "templates" / "chapter_template.ipynb"


def cells(nb):
    return json.loads(Path(nb).read_text())["cells"]


def src(c):
    return "".join(c["source"])


def check_chapter(nb, slug=None):
    cs = cells(nb)
    problems = []
    params = [c for c in cs if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(params) != 1:
        problems.append("exactly one cell tagged `parameters`")
    elif not re.search(r"^SMOKE\s*=", src(params[0]), re.M):
        problems.append("SMOKE in the parameters cell")
    headings = [l.strip("# ").strip().lower() for c in cs if c["cell_type"] == "markdown"
                for l in src(c).splitlines() if l.startswith("#")]
    for h in ("results", "pitfalls", "exercises", "references"):
        if not any(x.startswith(h) for x in headings):
            problems.append(f"a '{h.title()}' section heading")
    if not any(re.search(r"\bassert\b|test_eq|test_close", src(c)) for c in cs if c["cell_type"] == "code"):
        problems.append("at least one test cell")
    if slug is not None:
        exp = [m.group(1) for c in cs for m in [re.search(r"^#\|\s*default_exp\s+(\S+)", src(c), re.M)] if m]
        if exp != [f"papers.{slug}"]:
            problems.append(f"`#| default_exp papers.{slug}` (found {exp})")
    return problems


def _code(nb):
    "The code cells' sources without notebook magics and shell lines, so that ast can parse them."
    return ["\n".join(l for l in src(c).splitlines() if not l.lstrip().startswith(("%", "!")))
            for c in cells(nb) if c["cell_type"] == "code"]


def check_harness(nb):
    """The chapter harness (STYLE.md): `chapter_setup(SMOKE, SEED)`;
    `preset(SMOKE, given=globals(), ...)` with each preset name declared `= None` in the parameters
    cell; claims as data (`rec.claim` with per-seed values, and `rec.learned`); `show_runs` in
    Results; never `asserted=held` nor `if held: assert` (they cannot fail). Applied to the
    template; the chapters adopt it as they are converted."""
    import ast
    problems, calls, code = [], [], _code(nb)
    for s in code:
        try: tree = ast.parse(s)
        except SyntaxError: continue
        calls += [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    def name(c): return c.func.id if isinstance(c.func, ast.Name) else getattr(c.func, "attr", None)
    if not any(name(c) == "chapter_setup" for c in calls):
        problems.append("a call of `chapter_setup(SMOKE, SEED)`")
    presets = [c for c in calls if name(c) == "preset"]
    if not presets or not any(k.arg == "given" for c in presets for k in c.keywords):
        problems.append("`P = preset(SMOKE, given=globals(), NAME=(smoke, full), ...)`")
    params = [c for c in cells(nb) if "parameters" in c.get("metadata", {}).get("tags", [])]
    declared = set(re.findall(r"^(\w+)\s*=\s*None\b", src(params[0]), re.M)) if params else set()
    if not params or not re.search(r"^LONG\s*=\s*False\b", src(params[0]), re.M) or not any(
            k.arg == "long" and isinstance(k.value, ast.Name) and k.value.id == "LONG"
            for c in presets for k in c.keywords):
        problems.append("`LONG = False` in the parameters cell and `preset(..., long=LONG, ...)`")
    names = {k.arg for c in presets for k in c.keywords} - {"given", "long", None}
    for k in sorted(names - declared):
        problems.append(f"`{k} = None` in the parameters cell (a preset name)")
    claims = [c for c in calls if name(c) == "claim"]
    if not any({"seeds", "method", "baseline"} <= {k.arg for k in c.keywords} or
               "held_per_seed" in {k.arg for k in c.keywords} for c in claims):
        problems.append("a claim recorded as data (`rec.claim(..., seeds=, method=, baseline=)`)")
    if not any(name(c) == "learned" for c in calls):
        problems.append("a 'training learned' check (`rec.learned(...)`)")
    if not any(name(c) == "show_runs" for c in calls):
        problems.append("`show_runs(slug)` in Results")
    if any(re.search(r"asserted\s*=[^,)#]*\bheld|if\s+\w*held\w*\s*:\s*assert", s) for s in code):
        problems.append("no `asserted=held` nor `if held: assert` (they cannot fail)")
    if any(re.search(r"^\s*if\b[^\n]*\b(SMOKE|held|LONG)\b[^\n]*:\s*(assert|test_)", s, re.M)
           for s in code):
        problems.append("no assert under `if SMOKE:` or `if held:` (check every run; "
                        "a fake tree is never asserted, see `train.results.fake_data`)")
    return problems


@pytest.mark.parametrize("nb", PAPER_NBS, ids=[p.stem for p in PAPER_NBS])
def test_chapter_standard(nb):
    assert nb.stem in CHAPTER_BY_SLUG, f"{nb.name}: not a chapter slug"
    assert nb.parent.name == f"part{ {'I': 1, 'II': 2, 'III': 3, 'IV': 4, 'V': 5}[CHAPTER_BY_SLUG[nb.stem].part] }"
    problems = check_chapter(nb, nb.stem)
    assert not problems, f"{nb.relative_to(ROOT)} lacks: " + "; ".join(problems)


def test_template_follows_the_standard():
    assert not check_chapter(TEMPLATE), check_chapter(TEMPLATE)


def test_template_uses_the_harness():
    assert not check_harness(TEMPLATE), check_harness(TEMPLATE)


def test_harness_check_catches_a_bad_chapter(tmp_path):
    bad = tmp_path / "x.ipynb"
    code = ["import os\nP = preset(SMOKE, EPOCHS=(2, 50))\n%time x = 1",
            "rec.claim('A beats B', held=held, asserted=SMOKE and held)"]
    params = {"cell_type": "code", "metadata": {"tags": ["parameters"]},
              "source": ["SMOKE = True\nEPOCHS = 2"]}
    bad.write_text(json.dumps({"cells": [params] + [
        {"cell_type": "code", "metadata": {}, "source": [s], "outputs": []} for s in code]}))
    problems = check_harness(bad)
    # chapter_setup, preset's given, EPOCHS = None, LONG, claim as data, learned, show_runs,
    # asserted=held
    assert len(problems) == 8, problems


# Chapters not yet brought to the evidence standard (issue 14): each leaves this list when it is.
# An entry that passes fails the test (strict xfail), so the list only shrinks.
KNOWN_HARNESS = set()


@pytest.mark.parametrize("nb", PAPER_NBS, ids=[p.stem for p in PAPER_NBS])
def test_chapter_uses_the_harness(nb, request):
    if nb.stem in KNOWN_HARNESS:
        request.applymarker(pytest.mark.xfail(strict=True, reason="issue 14: not converted yet"))
    assert not check_harness(nb), f"{nb.relative_to(ROOT)} lacks: " + "; ".join(check_harness(nb))


@pytest.mark.parametrize("nb", PAPER_NBS, ids=[p.stem for p in PAPER_NBS])
def test_chapter_has_a_fake_run(nb, request):
    "Every written chapter's full path runs on a fake tree (`FAKE_RUNS`, tests/test_notebooks.py)."
    if nb.stem in KNOWN_HARNESS:
        request.applymarker(pytest.mark.xfail(strict=True, reason="issue 14: not converted yet"))
    spec = FAKE_RUNS.get(nb.stem)
    assert spec is not None, f"{nb.stem}: add its entry to midl_book.cli.FAKE_RUNS (nbs/07_cli.ipynb)"
    from midl_book.data import DATASETS
    ds = spec.get("datasets") or ()
    assert ds and set(ds) <= set(DATASETS), f"{nb.stem}: FAKE_RUNS datasets {ds} not in the registry"


def test_checker_catches_a_bad_chapter(tmp_path):
    bad = tmp_path / "x.ipynb"
    bad.write_text(json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# Title\n", "## Results"]},
                                         {"cell_type": "code", "metadata": {}, "source": ["x = 1"], "outputs": []}]}))
    problems = check_chapter(bad, "boundary_loss")
    assert len(problems) == 6, problems  # parameters, pitfalls, exercises, references, test cell, default_exp


def _toc_files(entries):
    for e in entries:
        if "file" in e:
            yield e["file"]
        yield from _toc_files(e.get("chapters", []) + e.get("sections", []))


def test_toc_matches_notebooks():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + list(_toc_files(sum((p["chapters"] for p in toc["parts"]), [])))
    for f in files:
        assert (ROOT / f).with_suffix(".ipynb").exists() or (ROOT / f).with_suffix(".md").exists(), f"_toc.yml lists missing {f}"
    nbs = {str(p.relative_to(ROOT).with_suffix("")) for p in book_notebooks()}
    assert nbs <= set(files), f"notebooks missing from _toc.yml: {sorted(nbs - set(files))}"
    # chapters appear in the part the chapter list gives them
    for p in toc["parts"]:
        for f in _toc_files(p["chapters"]):
            if f.startswith("nbs/part"):
                assert p["caption"].startswith(f"Part {CHAPTER_BY_SLUG[Path(f).name].part}:"), f


def test_committed_notebooks_have_no_outputs():
    for nb in sorted((ROOT / "nbs").rglob("*.ipynb")):
        for c in cells(nb):
            assert not c.get("outputs") and c.get("execution_count") is None, f"{nb.relative_to(ROOT)} has outputs: clear them"


def test_cell_ids_are_unique():
    "nbformat renumbers a repeated cell id at every run and warns in the middle of `make book`."
    for nb in sorted((ROOT / "nbs").rglob("*.ipynb")):
        ids = [c.get("id") for c in cells(nb)]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        assert not dup, f"{nb.relative_to(ROOT)} repeats cell ids {dup}: give each cell its own id"


def test_book_serves_its_own_mathjax(tmp_path):
    "Equations render offline: _config.yml points MathJax at the copy `midl-book book` ships."
    from midl_book.cli import copy_mathjax
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]
    assert not cfg["mathjax_path"].startswith(("http:", "https:", "//")), cfg["mathjax_path"]
    assert cfg["mathjax_path"] == "../mathjax/tex-mml-chtml.js" and cfg["html_extra_path"] == ["_extra"]
    assert (copy_mathjax(tmp_path / "mathjax") / "tex-mml-chtml.js").stat().st_size > 500_000


def test_colab_cells_install_a_pinned_release_with_an_extra():
    "Each chapter's Colab cell installs midl_book[<extra pyproject defines>] at this release's tag."
    import tomllib
    from midl_book import __version__
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())
    extras = set(py["project"]["optional-dependencies"])
    assert not [d for d in py["project"]["dependencies"] if "<" in d], \
        "the library's requirements are lower bounds: an upper bound makes Colab reinstall torch or fastai"
    for nb in PAPER_NBS + [TEMPLATE]:
        cell = [src(c) for c in cells(nb) if c["cell_type"] == "code" and "google.colab" in src(c)]
        assert len(cell) == 1, f"{nb.name}: one Colab install cell"
        m = re.search(r'"midl_book\[(\w+)\] @ git\+https://github\.com/midl/midl_book@([^"]+)"', cell[0])
        assert m, f"{nb.name}: the Colab cell installs midl_book[extra] @ git+...@<tag>"
        assert m.group(1) in extras, f"{nb.name}: extra [{m.group(1)}] not in pyproject ({extras})"
        assert m.group(2) == f"v{__version__}", f"{nb.name}: pinned to {m.group(2)}, not v{__version__}"


def _long_lines(nb, limit=100):
    return sum(len(l) > limit for c in cells(nb) if c["cell_type"] == "code" for l in src(c).splitlines())


def test_code_lines_within_100_characters():
    """The book's code column is about 90 characters: every code line in nbs/ stays within 100
    (`python tools/wrap_long_lines.py NB` wraps the long ones, checking the code computes the same)."""
    long = {}
    for nb in sorted((ROOT / "nbs").rglob("*.ipynb")):
        if {"_proc", ".ipynb_checkpoints"} & set(nb.parts): continue
        n = _long_lines(nb)
        if n: long[str(nb.relative_to(ROOT / "nbs"))] = n
    assert not long, f"code lines over 100 characters: {long}; run tools/wrap_long_lines.py on them"


_PLOT = re.compile(r"plt\.(subplots|figure|show)\b")
_TESTS = re.compile(r"\bassert\b|test_eq|test_close|^#\|\s*export", re.M)
_PLOTS_TO_FOLD: set[str] = set()  # notebooks whose drawing cells are not yet folded (none)
_ALL_NBS = sorted(str(nb.relative_to(ROOT / "nbs")) for nb in (ROOT / "nbs").rglob("*.ipynb")
                  if not {"_proc", ".ipynb_checkpoints"} & set(nb.parts))


@pytest.mark.parametrize("rel", [
    pytest.param(r, marks=pytest.mark.xfail(strict=True, reason="plotting cells not yet folded"))
    if r in _PLOTS_TO_FOLD else r for r in _ALL_NBS])
def test_plotting_cells_fold(rel):
    """A cell that only draws a figure (it calls plt.subplots/figure/show, and holds no test and no
    `#| export`) is tagged `hide-input`: the book shows the figure next to the prose that discusses
    it and folds the code behind a toggle. A cell that also computes what the prose discusses is
    split: the computation in a cell of its own, the drawing folded."""
    bare = [k for k, c in enumerate(cells(ROOT / "nbs" / rel)) if c["cell_type"] == "code"
            and _PLOT.search(src(c)) and not _TESTS.search(src(c))
            and "hide-input" not in c.get("metadata", {}).get("tags", [])]
    assert not bare, f"{rel}: plotting cells {bare} without the tag hide-input"
