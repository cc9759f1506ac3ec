"""fastai glue: DataLoaders from arrays, the learner and prediction, batch augmentation, recorded results,
callbacks and metrics shared by the chapters, checkpoints with resume, and distributed (DDP) runs.

Hand-written (nbdev writes no `__init__.py`): it re-exports every submodule's public names, so
`from midl_book.train import make_learner` works as it did when `train` was one module."""
from .learner import *
from .augment import *
from .results import *
from .callbacks import *
from .checkpoint import *
from .distributed import *
from . import learner, augment, results, callbacks, checkpoint, distributed

__all__ = [n for m in (learner, augment, results, callbacks, checkpoint, distributed) for n in m.__all__]
