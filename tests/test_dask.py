"""rulebook.dask.evaluate gives, on a local Dask cluster (2 workers, threads: processes=False),
exactly the single-process columnar result, which equals the per-unit engine's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_columnar import SHIPPED, assert_same, frame_of

import rulebook
import rulebook.dask
from rulebook import columnar
from rulebook.testing.properties import from_scheme

from conftest import load_shipped

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

SCHEMES = Path(__file__).resolve().parent.parent / "schemes"


@pytest.fixture(scope="module")
def client() -> Any:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def as_frame(data: dict[str, Any]) -> pd.DataFrame:
    scheme_free = []
    for name, values in data["units"].items():
        row: dict[str, Any] = {"unit": name}
        for key, value in values.items():
            if isinstance(value, dict):
                for period, v in value.items():
                    row[f"{key}[{period}]"] = v
            else:
                row[key] = value
        scheme_free.append(row)
    return pd.DataFrame(scheme_free)


def assert_dask_same(scheme: rulebook.Scheme, frame: pd.DataFrame, partitions: int) -> None:
    single = columnar.evaluate(scheme, frame).to_frame()
    ddf = dd.from_pandas(frame, npartitions=partitions)
    got = rulebook.dask.evaluate(scheme, ddf).compute().reset_index(drop=True)
    assert list(got.columns) == list(single.columns)
    pd.testing.assert_frame_equal(got, single, check_dtype=False)


@pytest.mark.parametrize("name", SHIPPED)
def test_example_data_on_the_cluster_equals_single_process(client: Any, name: str) -> None:
    scheme = load_shipped(name)
    data = rulebook.read_data(SCHEMES / "examples" / f"{name}.data.yaml", scheme)
    if scheme.aggregates:  # cross-unit aggregates are not computed across partitions
        with pytest.raises(ValueError, match="aggregates"):
            assert_dask_same(scheme, frame_of(scheme, data), partitions=2)
        return
    assert_dask_same(scheme, frame_of(scheme, data), partitions=2)


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_generated_villages_on_the_cluster_equal_single_process(
    client: Any, data: st.DataObject
) -> None:
    """Per-quarter rankings across 3 partitions (a unit's rank depends on other partitions)."""
    scheme = rulebook.load(SCHEMES / "village-fp-1000.yaml")
    generated = data.draw(from_scheme(scheme, units=(3, 12)))
    assert_same(scheme, generated)  # single process == per unit
    assert_dask_same(scheme, as_frame(generated), partitions=3)
