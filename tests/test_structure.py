"""What nbdev and papermill cannot check: every chapter follows the book's standard (STYLE.md),
the table of contents matches the notebooks, and committed notebooks carry no outputs."""
import json, re
from pathlib import Path
import pytest
import yaml
from midl_book.cli import CHAPTERS, CHAPTER_BY_SLUG, book_notebooks, repo_root

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


@pytest.mark.parametrize("nb", PAPER_NBS, ids=[p.stem for p in PAPER_NBS])
def test_chapter_standard(nb):
    assert nb.stem in CHAPTER_BY_SLUG, f"{nb.name}: not a chapter slug"
    assert nb.parent.name == f"part{ {'I': 1, 'II': 2, 'III': 3, 'IV': 4, 'V': 5}[CHAPTER_BY_SLUG[nb.stem].part] }"
    problems = check_chapter(nb, nb.stem)
    assert not problems, f"{nb.relative_to(ROOT)} lacks: " + "; ".join(problems)


def test_template_follows_the_standard():
    assert not check_chapter(TEMPLATE), check_chapter(TEMPLATE)


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
