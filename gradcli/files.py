"""Writing an output file whole or not at all: a temporary file beside it, renamed into place.

`graph --output`, `plot --output` and anything else that writes a file go through
here, so a failure (a full disk, Graphviz crashing, Ctrl-C) never leaves half a
file where the user asked for one.
"""

from __future__ import annotations

import os
import shutil
import stat
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

    If `fill` raises, OUTPUT is untouched and the temporary file is removed.  What
    is replaced follows the shell's `>`: through a symlink to its target (the link
    stays), keeping an existing file's permissions (a 0600 file stays 0600); a
    device, a FIFO or a file with other hard links is written in place, once the
    whole result is ready.  A read-only file or a folder is refused, untouched.
    """
    target, existing = _target(output)
    in_place = existing is not None and (not stat.S_ISREG(existing.st_mode)
                                         or existing.st_nlink > 1)
    tmp = temp_beside(target) if not in_place else _temp_elsewhere(output)
    try:
        fill(tmp)
        if in_place:
            with open(tmp, "rb") as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
        else:
            if existing is not None:
                os.chmod(tmp, stat.S_IMODE(existing.st_mode))
            os.replace(tmp, target)
    except OSError as e:
        raise InputError(f"cannot write {output}: {e.strerror}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _target(output: str) -> tuple[str, os.stat_result | None]:
    """The file `>` would write (a symlink's target) and its stat, refusing what `>` can't."""
    try:
        existing: os.stat_result | None = os.stat(output)  # through links, as > does
    except FileNotFoundError:
        existing = None
    except OSError as e:
        raise InputError(f"cannot write {output}: {e.strerror}") from None
    if existing is not None and not stat.S_ISREG(existing.st_mode) and \
            not stat.S_ISDIR(existing.st_mode):
        return output, existing  # /dev/stdout, a FIFO: opened by its own name, in place
    target = os.path.realpath(output) if os.path.islink(output) else output
    if existing is None:
        return target, None
    if stat.S_ISDIR(existing.st_mode):
        raise InputError(f"cannot write {output}: it is a folder")
    if stat.S_ISREG(existing.st_mode) and (not existing.st_mode & 0o222
                                           or not os.access(target, os.W_OK)):
        raise InputError(f"cannot write {output}: the file is read-only",
                         hint="gradcli does not replace read-only files; choose another name "
                              "or make it writable (chmod u+w)")
    return target, existing


def _temp_elsewhere(output: str) -> str:
    """A temporary file in the system's temporary folder, for a target written in place."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".gradcli-", suffix=".tmp")
    except OSError as e:
        raise InputError(f"cannot write {output}: {e.strerror}") from None
    os.close(fd)
    return tmp


def write_atomic(output: str, data: bytes) -> None:
    """Write the whole file or nothing."""

    def fill(path: str) -> None:
        with open(path, "wb") as f:
            f.write(data)

    write_with(output, fill)
