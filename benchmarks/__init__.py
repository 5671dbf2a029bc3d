"""qdcnet benchmarks: run ``python benchmarks/run.py`` (``--quick`` for a smoke run)."""
