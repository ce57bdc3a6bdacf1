"""Stand-ins for modules the validating interpreter lacks (validation/worker/standins.py): values
while the module loads, a failure naming the module at any use afterwards."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from estimator_fix.validation.worker import standins


@pytest.fixture
def loading() -> Iterator[None]:
    finders = list(sys.meta_path)
    yield
    sys.meta_path[:] = finders
    standins._STATE["armed"] = False
    standins._STATE["absent_here"] = standins._STATE["names"] = []
    for name in [n for n in sys.modules if n.startswith("estimator_fix_absent_")]:
        del sys.modules[name]


def test_only_modules_nothing_provides_are_stood_in_for(loading: None) -> None:
    (note,) = standins.install(["estimator_fix_absent_x", "json"])
    assert note.endswith(": estimator_fix_absent_x")
    assert importlib.import_module("json").dumps is not None  # the real one
    assert standins.install(["json"]) == []


@pytest.mark.parametrize(
    "use",
    [
        lambda v: v == 1,
        lambda v: hash(v),
        lambda v: bool(v),
        lambda v: v.attribute,
        lambda v: v(),
        lambda v: v + 1,
        lambda v: list(v),
        lambda v: v["key"],
    ],
)
def test_any_use_after_loading_fails_naming_the_module(loading: None, use: object) -> None:
    standins.install(["estimator_fix_absent_y"])
    from estimator_fix_absent_y.sub import thing  # type: ignore[import-not-found]

    value = thing(3)  # while loading: another stand-in
    registry = {value: 1}  # hashed and compared as itself
    assert registry[value] == 1
    standins.arm()
    with pytest.raises(standins.StandInUsed, match="module 'estimator_fix_absent_y'"):
        use(value)  # type: ignore[operator]


def test_the_missing_module_is_found_in_what_an_error_wraps(loading: None) -> None:
    try:
        try:
            importlib.import_module("estimator_fix_absent_z.deep")
        except ImportError as exc:
            raise RuntimeError("loading failed") from exc
    except RuntimeError as wrapped:
        assert standins.missing_module(wrapped) == "estimator_fix_absent_z"
    try:
        importlib.import_module("json.estimator_fix_absent")  # json exists: no stand-in for it
    except ImportError as exc:
        assert standins.missing_module(exc) is None


def test_unpacked_while_loading_it_gives_as_many_stand_ins(loading: None) -> None:
    standins.install(["estimator_fix_absent_u"])
    from estimator_fix_absent_u import get_home  # type: ignore[import-not-found]

    home, version = get_home(package="p")
    assert "get_home(...)[0]" in repr(home) and "get_home(...)[1]" in repr(version)
    with pytest.raises(standins.StandInUsed):
        for _ in get_home():  # a loop: how many items is not known
            pass


def test_a_class_derived_from_a_stand_in_runs_its_own_code_only(loading: None) -> None:
    """Once loading is over, an instance runs the class's own code; what the missing base would
    do is a use: its constructor given arguments, an attribute the instance lacks."""
    standins.install(["estimator_fix_absent_v"])
    import estimator_fix_absent_v  # type: ignore[import-not-found]

    class Block(estimator_fix_absent_v.nn.Module):  # type: ignore[misc,name-defined]
        def __init__(self, size: int) -> None:
            super().__init__(size)
            self.size = size

    class Mixed(estimator_fix_absent_v.base.BaseEstimator):  # type: ignore[misc,name-defined]
        def __init__(self, width: int) -> None:
            super().__init__()  # a mixin's constructor, given nothing
            self.width = width

        def doubled(self) -> int:
            return 2 * self.width

    assert Block(3).size == 3  # while loading (a module-level instance)
    standins.arm()
    with pytest.raises(standins.StandInUsed, match="as the base of Block"):
        Block(4)
    mixed = Mixed(5)
    assert mixed.doubled() == 10 and not hasattr(mixed, "__wrapped__")
    with pytest.raises(standins.StandInUsed, match=r"BaseEstimator\.get_params \(the base of"):
        mixed.get_params()
    assert "base.BaseEstimator.get_params" in standins.used()[-1]


def test_a_module_imported_after_loading_runs_its_top_level_as_loading(
    loading: None, tmp_path: Path
) -> None:
    """A repository module imported lazily (inside a function) may take values from a stand-in
    at its top level; the code validated still fails where it uses one."""
    (tmp_path / "estimator_fix_absent_lazy_user.py").write_text(
        "import estimator_fix_absent_w as w\nHOME, _ = w.get_home()\n", encoding="utf-8"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        standins.install(["estimator_fix_absent_w"])
        standins.arm()
        lazy = importlib.import_module("estimator_fix_absent_lazy_user")
        with pytest.raises(standins.StandInUsed):
            lazy.HOME.join("x")
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("estimator_fix_absent_lazy_user", None)


def test_a_stand_in_in_a_type_annotation_is_only_a_name_to_typing(loading: None) -> None:
    """``def forward(self, x: Optional[Tensor])`` at a module's top: typing compares and hashes
    the annotation's parts, which computes nothing; comparing the value in code still fails."""
    import typing

    standins.install(["estimator_fix_absent_t"])
    from estimator_fix_absent_t import Tensor  # type: ignore[import-not-found]

    def forward(x: typing.Tuple[typing.List[Tensor], typing.Optional[Tensor]]) -> None:
        return None

    assert forward(None) is None
    assert typing.Optional[Tensor] == typing.Optional[Tensor]
    with pytest.raises(standins.StandInUsed):
        _ = Tensor == typing.Generic  # the same comparison, made by the code itself
    standins.arm()
    with pytest.raises(standins.StandInUsed):
        _ = Tensor == 1


def test_a_version_check_guarded_for_absence_takes_the_absent_branch(loading: None) -> None:
    """``try: import m; V = m.__version__ / except ModuleNotFoundError:`` ends as it would
    without the module: the version of a stood-in module is not known."""
    standins.install(["estimator_fix_absent_s"])
    try:
        import estimator_fix_absent_s  # type: ignore[import-not-found]

        version = estimator_fix_absent_s.__version__
    except ModuleNotFoundError:
        version = None
    assert version is None


def test_a_repository_module_computing_with_a_stand_in_loads_in_part(
    loading: None, tmp_path: Path
) -> None:
    """A module of the repository whose top level computes with a missing module (``DECIBEL =
    math.log10(torch.iinfo(...).max)``) keeps what it defined before that line; what it did not
    get to define is a stand-in, failing where the code validated uses it, with the reason."""
    repository = tmp_path / "repository"
    package = repository / "estimator_fix_absent_pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("from . import audio\nREADY = True\n", encoding="utf-8")
    (package / "audio.py").write_text(
        "import math\nimport estimator_fix_absent_torch as torch\n"
        "def real(x):\n    return x + 1\n"
        "DECIBEL = math.log10(torch.iinfo(torch.int16).max)\n"
        "def after(x):\n    return x\n",
        encoding="utf-8",
    )
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "estimator_fix_absent_lib.py").write_text(
        "import math\nimport estimator_fix_absent_torch as torch\n"
        "DECIBEL = math.log10(torch.iinfo(torch.int16).max)\n",
        encoding="utf-8",
    )
    sys.path[:0] = [str(repository), str(outside)]
    try:
        (note,) = standins.install(["estimator_fix_absent_torch"], [str(repository)])
        import estimator_fix_absent_pkg  # type: ignore[import-not-found]
        from estimator_fix_absent_pkg.audio import after, real  # type: ignore[import-not-found]

        assert estimator_fix_absent_pkg.READY and real(1) == 2
        (partial,) = standins.partial_notes()
        assert partial.startswith("estimator_fix_absent_pkg.audio loaded in part: at line 5 ")
        with pytest.raises(standins.StandInUsed):  # outside the repository: no tolerance
            importlib.import_module("estimator_fix_absent_lib")
        standins.arm()
        with pytest.raises(standins.StandInUsed, match="did not define here: its loading stop"):
            after(1)
    finally:
        del sys.path[:2]
        standins._STATE["partial"].clear()
        for name in [n for n in sys.modules if n.startswith("estimator_fix_absent_")]:
            del sys.modules[name]


def test_a_submodule_a_repository_package_lacks_is_stood_in_for(
    loading: None, tmp_path: Path
) -> None:
    """``from pkg import export`` where the repository's package has no ``export.py`` (a file its
    history deleted), and ``import pkg.proto.x`` with no ``proto/`` (generated, never committed):
    each is named as missing, loads as a stand-in, and fails where it is used."""
    package = tmp_path / "estimator_fix_absent_repo"
    package.mkdir()
    (package / "__init__.py").write_text("READY = True\n", encoding="utf-8")
    (package / "present.py").write_text("VALUE = 1\n", encoding="utf-8")
    namespace = tmp_path / "estimator_fix_absent_ns"  # no __init__.py
    namespace.mkdir()
    sys.path.insert(0, str(tmp_path))
    try:
        with pytest.raises(ImportError) as lost:
            exec("from estimator_fix_absent_repo import export", {})
        assert standins.missing_module(lost.value) == "estimator_fix_absent_repo.export"
        with pytest.raises(ImportError) as ungenerated:
            importlib.import_module("estimator_fix_absent_repo.proto.metrics_pb2")
        assert standins.missing_module(ungenerated.value) == "estimator_fix_absent_repo.proto"
        with pytest.raises(ImportError) as in_namespace:
            exec("from estimator_fix_absent_ns import gone", {})
        assert standins.missing_module(in_namespace.value) == "estimator_fix_absent_ns.gone"
        with pytest.raises(ImportError) as not_a_module:  # a name its module does not define
            exec("from estimator_fix_absent_repo.present import OTHER", {})
        assert standins.missing_module(not_a_module.value) is None

        notes = standins.install(
            ["estimator_fix_absent_repo.export", "estimator_fix_absent_repo.proto"]
        )
        assert notes == [
            "not in the repository here, stood in for while loading (a use by the code validated "
            "fails): estimator_fix_absent_repo.export, estimator_fix_absent_repo.proto"
        ]
        namespace_ = {}
        exec(
            "from estimator_fix_absent_repo import export, present\n"
            "from estimator_fix_absent_repo.proto import metrics_pb2\n"
            "SAVER = export.saver(metrics_pb2.Slice)\n",
            namespace_,
        )
        assert namespace_["present"].VALUE == 1  # the package's real modules stay real
        standins.arm()
        with pytest.raises(standins.StandInUsed, match="its repository does not have here"):
            namespace_["export"].export_eval_savedmodel()
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n.startswith("estimator_fix_absent_")]:
            del sys.modules[name]


def test_a_part_an_installed_package_lacks_is_not_stood_in_for(loading: None) -> None:
    """A submodule or name an installed distribution lacks (``json.absent``, TensorFlow 2's
    missing ``tensorflow.contrib``) is another version's, not a lost file of the repository."""
    with pytest.raises(ImportError) as submodule:
        importlib.import_module("json.estimator_fix_absent")
    assert standins.missing_module(submodule.value) is None
    with pytest.raises(ImportError) as name:
        exec("from json import estimator_fix_absent", {})
    assert standins.missing_module(name.value) is None


def test_a_portion_a_namespace_package_lacks_is_a_module_not_installed(
    loading: None, tmp_path: Path
) -> None:
    """``google.colab`` beside an installed ``google.protobuf``: each portion of a namespace
    package is a distribution of its own, so the missing one is stood in for as not installed."""
    installed = tmp_path / "site-packages"
    (installed / "estimator_fix_absent_nsp" / "present").mkdir(parents=True)
    (installed / "estimator_fix_absent_nsp" / "present" / "__init__.py").write_text("")
    sys.path.insert(0, str(installed))
    try:
        with pytest.raises(ImportError) as portion:
            importlib.import_module("estimator_fix_absent_nsp.colab")
        assert standins.missing_module(portion.value) == "estimator_fix_absent_nsp.colab"
        (note,) = standins.install(["estimator_fix_absent_nsp.colab"])
        assert note.startswith("not installed here") and note.endswith("nsp.colab")
        from estimator_fix_absent_nsp.colab import drive  # type: ignore[import-not-found]

        standins.arm()
        used = "module .estimator_fix_absent_nsp.colab., which is not installed here"
        with pytest.raises(standins.StandInUsed, match=used):
            drive.mount("/content")
    finally:
        sys.path.remove(str(installed))
        for name in [n for n in sys.modules if n.startswith("estimator_fix_absent_")]:
            del sys.modules[name]
