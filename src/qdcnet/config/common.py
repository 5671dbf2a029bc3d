"""Shared pieces of the configuration layer: quantity fields, strict models, clear errors.

Configuration files are read at the edge: YAML to pydantic v2 models with
``extra="forbid"`` (a misspelt field fails with the nearest correct name),
quantities as strings with units converted to SI floats once. Validation
errors become one :class:`ScenarioError` whose lines each name the field,
the value and what is allowed.
"""

from __future__ import annotations

import difflib
import math
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError

from qdcnet.errors import QdcnetError
from qdcnet.hardware.profiles import read_text_file as _read_text_file
from qdcnet.units import PS_PER_S, QuantityRangeError, UnitError, parse

__all__ = [
    "MAX_EVENT_RATE_HZ",
    "MAX_FIBER_LENGTH_M",
    "MAX_SEED",
    "Angle",
    "EventRate",
    "FiberLength",
    "Frequency",
    "Length",
    "Loss",
    "PhaseSpread",
    "ScenarioError",
    "Seconds",
    "SecondsOrNever",
    "StrictModel",
    "Wavelength",
    "format_validation_error",
    "read_text_file",
    "read_yaml",
]


class ScenarioError(QdcnetError, ValueError):
    """A configuration file that cannot be used; the message lists every problem."""

    code = "bad_scenario"


class StrictModel(BaseModel):
    """Base of every configuration model: unknown fields are errors, values immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _quantity(dimension: str, *, allow_never: bool = False) -> Any:
    def convert(value: Any) -> float:
        if isinstance(value, str) and value.strip() in ("inf", "infinite", "never"):
            if allow_never:
                return float("inf")
            raise ValueError(f"out of range: allowed a finite {dimension} (this field has no "
                             "'never' or unbounded value)")
        if isinstance(value, bool) or not isinstance(value, str):
            example = {"time": "10 us", "length": "2 km", "frequency": "250 Hz",
                       "loss": "3 dB", "angle": "0.2 rad"}[dimension]
            raise ValueError(f"write a {dimension} with its unit, e.g. '{example}'")
        try:
            return parse(value, dimension).si
        except QuantityRangeError as exc:
            # The field and value are named by the caller's message; say only why.
            raise ValueError(f"out of range: allowed {exc.allowed} ({exc.reason})") from None
        except UnitError as exc:
            raise ValueError(str(exc)) from None

    return BeforeValidator(convert)


#: Largest seed a scenario may carry: numpy's SeedSequence takes any integer
#: >= 0, but results record the seed and other tools read it as a signed int64.
MAX_SEED = 2**63 - 1

#: A rate of events (requests, demand, source pairs) whose period is at least the
#: kernel's 1 ps clock step.
MAX_EVENT_RATE_HZ = float(PS_PER_S)


def _event_rate(value: float) -> float:
    if value > MAX_EVENT_RATE_HZ:
        raise ValueError(f"out of range: allowed (0, {MAX_EVENT_RATE_HZ:g}] Hz (the period "
                         "between events would be below the kernel's 1 ps clock step)")
    return value


Seconds = Annotated[float, _quantity("time")]
#: A time where "inf" / "never" means no limit (a cutoff that never discards).
SecondsOrNever = Annotated[float, _quantity("time", allow_never=True)]
Length = Annotated[float, _quantity("length")]
Frequency = Annotated[float, _quantity("frequency")]
Loss = Annotated[float, _quantity("loss")]
Angle = Annotated[float, _quantity("angle")]
#: A frequency at which events are scheduled: at most one per picosecond.
EventRate = Annotated[float, _quantity("frequency"), AfterValidator(_event_rate)]

#: Longest fibre a scenario may hold: far beyond any real one (about 7 AU), and
#: short enough that its light travel time fits the kernel's clock many times over.
MAX_FIBER_LENGTH_M = 1e12


def _fiber_length(value: float) -> float:
    if value > MAX_FIBER_LENGTH_M:
        raise ValueError(f"out of range: allowed [0, {MAX_FIBER_LENGTH_M:g}] m (longer than any "
                         "fibre; its light travel time must fit the kernel's clock)")
    return value


#: A fibre length: a length of at most :data:`MAX_FIBER_LENGTH_M`.
FiberLength = Annotated[float, _quantity("length"), AfterValidator(_fiber_length)]


def _phase_spread(value: float) -> float:
    if not 0.0 <= value <= 2 * math.pi:
        raise ValueError("out of range: allowed [0, 6.28319] rad, i.e. [0, 360] deg (a spread "
                         "beyond 2 pi already randomises the phase completely)")
    return value


def _wavelength(value: float) -> float:
    # The range the platform profiles allow: UV (200 nm) to microwave (1 m).
    if not 200e-9 <= value <= 1.0:
        raise ValueError("out of range: allowed [200 nm, 1 m] (ultraviolet to microwave)")
    return value


#: A photon's wavelength, in [200 nm, 1 m]: zero or negative ones mean nothing.
Wavelength = Annotated[float, _quantity("length"), AfterValidator(_wavelength)]


#: The standard deviation of a random phase, in [0, 2 pi] rad.
PhaseSpread = Annotated[float, _quantity("angle"), AfterValidator(_phase_spread)]


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


def read_text_file(path: str | Path, what: str = "a YAML text file") -> str:
    """The text of a file the user named, or a :class:`ScenarioError` saying why not.

    See :func:`qdcnet.hardware.profiles.read_text_file`: a directory, a binary
    file, an unreadable or empty file is refused in one line naming the path.
    """
    return _read_text_file(path, what, ScenarioError)


def read_yaml(path: str | Path) -> tuple[dict[str, Any], str]:
    """Read a YAML mapping, with errors that name the file (and line, for syntax)."""
    text = read_text_file(path, "a YAML text file")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScenarioError(f"{path}: not valid YAML{at}: "
                            f"{getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(document, dict):
        found = "nothing" if document is None else (
            "a list" if isinstance(document, list) else f"a single {type(document).__name__}")
        raise ScenarioError(f"{path}: expected a YAML mapping of fields at the top level "
                            f"(name: value lines), found {found}")
    return document, str(path)
