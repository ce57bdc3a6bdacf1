"""What inference returns: one guess per feature and per params key."""

from __future__ import annotations

from dataclasses import dataclass

from estimator_fix.validation.inference.syntax import Dim
from estimator_fix.validation.worker.dimensions import names_a_dimension


@dataclass(frozen=True)
class FeatureGuess:
    """One feature: its key (None when ``features`` is a single tensor) or an expression giving
    the key, its dtype (None: float32), its per-example shape (None: unknown) and where that was
    read (``line 12: features["x"] reshaped to [-1, 28, 28, 1]``)."""

    key: str | None
    dtype: str | None = None
    shape: tuple[Dim, ...] | None = None
    origin: str = ""
    key_expression: str | None = None
    sparse: bool = False
    #: How many leading per-example sizes are spatial ones for the worker to choose (2: an image
    #: for a 2-D convolution, 3: a volume for a 3-D one; 0: none).
    spatial: int = 0
    #: The image's or volume's channels come before its spatial sizes (a convolution given
    #: ``data_format="channels_first"``): then the spatial sizes are the trailing ones.
    channels_first: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "key": self.key,
            "key_expression": self.key_expression,
            "dtype": self.dtype,
            "shape": list(self.shape) if self.shape is not None else None,
            "sparse": self.sparse,
            "origin": self.origin,
            "spatial": self.spatial,
            "channels_first": self.channels_first,
        }


@dataclass(frozen=True)
class ParamGuess:
    """A params key the model_fn reads and a value to run it with, guessed from its name or use."""

    key: str
    value: object
    origin: str
    #: Read as ``params.key`` (HParams-style) rather than ``params["key"]``.
    attribute: bool = False
    #: Nothing said what the value is (a small count): a later read that says more wins.
    fallback: bool = False
    #: Guessed from the key's name alone (``learning_rate`` → 0.01): a declared flag's default
    #: of any kind says more.
    from_name: bool = False

    @property
    def dimension(self) -> bool:
        """A positive size for a key that names a dimension: it stands in where the job's value
        is 0 (``unset_dimension``)."""
        number = isinstance(self.value, int) and not isinstance(self.value, bool)
        return number and self.value > 0 and names_a_dimension(self.key)  # type: ignore[operator]

    def to_json(self) -> dict[str, object]:
        return {
            "key": self.key,
            "value": self.value,
            "origin": self.origin,
            "attribute": self.attribute,
            "dimension": self.dimension,
        }


@dataclass(frozen=True)
class Inferred:
    """What the model_fn's code says about its inputs (empty when it says nothing)."""

    features: tuple[FeatureGuess, ...] = ()
    params: tuple[ParamGuess, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "features": [f.to_json() for f in self.features],
            "params": [p.to_json() for p in self.params],
        }
