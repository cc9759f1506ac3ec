"""Networks shared by the chapters: the U-Net and torchvision classification backbones.

Hand-written (nbdev writes no `__init__.py`): it re-exports every submodule's public names, so
`from midl_book.models import UNet` works as it did when `models` was one module."""
from .unet import *
from .backbones import *
from . import unet, backbones

__all__ = [n for m in (unet, backbones) for n in m.__all__]
