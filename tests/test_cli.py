"""The `midl-book` command: it runs a notebook with overrides, and bad arguments get a one-line error."""
import json, os, subprocess, sys
from pathlib import Path
from midl_book.cli import repo_root

ROOT = repo_root()
CLI = [sys.executable, "-m", "midl_book.cli"]


def run(*args):
    return subprocess.run(CLI + list(args), cwd=ROOT, capture_output=True, text=True)


def test_run_with_parameter_override():
    r = run("run", "tests/fixtures/tiny.ipynb", "-p", "N", "21")
    assert r.returncode == 0, r.stderr
    executed = ROOT / "_build" / "executed" / "tiny.ipynb"
    text = "".join("".join(o.get("text", "")) for c in json.loads(executed.read_text())["cells"] for o in c.get("outputs", []))
    assert "N*2 = 42" in text
    rec = json.loads((ROOT / "_build" / "timings" / "tiny.json").read_text())
    assert rec["params"] == {"N": 21} and rec["wall_s"] > 0 and rec["peak_memory_mb"] > 20  # the kernel's memory, not 0


def test_failing_notebook_is_an_error():
    r = run("run", "tests/fixtures/tiny.ipynb", "-p", "N", "'not an int'")
    assert r.returncode != 0 and "AssertionError" in r.stderr


def test_bad_arguments_one_line_errors():
    for args, msg in [(("run", "no_such_paper"), "unknown chapter"),
                      (("run", "tests/fixtures/tiny.ipynb", "-p", "EPOCHS", "3"), "has no parameter EPOCHS"),
                      (("run", "tests/fixtures/tiny.ipynb", "--data", "/no/such/folder"), "does not exist")]:
        r = run(*args)
        assert r.returncode != 0, args
        assert msg in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert "Traceback" not in r.stderr


def test_list_and_datasets():
    r = run("list")
    assert r.returncode == 0 and "Part V" in r.stdout and "unet_liver_tumor_ct" in r.stdout
    r = run("datasets")
    assert r.returncode == 0, r.stderr
    assert "lits" in r.stdout.lower()


def _nb(tmp, name, body):
    "A notebook with a SMOKE parameter and one code cell `body`, outside nbs/."
    cells = [dict(cell_type="code", source=["SMOKE = True"], metadata={"tags": ["parameters"]}, id="p",
                  outputs=[], execution_count=None),
             dict(cell_type="code", source=[body], metadata={}, id="b", outputs=[], execution_count=None)]
    p = tmp / f"{name}.ipynb"
    p.write_text(json.dumps(dict(cells=cells, metadata=dict(kernelspec=dict(
        name="python3", display_name="Python 3", language="python")), nbformat=4,
        nbformat_minor=5)))
    return p


def test_book_runs_notebooks_in_parallel_and_a_failure_does_not_hide_the_rest(tmp_path, capsys):
    from midl_book.cli import execute_all, book_summary, run_book
    span = ("import os, time, pathlib; t = time.time(); time.sleep(1.5); "
            "pathlib.Path({!r}).write_text(f'{{t}} {{time.time()}} {{os.environ.get(\"OMP_NUM_THREADS\")}}')")
    ok = [_nb(tmp_path, f"_bk_ok{i}", span.format(str(tmp_path / f"span{i}"))) for i in range(3)]
    bad = _nb(tmp_path, "_bk_bad", "x = 1\nraise ValueError('the last line')")
    t0 = __import__("time").perf_counter()
    recs = execute_all(reuse=False, workers=2, notebooks=ok + [bad])
    wall = __import__("time").perf_counter() - t0
    out = capsys.readouterr().out
    assert [r["name"] for r in recs] == [p.name for p in ok + [bad]]  # book order
    assert [bool(r.get("error")) for r in recs] == [False, False, False, True]
    assert recs[3]["error_cell"] == 3 and recs[3]["error_line"] == "ValueError: the last line"
    assert "[4/4]" in out and "FAILED" in out and "2 at a time" in out
    # two kernels at once: some of the notebooks' runs overlap in time
    spans = sorted(tuple(map(float, (tmp_path / f"span{i}").read_text().split()[:2])) for i in range(3))
    assert any(b[0] < a[1] for a, b in zip(spans, spans[1:])), spans
    # each kernel gets its share of the cores for OpenMP/BLAS (unless the caller set it), as in make test
    want = os.environ.get("OMP_NUM_THREADS") or str(max(1, (os.cpu_count() or 1) // 2))
    assert all((tmp_path / f"span{i}").read_text().split()[2] == want for i in range(3))
    s = book_summary(recs, wall, ROOT / "_build" / "book.log", ROOT / "_build/html/index.html")
    assert "1 failed" in s and "FAILED _bk_bad.ipynb (at In [3]): ValueError: the last line" in s
    assert "open " in s and "slowest: " in s
    # the command builds the book anyway and exits non-zero
    built = []
    code = run_book(reuse=True, workers=2, notebooks=ok + [bad],
                    build=lambda strict, log: built.append(strict) or tmp_path)
    assert code == 1 and built == [True]
    assert "reused" in capsys.readouterr().out  # the unchanged notebooks were not run again
    assert run_book(reuse=True, workers=2, notebooks=ok, build=lambda strict, log: tmp_path) == 0


def test_default_workers_respects_memory():
    from midl_book.cli import default_workers
    import os
    n = default_workers()
    assert 1 <= n <= len(os.sched_getaffinity(0))
    assert default_workers(peak_mb=1e9) == 1  # a notebook larger than memory: one at a time


def test_serve_the_book(tmp_path):
    import urllib.request
    from midl_book.cli import serve
    (tmp_path / "index.html").write_text("<html>the book</html>")
    srv = serve(tmp_path, port=0, block=False)
    try:
        assert srv.url.startswith("http://127.0.0.1:")
        assert b"the book" in urllib.request.urlopen(srv.url + "index.html", timeout=10).read()
    finally:
        srv.shutdown(); srv.server_close()
    r = run("serve", "--port", "0") if not (ROOT / "_build/html/index.html").exists() else None
    if r is not None: assert r.returncode != 0 and "build the book first" in r.stderr


def test_distributed_requests_one_line_errors():
    "--gpus and friends (issue 21): each bad request is one line that says what to do."
    import torch
    many = "--backend gloo" if torch.cuda.device_count() == 0 else "asks for 64 GPUs"
    for args, msg in [(("run", "unet_liver_tumor_ct", "--gpus", "2"), "add --full"),
                      (("run", "unet_liver_tumor_ct", "--fake", "--gpus", "2"), "add --full"),
                      (("run", "automap_gan", "--full", "--gpus", "2"), "does not support several processes"),
                      (("run", "unet_liver_tumor_ct", "--full", "--gpus", "64"), many),
                      (("run", "unet_liver_tumor_ct", "--full", "--gpus", "2", "--nodes", "2"), "--main-addr"),
                      (("run", "unet_liver_tumor_ct", "--resume"), "add --full"),
                      (("run", "hybrid_cascade", "--full", "--gpus", "4", "--backend", "gloo"),
                       "does not split over 4 processes")]:
        r = run(*args)
        assert r.returncode != 0, args
        err = [l for l in r.stderr.strip().splitlines() if "Warning" not in l and "warnings.warn" not in l]
        assert len(err) == 1 and msg in err[0], (args, r.stderr)
        assert "Traceback" not in r.stderr


def test_gpus_without_accelerate_is_one_line():
    code = ("import sys; sys.modules['accelerate'] = None; from midl_book.cli import main; "
            "main(['run', 'unet_liver_tumor_ct', '--full', '--gpus', '2'])")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [
        "midl-book: --gpus needs Hugging Face accelerate, which is not installed: pip install "
        "accelerate==1.15.0 (pinned in requirements.txt)"], r.stderr


def test_distributed_table_covers_every_written_chapter():
    from midl_book.cli import CHAPTERS, DISTRIBUTED, FULL_RUN_NEEDS, distributed_params, CHAPTER_BY_SLUG
    written = {c.slug for c in CHAPTERS if c.implemented}
    assert written <= set(DISTRIBUTED) and written <= set(FULL_RUN_NEEDS)
    for slug, d in DISTRIBUTED.items():
        assert d["procs"] or d.get("why"), slug  # a chapter that says no says why
        if d["procs"]: assert d["scale"] in ("split", "linear") and d.get("bs"), slug
    nb = CHAPTER_BY_SLUG["unet_liver_tumor_ct"].notebook  # full BS=32: 16 per process on 2
    assert distributed_params("unet_liver_tumor_ct", nb, {}, 2)["BS"] == 16
    nb = CHAPTER_BY_SLUG["exclusive_multilabel_densenet"].notebook  # batch 1: lr x N
    p = distributed_params("exclusive_multilabel_densenet", nb, {}, 4)
    assert p["LR"] == 4 * 5e-4 and "BS" not in p
