"""bench/pipeline.py's table: a pipeline run is set against the floor of its own round."""
from bench.pipeline import table, vs_floor


def run(mode, round_, per_second, size=1000):
    return {"size": size, "mode": mode, "round": round_, "articles": size, "seconds": size / per_second,
            "cpu_seconds": 1.0, "articles_per_second": per_second, "peak_rss_mb": 1000.0}


def test_ratios_pair_runs_of_the_same_round():
    results = [run("floor", 1, 7.0), run("one", 1, 10.5), run("one", 2, 12.0), run("floor", 2, 10.0)]
    assert vs_floor(results[1], results) == 1.5
    assert vs_floor(results[2], results) == 1.2
    assert vs_floor(results[0], results) is None
    assert "1000 one vs floor by round: 1.50, 1.20; median 1.35" in table(results)


def test_a_single_round_prints_no_median_line():
    results = [run("floor", 1, 7.0), run("one", 1, 10.5)]
    assert "median" not in table(results)
