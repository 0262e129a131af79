"""``sansang agent diagnose``: every check of one site, layer by layer (see docs/diagnose.md)."""
