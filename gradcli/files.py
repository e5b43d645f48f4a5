"""Writing an output file whole or not at all: a temporary file beside it, renamed into place.

`graph --output`, `plot --output` and anything else that writes a file go through
here, so a failure (a full disk, Graphviz crashing, Ctrl-C) never leaves half a
file where the user asked for one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable

from gradcli.errors import InputError


def temp_beside(output: str) -> str:
    """An empty temporary file in OUTPUT's folder, so the rename cannot cross devices."""
    folder = os.path.dirname(os.path.abspath(output))
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".gradcli-", suffix=".tmp")
    except OSError as e:
        raise InputError(f"cannot write {output}: {e.strerror}") from None
    os.close(fd)
    # mkstemp makes the file private; the result gets the usual permissions
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o666 & ~mask)
    return tmp


def write_with(output: str, fill: Callable[[str], None]) -> None:
    """Let `fill(path)` write a temporary file beside OUTPUT, then rename it into place.

    If `fill` raises, OUTPUT is untouched and the temporary file is removed.
    """
    tmp = temp_beside(output)
    try:
        fill(tmp)
        os.replace(tmp, output)
    except OSError as e:
        raise InputError(f"cannot write {output}: {e.strerror}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_atomic(output: str, data: bytes) -> None:
    """Write the whole file or nothing."""

    def fill(path: str) -> None:
        with open(path, "wb") as f:
            f.write(data)

    write_with(output, fill)
