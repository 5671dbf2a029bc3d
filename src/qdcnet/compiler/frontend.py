"""Read circuits: OpenQASM 2 and 3 (files or text) and Qiskit ``QuantumCircuit``.

Parsing is Qiskit's (``qiskit.qasm2`` and, for OpenQASM 3,
``qiskit-qasm3-import``); user-defined gates are unrolled by Qiskit into
standard gates, and the result becomes the compiler's :class:`Circuit`.
Mistakes come back as :class:`CircuitError` with the line and column.

What is refused, and why:

- a file that is empty (or holds only comments), a binary file or a folder:
  it is not a circuit;
- a circuit that declares no qubits: there is nothing to place on a QPU;
- OpenQASM 3 control flow other than ``if``/``else`` blocks of gates
  (``for``, ``while``, ``switch``, ``box``), subroutines (``def``,
  ``extern``) and pulse-level calibrations: the compiler takes straight-line
  circuits, so the message names the construct and its line.

A circuit with qubits but no gates reads fine (it is a valid circuit);
``qdcnet compile`` refuses it because there is nothing to distribute.

>>> circuit = load_circuit('''OPENQASM 3.0; include "stdgates.inc";
... qubit[2] q; bit[2] c; h q[0]; cx q[0], q[1]; c = measure q;''')
>>> circuit.num_qubits, circuit.count_ops()
(2, {'h': 1, 'cx': 1, 'measure': 2})
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qdcnet.compiler.ir import NON_UNITARY, Circuit, Condition, Gate
from qdcnet.errors import QdcnetError

if TYPE_CHECKING:
    from qiskit import QuantumCircuit

    from qdcnet.compiler.passes import CompileState

__all__ = ["CircuitError", "Load", "circuit_from_text", "from_qiskit", "load_circuit",
           "read_circuit_file"]

#: Gates kept by name; anything else is unrolled by Qiskit into these. Every one- and
#: two-qubit gate of ``qelib1.inc`` and ``stdgates.inc`` is here, so that ``normalize``
#: sees it whole (``cu1`` unrolled is two ``cx``; kept, it is one controlled phase).
VOCABULARY = (
    "id", "x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "sxdg",
    "rx", "ry", "rz", "p", "u", "u1", "u2", "u3", "r",
    "cx", "cy", "cz", "ch", "cp", "cu1", "crx", "cry", "crz", "cs", "csdg", "csx", "cu",
    "cu3", "swap", "iswap", "ecr", "rzz", "rxx", "ryy", "rzx", "dcx",
)
_CONTROL_FLOW = ("if_else", "for_loop", "while_loop", "switch_case", "box", "break_loop",
                 "continue_loop")


class CircuitError(QdcnetError, ValueError):
    """A circuit qdcnet cannot read or cannot compile, with where and why."""

    code = "bad_circuit"


def load_circuit(source: Any, *, name: str | None = None) -> Circuit:
    """A :class:`Circuit` from QASM text, a ``.qasm`` path, a ``QuantumCircuit`` or a Circuit.

    The OpenQASM version is read from the ``OPENQASM`` header (2 when absent).
    """
    if isinstance(source, Circuit):
        return source
    if isinstance(source, Path) or (isinstance(source, str) and _looks_like_path(source)):
        path = Path(source)
        return _from_text(read_circuit_file(path), where=str(path), name=name or path.stem)
    if isinstance(source, str):
        return _from_text(source, where="<string>", name=name or "circuit")
    try:
        from qiskit import QuantumCircuit
    except ImportError:  # pragma: no cover - qiskit is a dependency
        QuantumCircuit = None
    if QuantumCircuit is not None and isinstance(source, QuantumCircuit):
        return from_qiskit(source, name=name)
    raise CircuitError(
        f"cannot read a circuit from {type(source).__name__}: give OpenQASM text, a .qasm "
        "path, a qiskit QuantumCircuit or a qdcnet Circuit")


def circuit_from_text(text: str, *, name: str = "circuit", where: str = "<string>") -> Circuit:
    """A :class:`Circuit` from OpenQASM source text, never read as a file path (for text
    that comes from a network client)."""
    return _from_text(text, where=where, name=name)


@dataclass(frozen=True)
class Load:
    """The ``load`` pass: the state's ``source`` read into its ``circuit``.

    A pass of its own so that reading (parsing QASM can take a while) is
    timed like the others.
    """

    name = "load"

    def run(self, state: CompileState) -> CompileState:
        return dataclasses.replace(state, circuit=load_circuit(state.source))


def read_circuit_file(path: Path) -> str:
    """The text of a circuit file; a missing file, a folder or binary data is a CircuitError.

    >>> read_circuit_file(Path("/"))
    Traceback (most recent call last):
    ...
    qdcnet.compiler.frontend.CircuitError: circuit file '/' is a folder, not a file: ...
    """
    where = repr(str(path))
    if path.is_dir():
        raise CircuitError(f"circuit file {where} is a folder, not a file: "
                           "give an OpenQASM 2 or 3 file")
    if not path.exists():
        raise CircuitError(f"circuit file {where} does not exist")
    if path.is_char_device() or path.is_block_device() or path.is_socket():
        # /dev/zero and friends never end; a pipe (bash's <(...)) is fine.
        raise CircuitError(f"circuit file {where} is a device, not a file: "
                           "give an OpenQASM 2 or 3 file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CircuitError(f"cannot read circuit file {where}: "
                           f"{exc.strerror or type(exc).__name__}") from None
    not_text = (f"circuit file {where} is not a text file ({{}}): "
                "give an OpenQASM 2 or 3 file")
    nul = data.find(b"\0")
    if nul >= 0:
        raise CircuitError(not_text.format(f"NUL byte at offset {nul}"))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CircuitError(not_text.format(
            f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not UTF-8")) from None


def _looks_like_path(text: str) -> bool:
    return bool(text.strip()) and "\n" not in text and ";" not in text and len(text) < 4096


_VERSION = re.compile(r"^\s*(?://[^\n]*\n\s*|/\*.*?\*/\s*)*OPENQASM\s+(\d+)", re.DOTALL)


_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)


def _from_text(text: str, *, where: str, name: str) -> Circuit:
    if not _COMMENTS.sub("", text).strip():
        raise CircuitError(f"{where}: the circuit is empty (no header, qubits or gates): give "
                           "an OpenQASM 2 or 3 circuit with at least one qubit")
    match = _VERSION.match(text)
    version = int(match.group(1)) if match else 2
    if version == 2:
        import qiskit.qasm2 as qasm2

        try:
            circuit = qasm2.loads(text, custom_instructions=_qasm2_gates())
        except qasm2.QASM2ParseError as exc:
            raise CircuitError(_qasm2_message(str(exc), where)) from None
    elif version == 3:
        _refuse_unsupported_qasm3(text, where)
        circuit = _load_qasm3(text, where)
    else:
        raise CircuitError(f"{where}: OPENQASM {version} is not supported (2 and 3 are)")
    if circuit.num_qubits == 0:
        raise CircuitError(_NO_QUBITS.format(where=where))
    try:
        return from_qiskit(circuit, name=name)
    except CircuitError as exc:
        raise CircuitError(f"{where}: {exc}") from None


def _identity(_gamma: float) -> Any:
    from qiskit.circuit.library import IGate

    return IGate()


def _make_gate(name: str, num_params: int, constructor: Any, *params: float) -> Any:
    # Qiskit's parser hands a built-in gate whatever parameters it was written with; a
    # wrong count would surface as a TypeError from the gate's constructor.
    if len(params) != num_params:
        import qiskit.qasm2 as qasm2

        raise qasm2.QASM2ParseError(
            f"gate '{name}' takes {num_params} parameter(s), {len(params)} given")
    return constructor(*params)


@lru_cache(maxsize=1)
def _qasm2_gates() -> tuple[Any, ...]:
    """``qelib1.inc`` as Qiskit reads it, with two fixes.

    ``u0(gamma)`` is the identity its definition says (Qiskit reads the angle
    as a count of idle steps and refuses one that is not an integer), and a
    gate given the wrong number of parameters is a parse error naming it.
    """
    import qiskit.qasm2 as qasm2

    gates = []
    for c in qasm2.LEGACY_CUSTOM_INSTRUCTIONS:
        constructor = _identity if c.name == "u0" else c.constructor
        gates.append(qasm2.CustomInstruction(
            c.name, c.num_params, c.num_qubits,
            partial(_make_gate, c.name, c.num_params, constructor), builtin=c.builtin))
    return tuple(gates)


_NO_QUBITS = ("{where}: the circuit declares no qubits: a circuit needs at least one "
              "(qreg q[n]; in OpenQASM 2, qubit[n] q; in OpenQASM 3)")

#: Words that may start a construct the compiler cannot take; only then is the AST walked.
_UNSUPPORTED_HINT = re.compile(
    r"\b(?:for|while|switch|box|def|extern|return|break|continue|defcal|cal|defcalgrammar)\b")


def _unsupported_constructs() -> dict[type, tuple[str, str]]:
    from openqasm3 import ast

    unroll = "unroll it into straight-line gates"
    return {
        ast.ForInLoop: ("a 'for' loop", unroll),
        ast.WhileLoop: ("a 'while' loop", unroll),
        ast.SwitchStatement: ("a 'switch' statement", "write it as if/else blocks"),
        ast.Box: ("a 'box' block", "write its gates without the box"),
        ast.SubroutineDefinition: ("a subroutine ('def')", "write it as a 'gate' or inline it"),
        ast.ExternDeclaration: ("an 'extern' function", "compute its result beforehand"),
        ast.ReturnStatement: ("'return'", "inline the subroutine"),
        ast.BreakStatement: ("'break'", "unroll the loop"),
        ast.ContinueStatement: ("'continue'", "unroll the loop"),
        ast.CalibrationDefinition: ("a pulse-level calibration ('defcal')", "remove it"),
        ast.CalibrationStatement: ("a pulse-level calibration block ('cal')", "remove it"),
        ast.CalibrationGrammarDeclaration: ("a calibration grammar ('defcalgrammar')",
                                            "remove it"),
    }


def _refuse_unsupported_qasm3(text: str, where: str) -> None:
    """Name the first construct the compiler cannot take, with its line, before importing.

    Qiskit's importer fails on some of these with an unrelated error (a ``for``
    loop that indexes a register raises a ``TypeError``), so they are found
    first. Text that does not parse is left to the importer, which says where.
    """
    if not _UNSUPPORTED_HINT.search(text):
        return
    import openqasm3
    from openqasm3 import ast

    try:
        program = openqasm3.parse(text)
    except Exception:
        return
    kinds = _unsupported_constructs()
    for node in _qasm3_nodes(program, ast.QASMNode):
        found = next((v for k, v in kinds.items() if isinstance(node, k)), None)
        if found is not None:
            what, advice = found
            raise CircuitError(f"{where}: {_qasm3_place(node)}{what} is not supported (qdcnet "
                               "compiles straight-line circuits with if/else blocks of gates); "
                               f"{advice}")


def _qasm3_nodes(program: Any, kind: type) -> Iterator[Any]:
    """Every node of a parsed OpenQASM 3 program in source order, descending into ``kind``."""
    pending: list[Any] = list(reversed(program.statements))
    while pending:
        node = pending.pop()
        yield node
        children: list[Any] = []
        for item in dataclasses.fields(node):
            value = getattr(node, item.name)
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, kind):
                    children.append(child)
        pending.extend(reversed(children))


def _qasm3_place(node: Any) -> str:
    """``line L, column C: `` of a parsed node, or nothing when it has no span."""
    span = node.span
    return f"line {span.start_line}, column {span.start_column + 1}: " if span else ""


def _qasm2_message(message: str, where: str) -> str:
    message = message.strip().strip("'\"")
    found = re.match(r"<input>:(\d+),(\d+):\s*(.*)", message, re.DOTALL)
    if found:
        line, column, text = found.groups()
        return f"{where}: line {line}, column {int(column) + 1}: {text}"
    return f"{where}: {message}"


def _load_qasm3(text: str, where: str) -> QuantumCircuit:
    import qiskit.qasm3 as qasm3

    try:
        return qasm3.loads(text)
    except Exception as exc:
        # The importer's own words for a misused standard gate do not name it.
        misuse = _qasm3_gate_misuse(text)
        if misuse is not None:
            raise CircuitError(f"{where}: {misuse}") from None
        raise _qasm3_error(exc, where) from None


#: ``stdgates.inc`` and the built-ins: name -> (parameters, qubits).
_QASM3_GATES = {
    **dict.fromkeys(("x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "id"), (0, 1)),
    **dict.fromkeys(("p", "phase", "rx", "ry", "rz", "u1"), (1, 1)),
    "u2": (2, 1), "u3": (3, 1), "U": (3, 1), "gphase": (1, 0),
    **dict.fromkeys(("cx", "CX", "cy", "cz", "ch", "swap"), (0, 2)),
    **dict.fromkeys(("cp", "cphase", "crx", "cry", "crz"), (1, 2)),
    "cu": (4, 2), "ccx": (0, 3), "cswap": (0, 3),
}


def _qasm3_gate_misuse(text: str) -> str | None:
    """The first standard gate called with the wrong number of parameters or qubits."""
    import openqasm3
    from openqasm3 import ast

    try:
        program = openqasm3.parse(text)
    except Exception:
        return None
    defined = {s.name.name for s in program.statements
               if isinstance(s, ast.QuantumGateDefinition)}
    for node in _qasm3_nodes(program, ast.Statement):
        if isinstance(node, ast.QuantumGate) and not node.modifiers:
            name = node.name.name
            shape = _QASM3_GATES.get(name) if name not in defined else None
            if shape is not None and (len(node.arguments), len(node.qubits)) != shape:
                return (f"{_qasm3_place(node)}gate '{name}' takes {shape[0]} parameter(s) and "
                        f"{shape[1]} qubit(s), {len(node.arguments)} and {len(node.qubits)} "
                        "given")
    return None


def _qasm3_error(exc: Exception, where: str) -> CircuitError:
    """What the importer raised, said in one line with the place where it can be found."""
    import qiskit.qasm3 as qasm3

    if isinstance(exc, qasm3.QASM3ImporterError):
        message = str(exc).strip().strip("'\"")
        found = re.match(r"(\d+),(\d+):\s*(.*)", message, re.DOTALL)
        if found:
            line, column, rest = found.groups()
            return CircuitError(f"{where}: line {line}, column {int(column) + 1}: {rest}")
        return CircuitError(f"{where}: {message}")
    # openqasm3's parser raises a bare error whose cause carries "L<line>:C<col>: ...".
    chain: BaseException | None = exc
    while chain is not None:
        found = re.match(r"L(\d+):C(\d+):\s*(.*)", str(chain), re.DOTALL)
        if found:
            line, column, rest = found.groups()
            return CircuitError(f"{where}: line {line}, column {int(column) + 1}: {rest}")
        # ANTLR's bail-out strategy wraps the error; its token knows the place.
        token = getattr(chain.args[0], "offendingToken", None) if chain.args else None
        if token is not None and getattr(token, "line", None) is not None:
            return CircuitError(f"{where}: line {token.line}, column {token.column + 1}: "
                                f"syntax error at {token.text!r}")
        chain = chain.__cause__ or chain.__context__
    # Whatever else the importer raises, it raised on this text: say so in one line.
    detail = str(exc).strip() or type(exc).__name__
    return CircuitError(f"{where}: cannot import this OpenQASM 3 circuit: {detail}")


def from_qiskit(circuit: QuantumCircuit, *, name: str | None = None) -> Circuit:
    """Convert a ``QuantumCircuit``: custom gates unrolled, ``if`` blocks flattened."""
    from qiskit import transpile

    if circuit.parameters:
        names = ", ".join(sorted(p.name for p in circuit.parameters))
        raise CircuitError(f"circuit has unbound parameters ({names}); assign values first")
    if circuit.num_qubits == 0:
        raise CircuitError(_NO_QUBITS.format(where=f"circuit {name or circuit.name!r}"))
    if _needs_unrolling(circuit):
        try:
            circuit = transpile(circuit, basis_gates=[*VOCABULARY, "measure", "reset", "if_else"],
                                optimization_level=0)
        except Exception as exc:
            raise CircuitError(f"cannot unroll the circuit into standard gates: {exc}") from None
    gates: list[Gate] = []
    _convert(circuit, circuit, gates, condition=None)
    return Circuit(circuit.num_qubits, circuit.num_clbits, tuple(gates),
                   name=name or circuit.name or "circuit")


def _needs_unrolling(circuit: QuantumCircuit) -> bool:
    needed = False
    for instruction in circuit.data:
        operation = instruction.operation
        if operation.name == "if_else":
            needed = any(_needs_unrolling(block) for block in operation.blocks) or needed
        elif operation.name in _CONTROL_FLOW:
            continue
        elif operation.name not in VOCABULARY and operation.name not in NON_UNITARY:
            if operation.name != "delay" and _undefined(operation):
                raise CircuitError(f"gate {operation.name!r} has no definition in standard "
                                   "gates, so no platform can run it; define it in the circuit")
            needed = True
    return needed


def _undefined(operation: Any) -> bool:
    if getattr(operation, "definition", None) is not None:
        return False
    try:
        operation.to_matrix()
    except Exception:
        return True
    return False


def _convert(top: QuantumCircuit, circuit: QuantumCircuit, gates: list[Gate],
             condition: Condition | None, qubit_map: list[int] | None = None,
             clbit_map: list[int] | None = None) -> None:
    def qubit(q: Any) -> int:
        index = circuit.find_bit(q).index
        return qubit_map[index] if qubit_map is not None else index

    def clbit(c: Any) -> int:
        index = circuit.find_bit(c).index
        return clbit_map[index] if clbit_map is not None else index

    for instruction in circuit.data:
        operation = instruction.operation
        opname = operation.name
        qubits = tuple(qubit(q) for q in instruction.qubits)
        clbits = tuple(clbit(c) for c in instruction.clbits)
        if opname == "if_else":
            if condition is not None:
                raise CircuitError("nested classical conditions are not supported; "
                                   "combine them into one condition")
            cond = _condition(operation.condition, circuit, clbit)
            true_body, false_body = operation.blocks[0], (
                operation.blocks[1] if len(operation.blocks) > 1 else None)
            for body, branch in ((true_body, cond),
                                 (false_body, Condition(cond.bits, cond.value,
                                                        equal=not cond.equal))):
                if body is None:
                    continue
                start = len(gates)
                _convert(top, body, gates, branch, list(qubits), list(clbits))
                # Flattening tests the condition gate by gate, so the block must not
                # change the bits it is conditioned on.
                written = {b for gate in gates[start:] for b in gate.clbits}
                if written & set(cond.bits):
                    raise CircuitError("a measurement inside an if/else block writes a bit of "
                                       "the block's own condition; measure into another bit")
            continue
        if opname in _CONTROL_FLOW:
            raise CircuitError(f"control flow {opname!r} is not supported (only if/else "
                               "blocks of gates are); unroll loops before compiling")
        if opname == "barrier":
            continue
        if opname == "delay":
            continue
        if opname not in VOCABULARY and opname not in NON_UNITARY:
            raise CircuitError(f"gate {opname!r} has no definition in standard gates, so no "
                               "platform can run it; define it in the circuit")
        params: tuple[float, ...] = ()
        if operation.params:
            try:
                params = tuple(float(p) for p in operation.params)
            except TypeError:
                raise CircuitError(f"gate {opname!r} has a non-numeric parameter "
                                   f"{operation.params!r}") from None
            if not all(math.isfinite(p) for p in params):
                raise CircuitError(f"gate {opname!r} has a parameter that is not a finite "
                                   f"number {params!r}; angles must be finite")
        if opname == "measure" and len(clbits) != 1:
            raise CircuitError("measure needs one classical bit per qubit")
        gates.append(Gate(opname, qubits, params, clbits, condition))


def _condition(raw: Any, circuit: QuantumCircuit, clbit: Any) -> Condition:
    from qiskit.circuit import ClassicalRegister, Clbit

    if isinstance(raw, tuple) and len(raw) == 2:
        target, value = raw
        if isinstance(target, Clbit):
            return Condition((clbit(target),), int(value))
        if isinstance(target, ClassicalRegister):
            return Condition(tuple(clbit(b) for b in target), int(value))
    # Qiskit's classical expressions: accept a bare bit/register or `x == value`.
    from qiskit.circuit.classical import expr

    if isinstance(raw, expr.Var) and isinstance(raw.var, Clbit):
        return Condition((clbit(raw.var),), 1)
    if isinstance(raw, expr.Binary) and raw.op in (expr.Binary.Op.EQUAL,
                                                   expr.Binary.Op.NOT_EQUAL):
        left, right = raw.left, raw.right
        if isinstance(left, expr.Value):
            left, right = right, left
        while isinstance(left, expr.Cast):
            left = left.operand
        if isinstance(left, expr.Var) and isinstance(right, expr.Value):
            var = left.var
            bits = ((clbit(var),) if isinstance(var, Clbit)
                    else tuple(clbit(b) for b in var) if isinstance(var, ClassicalRegister)
                    else None)
            if bits is not None:
                return Condition(bits, int(right.value),
                                 equal=raw.op == expr.Binary.Op.EQUAL)
    raise CircuitError(f"classical condition {raw} is not supported; use a bit or a "
                       "register compared with an integer")
