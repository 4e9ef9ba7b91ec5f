"""Benchmarks: each script prints a table and writes ``bench/results/<name>.json`` (see ``bench/README.md``).

The folder is a package of the project (``pyproject.toml``), installed with it by ``make`` (``pip install -e``),
so a script run as ``python bench/<name>.py`` from the repository root imports its neighbours as ``bench.<name>``
without touching ``sys.path``.
"""
