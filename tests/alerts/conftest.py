"""The alert tests' loopback world and mail server, for every test module here."""

from __future__ import annotations

import pytest
from alert_world import T0, serve, start_smtp, steady_world


@pytest.fixture
def smtp():
    controller, mailbox = start_smtp()
    yield mailbox
    controller.stop()


@pytest.fixture
def world():
    world = steady_world(T0)
    server, port = serve(world)
    world.port = port
    yield world
    server.shutdown()
