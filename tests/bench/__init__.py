"""`make bench`: the benchmarks the issues ask for (see tests/bench/run.py, docs/BENCHMARKS.md).

Not collected by pytest (pyproject: norecursedirs).
"""
