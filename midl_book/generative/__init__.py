"""Generative models that train with fastai: GANs (gan), later VAEs (vae).

Hand-written (nbdev writes no `__init__.py`): it re-exports every submodule's public names."""
from .gan import *
from . import gan

__all__ = [n for m in (gan,) for n in m.__all__]
