"""Running only the definitions of user code: a module without its top-level work, and what a
function's body binds for one expression (a model_fn built by a builder, defined in ``main()``,
a method of an instance, a ``functools.partial``; an input function; params).

A module whose top level only defines things (imports, functions, classes, assignments, flag
definitions, ``if __name__ == "__main__":``) runs as it is. Otherwise, as for a notebook or a
script that trains at import, only its defining statements run, one by one; a failing assignment
is noted and skipped. In a function's body, the statements that bind the names an expression
needs (and, transitively, the names those need) run in order in a namespace over the module's.
Python 3.7 compatible: this runs under TensorFlow 1.15's interpreter too.
"""

from __future__ import annotations

import ast
import builtins
import copy
import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

from .inferred import VALUE, AttributeParams
from .standins import StandInUsed

_SIMPLE = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_ASSIGNMENTS = (ast.Assign, ast.AnnAssign, ast.AugAssign)
#: Calls that only configure: flag definitions, logging levels, warnings, sys.path, TF behaviour.
_CONFIGURING = (
    "DEFINE",
    "declare_key_flag",
    "mark_flag_as_required",
    "mark_flags_as_required",
    "set_verbosity",
    "filterwarnings",
    "simplefilter",
    "disable_v2_behavior",
    "disable_eager_execution",
    "enable_eager_execution",
    "enable_v2_behavior",
    "append",
    "insert",
    "setLevel",
    "basicConfig",
    "use",
    # an argparse parser built at module level (``parser.add_argument(...)``, then ``args =
    # parser.parse_args()``, an assignment, which the relaxed argparse answers with defaults)
    "add_argument",
    "set_defaults",
)


#: Placeholders the relaxed argparse gave required arguments (``loading.relax_argparse``).
ARGUMENT_NOTES: List[str] = []
#: The module attribute mapping each name whose defining statement failed to why.
FAILED_DEFINITIONS = "__estimator_fix_failed__"
#: The module attribute holding the names a statement computing with a stand-in failed to bind.
DECIDED_BY_STAND_INS = "__estimator_fix_stand_in_names__"


def argument_notes() -> List[str]:
    """The placeholder notes gathered since the last call (see ``ARGUMENT_NOTES``)."""
    taken = list(ARGUMENT_NOTES)
    del ARGUMENT_NOTES[:]
    return taken


class ScopeError(Exception):
    """What a model_fn, input function or params expression needs cannot be built; one line."""


def _call_name(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def is_main_guard(node: ast.If) -> bool:
    test = node.test
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
    )


def defining(statement: ast.stmt) -> bool:
    """Whether running ``statement`` at module level only defines or configures things."""
    if isinstance(statement, _SIMPLE + _ASSIGNMENTS):
        return True
    if isinstance(statement, (ast.Pass, ast.Global, ast.Nonlocal)):
        return True
    if isinstance(statement, ast.Expr):
        value = statement.value
        if _is_docstring(statement):
            return True
        name = _call_name(value) if isinstance(value, ast.Call) else ""
        return any(name.startswith(prefix) for prefix in _CONFIGURING)
    if isinstance(statement, ast.If):
        if is_main_guard(statement):
            return False
        return all(defining(s) for s in statement.body + statement.orelse)
    if isinstance(statement, ast.Try):
        inner = statement.body + statement.orelse + statement.finalbody
        inner += [s for handler in statement.handlers for s in handler.body]
        return all(defining(s) for s in inner)
    if isinstance(statement, ast.For):
        # a loop that builds values (``for name in COLUMNS: columns.append(numeric_column(
        # name))``) over what is already there: iterating calls nothing of the code's own
        body = statement.body + statement.orelse
        return _plain_iterable(statement.iter) and all(defining(s) for s in body)
    return False


#: Calls a loop may iterate over and still only build values: the builtins that count, pair or
#: order what is there, and a mapping's views.
_ITERATING = {"range", "len", "enumerate", "zip", "sorted", "reversed", "list", "tuple"}
_ITERATING |= {"items", "keys", "values"}


def _plain_iterable(node: ast.expr) -> bool:
    """Whether iterating ``node`` only walks values already made (names, literals, the calls of
    ``_ITERATING``), not a reader of files or a generator the code defines."""
    return all(
        _call_name(call) in _ITERATING for call in ast.walk(node) if isinstance(call, ast.Call)
    )


def _module_node(body: List[ast.stmt]) -> ast.Module:
    module = ast.Module(body=body, type_ignores=[])  # type_ignores: a field from Python 3.8 on
    return module


def run_definitions(tree: ast.Module, filename: str, namespace: Dict[str, Any]) -> List[str]:
    """Run ``tree`` in ``namespace``: whole when it only defines things, else only its defining
    statements (the rest is skipped, a failing assignment noted). Returns notes."""
    top = tree.body
    if all(defining(s) or (isinstance(s, ast.If) and is_main_guard(s)) for s in top):
        try:
            exec(compile(tree, filename, "exec", dont_inherit=True), namespace)
        except StandInUsed as exc:
            # a definition that computes with a missing module's value: noted as where the
            # module does work, and its later definitions run statement by statement (other
            # failures stand: "module 'tensorflow' has no attribute 'layers'" says the code
            # needs the other TensorFlow)
            index = _statement_at(top, _module_line(exc, filename))
            if index is None or isinstance(top[index], (ast.Import, ast.ImportFrom)):
                raise
            notes: List[str] = []
            _failed(top[index], exc, namespace, notes)
            notes += _run_each(top[index + 1 :], filename, namespace)
            return notes + _define_in_blocks(tree, filename, namespace)
        return _define_in_blocks(tree, filename, namespace)
    notes = []
    skipped = [s for s in top if not defining(s) and not _is_docstring(s)]
    if skipped:
        notes.append(
            f"the module does work at import ({len(skipped)} top-level statements): "
            "only its definitions were run"
        )
    notes += _run_each(top, filename, namespace)
    return notes + _define_in_blocks(tree, filename, namespace)


def _run_each(
    statements: List[ast.stmt], filename: str, namespace: Dict[str, Any]
) -> List[str]:
    """Run the defining ``statements`` one by one; a failure is noted and the rest run."""
    notes: List[str] = []
    for statement in statements:
        if not defining(statement):
            continue
        try:
            exec(compile(_module_node([statement]), filename, "exec", dont_inherit=True), namespace)
        except StandInUsed as exc:
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                raise
            # an assignment computing with a missing module's value (``file =
            # netCDF4.Dataset(path)`` then ``x = file["x"]``): what it binds is not defined,
            # as for any other failure, as a repository module would be loaded in part
            _failed(statement, exc, namespace, notes)
        except (ImportError, SyntaxError):
            raise  # the module cannot work without it
        except Exception as exc:  # user code: a definition that cannot run is noted
            _failed(statement, exc, namespace, notes)
    return notes


def _module_line(exc: BaseException, filename: str) -> Optional[int]:
    """The line of the module's own top level that was running when ``exc`` was raised (not a
    line of a function it called)."""
    trace = exc.__traceback__
    while trace is not None:
        code = trace.tb_frame.f_code
        if code.co_filename == filename and code.co_name == "<module>":
            return trace.tb_lineno
        trace = trace.tb_next
    return None


def _statement_at(statements: List[ast.stmt], line: Optional[int]) -> Optional[int]:
    """The index of the statement of ``statements`` (in order) that spans ``line``: the last to
    start at or before it (Python 3.7's syntax trees say where statements start, not end)."""
    found = None
    for index, statement in enumerate(statements):
        if line is not None and statement.lineno <= line:
            found = index
    return found


def _failed(
    statement: ast.stmt, exc: BaseException, namespace: Dict[str, Any], notes: List[str]
) -> None:
    """Note that ``statement`` did not run, and why, for each name it would have bound."""
    why = f"line {statement.lineno} did not run: {_one_line(exc)}"
    notes.append(why)
    unbound = [name for name in stored_names(statement) if name not in namespace]
    namespace.setdefault(FAILED_DEFINITIONS, {}).update((name, why) for name in unbound)
    if isinstance(exc, StandInUsed):  # a missing package's value decides them: no guess
        namespace.setdefault(DECIDED_BY_STAND_INS, set()).update(unbound)


def stored_names(
    statement: ast.stmt, skip: Optional[Callable[[ast.stmt], bool]] = None
) -> Set[str]:
    """The names ``statement`` binds, in its blocks too (``if LOG.backend == "tf": SCALE =
    1.0``), not inside the functions or classes it defines; none of the statements ``skip``
    says to pass over, at any depth."""
    if skip is not None and skip(statement):
        return set()
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    names = _bound(statement)
    for field in ("body", "orelse", "finalbody"):
        for inner in getattr(statement, field, None) or []:
            names |= stored_names(inner, skip)
    for handler in getattr(statement, "handlers", None) or []:
        for inner in handler.body:
            names |= stored_names(inner, skip)
    targets = [item.optional_vars for item in getattr(statement, "items", None) or []]
    if isinstance(statement, (ast.For, ast.AsyncFor)):
        targets.append(statement.target)
    for target in targets:  # ``with ... as name``, ``for name in ...``
        names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)} if target else set()
    return names


def bind_guessed_globals(namespace: Dict[str, Any], guesses: Dict[str, Any]) -> List[str]:
    """Bind each global the module's work would have bound but left unbound here (a statement
    not run, or one that failed on a file not in the tree) to the value the plan guessed from
    its functions' reads (``inference.module_globals``); guesses that only the program can make
    (feature columns, constants of the module) are left out, and so are names a statement
    computing with a stand-in left unbound (a missing package's value decides them: the run
    must not prove anything on a guess of it). Returns notes."""
    decided = namespace.get(DECIDED_BY_STAND_INS) or set()
    plain = {
        name: values
        for name, values in guesses.items()
        if name not in namespace
        and name not in decided  # what a missing package decides, no guess can say
        and not any(_marked(v) for v in values.values())
    }
    if not plain:
        return []
    notes: List[str] = []
    found = _inferred_arguments(sorted(plain), plain, "module", notes.append, kind="global")
    namespace.update(found)
    failed = namespace.get(FAILED_DEFINITIONS) or {}
    for name in found:
        failed.pop(name, None)
    return notes


def _marked(value: Any) -> bool:
    """A guess marked for the program to make (``{"\x00feature_columns": 2}``)."""
    return isinstance(value, dict) and any(str(k).startswith("\x00") for k in value)


def define_flags(tree: ast.Module, filename: str, namespace: Dict[str, Any]) -> List[str]:
    """Run the calls of the module's main block that define its flags (``define_cifar_flags()``,
    ``flags_core.define_base()``: a statement that only calls a function named ``define...``),
    as a run of the script would before parsing them; what fails is noted."""
    notes = []
    for guard in tree.body:
        if not (isinstance(guard, ast.If) and is_main_guard(guard)):
            continue
        for statement in guard.body:
            call = statement.value if isinstance(statement, ast.Expr) else None
            if not isinstance(call, ast.Call) or not _called(call).lower().startswith("define"):
                continue
            try:
                code = compile(_module_node([statement]), filename, "exec", dont_inherit=True)
                exec(code, namespace)
            except Exception as exc:  # user code
                notes.append(f"line {statement.lineno} (flags) did not run: {_one_line(exc)}")
                continue
            notes.append(f"flags defined as the main block does: line {statement.lineno}")
    return notes


def _called(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _define_in_blocks(tree: ast.Module, filename: str, namespace: Dict[str, Any]) -> List[str]:
    """Define the functions and classes of blocks that did not run (a model_fn defined under
    ``if __name__ == "__main__":`` or in a branch a flag picks), so they can be validated; only
    the ``def`` runs, not the block around it."""
    defined = []
    for statement in _statements(tree.body):
        kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        if statement in tree.body or not isinstance(statement, kinds):
            continue
        if statement.name in namespace:
            continue
        try:
            exec(compile(_module_node([statement]), filename, "exec", dont_inherit=True), namespace)
        except Exception:  # user code: a decorator or default that needs the block
            continue
        defined.append(f"{statement.name} (line {statement.lineno})")
    if not defined:
        return []
    return ["defined from blocks that did not run: " + ", ".join(defined)]


def _is_docstring(statement: ast.stmt) -> bool:
    # Python 3.7 parses string literals as ast.Str, later versions as ast.Constant.
    return isinstance(statement, ast.Expr) and type(statement.value).__name__ in ("Constant", "Str")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


# -- one function's body ----------------------------------------------------------------------


def find_definition(tree: ast.Module, path: Sequence[str]) -> Optional[ast.AST]:
    """The function or class at ``path`` (names from the module down), in any block."""
    node: ast.AST = tree
    for name in path:
        found = None
        for child in _statements(getattr(node, "body", [])):
            kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
            if isinstance(child, kinds) and child.name == name:
                found = child
        if found is None:
            return None
        node = found
    return node


def _statements(body: List[ast.stmt]) -> List[ast.stmt]:
    """``body`` and the statements of its if/try/with blocks (not of nested functions); a
    ``with open(path) as handle:`` binds ``handle`` to what it opens, as an assignment before
    its block (the slice reads the file the block reads; a context manager that is not its own
    ``__enter__`` value is rare where a job builds its objects)."""
    out: List[ast.stmt] = []
    for statement in body:
        out.append(statement)
        if isinstance(statement, ast.With):
            out.extend(_with_bindings(statement))
        for field in ("body", "orelse", "finalbody"):
            if isinstance(statement, (ast.If, ast.Try, ast.With)) and hasattr(statement, field):
                out.extend(_statements(getattr(statement, field)))
        if isinstance(statement, ast.Try):
            for handler in statement.handlers:
                out.extend(_statements(handler.body))
    return out


def _with_bindings(statement: ast.With) -> List[ast.stmt]:
    """``handle = open(path)`` for each ``open(path) as handle`` of the ``with`` statement."""
    found: List[ast.stmt] = []
    for item in statement.items:
        if item.optional_vars is None:
            continue
        target = copy.deepcopy(item.optional_vars)
        for node in ast.walk(target):
            if isinstance(node, (ast.Name, ast.Tuple, ast.List, ast.Attribute, ast.Subscript)):
                node.ctx = ast.Store()
        assign = ast.Assign(targets=[target], value=item.context_expr)
        found.append(ast.copy_location(assign, statement))
    return found


def _bound(statement: ast.stmt) -> Set[str]:
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in statement.names}
    targets: List[ast.AST] = []
    if isinstance(statement, ast.Assign):
        targets = list(statement.targets)
    elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
        targets = [statement.target]
    names = set()
    for target in targets:
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                names.add(node.id)
    return names


def _loaded(node: ast.AST) -> Set[str]:
    """The names ``node`` reads from the scope it runs in: of a function it defines, those its
    definition evaluates (decorators, defaults) and those its body reads but does not bind
    itself (a method's local ``epochs`` is not the module's ``epochs``)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        arguments = node.args
        outer = list(getattr(node, "decorator_list", [])) + list(arguments.defaults)
        outer += [d for d in arguments.kw_defaults if d is not None]
        names = set().union(*[_loaded(n) for n in outer]) if outer else set()
        body = node.body if isinstance(node.body, list) else [node.body]
        inner = set().union(*[_loaded(n) for n in body])
        local = {a.arg for a in ast.walk(arguments) if isinstance(a, ast.arg)}
        for statement in body:
            for child in ast.walk(statement):
                if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                    local.add(child.id)
                elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    local.add(child.name)
        return names | (inner - local)
    if isinstance(node, ast.Name):
        return {node.id} if isinstance(node.ctx, ast.Load) else set()
    return set().union(*[_loaded(child) for child in ast.iter_child_nodes(node)])


def _receiver(statement: ast.stmt) -> str:
    """``parser`` for ``parser.add_argument(...)``: the object a method call statement changes;
    for a ``for`` loop that only makes such calls on one object (``for name in NAMES:
    parser.add_argument(...)``), that object."""
    if isinstance(statement, ast.For) and not statement.orelse:
        inner = {_receiver(s) for s in statement.body}
        return inner.pop() if len(inner) == 1 else ""
    if not isinstance(statement, ast.Expr) or not isinstance(statement.value, ast.Call):
        return ""
    node = statement.value.func
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) and node is not statement.value.func else ""


def _slice(body: List[ast.stmt], needed: Set[str]) -> List[ast.stmt]:
    """The simple statements of ``body`` (in order) that bind ``needed`` names, or call a method
    of an object the body assigns (``parser.add_argument(...)``, not ``model.train(...)`` on an
    imported module), transitively."""
    statements = _statements(body)
    assigned = set().union(*[_bound(s) for s in statements if isinstance(s, _ASSIGNMENTS)])
    candidates = [
        s
        for s in statements
        if isinstance(s, _SIMPLE + _ASSIGNMENTS) or _receiver(s) in assigned - {""}
    ]
    chosen: List[ast.stmt] = []
    wanted = set(needed)
    changed = True
    while changed:
        changed = False
        for statement in candidates:
            if statement in chosen or not ((_bound(statement) | {_receiver(statement)}) & wanted):
                continue
            chosen.append(statement)
            wanted |= _loaded(statement)
            changed = True
    return [s for s in candidates if s in chosen]


def _parameters(function: ast.AST) -> List[str]:
    args = getattr(function, "args", None)
    if args is None:
        return []
    every = list(getattr(args, "posonlyargs", [])) + list(args.args) + list(args.kwonlyargs)
    names = [a.arg for a in every]
    if args.vararg:
        names.append(args.vararg.arg)
    if args.kwarg:
        names.append(args.kwarg.arg)
    return names


def _defaults(function: ast.AST, namespace: Dict[str, Any], filename: str) -> Dict[str, Any]:
    """The parameters of ``function`` that have defaults, evaluated in ``namespace``."""
    args = function.args  # type: ignore[attr-defined]
    positional = list(getattr(args, "posonlyargs", [])) + list(args.args)
    pairs = list(zip(positional[len(positional) - len(args.defaults) :], args.defaults))
    pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
    values = {}
    for arg, default in pairs:
        try:
            values[arg.arg] = eval(
                compile(ast.Expression(body=default), filename, "eval"), namespace
            )
        except Exception:
            continue
    return values


def _from_main_block(
    module: Any, tree: ast.Module, filename: str, parameters: Set[str], notes: List[str]
) -> Dict[str, Any]:
    """Parameters a function gets from the module's main block, which binds the same names
    (``args = parser.parse_args()`` and then ``main(args)``), built as that block would: an
    argparse parser gives its defaults (see ``loading.relax_argparse``). A statement of that
    block that fails (``sc = SparkContext()``, an option whose default needs it) is left out."""
    found: Dict[str, Any] = {}
    for name in sorted(parameters):
        try:
            found[name] = _tolerantly(module, tree, filename, name, (), name, notes)
        except ScopeError:
            continue
    return {name: value for name, value in found.items() if value is not None}


def _unbind_none(namespace: Dict[str, Any], names: Sequence[str]) -> None:
    """``names`` left unbound in ``namespace`` where they are None there."""
    for name in names:
        if namespace.get(name) is None:
            namespace.pop(name, None)


def _main_block_names(tree: ast.Module) -> Set[str]:
    """The names the module's main block (``if __name__ == "__main__":``) binds."""
    found: Set[str] = set()
    for statement in tree.body:
        if isinstance(statement, ast.If) and is_main_guard(statement):
            for inner in _statements(statement.body):
                found |= _bound(inner)
    return found


def _tolerantly(
    module: Any,
    tree: ast.Module,
    filename: str,
    expression: str,
    scope: Sequence[str],
    name: str,
    notes: List[str],
) -> Any:
    """``expression`` (the value of ``name``) built as ``evaluate`` builds it at module level,
    the statements that fail here left out and listed in ``notes``. Raises ScopeError."""
    failures: List[str] = []
    try:
        value = evaluate(module, tree, filename, expression, scope, tolerant=failures)
    finally:
        notes.extend(argument_notes())
    if failures and value is not None:
        lines = ", ".join(f.split(":")[0] for f in failures)
        first = failures[0].split(": ", 1)[1]
        notes.append(
            f"{name} built as {os.path.basename(filename)} builds it, without what fails here "
            f"({lines}; first: {first})"
        )
    return value


def load_definitions(file: str, name: str) -> Any:
    """The module ``name`` at ``file``, with only its definitions run (registered as ``name``)."""
    import sys
    import types

    if name in sys.modules:
        return sys.modules[name]
    module = types.ModuleType(name)
    module.__file__ = file
    module.__package__ = name.rpartition(".")[0]
    sys.modules[name] = module
    with open(file, "rb") as handle:
        tree = ast.parse(handle.read(), file)
    run_definitions(tree, file, module.__dict__)
    module.__estimator_fix_tree__ = tree  # type: ignore[attr-defined]
    return module


def _from_caller(
    caller: Dict[str, Any], parameters: List[str], wanted: Set[str], notes: List[str]
) -> Dict[str, Any]:
    """The ``wanted`` parameters as another module's call passes them (each argument built in
    that module as its own code builds it, what fails there left out and noted; one that cannot
    be built is left out)."""
    try:
        module, tree = _job_module(caller)
    except ScopeError:
        return {}
    names = [p for p in parameters if p not in ("self", "cls")]
    pairs = list(zip(names, caller["args"])) + list(caller["keywords"].items())
    found = {}
    for name, text in pairs:
        if name not in wanted:
            continue
        for directory in _job_directories(caller):
            try:
                found[name] = _in_directory(
                    directory,
                    _tolerantly,
                    module,
                    tree,
                    caller["file"],
                    text,
                    caller["scope"],
                    name,
                    notes,
                )
                break
            except ScopeError:
                continue
    if found:
        where = ".".join(caller["scope"]) or "its module level"
        notes.append(
            f"{', '.join(found)} as {os.path.basename(caller['file'])} ({where}) passes them"
        )
    return found


def _passed(caller: Dict[str, Any], parameters: List[str]) -> Set[str]:
    """The parameters ``caller``'s call passes (by position or name)."""
    names = [p for p in parameters if p not in ("self", "cls")]
    return set(names[: len(caller["args"])]) | set(caller["keywords"])


def evaluate_elsewhere(caller: Dict[str, Any], expression: str, note: Callable[[str], None]) -> Any:
    """``expression`` as the function holding ``caller``'s call computes it in its module (the
    job's ``params=``), what fails there left out and noted, in the job's directory where it
    cannot be built where the job runs. Raises ScopeError."""
    module, tree = _job_module(caller)
    failed: Optional[ScopeError] = None
    best: Optional[Tuple[List[str], Any, List[str]]] = None
    for directory in _job_directories(caller):
        left_out: List[str] = []
        placeholders: List[str] = []
        try:
            value = _in_directory(
                directory,
                evaluate,
                module,
                tree,
                caller["file"],
                expression,
                caller["scope"],
                tolerant=left_out,
                tolerant_in_scope=True,
            )
        except ScopeError as exc:
            failed = exc
            continue
        finally:
            placeholders = argument_notes()  # what the relaxed argparse gave the job
        if best is None or len(left_out) < len(best[0]):
            best = (left_out, value, placeholders)
        if not left_out:
            break
    if best is None:
        raise failed if failed is not None else ScopeError(f"cannot build {expression!r}")
    left_out, value, placeholders = best
    for text in placeholders:
        note(text)
    if left_out:
        where = os.path.basename(caller["file"])
        failures = "; ".join(left_out)
        note(f"{expression} built as {where} builds it, without what fails here ({failures})")
    return value


def _job_module(caller: Dict[str, Any]) -> Tuple[Any, ast.Module]:
    """The module holding ``caller``'s call, with only its definitions run, and its tree (the
    directories its own imports start from importable, after all others). Raises ScopeError."""
    import sys

    top = os.path.dirname(os.path.abspath(caller["file"]))
    for _ in range(caller["module_name"].count(".")):
        top = os.path.dirname(top)
    for directory in (top, caller.get("import_root")):
        if directory and directory not in sys.path:
            sys.path.append(directory)
    try:
        module = load_definitions(caller["file"], caller["module_name"])
    except Exception as exc:  # user code
        raise ScopeError(f"loading {caller['module_name']}: {_one_line(exc)}") from None
    tree = getattr(module, "__estimator_fix_tree__", None)
    if tree is None:
        raise ScopeError(f"{caller['module_name']} was imported whole, not read")
    return module, tree


def _job_directories(caller: Dict[str, Any]) -> Tuple[Optional[str], str]:
    """Where the job's code is tried: where the job runs (None), then its own directory."""
    return None, os.path.dirname(os.path.abspath(caller["file"]))


def _in_directory(
    directory: Optional[str], build: Callable[..., Any], *args: Any, **kw: Any
) -> Any:
    """``build(*args, **kw)`` run in ``directory`` (None: where the job runs): a job script's
    relative paths (``feature_json('./features.json')``) are often its own directory's, where
    it is run from."""
    if directory is None:
        return build(*args, **kw)
    here = os.getcwd()
    try:
        os.chdir(directory)
        return build(*args, **kw)
    finally:
        os.chdir(here)


def _run_slice(
    statements: List[ast.stmt],
    namespace: Dict[str, Any],
    filename: str,
    expression: str,
    where: str,
    tolerant: Optional[List[str]] = None,
    guessed: Optional[Callable[[ast.stmt], Dict[str, Any]]] = None,
    note: Optional[Callable[[str], None]] = None,
) -> None:
    """Run ``statements``; the first failure raises ScopeError, or with ``tolerant`` (a list of
    ``line N: error`` texts) is listed there and the statement left out. A failing statement
    whose every bound name ``guessed`` gives a value for (a local guessed from the code that
    reads it) binds those values instead, noted."""
    for statement in statements:
        try:
            code = compile(_module_node([statement]), filename, "exec", dont_inherit=True)
            exec(code, namespace)
        except Exception as exc:  # user code: the first failure names what was not built
            values = guessed(statement) if guessed is not None else {}
            if values:
                namespace.update(values)
                if note is not None:
                    note(
                        f"line {statement.lineno} of {where} failed here ({_one_line(exc)}): "
                        f"{', '.join(sorted(values))} guessed instead"
                    )
                continue
            if tolerant is None:
                raise ScopeError(
                    f"building {expression!r} in {where}: line {statement.lineno} failed: "
                    + _one_line(exc)
                    + _unset_reads(statement, namespace)
                ) from None
            tolerant.append(f"line {statement.lineno}: {_one_line(exc)}")


def _unset_reads(statement: ast.stmt, namespace: Dict[str, Any]) -> str:
    """What a failed statement reads that the job leaves unset: absl / tf.app flags with no
    default (``FLAGS.bert_config_file``), said with how to give them; else ''."""
    unset = []
    for node in ast.walk(statement):
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
            continue
        owner = namespace.get(node.value.id)
        if type(owner).__name__ != "FlagValues":
            continue  # only flags: reading an attribute of anything else may run code
        try:
            value = getattr(owner, node.attr)
        except Exception:  # an undefined flag: not what this says
            continue
        name = f"{node.value.id}.{node.attr}"
        if value is None and name not in unset:
            unset.append(name)
    if not unset:
        return ""
    return (
        f" (it reads {', '.join(unset)}, which the job leaves unset: give "
        f"{'them' if len(unset) > 1 else 'it'} as flags in [tool.estimator-fix.validate])"
    )


def _inferred_arguments(
    missing: List[str],
    inferred: Dict[str, Any],
    where: str,
    note: Callable[[str], None],
    kind: str = "parameter",
) -> Dict[str, Any]:
    """The ``missing`` parameters (or locals, ``kind``) for which the plan inferred values from
    the code's own reads: one value (``num_labels``), or a mapping readable by attribute too,
    answering with the values of the keys read (``args.batch_size``,
    ``args["train_batch_size"]``)."""
    found: Dict[str, Any] = {}
    config = " as model-fn-args in [tool.estimator-fix.validate]"
    give = "; give the real value" + config if kind == "parameter" else ""
    for name in missing:
        values = inferred.get(name)
        if values is None:
            continue
        if set(values) == {VALUE}:
            found[name] = values[VALUE]
            guess = f"guessed as {values[VALUE]!r} from the code that uses it"
            note(f"{where} {kind} {name} {guess}{give}")
            continue
        found[name] = AttributeParams(values)
        listed = ", ".join(f"{key}={values[key]!r}" for key in sorted(values))
        give_all = "; give real values" + config if kind == "parameter" else ""
        note(f"{where} {kind} {name} inferred from the code that reads it ({listed}){give_all}")
    return found


def _local_guesses(
    values: Dict[str, Any], where: str, note: Callable[[str], None]
) -> Callable[[ast.stmt], Dict[str, Any]]:
    """For a statement that fails here, the values guessed (``values``) for every name it binds,
    or {} where one has none."""

    def guessed(statement: ast.stmt) -> Dict[str, Any]:
        names = sorted(_bound(statement))
        if not names or any(name not in values for name in names):
            return {}
        return _inferred_arguments(names, values, where, note, kind="local")

    return guessed


def _spared(
    missing: List[str], statements: List[ast.stmt], values: Dict[str, Any]
) -> List[str]:
    """The ``missing`` parameters read only by statements whose every bound name has a guessed
    value (``bert_config = BertConfig.from_json_file(bert_config_file)``): the statement fails
    without them and its names are guessed, so they need no value."""
    spared = []
    for name in missing:
        readers = [s for s in statements if name in _loaded(s)]
        if readers and all(_bound(s) and all(b in values for b in _bound(s)) for s in readers):
            spared.append(name)
    return spared


def _enclosing_values(
    module: Any,
    tree: ast.Module,
    filename: str,
    scope: Sequence[str],
    function: Any,
    used: Set[str],
    namespace: Dict[str, Any],
    around: Tuple[Any, Any, Any],
) -> Dict[str, Any]:
    """The names a nested function reads from the function around it (its parameters, what its
    body binds before), each built as that function would build it: ``num_gpus`` of
    ``get_experiment_fn(data_dir, num_gpus)`` read in the ``_experiment_fn`` it returns. A name
    the enclosing function cannot build is left out."""
    around_it = find_definition(tree, scope[:-1])
    if not isinstance(around_it, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return {}  # a method: the class around it binds nothing it reads
    inner = set(_parameters(function)).union(
        *[_bound(s) for s in _statements(list(function.body))]
    )
    free = sorted(n for n in used if n not in namespace and n not in inner and n not in _BUILTINS)
    callers, inferred, note = around
    found: Dict[str, Any] = {}
    for name in free:
        try:
            found[name] = evaluate(
                module, tree, filename, name, scope[:-1], None, callers, inferred, note
            )
        except Exception:  # ScopeError, or user code: the name is left out
            continue
    return found


def _module_calls(tree: ast.Module, name: str) -> List[Tuple[Tuple[str, ...], ast.Call]]:
    """The calls of the module's function ``name`` in the module itself: (the top-level function
    making it, or () for the module's own code such as its main block; the call)."""
    found = []
    for statement in tree.body:
        if isinstance(statement, ast.ClassDef):
            continue
        where: Tuple[str, ...] = ()
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            where = (statement.name,)
        for node in ast.walk(statement):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == name
                and where != (name,)
            ):
                found.append((where, node))
    return found


def _text(node: ast.expr) -> Optional[str]:
    """Source text for an argument simple enough to rebuild without the source (Python 3.7's
    ast has no unparse): a name, a dotted name, a constant, ``vars(name)``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _text(node.value)
        return f"{inner}.{node.attr}" if inner else None
    if isinstance(node, ast.Call) and _call_name(node) == "vars" and len(node.args) == 1:
        inner = _text(node.args[0])
        return f"vars({inner})" if inner and not node.keywords else None
    try:
        return repr(ast.literal_eval(node))
    except (ValueError, TypeError, SyntaxError):  # not a literal
        return None


#: How many calls deep the module's own calls are followed for a parameter's value.
_MOST_CALLS = 4
_CALLS: List[str] = []


def _from_module_calls(
    module: Any,
    tree: ast.Module,
    filename: str,
    function: Any,
    absent: Set[str],
    around: Tuple[Any, Any, Any],
) -> Dict[str, Any]:
    """Parameters of ``function`` (a module-level function) as the module's own call of it
    passes them, each argument built where that call is (its function's parameters found the
    same way, calls deep): ``get_experiment_fn(data_dir, num_gpus)`` in ``main(data_dir,
    num_gpus)``, which the main block calls as ``main(**vars(args))``. A parameter no call
    gives is left out."""
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return {}
    if len(_CALLS) >= _MOST_CALLS or function.name in _CALLS:
        return {}
    callers, inferred, note = around
    positional = [a.arg for a in getattr(function.args, "posonlyargs", []) + function.args.args]
    found: Dict[str, Any] = {}
    _CALLS.append(function.name)
    try:
        for where, call in _module_calls(tree, function.name):
            texts: Dict[str, Optional[str]] = {}
            for parameter, argument in zip(positional, call.args):
                if isinstance(argument, ast.Starred):
                    break
                texts[parameter] = _text(argument)
            splats = [_text(k.value) for k in call.keywords if k.arg is None]
            texts.update((k.arg, _text(k.value)) for k in call.keywords if k.arg is not None)
            for name in sorted(absent - set(found)):
                for text in [texts.get(name)] + [f"({t})[{name!r}]" for t in splats if t]:
                    if text is None:
                        continue
                    try:
                        found[name] = evaluate(
                            module, tree, filename, text, where, None, callers, inferred, note
                        )
                        break
                    except Exception:  # ScopeError, or user code: try the next
                        continue
    finally:
        _CALLS.pop()
    return found


_BUILTINS = frozenset(dir(builtins))


def evaluate(
    module: Any,
    tree: ast.Module,
    filename: str,
    expression: str,
    scope: Sequence[str],
    given: Optional[Dict[str, Any]] = None,
    callers: Optional[Dict[str, Any]] = None,
    inferred: Optional[Dict[str, Dict[str, Any]]] = None,
    note: Optional[Callable[[str], None]] = None,
    tolerant: Optional[List[str]] = None,
    guess: Sequence[str] = (),
    tolerant_in_scope: bool = False,
) -> Any:
    """``expression`` as the body of the function at ``scope`` would compute it (empty scope: at
    module level, where the statements the module did not run, such as those under
    ``if __name__ == "__main__":``, are sliced the same way). Parameters of that function come
    from ``given``, else what the module's main block or another module's call (``callers``, by
    function name) passes it, else their defaults, else values ``inferred`` (by dotted function
    path, then parameter) from how the function reads them, each noted with ``note``; those of
    ``guess`` that default to None take the inferred values first. With ``tolerant`` (see
    ``_run_slice``), statements that fail are listed there and left out: at module level, and in
    the function too with ``tolerant_in_scope``."""
    namespace = dict(vars(module))
    where = ".".join(scope) + "()" if scope else "the module"
    try:
        parsed = ast.parse(expression, mode="eval")
    except SyntaxError:
        raise ScopeError(f"cannot parse {expression!r}") from None
    needed = _loaded(parsed)
    if not scope:
        # Names the module left unset (absent, or None until its main block runs).
        unset = {name for name in needed if namespace.get(name) is None}
        statements = [
            s
            for s in _slice(tree.body, unset)
            if any(namespace.get(n) is None for n in _bound(s) | {_receiver(s)} - {""})
        ]
        _run_slice(statements, namespace, filename, expression, where, tolerant)
    else:
        function = find_definition(tree, scope)
        if function is None:
            raise ScopeError(f"no {where} in the module")
        defaults = _defaults(function, namespace, filename)
        namespace.update(defaults)
        _unbind_none(namespace, guess)  # the job gives them: guessed before their default
        namespace.update(given or {})
        statements = _slice(list(function.body), needed)  # type: ignore[attr-defined]
        used = needed.union(*[_loaded(s) for s in statements])
        wanted = set(_parameters(function)) & used
        skipped: List[str] = []
        # (a parameter with a default keeps it, unless the main block binds its name: a
        # module global of its name, ``import horovod as hvd``, is nothing a caller hands it)
        from_main = wanted - set(given or {}) - (set(defaults) - _main_block_names(tree))
        namespace.update(_from_main_block(module, tree, filename, from_main, skipped))
        # another module's call of the function, or of its class for ``__init__``: what it
        # passes, over the defaults too (``Model(columns=columns)`` where ``columns=None``)
        called = len(scope) == 1 or (len(scope) == 2 and scope[1] == "__init__")
        caller = (callers or {}).get(scope[0]) if called else None
        if caller:
            passed = _passed(caller, _parameters(function)) - set(given or {}) - from_main
            absent = (wanted - set(namespace)) | (wanted & passed)
            if absent:
                namespace.update(_from_caller(caller, _parameters(function), absent, skipped))
        if len(scope) == 1 and wanted - set(namespace):
            around = (callers, inferred, note)
            absent = wanted - set(namespace)
            namespace.update(_from_module_calls(module, tree, filename, function, absent, around))
        # A parameter the body binds before reading it (``args = parse(argv)``) is not needed.
        rebound = set().union(*[_bound(s) - _loaded(s) for s in statements])
        missing = sorted(p for p in wanted if p not in namespace and p not in rebound)
        values = (inferred or {}).get(".".join(scope)) or {}
        if missing and values:
            namespace.update(_inferred_arguments(missing, values, where, note or skipped.append))
            missing = [p for p in missing if p not in namespace]
            spared = _spared(missing, statements, values)
            missing = [p for p in missing if p not in spared]
        # those the job gives that nothing guessed: their default (None) stands
        namespace.update({p: defaults.get(p) for p in missing if p in guess})
        missing = [p for p in missing if p not in guess]
        if len(scope) > 1:
            around = (callers, inferred, note)
            namespace.update(
                _enclosing_values(module, tree, filename, scope, function, used, namespace, around)
            )
        if missing:
            raise ScopeError(
                f"building {expression!r} in {where} needs its parameter(s) "
                f"{', '.join(missing)}, which the file never gives literally "
                "(give model-fn-args in [tool.estimator-fix.validate])"
            )
        for text in skipped:
            if note is not None:
                note(text)
        guesses = _local_guesses(values, where, note or skipped.append)
        failing = tolerant if tolerant_in_scope else None
        _run_slice(statements, namespace, filename, expression, where, failing, guesses, note)
    return _evaluated(parsed, filename, namespace, f"{expression!r} in {where}", note)


def _evaluated(
    parsed: ast.Expression,
    filename: str,
    namespace: Dict[str, Any],
    what: str,
    note: Optional[Callable[[str], None]],
) -> Any:
    """The value of ``parsed`` in ``namespace``. Where the class it instantiates is abstract
    (the model_fn is a method of an abstract base), it is built with the first concrete
    subclass the module defines in its place, else with the class's abstract methods left
    unimplemented (a call of one then fails where the code makes it), noted."""
    code = compile(parsed, filename, "eval")
    try:
        return eval(code, namespace)
    except Exception as exc:  # user code
        error = exc
        abstract = _abstract_class(exc, parsed, namespace)
    if abstract is None:
        raise ScopeError(f"evaluating {what}: {_one_line(error)}")
    concrete = [
        c
        for c in abstract.__subclasses__()
        if not getattr(c, "__abstractmethods__", None) and c.__module__ == abstract.__module__
    ]
    missing = ", ".join(sorted(abstract.__abstractmethods__))
    if concrete:
        namespace = dict(namespace, **{abstract.__name__: concrete[0]})
        said = f"{abstract.__name__} is abstract ({missing}): built as {concrete[0].__name__}"
    else:
        abstract.__abstractmethods__ = frozenset()
        said = f"{abstract.__name__} built with its abstract method(s) {missing} unimplemented"
    try:
        value = eval(code, namespace)
    except Exception as again:  # user code
        raise ScopeError(f"evaluating {what}: {_one_line(again)}") from None
    if note is not None:
        note(said)
    return value


def _abstract_class(exc: BaseException, parsed: ast.AST, namespace: Dict[str, Any]) -> Any:
    """The class ``parsed`` instantiates that ``exc`` says is abstract, else None."""
    if not str(exc).startswith("Can't instantiate abstract class"):
        return None
    for node in ast.walk(parsed):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            value = namespace.get(node.func.id)
            if isinstance(value, type) and getattr(value, "__abstractmethods__", None):
                return value
    return None


def bind_main_block_globals(
    module: Any, tree: ast.Module, filename: str, function: Any, note: Callable[[str], None]
) -> None:
    """Globals that ``function`` (and the module's functions it calls, a few deep) reads but
    that only the module's main block binds (``FLAGS = parser.parse_args()`` under
    ``if __name__ == "__main__":``), bound on the module as that block would bind them: a
    command line with no arguments gives the parser's defaults. A model_fn built in a
    function's scope (``evaluate``) reads its globals from the copy of the module's that it
    was built in: bound there too."""
    in_main = _main_block_names(tree)
    names = vars(module)
    own = getattr(getattr(function, "func", function), "__globals__", names)
    wanted = sorted(
        name
        for name in _global_names(function, module) & in_main
        if names.get(name) is None
    )
    for name in wanted:
        try:
            value = evaluate(module, tree, filename, name, [])
        except ScopeError as exc:
            note(f"global {name}, which only the main block binds, is left unset: {exc}")
            continue
        setattr(module, name, value)
        if own is not names and own.get(name) is None:
            own[name] = value
        note(f"global {name} bound as the module's main block binds it")


def _global_names(function: Any, module: Any, depth: int = 3) -> Set[str]:
    """The names the code of ``function`` (a function, bound method or ``functools.partial``),
    its nested functions and the module's functions it names, ``depth`` calls deep, load."""
    function = getattr(function, "func", function)  # functools.partial
    code = getattr(function, "__code__", None)
    found: Set[str] = set()
    pending = [(code, 0)] if code is not None else []
    seen: Set[int] = set()
    while pending:
        code, level = pending.pop()
        if id(code) in seen:
            continue
        seen.add(id(code))
        found.update(code.co_names)
        pending += [(c, level) for c in code.co_consts if hasattr(c, "co_names")]
        if level >= depth:
            continue
        for name in code.co_names:
            value = getattr(module, name, None)
            inner = getattr(value, "__code__", None)
            if inner is not None and getattr(value, "__module__", None) == module.__name__:
                pending.append((inner, level + 1))
    return found
