"""normal_url's quick path gives back exactly what taking the address apart would."""

from __future__ import annotations

import random

import pytest

from monitor.links import NO_LINK, link_hash, normal_url, respelled

PIECES = (
    "a", "Z", "0", "9", ".", "-", "_", "~", "/", "//", "?", "#", ":", "@", "[", "]", "%20",
    "%", "\\", " ", "\t", "\n", "\x00", "\x1f", "\x85", "\xa0", "é", "ß", "İ", "&", "=", ";",
    ",", "+", "!", "*", "'", "(", ")", "$",
)  # fmt: skip
STARTS = ("http://", "https://", "HTTP://", "Https://", "ftp://", "http:/", "//", "", " http://")
HOSTS = (
    "acme.example", "ACME.example", "127.0.0.1", "a", "acme.example:80", "acme.example:443",
    "acme.example:8080", "user@acme.example", "[::1]", "xn--bcher-kva.example", "a..b", "",
)  # fmt: skip


def _random_address(rng: random.Random) -> str:
    tail = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 8)))
    return rng.choice(STARTS) + rng.choice(HOSTS) + rng.choice(("", "/", "/news/1")) + tail


def test_the_quick_path_spells_every_address_as_taking_it_apart_does():
    rng = random.Random(16)
    quick = 0
    for _ in range(30_000):
        address = _random_address(rng)
        try:
            expected = respelled(address)
        except ValueError:
            with pytest.raises(ValueError):
                normal_url(address)
            continue
        assert normal_url(address) == expected, address
        quick += expected == address
    assert quick > 1_000  # the quick path was taken, and often


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("https://acme.example/news/1", "HTTPS://Acme.Example:443/news/1/#top"),
        ("http://acme.example/x?page=2", "http://acme.example:80/x/?page=2"),
        ("https://acme.example", "https://acme.example/"),
    ],
)
def test_two_spellings_of_one_address_have_one_link_hash(one: str, other: str) -> None:
    assert link_hash(one) == link_hash(other) != NO_LINK


def test_a_different_address_has_another_link_hash() -> None:
    assert link_hash("https://acme.example/x?page=2") != link_hash("https://acme.example/x")
    assert link_hash("https://acme.example/X") != link_hash(
        "https://acme.example/x"
    )  # a path's case
