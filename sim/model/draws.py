"""The run's random numbers, keyed by the decision they make: common random numbers.

A paired comparison runs two scenarios with the same seed so that their difference is the
policy's, not the draw's. That only holds as long as the two runs draw the same numbers for the
same decisions. With one stream per subsystem it does not: once one organisation's decision
differs, every later draw of that stream falls to another organisation. Here each number is a
fixed function of the seed, the step, the decision and the organisation (its register row), so
an organisation meets the same luck in both runs whatever the others do:

- `uniform` / `uniforms`: one number per organisation and decision in a step (a SplitMix64 hash of
  the step's key and the row: Steele, Lea and Flood 2014, the generator of Java's SplittableRandom);
- `below`: the rows whose number for the decision is below a chance, without drawing one for every
  row (see `below`);
- `generator`: a numpy Generator of its own for a decision that is not one organisation's (how many
  are founded, the world's docket), started afresh each step.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

# Every decision that draws. Its position is part of the key: add new ones at the end.
DECISIONS = (
    "initial_state",
    "founding",
    "registration",
    "association",
    "dissolution",
    "first_step_abroad",
    "sponsored_first_step",
    "stepping_order",
    "presence",
    "return_home",
    "application",
    "coalition",
    "platform",
    "reading:un_event",
    "reading:presence_abroad",
    "reading:ecosoc_application",
    "reading:upr_submission",
    "objection:regular",
    "objection:resumed",
    "lesson:regular",
    "lesson:resumed",
    "outcome:regular",
    "outcome:resumed",
    "screening",
    "world_docket",
    "quadrennial_report",
    "upr_campaign",
    "upr_report",
    "un_event",
)
_INDEX = {decision: i for i, decision in enumerate(DECISIONS)}

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15  # SplitMix64's increment
_M1, _M2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
_TO_UNIT = 2.0**-53

FIRST_LEVEL = 2.0**-7  # `below` reveals the rows' numbers in levels [0, 2^-7), [2^-7, 2^-6), ... [1/2, 1)
LEVELS = (0.0, *(FIRST_LEVEL * 2.0**k for k in range(8)))


def mix(z: int) -> int:
    """SplitMix64's finaliser of one 64-bit integer."""
    z = ((z ^ (z >> 30)) * _M1) & MASK
    z = ((z ^ (z >> 27)) * _M2) & MASK
    return z ^ (z >> 31)


def mix_array(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser of uint64 integers (the same bits as `mix`; unsigned products wrap)."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(_M1)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(_M2)
    return z ^ (z >> np.uint64(31))


class Draws:
    """The random numbers of one run (seeded once, no global state), keyed by step and decision."""

    def __init__(self, seed: int, rows: int = 4096) -> None:
        """`rows`: about how many rows the run starts with; `below` works in blocks of the power of two
        at or above it (at least 4,096), so a run's rows fill a few blocks at any scale."""
        self.block = 1 << max(12, math.ceil(math.log2(max(rows, 1))))
        self._root = int(np.random.SeedSequence(seed).generate_state(1, np.uint64)[0])
        self.step = -1  # -1 while the initial state is built
        self._keys: dict[str, int] = {}
        self._generators: dict[str, np.random.Generator] = {}

    def begin_step(self, step: int) -> None:
        """Key every draw from now on by `step`."""
        self.step = step
        self._keys.clear()
        self._generators.clear()

    def key(self, decision: str) -> int:
        """The 64-bit key of `decision` in this step (KeyError for a decision not in DECISIONS)."""
        key = self._keys.get(decision)
        if key is None:
            salt = (_INDEX[decision] << 32) | (self.step + 1)
            key = self._keys[decision] = mix(self._root ^ mix(salt))
        return key

    def uniform(self, decision: str, row: int) -> float:
        """The number in [0, 1) of organisation `row` for `decision` in this step."""
        return (mix((self.key(decision) + (row + 1) * GOLDEN) & MASK) >> 11) * _TO_UNIT

    def uniforms(self, decision: str, rows: np.ndarray) -> np.ndarray:
        """`uniform` of each of `rows` (the same numbers, drawn at once)."""
        z = np.asarray(rows, dtype=np.uint64) + np.uint64(1)
        z = z * np.uint64(GOLDEN) + np.uint64(self.key(decision))
        return (mix_array(z) >> np.uint64(11)).astype(np.float64) * _TO_UNIT

    def generator(self, decision: str) -> np.random.Generator:
        """A generator for `decision` alone, started afresh each step (the same one within a step)."""
        generator = self._generators.get(decision)
        if generator is None:
            generator = self._generators[decision] = np.random.Generator(np.random.PCG64(self.key(decision)))
        return generator

    def below(self, decision: str, n: int, top: float) -> tuple[np.ndarray, np.ndarray]:
        """The rows among 0..n-1 whose number for `decision` is below `top`, sorted, and their numbers.

        Every row has a number uniform on [0, 1), but only those below `top` are drawn, so the work
        is n x top, not n. Each block of `block` rows has its own generator, which reveals its rows'
        numbers level by level (LEVELS): level k picks each row of the block with chance
        q_k = (high - low) / (1 - low) (a binomial count, then which rows, uniformly); a row's number
        lies in the first level that picks it, uniform within it, so it is below `high` with chance
        `high` exactly. Levels are revealed in order until `top` is passed, so a row's number depends
        on neither `top` nor n: two runs that differ in either agree on every row both reveal."""
        rows: list[np.ndarray] = []
        numbers: list[np.ndarray] = []
        key = self.key(decision)
        for index in range((n + self.block - 1) // self.block):
            generator = np.random.Generator(np.random.PCG64(mix(key ^ index)))
            offset, present = index * self.block, n - index * self.block  # rows of the block that exist
            revealed = None  # which rows earlier levels picked (none before the first)
            block_rows, block_numbers = [], []
            for low, high in itertools.pairwise(LEVELS):
                if low >= top:
                    break
                count = int(generator.binomial(self.block, (high - low) / (1.0 - low)))
                picked = np.sort(generator.choice(self.block, count, replace=False, shuffle=False))
                number = generator.random(count)
                number *= high - low
                number += low
                keep = number < top
                if revealed is not None:
                    keep &= ~revealed[picked]
                if high < top:  # a level follows: remember these rows
                    if revealed is None:
                        revealed = np.zeros(self.block, bool)
                    revealed[picked] = True
                if present < self.block:
                    keep &= picked < present
                block_rows.append(picked[keep])
                block_numbers.append(number[keep])
            if len(block_rows) == 1:
                rows.append(block_rows[0] + offset)
                numbers.append(block_numbers[0])
            elif block_rows:  # each level is in row order: put the block's levels together in row order
                merged = np.concatenate(block_rows)
                order = np.argsort(merged, kind="stable")
                rows.append(merged[order] + offset)
                numbers.append(np.concatenate(block_numbers)[order])
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0)
        return np.concatenate(rows), np.concatenate(numbers)
