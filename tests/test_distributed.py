"""Distributed training and checkpoints on a CPU (issue 21): two gloo ranks against one process, the
validation metric reduced across ranks, one results file, kill and resume, an interrupted save.

Tolerances: two ranks average their gradients with an all-reduce, one process averages the doubled
batch; the same numbers summed in another order differ by float32 rounding, so weights and losses
must agree to `atol=1e-6, rtol=1e-5` (a wrong batch, a padded sample or a missing all-reduce moves
them by more than 1e-2 here)."""
import json, os, subprocess, sys, textwrap
from pathlib import Path
import pytest
import torch
import torch.nn as nn

ROOT = Path(__file__).resolve().parent.parent
ATOL, RTOL = 1e-6, 1e-5
N_TRAIN, N_VALID, BS, VALID_BS, WORLD, EPOCHS = 16, 7, 4, 2, 2, 2  # 7 % 2 != 0: padding would show


def _data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(N_TRAIN + N_VALID, 4, generator=g)
    y = x @ torch.tensor([[1.], [-2.], [.5], [3.]]) + 0.3 * torch.randn(N_TRAIN + N_VALID, 1, generator=g)
    return x[:N_TRAIN], y[:N_TRAIN], x[N_TRAIN:], y[N_TRAIN:]


def _learner(xt, yt, bs):
    "A model without BatchNorm, plain SGD, no shuffle: every difference is the distribution's."
    from fastai.learner import Learner, Metric
    from fastai.data.core import DataLoaders
    from fastai.data.load import DataLoader
    from fastai.metrics import mae, rmse
    from fastai.optimizer import SGD
    from fastai.callback.core import Callback
    from torch.utils.data import TensorDataset

    class AbsSum(Metric):  # a custom metric: its sums are reduced through `reduce_attrs`
        reduce_attrs = ("s", "n")
        def reset(self): self.s, self.n = 0., 0
        def accumulate(self, learn): self.s += (learn.pred - learn.y).abs().sum().item(); self.n += len(learn.y)
        @property
        def value(self): return self.s / self.n

    class LossLog(Callback):
        def before_fit(self): self.losses = []
        def after_batch(self):
            if self.training: self.losses.append(self.loss.item())

    _, _, xv, yv = _data()
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    dls = DataLoaders(DataLoader(TensorDataset(xt, yt), bs=bs, shuffle=False),
                      DataLoader(TensorDataset(xv, yv), bs=VALID_BS), device="cpu")
    learn = Learner(dls, model, loss_func=nn.MSELoss(), opt_func=SGD, lr=0.05,
                    metrics=[mae, rmse, AbsSum()], cbs=[LossLog()])
    learn.remove_cb(learn.progress) if hasattr(learn, "progress") else None
    learn.logger = lambda *a, **k: None
    return learn


def _worker(out):
    "One rank (forked by accelerate's debug_launcher): train, report, save a results record."
    from midl_book.train import attach_from_env, ResultsRecorder, rank, world_size
    xt, yt, _, _ = _data()
    learn = attach_from_env(_learner(xt, yt, BS))
    learn.fit(EPOCHS)
    r = rank()
    rec = ResultsRecorder("toy_ddp", smoke=True, notebook=Path(out) / "none.ipynb")
    rec.log("rank", r); rec.save()
    torch.save(dict(world=world_size(), losses=learn.loss_log.losses if hasattr(learn, "loss_log") else
                    learn.cbs.filter(lambda c: type(c).__name__ == "LossLog")[0].losses,
                    valid=[float(v) for v in learn.recorder.values[-1][1:]],
                    weights={k: v.detach().clone() for k, v in learn.model.state_dict().items()}),
               Path(out) / f"rank{r}.pt")


def _one_process_order():
    "fastai's DistributedDL gives rank r the r-th contiguous block of the epoch's order: the same batches."
    per_rank, order = N_TRAIN // WORLD, []
    for k in range(per_rank // BS):
        for r in range(WORLD): order += list(range(r * per_rank + k * BS, r * per_rank + (k + 1) * BS))
    return order


def test_two_gloo_ranks_equal_one_process_with_the_doubled_batch(tmp_path, monkeypatch):
    from accelerate import debug_launcher
    monkeypatch.setenv("MIDL_BOOK_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("MIDL_BOOK_QUIET", "1")
    monkeypatch.delenv("MIDL_BOOK_CHECKPOINTS", raising=False)
    debug_launcher(_worker, (str(tmp_path),), num_processes=WORLD)
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in range(WORLD)]
    assert [d["world"] for d in ranks] == [WORLD] * WORLD

    xt, yt, _, _ = _data()
    o = _one_process_order()
    one = _learner(xt[o], yt[o], BS * WORLD)
    one.fit(EPOCHS)
    ref = one.cbs.filter(lambda c: type(c).__name__ == "LossLog")[0].losses
    # the loss of each step: the mean of the ranks' losses equals the doubled batch's loss
    ddp = torch.tensor([d["losses"] for d in ranks]).mean(0)
    torch.testing.assert_close(ddp, torch.tensor(ref), atol=ATOL, rtol=RTOL)
    for k, v in one.model.state_dict().items():
        for d in ranks: torch.testing.assert_close(d["weights"][k], v, atol=ATOL, rtol=RTOL)

    # validation: loss, mae (AvgMetric), rmse (AccumMetric), AbsSum (reduce_attrs) over the whole
    # set, each sample once, equal to one process on the same (rank 0's) weights
    one.model.load_state_dict(ranks[0]["weights"])
    want = [float(v) for v in one.validate()]
    for d in ranks: assert d["valid"] == pytest.approx(want, abs=ATOL, rel=RTOL)

    # the results file: written once, by rank 0
    files = list((tmp_path / "results").rglob("*.json"))
    assert [f.name for f in files] == ["toy_ddp.json"]
    assert json.loads(files[0].read_text())["metrics"]["rank"] == 0


RUN = textwrap.dedent("""
    import os, signal, sys, torch
    sys.path.insert(0, {tests!r})
    from test_distributed import _data, _learner
    from fastai.callback.core import Callback
    from midl_book.train import attach_from_env, ResultsRecorder
    kill = int(sys.argv[1])
    class Kill(Callback):
        order = 100  # after Checkpoint saved the epoch
        def after_epoch(self):
            if self.epoch == kill: os.kill(os.getpid(), signal.SIGKILL)
    rec = ResultsRecorder("toy_resume", smoke=False, notebook="none.ipynb")
    xt, yt, _, _ = _data()
    learn = attach_from_env(_learner(xt, yt, 4))
    learn.add_cb(Kill())
    from fastai.callback.schedule import fit_one_cycle
    learn.fit_one_cycle(4, 0.05)
    rec.save()
    torch.save(learn.model.state_dict(), sys.argv[2])
""")


def test_killed_and_resumed_run_gives_the_same_weights(tmp_path):
    script = tmp_path / "run.py"; script.write_text(RUN.format(tests=str(ROOT / "tests")))
    env = dict(os.environ, MIDL_BOOK_RESULTS=str(tmp_path / "results"), MIDL_BOOK_QUIET="1",
               MIDL_BOOK_SLUG="toy_resume", MIDL_BOOK_RUN_KEY="k", PYTHONPATH=str(ROOT))

    def go(folder, kill, out, resume=False):
        e = dict(env, MIDL_BOOK_CHECKPOINTS=str(tmp_path / folder), MIDL_BOOK_RESUME="1" if resume else "0")
        return subprocess.run([sys.executable, str(script), str(kill), str(tmp_path / out)], env=e,
                              capture_output=True, text=True, cwd=tmp_path)
    r = go("a", -1, "full.pt"); assert r.returncode == 0, r.stderr
    r = go("b", 1, "never.pt"); assert r.returncode == -9, r.stderr  # killed after epoch 1
    rec = json.loads((tmp_path / "results" / "full" / "toy_resume.json").read_text())
    assert rec["incomplete"] == dict(epochs_done=2, epochs=4, fit=0)  # never looks finished
    r = go("b", -1, "resumed.pt", resume=True); assert r.returncode == 0, r.stderr
    rec = json.loads((tmp_path / "results" / "full" / "toy_resume.json").read_text())
    assert rec["incomplete"] is None
    full, resumed = (torch.load(tmp_path / f, weights_only=True) for f in ("full.pt", "resumed.pt"))
    for k in full: assert torch.equal(full[k], resumed[k]), k  # bit for bit


def test_interrupted_atomic_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    from midl_book.train.checkpoint import atomic_save
    p = atomic_save(dict(epoch=1, w=torch.ones(2)), tmp_path / "ck.pt")

    def killed(*a): raise KeyboardInterrupt  # the kill comes after the write, before the rename
    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt): atomic_save(dict(epoch=2, w=torch.zeros(2)), p)
    monkeypatch.undo()
    assert torch.load(p, weights_only=True)["epoch"] == 1
    assert [f.name for f in tmp_path.iterdir()] == ["ck.pt"]  # no temporary file left behind


PROBE = """
import os, json, numpy as np, torch, torch.distributed as dist
from midl_book.train import make_learner, arrays_dls, MidlDistributedTrainer, rank, world_size
rng = np.random.default_rng(0)
x = rng.random((20, 1, 8, 8)).astype("float32"); y = rng.integers(0, 2, 20)
dls = arrays_dls(x[:13], y[:13], x[13:], y[13:], bs=4)
learn = make_learner(dls, torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 2)),
                     torch.nn.functional.cross_entropy)
learn.fit(1)
has = any(isinstance(c, MidlDistributedTrainer) for c in learn.cbs)
open(os.environ["OUTDIR"] + f"/rank{rank()}.json", "w").write(json.dumps(dict(
    ws=world_size(), init=dist.is_initialized(), has=has, valid=float(learn.recorder.values[-1][1]))))
"""


def test_launcher_runs_the_notebook_on_two_ranks(tmp_path):
    "`midl-book run --gpus 2 --backend gloo`'s path: torchrun, one papermill kernel per rank, DDP inside."
    import socket
    from midl_book.train.distributed import launch_argv
    cells = [dict(cell_type="code", source=["SMOKE = True"], metadata={"tags": ["parameters"]}, id="p",
                  outputs=[], execution_count=None),
             dict(cell_type="code", source=[PROBE], metadata={}, id="b", outputs=[], execution_count=None)]
    nb = tmp_path / "probe.ipynb"
    nb.write_text(json.dumps(dict(cells=cells, metadata=dict(kernelspec=dict(
        name="python3", display_name="Python 3", language="python")), nbformat=4, nbformat_minor=5)))
    with socket.socket() as s: s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    argv = launch_argv([str(nb), str(tmp_path / "out.ipynb"), "{}", str(tmp_path)], 2, backend="gloo",
                       main_port=port)
    env = dict(os.environ, ACCELERATE_USE_CPU="yes", OUTDIR=str(tmp_path), MIDL_BOOK_QUIET="1",
               PYTHONPATH=str(ROOT))
    r = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=tmp_path, timeout=240)
    assert r.returncode == 0, r.stderr[-3000:]
    got = [json.loads((tmp_path / f"rank{k}.json").read_text()) for k in range(2)]
    assert all(g["ws"] == 2 and g["init"] and g["has"] for g in got), got
    assert got[0]["valid"] == got[1]["valid"]  # the reduced validation loss, the same on both ranks
    assert (tmp_path / "out.ipynb").exists()  # rank 0's executed copy; rank 1 keeps none here
