"""Readers of the real datasets, one module per family (abdomen, chest, neuro, cardiac, liver,
microscopy, retina, oct, knee, imbalanced, nodules).

Hand-written (nbdev writes no `__init__.py`): it re-exports every submodule's public names."""
from .abdomen import *
from .chest import *
from .neuro import *
from .cardiac import *
from .liver import *
from .microscopy import *
from .retina import *
from .oct import *
from .knee import *
from .imbalanced import *
from .nodules import *
from . import (abdomen, chest, neuro, cardiac, liver, microscopy, retina, oct, knee, imbalanced,
               nodules)

__all__ = [n for m in (abdomen, chest, neuro, cardiac, liver, microscopy, retina, oct, knee,
                       imbalanced, nodules)
           for n in m.__all__]
