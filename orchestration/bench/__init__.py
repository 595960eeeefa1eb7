"""``cdrwh bench``: the pipeline measured against DuckDB on the same files (issue 7).

One call of :func:`run_bench` generates (or reuses) the data for every format, runs ``cdrwh run`` in a
fresh ``CDRWH_HOME`` as a subprocess (wall time and the peak RSS of its whole process tree), reads
the per-step times from the run's Dagster event log and the per-model times from dbt's
``run_results.json``, times two references on the same files (the DuckDB scan floor and a hand-written
single-script load-dedupe-rate-summarise), then lands one more day and runs again (the incremental case).

The modules: ``cache`` (the generated files), ``measure`` (the subprocess, its memory, the Dagster and dbt
timings), ``reference`` (the two references), ``report`` (the table and the JSON), ``runner`` (all of it).
"""

from orchestration.bench.runner import BenchConfig, run_bench

__all__ = ["BenchConfig", "run_bench"]
