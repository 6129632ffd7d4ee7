"""Seed 000's multi-agent scheduling system: the agent table, its instructions, its stack."""
