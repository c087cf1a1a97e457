"""What one demo builder hands to the next: the random source, the year, the places and people made."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any


@dataclass
class DemoContext:
    rng: random.Random
    year: int
    persons: int
    stdout: Any
    data: dict[str, Any] = field(default_factory=dict)

    def say(self, text: str) -> None:
        self.stdout.write(text)
