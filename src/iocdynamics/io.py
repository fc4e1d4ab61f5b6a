"""File input and output at the edges: atomic writes (a reader never sees a
half-written file), text and TOML reading with errors that name the file, and
checks of output paths made before any work starts.

Promises of :func:`atomic_write`:

* the file appears whole or not at all (a temporary ``.NAME.HOST-PID.XXXXXXXX.part``
  beside it is renamed onto it);
* a new file gets the permissions the umask gives any new file; an overwritten
  file keeps the permissions it had;
* temporary files of a run that was killed (its process is gone) are removed the
  next time anything is written to the same folder, and only in that folder.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import stat
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any


class OutputError(ValueError):
    """An output path cannot be written; the message names the path and the fix."""


# ------------------------------------------------------------ temporary names
_HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:32] or "host"
_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<host>[A-Za-z0-9-]+)-(?P<pid>\d+)\.[0-9a-f]{8}\."
                   r"(?P<kind>part|partial|old)$")
_swept: set[Path] = set()


def temp_sibling(path: str | Path, kind: str) -> Path:
    """A fresh name ``.NAME.HOST-PID.XXXXXXXX.KIND`` beside ``path`` (not created)."""
    path = Path(path)
    return path.with_name(f".{path.name}.{_HOST}-{os.getpid()}.{secrets.token_hex(4)}.{kind}")


def temporary_of(path: str | Path) -> str | None:
    """The name of the file or folder a temporary of :func:`temp_sibling` stands for
    (``None`` if ``path`` is not such a temporary)."""
    m = _TEMP.match(Path(path).name)
    return m["name"] if m else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_temporaries(folder: str | Path) -> list[Path]:
    """Temporary files and folders in ``folder`` left by killed runs on this host:
    named by :func:`temp_sibling`, of another process that no longer exists."""
    folder = Path(folder)
    out = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return out
    for p in entries:
        m = _TEMP.match(p.name)
        if m is None or m["host"] != _HOST:
            continue
        pid = int(m["pid"])
        if pid != os.getpid() and not _alive(pid):
            out.append(p)
    return out


def sweep_stale_parts(folder: str | Path) -> list[Path]:
    """Remove the stale ``.part`` files of :func:`stale_temporaries` (once per folder
    and process); returns what was removed."""
    folder = Path(folder)
    key = folder.resolve()
    if key in _swept:
        return []
    _swept.add(key)
    removed = []
    for p in stale_temporaries(folder):
        if p.name.endswith(".part") and p.is_file() and not p.is_symlink():
            p.unlink(missing_ok=True)
            removed.append(p)
    return removed


# ------------------------------------------------------------ output checks
def check_output_file(path: str | Path, what: str = "output") -> Path:
    """Check that ``path`` can receive a file, before any work starts.

    Parameters
    ----------
    path : path
        The file to write.
    what : str
        How the user named it, for the message (``"-o"``, ``"[search] output"``).

    Raises
    ------
    OutputError
        If ``path`` is (or ends like) a folder, or a parent is a file.
    """
    text = str(path)
    path = Path(path)
    if text.endswith(("/", os.sep)) or path.is_dir():
        raise OutputError(f"{what} {text}: is a folder; give a file name inside it, e.g. "
                          f"{path / 'result.csv'}")
    _check_parents(path.parent, what, text)
    return path


def check_output_folder(path: str | Path, what: str = "output folder") -> Path:
    """Check that ``path`` is or can become a folder, before any work starts.

    Raises
    ------
    OutputError
        If ``path`` or one of its parents is a file, or the nearest existing
        parent is not writable.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{what} {path}: is a file, not a folder; give a folder path "
                          "(it is created if missing)")
    _check_parents(path if path.is_dir() else path.parent, what, str(path))
    return path


def _check_parents(folder: Path, what: str, text: str) -> None:
    p = folder
    while not p.exists():
        if p.parent == p:
            return
        p = p.parent
    if not p.is_dir():
        raise OutputError(f"{what} {text}: {p} is a file, so no folder can be made there; "
                          "choose another path")
    if not os.access(p, os.W_OK | os.X_OK):
        raise OutputError(f"{what} {text}: the folder {p} is not writable; choose another "
                          "path or change its permissions")


def plain_name_problem(name: Any) -> str | None:
    """Why ``name`` cannot name a result folder (``None`` if it can).

    A result name is a plain folder name: a non-empty string, no path separator,
    not ``.`` or ``..``, not starting with ``.`` (such names are reserved for the
    temporary files and folders of a run), no control character.
    """
    if not isinstance(name, str) or not name:
        return "must be a non-empty string"
    if "/" in name or "\\" in name or os.sep in name:
        return "must be a plain folder name, without / or \\"
    if name in (".", ".."):
        return "must be a plain folder name, not . or .. (they name existing folders)"
    if name.startswith("."):
        return "must not start with '.' (hidden names are kept for temporary files)"
    if any(ord(c) < 32 for c in name):
        return "must not contain control characters"
    return None


# ------------------------------------------------------------ writing
def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` then move the temporary file onto ``path``.

    The temporary file lives in the same folder, so the final ``os.replace`` is
    atomic; on error (or Ctrl-C) it is removed and ``path`` is left as it was.
    The new file gets the umask's permissions, or those of the file it replaces.

    Raises
    ------
    OutputError
        If ``path`` is a folder.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name inside it")
    path.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale_parts(path.parent)
    while True:
        tmp_path = temp_sibling(path, "part")
        try:
            fd = os.open(tmp_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
            break
        except FileExistsError:  # pragma: no cover - 32 random bits collided
            continue
    try:
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except FileNotFoundError:
            mode = stat.S_IMODE(os.fstat(fd).st_mode)  # what the umask gave
        finally:
            os.close(fd)
        write(tmp_path)
        os.chmod(tmp_path, mode)
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` atomically."""
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8", newline="\n"))


def write_or_print(text: str, output: str | Path | None) -> None:
    """Write ``text`` atomically to ``output`` (and say so), or print it if ``None``."""
    if output:
        check_output_file(output, "-o")
        atomic_write_text(output, text)
        print(f"wrote {output}")
    else:
        print(text)


# ------------------------------------------------------------ reading
def decode_text(data: bytes, path: str | Path, error: type[Exception]) -> str:
    """Decode a file's bytes as UTF-8, raising ``error`` naming the file, the line
    and column of the first bad byte and the fix."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise error(f"{path}: line {line}, column {col}: byte 0x{data[exc.start]:02x} is "
                    "not UTF-8 text; save the file with UTF-8 encoding (e.g. 'é' as "
                    "UTF-8, not Latin-1)") from None


def read_toml(path: str | Path, error: type[Exception], what: str) -> dict[str, Any]:
    """Read a TOML file, raising ``error`` with the file name and the reason.

    Parameters
    ----------
    path : path
    error : exception class
        Raised (with the file name first) if the file is unreadable, not UTF-8 or
        not TOML.
    what : str
        What the file is, for the message ("scenario file", "experiment file").
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.strerror})") from exc
    return parse_toml(data, path, error)


def parse_toml(data: bytes, path: str | Path, error: type[Exception]) -> dict[str, Any]:
    """Parse a file's bytes as UTF-8 TOML, raising ``error`` naming the file."""
    text = decode_text(data, path, error)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from exc
