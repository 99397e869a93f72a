"""Driving adapters around the engine: the command line (and, later, exports and the bridge)."""
