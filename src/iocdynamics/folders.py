"""Result folders that are replaced as a whole.

A run builds its complete result in a temporary sibling folder
(``.NAME.HOST-PID.XXXXXXXX.partial``) and swaps it in at the end, so the result
folder always holds one complete run: the previous one until the swap, the new
one after it. Only a folder recognised as a result of the same kind is ever
replaced; a folder holding anything else is refused before any work starts.

On Linux the swap is one atomic ``renameat2(RENAME_EXCHANGE)``; elsewhere (or on
file systems without it) two renames, and a run killed between them leaves the
previous result as ``.NAME.HOST-PID.XXXXXXXX.old``, which the next run of the same
result moves back before starting.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
import stat
from collections.abc import Collection
from pathlib import Path

from .io import stale_temporaries, temp_sibling, temporary_of

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class FolderError(ValueError):
    """A result folder cannot be replaced; the message names it and the fix."""


def foreign_entries(folder: str | Path, expected: Collection[str]) -> list[str]:
    """Entries of ``folder`` that a result of this kind never writes (sorted)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir()
                  if p.name not in expected and temporary_of(p) is None)


def check_replaceable(folder: str | Path, expected: Collection[str], what: str) -> None:
    """Refuse, before any work, a folder a new result must not replace.

    Parameters
    ----------
    folder : path
        The result folder (may not exist yet).
    expected : collection of str
        Names of the files and folders a result of this kind writes at its top level.
    what : str
        The kind of result, for the message ("experiment results").

    Raises
    ------
    FolderError
        If ``folder`` is a file, or a folder holding other entries than ``expected``.
    """
    folder = Path(folder)
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise FolderError(f"{folder}: is {'a link' if folder.is_symlink() else 'a file'}, "
                          f"not a folder for {what}; choose another folder")
    other = foreign_entries(folder, expected)
    if other:
        shown = ", ".join(other[:5]) + (", ..." if len(other) > 5 else "")
        raise FolderError(f"{folder}: holds {shown}, which {what} never contain; a new run "
                          "replaces the whole folder, so it is refused: choose an empty or "
                          "new folder, or move those files out")


def recover(folder: str | Path) -> None:
    """Tidy after a killed run of the result ``folder``: move back a previous result
    left aside by an interrupted swap, remove stale temporary folders of it."""
    folder = Path(folder)
    for p in stale_temporaries(folder.parent):
        if temporary_of(p) != folder.name or p.is_symlink() or not p.is_dir():
            continue
        if p.name.endswith(".old") and not folder.exists():
            os.replace(p, folder)
        else:
            shutil.rmtree(p)


def new_sibling(folder: str | Path) -> Path:
    """Create an empty temporary folder beside ``folder`` (after :func:`recover`),
    with the permissions of ``folder`` if it exists, else the umask's."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    recover(folder)
    while True:
        tmp = temp_sibling(folder, "partial")
        try:
            os.mkdir(tmp, 0o777)
            break
        except FileExistsError:  # pragma: no cover - 32 random bits collided
            continue
    if folder.is_dir():
        os.chmod(tmp, stat.S_IMODE(folder.stat().st_mode))
    return tmp


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux ``renameat2``); ``False`` if unsupported."""
    name = ctypes.util.find_library("c")
    if os.name != "posix" or name is None:
        return False
    try:
        fn = ctypes.CDLL(name, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                   ctypes.c_uint]
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False  # no such call, or the file system lacks it: two renames instead
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def swap_in(new: str | Path, folder: str | Path) -> Path:
    """Put the complete folder ``new`` at ``folder``; the previous ``folder`` (if any)
    is removed afterwards. Nothing outside ``folder`` and ``new`` is touched."""
    new, folder = Path(new), Path(folder)
    if not folder.exists():
        os.replace(new, folder)
        return folder
    if _exchange(new, folder):
        shutil.rmtree(new)
        return folder
    old = temp_sibling(folder, "old")
    os.replace(folder, old)
    os.replace(new, folder)
    shutil.rmtree(old)
    return folder
