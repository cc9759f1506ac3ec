"""Networks shared by the chapters: building blocks, the U-Net, torchvision classification backbones and attention.

Hand-written (nbdev writes no `__init__.py`): it re-exports every submodule's public names, so
`from midl_book.models import UNet` works as it did when `models` was one module."""
from .blocks import *
from .unet import *
from .backbones import *
from .attention import *
from . import blocks, unet, backbones, attention

__all__ = [n for m in (blocks, unet, backbones, attention) for n in m.__all__]
