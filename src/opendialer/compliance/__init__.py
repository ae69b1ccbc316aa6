"""The compliance gate: pure rules (no I/O inside them) that allow or refuse one attempt."""
