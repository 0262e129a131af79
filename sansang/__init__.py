"""sansang (sẵn sàng): readiness monitoring for commune one-stop public service centres."""

__version__ = "0.1.0"
