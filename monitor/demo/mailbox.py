"""A real SMTP server on loopback (aiosmtpd, in-process) that keeps what it receives."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from monitor.errors import DeliveryError


class _Keeper:
    def __init__(self) -> None:
        self.received: list[tuple[EmailMessage, tuple[str, ...]]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, _server, _session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append((message, tuple(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class LoopbackMailbox:
    """`with LoopbackMailbox() as box:` an SMTP server on 127.0.0.1:box.port."""

    def __init__(self) -> None:
        self._keeper = _Keeper()
        self.port = _free_port()
        self._controller = Controller(self._keeper, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> LoopbackMailbox:
        self._controller.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._controller.stop()

    def last(self) -> tuple[EmailMessage, tuple[str, ...]]:
        """The last message received and its envelope recipients."""
        with self._keeper.lock:
            if not self._keeper.received:
                raise DeliveryError("the demo's mail server received nothing")
            return self._keeper.received[-1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
