"""Fixed-window counters in the shared cache (every web process counts together).

A window starts on a multiple of its length (``window_seconds``) and its count is forgotten when
it ends, so someone refused is told exactly how long to wait (``Retry-After``), and the wait
does not grow with each try as it would with a sliding window.
"""

import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Window:
    name: str
    limit: int
    window_seconds: int

    clock = staticmethod(time.time)

    def _key(self, subject: str, now: float) -> str:
        # Hashed: a key holds no address or token as such, and is always short enough.
        digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
        return f"rl:{self.name}:{int(now // self.window_seconds)}:{digest}"

    def seconds_left(self, now: float | None = None) -> int:
        """Seconds until the current window ends (at least 1)."""
        now = self.clock() if now is None else now
        end = (int(now // self.window_seconds) + 1) * self.window_seconds
        return max(1, math.ceil(end - now))

    def count(self, subject: str) -> int:
        return cache.get(self._key(subject, self.clock())) or 0

    def hit(self, subject: str) -> int:
        """Count one more against ``subject`` in the current window; the count after it."""
        now = self.clock()
        key = self._key(subject, now)
        timeout = self.seconds_left(now) + 5
        if cache.add(key, 1, timeout):
            return 1
        try:
            return cache.incr(key)
        except ValueError:  # the window ended between add and incr
            cache.set(key, 1, timeout)
            return 1

    def exceeded(self, subject: str) -> bool:
        return self.count(subject) > self.limit
