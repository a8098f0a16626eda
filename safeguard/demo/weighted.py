"""The one discrete distribution the demo generators sample from."""

import bisect
import random


class Weighted:
    """A fixed discrete distribution, sampled with one ``rng.random()`` call."""

    def __init__(self, weights: dict):
        self.values = list(weights)
        self.cumulative = []
        total = 0.0
        for w in weights.values():
            total += w
            self.cumulative.append(total)
        self.total = total

    def pick(self, rng: random.Random):
        i = bisect.bisect_right(self.cumulative, rng.random() * self.total)
        return self.values[min(i, len(self.values) - 1)]
