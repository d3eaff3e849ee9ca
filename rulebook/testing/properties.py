"""Hypothesis strategies built from a scheme: whole data sets within the declared domains.

This is the only rulebook module that imports hypothesis (a development dependency).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
from hypothesis import strategies as st

from rulebook.data.values import is_na_marker
from rulebook.engine import semantics
from rulebook.scheme.model import Indicator, Scheme

DEFAULT_SPAN = 50
"""Width of the drawn range for an indicator that declares no maximum."""


def indicator_values(indicator: Indicator, *, places: int = 3) -> st.SearchStrategy[Any]:
    """Values inside one indicator's declared domain (one value, not per period); for an
    indicator declared `na: allowed`, sometimes the not-applicable marker `n/a`."""
    if indicator.na_allowed:
        plain = attrs.evolve(indicator, na_allowed=False)
        return st.one_of(indicator_values(plain, places=places), st.just("n/a"))
    if indicator.type == "bool":
        return st.booleans()
    if indicator.type == "enum":
        return st.sampled_from(indicator.values)
    low = indicator.min if indicator.min is not None else Decimal(-DEFAULT_SPAN)
    high = indicator.max if indicator.max is not None else low + DEFAULT_SPAN
    if indicator.type == "count":
        return st.integers(int(low), int(high))
    return st.decimals(
        min_value=low, max_value=high, places=places, allow_nan=False, allow_infinity=False
    )


def from_scheme(
    scheme: Scheme,
    *,
    units: int | tuple[int, int] = (1, 8),
    overrides: Mapping[str, st.SearchStrategy[Any]] | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """Data sets `{"units": {name: {indicator: value}}}` valid for `scheme`.

    `units` is a count or a (min, max) range; `overrides` replaces the strategy of any indicator
    (for a per-period indicator, the strategy of one period's value)."""
    overrides = dict(overrides or {})
    unknown = set(overrides) - set(scheme.indicators)
    if unknown:
        raise ValueError(f"overrides name unknown indicators: {', '.join(sorted(unknown))}")
    low, high = (units, units) if isinstance(units, int) else units
    if not 1 <= low <= high:
        raise ValueError(f"units must be at least 1 (got {units!r})")
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name, indicator in scheme.indicators.items():
        one = overrides[name] if name in overrides else indicator_values(indicator)
        if indicator.per_period:
            fields[name] = st.fixed_dictionaries({p.id: one for p in scheme.periods})
        else:
            fields[name] = one
    unit = st.fixed_dictionaries(fields)
    return st.lists(unit, min_size=low, max_size=high).map(
        lambda rows: {"units": {f"u{i + 1}": row for i, row in enumerate(rows)}}
    )


@attrs.frozen
class PropertyResult:
    """One property checked on generated data: its name, examples tried, and on failure the
    message and a data file holding the shrunk counterexample."""

    name: str
    examples: int
    failure: str | None = None
    counterexample: Path | None = None
    skipped: str | None = None
    """Why the property could not be checked (generated data rarely met the constraints)."""

    @property
    def passed(self) -> bool:
        return self.failure is None and self.skipped is None


def check_properties(
    scheme: Scheme,
    *,
    examples: int = 100,
    out_dir: str | Path = ".",
    units: tuple[int, int] = (1, 4),
) -> list[PropertyResult]:
    """Check, on generated data within the declared domains: every declared cap and floor
    holds, the total (and every group) equals its parts, scoring is deterministic, and each
    declared monotonicity holds. A failure writes its shrunk counterexample as a data file."""
    from rulebook.engine.evaluate import evaluate
    from rulebook.render.report import to_json

    def caps(data: dict[str, Any]) -> None:
        for unit in evaluate(scheme, data):
            for node in scheme.nodes.values():
                value = unit.value(node.id)
                if value is semantics.NA:
                    continue  # no score to hold within the floor and cap
                # a score inside its floor and cap is left as it is by them
                for clip in semantics.settle(node, value, scheme.rounding).clips:
                    side = "above max" if clip.kind == "cap" else "below min"
                    raise AssertionError(f"{unit.unit}: {node.id} = {value} {side} {clip.bound}")

    def parts(data: dict[str, Any]) -> None:
        terms = semantics.total_terms(scheme)
        roots = [scheme.nodes[r] for r, _ in terms]
        for unit in evaluate(scheme, data):
            expected = semantics.rounded_total(
                semantics.total_with_na(
                    [(unit.value(r.id), sign) for r, (_, sign) in zip(roots, terms, strict=True)],
                    [r.role == "category" for r in roots],
                    [r.standard for r in roots],
                    scheme.total_not_applicable,
                ),
                scheme.total_not_applicable,
                scheme.rounding.quantum,
                scheme.rounding.decimal_mode,
            )
            if unit.total != expected:
                raise AssertionError(f"{unit.unit}: total {unit.total} != parts {expected}")
            for node in scheme.nodes.values():
                if node.children and not semantics.is_rounded(node):
                    if not semantics.applies(unit.value(c) for c in node.applies):
                        continue  # the group does not apply: n/a whatever its parts
                    total = semantics.applicable_sum(
                        [unit.value(c) for c in node.children],
                        [scheme.nodes[c].standard for c in node.children],
                        node.not_applicable,
                    )
                    if unit.value(node.id) != total:
                        raise AssertionError(
                            f"{unit.unit}: {node.id} {unit.value(node.id)} != {total}"
                        )

    def deterministic(data: dict[str, Any]) -> None:
        if to_json(evaluate(scheme, data), audit=False) != to_json(
            evaluate(scheme, data), audit=False
        ):
            raise AssertionError("two runs gave different output")

    def monotone(data: dict[str, Any]) -> None:
        base = evaluate(scheme, data)
        first = next(iter(data["units"]))
        for node in scheme.nodes.values():
            for indicator, direction in node.monotone:
                bumped = _bumped(scheme, data, first, indicator)
                if bumped is None:
                    continue
                before = base.unit(first).value(node.id)
                after = evaluate(scheme, bumped).unit(first).value(node.id)
                if before is semantics.NA or after is semantics.NA:
                    continue  # not applicable: no direction to hold
                wrong = after < before if direction == "increasing" else after > before
                if wrong:
                    raise AssertionError(
                        f"{first}: {node.id} went from {before} to {after} when {indicator} "
                        f"rose by 1, but is declared {direction} in it"
                    )

    checks = [
        ("caps and floors hold", caps),
        ("total equals its parts", parts),
        ("scoring is deterministic", deterministic),
    ]
    if any(n.monotone for n in scheme.nodes.values()):
        checks.append(("declared monotonicity holds", monotone))
    strategy = from_scheme(scheme, units=units)
    return [
        _run_property(scheme, name, check, strategy, examples, Path(out_dir))
        for name, check in checks
    ]


def _bumped(
    scheme: Scheme, data: dict[str, Any], unit: str, indicator: str
) -> dict[str, Any] | None:
    """`data` with the unit's indicator one higher (every period), or None if that leaves
    its declared domain."""
    ind = scheme.indicators[indicator]
    current = data["units"][unit][indicator]

    def up(value: Any) -> Any:
        if is_na_marker(value):
            raise OverflowError  # n/a: nothing to raise
        new = Decimal(value) + 1
        if ind.max is not None and new > ind.max:
            raise OverflowError
        return new

    try:
        raised = (
            {p: up(v) for p, v in current.items()} if isinstance(current, dict) else up(current)
        )
    except OverflowError:
        return None
    units = dict(data["units"])
    units[unit] = {**units[unit], indicator: raised}
    return {"units": units}


def _run_property(
    scheme: Scheme, name: str, check: Any, strategy: Any, examples: int, out_dir: Path
) -> PropertyResult:
    from hypothesis import HealthCheck, given, reject, settings
    from hypothesis.errors import Unsatisfiable

    from rulebook.errors import DataError

    failing: list[dict[str, Any]] = []

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(data: dict[str, Any]) -> None:
        try:
            check(data)
        except DataError:
            reject()  # the scheme's constraints refuse this data: not a valid example
        except AssertionError:
            failing[:] = [data]
            raise

    try:
        run()
    except Unsatisfiable:
        return PropertyResult(
            name,
            examples,
            skipped="generated data rarely meets the "
            "scheme's constraints; give strategies with `overrides`",
        )
    except AssertionError as exc:
        from rulebook.files import write_output

        path = counterexample_path(out_dir, scheme.id, name)
        write_output(path, _as_yaml(failing[-1]))
        return PropertyResult(name, examples, str(exc).splitlines()[0], path)
    return PropertyResult(name, examples)


def counterexample_path(out_dir: Path, scheme_id: str, prop: str) -> Path:
    """Where a property's counterexample goes: directly in `out_dir`, under a name made safe
    from the scheme's id (free text: `../../x` must not lead out of the folder)."""
    from rulebook.files import safe_name

    first = prop.split(maxsplit=1)[0] if prop.split() else "property"
    return out_dir / f"{safe_name(scheme_id)}.counterexample.{safe_name(first)}.yaml"


def _as_yaml(data: dict[str, Any]) -> str:
    import yaml

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else float(str(value))
        return value

    return yaml.safe_dump(plain(data), allow_unicode=True, sort_keys=False)


def unconstrained(scheme: Scheme) -> Scheme:
    """The scheme without its data `constraints`, so generated data is never refused: bounds
    and domain-wide properties hold for all data in the declared domains anyway."""
    import attrs as _attrs

    return _attrs.evolve(
        scheme, values={n: v for n, v in scheme.values.items() if v.kind != "constraint"}
    )
