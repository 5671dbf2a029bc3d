"""Shared pieces of the configuration layer: quantity fields, strict models, clear errors.

Configuration files are read at the edge: YAML to pydantic v2 models with
``extra="forbid"`` (a misspelt field fails with the nearest correct name),
quantities as strings with units converted to SI floats once. Validation
errors become one :class:`ScenarioError` whose lines each name the field,
the value and what is allowed.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from qdcnet.errors import QdcnetError
from qdcnet.units import UnitError, parse

__all__ = [
    "Angle",
    "Frequency",
    "Length",
    "Loss",
    "ScenarioError",
    "Seconds",
    "StrictModel",
    "format_validation_error",
    "read_yaml",
]


class ScenarioError(QdcnetError, ValueError):
    """A configuration file that cannot be used; the message lists every problem."""


class StrictModel(BaseModel):
    """Base of every configuration model: unknown fields are errors, values immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _quantity(dimension: str) -> Any:
    def convert(value: Any) -> float:
        if isinstance(value, str) and value.strip() in ("inf", "infinite", "never"):
            return float("inf")
        if isinstance(value, bool) or not isinstance(value, str):
            example = {"time": "10 us", "length": "2 km", "frequency": "250 Hz",
                       "loss": "3 dB", "angle": "0.2 rad"}[dimension]
            raise ValueError(f"write a {dimension} with its unit, e.g. '{example}'")
        try:
            return parse(value, dimension).si
        except UnitError as exc:
            raise ValueError(str(exc)) from None

    return BeforeValidator(convert)


Seconds = Annotated[float, _quantity("time")]
Length = Annotated[float, _quantity("length")]
Frequency = Annotated[float, _quantity("frequency")]
Loss = Annotated[float, _quantity("loss")]
Angle = Annotated[float, _quantity("angle")]


def _location(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _allowed_fields(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model at ``loc`` (following nested models and lists)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", {})
        if part not in fields:
            return []
        annotation = fields[part].annotation
        current = _inner_model(annotation)
        if current is None:
            return []
    return list(getattr(current, "model_fields", {}))


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def format_validation_error(error: ValidationError, model: type[BaseModel], where: str) -> str:
    """One line per problem: field, value, what is allowed, a suggestion for typos."""
    lines = []
    for problem in error.errors():
        loc = tuple(problem["loc"])
        field = _location(loc)
        kind = problem["type"]
        value = problem.get("input")
        if kind == "extra_forbidden":
            allowed = _allowed_fields(model, loc)
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else (
                f"; allowed: {', '.join(allowed)}" if allowed else "")
            lines.append(f"{field}: unknown field{hint}")
        elif kind == "missing":
            lines.append(f"{field}: required field is missing")
        elif kind == "value_error" and isinstance(value, dict):
            # A whole-model check: at the top level its message names its fields.
            message = problem["msg"].removeprefix("Value error, ")
            lines.append(f"{field}: {message}" if loc else message)
        else:
            message = problem["msg"].removeprefix("Value error, ")
            shown = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
            lines.append(f"{field} = {shown}: {message}")
    return f"{where}: " + ("\n  " if len(lines) > 1 else "") + "\n  ".join(lines)


def read_yaml(path: str | Path) -> tuple[dict[str, Any], str]:
    """Read a YAML mapping, with errors that name the file (and line, for syntax)."""
    file = Path(path)
    if not file.exists():
        raise ScenarioError(f"{path}: no such file")
    try:
        document = yaml.safe_load(file.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScenarioError(f"{path}: not valid YAML{at}: "
                            f"{getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(document, dict):
        raise ScenarioError(f"{path}: expected a mapping of fields at the top level")
    return document, str(path)
