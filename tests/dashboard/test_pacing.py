"""Play's clock (sim/dashboard/pacing.py) on a fake clock: deadlines, no drift, no burst after a late step."""

from __future__ import annotations

from sim.dashboard.pacing import play


class FakeTime:
    """A clock that moves only when a step costs time or Play waits."""

    def __init__(self, costs: list[float], stop_after: int) -> None:
        self.now = 0.0
        self.costs = costs
        self.stop_after = stop_after
        self.steps: list[float] = []

    def clock(self) -> float:
        return self.now

    def step(self) -> bool:
        self.steps.append(self.now)
        self.now += self.costs[len(self.steps) - 1]
        return True

    def stopped(self, timeout: float) -> bool:
        self.now += timeout
        return len(self.steps) >= self.stop_after


def test_steps_are_due_at_start_plus_k_periods_whatever_they_cost():
    fake = FakeTime([0.3] * 5, stop_after=5)
    assert play(fake.step, lambda: 1.0, fake.stopped, fake.clock) == 5
    assert fake.steps == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_a_late_step_is_followed_by_one_step_at_once_and_no_burst():
    fake = FakeTime([0.1, 2.5, 0.1, 0.1, 0.1], stop_after=5)
    play(fake.step, lambda: 1.0, fake.stopped, fake.clock)
    assert fake.steps == [0.0, 1.0, 3.5, 4.5, 5.5]  # 2 and 3 were missed, not made up at 3.5


def test_a_new_speed_acts_from_the_next_step_and_a_false_step_ends_play():
    periods = iter([1.0, 0.5, 0.5])
    fake = FakeTime([0.0] * 4, stop_after=10)
    ends = iter([True, True, True, False])
    taken = play(lambda: fake.step() and next(ends), lambda: next(periods), fake.stopped, fake.clock)
    assert taken == 4 and fake.steps == [0.0, 1.0, 1.5, 2.0]
