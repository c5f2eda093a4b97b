"""Digests rendered once per session: rendering draws three charts, so the tests share them."""

from __future__ import annotations

import pytest
from report_builders import COMPETITORS, PLATFORMS, hostile_metrics, render, week_metrics

from monitor.report.render import Digest


@pytest.fixture(scope="session")
def english() -> Digest:
    return render(hostile_metrics(), "en")


@pytest.fixture(scope="session")
def italian() -> Digest:
    return render(hostile_metrics(), "it")


@pytest.fixture(scope="session")
def big() -> Digest:
    """10 companies x 5 platforms, a full page of posts: the size and time figures."""
    return render(week_metrics(COMPETITORS, PLATFORMS), "en", top_posts=10)
