"""Reading sections: the plain YAML data of a scheme file -> its sections, checked key by key.

The first phase. It splits the file into its top-level sections (recovering a misspelt section
name after reporting it, so its contents are still checked), then reads the sections that hold
declarations rather than formulas: rounding, periods and their groups, indicators, parameters and
the patterns (kept raw until an item uses one). Unknown and misspelt keys are reported against
the tables of rulebook.scheme.keys.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

import attrs

from rulebook.data.values import DURATION_FORMS, parse_duration
from rulebook.errors import SchemeError, did_you_mean
from rulebook.expr import slips
from rulebook.scheme import keys
from rulebook.scheme.context import Context, keys_of, kind_of
from rulebook.scheme.loader import Path_
from rulebook.scheme.model import (
    INDICATOR_TYPES,
    ROUNDING_MODES,
    Awaited,
    Indicator,
    IndicatorType,
    Parameter,
    Period,
    PeriodGroup,
    Rounding,
)


def read_top(cx: Context, data: Any) -> dict[str, Any]:
    """The file's sections by name. A misspelt section (`indicator:`) is reported and then read
    as the section it resembles, so the problems inside it are found in the same run."""
    if not isinstance(data, dict):
        cx.error(
            (),
            "a scheme file is a mapping with `scheme:` and `tree:` at the top, "
            f"this one is {kind_of(data)}",
            "start from schemes/village-fp-1000.yaml or docs/scheme-format.md",
        )
        raise SchemeError(cx.problems)
    top = cx.mapping(data, (), keys.TOP.names, "the scheme file")
    for key, value in data.items():
        guess = did_you_mean(slips.clean(str(key)), keys.TOP.names)
        if key not in keys.TOP.names and guess:
            section = guess.split("`")[1]
            top.setdefault(section, value)
    for key in keys.TOP.required:  # after recovery: `tre:` is one mistake, not two
        if top.get(key) is None:
            cx.error((), f"the scheme file is missing required key `{key}`")
    return top


def read_rounding(cx: Context, raw: Any) -> Rounding:
    """`rounding:` places, mode and level, each checked against its closed set."""
    path: Path_ = ("rounding",)
    spec = cx.record(raw, path, keys.ROUNDING, "`rounding`", section=True)
    places = keys.ROUNDING.get(spec, "places")
    if isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= 10:
        cx.error((*path, "places"), "`places` must be a whole number from 0 to 10")
        places = 2
    mode = keys.ROUNDING.get(spec, "mode")
    if not isinstance(mode, str) or mode not in ROUNDING_MODES:
        cx.error(
            (*path, "mode"),
            f"unknown rounding mode `{mode}`",
            did_you_mean(str(mode), ROUNDING_MODES) or "modes: " + ", ".join(ROUNDING_MODES),
        )
        mode = "half_up"
    level = keys.ROUNDING.get(spec, "level")
    if level != "item":
        cx.error(
            (*path, "level"),
            f"unknown rounding level `{level}`",
            "only `item` is supported: items are rounded, sums add rounded items",
        )
    return Rounding(places, mode, "item")


def read_periods(cx: Context, raw: Any) -> tuple[Period, ...]:
    """`periods:` id -> weight or {label, weight}; weights normalised to shares of 1."""
    spec = cx.mapping(raw, ("periods",), keys_of(raw), "`periods`")
    found: list[tuple[str, str, Decimal]] = []
    for pid, body in spec.items():
        path: Path_ = ("periods", pid)
        if not cx.identifier(pid, path, "period"):
            continue
        fields = cx.mapping(
            body if isinstance(body, dict) else {"weight": body},
            path,
            keys.PERIOD.names,
            f"period `{pid}`",
        )
        # `Q1:` with nothing is weight 1, like `Q1: {}`
        weight = cx.number(keys.PERIOD.get(fields, "weight"), (*path, "weight"), "a period weight")
        if weight is None:
            continue
        if weight < 0:
            cx.error((*path, "weight"), "a period weight cannot be negative")
            continue
        found.append((pid, cx.text(fields.get("label"), (*path, "label"), "label", pid), weight))
    total = sum((w for _, _, w in found), Decimal(0))
    if found and total == 0:
        cx.error(("periods",), "period weights add up to 0", "give each period a weight")
        return tuple(Period(pid, label, w, Decimal(1) / len(found)) for pid, label, w in found)
    return tuple(Period(pid, label, w, w / total) for pid, label, w in found)


def read_period_groups(cx: Context, raw: Any) -> dict[str, tuple[PeriodGroup, ...]]:
    """`period_groups:` set name -> {group id: [period ids] or {label, periods}}. Each set
    must split the periods exactly (every period in one group), like months into quarters."""
    spec = cx.mapping(raw, ("period_groups",), keys_of(raw), "`period_groups`")
    index = {p.id: i for i, p in enumerate(cx.periods)}
    out: dict[str, tuple[PeriodGroup, ...]] = {}
    for set_name, groups in spec.items():
        path: Path_ = ("period_groups", set_name)
        if not cx.identifier(set_name, path, "period-group set"):
            continue
        if set_name == "period" or set_name in index:
            cx.error(path, f"`{set_name}` is already a period name", key=True)
            continue
        body = cx.mapping(groups, path, keys_of(groups), f"period-group set `{set_name}`")
        if groups is None or groups == {}:  # `quarters:` with nothing: a set of no groups
            cx.error(
                path,
                f"period-group set `{set_name}` lists no groups",
                "e.g. quarters: {Q1: [M01, M02, M03], Q2: [M04, M05, M06], …}",
                key=True,
            )
            continue
        found: list[PeriodGroup] = []
        seen: dict[str, str] = {}
        for gid, members in body.items():
            gpath: Path_ = (*path, gid)
            fields = (
                cx.mapping(members, gpath, keys.PERIOD_GROUP.names, f"group `{gid}`")
                if isinstance(members, dict)
                else {"periods": members}
            )  # a missing `periods` gets the message below, with an example
            label = cx.text(fields.get("label"), (*gpath, "label"), "label", gid)
            periods = fields.get("periods")
            if not isinstance(periods, list) or not periods:
                cx.error(gpath, f"group `{gid}` must list its periods", "e.g. Q1: [M01, M02, M03]")
                continue
            member_ids: list[int] = []
            mpath: Path_ = (*gpath, "periods") if isinstance(members, dict) else gpath
            for k, pid in enumerate(periods):
                if not isinstance(pid, str):
                    cx.error((*mpath, k), f"a group lists period ids, got {kind_of(pid)}")
                elif pid not in index:
                    cx.error((*mpath, k), f"unknown period `{pid}`", did_you_mean(pid, index))
                elif pid in seen:
                    cx.error(
                        (*mpath, k),
                        f"period `{pid}` is already in group `{seen[pid]}` of `{set_name}`",
                        "each period belongs to exactly one group of a set",
                    )
                else:
                    seen[pid] = gid
                    member_ids.append(index[pid])
            share = sum((cx.periods[i].share for i in member_ids), Decimal(0))
            found.append(PeriodGroup(gid, label, tuple(member_ids), share))
        missing = [p for p in index if p not in seen]
        if missing and found:
            cx.error(
                path,
                f"periods {', '.join(missing)} are in no group of `{set_name}`",
                "every period must belong to one group",
                key=True,
            )
        out[set_name] = tuple(found)
    return out


def read_indicators(cx: Context, raw: Any) -> None:
    """`indicators:` name -> {type, min, max, values, ...}: the data each unit reports."""
    for name, path, fields in cx.entries(raw, "indicators", "indicator", keys.INDICATOR):
        kind = cast("IndicatorType", fields.get("type"))  # checked just below
        if kind not in INDICATOR_TYPES:
            if "type" in fields:
                cx.error(
                    (*path, "type"),
                    f"unknown indicator type `{kind}`",
                    did_you_mean(str(kind), INDICATOR_TYPES)
                    or "types: " + ", ".join(INDICATOR_TYPES),
                )
            kind = "decimal"  # reported; read on as a number so formulas do not cascade
        if kind == "duration":
            lo = _duration_bound(cx, fields.get("min"), (*path, "min"), "`min`")
            hi = _duration_bound(cx, fields.get("max"), (*path, "max"), "`max`")
        else:
            lo = cx.number(fields.get("min"), (*path, "min"), "`min`")
            hi = cx.number(fields.get("max"), (*path, "max"), "`max`")
        if kind == "duration" and lo is not None and lo < 0:
            cx.error((*path, "min"), "a duration cannot be negative: `min` must be 0 or more")
        if kind in ("count", "duration"):
            lo = Decimal(0) if lo is None else lo
        if kind == "rate":
            lo = Decimal(0) if lo is None else lo
            hi = Decimal(100) if hi is None else hi
        if lo is not None and hi is not None and lo > hi:
            cx.error((*path, "max"), f"`max` ({hi}) is below `min` ({lo})")
        values: tuple[str, ...] = ()
        if kind == "enum":
            raw_values = fields.get("values")
            if isinstance(raw_values, list) and any(isinstance(v, bool) for v in raw_values):
                _report_yaml_booleans(cx, raw_values, (*path, "values"))
            elif (
                not isinstance(raw_values, list)
                or not raw_values
                or not all(isinstance(v, str) for v in raw_values)
            ):
                cx.error(
                    (*path, "values") if "values" in fields else path,
                    "an enum indicator needs `values`: a list of names",
                    "e.g. values: [none, city, above_city]",
                )
            else:
                values = tuple(raw_values)
        per_period = cx.flag(fields.get("per_period"), (*path, "per_period"), "`per_period`")
        if per_period and not cx.periods:
            cx.error(
                (*path, "per_period"),
                "a per-period indicator needs `periods` declared in the scheme",
            )
        cx.indicators[name] = Indicator(
            name=name,
            type=kind,
            per_period=per_period,
            min=lo,
            max=hi,
            values=values,
            label=cx.text(fields.get("label"), (*path, "label"), "label"),
            unit=cx.text(fields.get("unit"), (*path, "unit"), "unit"),
            default=fields.get("default"),
            record_only=cx.flag(fields.get("record_only"), (*path, "record_only"), "`record_only`"),
            note=cx.text(fields.get("note"), (*path, "note"), "note"),
            location=cx.src.loc(path, key=True),
            reference=cx.text(fields.get("reference"), (*path, "reference"), "reference"),
            na_allowed=_na_allowed(cx, fields.get("na"), (*path, "na")),
        )
        _check_default(cx, cx.indicators[name], path)


def _duration_bound(cx: Context, raw: Any, path: Path_, what: str) -> Decimal | None:
    """A duration indicator's `min`/`max`: seconds (a number) or a duration (`4:36.11`)."""
    if not isinstance(raw, str):
        return cx.number(raw, path, what)
    seconds = parse_duration(raw)
    if isinstance(seconds, str):
        cx.error(path, f"{what} of a duration: {seconds}", f"write {DURATION_FORMS}")
        return None
    return cx.number(seconds, path, what)


def _na_allowed(cx: Context, raw: Any, path: Path_) -> bool:
    """`na: allowed` on an indicator: a unit's data may mark it not applicable."""
    if raw is None:
        return False
    if raw != "allowed":
        cx.error(
            path,
            f"`na` must be `allowed`, got {kind_of(raw) if not isinstance(raw, str) else raw}",
            "write `na: allowed` to let data mark this indicator `n/a` (不适用), or remove it",
        )
        return False
    return True


def _check_default(cx: Context, ind: Indicator, path: Path_) -> None:
    """A `default` must itself be a valid value of its indicator: reported here, at the
    default, rather than against the first data file that leaves the indicator out."""
    if ind.default is None:
        return
    from rulebook.data.check import default_problems  # the data rules, one definition

    for message in default_problems(ind, cx.limits):
        cx.error(
            (*path, "default"),
            message,
            "a default must be a valid value of the indicator itself (its type, min and max)",
        )


def read_parameters(cx: Context, raw: Any) -> None:
    """`parameters:` name -> number or {value, required, label, note, by_unit}. A run-time
    value (`cx.overrides`) replaces the written one; a `required: true` parameter with none is
    awaited (the scheme loads but cannot score)."""
    spec = cx.mapping(raw, ("parameters",), keys_of(raw), "`parameters`")
    for name, body in spec.items():
        path: Path_ = ("parameters", name)
        if not (cx.identifier(name, path, "parameter") and cx.claim(name, path, "parameter")):
            continue
        fields = cx.mapping(
            body if isinstance(body, dict) else {"value": body},
            path,
            keys.PARAMETER.names,
            f"parameter `{name}`",
        )
        label = cx.text(fields.get("label"), (*path, "label"), "label")
        note = cx.text(fields.get("note"), (*path, "note"), "note")
        reference = cx.text(fields.get("reference"), (*path, "reference"), "reference")
        required = cx.flag(fields.get("required"), (*path, "required"), "`required`")
        if required and (fields.get("value") is not None or fields.get("by_unit") is not None):
            cx.error(
                (*path, "required"),
                f"parameter `{name}` is `required: true` and also has a value in the file",
                "`required: true` means the value comes at run time (`--params FILE`): "
                "remove `value`/`by_unit`, or remove `required`",
            )
            cx.awaited[name] = Awaited(name, label, note)  # known: its uses are not reported
            continue
        override = cx.overrides.get(name)
        if override is not None:
            cx.parameters[name] = attrs.evolve(
                override,
                label=label,
                note=note,
                location=cx.src.loc(path, key=True),
                reference=reference,
            )
            continue
        if required:
            cx.awaited[name] = Awaited(name, label, note, cx.src.loc(path, key=True))
            continue
        value_path = (*path, "value") if isinstance(body, dict) else path
        if fields.get("value") is None:
            written = "`value: null`" if "value" in fields else "no `value`"
            if not isinstance(body, dict):
                written = "no value"
            cx.awaited[name] = Awaited(name, label, note)  # known: its uses are not reported
            cx.error(
                value_path,
                f"parameter `{name}` has {written}",
                f"write its number (`{name}: 30`), or, when it changes from run to run "
                f"(a yearly target), declare `{name}: {{required: true}}` and give it at run "
                "time with `--params FILE`",
            )
            continue
        value = cx.number(fields.get("value"), value_path, f"parameter `{name}`")
        if value is None:  # reported; known, so that its uses are not reported as well
            cx.awaited[name] = Awaited(name, label, note)
            continue
        by_unit: dict[str, Decimal] = {}
        raw_units = fields.get("by_unit")
        if raw_units is not None and not isinstance(raw_units, dict):
            cx.error(
                (*path, "by_unit"),
                "`by_unit` maps unit names to values",
                "by_unit: {旧村: 3, 平塘村: 3}",
            )
        for unit, unit_value in (raw_units if isinstance(raw_units, dict) else {}).items():
            what = f"parameter `{name}` for unit `{unit}`"
            if unit_value is None:
                cx.error((*path, "by_unit", unit), f"{what} must be a number, got nothing")
            number = cx.number(unit_value, (*path, "by_unit", unit), what)
            if number is not None:
                by_unit[str(unit)] = number
        cx.parameters[name] = Parameter(
            name,
            value,
            label,
            note,
            cx.src.loc(path, key=True),
            by_unit,
            reference,
        )


def read_patterns(cx: Context, raw: Any) -> None:
    """`patterns:` kept raw (path and fields) until an item `use`s one; the fields no item
    reads (`note`, the arguments' descriptions, and `max`/`min`, which are accepted but not
    applied) are checked here."""
    spec = cx.mapping(raw, ("patterns",), keys_of(raw), "`patterns`")
    for name, body in spec.items():
        path: Path_ = ("patterns", name)
        if not cx.identifier(name, path, "pattern"):
            continue
        fields = cx.record(body, path, keys.PATTERN, f"pattern `{name}`")
        cx.text(fields.get("note"), (*path, "note"), "note")
        args = fields.get("args")
        for arg, about in args.items() if isinstance(args, dict) else ():
            cx.text(about, (*path, "args", arg), "an argument's description")
        for bound in ("max", "min"):
            cx.number(fields.get(bound), (*path, bound), f"`{bound}`")
        cx.patterns[name] = (path, fields)


def _report_yaml_booleans(cx: Context, items: list[Any], path: Path_) -> None:
    """YAML 1.1 reads unquoted yes/no/on/off/true/false as true or false: an enum value written
    `no` arrives as False. Name each such item as it was written, with the fix."""
    for i, item in enumerate(items):
        if isinstance(item, bool):
            written = cx.src.written((*path, i)) or str(item).lower()
            cx.error(
                (*path, i),
                f"YAML reads an unquoted `{written}` as {str(item).lower()}: quote it",
                f'write "{written}" (in quotes) to keep it a name',
            )
