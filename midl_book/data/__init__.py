"""Real-format readers, preprocessing, patches, splits, labels, the dataset registry, shipped images, fake dataset trees and
fetching the open datasets.

Hand-written (nbdev writes no `__init__.py`): it re-exports every submodule's public names, so
`from midl_book.data import load_nifti` works as it did when `data` was one module."""
from .volume import *
from .images import *
from .preprocess import *
from .patches import *
from .splits import *
from .labels import *
from .registry import *
from .shipped import *
from .fake import *
from .remote import *
from .datasets import *
from . import volume, images, preprocess, patches, splits, labels, registry, shipped, fake, remote, datasets

__all__ = [n for m in (volume, images, preprocess, patches, splits, labels, registry, shipped, fake, remote,
                     datasets)
           for n in m.__all__]
