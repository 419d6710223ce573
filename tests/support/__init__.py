"""Shared test helpers (real peers, not mocks)."""
