"""Procedural images with exact ground truth, one module per modality (core, ct, liver_mri, brain,
histology, cardiac, eye, fundus, oct, xray, ultrasound, knee, lesions, texture3d).

Hand-written (nbdev writes no `__init__.py`): it re-exports every submodule's public names, so
`from midl_book.phantoms import ct_abdomen_slice` works as it did when `phantoms` was one module."""
from .core import *
from .ct import *
from .liver_mri import *
from .brain import *
from .histology import *
from .cardiac import *
from .eye import *
from .fundus import *
from .oct import *
from .xray import *
from .ultrasound import *
from .knee import *
from .lesions import *
from .texture3d import *
from . import (core, ct, liver_mri, brain, histology, cardiac, eye, fundus, oct, xray, ultrasound,
               knee, lesions, texture3d)

__all__ = [n for m in (core, ct, liver_mri, brain, histology, cardiac, eye, fundus, oct, xray,
                       ultrasound, knee, lesions, texture3d)
           for n in m.__all__]
from ..core import as_rng, SeedLike   # their home was phantoms before core; old imports keep working
