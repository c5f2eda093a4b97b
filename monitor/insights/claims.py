"""A claim of the digest: what kind, about whom, with which figures; said by monitor.wording."""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor import wording


@dataclass(frozen=True)
class Claim:
    kind: str  # a key of monitor.wording.sentences (with `variant`)
    companies: tuple[str, ...] = ()
    numbers: dict[str, float] = field(default_factory=dict)  # the figures the sentence states
    strength: float = 0.0  # for ranking the takeaways
    words: dict[str, str] = field(default_factory=dict)  # non-numeric slots: media, platform …
    variant: str = ""
    notes: tuple[str, ...] = ()  # caveats and clauses said after it: one_post, incomplete …
    incomplete: tuple[str, ...] = ()  # companies of the claim whose week is incomplete

    def sentence(self, language: str) -> str:
        return wording.say(self, language)

    def with_note(self, note: str, numbers: dict[str, float] | None = None, **words: str) -> Claim:
        return Claim(
            self.kind,
            self.companies,
            {**self.numbers, **(numbers or {})},
            self.strength,
            {**self.words, **words},
            self.variant,
            (*self.notes, note),
            self.incomplete,
        )

    def figures(self) -> dict:
        """For the week's figures file: what was claimed, with its numbers."""
        return {
            "kind": f"{self.kind}:{self.variant}" if self.variant else self.kind,
            "companies": list(self.companies),
            "numbers": self.numbers,
            "words": self.words,
            "notes": list(self.notes),
        }


Takeaway = Claim  # the takeaways are claims like any other
