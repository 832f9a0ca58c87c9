"""The register: every registered organisation as one row of numpy columns (struct of arrays).

Rows are appended when an organisation registers and never move, so a row number is an
organisation's id for the whole run; a dissolved organisation keeps its row with alive=False.
Unregistered groups are held as counts per issue domain in `UnregisteredPool`: they have no
state that changes while unregistered (a documented assumption), so counts give the same
outputs in law as rows, and their attributes are drawn when they register.
"""

from __future__ import annotations

import mmap
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model.domain import CATEGORIES, KINDS, NO_CATEGORY, STAGES, UNITE_STRATEGIES

# column name -> (dtype, value of a new row)
COLUMNS: dict[str, tuple[type, float]] = {
    "kind": (np.int8, 0),
    "domain": (np.int8, 0),
    "registered_step": (np.int16, 0),
    "alive": (np.bool_, True),
    "size": (np.float32, 0.0),  # income the organisation would have with no policy effects
    "foreign_share": (np.float32, 0.0),  # share of that income from foreign funders
    "alignment": (np.float32, 0.0),  # alignment of its mission with the state's agenda
    "resources": (np.float32, 0.0),  # yearly income now (10k yuan)
    "support": (np.float32, 0.0),  # yearly public-diplomacy grant now (10k yuan)
    "staff": (np.float32, 0.0),
    "turnover": (np.float32, 0.0),  # yearly staff turnover now
    "expertise": (np.float32, 0.0),  # 0..1
    "sp_domestic": (np.float32, 0.0),  # domestic soft power, 0..1
    "sp_international": (np.float32, 0.0),  # international soft power, 0..1
    "un_experience": (np.float32, 0.0),  # 0..1
    "specialist": (np.bool_, False),
    "critic": (np.bool_, False),  # critic rather than co-creator
    "unite": (np.int8, 0),  # alone / associate / borrow a GONGO's platform
    "associated": (np.bool_, False),  # member of a domestic association (Charity Law Art. 19)
    "coalition": (np.int32, -1),  # international coalition id, -1 for none
    "stage": (np.int8, 0),
    "category": (np.int8, NO_CATEGORY),
}
NONZERO_FILL = frozenset(name for name, (_, fill) in COLUMNS.items() if fill != 0)


class Register:
    """Every registered organisation's state, one row each; grows by doubling.

    Each column has room for `capacity` rows, or for `reserve` rows if more (with `lazy`,
    room is allocated as zeros, which the operating system maps only when rows are written,
    so a large reserve saves copying on growth at no memory cost, and the columns grow to
    twice the capacity they need, so they are copied half as often). The sums by kind multiply
    by a matrix of exactly `capacity` columns, doubled as before whatever the room, so they are
    computed the same way with any reserve."""

    def __init__(self, capacity: int = 1024, reserve: int = 0, lazy: bool = False) -> None:
        self.n = 0
        self.lazy_zeros = lazy  # allocate room as zeros (pages mapped when used) rather than new-row values
        self._capacity = max(int(capacity), 16)
        self._room = max(self._capacity, int(reserve))
        for name, (dtype, fill) in COLUMNS.items():
            setattr(self, name, self._column(dtype, fill, self._room))
        # 1.0 where a row is alive and of kind k: an index kept for fast sums by kind
        self._members = self._zeros((len(KINDS), self._capacity), np.float32)
        self.count_by_kind = np.zeros(len(KINDS), np.int64)  # alive rows by kind

    def _column(self, dtype: type, fill: float, length: int) -> np.ndarray:
        return self._zeros(length, dtype) if self.lazy_zeros else np.full(length, fill, dtype=dtype)

    def _zeros(self, shape: int | tuple[int, ...], dtype: type) -> np.ndarray:
        """Zeros: with `lazy`, in fresh memory mapped for it, so no page is touched until a row is written
        (numpy's zeros may take memory a run freed earlier, which must then be cleared page by page)."""
        if not self.lazy_zeros:
            return np.zeros(shape, dtype)
        size = int(np.prod(shape)) * np.dtype(dtype).itemsize
        return np.frombuffer(mmap.mmap(-1, max(size, 1)), dtype, count=int(np.prod(shape))).reshape(shape)

    def __getstate__(self) -> dict:
        """The used rows only (for checkpoints: the room is made again on loading)."""
        state = self.__dict__.copy()
        for name in COLUMNS:
            state[name] = getattr(self, name)[: self.n]
        state["_members"] = self._members[:, : self.n]
        return state

    def __setstate__(self, state: dict) -> None:
        """The columns made again, with `lazy` with room for two more doublings (a resumed branch grows
        from its history's rows: at 1:1 from 1.2 million in 2016 to 4.4 million, with no copy)."""
        self.__dict__.update(state)
        self._room = max(self._room, self._lazy_room(2 * self._capacity))
        for name, (dtype, _) in COLUMNS.items():
            column = self._zeros(self._room, dtype)  # `add` writes every new row's values
            column[: self.n] = state[name]
            setattr(self, name, column)
        members = self._zeros((len(KINDS), self._capacity), np.float32)
        members[:, : self.n] = state["_members"]
        self._members = members

    def __len__(self) -> int:
        return self.n

    def add(self, count: int, **values: np.ndarray | float) -> np.ndarray:
        """Append `count` rows with the given column values; return their row ids."""
        if self.n + count > self._capacity:
            self._grow(self.n + count)
        unknown = set(values) - set(COLUMNS)
        if unknown:
            raise KeyError(f"unknown register columns: {sorted(unknown)}")
        rows = np.arange(self.n, self.n + count)
        for name, value in values.items():
            getattr(self, name)[self.n : self.n + count] = value
        for name in NONZERO_FILL.difference(values):  # columns not given take their new-row value
            getattr(self, name)[self.n : self.n + count] = COLUMNS[name][1]
        kinds = self.kind[rows]
        self._members[kinds, rows] = 1.0
        self.count_by_kind += np.bincount(kinds, minlength=len(KINDS))
        self.n += count
        return rows

    def dissolve(self, rows: np.ndarray) -> None:
        """Mark rows as dissolved (they keep their row and their last state)."""
        rows = np.asarray(rows)
        if len(rows) > 1 and not np.all(rows[1:] > rows[:-1]):  # the population passes sorted, unique rows
            rows = np.unique(rows)
        rows = rows[self.alive[rows]]
        self.alive[rows] = False
        self._members[self.kind[rows], rows] = 0.0  # an alive row is a member of its own kind only
        self.count_by_kind -= np.bincount(self.kind[rows], minlength=len(KINDS))

    def sums_by_kind(self, name: str) -> np.ndarray:
        """Sum of a column over the alive rows of each kind."""
        return self._members[:, : self.n] @ self.view(name).astype(np.float32, copy=False)

    def _lazy_room(self, capacity: int) -> int:
        """Room the columns take when they grow to `capacity`: twice as much with lazily mapped zeros
        (pages unused cost nothing), so the columns are copied on every second doubling only."""
        return 2 * capacity if self.lazy_zeros else capacity

    def _grow(self, needed: int) -> None:
        """Double the capacity until `needed` rows fit; copy the columns only when they lack the room."""
        capacity = self._capacity
        while capacity < needed:
            capacity *= 2
        if capacity > self._room:
            room = self._lazy_room(capacity)
            for name, (_, fill) in COLUMNS.items():
                old = getattr(self, name)
                new = self._column(old.dtype, fill, room)
                new[: self.n] = old[: self.n]
                setattr(self, name, new)
            self._room = room
        members = self._zeros((len(KINDS), capacity), np.float32)
        members[:, : self.n] = self._members[:, : self.n]
        self._members = members
        self._capacity = capacity

    def view(self, name: str) -> np.ndarray:
        """The used part of a column (a view: writes go to the register)."""
        return getattr(self, name)[: self.n]

    def frame(self, rows: np.ndarray | None = None) -> pd.DataFrame:
        """The rows (all used rows by default) as a DataFrame with readable labels."""
        index = np.arange(self.n) if rows is None else np.asarray(rows)
        data = {"org_id": index}
        for name in COLUMNS:
            data[name] = getattr(self, name)[index]
        df = pd.DataFrame(data)
        df["kind"] = pd.Categorical.from_codes(df["kind"], KINDS)
        df["stage"] = pd.Categorical.from_codes(df["stage"], STAGES)
        df["category"] = pd.Categorical.from_codes(df["category"], CATEGORIES)
        df["unite"] = pd.Categorical.from_codes(df["unite"], UNITE_STRATEGIES)
        return df


@dataclass
class UnregisteredPool:
    """Unregistered G-R groups as counts per issue domain; `backlog` are the pre-1998 units."""

    groups: np.ndarray  # int64 count per domain
    backlog: np.ndarray  # int64 count per domain, waiting for the 1998 regulations

    @property
    def total(self) -> int:
        return int(self.groups.sum() + self.backlog.sum())
