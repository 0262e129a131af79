"""The provincial collector (not implemented yet; see collector/README.md)."""
