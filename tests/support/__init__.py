"""Test doubles and synthetic data shared by the tests and the benches (never shipped)."""
