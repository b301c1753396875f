"""Operator tooling, domain-free: dead letters, tail/explain, shadow rebuilds, diffs and cutovers."""
