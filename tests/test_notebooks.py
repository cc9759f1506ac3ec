"""Execute every notebook of the book end to end with papermill in smoke mode (SMOKE=True, CPU),
and every chapter's full path (SMOKE=False) on a tiny fake tree of its real dataset.

Each notebook runs once, in a fresh kernel; its executed copy goes to _build/executed/ (the book is
built from those copies) and its wall time and peak memory to _build/timings/. A failing cell or
assertion fails the test with the cell's error."""
import os
import pytest
from midl_book.cli import CHAPTERS, FAKE_RUNS, book_notebooks, repo_root, run_fake, run_notebook

ROOT = repo_root()
NBS = book_notebooks() + [ROOT / "nbs" / "templates" / "chapter_template.ipynb"]
# the chapters (40-60 s each) first, so that two workers end together (`--dist worksteal` in the
# Makefile hands the short foundation notebooks to whichever worker is free)
NBS = sorted(NBS, key=lambda p: not p.parent.name.startswith("part"))


def _env():
    env = {"MIDL_BOOK_QUIET": "1"}
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1:  # share the cores between the parallel kernels instead of oversubscribing them
        env["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // workers))
    return env


@pytest.mark.parametrize("nb", NBS, ids=[str(p.relative_to(ROOT / "nbs")) for p in NBS])
def test_notebook_smoke(nb):
    rec = run_notebook(nb, {"SMOKE": True}, env=_env())
    assert rec["error"] is None


WRITTEN = [c.slug for c in CHAPTERS if c.implemented]


@pytest.mark.parametrize("slug", WRITTEN)
def test_full_path_on_fake_tree(slug):
    "The full path reads the real layout, trains, evaluates and writes results/full/<slug>.json."
    if FAKE_RUNS.get(slug) is None:
        pytest.skip(f"{slug}: no FAKE_RUNS entry yet (tests/test_structure.py lists it as known)")
    rec = run_fake(slug, env=_env())
    assert rec["error"] is None
    r = rec["results"]
    assert r["mode"] == "full" and r["fake_data"] is True and r["slug"] == slug
    assert r["claims"], f"{slug}: the full run recorded no claim"
    assert r.get("incomplete") is None, f"{slug}: the finished full run's record says incomplete"
    assert rec["checkpoints"] > 0, (f"{slug}: the full run wrote no checkpoint: train through "
                                    "make_learner, which adds train.checkpoint.Checkpoint")
