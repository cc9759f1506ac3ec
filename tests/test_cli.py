"""The `midl-book` command: it runs a notebook with overrides, and bad arguments get a one-line error."""
import json, subprocess, sys
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
