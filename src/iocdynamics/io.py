"""File input and output at the edges: atomic writes (a reader never sees a
half-written file) and TOML reading with errors that name the file."""

from __future__ import annotations

import os
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` then move the temporary file onto ``path``.

    The temporary file lives in the same folder, so the final ``os.replace`` is
    atomic; on error it is removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` atomically."""
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8", newline="\n"))


def read_toml(path: str | Path, error: type[Exception], what: str) -> dict[str, Any]:
    """Read a TOML file, raising ``error`` with the file name and the reason.

    Parameters
    ----------
    path : path
    error : exception class
        Raised (with the file name first) if the file is unreadable or not TOML.
    what : str
        What the file is, for the message ("scenario file", "experiment file").
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.strerror})") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from exc


def write_or_print(text: str, output: str | Path | None) -> None:
    """Write ``text`` atomically to ``output`` (and say so), or print it if ``None``."""
    if output:
        atomic_write_text(output, text)
        print(f"wrote {output}")
    else:
        print(text)
