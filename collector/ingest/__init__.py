"""Events into the store: pulled from reachable agents, pushed by agents behind NAT.

The contract is docs/ingest.md.
"""
