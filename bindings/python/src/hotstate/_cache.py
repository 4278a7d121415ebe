"""The offline cache file, apart from any client: wiping it."""

from __future__ import annotations

import os
from typing import Union

from . import _native


def wipe_cache(path: Union[str, "os.PathLike[str]"]) -> None:
    """Removes the offline cache file at ``path`` and the temporary files interrupted
    writes left next to it, e.g. before opening a client that must not start from it.
    Nothing to remove is fine; a directory is never removed. InvalidArgumentError for an
    empty path; LocalFileError (an OSError) when a file is there but cannot be removed. A
    client open on the same path writes it again at its next interval: use
    ``client.wipe_cache()`` for that."""
    _native.wipe_cache(os.fspath(path))
