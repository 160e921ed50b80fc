"""Figures a benchmark hands to the `python -m bench` harness, besides printing them.

When the harness runs a benchmark it sets BENCH_RESULTS to a file; every `record` appends one
JSON line to it. Run alone, a benchmark only prints.
"""

from __future__ import annotations

import json
import os
import resource
from pathlib import Path

ENV = "BENCH_RESULTS"


def peak_rss_mb() -> float:
    """This process's peak resident memory so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """This process's resident memory now (what a long-lived web worker keeps)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return peak_rss_mb()


def record(name: str, value: float, unit: str, note: str = "") -> None:
    """One figure: `name` says what was measured, `unit` how to read `value`."""
    path = os.environ.get(ENV)
    if not path:
        return
    line = json.dumps({"name": name, "value": value, "unit": unit, "note": note})
    with open(path, "a", encoding="utf-8") as stream:
        stream.write(line + "\n")
