"""The book's losses against the libraries they claim to equal, where those libraries are test-only
dependencies (requirements-dev.txt) and so cannot be imported in the chapter notebooks (Colab lacks
them). Checks against torch and torchvision, which Colab has, live in the chapters' own test cells.

unet_liver_tumor_ct.focal_loss against MONAI's `FocalLoss` (issue 15): the flag mappings are those
stated in the `focal_loss` docstring.
"""
import warnings
import numpy as np
import pytest
import torch

monai_losses = pytest.importorskip("monai.losses")
from midl_book.papers.unet_liver_tumor_ct import focal_loss  # noqa: E402

SHAPES = [(2, 7, 5), (2, 4, 5, 3)]                        # (B, *spatial): 2D and 3D
GAMMAS_ALPHAS = [(0.0, None), (0.5, 0.25), (2.0, None), (2.0, 0.25), (2.0, 0.9)]


def _targets(shape, c, g):
    "Random labels, all background, all foreground (label c - 1), each (B, *spatial) long."
    return [torch.randint(0, c, shape, generator=g), torch.zeros(shape, dtype=torch.long),
            torch.full(shape, c - 1, dtype=torch.long)]


@pytest.mark.parametrize("shape", SHAPES)
def test_focal_sigmoid_equals_monai(shape):
    "One channel: focal_loss(alpha=(1 - a, a)) == MONAI FocalLoss(alpha=a) (sigmoid, mean)."
    g = torch.Generator().manual_seed(0)
    z = 3 * torch.randn((shape[0], 1) + shape[1:], generator=g)
    for y in _targets(shape, 2, g):
        for gamma, a in GAMMAS_ALPHAS:
            ours = focal_loss(z, y, gamma, None if a is None else (1 - a, a))
            fl = monai_losses.FocalLoss(gamma=gamma, alpha=a, reduction="mean")
            ref = fl(z, y[:, None].float())
            assert torch.allclose(ours, ref, rtol=1e-5, atol=1e-7), (gamma, a)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("c", [2, 3])
def test_focal_softmax_equals_c_times_monai(shape, c):
    """C channels: focal_loss(alpha=(1 - a, a, ..., a)) == C * MONAI FocalLoss(use_softmax=True,
    to_onehot_y=True, include_background=True, alpha=a): MONAI's mean also runs over the
    channels."""
    g = torch.Generator().manual_seed(1)
    z = 3 * torch.randn((shape[0], c) + shape[1:], generator=g)
    for y in _targets(shape, c, g):
        for gamma, a in GAMMAS_ALPHAS:
            ours = focal_loss(z, y, gamma, None if a is None else [1 - a] + [a] * (c - 1))
            fl = monai_losses.FocalLoss(use_softmax=True, to_onehot_y=True, include_background=True,
                                        gamma=gamma, alpha=a, reduction="mean")
            assert torch.allclose(ours, c * fl(z, y[:, None]), rtol=1e-5, atol=1e-6), (gamma, a)


def test_focal_softmax_weight_and_sum():
    "MONAI's weight=w is alpha=w here (times C); MONAI's sum is B times this mean."
    g = torch.Generator().manual_seed(2)
    b, c = 3, 4
    z = 3 * torch.randn(b, c, 6, 5, 4, generator=g)
    y = torch.randint(0, c, (b, 6, 5, 4), generator=g)
    w = [0.2, 1.0, 3.0, 0.5]
    kw = dict(use_softmax=True, to_onehot_y=True, gamma=2.0)
    ref_w = monai_losses.FocalLoss(weight=w, **kw)(z, y[:, None])
    assert torch.allclose(focal_loss(z, y, 2.0, w), c * ref_w, rtol=1e-5, atol=1e-6)
    ref_sum = monai_losses.FocalLoss(reduction="sum", **kw)(z, y[:, None])
    assert torch.allclose(focal_loss(z, y, 2.0), ref_sum / b, rtol=1e-5, atol=1e-6)


def test_focal_differs_where_documented():
    """Not the same (as the docstring says): MONAI's default sigmoid mode on C >= 2 channels is a
    multi-label loss, and include_background=False takes the softmax over the other channels."""
    g = torch.Generator().manual_seed(3)
    z = 3 * torch.randn(2, 3, 6, 5, generator=g)
    y = torch.randint(0, 3, (2, 6, 5), generator=g)
    ours = focal_loss(z, y, 2.0)
    sig = monai_losses.FocalLoss(to_onehot_y=True, gamma=2.0)(z, y[:, None])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nobg = monai_losses.FocalLoss(use_softmax=True, to_onehot_y=True, include_background=False,
                                      gamma=2.0)(z, y[:, None])
    assert not torch.allclose(ours, 3 * sig, rtol=1e-3)
    assert not torch.allclose(ours, 3 * nobg, rtol=1e-3)


# --- Dice against MONAI's compute_dice, with its empty-mask rules (issue 15) ---------------------
from midl_book.metrics import dice_score, per_class_dice  # noqa: E402

monai_metrics = pytest.importorskip("monai.metrics")


def _monai_dice(p, t, ignore_empty):
    "MONAI's Dice of two binary masks (one image, one channel)."
    y_pred = torch.as_tensor(p, dtype=torch.float32)[None, None]
    y = torch.as_tensor(t, dtype=torch.float32)[None, None]
    return float(monai_metrics.compute_dice(y_pred, y, ignore_empty=ignore_empty)[0, 0])


@pytest.mark.parametrize("shape", [(17, 23), (9, 11, 7)])
def test_dice_equals_monai(shape):
    "Random masks in 2D and 3D: dice_score is MONAI's compute_dice (either empty rule)."
    g = torch.Generator().manual_seed(5)
    for frac in (0.05, 0.3, 0.7):
        p = (torch.rand(shape, generator=g) < frac).numpy()
        t = (torch.rand(shape, generator=g) < frac).numpy()
        assert dice_score(p, t) == pytest.approx(_monai_dice(p, t, ignore_empty=False), abs=1e-6)
        assert dice_score(p, t) == pytest.approx(_monai_dice(p, t, ignore_empty=True), abs=1e-6)


def test_dice_empty_rules_against_monai():
    """Both empty: 1.0 here, as MONAI with ignore_empty=False; MONAI's default (ignore_empty=True)
    gives NaN (the case is left out of its mean). Target empty, prediction not: 0.0 here and with
    ignore_empty=False; NaN with MONAI's default. Prediction empty, target not: 0.0 for all."""
    z, o = np.zeros((6, 6), bool), np.zeros((6, 6), bool)
    o[2:4, 2:4] = True
    assert dice_score(z, z) == 1.0 == _monai_dice(z, z, ignore_empty=False)
    assert np.isnan(_monai_dice(z, z, ignore_empty=True))
    assert dice_score(o, z) == 0.0 == _monai_dice(o, z, ignore_empty=False)
    assert np.isnan(_monai_dice(o, z, ignore_empty=True))
    assert dice_score(z, o) == 0.0 == _monai_dice(z, o, ignore_empty=True)


def test_per_class_dice_equals_monai_one_hot():
    "Label maps: per_class_dice is MONAI's compute_dice on one-hot maps (ignore_empty=False)."
    g = torch.Generator().manual_seed(6)
    p = torch.randint(0, 4, (1, 1, 8, 9, 5), generator=g)
    t = torch.randint(0, 3, (1, 1, 8, 9, 5), generator=g)  # class 3 absent from the target
    ours = per_class_dice(p[0, 0].numpy(), t[0, 0].numpy(), range(4))
    oh = lambda x: torch.nn.functional.one_hot(x[:, 0], 4).permute(0, 4, 1, 2, 3).float()
    ref = monai_metrics.compute_dice(oh(p), oh(t), ignore_empty=False)[0]
    assert [ours[c] for c in range(4)] == pytest.approx(ref.tolist(), abs=1e-6)
