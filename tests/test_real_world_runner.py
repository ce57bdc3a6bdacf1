"""The real-world benchmark runner (benchmarks/real_world/run.py) on a tiny synthetic checkout."""

from __future__ import annotations

import hashlib
import subprocess
import textwrap
from pathlib import Path

import pytest

from estimator_fix.engine import Settings
from tests.scripts import load_script

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT / "benchmarks" / "real_world" / "run.py"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
ZERO_SHA = "0" * 64


rw = load_script(RUNNER, "real_world_run")

# Line numbers matter: the manifest below refers to them.
MODEL = textwrap.dedent(
    """\
    import tensorflow as tf


    def model_fn(features, labels, mode, params):
        predictions = tf.compat.v1.layers.dense(features["x"], 1)
        loss = tf.reduce_mean(tf.square(labels - predictions))
        optimizer = tf.compat.v1.train.GradientDescentOptimizer(0.1)
        train_op = optimizer.minimize(loss, global_step=tf.compat.v1.train.get_global_step())
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions={"y": predictions})
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    """
)
PYTHON2 = textwrap.dedent(
    """\
    import tensorflow as tf


    def model_fn(features, labels, mode):
        print "building", mode
        return tf.estimator.EstimatorSpec(mode, predictions=features)
    """
)
CLEAN = textwrap.dedent(
    """\
    import tensorflow as tf


    def model_fn(features, labels, mode):
        logits = tf.compat.v1.layers.dense(features["x"], 2)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
        return tf.estimator.EstimatorSpec(mode, loss=loss)
    """
)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _checkout(tmp_path: Path) -> Path:
    root = tmp_path / "checkouts"
    repo = root / "acme+models"
    (repo / "trainer").mkdir(parents=True)
    (repo / "trainer" / "model.py").write_text(MODEL)
    (repo / "legacy").mkdir()
    (repo / "legacy" / "train2.py").write_text(PYTHON2)
    (repo / "trainer" / "clean.py").write_text(CLEAN)
    return root


def _manifest(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "manifest.toml"
    path.write_text(textwrap.dedent(body))
    return path


GOOD_MANIFEST = f"""\
    [[file]]
    repo = "acme/models"
    commit = "{COMMIT}"
    path = "trainer/model.py"
    sha256 = "{_sha(MODEL)}"
    # EF101:6, EF102:7 and EF102:8 are right; EF104:9 is a deliberate miss; EF105:11 is left
    # out so that the tool's finding counts as a false alarm.
    expected = ["EF101:6", "EF102:7", "EF102:8", "EF104:9"]
    note = "label loss and training ops before the PREDICT return"

    [[file]]
    repo = "acme/models"
    commit = "{COMMIT}"
    path = "legacy/train2.py"
    expected_skip = "Python 2"

    [[file]]
    repo = "acme/models"
    commit = "{COMMIT}"
    path = "trainer/clean.py"
    expected = []
    """


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, object]:
    tmp_path = tmp_path_factory.mktemp("rw")
    root = _checkout(tmp_path)
    manifest = _manifest(tmp_path, GOOD_MANIFEST)
    report = rw.run(root, rw.load_manifest(manifest), Settings())
    return root, manifest, report


def test_scores_per_rule_count_hits_misses_and_false_alarms(measured: tuple) -> None:
    _, _, report = measured
    scores = {code: (s.tp, s.fp, s.fn) for code, s in report.scores.items()}
    assert scores == {
        "EF101": (1, 0, 0),
        "EF102": (2, 0, 0),
        "EF104": (0, 0, 1),
        "EF105": (0, 1, 0),
    }
    total = report.total
    assert (total.tp, total.fp, total.fn) == (3, 1, 1)
    assert total.precision == pytest.approx(0.75) and total.recall == pytest.approx(0.75)
    assert report.scores["EF104"].precision is None
    assert report.misses == [("acme/models/trainer/model.py", "EF104:9", "")]
    assert report.false_alarms == [("acme/models/trainer/model.py", "EF105:11")]


def test_fix_output_is_checked_and_python2_is_skipped_not_clean(measured: tuple) -> None:
    _, _, report = measured
    by_path = {o.entry.path: o for o in report.outcomes}
    model = by_path["trainer/model.py"]
    assert model.status == "measured" and model.changed
    assert model.parses is True and model.idempotent is True
    legacy = by_path["legacy/train2.py"]
    assert legacy.status == "skipped" and legacy.found == ()
    assert "line 5" in legacy.reason
    clean = by_path["trainer/clean.py"]
    assert clean.status == "measured" and not clean.changed and clean.found == ()
    assert report.problems == [] and report.return_code == 0


def test_a_clean_file_that_is_rewritten_is_a_problem(measured: tuple) -> None:
    _, _, report = measured
    clean = next(o for o in report.outcomes if o.entry.path == "trainer/clean.py")
    rewritten = rw.FileOutcome(clean.entry, "measured", changed=True, parses=True, idempotent=True)
    assert "a clean file" in rewritten.problem


def test_render_prints_table_lists_skips_and_commits(measured: tuple) -> None:
    _, _, report = measured
    text = rw.render(report)
    assert "| EF104 | 0 | 0 | 1 | — | 0.00 |" in text
    assert "| all | 3 | 1 | 1 | 0.75 | 0.75 |" in text
    assert "acme/models/trainer/model.py:9: EF104" in text
    assert "acme/models/trainer/model.py:11: EF105" in text
    assert "legacy/train2.py" in text and "[expected: Python 2]" in text
    assert f"acme/models {COMMIT} (3 files)" in text
    assert "fix: 1 files rewritten; 1 parse, 1 idempotent; 1 of 1 clean files left" in text


def test_main_exit_codes(
    measured: tuple, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, manifest, _ = measured
    assert rw.main([str(root), "--manifest", str(manifest), "--json"]) == 0
    assert '"precision": 0.75' in capsys.readouterr().out
    assert rw.main([str(tmp_path / "missing"), "--manifest", str(manifest)]) == 2
    bad = _manifest(tmp_path, '[[file]]\nrepo = "acme"\n')
    assert rw.main([str(root), "--manifest", str(bad)]) == 2
    assert "repo must be 'owner/name'" in capsys.readouterr().err


def test_unexpected_skip_and_edited_file_make_the_run_fail(tmp_path: Path) -> None:
    root = _checkout(tmp_path)
    manifest = _manifest(
        tmp_path,
        f"""\
        [[file]]
        repo = "acme/models"
        commit = "{COMMIT}"
        path = "legacy/train2.py"
        expected = ["EF101:5"]

        [[file]]
        repo = "acme/models"
        commit = "{COMMIT}"
        path = "trainer/clean.py"
        sha256 = "{ZERO_SHA}"
        expected = []

        [[file]]
        repo = "acme/other"
        commit = "{COMMIT}"
        path = "model.py"
        expected = []
        """,
    )
    report = rw.run(root, rw.load_manifest(manifest), Settings())
    problems = dict(report.problems)
    assert "skipped, but the manifest expects it" in problems["acme/models/legacy/train2.py"]
    assert "sha256" in problems["acme/models/trainer/clean.py"]
    assert "no checkout" in problems["acme/other/model.py"]
    # A skipped file's expected findings are misses, with the reason.
    assert report.misses[0][:2] == ("acme/models/legacy/train2.py", "EF101:5")
    assert report.misses[0][2].startswith("file skipped")
    assert report.return_code == 1


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('repo = "a/b"\ncommit = "abc"\npath = "m.py"', "40 lowercase hex"),
        (f'repo = "a/b"\ncommit = "{COMMIT}"\npath = "../m.py"', "inside the repository"),
        (f'repo = "a/b"\ncommit = "{COMMIT}"\npath = "m.py"\nexpected = ["EF1:3"]', "EF123:LINE"),
        (
            f'repo = "a/b"\ncommit = "{COMMIT}"\npath = "m.py"\nexpected = ["EF101:3"]\n'
            'expected_skip = "Python 2"',
            "without expected findings",
        ),
        (f'repo = "a/b"\ncommit = "{COMMIT}"\npath = "m.py"\nexpectd = []', "unknown key"),
        (
            f'repo = "a/b"\ncommit = "{COMMIT}"\npath = "m.py"\nheld_out = "yes"',
            "held_out must be true or false",
        ),
        (
            f'repo = "a/b"\ncommit = "{COMMIT}"\npath = "m.py"\nbatch = 2026',
            "batch must be a string",
        ),
    ],
)
def test_bad_manifest_entries_are_refused(tmp_path: Path, entry: str, message: str) -> None:
    path = tmp_path / "manifest.toml"
    path.write_text(f"[[file]]\n{entry}\n")
    with pytest.raises(rw.ManifestError, match=message):
        rw.load_manifest(path)


def test_duplicate_entries_are_refused(tmp_path: Path) -> None:
    entry = f'[[file]]\nrepo = "a/b"\ncommit = "{COMMIT}"\npath = "m.py"\n'
    path = tmp_path / "manifest.toml"
    path.write_text(entry + entry)
    with pytest.raises(rw.ManifestError, match="listed twice"):
        rw.load_manifest(path)


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def _git_checkout(tmp_path: Path) -> tuple[Path, str]:
    """A git checkout of acme/models whose one commit holds model.py (CLEAN): its commit."""
    repo = tmp_path / "checkouts" / "acme+models"
    repo.mkdir(parents=True)
    _git(repo, "init", "-q")
    (repo / "model.py").write_text(CLEAN)
    _git(repo, "add", "model.py")
    _git(repo, "commit", "-q", "-m", "clean")
    return repo, _git(repo, "rev-parse", "HEAD")


def test_a_git_checkout_is_read_at_the_manifest_commit(tmp_path: Path) -> None:
    repo, first = _git_checkout(tmp_path)
    (repo / "model.py").write_text(MODEL)
    _git(repo, "commit", "-q", "-am", "later")
    entry = rw.Entry("acme/models", first, "model.py", sha256=_sha(CLEAN))
    data, why = rw.read_entry(tmp_path / "checkouts", entry, {})
    assert why == "" and data == CLEAN.encode()
    missing = rw.Entry("acme/models", "f" * 40, "model.py")
    data, why = rw.read_entry(tmp_path / "checkouts", missing, {})
    assert data is None and "is not in the checkout" in why


def test_a_file_not_checked_out_is_read_from_git(tmp_path: Path) -> None:
    """A clone made with --no-checkout (HEAD at the manifest's commit, no work tree files)."""
    repo, commit = _git_checkout(tmp_path)
    (repo / "model.py").unlink()
    entry = rw.Entry("acme/models", commit, "model.py")
    data, why = rw.read_entry(tmp_path / "checkouts", entry, {})
    assert why == "" and data == CLEAN.encode()
    other = rw.Entry("acme/models", entry.commit, "other.py")
    data, why = rw.read_entry(tmp_path / "checkouts", other, {})
    assert data is None and why.startswith("cannot read")


def test_held_out_entries_get_their_own_table(tmp_path: Path) -> None:
    root = _checkout(tmp_path)
    # The same file again, held out, under another commit so that it is a new entry (a plain
    # directory is read as it is); EF103:8 is a deliberate miss.
    held_out_entry = f"""
    [[file]]
    repo = "acme/models"
    commit = "{"f" * 40}"
    path = "trainer/model.py"
    sha256 = "{_sha(MODEL)}"
    expected = ["EF101:6", "EF102:7", "EF102:8", "EF105:11", "EF103:8"]
    held_out = true
    """
    manifest = _manifest(tmp_path, GOOD_MANIFEST + held_out_entry)
    entries = rw.load_manifest(manifest)
    assert [e.held_out for e in entries] == [False, False, False, True]
    report = rw.run(root, entries, Settings())
    held = report.held_out()
    assert held is not None
    assert [o.entry.path for o in held.outcomes] == ["trainer/model.py"]
    assert {code: (s.tp, s.fp, s.fn) for code, s in held.scores.items()} == {
        "EF101": (1, 0, 0),
        "EF102": (2, 0, 0),
        "EF103": (0, 0, 1),
        "EF105": (1, 0, 0),
    }
    # The overall table counts both entries.
    assert (report.total.tp, report.total.fp, report.total.fn) == (7, 1, 2)
    text = rw.render(report)
    overall, _, rest = text.partition("held out (expectations written before")
    assert "| all | 7 | 1 | 2 | 0.88 | 0.78 |" in overall
    assert "1 files in the manifest, 1 measured, from 1 repositories" in rest
    assert "| EF103 | 0 | 0 | 1 | — | 0.00 |" in rest
    assert "| all | 4 | 0 | 1 | 1.00 | 0.80 |" in rest
    data = rw.json.loads(rw.as_json(report))
    assert data["held_out_scores"]["all"] == {
        "tp": 4,
        "fp": 0,
        "fn": 1,
        "precision": 1.0,
        "recall": 0.8,
    }
    assert [f["held_out"] for f in data["files"]] == [False, False, False, True]


def test_no_held_out_table_without_held_out_entries(measured: tuple) -> None:
    _, _, report = measured
    assert report.held_out() is None
    assert "held out" not in rw.render(report)
    assert rw.json.loads(rw.as_json(report))["held_out_scores"] is None


def test_batch_option_measures_only_that_batch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _checkout(tmp_path)
    # trainer/clean.py joins batch "b1"; the other two entries have no batch.
    body = GOOD_MANIFEST + 'held_out = true\nbatch = "b1"\n'
    manifest = _manifest(tmp_path, body)
    entries = rw.load_manifest(manifest)
    assert [e.batch for e in entries] == ["", "", "b1"]
    assert rw.main([str(root), "--manifest", str(manifest), "--json", "--batch", "b1"]) == 0
    data = rw.json.loads(capsys.readouterr().out)
    assert [(f["path"], f["batch"]) for f in data["files"]] == [("trainer/clean.py", "b1")]
    assert data["scores"]["all"]["tp"] == 0 and data["held_out_scores"] is not None
    assert rw.main([str(root), "--manifest", str(manifest), "--batch", "b2"]) == 2
    assert "no entries of batch 'b2'" in capsys.readouterr().err


def test_a_notebook_is_measured_by_the_lines_of_its_cells(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# model"),
        nbformat.v4.new_code_cell("import tensorflow as tf"),
        nbformat.v4.new_code_cell(MODEL.split("\n", 3)[3]),  # the model_fn, from its def line
    ]
    root = tmp_path / "checkouts"
    (root / "acme+models").mkdir(parents=True)
    (root / "acme+models" / "model.ipynb").write_text(nbformat.writes(notebook))
    manifest = _manifest(
        tmp_path,
        f"""\
        [[file]]
        repo = "acme/models"
        commit = "{COMMIT}"
        path = "model.ipynb"
        expected = ["EF101:3", "EF102:4", "EF102:5", "EF105:8"]
        """,
    )
    report = rw.run(root, rw.load_manifest(manifest), Settings())
    (outcome,) = report.outcomes
    assert outcome.status == "measured" and outcome.changed
    assert outcome.found == ("EF101:3", "EF102:4", "EF102:5", "EF105:8")
    assert outcome.parses is True and outcome.idempotent is True
    assert not report.misses and not report.false_alarms
