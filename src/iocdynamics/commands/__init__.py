"""Sub-commands of ``iocdyn``: one module each, discovered automatically."""
