"""Shared code of the asset-allocation Lambdas: request validation and the allocation rules."""
