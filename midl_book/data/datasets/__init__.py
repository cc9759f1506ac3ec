"""Readers of the real datasets, one module per family (abdomen, chest, neuro, ...).

Hand-written (nbdev writes no `__init__.py`): it re-exports every submodule's public names."""
from .abdomen import *
from .chest import *
from .neuro import *
from .cardiac import *
from . import abdomen, chest, neuro, cardiac

__all__ = [n for m in (abdomen, chest, neuro, cardiac) for n in m.__all__]
