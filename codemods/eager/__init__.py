"""The eager-code analysis behind EF201–EF206 (run by ``codemods.eager_code``).

``walk`` goes through a model_fn body statement by statement, tracking what each name holds
(``values``, ``evaluate``, ``tf_calls``, ``binding``) and handing each statement's expressions to
``expressions``, which asks the rules' detectors (``codemods.rules.ef20N_*``) about them; each
detector adds a site of its rule's own kind (``sites``) saying what its fix is (``edits``), and the
codemod applies those edits (``rewrite``, ``printing``; ``numpy_table`` is EF201's table, loaded on
the first NumPy call on a tensor).
"""
