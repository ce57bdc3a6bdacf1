"""Hypothesis strategies for estimator-fix tests, and the stub TensorFlow they run under."""
