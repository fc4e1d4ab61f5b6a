"""Write docs/tutorial.ipynb from docs/tutorial.md (one source, two forms).

    python tools/tutorial_notebook.py        # rewrite the notebook
    python tools/tutorial_notebook.py --check  # exit 1 if it is stale

Markdown text becomes markdown cells; a ```toml block preceded by
``<!-- file: PATH -->`` becomes a ``%%writefile PATH`` cell; a ```sh block becomes a
code cell running each command in the kernel (``iocdyn ...`` through the package's
command line, ``mkdir -p DIR`` through ``os.makedirs``; any other command is refused, so
the tutorial stays executable); a ```python block becomes a code cell as it is.
The notebook is stored without outputs and with stable cell ids.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
MD = ROOT / "docs" / "tutorial.md"
NB = ROOT / "docs" / "tutorial.ipynb"

SETUP = '''import os
import shlex

from iocdynamics.cli import main


def iocdyn(line: str) -> None:
    """Run an ``iocdyn`` command line as in a terminal; stop on failure."""
    code = main(shlex.split(line))
    if code:
        raise RuntimeError(f"iocdyn {line} exited with code {code}")'''

_FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.S | re.M)
_FILE = re.compile(r"<!-- file: (\S+) -->\n$")


def commands(block: str) -> list[str]:
    """The command lines of a shell block (``\\`` continuations joined)."""
    out, cur = [], ""
    for line in block.splitlines():
        line = line.rstrip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            cur += line[:-1] + " "
            continue
        out.append(" ".join((cur + line).split()))
        cur = ""
    return out


def shell_cell(block: str) -> str:
    lines = []
    for cmd in commands(block):
        if cmd.startswith("iocdyn "):
            lines.append(f"iocdyn({cmd[len('iocdyn '):]!r})")
        elif cmd.startswith("mkdir -p "):
            lines += [f"os.makedirs({d!r}, exist_ok=True)" for d in cmd.split()[2:]]
        else:
            raise ValueError(f"{MD}: the tutorial may run iocdyn and mkdir -p only, not "
                             f"{cmd!r}")
    return "\n".join(lines)


def notebook(text: str) -> nbformat.NotebookNode:
    """The notebook of the tutorial's Markdown ``text``."""
    cells = [nbformat.v4.new_code_cell(SETUP)]
    pos = 0
    prose: list[str] = []

    def flush():
        body = "".join(prose).strip()
        if body:
            cells.append(nbformat.v4.new_markdown_cell(body))
        prose.clear()

    for m in _FENCE.finditer(text):
        before = text[pos:m.start()]
        f = _FILE.search(before)
        if f:
            before = before[:f.start()]
        prose.append(before)
        lang, body = m.group(1), m.group(2)
        if f:
            flush()
            cells.append(nbformat.v4.new_code_cell(f"%%writefile {f.group(1)}\n{body}"
                                                   .rstrip("\n")))
        elif lang == "sh":
            flush()
            cells.append(nbformat.v4.new_code_cell(shell_cell(body)))
        elif lang == "python":
            flush()
            cells.append(nbformat.v4.new_code_cell(body.rstrip("\n")))
        else:
            prose.append(m.group(0))
        pos = m.end()
    prose.append(text[pos:])
    flush()
    # the title cell first, then the set-up
    if len(cells) > 1 and cells[1].cell_type == "markdown":
        cells[0], cells[1] = cells[1], cells[0]
    for i, c in enumerate(cells):
        c["id"] = f"cell-{i:03d}"
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def notebook_text(md: Path = MD) -> str:
    return nbformat.writes(notebook(md.read_text(encoding="utf-8"))) + "\n"


def main(argv: list[str]) -> int:
    text = notebook_text()
    if "--check" in argv:
        current = NB.read_text(encoding="utf-8") if NB.exists() else ""
        if current != text:
            print(f"{NB} is stale: run python tools/tutorial_notebook.py", file=sys.stderr)
            return 1
        return 0
    NB.write_text(text, encoding="utf-8")
    print(f"wrote {NB}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
