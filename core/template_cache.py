"""Compiled templates kept for the life of the process, shared by every app it builds.

Jinja compiles a template the first time an app's environment loads it, and each app has an
environment of its own. A process that builds several apps (the CLI, the test suite: one app
per test) would otherwise parse and compile the same templates again for each. Jinja checks
each entry against the checksum of the template's source, so an edited template is compiled
afresh. A served process builds one app and simply gains nothing.
"""
from __future__ import annotations

import threading

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket


class ProcessBytecodeCache(BytecodeCache):
    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def load_bytecode(self, bucket: Bucket) -> None:
        compiled = self._compiled.get(bucket.key)
        if compiled is not None:
            bucket.bytecode_from_string(compiled)

    def dump_bytecode(self, bucket: Bucket) -> None:
        compiled = bucket.bytecode_to_string()
        with self._lock:
            self._compiled[bucket.key] = compiled

    def clear(self) -> None:
        with self._lock:
            self._compiled.clear()


COMPILED_TEMPLATES = ProcessBytecodeCache()
