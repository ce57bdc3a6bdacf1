"""estimator-fix: find and fix eager and misplaced code in TensorFlow Estimator model_fns."""

__version__ = "0.1.0"
