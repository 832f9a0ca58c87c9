"""Play's clock (sim/dashboard/pacing.py) on a fake clock: deadlines, no drift, no burst after a late step; work
started a lead time before each deadline and shown on it; the lead; the runs' phases."""

from __future__ import annotations

import pytest

from sim.dashboard.pacing import LEAD_FACTOR, LEAD_MARGIN, LEAD_SHARE, LEAD_WINDOW, lead_time, phase, play


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


class FakeWork(FakeTime):
    """FakeTime whose steps are begun by `prepare` (noted) and shown by `step` (at no cost)."""

    def __init__(self, stop_after: int, stop_prepared: bool = False) -> None:
        super().__init__([0.0] * (stop_after + 1), stop_after)
        self.prepared: list[float] = []
        self.stop_prepared = stop_prepared  # stop while the last step's work is under way

    def prepare(self) -> None:
        self.prepared.append(self.now)

    def stopped(self, timeout: float) -> bool:
        if self.stop_prepared and len(self.prepared) >= self.stop_after:
            return True  # the stop comes at once
        return super().stopped(timeout)


def test_work_starts_the_lead_before_each_deadline_and_is_shown_on_it():
    fake = FakeWork(stop_after=4)
    taken = play(fake.step, lambda: 1.0, fake.stopped, fake.clock, prepare=fake.prepare, lead=lambda: 0.3)
    assert taken == 4
    assert fake.prepared == pytest.approx([0.0, 0.7, 1.7, 2.7])  # the first deadline is now: its work starts at once
    assert fake.steps == pytest.approx([0.0, 1.0, 2.0, 3.0])


def test_the_first_deadline_is_the_offset_from_now_and_the_lead_is_read_before_each_step():
    leads = iter([0.2, 0.5, 0.1, 0.0])  # the last is read before the stop
    fake = FakeWork(stop_after=3)
    play(fake.step, lambda: 1.0, fake.stopped, fake.clock, prepare=fake.prepare, lead=lambda: next(leads), offset=0.6)
    assert fake.prepared == pytest.approx([0.4, 1.1, 2.5])
    assert fake.steps == pytest.approx([0.6, 1.6, 2.6])


def test_a_stop_while_work_is_under_way_shows_it_at_once_and_starts_no_more():
    fake = FakeWork(stop_after=2, stop_prepared=True)
    taken = play(fake.step, lambda: 1.0, fake.stopped, fake.clock, prepare=fake.prepare, lead=lambda: 0.3)
    assert taken == 2 and len(fake.prepared) == 2  # every piece of work begun is shown, none begun after
    assert fake.steps == pytest.approx([0.0, 0.7])  # the second shown when the stop came, not at its deadline


def test_work_that_ends_the_run_ends_play():
    fake = FakeWork(stop_after=10)
    ends = iter([True, False])
    taken = play(lambda: fake.step() and next(ends), lambda: 1.0, fake.stopped, fake.clock, prepare=fake.prepare)
    assert taken == 2 and len(fake.prepared) == 2


def test_the_lead_is_the_slowest_recent_step_with_a_margin_and_at_most_a_share_of_the_period():
    assert lead_time([], 1.0) == pytest.approx(LEAD_SHARE)  # nothing known yet: the most allowed
    assert lead_time([0.05, 0.2, 0.1], 1.0) == pytest.approx(0.2 * LEAD_FACTOR + LEAD_MARGIN)
    assert lead_time([0.05, 0.2, 0.1], 0.25) == pytest.approx(LEAD_SHARE * 0.25)  # a fast speed: capped
    old = [0.4] + [0.05] * LEAD_WINDOW
    assert lead_time(old, 1.0) == pytest.approx(0.05 * LEAD_FACTOR + LEAD_MARGIN)  # only the last few count


def test_the_phases_of_a_class_made_one_after_another_are_spread_over_the_period():
    phases = sorted(phase(n) for n in range(100, 130))  # 30 runs, whatever number the first has
    assert all(0.0 <= p < 1.0 for p in phases)
    gaps = [b - a for a, b in zip(phases, [*phases[1:], phases[0] + 1.0], strict=True)]
    assert min(gaps) > 0.5 / 30 and max(gaps) < 2.0 / 30
