"""The mode analysis behind EF101–EF106 and the layout that writes its result back.

``walk`` (the forward pass over a model_fn body: which modes run each statement, what each name
carries) uses ``evaluate`` (mode tests per mode), ``calls`` (what a call builds), ``specs`` (the
EstimatorSpecs returned) and the rules' policies (``policy``); ``safety`` (the backward pass:
which modes need each statement, and what must never be skipped) settles the result; ``report``
turns it into findings and ``layout``/``reorder`` into statements.
"""
