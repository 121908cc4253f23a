"""`forecast-bench`: time-aware filtered MRR / Hits@k of a forecasting method on a TKG dataset."""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

import click
import numpy as np

from .data import load_tkg
from .metrics import summarize
from .recurrency import RecurrencyBaseline

METHODS = ("recurrency", "ranker")

# Published single-step time-aware filtered MRR (Gastinger et al. 2024 and the cited papers).
PUBLISHED: dict[str, dict[str, float]] = {
    "ICEWS14": {"recurrency baseline": 37.4, "RE-GCN": 42.1, "TiRGN": 44.0, "L2TKG": 47.4},
    "ICEWS18": {"recurrency baseline": 28.7, "TLogic": 29.6, "RE-GCN": 32.6, "TiRGN": 33.7},
}


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def resolve_method(method: str) -> str:
    if method == "best":
        return "ranker"
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    return method


def run_bench(dataset_dir: str, method: str = "best", split: str = "test",
              with_valid: bool = False, ranker_options: dict[str, Any] | None = None,
              log: Any = None) -> dict[str, Any]:
    """Fit `method` (tuning on valid) and return metrics on `split`, run time and peak RSS.

    Metrics are in percent; with_valid also evaluates the (valid-tuned) model on valid.
    """
    t0 = time.perf_counter()
    name = resolve_method(method)
    data = load_tkg(dataset_dir)
    out: dict[str, Any] = {"dataset": Path(dataset_dir).name, "method": name, "split": split,
                           "num_entities": data.num_entities,
                           "num_relations": data.num_relations}
    splits = [split] + (["valid"] if with_valid and split != "valid" else [])
    results: dict[str, dict[str, float]] = {}
    if name == "recurrency":
        base = RecurrencyBaseline(data.num_entities, data.num_relations)
        out["fit"] = base.tune(data, "valid")
        for sp in splits:
            _, ranks = base.evaluate(data, sp)
            results[sp] = summarize(ranks)
    else:
        from .ranker import LearnedRanker, RankerConfig

        model = LearnedRanker(data, RankerConfig(**(ranker_options or {})), log=log)
        out["fit"] = model.fit()
        for sp in splits:
            _, ranks, cov = model.evaluate(sp)
            results[sp] = {**summarize(ranks), "candidate_coverage": cov}
    out.update(results[split])
    if with_valid:
        out["valid"] = results["valid"]
    out["seconds"] = time.perf_counter() - t0
    out["peak_rss_mb"] = _peak_rss_mb()
    return out


def _table(res: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    tab = Table(title=f"forecast-bench {res['dataset']} ({res['method']}, {res['split']}, "
                      "time-aware filtered, mean-rank ties)")
    for col in ("split", "MRR", "Hits@1", "Hits@3", "Hits@10", "queries"):
        tab.add_column(col, justify="right")
    rows = [(res["split"], res)] + ([("valid", res["valid"])] if "valid" in res else [])
    for sp, m in rows:
        tab.add_row(sp, f"{m['mrr']:.2f}", f"{m['hits@1']:.2f}", f"{m['hits@3']:.2f}",
                    f"{m['hits@10']:.2f}", f"{int(m['n_queries'])}")
    con = Console()
    con.print(tab)
    con.print(f"run time {res['seconds']:.1f} s, peak RSS {res['peak_rss_mb']:.0f} MB")
    pub = PUBLISHED.get(str(res["dataset"]).upper())
    if pub:
        con.print("published test MRR: " + ", ".join(f"{k} {v}" for k, v in pub.items()))


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, np.generic):
        return x.item()
    return x


@click.command("forecast-bench")
@click.argument("dataset_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--method", type=click.Choice(["best", *METHODS]), default="best",
              show_default=True, help="recurrency baseline or learned LambdaRank ranker")
@click.option("--split", type=click.Choice(["test", "valid"]), default="test", show_default=True)
@click.option("--with-valid", is_flag=True, help="also report the valid split")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def forecast_bench(dataset_dir: str, method: str, split: str, with_valid: bool, fmt: str) -> None:
    """Temporal KG forecasting benchmark on DATASET_DIR (train/valid/test.txt quadruples)."""
    res = run_bench(dataset_dir, method=method, split=split, with_valid=with_valid)
    if fmt == "json":
        click.echo(json.dumps(_jsonable(res), indent=2))
    else:
        _table(res)


if __name__ == "__main__":
    forecast_bench()
