"System metrics: throughput in rows as well as calls, and the latency batching adds by waiting for a batch to fill."
import pytest
from mlsys.foundations.metrics import latency_summary, measure_latency, batching_latency


def test_throughput_counts_rows_not_only_calls():
    s = latency_summary([0.004] * 10, rows_per_call=500)
    assert s['calls_per_s'] == pytest.approx(250) and s['rows_per_s'] == pytest.approx(125_000)
    assert measure_latency(lambda r: None, [[1, 2]] * 5, warmup=0, rows_per_request=2)['rows_per_s'] > 0
    with pytest.raises(ValueError, match='rows_per_call must be at least 1'): latency_summary([0.1], rows_per_call=0)


def test_batching_latency_includes_the_wait_to_fill_the_batch():
    one, batch = batching_latency(2.6, 1, 100), batching_latency(3.2, 500, 100)
    assert one['latency_max_ms'] == pytest.approx(2.6)
    assert batch['fill_wait_max_ms'] == pytest.approx(4_990) and batch['latency_max_ms'] == pytest.approx(4_993.2)
    assert batch['latency_mean_ms'] == pytest.approx(2_495 + 3.2)


def test_a_scorer_that_cannot_keep_up_has_no_finite_latency():
    assert batching_latency(20, 1, 100)['latency_mean_ms'] == float('inf')  # 100 a second, 50 a second of capacity
    assert batching_latency(20, 10, 100)['utilisation'] == pytest.approx(0.2)
    with pytest.raises(ValueError, match='arrival_per_s > 0'): batching_latency(1, 10, 0)
