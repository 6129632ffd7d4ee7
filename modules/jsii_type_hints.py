"""Memoized type hints for the argument checks of jsii's generated Python bindings.

Every constructor and setter of the generated bindings (cdktf, the AWS provider) checks its
arguments with `typing.get_type_hints(_typecheckingstub__<hash>)` before `typeguard.check_type`.
`get_type_hints` re-evaluates the stub's string annotations on every call (`compile` and `eval`
of each one): about 3,800 calls and 0.3 s of a 5.5 s synthesis worker. A stub is a module-level
function whose annotations never change, so its hints are computed once here. The checks
themselves still run on every call: a wrong argument type is still a TypeError.

Any other call (another kind of object, or with `globalns`, `localns` or `include_extras`)
goes to the standard function unchanged.
"""

from __future__ import annotations

import functools
import typing

#: Name prefix of the annotation-only stub functions jsii generates for argument checks.
STUB_PREFIX = "_typecheckingstub__"

_standard_get_type_hints = typing.get_type_hints


@functools.lru_cache(maxsize=None)
def _stub_hints(stub) -> dict:
    return _standard_get_type_hints(stub)


def get_type_hints(obj, globalns=None, localns=None, include_extras=False):
    """`typing.get_type_hints`, computed once per jsii argument-check stub."""
    if (globalns is None and localns is None and not include_extras
            and getattr(obj, "__name__", "").startswith(STUB_PREFIX)):
        return dict(_stub_hints(obj))  # a copy: the caller owns what it gets
    return _standard_get_type_hints(obj, globalns, localns, include_extras)


def install() -> None:
    """Replace `typing.get_type_hints` for this process (idempotent)."""
    typing.get_type_hints = get_type_hints
