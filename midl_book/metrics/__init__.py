"""Metrics for segmentation (overlap, surface distance, instances), classification, image quality,
summaries over seeds, and distances between sets of images.

Hand-written (nbdev writes no `__init__.py`): it re-exports every submodule's public names, so
`from midl_book.metrics import dice_score` works as it did when `metrics` was one module."""
from .segmentation import *
from .classification import *
from .image import *
from .summary import *
from .distribution import *
from . import segmentation, classification, image, summary, distribution

__all__ = [n for m in (segmentation, classification, image, summary, distribution)
           for n in m.__all__]
