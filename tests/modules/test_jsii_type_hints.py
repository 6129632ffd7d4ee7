"""The memoized type hints of jsii's argument checks (modules/jsii_type_hints.py): the same
hints as the standard function, computed once per stub, and the checks still refuse a wrong
argument type."""

from __future__ import annotations

import typing

import pytest

import modules  # noqa: F401  (installs the memoized function)
from modules import jsii_type_hints
from modules.aws import provider_module


def _a_stub():
    # The module object hides its private names (jsii `publication`); the code sees them.
    code_globals = provider_module("s3_bucket").S3Bucket.__init__.__globals__
    return next(value for name, value in code_globals.items()
                if name.startswith(jsii_type_hints.STUB_PREFIX))


def test_importing_modules_installs_it():
    assert typing.get_type_hints is jsii_type_hints.get_type_hints


def test_a_stub_gets_the_standard_hints_once_and_as_a_copy():
    stub = _a_stub()
    expected = jsii_type_hints._standard_get_type_hints(stub)
    first = typing.get_type_hints(stub)
    assert first == expected and first
    first.clear()  # what a caller does with its dict does not reach the next caller
    assert typing.get_type_hints(stub) == expected
    before = jsii_type_hints._stub_hints.cache_info()
    typing.get_type_hints(stub)
    after = jsii_type_hints._stub_hints.cache_info()
    assert (after.hits, after.misses) == (before.hits + 1, before.misses)


def test_anything_else_goes_to_the_standard_function():
    def annotated(x: typing.Annotated[int, "meta"]) -> str:
        return str(x)

    assert typing.get_type_hints(annotated, include_extras=True)["x"] == \
        typing.Annotated[int, "meta"]
    assert typing.get_type_hints(annotated) == {"x": int, "return": str}
    before = jsii_type_hints._stub_hints.cache_info().currsize
    typing.get_type_hints(annotated)
    assert jsii_type_hints._stub_hints.cache_info().currsize == before


def test_a_wrong_argument_type_is_still_refused():
    from cdktf import App, TerraformStack

    stack = TerraformStack(App(), "hints")
    bucket = provider_module("s3_bucket")
    with pytest.raises(TypeError, match="bucket"):
        bucket.S3Bucket(stack, "twice", bucket=["pf-hints"])
    with pytest.raises(TypeError, match="bucket"):  # the second call checks too
        bucket.S3Bucket(stack, "again", bucket=["pf-hints"])
