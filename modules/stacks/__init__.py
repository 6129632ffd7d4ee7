"""Deployable stacks composed from `modules/`."""
