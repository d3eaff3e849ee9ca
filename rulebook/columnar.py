"""`rulebook.columnar.evaluate(scheme, df)`: exact scoring of many units over numpy columns.

See docs/columnar.md. Needs the `frame` extra (numpy, pandas)."""

from rulebook.engine.columnar import ColumnarResult, evaluate

__all__ = ["ColumnarResult", "evaluate"]
