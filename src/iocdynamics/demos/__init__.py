"""Steps of ``make demo``: one module each with ``ORDER`` and ``run(out_dir)``."""
