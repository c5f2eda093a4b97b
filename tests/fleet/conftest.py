"""The fleet tests serve the reliability tests' loopback world (fault_server, platform_bodies)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reliability"))
