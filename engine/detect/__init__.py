"""One module per detector of SPEC.md.  Each holds the rule's condition and its strength
formula as plain functions over the coin's rolling windows; the engine decides episodes."""
