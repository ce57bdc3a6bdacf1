"""LibCST codemods for Estimator model_fns (self-contained: never imports estimator_fix)."""
