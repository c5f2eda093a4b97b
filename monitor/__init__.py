"""Competitor social-activity monitor: collect, measure, and send a weekly digest."""

__version__ = "0.1.0"
