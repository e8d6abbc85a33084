"""Requests in Redis as JSON, not pickle (scrapy-redis's default): `SCHEDULER_SERIALIZER`.

scrapy-redis gives `dumps` the dict of `Request.to_dict(spider=...)` (the
callback by name) and hands what `loads` returns to `request_from_dict`.
JSON has no bytes (bodies, header names and values) and no dicts with bytes
keys (headers), so those are tagged: `{"$b": base64}` and `{"$d": [[k, v], ...]}`.
Anything else that is not plain data (an object in `cb_kwargs` or `meta`)
cannot travel to another machine: `TypeError` names where it is.
"""

from __future__ import annotations

import base64
import json
from typing import Any

_BYTES = "$b"
_PAIRS = "$d"


def _encode(value: Any, where: str) -> Any:
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (bytes, bytearray)):
        return {_BYTES: base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, (list, tuple)):
        return [_encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and not ({_BYTES, _PAIRS} & value.keys()):
            return {k: _encode(v, f"{where}.{k}") for k, v in value.items()}
        return {_PAIRS: [[_encode(k, f"{where} key"), _encode(v, f"{where}.{k!r}")] for k, v in value.items()]}
    raise TypeError(f"{where} holds a {type(value).__name__}, which cannot be sent through Redis as JSON")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if len(value) == 1 and _BYTES in value:
            return base64.b64decode(value[_BYTES])
        if len(value) == 1 and _PAIRS in value:
            return {_hashable(_decode(k)): _decode(v) for k, v in value[_PAIRS]}
        return {k: _decode(v) for k, v in value.items()}
    return value


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


def dumps(obj: dict[str, Any]) -> str:
    """One request dict as compact JSON."""
    return json.dumps(_encode(obj, "request"), separators=(",", ":"), ensure_ascii=False)


def loads(text: str | bytes) -> dict[str, Any]:
    return _decode(json.loads(text))
