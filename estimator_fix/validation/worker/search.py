"""A bounded search for inputs the original's graphs build on, where the inferred ones do not.

Inferred inputs are a reading of the code, not the data: a convolution's input inferred as
``[batch, 1]``, a size taken from a flag whose default is 0, labels the code reads but no loss
names. Any inputs on which the original builds are as good for comparing it with the rewrite, so
where the inferred ones fail, nearby candidates are tried, in a fixed order, each one graph build
(TRAIN, then EVAL once TRAIN builds): the features as the model_fn's code says they are (where a
serving function or parse spec gave others), a guessed int param the error names at other values
(``resnet_size must be 6n + 2``), a feature a column's error names at the dtypes the column takes
(or added, where the inputs lack it), the batch size an error sets against the synthetic one (a
batch the code fixes), labels where there are none (or at the other rank, or of the values per
example a flat clash says, for an error about shapes), a guessed count at 1 where two shapes clash
by a multiple of it, labels or features of the dtypes an error says clash or an op takes (ids for
an embedding lookup), a params key the build lacks, degenerate sizes (0) made small, features that
share a shape reshaped together (a stack or concat of them), each feature at another rank (the rank
the error expects first, less the dimensions the code adds to it, or more those it takes away: then
the features and labels as lists of one batch, one per device tower, that ``features[i]`` indexes)
and sizes taken from the error (never its ranks), the params and common image sizes, then other
dtypes (features, then labels). Where the code takes a fixed index past a guessed size, or its
convolutions run out of input, the feature's sides grow; sparse features it uses as dense become
dense; a flat feature gets the values per example a reshape wants (exactly, or the multiple of
those it got that the reshape's target holds). A candidate on which the build gets further (more
ops built before it fails, or as many with the complaint about a param it changed gone, or with two
shapes that clashed no longer clashing) becomes the new starting point. The first candidate on
which TRAIN and EVAL build is chosen (PREDICT may fail: that is what the fixes fix); the search
stops after ``MAX_CANDIDATES`` builds or ``MAX_SECONDS``. Only the original searches, in a forked
process of its own (``search_apart``: TensorFlow numbers what it builds process-wide, so the builds
must leave no trace in the process that then runs the model); the rewrite is handed the original's
choice. Python 3.7 compatible.
"""

from __future__ import annotations

import copy
import json
import os
import re
import time
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional, Tuple

from .inferred import SINGLE, build_once
from .inferred import features as inferred_features

if TYPE_CHECKING:
    from .synthetic import Synthetic

#: At most this many candidate builds, and this many seconds, per search.
MAX_CANDIDATES = 24
MAX_SECONDS = 60.0
#: At most this many values per example, over the features and labels of a candidate.
MAX_VALUES = 1 << 21
#: Sizes tried for a dimension nothing gives (MNIST-like, CIFAR-like, small).
DEFAULT_SIZES = (28, 32, 8)
#: Per-example ranks tried, in order, where the error names none (images first).
_RANKS = (3, 1, 2, 0)
_DTYPES = ("float32", "int32", "int64", "string")
#: A transpose as TensorFlow 1 and 2 name it in errors.
_TRANSPOSE = r"(?:'[^']*' \(op: 'Transpose'\)|'\{\{node [^}]*\}\} = Transpose)"
_EXPECTED_RANK = re.compile(
    r"expected (?:min_)?ndim=(\d+)|must be rank (\d+)|expected rank (\d+)|to have rank (\d+)"
    r"|to have a rank of (\d+)|expects input with rank (\d+)|tensor rank, expected (\d+)"
    r"|Dimension must be \d+ but is (\d+) for " + _TRANSPOSE
)
#: Errors that name the dtypes that clash: "have types [int64, int32] that don't all match",
#: "requested dtype float64 for Tensor with dtype float32", "has type float64 that does not
#: match type float32".
_CLASH = re.compile(
    r"have types \[([\w, ]+)\]"
    r"|requested dtype (\w+) for Tensor with dtype (\w+)"
    r"|has type (\w+) that does not match type (\w+)"
)
#: Errors that name a feature and the dtypes its column takes: "column_name: item_id
#: input_tensor dtype must be string or integer" (a categorical column given floats), "key:
#: genre, column dtype: <dtype: 'string'>, tensor dtype: <dtype: 'int64'>", "Invalid input, not
#: integer. key: zip dtype: <dtype: 'float32'>" (TF 2's identity column given floats).
_COLUMN_DTYPE = re.compile(
    r"column_name: (\S+) input_tensor dtype must be string or integer"
    r"|key: ([^,\s]+), column dtype: <dtype: '(\w+)'>"
    r"|Invalid input, not integer\. key: (\S+) dtype"
)
#: A feature a column reads that the inputs lack (TF 1 and 2 feature columns say it so).
_ABSENT_FEATURE = re.compile(r"Feature (\S+) is not in features dictionary")
#: An op's input of a dtype it does not take: "Value passed to parameter 'indices' has DataType
#: float32 not in list of allowed values: uint8, int32, int64".
_ALLOWED = re.compile(r"has DataType (\w+) not in list of allowed values: ([\w, ]+)")
#: The rank an error says the tensor has: "must be rank 5 but is rank 3", "found ndim=2",
#: "expects input with rank 4, got 2", "Invalid input tensor rank, expected 4, was: 2" (TF-Slim's
#: nets), a transpose's "Dimension must be 3 but is 4" (its input's rank, then its permutation's).
_GIVEN_RANK = re.compile(
    r"but is rank (\d+)|found ndim=(\d+)|with rank \d+, got (\d+)|input has only (\d+) dims"
    r"|tensor rank, expected \d+, was: (\d+)"
    r"|Dimension must be (\d+) but is \d+ for " + _TRANSPOSE
)
_EQUAL_RANK = re.compile(r"equal rank, but are (\d+) and (\d+)")
#: A strided slice past the tensor's last dimension ("Index out of range using input dim 2;
#: input has only 2 dims for 'strided_slice'", of ``x[:, t, :]`` given ``[batch, 1]``): the
#: tensor needs one dimension more than the index.
_SLICED_PAST = re.compile(r"Index out of range using input dim (\d+); input has only \d+ dims")
_SHAPES = re.compile(r"[Ss]hape|[Dd]imension|rank")
_DIVISIBLE = re.compile(r"evenly divisible by (\d+) but is \d+")
_INPUT_SHAPES = re.compile(r"input shapes: \[(\d+(?:,\s*\d+)*)\]")
#: Two shapes an error says clash: "Shapes (4, 2) and (4, 1) are incompatible", "must have the
#: same shape ((?, 1) vs (?, 1, 1))", "Shapes are [4,1] and [?,135]" (a placeholder's default).
_TWO_SHAPES = re.compile(
    r"[(\[]([\d?, ]+|None[\w?, ]*)[)\]] (?:and|vs) [(\[]([\d?, ]+|None[\w?, ]*)[)\]]"
)
#: "slice index 32 of dimension 1 out of bounds ... input shapes: [4,32,32,32,1]": a fixed
#: index past a guessed size.
_SLICE = re.compile(
    r"slice index (\d+) of dimension (\d+) out of bounds.*?input shapes: \[(\d+(?:,\s*\d+)*)\]"
)
#: A window larger than what is left of the input: "Negative dimension size caused by
#: subtracting 4 from 3 for 'conv/Conv3D'".
_TOO_SMALL = re.compile(r"Negative dimension size caused by subtracting \d+ from \d+")
#: "Cannot reshape a tensor with 20 elements to shape [120,5] (600 elements)".
_RESHAPE_COUNTS = re.compile(
    r"Cannot reshape a tensor with (\d+) elements to shape \[[^\]]*\] \((\d+) elements\)"
)
#: The shape a reshape wants: "... to shape [4,2269,9] (81684 elements)".
_RESHAPE_TARGET = re.compile(r"Cannot reshape a tensor with \d+ elements to shape \[([\d,\s]+)\]")
_MISSING_KEY = re.compile(r"KeyError: '([^'\s]+)'$")
#: Two sizes an error says must be equal ("Dimension 0 in both shapes must be equal, but are 4
#: and 32"): where one is the synthetic batch, the other may be a batch size the code fixes
#: (``cell.zero_state(BATCH, ...)``, ``batch_size = 1`` outside TRAIN).
_UNEQUAL = re.compile(r"must be equal, but are (\d+) and (\d+)")
#: The largest batch size tried.
MAX_BATCH = 256
#: Params keys that hold the batch size, which a model_fn may build on (``tf.reshape(ids,
#: [params["batch_size"], -1])``): on synthetic inputs, theirs.
BATCH_KEYS = ("batch_size", "train_batch_size", "eval_batch_size", "predict_batch_size")
_NUMBER = re.compile(r"(?<![\w.\-])(\d{1,4})(?![\w.])")
#: Numbers of an error that are ranks, not sizes ("must be rank 5", "expected ndim=4", a
#: slice's "input dim 2; input has only 2 dims").
_RANK_NUMBER = re.compile(
    r"(?:rank(?: of)?|got|input dim|has only) \d+|ndim=\d+|rank, expected \d+, was: \d+"
)
#: Values tried for a guessed int param an error names, small first (8 = 6 * 1 + 2).
_PARAM_VALUES = (8, 50, 32, 2, 1, 16)

Choice = Dict[str, Any]


def _product(sizes: List[int]) -> int:
    """The number of values a shape of these sizes holds (``math.prod``, new in Python 3.8)."""
    count = 1
    for size in sizes:
        count *= size
    return count


def _values(candidate: Choice) -> int:
    """How many values one example of ``candidate``'s features and labels holds."""
    entries = list(candidate["features"].values()) + [candidate.get("labels")]
    total = 0
    for entry in entries:
        count = 1
        for size in (entry or {}).get("shape") or []:
            count *= max(int(size), 1)
        total += count if entry else 0
    return total


def _entry(dtype: str, shape: List[int], sparse: bool = False) -> Dict[str, Any]:
    return {"dtype": dtype, "shape": [int(d) for d in shape], "sparse": sparse}


def _sizes(params: Any, error: str, current: Choice) -> List[int]:
    """Sizes to try: the first number the error names (not a rank), a common image size, the int
    params, the error's other numbers, the features' own sizes, then other common sizes."""
    named = [int(text) for text in _NUMBER.findall(_RANK_NUMBER.sub("", error))]
    ints = [
        v
        for v in (params.values() if isinstance(params, dict) else ())
        if isinstance(v, int) and not isinstance(v, bool)
    ]
    own = [d for entry in current["features"].values() for d in entry["shape"]]
    sizes: List[int] = []
    for size in [
        *[n for n in named if n >= 2][:1],
        DEFAULT_SIZES[1],
        *ints,
        *named,
        *own,
        *DEFAULT_SIZES,
    ]:
        if 2 <= size <= 1024 and size not in sizes:
            sizes.append(size)
    return sizes[:4]


def _expected_rank(error: str) -> Optional[int]:
    """The per-example rank an error asks for ("expected ndim=4": 3; "must be equal rank, but
    are 2 and 4 ... with input shapes: [4,1]": the one the input has not), if it names one."""
    match = _EXPECTED_RANK.search(error)
    equal = _EQUAL_RANK.search(error)
    sliced = _SLICED_PAST.search(error)
    if match is not None:
        total = int(next(group for group in match.groups() if group))
    elif sliced is not None:
        total = int(sliced.group(1)) + 1
    elif equal is not None:
        ranks = [int(group) for group in equal.groups()]
        given = _INPUT_SHAPES.search(error)
        had = len(given.group(1).split(",")) if given else None
        total = ranks[1] if had == ranks[0] else ranks[0] if had == ranks[1] else max(ranks)
    else:
        return None
    return total - 1 if total >= 1 else None


def asks_rank(error: str) -> bool:
    """Whether ``error`` is an op asking its input for a rank it has not."""
    return _expected_rank(error) is not None


def _shapes(rank: int, sizes: List[int]) -> Iterator[List[int]]:
    for size in sizes:
        if rank == 0:
            yield []
            return
        if rank == 3:
            yield [size, size, 1]
            yield [size, size, 3]
        elif rank > 3:
            yield [size] * (rank - 1) + [1]
        else:
            yield [size] * rank


def _with(current: Choice, **changes: Any) -> Choice:
    candidate = copy.deepcopy(current)
    for key, value in changes.items():
        if key == "feature":
            name, entry = value
            candidate["features"][name] = entry
        else:
            candidate[key] = value
    return candidate


def _labels(current: Choice, error: str, takes_labels: bool) -> Iterator[Choice]:
    """Labels where there are none: class ids, then one value per example; where the error is
    about shapes, labels at the other of those two ranks (``[batch]`` against ``[batch, 1]``: a
    loss that expands or squeezes them itself), then shaped as the other of two shapes the error
    says clash, one of them the labels' (``Shapes (4, 2) and (4, 1) are incompatible``: a loss
    of predictions with two values per example)."""
    labels = current["labels"]
    if labels is None and takes_labels:
        for dtype, shape in (("int32", []), ("float32", [1]), ("int32", [1])):
            yield _with(current, labels=_entry(dtype, shape))
        return
    if labels is None or not _SHAPES.search(error):
        return
    if labels["shape"] in ([], [1]):
        yield _with(current, labels=_entry(labels["dtype"], [1] if not labels["shape"] else []))
    other = _other_shape(error, labels["shape"], current.get("batch"))
    if other is not None:
        yield _with(current, labels=_entry(labels["dtype"], other))


def _other_shape(
    error: str, shape: List[int], batch: Optional[int] = None
) -> Optional[List[int]]:
    """Where ``error`` says two shapes clash and one is [batch] + ``shape``, the other's
    per-example shape (its unknown dimensions 1); where both are flat and one holds the batch
    of ``shape`` (``Shapes (200,) and (4,)``: labels and predictions each reshaped to [-1]),
    the other's values per example."""
    pair = _clashing_shapes(error)
    if pair is None:
        return None
    for mine, theirs in (pair, pair[::-1]):
        if mine[1:] == shape and theirs and theirs[1:] != shape:
            return theirs[1:]
    if not batch:
        return None
    count = _product(shape)
    for mine, theirs in (pair, pair[::-1]):
        flat = len(mine) == len(theirs) == 1 and mine[0] == batch * count
        if flat and theirs[0] != mine[0] and theirs[0] % batch == 0:
            return [theirs[0] // batch]
    return None


def _clashing_shapes(error: str) -> Optional[List[List[int]]]:
    """The two shapes ``error`` says clash, each a list of sizes (an unknown one - ``?``,
    ``None``, a word - as 1); None when it says of none."""
    match = _TWO_SHAPES.search(error)
    if match is None:
        return None
    return [
        [int(d) if d.strip().isdigit() else 1 for d in text.split(",") if d.strip()]
        for text in match.groups()
    ]


def _widening_param(
    current: Choice, error: str, params: Any, guessed: List[str]
) -> Iterator[Choice]:
    """A guessed int param (a count guessed from its name) at 1, where the error says two shapes
    clash and one has that many times the other's values: ``Shapes (16,) and (4, 1)`` from a
    regression's ``n_class`` output units flattened against one label per example."""
    pair = _clashing_shapes(error)
    if pair is None or not isinstance(params, dict):
        return
    small, big = sorted(_product(shape) for shape in pair)
    if small == 0 or big % small or big == small:
        return
    for key in guessed:
        value = params.get(key)
        if type(value) is int and value > 1 and (big // small) % value == 0:
            yield _with(current, params={**current["params"], key: 1})


def _clashing_features(current: Choice, error: str, keys: List[Any]) -> Iterator[Choice]:
    """A feature shaped as the other of two shapes the error says clash, one of them the
    feature's (``placeholder_with_default(x, [None, 135])`` handed ``[4, 1]``)."""
    for key in keys:
        entry = current["features"][key]
        other = None if entry["sparse"] else _other_shape(error, entry["shape"])
        if other is not None:
            yield _with(current, feature=(key, _entry(entry["dtype"], other)))


def _column_dtypes(current: Choice, error: str) -> Iterator[Choice]:
    """The feature a column's error names, of the dtypes the column takes."""
    match = _COLUMN_DTYPE.search(error)
    if match is None:
        return
    key = match.group(1) or match.group(2) or match.group(4)
    entry = current["features"].get(key)
    if entry is None:
        return
    taken = [match.group(3)] if match.group(3) else ["int64"] if match.group(4) else None
    for dtype in taken or ["int64", "string"]:
        if dtype in _DTYPES and dtype != entry["dtype"]:
            yield _with(current, feature=(key, _entry(dtype, entry["shape"], entry["sparse"])))


def _absent_feature(
    current: Choice, error: str, hints: Dict[Any, Dict[str, Any]]
) -> Iterator[Choice]:
    """The feature a column reads and the inputs lack, added: as the model_fn's code says it is,
    else one value per example of each dtype a column takes (ids, strings, then numbers)."""
    match = _ABSENT_FEATURE.search(error)
    if match is None or match.group(1) in current["features"]:
        return
    key = match.group(1)
    entries = [hints[key]] if key in hints else []
    entries += [_entry(dtype, [1]) for dtype in ("int64", "string", "float32")]
    for entry in entries:
        yield _with(current, feature=(key, entry))


def _allowed_dtypes(current: Choice, error: str, keys: List[Any]) -> Iterator[Choice]:
    """Where an op's input has a dtype the op does not take, the features that share a shape
    (else each feature), then the labels, of that dtype given each dtype the op takes (ids for
    an embedding lookup's ``indices``)."""
    match = _ALLOWED.search(error)
    if match is None:
        return
    given = match.group(1)
    allowed = [name.strip() for name in match.group(2).split(",")]
    dtypes = [dtype for dtype in _DTYPES if dtype in allowed]
    together = _together(current, keys)
    groups = [together] if together else [[key] for key in keys]
    for dtype in dtypes:
        for group in groups:
            first = current["features"][group[0]]
            if first["dtype"] == given and not first["sparse"]:
                yield _all(current, group, dtype, first["shape"])
    labels = current["labels"]
    for dtype in dtypes if labels is not None and labels["dtype"] == given else ():
        yield _with(current, labels=_entry(dtype, labels["shape"]))


def _label_dtypes(current: Choice) -> Iterator[Choice]:
    labels = current["labels"]
    for dtype in _DTYPES[:3] if labels is not None else ():
        if dtype != labels["dtype"]:
            yield _with(current, labels=_entry(dtype, labels["shape"]))


def _clashing(error: str) -> List[str]:
    """The dtypes an error says clash, in the order it names them."""
    match = _CLASH.search(error)
    if match is None:
        return []
    pair = [group for group in match.groups()[1:] if group]
    text = match.group(1) or ", ".join(pair)
    return list(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))


def _retyped(current: Choice, error: str, keys: List[str]) -> Iterator[Choice]:
    """Where the error names dtypes that clash: labels, then the features that share a shape
    together, then each feature, of one of those dtypes given each of the others (two features
    alike that clash with each other, a signal and its length, change apart)."""
    named = _clashing(error)
    labels = current["labels"]
    together = _together(current, keys)
    dense = [key for key in keys if not current["features"][key]["sparse"]]
    groups = ([together] if together else []) + [[key] for key in dense]
    for dtype in named:
        if labels is not None and labels["dtype"] in named and labels["dtype"] != dtype:
            yield _with(current, labels=_entry(dtype, labels["shape"]))
        for group in groups:
            first = current["features"][group[0]]
            if first["dtype"] in named and first["dtype"] != dtype:
                yield _all(current, group, dtype, first["shape"])


def _together(current: Choice, keys: List[str]) -> List[str]:
    """The dense features that share the first one's dtype and shape, where there are several:
    features the model_fn stacks or concatenates, which only change together."""
    dense = [key for key in keys if not current["features"][key]["sparse"]]
    if len(dense) < 2:
        return []
    first = current["features"][dense[0]]
    same = [key for key in dense if current["features"][key] == first]
    return same if len(same) >= 2 else []


def _all(current: Choice, keys: List[str], dtype: str, shape: List[int]) -> Choice:
    candidate = copy.deepcopy(current)
    for key in keys:
        candidate["features"][key] = _entry(dtype, shape)
    return candidate


def _other_batch(current: Choice, error: str, params: Any) -> Iterator[Choice]:
    """The batch size an error sets against the synthetic one (see ``_UNEQUAL``; or two shapes
    that clash in their first size alone; or a reshape that wants the values of fewer examples
    than it gets), with the params' batch size keys (``params``: the current ones) that hold
    the synthetic one set to it."""
    batch = current.get("batch")
    tried = set()
    pairs = [(int(m.group(1)), int(m.group(2))) for m in _UNEQUAL.finditer(error)]
    shapes = _clashing_shapes(error)
    if shapes and shapes[0] and shapes[1] and shapes[0][1:] == shapes[1][1:]:
        pairs.append((shapes[0][0], shapes[1][0]))  # "Shapes (4, 200) and (1, 200)"
    counts = _RESHAPE_COUNTS.search(error)
    if counts and batch:
        # "Cannot reshape a tensor with 60 elements to shape [15] (15 elements)": code written
        # for one example at a time (a detector's proposals reshaped without the batch)
        got, wanted = int(counts.group(1)), int(counts.group(2))
        if got and wanted < got and (batch * wanted) % got == 0:
            pairs.append((batch, batch * wanted // got))
    for first, second in pairs:
        other = second if first == batch else first if second == batch else None
        if other is None or other == batch or not 1 <= other <= MAX_BATCH or other in tried:
            continue
        tried.add(other)
        held = {
            key: other
            for key in BATCH_KEYS
            if isinstance(params, dict) and type(params.get(key)) is int and params[key] == batch
        }
        yield _with(current, batch=other, params={**current["params"], **held})


def _missing_param(current: Choice, error: str, params: Any) -> Iterator[Choice]:
    """A params key the build failed to find (read in a module the inference does not read),
    given a small size."""
    match = _MISSING_KEY.match(error)
    if match and isinstance(params, dict) and match.group(1) not in params:
        yield _with(current, params={**current["params"], match.group(1): DEFAULT_SIZES[2] // 2})


def _named_param(
    current: Choice, error: str, params: Any, guessed: List[str]
) -> Iterator[Choice]:
    """A guessed int param the error names (its key, or its words: ``resnet_size`` as "Resnet
    size"), at other values: a size the model checks against a family's (ResNet's 18, 34, 50,
    a CIFAR ResNet's 6n + 2)."""
    for key in guessed:
        value = params.get(key) if isinstance(params, dict) else None
        if type(value) is not int or not _names(error, key):
            continue
        for other in _PARAM_VALUES:
            if other != value:
                yield _with(current, params={**current["params"], key: other})


def _answered(candidate: Choice, current: Choice, error: str, failure: str) -> bool:
    """Whether ``candidate`` changed a param ``error`` named and ``failure`` no longer names, or
    changed one where ``error`` says two shapes clash and ``failure`` does not say so of them."""
    changed = [
        key
        for key, value in candidate["params"].items()
        if current["params"].get(key, object()) != value
    ]
    if any(_names(error, key) and not _names(failure, key) for key in changed):
        return True
    # a count changed where two shapes clashed, and they clash no more (or others do)
    clash = _TWO_SHAPES.search(error)
    after = _TWO_SHAPES.search(failure)
    moved = after is None or (clash is not None and after.groups() != clash.groups())
    return bool(changed) and clash is not None and moved


def _names(error: str, key: str) -> bool:
    """Whether ``error`` names the param ``key`` (or its words: "Resnet size")."""
    lowered = error.lower()
    return key.lower() in lowered or key.lower().replace("_", " ") in lowered


def _degenerate(current: Choice, params: Any, sizes: List[int]) -> Iterator[Choice]:
    """Int params of 0 and features with a dimension of 0 (a flag's default), made small."""
    zero_params = [
        key
        for key, value in (params.items() if isinstance(params, dict) else ())
        if type(value) is int and value == 0
    ]
    if not zero_params and not any(0 in e["shape"] for e in current["features"].values()):
        return
    for size in sizes[:2]:
        candidate = _with(current, params={**current["params"], **dict.fromkeys(zero_params, size)})
        for entry in candidate["features"].values():
            entry["shape"] = [size if d == 0 else d for d in entry["shape"]]
        yield candidate


def _rank_change(error: str, shape: List[int]) -> int:
    """How many dimensions the code added to a feature of per-example ``shape`` before the op
    the error names (``tf.expand_dims`` of ``[batch, 1]`` makes the "rank 3" the error says the
    tensor is), or took away (negative: ``features[i]``, one item per device tower, makes a
    transpose's "Dimension must be 1" of a [batch, 1] feature): the rank the error gives less
    the feature's; 0 where it gives none."""
    match = _GIVEN_RANK.search(error)
    if match is None:
        return 0
    given = int(next(group for group in match.groups() if group))
    return given - 1 - len(shape)


def _reshaped(current: Choice, error: str, sizes: List[int], keys: List[str]) -> Iterator[Choice]:
    """Each feature at the rank the error asks for, less the dimensions the code adds to it
    (then every dimension a side, as a volume's channel is added) or more those it takes away
    (the features and labels as lists of one batch, one per device tower, which the code
    indexes; else leading dimensions of 1: the item indexed is a batch of one); else at its own
    rank with other sizes, then at the other ranks."""
    expected = _expected_rank(error)
    widths = sizes if expected is not None else sizes[:2]
    group = _together(current, keys)
    if group:
        first = current["features"][group[0]]
        rank = expected if expected is not None else len(first["shape"])
        for shape in _shapes(rank, widths[:2]):
            if shape != first["shape"]:
                yield _all(current, group, first["dtype"], shape)
    for key in keys:
        entry = current["features"][key]
        if entry["sparse"]:
            continue
        change = _rank_change(error, entry["shape"]) if expected is not None else 0
        if change and expected is not None and expected - change >= 1:
            yield from _rank_changed(current, key, expected, change, widths)
            continue
        ranks = [expected] if expected is not None else [len(entry["shape"])]
        ranks += [rank for rank in _RANKS if rank not in ranks and expected is None]
        for rank in ranks:
            for shape in _shapes(rank, widths):
                if shape != entry["shape"]:
                    yield _with(current, feature=(key, _entry(entry["dtype"], shape)))


def _rank_changed(
    current: Choice, key: Any, expected: int, change: int, widths: List[int]
) -> Iterator[Choice]:
    """Feature ``key`` where the code changes its rank by ``change`` before an op that asks
    for per-example rank ``expected`` (see ``_rank_change``)."""
    dtype = current["features"][key]["dtype"]
    for size in widths:
        if change > 0:
            yield _with(current, feature=(key, _entry(dtype, [size] * (expected - change))))
            continue
        for inner in _shapes(expected, [size]):
            # a list of one batch per device tower, then the item a batch of one
            if change == -1 and not current.get("towers"):
                yield _with(current, towers=True, feature=(key, _entry(dtype, inner)))
            yield _with(current, feature=(key, _entry(dtype, [1] * -change + inner)))


def _flat_for_reshape(current: Choice, error: str, keys: List[Any]) -> Iterator[Choice]:
    """Where a reshape wants ``N`` values per example (``evenly divisible by 18 but is 4 ...
    input shapes: [4]``) of a feature with at most one value per example's dimension (the
    input is [batch] + the feature's shape), that feature as ``N`` values."""
    wanted, shape = _DIVISIBLE.search(error), _INPUT_SHAPES.search(error)
    if wanted is None or shape is None:
        return
    got = [int(d) for d in shape.group(1).split(",")][1:]
    size = int(wanted.group(1))
    for key in keys:
        entry = current["features"][key]
        if entry["shape"] == got and len(got) <= 1 and 1 < size <= 4096:
            yield _with(current, feature=(key, _entry(entry["dtype"], [size], entry["sparse"])))


def _scaled_for_reshape(current: Choice, error: str, keys: List[Any]) -> Iterator[Choice]:
    """Where a reshape gets ``K`` values and its target holds ``P``, a multiple of ``K`` (a
    sequence length the job's params set: ``[batch * seq_len, features]``; as many ids per
    example as the config lists fields, each looked up: ``[batch, fields * dim]``), the features
    of at most one dimension with ``P / K`` times as many values: those sharing a shape together
    (a stack of them), then each."""
    match = _RESHAPE_COUNTS.search(error)
    if match is None:
        return
    got, wanted = int(match.group(1)), int(match.group(2))
    if not got or wanted % got or wanted == got:
        return
    factor = wanted // got
    dense = [key for key in keys if not current["features"][key]["sparse"]]
    flat = [key for key in dense if len(current["features"][key]["shape"]) <= 1]
    together = _together(current, flat)
    for group in ([together] if together else []) + [[key] for key in flat]:
        first = current["features"][group[0]]
        length = (first["shape"] or [1])[0] * factor
        if length <= 4096:
            yield _all(current, group, first["dtype"], [length])


def _lengthened_for_reshape(current: Choice, error: str, keys: List[Any]) -> Iterator[Choice]:
    """Where a reshape keeps the last sizes of what it gets and wants another count before them
    per example (``[8,9]`` to ``[4,2269,9]``: two fields per example looked up 9 wide, where
    the job's configuration lists 2269 of several features concatenated), each feature of at
    most one dimension with the missing count added (the others keep theirs)."""
    target, given = _RESHAPE_TARGET.search(error), _INPUT_SHAPES.search(error)
    batch = current.get("batch") or 0
    if target is None or given is None or not batch:
        return
    wanted = [int(d) for d in target.group(1).split(",")]
    got = [int(d) for d in given.group(1).split(",")]
    kept = got[1:]
    middle = wanted[1 : len(wanted) - len(kept)]
    if not kept or not middle or wanted[0] != batch or wanted[len(wanted) - len(kept) :] != kept:
        return
    if got[0] % batch:
        return
    missing = _product(middle) - got[0] // batch
    for key in keys:
        entry = current["features"][key]
        if entry["sparse"] or len(entry["shape"]) > 1:
            continue
        length = (entry["shape"] or [1])[0] + missing
        if 1 < length <= 4096:
            yield _with(current, feature=(key, _entry(entry["dtype"], [length])))


def _past_slice(current: Choice, error: str, keys: List[Any]) -> Iterator[Choice]:
    """Where the code takes a fixed index past a feature's guessed size (``slice index 32 of
    dimension 1 out of bounds`` of ``[4, 32, 32, 32, 1]``), the feature with every dimension of
    that size doubled past the index (a crop of a volume whose sides are alike); the labels too
    (``labels[:, 1]``, a box's corners ``bbox[0, 3]``: several values per example)."""
    match = _SLICE.search(error)
    if match is None:
        return
    index, axis = int(match.group(1)), int(match.group(2))
    shape = [int(d) for d in match.group(3).split(",")]
    if not 1 <= axis < len(shape):
        return
    old, new = shape[axis], max(2 * index, 2)
    if new > 1024:
        return
    for key in keys:
        entry = current["features"][key]
        if entry["sparse"] or entry["shape"] != shape[1:]:
            continue
        grown = [new if d == old else d for d in entry["shape"]]
        yield _with(current, feature=(key, _entry(entry["dtype"], grown)))
    labels = current["labels"]
    if labels is not None and labels["shape"] == shape[1:]:
        grown = [new if d == old else d for d in labels["shape"]]
        yield _with(current, labels=_entry(labels["dtype"], grown))


def _densified(current: Choice, error: str, keys: List[Any]) -> Iterator[Choice]:
    """Where the code uses a sparse feature as a dense tensor (a parse spec's ``VarLenFeature``
    that the input function densifies before the model_fn sees it), the sparse features dense,
    all together, then each."""
    if "SparseTensor" not in error or "to Tensor" not in error:
        return
    sparse = [key for key in keys if current["features"][key]["sparse"]]
    groups = [sparse] + ([[key] for key in sparse] if len(sparse) > 1 else [])
    for group in groups if sparse else ():
        candidate = copy.deepcopy(current)
        for key in group:
            candidate["features"][key]["sparse"] = False
        yield candidate


def _grown(current: Choice, error: str, keys: List[Any]) -> Iterator[Choice]:
    """Where convolutions or pooling run out of input (``Negative dimension size``), each
    feature of rank 2 or more with its largest dimensions (its sides) doubled."""
    if _TOO_SMALL.search(error) is None:
        return
    for key in keys:
        entry = current["features"][key]
        if entry["sparse"] or len(entry["shape"]) < 2:
            continue
        side = max(entry["shape"])
        if side >= 2 and 2 * side <= 1024:
            grown = [2 * d if d == side else d for d in entry["shape"]]
            yield _with(current, feature=(key, _entry(entry["dtype"], grown)))


def _as_inferred(current: Choice, hints: Dict[Any, Dict[str, Any]]) -> Iterator[Choice]:
    """The features as the model_fn's code says they are (``hints``), where a serving function
    or parse spec said otherwise (a serving function that expands what training feeds)."""
    candidate = copy.deepcopy(current)
    for key, entry in hints.items():
        if key in candidate["features"]:
            candidate["features"][key] = entry
    if candidate != current:
        yield candidate


def _rescaled(current: Choice, error: str, keys: List[Any]) -> Iterator[Choice]:
    """Where a reshape after convolutions and pooling wants ``N`` values per example and gets
    ``[batch, h, w, c]`` (``Dimension size must be evenly divisible by 3136 but is 256 ...
    input shapes: [4,1,1,64]``), the images at the size that gives ``N``: each side scaled by
    the square root of N / (h * w * c) (a 4x4 input giving 1x1x64 wants 28x28 for 7x7x64)."""
    wanted, shape = _DIVISIBLE.search(error), _INPUT_SHAPES.search(error)
    if wanted is None or shape is None:
        return
    dims = [int(d) for d in shape.group(1).split(",")]
    got = _product(dims[1:])
    if len(dims) != 4 or not got:
        return
    scale = (int(wanted.group(1)) / got) ** 0.5
    for key in keys:
        entry = current["features"][key]
        side = entry["shape"][:1] * 2
        if len(entry["shape"]) != 3 or entry["shape"][:2] != side:
            continue
        size = side[0] * scale
        if abs(size - round(size)) < 1e-6 and 1 <= round(size) <= 1024 and round(size) != side[0]:
            new = [int(round(size))] * 2 + entry["shape"][2:]
            yield _with(current, feature=(key, _entry(entry["dtype"], new)))


def _neighbours(
    current: Choice,
    error: str,
    params: Any,
    takes_labels: bool,
    hints: Optional[Dict[Any, Dict[str, Any]]] = None,
    guessed: Optional[List[str]] = None,
) -> Iterator[Choice]:
    """Candidates near ``current`` for a build that failed with ``error``, in a fixed order."""
    sizes = _sizes(params, error, current)
    keys = sorted(current["features"], key=lambda k: (k != SINGLE, str(k)))
    yield from _as_inferred(current, hints or {})
    yield from _column_dtypes(current, error)
    yield from _absent_feature(current, error, hints or {})
    yield from _named_param(current, error, params, guessed or [])
    yield from _other_batch(current, error, params)
    yield from _rescaled(current, error, keys)
    yield from _flat_for_reshape(current, error, keys)
    yield from _scaled_for_reshape(current, error, keys)
    yield from _lengthened_for_reshape(current, error, keys)
    yield from _past_slice(current, error, keys)
    yield from _grown(current, error, keys)
    yield from _densified(current, error, keys)
    yield from _labels(current, error, takes_labels)
    yield from _widening_param(current, error, params, guessed or [])
    yield from _clashing_features(current, error, keys)
    yield from _retyped(current, error, keys)
    yield from _allowed_dtypes(current, error, keys)
    yield from _missing_param(current, error, params)
    yield from _degenerate(current, params, sizes)
    yield from _reshaped(current, error, sizes, keys)
    group = _together(current, keys)
    for dtype in _DTYPES[:2] if group else ():
        first = current["features"][group[0]]
        if dtype != first["dtype"]:
            yield _all(current, group, dtype, first["shape"])
    for key in keys:
        entry = current["features"][key]
        for dtype in _DTYPES:
            if dtype != entry["dtype"]:
                yield _with(current, feature=(key, _entry(dtype, entry["shape"], entry["sparse"])))
    yield from _label_dtypes(current)


class Outcome:
    """What a search did: how many candidates it built, and the choice, if one builds."""

    def __init__(self) -> None:
        self.tried = 0
        self.choice: Optional[Choice] = None
        self.last_error = ""
        #: Whether the starting inputs failed to build (else nothing was searched).
        self.needed = True

    def describe(self) -> str:
        count = "1 candidate" if self.tried == 1 else f"{self.tried} candidates"
        if self.choice is None:
            return f"{count} tried, none builds the original (last: {self.last_error})"
        return f"{count} tried; the original builds in TRAIN and EVAL with the last"


def _builds(synthetic: Synthetic) -> Tuple[Optional[str], int]:
    """The TRAIN build's error and op count; EVAL's error once TRAIN builds."""
    error, _, ops = build_once(synthetic)
    if error is None:
        error = build_once(synthetic, mode="EVAL")[0]
        if error is not None:
            error = f"EVAL: {error}"
    return error, ops


def search(synthetic: Synthetic) -> Outcome:
    """Candidates near ``synthetic``'s inputs, whose TRAIN build fails, until the original's
    TRAIN and EVAL graphs build (see the module docstring). ``synthetic`` is left on the choice,
    or as it was."""
    started = time.monotonic()
    outcome = Outcome()
    start = synthetic.choice()
    current = start
    error, _, progress = build_once(synthetic)
    outcome.last_error = error or ""
    outcome.needed = error is not None
    takes_labels = synthetic.takes_labels()
    hints = {
        key: _entry(entry["dtype"], entry["shape"], entry["sparse"])
        for key, entry in inferred_features(synthetic.program, []).items()
    }
    improved = error is not None
    seen = {repr(start)}
    while improved:
        improved = False
        params = synthetic.params_for(current)
        guessed = synthetic.program.guessed_params
        for candidate in _neighbours(current, error or "", params, takes_labels, hints, guessed):
            if repr(candidate) in seen or _values(candidate) > MAX_VALUES:
                continue  # (sizes taken from params or errors can make a batch of gigabytes)
            seen.add(repr(candidate))
            if outcome.tried >= MAX_CANDIDATES or time.monotonic() - started > MAX_SECONDS:
                improved = False
                break
            outcome.tried += 1
            synthetic.apply(candidate)
            failure, ops = _builds(synthetic)
            if failure is None:
                outcome.choice = candidate
                return outcome
            outcome.last_error = failure
            # the build got further, or as far with the complaint about a param it changed
            # gone (``resnet_size must be 6n + 2``, then a complaint about another): search on
            # from there
            answered = _answered(candidate, current, error or "", failure)
            if ops > progress or (ops == progress and answered):
                current, progress, error = candidate, ops, failure
                improved = True
                break
    synthetic.apply(start)
    return outcome


def search_apart(synthetic: Synthetic) -> Outcome:
    """``search(synthetic)`` in a forked child where fork exists, so that this process stays as
    the rewrite's (which does not search) is; ``synthetic`` is then put on the choice."""
    if not hasattr(os, "fork"):
        return search(synthetic)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: search, report, and leave without any teardown
        try:
            os.close(read)
            try:
                found = search(synthetic)
            except Exception as exc:  # user code, or the search itself: said, not lost
                found = Outcome()
                found.last_error = f"the search failed: {type(exc).__name__}: {exc}"[:300]
            data = {
                "tried": found.tried,
                "choice": found.choice,
                "last_error": found.last_error,
                "needed": found.needed,
            }
            payload = json.dumps(data).encode("utf-8")
            while payload:
                payload = payload[os.write(write, payload) :]
        finally:
            os._exit(0)
    os.close(write)
    chunks = []
    with os.fdopen(read, "rb") as stream:
        chunks.append(stream.read())
    os.waitpid(pid, 0)
    outcome = Outcome()
    try:
        data = json.loads(b"".join(chunks).decode("utf-8"))
    except ValueError:
        outcome.last_error = "the search stopped without an answer"
        return outcome
    outcome.tried, outcome.choice = int(data["tried"]), data["choice"]
    outcome.last_error = str(data["last_error"])
    outcome.needed = bool(data["needed"])
    if outcome.choice is not None:
        synthetic.apply(outcome.choice)
    return outcome
