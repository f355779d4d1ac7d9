"""Privacy operations: a learner's own data, erasure, retention, backup and the notice."""
