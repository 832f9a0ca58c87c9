"""Coalitions of G-R NGOs abroad: grow and unite (A), pooling capacity among members."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model.agents import OrganisationAgent
    from sim.model.register import Register


class Coalitions:
    """Every coalition's members (register rows); a G-R NGO joins one in its own issue domain."""

    def __init__(self, register: Register, full_size: float) -> None:
        self.register = register
        self.full_size = full_size
        self.members: list[list[int]] = []
        self.domain: list[int] = []

    def join(self, agent: OrganisationAgent) -> int:
        """Join an open coalition of the agent's domain, or found one; returns its id."""
        r = self.register
        domain = int(r.domain[agent.row])
        for cid, rows in enumerate(self.members):
            if self.domain[cid] == domain and 0 < len(rows) < agent.model.params.coalition_max_members:
                break
        else:
            cid = len(self.members)
            self.members.append([])
            self.domain.append(domain)
        self.members[cid].append(agent.row)
        r.coalition[agent.row] = cid
        agent.model.log("coalition_joined", agent, value=float(cid), detail=f"members={len(self.members[cid])}")
        return cid

    def leave(self, row: int) -> None:
        """Remove a member (it dissolved or went back to domestic work)."""
        cid = int(self.register.coalition[row])
        if cid >= 0:
            self.members[cid].remove(row)
            self.register.coalition[row] = -1

    def strength(self, cid: int) -> float:
        """What a coalition lends its members: their mean expertise, growing with members up to `full_size`."""
        rows = self.members[cid]
        if len(rows) < 2:
            return 0.0
        return float(np.mean(self.register.expertise[rows])) * min(1.0, (len(rows) - 1) / (self.full_size - 1))

    def count(self) -> tuple[int, int]:
        """Coalitions with at least two members, and their members."""
        sizes = [len(rows) for rows in self.members if len(rows) >= 2]
        return len(sizes), sum(sizes)
