"""Synthetic inputs: a small random batch for a module without an input function."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from . import inferred
from . import search as searching
from .declared import declared, held_by_the_model
from .inferred import SINGLE, build_once, fresh_params
from .labels import as_read, synthetic_labels
from .loading import LABEL_NAMES, positional_labels

if TYPE_CHECKING:
    from .program import Program


#: How the error saying there is nothing to build inputs from begins (``api`` reads it): what
#: stopped the build, then what was looked for. That order because the error reaches ``api`` as
#: one bounded line (``last_line``): the list, always the same, is what may be cut off.
NO_INPUT = "no input: "
LOOKED_FOR = "; looked for "


class Synthetic:
    """A small random batch for a module without an input function.

    Features come from a serving input function's placeholders, else from a parsing spec
    (``tf.io.FixedLenFeature`` dicts) or feature columns found in the module (``declared``), and
    from what the model_fn's code says (``inferred``). Labels come from the spec's ``labels``
    (``--labels``), else from the static hint about how the model_fn uses them (``labels``).
    Where the inferred inputs do not build the original's graphs, the original searches for
    inputs that do (``search``). ``last_resort``: in place of the file's own input functions,
    which failed: with nothing inferred, the keys the model_fn reads, else one tensor.
    """

    def __init__(self, program: Program, last_resort: bool = False, search: bool = True) -> None:
        self.program = program
        self.tf, self.np = program.tf, program.np
        self.rng = self.np.random.RandomState(program.seed)
        self.batch = program.batch_size
        #: The batch size asked for (the search may choose another: a batch the code fixes).
        self.first_batch = program.batch_size
        self.inferred = False
        self.last_resort = last_resort
        #: The inferred images and volumes, whose sizes the code does not say (key → entry).
        self.images: Dict[str, Dict[str, Any]] = {}
        self.base_params = program.params
        self.overrides: Dict[str, Any] = self._batch_sizes()
        self.build_error: Optional[str] = None
        self.searched: Optional[searching.Outcome] = None
        self.looked: List[str] = []
        #: Whether the model_fn takes its features and labels as lists, one item per device
        #: tower (``features[i]``): then each is a list of one batch.
        self.towers = False
        self.features = self._features()
        self.labels = synthetic_labels(self)
        if self.inferred:
            self._add_missing()
        if self.images:
            fitted = inferred.fit_images(self, self.images)
            first = next(iter(self.images.values()))["shape"]
            if fitted is not None and fitted != first:
                shape = "x".join(str(d) for d in fitted)
                self.program.out.note(f"synthetic images {shape}: the model_fn builds at that size")
        # Inputs read off a serving function or parse spec have not been built yet: the search
        # (apart, so this process stays as the rewrite's) first sees whether they build.
        untried = not self.inferred
        if search and (self.build_error or untried) and program.spec.get("role") == "original":
            self._search()

    def _batch_sizes(self) -> Dict[str, Any]:
        """Params overrides giving the batch size keys of a params dict the synthetic inputs'
        batch size (noted), so that code shaped by them fits the batch."""
        params = self.base_params
        if not isinstance(params, dict):
            return {}
        found = {
            key: self.batch
            for key in searching.BATCH_KEYS
            if type(params.get(key)) is int and params[key] != self.batch
        }
        if found:
            self.program.params = self.params_for({"params": found})  # of the params' own type
            self.program.out.note(
                f"params {', '.join(found)} set to {self.batch}: the synthetic inputs' batch size"
            )
        return found

    # the search for inputs the original builds on ----------------------------------------------

    def _search(self) -> None:
        self.searched = searching.search_apart(self)
        if not self.searched.needed:
            return
        self.program.out.note("inputs searched: " + self.searched.describe())
        if self.searched.choice is not None:
            self.program.out.note("synthetic inputs chosen: " + self.describe())

    def takes_labels(self) -> bool:
        accepted = self.program.accepted
        return (
            accepted is None
            or bool(set(LABEL_NAMES) & set(accepted))
            or positional_labels(accepted) is not None
        )

    def choice(self) -> Dict[str, Any]:
        """The current inputs as data (dtype, per-example shape, sparse) and params overrides."""

        def entry(value: Dict[str, Any]) -> Dict[str, Any]:
            shape = [int(d) for d in value["value"].shape[1:]]
            return {
                "dtype": self.tf.as_dtype(value["dtype"]).name,
                "shape": shape,
                "sparse": bool(value["sparse"]),
            }

        choice: Dict[str, Any] = {
            "features": {key: entry(value) for key, value in self.features.items()},
            "labels": entry(self.labels) if self.labels is not None else None,
            "params": dict(self.overrides),
            "batch": self.batch,
        }
        if self.towers:
            choice["towers"] = True
        return choice

    def params_for(self, choice: Dict[str, Any]) -> Any:
        """The params with ``choice``'s overrides (of the params' own type)."""
        if not choice["params"]:
            return self.base_params
        params = fresh_params(self.base_params)
        if isinstance(params, dict):
            params.update(choice["params"])
        else:  # an object read by attribute (HParams)
            for key, value in choice["params"].items():
                setattr(params, key, value)
        return params

    def apply(self, choice: Dict[str, Any]) -> None:
        """Use ``choice`` (from ``choice()``, here or in the original's worker): its values drawn
        afresh from the seed, so that both versions get the same ones."""
        self.rng = self.np.random.RandomState(self.program.seed)
        self.batch = int(choice.get("batch") or self.first_batch)
        self.program.batch_size = self.batch
        self.features = {
            key: self.random_entry(e["dtype"], e["shape"], e["sparse"])
            for key, e in sorted(choice["features"].items())
        }
        labels = choice["labels"]
        self.labels = self.random_entry(labels["dtype"], labels["shape"]) if labels else None
        self.overrides = dict(choice["params"])
        self.towers = bool(choice.get("towers"))
        self.program.params = self.params_for(choice)

    def describe(self) -> str:
        """The inputs in use, for a note."""
        choice = self.choice()
        found = {
            key: dict(entry, origin="", image=False) for key, entry in choice["features"].items()
        }
        text = inferred.describe(found)
        if choice["labels"] is not None:
            labels = choice["labels"]
            text += "; labels {} [{}]".format(
                labels["dtype"], ", ".join(["batch"] + [str(d) for d in labels["shape"]])
            )
        if self.towers:
            text += "; each a list of one batch (one per device tower)"
        if self.batch != self.first_batch:
            text += f"; batch size {self.batch} (not {self.first_batch}: the code fixes it)"
        if choice["params"]:
            text += "; params " + ", ".join(
                f"{k}={v!r}" for k, v in sorted(choice["params"].items())
            )
        return text

    # features ---------------------------------------------------------------------------------

    def _features(self) -> Dict[str, Any]:
        found, looked = declared(self)
        extra = inferred.features(self.program, [] if not found else list(found) + [SINGLE])
        if extra:
            self.inferred = True
            self.program.out.note(
                "synthetic features inferred from the model_fn: " + inferred.describe(extra)
            )
            for key, entry in extra.items():
                found[key] = self.random_entry(entry["dtype"], entry["shape"], entry["sparse"])
            self.images = {key: entry for key, entry in extra.items() if entry["image"]}
        if found:
            return found
        self.inferred = True  # what the model_fn reads, found by building it (_add_missing)
        self.looked = looked
        return {}

    @staticmethod
    def _no_input(why: str) -> LookupError:
        return LookupError(
            NO_INPUT
            + why
            + LOOKED_FOR
            + "--input-fn, functions input_fn/train_input_fn/eval_input_fn/predict_input_fn, "
            "[tool.estimator-fix.validate] input-fn, a serving input function "
            "(serving_input_receiver_fn, serving_input_fn), a tf.io.FixedLenFeature dict, "
            "feature columns and features the model_fn reads"
        )

    def _add_missing(self) -> None:
        """Keys the model_fn reads that the inferred features lack (float32 [batch, 1]); with
        none at all, one tensor."""
        if SINGLE in self.features:
            self.build_error = build_once(self)[0]
            return
        missing, ops = inferred.missing_keys(self)
        ids = [key for key in missing if key in self.program.column_ids]
        for key in missing:
            dtype = self.tf.int64 if key in ids else self.tf.float32
            self.features[key] = self.random_entry(dtype, [1])
        if missing:
            kinds = "float32 [batch, 1]" + ("; the guessed columns' ids int64" if ids else "")
            self.program.out.note(
                f"synthetic features the model_fn reads besides those inferred ({kinds}): "
                + ", ".join(missing)
            )
        elif not self.features:
            # building read no key: the spec the model's object holds, else one tensor
            self.features.update(held_by_the_model(self))
            if not self.features:
                self._one_tensor(ops)

    def _one_tensor(self, mapping_ops: int) -> None:
        """Features as one float32 [batch, 1] tensor: the last resort in place of the file's own
        inputs; else where the model_fn read no key of a mapping, only if as one tensor it
        builds, gets further than it did (``mapping_ops`` ops) on the mapping, or fails where an
        op asks it for another rank (a recurrent layer's ``expected ndim=3``)."""
        failed_on_mapping = self.build_error
        self.features[SINGLE] = self.random_entry(self.tf.float32, [1])
        self.build_error, _, ops = build_once(self)
        # an op that asks the tensor for another rank took it as its input, and an op that
        # failed to make the mapping a tensor would take one: the search can give it the rank
        # or dtype the op asks for
        failed = self.build_error is not None and ops <= mapping_ops
        taken = searching.asks_rank(self.build_error or "") or _made_a_tensor(failed_on_mapping)
        if failed and not self.last_resort and not taken:
            # nothing in the file says what the features are, and building read no key of them
            looked = f"{', '.join(self.looked)} gave no features; " if self.looked else ""
            raise self._no_input(
                looked
                + "built with none, the model_fn read no feature key"
                + (f": {failed_on_mapping}" if failed_on_mapping else "")
            )
        why = "" if self.last_resort else " (the model_fn builds on its features as one value)"
        self.program.out.note("synthetic features: one float32 [batch, 1] tensor" + why)

    def random_entry(self, dtype: Any, shape: List[int], sparse: bool = False) -> Dict[str, Any]:
        """A random batch of ``dtype`` with per-example ``shape``, from the seeded generator."""
        tf, np = self.tf, self.np
        dtype = tf.as_dtype(dtype)
        size = [self.batch] + [int(d) for d in shape]
        if dtype == tf.string:
            value = self.rng.choice(np.array([b"0", b"1"]), size=size)
        elif dtype.is_floating:
            value = self.rng.rand(*size).astype(dtype.as_numpy_dtype)
        elif dtype == tf.bool:
            value = self.rng.randint(0, 2, size=size).astype(bool)
        else:
            value = self.rng.randint(0, 2, size=size).astype(dtype.as_numpy_dtype)
        return {"value": value, "dtype": dtype, "sparse": sparse}

    # the input_fn -----------------------------------------------------------------------------

    def tensors(self, structure: Dict[str, Any]) -> Any:
        built = {key: self.tensor(value) for key, value in structure.items()}
        return built.get(SINGLE, built)

    def labels_tensor(self) -> Any:
        """The labels as the model_fn reads them: one tensor, or a dict of it by the keys it
        reads them by (``labels["ctr"]``: the same batch under each), or a tuple of as many
        parts as it unpacks them into (``labels, names = labels``: the same batch as each)."""
        return as_read(self.program, self.tensor(self.labels))

    def tensor(self, entry: Dict[str, Any]) -> Any:
        tf, np = self.tf, self.np
        if not entry["sparse"]:
            return tf.constant(entry["value"], dtype=entry["dtype"])
        rows = entry["value"].shape[0]
        indices = np.stack([np.arange(rows), np.zeros(rows, dtype=np.int64)], axis=1)
        values = entry["value"].reshape(rows)
        return tf.SparseTensor(indices, tf.constant(values, dtype=entry["dtype"]), [rows, 1])

    def per_tower(self, features: Any, labels: Any) -> Any:
        """``features`` and ``labels`` as the model_fn takes them: lists of one batch where it
        takes one item per device tower."""
        if not self.towers:
            return features, labels
        return [features], None if labels is None else [labels]

    def input_fn(self, params: Any = None) -> Any:
        tf = self.tf
        features = self.tensors(self.features)
        element = features if self.labels is None else (features, self.labels_tensor())
        dataset = tf.data.Dataset.from_tensors(element).repeat()
        if not self.towers:
            return dataset
        got = tf.compat.v1.data.make_one_shot_iterator(dataset).get_next()
        return self.per_tower(*((got, None) if self.labels is None else got))


def _made_a_tensor(error: Optional[str]) -> bool:
    """Whether building failed where an op tried to make the features mapping one tensor
    (``tf.reshape(features, ...)``, ``embedding_lookup(table, features)``): the model_fn takes
    its features as one value."""
    return bool(_CONVERTED.search(error or ""))


#: TensorFlow 1 names the mapping's type, TensorFlow 2 shows it (a mapping, ``{...}``).
_CONVERTED = re.compile(
    r"Failed to convert (?:object of type <class '[\w.]*Recording'>|elements of \{)"
)
