"""A whole simulated cohort: every registration (first and second ones) and every follow-on visit."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date

from pydantic import BaseModel, ConfigDict

from simulation.generator import AS_OF, SyntheticChild, generate_children, roster
from simulation.noise import SECOND_REGISTRATION_SHARE, second_registration
from simulation.timeline import Visit, child_visits


class Cohort(BaseModel):
    """What the simulated enumerators will have submitted by as_of, in a fixed order."""

    model_config = ConfigDict(frozen=True)

    # First registrations by index, then second ones (registered again, or after a move) by index.
    registrations: tuple[SyntheticChild, ...]
    visits: tuple[Visit, ...]  # by child, then in date order

    def counts(self) -> Counter[str]:
        """Submissions per form."""
        out: Counter[str] = Counter({"child_registration": len(self.registrations)})
        out.update(v.form_id for v in self.visits)
        return out


def generate_cohort(n: int, seed: int, *, as_of: date = AS_OF) -> Cohort:
    """n children and their visit cycles up to as_of; the same seed gives the same cohort."""
    children = generate_children(n, seed, as_of=as_of)
    staff = roster(seed)
    seconds: dict[int, SyntheticChild] = {}
    for child in children:
        rng = random.Random(f"again/{seed}/{child.index}")
        if rng.random() < SECOND_REGISTRATION_SHARE:
            found = second_registration(rng, child, staff, seed=seed, as_of=as_of)
            if found is not None:
                seconds[child.index] = found
    visits: list[Visit] = []
    for child in children:
        timeline = child_visits(child, staff, seed=seed, as_of=as_of,
                                second=seconds.get(child.index))
        visits.extend(timeline.visits)
        if timeline.moved is not None:
            seconds[child.index] = timeline.moved
    later = tuple(seconds[i] for i in sorted(seconds))
    return Cohort(registrations=(*children, *later), visits=tuple(visits))
