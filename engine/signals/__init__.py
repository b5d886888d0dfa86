"""The signal path of SPEC.md: merge, gate, adaptive confidence, context filter, outcomes."""
