"""Loading TensorFlow (configured for reproducible runs) and the user's module and functions."""

from __future__ import annotations

import ast
import contextlib
import importlib
import importlib.abc
import importlib.util
import inspect
import os
import sys
import warnings
from typing import Any, Callable, Dict, List, Tuple

from . import dimensions, moved, standins
from .clock import fix_the_clock
from .devices import counts_gpus, run_on_this_machine
from .dimensions import unset_dimension
from .layouts import channels_last_on_cpu
from .network import guard_network
from .python2 import NOTE as PYTHON2_NOTE
from .python2 import builtins_of_python2
from .scopes import (
    ARGUMENT_NOTES,
    FAILED_DEFINITIONS,
    ScopeError,
    argument_notes,
    bind_guessed_globals,
    define_flags,
    run_definitions,
)


def import_tensorflow() -> Any:
    """TensorFlow (1.15 or 2.x), configured for reproducible single-threaded CPU runs."""
    warnings.simplefilter("ignore")
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    config = tf.config
    hide = getattr(config, "set_visible_devices", None) or config.experimental.set_visible_devices
    with contextlib.suppress(RuntimeError, ValueError):
        hide([], "GPU")
    # TensorFlow 1.15 has no switch: the worker's environment sets TF_DETERMINISTIC_OPS.
    determinism = getattr(config.experimental, "enable_op_determinism", None)
    if determinism is not None:
        determinism()
    config.threading.set_inter_op_parallelism_threads(1)
    config.threading.set_intra_op_parallelism_threads(1)
    run_on_this_machine(tf)
    fix_the_clock(tf)
    channels_last_on_cpu(tf)
    if getattr(tf, "estimator", None) is None:
        raise RuntimeError(
            f"TensorFlow {tf.__version__} has no tf.estimator (removed in 2.16); "
            'use an interpreter with tensorflow<2.16: pip install "estimator-fix[validate]"'
        )
    # Resolve the lazily loaded modules model_fns use (Keras-style layers, TPU, feature columns
    # and, in TensorFlow 1.x, contrib) now: in the fork server that is done once instead of in
    # every worker. Importing starts no threads, so forking stays safe.
    lazy = ["compat.v1.layers", "keras.layers", "compat.v1.estimator.tpu", "feature_column"]
    if tf.__version__.startswith("1."):
        lazy.append("contrib")
    for name in lazy:
        with contextlib.suppress(AttributeError, ImportError):
            dir(resolve(tf, name))
    return tf


class _Aliases:
    """A finder for the packages the code imports its repository by under another name than
    the checkout's directory (``layout.package_aliases``): each a package whose submodules are
    the repository's files."""

    def __init__(self, aliases: Dict[str, str]) -> None:
        self.aliases = aliases

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        import importlib.machinery

        directory = self.aliases.get(fullname)
        if directory is None:
            return None
        spec = importlib.machinery.ModuleSpec(fullname, None, is_package=True)
        spec.submodule_search_locations = [directory]  # a namespace package's
        return spec


def load_module(spec: Dict[str, Any]) -> Tuple[Any, ast.Module, List[str]]:
    """Run the version's source as a module presented at ``as_file``, as its repository would
    import it (package-aware, its directories importable), without its top-level work (see
    ``scopes.run_definitions``); then parse its absl / tf.app FLAGS. Returns the module, its
    syntax tree and notes."""
    import types

    for entry in reversed(spec["sys_path"]):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    if spec.get("aliases"):
        sys.meta_path.insert(0, _Aliases(spec["aliases"]))
    name = spec["module_name"]
    taken = name in sys.modules or name in getattr(sys, "stdlib_module_names", ())
    if "." not in name and taken:
        name = "estimator_fix_validated_module"  # never shadow an imported or stdlib module
    module = types.ModuleType(name)
    module.__file__ = spec["as_file"]
    module.__package__ = name.rpartition(".")[0]
    notes: List[str] = []
    if spec.get("python2"):
        module.__dict__.update(builtins_of_python2())
        notes.append(PYTHON2_NOTE)
    sys.argv = [spec["as_file"]]  # argparse and absl see a command line with no arguments
    relax_argparse()
    keep_unchecked_defaults()
    guard_network()
    notes += standins.install(spec.get("stand_ins") or [], spec["sys_path"])
    moved.install()
    with open(spec["source"], "rb") as handle:
        tree = ast.parse(handle.read(), spec["as_file"])
    notes += yield_absl_flags(tree)
    notes += _run_in_its_package(
        name, module, lambda: run_definitions(tree, spec["as_file"], module.__dict__)
    )
    notes += define_flags(tree, spec["as_file"], module.__dict__)
    notes += bind_guessed_globals(module.__dict__, spec.get("module_globals") or {})
    notes += argument_notes() + kept_defaults_notes() + parse_flags(spec.get("flags") or [])
    notes += standins.partial_notes() + moved.notes()
    standins.arm()
    return module, tree, notes


class _Serving(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """A finder serving the module validated, by its name, to its package: the package's
    ``__init__`` importing it (``from .resnet import ResNet18Model``) runs the version's
    definitions then, as Python runs a module its package imports."""

    def __init__(self, name: str, module: Any, run: Callable[[], List[str]]) -> None:
        self.name, self.module, self.run = name, module, run
        self.notes: List[str] | None = None
        self.error: BaseException | None = None

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: Any) -> Any:
        return self.module

    def exec_module(self, module: Any) -> None:
        try:
            self.notes = self.run()
        except BaseException as exc:
            self.error = exc
            raise


def _run_in_its_package(name: str, module: Any, run: Callable[[], List[str]]) -> List[str]:
    """Run the module's definitions (``run``) as Python would import it: its package first,
    whose ``__init__`` may import it (then it runs there, once); else on its own, after the
    package. A package that fails without it leaves the module to run as before."""
    package = name.rpartition(".")[0]
    if package and package not in sys.modules:
        serving = _Serving(name, module, run)
        sys.meta_path.insert(0, serving)
        try:
            importlib.import_module(package)
        except Exception:
            if serving.error is not None:
                raise serving.error from None  # the module's own failure, not its package's
        finally:
            sys.meta_path.remove(serving)
        if serving.notes is not None:
            return serving.notes
    sys.modules[name] = module
    return run()


def relax_argparse() -> None:
    """argparse without required arguments: parsed from an empty command line, a required
    argument with no default is None (as absl leaves a required flag), or where its type or
    choices say what it holds, a placeholder (the first choice, 4 for an int, 0.01 for a float,
    noted in ``scopes.ARGUMENT_NOTES``), so a script's parser still gives its defaults; a
    dimension left at 0 gets a small size (see ``dimensions``)."""
    import argparse

    if getattr(argparse.ArgumentParser, "_estimator_fix_relaxed", False):
        return
    parse = argparse.ArgumentParser.parse_known_args

    def parse_known_args(self: Any, args: Any = None, namespace: Any = None) -> Any:
        for action in self._actions:
            if action.required and action.default is None:
                action.default = _placeholder(action)
                if action.default is not None:
                    ARGUMENT_NOTES.append(
                        "required argument {} given {!r} (a placeholder)".format(
                            "/".join(action.option_strings) or action.dest, action.default
                        )
                    )
            action.required = False
            if unset_dimension(action.dest, action.default):
                action.default = dimensions.SIZE
                ARGUMENT_NOTES.append(
                    f"argument {action.dest} given {dimensions.SIZE}: a dimension left at 0 by "
                    "default"
                )
            if counts_gpus(action.dest, action.default):
                action.default = 0
                ARGUMENT_NOTES.append(f"argument {action.dest} given 0: validation runs on CPU")
        return parse(self, args, namespace)

    argparse.ArgumentParser.parse_known_args = parse_known_args  # type: ignore[method-assign]
    argparse.ArgumentParser._estimator_fix_relaxed = True  # type: ignore[attr-defined]


#: A placeholder by the type a required argument converts to.
_PLACEHOLDERS = {int: 4, float: 0.01}


def _placeholder(action: Any) -> Any:
    if action.choices:
        return list(action.choices)[0]
    return _PLACEHOLDERS.get(action.type)


def yield_absl_flags(tree: ast.Module) -> List[str]:
    """Flags absl's own modules define (``log_dir``, from absl's logging, which TensorFlow
    imports) that the module's code defines too (``DEFINE_string("log_dir", ...)``, written when
    ``tf.app.flags`` was not absl's): absl's are taken away, so the module's definitions stand,
    as they did where it was written, instead of failing as defined twice."""
    absl_flags = sys.modules.get("absl.flags")
    if absl_flags is None:
        return []
    flags = absl_flags.FLAGS
    defined = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, (ast.Attribute, ast.Name))):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
        first = node.args[0] if node.args else None
        # Python 3.7 parses string literals as ast.Str (.s), later versions as ast.Constant
        text = getattr(first, "value", getattr(first, "s", None))
        if name.startswith("DEFINE") and isinstance(text, str):
            defined.add(text)
    taken = []
    for name in sorted(n for n in defined if n in flags):
        owner = flags.find_module_defining_flag(name) or ""
        if owner.startswith("absl."):
            delattr(flags, name)
            taken.append(name)
    if not taken:
        return []
    return [f"absl's flag(s) {', '.join(taken)} left to the module's own definitions"]


#: Flags whose default absl refused for its type and that keep it as the code gives it.
KEPT_DEFAULTS: List[str] = []


def keep_unchecked_defaults() -> None:
    """``tf.app.flags`` before TensorFlow 1.5 was argparse, which keeps a default as the code
    gives it: ``DEFINE_string("term", 5, ...)`` held the int 5, and the code compares it with
    ints. absl refuses such a default at definition ("flag value must be a string"); here a
    default that is not a string and that absl refuses for the flag's type is kept as given,
    as where the code was written (``KEPT_DEFAULTS``, noted). A string absl cannot parse still
    fails, as it would from a command line."""
    # absl comes with TensorFlow, which imported it (the worker imports no other package)
    flag_module = sys.modules.get("absl.flags._flag")
    refused = getattr(sys.modules.get("absl.flags._exceptions"), "IllegalFlagValueError", None)
    if flag_module is None or refused is None:
        return
    parse = getattr(flag_module.Flag, "_parse_from_default", None)
    if parse is None or getattr(parse, "_estimator_fix_kept", False):
        return

    def _parse_from_default(self: Any, value: Any) -> Any:
        try:
            return parse(self, value)
        except refused:
            if isinstance(value, str):
                raise
            KEPT_DEFAULTS.append(f"{self.name}={value!r}")
            return value

    _parse_from_default._estimator_fix_kept = True  # type: ignore[attr-defined]
    flag_module.Flag._parse_from_default = _parse_from_default


def kept_defaults_notes() -> List[str]:
    if not KEPT_DEFAULTS:
        return []
    return [
        f"flag default(s) {', '.join(KEPT_DEFAULTS)} kept as the code gives them (not of the "
        "flag's type: tf.app.flags before TensorFlow 1.5 kept them so)"
    ]


def parse_flags(arguments: List[str]) -> List[str]:
    """Parse absl FLAGS (also behind ``tf.app.flags``/``tf.flags``) at their defaults, with the
    configured ``--name=value`` overrides; required flags left unset are noted, not fatal, and
    dimensions left at 0 get a small size (see ``dimensions``)."""
    absl_flags = sys.modules.get("absl.flags")
    if absl_flags is None or absl_flags.FLAGS.is_parsed():
        return []
    flags = absl_flags.FLAGS
    notes = []
    given = {argument.lstrip("-").split("=")[0] for argument in arguments}
    if "use_tpu" in flags and not {"use_tpu", "nouse_tpu"} & given:
        arguments = list(arguments) + ["--nouse_tpu"]  # on CPU, as TPUEstimator(use_tpu=False)
        notes.append("FLAGS.use_tpu set to False: the model runs on CPU")
    try:
        flags(["estimator-fix"] + list(arguments), known_only=True)
    except absl_flags.Error as exc:
        flags.mark_as_parsed()
        notes.append("FLAGS at their defaults; " + str(exc).splitlines()[0])
    gpus = [n for n in sorted(flags) if n not in given and counts_gpus(n, flags[n].value)]
    for name in gpus:
        flags[name].value = 0
    if gpus:
        notes.append(f"FLAGS {', '.join(gpus)} set to 0: validation runs on CPU")
    unset = [n for n in sorted(flags) if n not in given and unset_dimension(n, flags[n].value)]
    for name in unset:
        flags[name].value = dimensions.SIZE
    if unset:
        notes.append(
            f"FLAGS {', '.join(unset)} set to {dimensions.SIZE}: dimensions left at 0 by "
            "default (give real values as flags in [tool.estimator-fix.validate])"
        )
    return notes


def resolve(module: Any, dotted: str) -> Any:
    value = module
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


def load_function(module: Any, ref: Dict[str, Any]) -> Any:
    """A function named in the module itself, or ``MODULE:FN`` (a dotted module or a .py path)."""
    source = ref.get("module")
    if not source:
        return _defined(module, ref["name"])
    if source.endswith(".py") or os.sep in source:
        path = os.path.abspath(source)
        name = "estimator_fix_input_" + os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {source}")
        other = importlib.util.module_from_spec(spec)
        sys.modules[name] = other
        spec.loader.exec_module(other)
    else:
        other = importlib.import_module(source)
    return resolve(other, ref["name"])


def _defined(module: Any, dotted: str) -> Any:
    """``dotted`` in ``module``; where the statement that defines it failed when the module was
    loaded, a ScopeError saying so (``train_input_fn = make(read_csv(URL))`` without network)."""
    try:
        return resolve(module, dotted)
    except AttributeError:
        failed = getattr(module, FAILED_DEFINITIONS, {}).get(dotted.split(".")[0])
        if failed is None:
            raise
        raise ScopeError(f"{dotted} is not defined: {failed}") from None


#: What an Estimator hands an input function, by parameter name, where it takes them.
ESTIMATOR_GIVES = ("params", "mode", "config", "input_context")


def unfilled_parameters(fn: Any) -> List[str]:
    """The parameters of input function ``fn`` an Estimator's call leaves without a value."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # a builtin or a callable object: nothing to tell
        return []
    return [
        parameter.name
        for parameter in signature.parameters.values()
        if parameter.default is inspect.Parameter.empty
        and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
        and parameter.name not in ESTIMATOR_GIVES
    ]


#: What an Estimator hands a model_fn by name (``targets``/``target``: tf.contrib.learn's
#: spellings of the labels).
MODEL_FN_GIVES = ("features", "labels", "targets", "target", "mode", "params", "config")
LABEL_NAMES = ("labels", "targets", "target")


def positional_labels(names: List[str] | None) -> str | None:
    """The parameter that takes the labels by position: tf.contrib.learn calls
    ``model_fn(features, labels, **kwargs)``, so a model function whose second parameter has no
    name an Estimator gives (``_``, ``unused_labels``, ``y``) and none that spells the labels gets
    them there; None for any other signature."""
    if not names or len(names) < 2 or set(LABEL_NAMES) & set(names):
        return None
    return None if names[1] in MODEL_FN_GIVES else names[1]


def parameter_names(fn: Any) -> List[str] | None:
    """The names ``fn`` accepts, or None when it takes ``**kwargs``."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    names = []
    for parameter in signature.parameters.values():
        if parameter.kind == parameter.VAR_KEYWORD:
            return None
        names.append(parameter.name)
    return names
