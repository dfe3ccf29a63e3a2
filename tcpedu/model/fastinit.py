"""A faster ``__init__`` for frozen, slotted dataclasses built by the thousand on the simulator's
hot path (segments, events, snapshots, trace records).

The ``__init__`` a frozen dataclass gets calls ``object.__setattr__(self, name, value)`` per field,
which looks the attribute up by name each time; :func:`quick_init` gives the class an ``__init__``
with the same signature, defaults and effect (``__post_init__`` included) that stores each field
through its slot's own descriptor, bound once: some 2x faster. The class stays frozen.
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import TypeVar

__all__ = ["quick_init"]

_C = TypeVar("_C", bound=type)


def quick_init(cls: _C) -> _C:
    """Decorate a frozen, slotted dataclass (applied above ``@dataclass``): same constructor,
    faster. Fields with a ``default_factory`` are not supported (none of these classes has one)."""
    params, body, names = [], [], {}
    for f in fields(cls):
        if f.default_factory is not MISSING:  # type: ignore[misc]
            raise TypeError(f"{cls.__name__}.{f.name}: quick_init takes no default_factory")
        names[f"_set_{f.name}"] = cls.__dict__[f.name].__set__
        if f.default is not MISSING:
            names[f"_d_{f.name}"] = f.default
            params.append(f"{f.name}=_d_{f.name}")
        else:
            params.append(f.name)
        body.append(f"_set_{f.name}(self, {f.name})")
    if hasattr(cls, "__post_init__"):
        body.append("self.__post_init__()")
    source = f"def __init__(self, {', '.join(params)}):\n    " + "\n    ".join(body or ["pass"])
    exec(source, names)  # noqa: S102 - generated from the class's own field names
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__annotations__ = {f.name: f.type for f in fields(cls)} | {"return": None}
    cls.__init__ = init
    return cls
