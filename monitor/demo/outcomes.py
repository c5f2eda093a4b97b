"""Northwind's own weekly results in the sample world: visits from social that follow how much
it posted that week and the week before (a plausible lag), with noise; sign-ups and orders a
share of those visits; revenue per order. Pure functions of the seed and the simulated moment.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from monitor.demo.world import HISTORY_START, World, own_posts_published, week_bounds

BASE_VISITS = 600  # a week's visits from social with no post at all (old posts, shares)
VISITS_PER_POST = 40  # each of our posts that week
VISITS_PER_POST_LATER = 220  # each of our posts the week before: shared, watched, come back to
NOISE = 0.05  # the spread of a week's visits, ±5% typical
SIGNUP_RATE, ORDER_RATE = 0.012, 0.4  # sign-ups per visit, orders per sign-up
ORDER_VALUE_EUR = 46.0  # an average order


@dataclass(frozen=True)
class DemoWeek:
    monday: date
    posts: int
    visits_from_social: int
    signups: int
    orders: int
    revenue: float

    @property
    def label(self) -> str:
        year, week, _ = self.monday.isocalendar()
        return f"{year}-W{week:02d}"


def posts_in_week(world: World, monday: date) -> int:
    """Northwind's own posts published in the week, on every platform."""
    start, end = week_bounds(monday)
    return sum(len(own_posts_published(s, start, end)) for s in world.sources if s.is_self)


def northwind_weeks(world: World, now: datetime) -> list[DemoWeek]:
    """Every week of the history that has ended at `now`, oldest first."""
    weeks: list[DemoWeek] = []
    monday, before = HISTORY_START, 0
    while week_bounds(monday)[1] <= now:
        posts = posts_in_week(world, monday)
        rng = random.Random(f"{world.seed}:outcomes:{monday.isoformat()}")
        expected = BASE_VISITS + VISITS_PER_POST * posts + VISITS_PER_POST_LATER * before
        visits = round(expected * (1 + max(-2.5 * NOISE, min(2.5 * NOISE, rng.gauss(0, NOISE)))))
        signups = round(visits * SIGNUP_RATE * rng.uniform(0.85, 1.15))
        orders = round(signups * ORDER_RATE * rng.uniform(0.8, 1.2))
        revenue = round(orders * ORDER_VALUE_EUR * rng.uniform(0.85, 1.15), 2)
        weeks.append(DemoWeek(monday, posts, visits, signups, orders, revenue))
        monday, before = monday + timedelta(days=7), posts
    return weeks
