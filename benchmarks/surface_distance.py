"""HD95 and ASSD: midl_book against MONAI, side by side, same masks, same spacing.

Run from the repository root: `.venv/bin/python benchmarks/surface_distance.py`. The masks are a
smooth organ-like blob and a perturbed copy of it (a "prediction"), on a 128 x 128 x 64 volume and a
LiTS-size 512 x 512 x 96 one, with anisotropic CT spacing. Each timing is the median of `--repeat`
runs on one thread; the output is a Markdown table for BENCHMARKS.md."""
import argparse, os, time, warnings
os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np
import torch
from scipy import ndimage
from monai.metrics import compute_average_surface_distance, compute_hausdorff_distance
from midl_book.metrics import assd, hausdorff95

torch.set_num_threads(1)


def organ(shape, seed, shift=0.0):
    "An ellipsoid (about a third of the volume across) with a smooth random boundary."
    rng = np.random.default_rng(seed)
    g = np.stack(np.meshgrid(*[np.linspace(-1, 1, n) for n in shape], indexing="ij"))
    r = np.sqrt(((g[0] - shift) / 0.55) ** 2 + (g[1] / 0.45) ** 2 + ((g[2] + shift) / 0.5) ** 2)
    bump = ndimage.gaussian_filter(rng.standard_normal(shape), min(shape) / 16)
    return r + bump / np.abs(bump).max() * 0.08 < 1


def timed(fn, repeat):
    ts, v = [], None
    for _ in range(repeat):
        t0 = time.perf_counter(); v = fn(); ts.append(time.perf_counter() - t0)
    return float(np.median(ts)), v


def main(repeat=3):
    rows = ["| volume | metric | midl_book (s) | MONAI (s) | time ratio | midl_book value | MONAI value |",
            "|---|---|---|---|---|---|---|"]
    for shape, sp in [((128, 128, 64), (0.8, 0.8, 2.5)), ((512, 512, 96), (0.7, 0.7, 2.5))]:
        p, g = organ(shape, 0, 0.02), organ(shape, 1)
        tp, tg = torch.from_numpy(p)[None, None], torch.from_numpy(g)[None, None]
        for name, ours, ref in [
                ("HD95", lambda: hausdorff95(p, g, sp),
                 lambda: float(compute_hausdorff_distance(tp, tg, percentile=95, spacing=list(sp)))),
                ("ASSD", lambda: assd(p, g, sp),
                 lambda: float(compute_average_surface_distance(tp, tg, symmetric=True, spacing=list(sp))))]:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t_ours, v_ours = timed(ours, repeat); t_ref, v_ref = timed(ref, repeat)
            assert abs(v_ours - v_ref) <= 1e-5 * max(1.0, v_ref), (name, shape, v_ours, v_ref)
            rows.append(f"| {'x'.join(map(str, shape))} | {name} | {t_ours:.3f} | {t_ref:.3f} | "
                        f"{t_ours / t_ref:.2f} | {v_ours:.6f} | {v_ref:.6f} |")
    print("\n".join(rows))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    main(ap.parse_args().repeat)
