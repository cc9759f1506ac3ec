"""tools/wrap_long_lines.py: it wraps only what is over 100 characters, keeps what the code computes
(code_key), and a second run changes nothing."""
import importlib.util, json, shutil
from pathlib import Path
import pytest
from midl_book.core import code_key

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("wrap_long_lines", ROOT / "tools" / "wrap_long_lines.py")
wll = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(wll)
pytestmark = pytest.mark.skipif(not Path(wll.RUFF).exists(), reason="ruff is not installed")

CELL = '''#| export
def f(x,  # the input
      y=2):
    "A one-line docstring that is long enough to need wrapping because it goes on and on past the end."
    """unused"""
    out = some_function_with_a_long_name(first_argument_value, second_argument_value, third_argument=3)
    in_d = dist(m, sampling=spacing)  # inside: distance to the nearest pixel outside G, in millimetres per axis
    # a standalone comment that is far too long for the book's code column, so it must wrap onto the next
    # line, which continues it.
    if x < 0: raise ValueError(f"f: x must be >= 0, got {x} with y={y}; a negative x has no meaning here, see the docs")
    return out + in_d
short = 1
'''


def _long(s): return [l for l in s.split("\n") if len(l) > 100]


def test_wrap_cell():
    assert len(_long(CELL)) == 5
    new, manual = wll.wrap_cell(CELL)
    assert not _long(new) and not manual
    assert code_key(new) == code_key(CELL)
    assert new.startswith("#| export\ndef f(x,  # the input\n      y=2):\n")  # short lines untouched
    assert new.endswith("    return out + in_d\nshort = 1\n")
    assert "    # inside: distance to the nearest pixel outside G, in millimetres per axis\n    in_d = dist(" in new
    assert '    """A one-line docstring' in new
    assert '        raise ValueError(f"f: x must' in new  # the literal re-split after the bracket
    assert wll.wrap_cell(new) == (new, {})  # idempotent


def test_dense_stays_dense():
    "A long call or table is filled after its bracket (the book's layout); --ruff explodes it."
    src = "LABELS = {" + ", ".join(f'{k}: "label number {k}"' for k in range(8)) + "}\n"
    new, _ = wll.wrap_cell(src)
    assert len(new.splitlines()) == 2 and new.splitlines()[1].startswith(" " * 10 + "4: ")
    try:
        wll.RUFF_ONLY = True
        assert len(wll.wrap_cell(src)[0].splitlines()) == 10
    finally: wll.RUFF_ONLY = False


def test_left_for_a_person():
    "A parameter's trailing comment (docments) and a string with nowhere to split stay, reported."
    src = ('def g(a: int = 1,  # ' + "a very long parameter documentation " * 3 + '\n      ):\n'
           '    return a\nx = ["' + "x" * 110 + '"]\n')
    new, manual = wll.wrap_cell(src)
    assert new == src and len(manual) == 2
    assert any("docments" in why for why in manual.values())


def test_fstring_not_split_in_braces():
    src = 'print(f"{' + "a" * 30 + ' + b} ' + "word " * 20 + '{c:>{w}} tail")\n'
    new, _ = wll.wrap_cell(src)
    assert not _long(new) and code_key(new) == code_key(src)
    assert "{" + "a" * 30 + " + b}" in new and "{c:>{w}}" in new


def test_notebook(tmp_path):
    nb = json.loads((ROOT / "tests" / "fixtures" / "tiny.ipynb").read_text())
    nb["cells"].append({"cell_type": "code", "execution_count": None, "id": "wrap01",
                        "metadata": {}, "outputs": [], "source": CELL.splitlines(True)})
    p = tmp_path / "x.ipynb"
    p.write_text(json.dumps(nb))
    before, after = wll.wrap_notebook(p)
    assert (before, after) == (5, 0)
    once = p.read_text()
    assert wll.wrap_notebook(p) == (0, 0) and p.read_text() == once


def test_clause_comment_goes_into_its_body():
    src = ("try:\n    x = 1\nexcept Exception as e:  # papermill writes the executed notebook, the "
           "failing cell included, before it raises\n    raise\n")
    new, manual = wll.wrap_cell(src)
    assert new.split("\n")[2:4] == ["except Exception as e:", "    # papermill writes the executed "
                                    "notebook, the failing cell included, before it raises"]


def test_one_row_of_a_long_table():
    "A long row inside a long statement (with comments) is filled alone; the others stay as they are."
    row = '    Chapter("boundary_loss", "II", "Boundary loss for highly unbalanced segmentation", "midl-b"),'
    src = "CHAPTERS = [\n    # Part II\n" + row.replace("loss for", "loss for very") + "\n" \
          + '    Chapter("a", "I", "b", "c"),\n]\n'
    new, manual = wll.wrap_cell(src)
    assert not manual and not _long(new) and code_key(new) == code_key(src)
    assert new.split("\n")[0:2] == src.split("\n")[0:2] and len(new.split("\n")) == len(src.split("\n")) + 1


def test_last_row_that_closes_the_table():
    src = ('RUNS = {"a": dict(datasets=("x",),\n'
           '                  params=dict(EPOCHS=1, SEEDS=[0], LB_ALONE_SEEDS=[0], IMG=32, '
           'WIDTHS=[4, 8], BATCH=2)),\n          "b": 1}\n')
    new, manual = wll.wrap_cell(src)
    assert not manual and not _long(new) and code_key(new) == code_key(src)
    assert new.split("\n")[0] == src.split("\n")[0] and new.split("\n")[-2] == src.split("\n")[-2]
    assert new.split("\n")[2].startswith(" " * len('                  params=dict('))


def test_row_that_opens_brackets():
    src = ('RUNS = {"a": dict(datasets=("isles",), params=dict(EPOCHS=1, SEEDS=[0], LB_ALONE_SEEDS=[0], '
           'IMG=32000,\n                                               WIDTHS=[4, 8])),\n        "b": 1}\n')
    new, manual = wll.wrap_cell(src)
    assert not manual and not _long(new) and code_key(new) == code_key(src)
    assert new.split("\n")[1] == " " * len('RUNS = {"a": dict(datasets=("isles",), params=dict(') + "IMG=32000,"
