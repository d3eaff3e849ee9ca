"""Loaded YAML -> a checked `Scheme`, collecting every problem with its file:line:col.

This is where the scheme format lives: which keys exist, what each means, how patterns are
instantiated and how local `let` names become full dotted names. It parses every expression once,
resolves every name, builds the dependency graph and type-checks in dependency order.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, cast

import attrs

from rulebook.errors import Problem, SchemeError, did_you_mean
from rulebook.expr import syntax as ex
from rulebook.expr.functions import PERIOD_NAMES
from rulebook.scheme.graph import DependencyGraph, dependency_graph
from rulebook.scheme.loader import Path_, Source
from rulebook.scheme.model import (
    INDICATOR_TYPES,
    ROLES,
    ROUNDING_MODES,
    Direction,
    Indicator,
    IndicatorType,
    Node,
    Outcome,
    Parameter,
    Period,
    PeriodGroup,
    Ranking,
    Rounding,
    Scheme,
    Value,
    ValueKind,
    Veto,
    default_language,
)

TOP_KEYS = ("rulebook", "scheme", "rounding", "periods", "indicators", "parameters", "values",
            "patterns", "rankings", "tree", "total", "vetoes", "outcomes", "constraints",
            "period_groups")
SCHEME_KEYS = ("id", "title", "version", "standard_total", "source", "notes", "units",
               "language")
ROUNDING_KEYS = ("places", "mode", "level")
PERIOD_KEYS = ("label", "weight")
INDICATOR_KEYS = ("type", "label", "unit", "per_period", "min", "max", "values", "default",
                  "note", "record_only")
PARAMETER_KEYS = ("value", "label", "note", "by_unit")
VETO_KEYS = ("id", "label", "when", "reason")
CONSTRAINT_KEYS = ("require", "message")
OUTCOME_KEYS = ("label", "note", "cases")
CASE_KEYS = ("when", "label")
VALUE_KEYS = ("expr", "per_period", "per", "label", "note")
PATTERN_KEYS = ("args", "let", "expr", "note", "max", "min")
RANKING_KEYS = ("basis", "order", "method", "label", "note", "demote_if")
NODE_KEYS = ("id", "label", "role", "standard", "max", "min", "note", "expr", "let", "use",
             "with", "children", "unit", "monotone")
TOTAL_KEYS = ("label", "note")
RESERVED = {"total", "vetoed", *PERIOD_NAMES, "True", "False", "None", "and", "or", "not", "if",
            "else"}
"""Names no indicator, value or node may take (function names live apart: only calls use them)."""


@attrs.frozen
class _Formula:
    """A resolved formula awaiting type-checking: where it was written and in which context."""

    owner: str
    expr: ex.Expr
    path: Path_
    axis: str | None  # None, "period" or a period-group set
    kind: str  # "value" (number or yes/no), "score" (number), "condition" (yes/no), "case"


class Builder:
    """Collects problems while turning plain data + source map into a Scheme."""

    def __init__(self, data: Any, source: Source) -> None:
        self.data, self.src = data, source
        self.problems: list[Problem] = []
        self.indicators: dict[str, Indicator] = {}
        self.parameters: dict[str, Parameter] = {}
        self.values: dict[str, Value] = {}
        self.nodes: dict[str, Node] = {}
        self.rankings: dict[str, Ranking] = {}
        self.patterns: dict[str, tuple[Path_, dict[str, Any]]] = {}
        self.formulas: list[_Formula] = []
        self.periods: tuple[Period, ...] = ()
        self.period_groups: dict[str, tuple[PeriodGroup, ...]] = {}
        self.name_paths: dict[str, Path_] = {}
        self.from_patterns: set[str] = set()  # values a pattern provides; unused ones are fine
        self.vetoes: dict[str, Veto] = {}
        self.outcomes: dict[str, Outcome] = {}

    # -- reporting -----------------------------------------------------------------------------

    def error(self, path: Path_, message: str, hint: str | None = None, *, key: bool = False,
              severity: str = "error") -> None:
        self.problems.append(self.src.problem(path, message, hint, key=key, severity=severity))

    def expr_error(self, path: Path_, err: ex.ExprError, text: str) -> None:
        """An expression problem, pointed at the exact character (also in multi-line values)."""
        where = self.src.inside(path, " ".join(text.split("\n")), err.offset)
        self.problems.append(Problem(err.message, where, err.hint, self.src.line_text(where)))

    def mapping(self, value: Any, path: Path_, allowed: Iterable[str], what: str,
                required: Iterable[str] = ()) -> dict[str, Any]:
        """`value` as a mapping whose keys are all in `allowed`; reports the others."""
        if value is None:
            return {}  # absent: the parent reports it if it was required
        if not isinstance(value, dict):
            self.error(path, f"{what} must be a mapping (key: value lines), "
                             f"got {_kind(value)}")
            return {}
        allowed = tuple(allowed)
        for key in value:
            if key not in allowed:
                self.error((*path, key), f"unknown key `{key}` in {what}",
                           did_you_mean(key, allowed) or f"allowed keys: {', '.join(allowed)}",
                           key=True)
        for key in required:
            if key not in value:
                self.error(path, f"{what} is missing required key `{key}`")
        return {k: v for k, v in value.items() if k in allowed}

    def text(self, value: Any, path: Path_, what: str, default: str = "") -> str:
        if value is None:
            return default
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return "\n".join(value)
        if not isinstance(value, str | int | Decimal) or isinstance(value, bool):
            self.error(path, f"{what} must be text, got {_kind(value)}")
            return default
        return str(value)

    def number(self, value: Any, path: Path_, what: str) -> Decimal | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.error(path, f"{what} must be a number, got {_kind(value)}")
            return None
        return Decimal(value)

    def flag(self, value: Any, path: Path_, what: str) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            self.error(path, f"{what} must be true or false, got {_kind(value)}")
            return False
        return value

    def identifier(self, name: str, path: Path_, what: str, *, dotted: bool = False) -> bool:
        parts = name.split(".") if dotted else [name]
        if not all(p.isidentifier() and p.isascii() and not p.startswith("_") for p in parts):
            self.error(path, f"{what} `{name}` is not a valid id",
                       "ids are ASCII letters, digits and `_`, starting with a letter", key=True)
            return False
        if name in RESERVED:
            self.error(path, f"`{name}` is a reserved word and cannot name a {what}", key=True)
            return False
        return True

    def claim(self, name: str, path: Path_, what: str) -> bool:
        """Register a global name; report a clash with any earlier definition."""
        if name in self.name_paths:
            first = self.src.loc(self.name_paths[name], key=True)
            self.error(path, f"{what} `{name}` is already defined (line {first.line})",
                       "every indicator, parameter, value, ranking and node needs its own name",
                       key=True)
            return False
        self.name_paths[name] = path
        return True

    # -- sections ------------------------------------------------------------------------------

    def build(self) -> Scheme:
        if not isinstance(self.data, dict):
            self.error((), "a scheme file is a mapping with `scheme:` and `tree:` at the top, "
                       f"this one is {_kind(self.data)}",
                       "start from schemes/village-fp-1000.yaml or docs/scheme-format.md")
            raise SchemeError(self.problems)
        top = self.mapping(self.data, (), TOP_KEYS, "the scheme file", required=("scheme",
                                                                                  "tree"))
        for key, value in self.data.items():  # recover from a misspelt section name
            guess = did_you_mean(str(key), TOP_KEYS)
            if key not in TOP_KEYS and guess:
                section = guess.split("`")[1]
                top.setdefault(section, value)
        meta = self.mapping(top.get("scheme"), ("scheme",), SCHEME_KEYS, "`scheme`",
                            required=("id", "title"))
        rounding = self.rounding(top.get("rounding"))
        self.periods = self.read_periods(top.get("periods"))
        self.period_groups = self.read_period_groups(top.get("period_groups"))
        self.read_indicators(top.get("indicators"))
        self.read_parameters(top.get("parameters"))
        self.read_patterns(top.get("patterns"))
        self.read_values(top.get("values"))
        roots = self.read_tree(top.get("tree"))
        self.read_rankings(top.get("rankings"))
        self.read_vetoes(top.get("vetoes"))
        self.read_outcomes(top.get("outcomes"))
        self.read_constraints(top.get("constraints"))
        total = self.mapping(top.get("total"), ("total",), TOTAL_KEYS, "`total`")
        language = self.language(meta.get("language"))
        self.resolve_and_check()
        if any(p.severity == "error" for p in self.problems):
            raise SchemeError(self.problems)
        notes = meta.get("notes")
        return Scheme(
            id=self.text(meta.get("id"), ("scheme", "id"), "scheme id"),
            title=self.text(meta.get("title"), ("scheme", "title"), "title"),
            version=self.text(meta.get("version"), ("scheme", "version"), "version"),
            standard_total=self.number(meta.get("standard_total"),
                                       ("scheme", "standard_total"), "standard_total"),
            rounding=rounding,
            periods=self.periods,
            indicators=self.indicators,
            parameters=self.parameters,
            values=self.values,
            nodes=self.nodes,
            roots=roots,
            rankings=self.rankings,
            period_groups=self.period_groups,
            vetoes=self.vetoes,
            outcomes=self.outcomes,
            total_label=self.text(total.get("label"), ("total", "label"), "label",
                                  "总分" if language == "zh" else "total"),
            language=language,
            notes=tuple(notes) if isinstance(notes, list) else (str(notes),) if notes else (),
            source_file=self.src.file,
        )

    def language(self, raw: Any) -> str:
        """`scheme.language` (`zh` or `en`); when absent, `zh` if any label is Chinese."""
        if raw is None:
            labels = [x.label for table in (self.nodes, self.indicators) for x in table.values()]
            return default_language(labels)
        if raw not in ("zh", "en"):
            self.error(("scheme", "language"), f"unknown language `{raw}`",
                       "write `zh` or `en`")
            return "zh"
        return str(raw)

    def rounding(self, raw: Any) -> Rounding:
        path: Path_ = ("rounding",)
        spec = self.mapping(raw, path, ROUNDING_KEYS, "`rounding`")
        places = spec.get("places", 2)
        if isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= 10:
            self.error((*path, "places"), "`places` must be a whole number from 0 to 10")
            places = 2
        mode = spec.get("mode", "half_up")
        if mode not in ROUNDING_MODES:
            self.error((*path, "mode"), f"unknown rounding mode `{mode}`",
                       did_you_mean(str(mode), ROUNDING_MODES)
                       or "modes: " + ", ".join(ROUNDING_MODES))
            mode = "half_up"
        level = spec.get("level", "item")
        if level != "item":
            self.error((*path, "level"), f"unknown rounding level `{level}`",
                       "only `item` is supported: items are rounded, sums add rounded items")
        return Rounding(places, mode, "item")

    def read_periods(self, raw: Any) -> tuple[Period, ...]:
        spec = self.mapping(raw, ("periods",), _keys_of(raw), "`periods`")
        found: list[tuple[str, str, Decimal]] = []
        for pid, body in spec.items():
            path: Path_ = ("periods", pid)
            if not self.identifier(pid, path, "period"):
                continue
            fields = self.mapping(body if isinstance(body, dict) else {"weight": body}, path,
                                  PERIOD_KEYS, f"period `{pid}`")
            weight = self.number(fields.get("weight", 1), (*path, "weight"), "a period weight")
            if weight is None:
                continue
            if weight < 0:
                self.error((*path, "weight"), "a period weight cannot be negative")
                continue
            found.append((pid, self.text(fields.get("label"), (*path, "label"), "label", pid),
                          weight))
        total = sum((w for _, _, w in found), Decimal(0))
        if found and total == 0:
            self.error(("periods",), "period weights add up to 0", "give each period a weight")
            return tuple(Period(pid, label, w, Decimal(1) / len(found)) for pid, label, w in found)
        return tuple(Period(pid, label, w, w / total) for pid, label, w in found)

    def read_period_groups(self, raw: Any) -> dict[str, tuple[PeriodGroup, ...]]:
        """`period_groups:` set name -> {group id: [period ids] or {label, periods}}. Each set
        must split the periods exactly (every period in one group), like months into quarters."""
        spec = self.mapping(raw, ("period_groups",), _keys_of(raw), "`period_groups`")
        index = {p.id: i for i, p in enumerate(self.periods)}
        out: dict[str, tuple[PeriodGroup, ...]] = {}
        for set_name, groups in spec.items():
            path: Path_ = ("period_groups", set_name)
            if not self.identifier(set_name, path, "period-group set"):
                continue
            if set_name == "period" or set_name in index:
                self.error(path, f"`{set_name}` is already a period name", key=True)
                continue
            body = self.mapping(groups, path, _keys_of(groups), f"period-group set `{set_name}`")
            found: list[PeriodGroup] = []
            seen: dict[str, str] = {}
            for gid, members in body.items():
                gpath: Path_ = (*path, gid)
                fields = members if isinstance(members, dict) else {"periods": members}
                label = self.text(fields.get("label"), (*gpath, "label"), "label", gid)
                periods = fields.get("periods")
                if not isinstance(periods, list) or not periods:
                    self.error(gpath, f"group `{gid}` must list its periods",
                               "e.g. Q1: [M01, M02, M03]")
                    continue
                member_ids: list[int] = []
                for k, pid in enumerate(periods):
                    if pid not in index:
                        self.error((*gpath, k), f"unknown period `{pid}`",
                                   did_you_mean(str(pid), index))
                    elif pid in seen:
                        self.error((*gpath, k), f"period `{pid}` is already in group "
                                   f"`{seen[pid]}` of `{set_name}`",
                                   "each period belongs to exactly one group of a set")
                    else:
                        seen[pid] = gid
                        member_ids.append(index[pid])
                share = sum((self.periods[i].share for i in member_ids), Decimal(0))
                found.append(PeriodGroup(gid, label, tuple(member_ids), share))
            missing = [p for p in index if p not in seen]
            if missing and found:
                self.error(path, f"periods {', '.join(missing)} are in no group of "
                           f"`{set_name}`", "every period must belong to one group", key=True)
            out[set_name] = tuple(found)
        return out

    def entries(self, raw: Any, section: str, what: str, keys: tuple[str, ...],
                required: tuple[str, ...]) -> Iterator[tuple[str, Path_, dict[str, Any]]]:
        """The entries of a `name: {fields}` section whose names are valid and new, each with its
        path and its checked fields."""
        spec = self.mapping(raw, (section,), _keys_of(raw), f"`{section}`")
        for name, body in spec.items():
            path: Path_ = (section, name)
            if self.identifier(name, path, what) and self.claim(name, path, what):
                yield name, path, self.mapping(body, path, keys, f"{what} `{name}`",
                                               required=required)

    def read_indicators(self, raw: Any) -> None:
        for name, path, fields in self.entries(raw, "indicators", "indicator", INDICATOR_KEYS,
                                               ("type",)):
            kind = cast("IndicatorType", fields.get("type"))  # checked just below
            if kind not in INDICATOR_TYPES:
                if "type" in fields:
                    self.error((*path, "type"), f"unknown indicator type `{kind}`",
                               did_you_mean(str(kind), INDICATOR_TYPES)
                               or "types: " + ", ".join(INDICATOR_TYPES))
                kind = "decimal"  # reported; read on as a number so formulas do not cascade
            lo = self.number(fields.get("min"), (*path, "min"), "`min`")
            hi = self.number(fields.get("max"), (*path, "max"), "`max`")
            if kind == "count":
                lo = Decimal(0) if lo is None else lo
            if kind == "rate":
                lo = Decimal(0) if lo is None else lo
                hi = Decimal(100) if hi is None else hi
            if lo is not None and hi is not None and lo > hi:
                self.error((*path, "max"), f"`max` ({hi}) is below `min` ({lo})")
            values: tuple[str, ...] = ()
            if kind == "enum":
                raw_values = fields.get("values")
                if not isinstance(raw_values, list) or not raw_values or not all(
                        isinstance(v, str) for v in raw_values):
                    self.error((*path, "values") if "values" in fields else path,
                               "an enum indicator needs `values`: a list of names",
                               "e.g. values: [none, city, above_city]")
                else:
                    values = tuple(raw_values)
            per_period = self.flag(fields.get("per_period"), (*path, "per_period"),
                                   "`per_period`")
            if per_period and not self.periods:
                self.error((*path, "per_period"),
                           "a per-period indicator needs `periods` declared in the scheme")
            self.indicators[name] = Indicator(
                name=name, type=kind, per_period=per_period, min=lo, max=hi, values=values,
                label=self.text(fields.get("label"), (*path, "label"), "label"),
                unit=self.text(fields.get("unit"), (*path, "unit"), "unit"),
                default=fields.get("default"),
                record_only=self.flag(fields.get("record_only"), (*path, "record_only"),
                                      "`record_only`"),
                note=self.text(fields.get("note"), (*path, "note"), "note"),
                location=self.src.loc(path, key=True))

    def read_parameters(self, raw: Any) -> None:
        spec = self.mapping(raw, ("parameters",), _keys_of(raw), "`parameters`")
        for name, body in spec.items():
            path: Path_ = ("parameters", name)
            if not (self.identifier(name, path, "parameter") and
                    self.claim(name, path, "parameter")):
                continue
            fields = self.mapping(body if isinstance(body, dict) else {"value": body}, path,
                                  PARAMETER_KEYS, f"parameter `{name}`", required=("value",))
            value_path = (*path, "value") if isinstance(body, dict) else path
            value = self.number(fields.get("value"), value_path, f"parameter `{name}`")
            if value is None:
                continue
            by_unit: dict[str, Decimal] = {}
            raw_units = fields.get("by_unit")
            if raw_units is not None and not isinstance(raw_units, dict):
                self.error((*path, "by_unit"), "`by_unit` maps unit names to values",
                           "by_unit: {旧村: 3, 平塘村: 3}")
            for unit, unit_value in (raw_units if isinstance(raw_units, dict) else {}).items():
                number = self.number(unit_value, (*path, "by_unit", unit),
                                     f"parameter `{name}` for unit `{unit}`")
                if number is not None:
                    by_unit[str(unit)] = number
            self.parameters[name] = Parameter(
                name, value, self.text(fields.get("label"), (*path, "label"), "label"),
                self.text(fields.get("note"), (*path, "note"), "note"),
                self.src.loc(path, key=True), by_unit)

    def read_patterns(self, raw: Any) -> None:
        spec = self.mapping(raw, ("patterns",), _keys_of(raw), "`patterns`")
        for name, body in spec.items():
            path: Path_ = ("patterns", name)
            if not self.identifier(name, path, "pattern"):
                continue
            fields = self.mapping(body, path, PATTERN_KEYS, f"pattern `{name}`",
                                  required=("args", "expr"))
            self.patterns[name] = (path, fields)

    def read_values(self, raw: Any) -> None:
        spec = self.mapping(raw, ("values",), _keys_of(raw), "`values`")
        for name, body in spec.items():
            path: Path_ = ("values", name)
            if self.identifier(name, path, "value") and self.claim(name, path, "value"):
                self.value(name, body, path, lambda n: n)

    def value(self, full: str, body: Any, path: Path_, local: Any,
              replacements: Mapping[str, ast.expr] | None = None,
              code_path: Path_ | None = None, kind: ValueKind = "value") -> None:
        """Read one value (`values:` entry or `let:` entry) into self.values."""
        fields = self.mapping(body if isinstance(body, dict) else {"expr": body}, path,
                              VALUE_KEYS, f"value `{full}`", required=("expr",))
        expr_path = (*path, "expr") if isinstance(body, dict) else path
        formula = self.formula(fields.get("expr"), code_path or expr_path, local, replacements)
        per_period = self.flag(fields.get("per_period"), (*path, "per_period"), "`per_period`")
        group = None
        per = fields.get("per")
        if per is not None:
            if per == "period":
                per_period = True
            elif per in self.period_groups:
                group = str(per)
            else:
                self.error((*path, "per"), f"`per: {per}` names no period-group set",
                           did_you_mean(str(per), ["period", *self.period_groups])
                           or "use `per: period` or a set declared under `period_groups:`")
        if formula is None:
            return
        self.values[full] = Value(full, formula, per_period and group is None,
                                  self.text(fields.get("label"), (*path, "label"), "label"),
                                  self.text(fields.get("note"), (*path, "note"), "note"),
                                  self.src.loc(path, key=True), group, kind)
        axis = group or ("period" if per_period else None)
        self.formulas.append(_Formula(full, formula, code_path or expr_path, axis,
                                      "value" if kind == "value" else "condition"))

    def formula(self, raw: Any, path: Path_, local: Any,
                replacements: Mapping[str, ast.expr] | None = None) -> ex.Expr | None:
        """Parse an expression, rename local names to full ones, then substitute pattern args."""
        if isinstance(raw, bool | list | dict) or raw is None:
            self.error(path, "an expression must be a formula or a number",
                       "e.g. expr: \"max(0, 12 - 3 * meetings_missed)\"")
            return None
        text = str(raw)
        try:
            parsed = ex.parse(text)
        except ex.ExprError as err:
            self.expr_error(path, err, text)
            return None
        renamed = ex.rename(parsed, local)
        return ex.substitute(renamed, replacements) if replacements else renamed

    def read_rankings(self, raw: Any) -> None:
        for name, path, fields in self.entries(raw, "rankings", "ranking", RANKING_KEYS,
                                               ("basis",)):
            order = fields.get("order", "desc")
            if order not in ("desc", "asc"):
                self.error((*path, "order"), "`order` must be `desc` (highest first) or `asc`")
            method = fields.get("method", "competition")
            if method not in ("competition", "dense"):
                self.error((*path, "method"), "`method` must be `competition` (1,1,3) or "
                           "`dense` (1,1,2)")
            basis = fields.get("basis")
            if not isinstance(basis, str):
                if "basis" in fields:
                    self.error((*path, "basis"), "`basis` must name a value or node")
                continue
            demote = None
            if "demote_if" in fields:
                demote = f"{name}.demote_if"
                self.claim(demote, (*path, "demote_if"), "value")
                self.value(demote, {"expr": fields["demote_if"]}, path, lambda n: n,
                           code_path=(*path, "demote_if"), kind="condition")
            self.rankings[name] = Ranking(
                name, basis, order, method, False,
                self.text(fields.get("label"), (*path, "label"), "label"),
                self.text(fields.get("note"), (*path, "note"), "note"),
                self.src.loc(path, key=True), demote=demote)

    def monotone(self, raw: Any, path: Path_) -> tuple[tuple[str, Direction], ...]:
        """`monotone: {meetings_missed: decreasing}`: declared directions of a node."""
        if raw is None:
            return ()
        if not isinstance(raw, dict):
            self.error(path, "`monotone` maps indicators to `increasing` or `decreasing`",
                       "monotone: {meetings_missed: decreasing}")
            return ()
        out = []
        for name, direction in raw.items():
            ind = self.indicators.get(name)
            if ind is None or ind.type in ("bool", "enum"):
                self.error((*path, name), f"`{name}` is not a numeric indicator",
                           did_you_mean(str(name), self.indicators), key=True)
            elif direction not in ("increasing", "decreasing"):
                self.error((*path, name), "a direction is `increasing` or `decreasing`")
            else:
                out.append((str(name), direction))
        return tuple(out)

    def read_vetoes(self, raw: Any) -> None:
        """`vetoes:` a list of {id, label, when, reason}; each `when` is a yes/no formula, and
        the name `vetoed` is true when any of them holds."""
        if raw is not None and not isinstance(raw, list):
            self.error(("vetoes",), "`vetoes` must be a list of {id, when, reason}")
            raw = []
        for i, body in enumerate(raw or []):
            path: Path_ = ("vetoes", i)
            fields = self.mapping(body, path, VETO_KEYS, "a veto", required=("id", "when"))
            vid = fields.get("id")
            if not isinstance(vid, str) or not self.identifier(vid, (*path, "id"), "veto id") \
                    or not self.claim(vid, (*path, "id"), "veto") or "when" not in fields:
                continue
            label = self.text(fields.get("label"), (*path, "label"), "label", vid)
            self.value(vid, {"expr": fields["when"], "label": label}, path, lambda n: n,
                       code_path=(*path, "when"), kind="veto")
            self.vetoes[vid] = Veto(vid, label,
                                    self.text(fields.get("reason"), (*path, "reason"), "reason",
                                              label), self.src.loc(path))
        names = [v for v in self.vetoes if v in self.values]
        tree: ast.expr = (ast.BoolOp(ast.Or(), [ast.Name(n, ast.Load()) for n in names])
                          if len(names) > 1 else ast.Name(names[0], ast.Load()) if names
                          else ast.Constant(False))
        for node in ast.walk(tree):
            node.col_offset = 0  # type: ignore[attr-defined]
        text = " or ".join(names) if names else "False"
        self.values["vetoed"] = Value("vetoed", ex.Expr(text, tree), False, "一票否决",
                                      "true when any veto holds", None, None, "condition")
        self.formulas.append(_Formula("vetoed", ex.Expr(text, tree), ("vetoes",), None,
                                      "condition"))

    def read_constraints(self, raw: Any) -> None:
        """`constraints:` a list of {require, message}: yes/no formulas over indicators and
        parameters that every unit's data must satisfy (e.g. `aware <= surveyed`); a unit that
        fails one is a data error, reported before anything is scored."""
        if raw is not None and not isinstance(raw, list):
            self.error(("constraints",), "`constraints` must be a list of {require, message}")
            raw = []
        for i, body in enumerate(raw or []):
            path: Path_ = ("constraints", i)
            fields = self.mapping(body, path, CONSTRAINT_KEYS, "a constraint",
                                  required=("require",))
            if "require" not in fields:
                continue
            name = f"constraint_{i + 1}"
            self.claim(name, path, "constraint")
            message = self.text(fields.get("message"), (*path, "message"), "message",
                                str(fields["require"]))
            self.value(name, {"expr": fields["require"], "label": message}, path,
                       lambda n: n, code_path=(*path, "require"), kind="constraint")
            formula = self.values.get(name)
            if formula is None:
                continue
            for ref, offset in formula.formula.names():
                if ref not in self.indicators and ref not in self.parameters:
                    self.expr_error((*path, "require"), ex.ExprError(
                        f"a constraint reads only indicators and parameters, not `{ref}`",
                        offset, "constraints check the data before anything is computed"),
                        formula.formula.text)

    def read_outcomes(self, raw: Any) -> None:
        """`outcomes:` name -> {label, cases: [{when, label}, ..., {label}]}: the first case whose
        condition holds gives the unit's label; the last case may omit `when` (otherwise)."""
        for name, path, fields in self.entries(raw, "outcomes", "outcome", OUTCOME_KEYS,
                                               ("cases",)):
            cases = fields.get("cases")
            if not isinstance(cases, list) or not cases:
                if "cases" in fields:
                    self.error((*path, "cases"), "`cases` must be a non-empty list of "
                               "{when, label}", "the last case may have only a label")
                continue
            branches: list[tuple[ex.Expr | None, str]] = []
            for i, case in enumerate(cases):
                cpath: Path_ = (*path, "cases", i)
                cfields = self.mapping(case, cpath, CASE_KEYS, "an outcome case",
                                       required=("label",))
                label = self.text(cfields.get("label"), (*cpath, "label"), "label")
                if "when" not in cfields:
                    if i != len(cases) - 1:
                        self.error(cpath, "only the last case may leave out `when`",
                                   "a case without a condition always matches")
                    else:
                        branches.append((None, label))
                    continue
                formula = self.formula(cfields["when"], (*cpath, "when"), lambda n: n)
                if formula is not None:
                    branches.append((formula, label))
                    self.formulas.append(_Formula(name, formula, (*cpath, "when"), None,
                                                  "case"))
            if branches and branches[-1][0] is not None:
                branches.append((None, ""))  # no case matched: an empty label
            tree: ast.expr = ast.Constant(branches[-1][1]) if branches else ast.Constant("")
            for formula, label in reversed(branches[:-1]):
                assert formula is not None
                tree = ast.IfExp(formula.tree, ast.Constant(label), tree)
            for node in ast.walk(tree):
                if not hasattr(node, "col_offset"):
                    node.col_offset = 0  # type: ignore[attr-defined]
            text = " else ".join(f"{label!r} if {f.text}" if f else repr(label)
                                 for f, label in branches)
            self.values[name] = Value(name, ex.Expr(text, tree), False,
                                      self.text(fields.get("label"), (*path, "label"), "label",
                                                name),
                                      self.text(fields.get("note"), (*path, "note"), "note"),
                                      self.src.loc(path, key=True), None, "outcome")
            self.outcomes[name] = Outcome(name, self.values[name].label,
                                          tuple(label for _, label in branches),
                                          self.values[name].note, self.src.loc(path, key=True))

    # -- the tree ------------------------------------------------------------------------------

    def read_tree(self, raw: Any) -> tuple[str, ...]:
        if not isinstance(raw, list) or not raw:
            if raw is not None:
                self.error(("tree",), "`tree` must be a list of categories")
            return ()
        roots = []
        for i, body in enumerate(raw):
            node_id = self.node(body, ("tree", i), None)
            if node_id:
                roots.append(node_id)
        return tuple(roots)

    def node(self, body: Any, path: Path_, parent: Node | None) -> str | None:
        fields = self.mapping(body, path, NODE_KEYS, "a tree node", required=("id",))
        local = fields.get("id")
        if not isinstance(local, str) or not self.identifier(local, (*path, "id"), "node id"):
            return None
        node_id = f"{parent.id}.{local}" if parent else local
        if not self.claim(node_id, (*path, "id"), "node"):
            return None
        role = fields.get("role", parent.role if parent else "category")
        if parent and "role" in fields:
            self.error((*path, "role"), "only top-level nodes have a `role`",
                       "children belong to their parent's section")
        if role not in ROLES:
            self.error((*path, "role"), f"unknown role `{role}`",
                       did_you_mean(str(role), ROLES) or "roles: " + ", ".join(ROLES))
            role = "category"
        lo = self.number(fields.get("min"), (*path, "min"), "`min`")
        hi = self.number(fields.get("max"), (*path, "max"), "`max`")
        if lo is not None and hi is not None and hi < lo:
            self.error((*path, "max"), f"cap `max: {hi}` is below floor `min: {lo}`",
                       "swap them or fix one")
        base = Node(node_id, self.text(fields.get("label"), (*path, "label"), "label", local),
                    role, standard=self.number(fields.get("standard"), (*path, "standard"),
                                               "`standard`"),
                    max=hi, min=lo, note=self.text(fields.get("note"), (*path, "note"), "note"),
                    unit=self.text(fields.get("unit"), (*path, "unit"), "unit"),
                    monotone=self.monotone(fields.get("monotone"), (*path, "monotone")),
                    location=self.src.loc((*path, "id"), key=True))
        children_raw = fields.get("children")
        has_formula = "expr" in fields or "use" in fields
        if children_raw is not None and has_formula:
            self.error((*path, "children"), "a node has either `children` or a formula "
                       "(`expr`/`use`), not both",
                       "put the formula in a child item, or drop the children")
        if children_raw is not None:
            if not isinstance(children_raw, list) or not children_raw:
                self.error((*path, "children"), "`children` must be a non-empty list")
                return None
            children = [self.node(c, (*path, "children", i), base)
                        for i, c in enumerate(children_raw)]
            self.nodes[node_id] = attrs.evolve(base, children=tuple(c for c in children if c))
            for key in ("let", "with"):
                if key in fields:
                    self.error((*path, key), f"`{key}` belongs to an item (a node with a "
                               "formula), not to a group")
            return node_id
        if not has_formula:
            misspelt = [k for k in (body if isinstance(body, dict) else {})
                        if k not in NODE_KEYS and did_you_mean(str(k), ("expr", "use",
                                                                         "children"))]
            if not misspelt:  # else the unknown key is the mistake, reported already
                self.error(path, f"node `{node_id}` has neither `children` nor `expr`",
                           "an item needs `expr: ...` (or `use: pattern`), a group `children:`")
            return None
        formula = self.item_formula(node_id, fields, path)
        if formula is None:
            return node_id  # reported; keep the id so references do not cascade
        given = fields.get("with")
        given = given if isinstance(given, dict) else {}
        self.nodes[node_id] = attrs.evolve(
            base, formula=formula, pattern=fields.get("use"),
            arguments=tuple((str(k), str(v)) for k, v in given.items()))
        return node_id

    def item_formula(self, node_id: str, fields: dict[str, Any], path: Path_) -> ex.Expr | None:
        """The item's formula with its lets (own and its pattern's) registered as values."""
        pattern_name = fields.get("use")
        own_lets = fields.get("let") or {}
        pattern: dict[str, Any] = {}
        pattern_path: Path_ = path
        replacements: dict[str, ast.expr] = {}
        if pattern_name is not None:
            if pattern_name not in self.patterns:
                self.error((*path, "use"), f"unknown pattern `{pattern_name}`",
                           did_you_mean(str(pattern_name), self.patterns)
                           or ("patterns: " + ", ".join(self.patterns) if self.patterns
                               else "declare it under `patterns:`"))
                return None
            pattern_path, pattern = self.patterns[pattern_name]
            replacements = self.pattern_args(pattern_name, pattern, pattern_path,
                                             fields.get("with"), path)
        elif "with" in fields:
            self.error((*path, "with"), "`with` gives a pattern's arguments, but this node has "
                       "no `use:`")
        pattern_lets = pattern.get("let") or {}
        for where, lets in (((*pattern_path, "let"), pattern_lets), ((*path, "let"), own_lets)):
            if not isinstance(lets, dict):
                self.error(where, "`let` must be a mapping of name: expression")
        pattern_lets = pattern_lets if isinstance(pattern_lets, dict) else {}
        own_lets = own_lets if isinstance(own_lets, dict) else {}
        override = "expr" in fields and pattern_name is not None
        local_names = set(pattern_lets) | set(own_lets) | ({pattern_name} if override else set())

        def local(name: str) -> str:
            return f"{node_id}.{name}" if name in local_names else name

        for name, body in pattern_lets.items():
            self.from_patterns.add(f"{node_id}.{name}")
            if self.identifier(name, (*pattern_path, "let", name), "let value") and \
                    self.claim(f"{node_id}.{name}", (*path, "id"), "value"):
                self.value(f"{node_id}.{name}", body, (*pattern_path, "let", name), local,
                           replacements)
        for name, body in own_lets.items():
            if name in pattern_lets:
                self.error((*path, "let", name), f"`{name}` is already a let of pattern "
                           f"`{pattern_name}`", key=True)
                continue
            if self.identifier(name, (*path, "let", name), "let value") and \
                    self.claim(f"{node_id}.{name}", (*path, "let", name), "value"):
                self.value(f"{node_id}.{name}", body, (*path, "let", name), local)
        if override:
            assert isinstance(pattern_name, str)
            full = f"{node_id}.{pattern_name}"
            if self.claim(full, (*path, "use"), "value"):
                self.value(full, {"expr": pattern.get("expr")}, pattern_path, local,
                           replacements, code_path=(*pattern_path, "expr"))
        if pattern_name is not None and not override:
            formula = self.formula(pattern.get("expr"), (*pattern_path, "expr"), local,
                                   replacements)
            code_path: Path_ = (*pattern_path, "expr")
        else:
            code_path = (*path, "expr")
            formula = self.formula(fields.get("expr"), code_path, local)
        if formula is not None:
            self.formulas.append(_Formula(node_id, formula, code_path, None, "score"))
        return formula

    def pattern_args(self, name: str, pattern: dict[str, Any], pattern_path: Path_,
                     given: Any, path: Path_) -> dict[str, ast.expr]:
        declared = pattern.get("args")
        names = list(declared) if isinstance(declared, dict | list) else []
        if not names or not all(isinstance(a, str) and a.isidentifier() for a in names):
            self.error((*pattern_path, "args"), "`args` must list the pattern's argument "
                       "names", "e.g. args: {S: standard points, T: annual target}")
            return {}
        given_map = self.mapping(given, (*path, "with"), names, f"`with` of pattern `{name}`",
                                 required=names)
        out: dict[str, ast.expr] = {}
        for arg in names:
            raw = given_map.get(arg)
            formula = (self.formula(raw, (*path, "with", arg), lambda n: n)
                       if arg in given_map else None)
            # a missing or broken argument is reported; 0 stands in so nothing cascades
            out[arg] = formula.tree if formula is not None else ast.Constant(Decimal(0))  # type: ignore[arg-type]
        return out

    # -- names, graph, types -------------------------------------------------------------------

    def resolve_and_check(self) -> None:
        """Report unknown names, build the dependency graph (cycles), then type-check in order."""
        known = self.known_names()
        for f in self.formulas:
            for name, offset in f.expr.names():
                if name not in known and name not in PERIOD_NAMES:
                    hint = did_you_mean(name, known) or "declare it under `indicators:`, " \
                        "`parameters:` or `values:`"
                    self.expr_error(f.path, ex.ExprError(f"unknown name `{name}`", offset,
                                                         hint), f.expr.text)
        rankings = []
        for ranking in self.rankings.values():
            path: Path_ = ("rankings", ranking.name, "basis")
            if ranking.basis not in known or ranking.basis in self.rankings:
                self.error(path, f"ranking basis `{ranking.basis}` is not a value or node",
                           did_you_mean(ranking.basis, known))
            else:
                rankings.append((ranking, self.src.loc(path)))
        graph = dependency_graph(
            ((f.owner, (n for n, _ in f.expr.names()), self.src.loc(f.path))
             for f in self.formulas), self.nodes,
            tuple(n for n in self.nodes if "." not in n), rankings, known)
        cycles = graph.cycles()
        for cycle in cycles:
            names = [name for name, _ in cycle]
            reads = [names[0], *reversed(names[1:])]  # x -> y: x reads y
            chain = " -> ".join(reads) + f" -> {reads[0]}"
            detail = "; ".join(f"{b} reads {a} at line {loc.line if loc else '?'}"
                               for (a, _), (b, loc) in
                               zip(cycle, [*cycle[1:], cycle[0]], strict=True))
            self.problems.append(Problem(f"dependency cycle: {chain}", cycle[-1][1] or
                                         self.src.loc(()),
                                         f"a value cannot depend on itself ({detail})",
                                         None))
        if cycles:
            return  # no order to check types in
        self.check_types(graph)
        self.warn_unused(graph)

    def known_names(self) -> set[str]:
        return {*self.indicators, *self.parameters, *self.values, *self.nodes, *self.rankings,
                "vetoed", "total"}

    def check_types(self, graph: DependencyGraph) -> None:
        infos: dict[str, ex.NameInfo] = {}
        for name, ind in self.indicators.items():
            kind = ex.BOOL if ind.type == "bool" else (f"enum:{name}" if ind.type == "enum"
                                                        else ex.NUM)
            infos[name] = ex.NameInfo(kind, "period" if ind.per_period else None, ind.values)
        for name in self.parameters:
            infos[name] = ex.NameInfo(ex.NUM)
        for name in self.outcomes:
            infos[name] = ex.NameInfo("label")
        by_owner: dict[str, list[_Formula]] = {}
        for f in self.formulas:
            by_owner.setdefault(f.owner, []).append(f)
        for name in graph.order():
            if name in self.nodes or name == "total":
                infos[name] = ex.NameInfo(ex.NUM)
            if name in self.rankings:
                basis = infos.get(self.rankings[name].basis)
                if basis is None:
                    continue
                if basis.type != ex.NUM:
                    self.error(("rankings", name, "basis"), "a ranking basis must be a number")
                self.rankings[name] = attrs.evolve(
                    self.rankings[name], per_period=basis.axis == "period",
                    group=basis.axis if basis.axis not in (None, "period") else None)
                infos[name] = ex.NameInfo(ex.NUM, basis.axis)
            for f in by_owner.get(name, ()):
                axis = f.axis
                if name.endswith(".demote_if") and name[:-len(".demote_if")] in self.rankings:
                    basis = infos.get(self.rankings[name[:-len(".demote_if")]].basis)
                    axis = basis.axis if basis else None
                    self.values[name] = attrs.evolve(
                        self.values[name], per_period=axis == "period",
                        group=axis if axis not in (None, "period") else None)
                try:
                    got = ex.check(f.expr, infos.get, axis=axis,
                                   has_periods=bool(self.periods))
                except ex.ExprError as err:
                    if not err.message.startswith("unknown name"):  # reported already
                        self.expr_error(f.path, err, f.expr.text)
                    continue
                want = {"score": ex.NUM, "condition": ex.BOOL, "case": ex.BOOL}.get(f.kind)
                if want is not None and got != want:
                    hint = ("e.g. `8 if staffing_complete else 0`" if want == ex.NUM
                            else "a condition, e.g. `complaints > 0`")
                    what = "a score" if want == ex.NUM else "a condition"
                    self.expr_error(f.path, ex.ExprError(
                        f"{what} must be a {want}, this formula gives a {got}", 0, hint),
                        f.expr.text)
                infos[name] = ex.NameInfo("label" if f.kind == "case" else got, axis)

    def warn_unused(self, graph: DependencyGraph) -> None:
        for name, ind in self.indicators.items():
            if not ind.record_only and not graph.has_dependents(name):
                self.error(("indicators", name), f"indicator `{name}` is not used by any "
                           "formula", "remove it, or mark it `record_only: true`", key=True,
                           severity="warning")
        for name, value in self.values.items():  # an item's own unused `let` is dead code;
            # top-level values are results in their own right (reported under `values`)
            if value.kind == "value" and "." in name and name not in self.from_patterns and \
                    not graph.has_dependents(name):
                self.problems.append(self.src.problem(
                    self.name_paths.get(name, ()), f"value `{name}` is computed but never used",
                    "remove it, or read it in a formula", key=True, severity="warning"))


def _keys_of(raw: Any) -> tuple[str, ...]:
    return tuple(raw) if isinstance(raw, dict) else ()


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    return {dict: "a mapping", list: "a list", str: "text", int: "a number", Decimal: "a number",
            type(None): "nothing"}.get(type(value), type(value).__name__)


def build(data: Any, source: Source) -> tuple[Scheme, list[Problem]]:
    """Build the scheme; raise SchemeError with every problem, else return it with warnings."""
    builder = Builder(data, source)
    scheme = builder.build()
    return scheme, [p for p in builder.problems if p.severity != "error"]
