"""Vectors and matrices (issue 15): the array path, kept apart from the scalar loop.

How an array graph is represented (plain data, for the views built on it):

- The tape is the scalar path's `Tape` (gradcli/tape.py): the same node lists,
  built by the same parser.  Array nodes only add op names (gradcli/arrays/names.py):
  `matmul` (A @ B), `stack` (an array literal `[a, b]`; nested literals are stacks of
  stacks), `index[1,0]` / `index[1:3]` (the subscript is part of the op name), `sum`,
  `mean`, `prod`, `amax`/`amin` (max/min of one argument), `dot`, `norm`, `norm1`,
  `outer`, `transpose`, `trace`, `softmax`, `log_softmax`, `logsumexp`, `det`, `inv`,
  `logdet`, `solve`.  Every scalar op (add, sin, pow, max of several, ...) is elementwise
  with NumPy's broadcasting.
- A value is a float64 `numpy.ndarray` per node (shape () for a scalar), in
  `ArrayEvaluation.values`; an adjoint is an ndarray of the node's own shape, in
  `ArrayEvaluation.adjoints` (one list per output, None where no gradient flows).
  The gradient `ArrayEvaluation.gradient[name]` has the shape of that input.
- Which modules hold what: names.py (op names and printing, no NumPy), values.py
  (`[1, 2]` and `@file.csv` values), table.py (forward and vector-Jacobian product of
  every op, written once), engine.py (the forward and reverse sweeps: plain loops),
  check.py (finite differences per element, or random directions for big inputs),
  pipeline.py (evaluate_arrays, jacobian_arrays → ArrayEvaluation / ArrayJacobian),
  gradcli/render/arrays.py (tables, JSON, CSV, plain, -q); ledger.py (explain and graph:
  each edge's vector-Jacobian product as a rule with its factors, gradcli/render/
  arrays_explain.py and arrays_graph.py print it).

NumPy is imported only by values.py, table.py and what uses them, and only when an
array appears: the scalar path never imports this package's NumPy modules.
"""
