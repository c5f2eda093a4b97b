"""The configuration: pydantic models and load_config(), the only place YAML is read."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from email.utils import parseaddr
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    EmailStr,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from monitor.config_alerts import AlertSettings
from monitor.config_chat import ChatSettings
from monitor.config_sources import (
    MENTION_KINDS,
    MODELS_BY_NAME,
    OUTCOME_KINDS,
    SOURCE_MODELS,
    MentionTerms,
    SourceConfig,
    expand_source,
)
from monitor.config_spend import Spend
from monitor.config_types import ByteSize, CollectInterval, Duration, EnvName, HttpUrl, Strict
from monitor.config_yaml import read_yaml
from monitor.domain import NAME_MAX_CHARS
from monitor.errors import ConfigError
from monitor.kinds import SourceBase, kind, unmet_needs
from monitor.units import parse_schedule

LANGUAGES = ("en", "it")


def __getattr__(name: str) -> type[SourceBase]:
    """Every kind's model under this module too (`from monitor.config import MastodonSource`)."""
    if name in MODELS_BY_NAME:
        return MODELS_BY_NAME[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _check_name(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value.strip()


Sources = list[Annotated[SourceConfig, BeforeValidator(expand_source)]]


def _no_duplicates(sources: list[SourceBase]) -> None:
    keys = [s.key for s in sources]
    if dupes := sorted({k for k in keys if keys.count(k) > 1}):
        raise ValueError(f"the same source is listed twice: {', '.join(dupes)}")


class Company(Strict):
    name: Annotated[str, AfterValidator(_check_name)] = Field(max_length=NAME_MAX_CHARS)
    sources: Sources = Field(min_length=1)
    mentions: MentionTerms | None = Field(
        None, description="What names this company, for the share of conversation."
    )

    @model_validator(mode="after")
    def _no_mention_kinds(self) -> Company:
        if found := sorted({s.kind for s in self.sources if s.kind in MENTION_KINDS}):
            raise ValueError(
                f"{', '.join(found)} finds what others say about a company: list it under "
                "mention_sources, and the company's names under its mentions.terms"
            )
        if found := sorted({s.kind for s in self.sources if s.kind in OUTCOME_KINDS}):
            raise ValueError(
                f"{', '.join(found)} reads our own weekly results: list it under outcome_sources"
            )
        return self


# --- sections ----------------------------------------------------------------


class CollectSettings(Strict):
    interval: CollectInterval = timedelta(hours=1)
    lookback: Duration = timedelta(days=56)
    track_engagement_for: Duration = timedelta(days=14)
    concurrency: int = Field(16, ge=1, le=256)
    per_host_interval: Duration = timedelta(seconds=1)
    timeout: Duration = timedelta(seconds=20)
    max_bytes: ByteSize = 10_000_000
    max_retries: int = Field(3, ge=0, le=10, description="Extra attempts after a failure.")
    max_redirects: int = Field(5, ge=0, le=20)
    jitter: float = Field(0.1, ge=0, le=0.5, description="Random spread of intervals, 0.1 = ±10%")
    user_agent: str = "CompetitorMonitor/0.1 (+https://github.com/competitor-monitor)"
    respect_robots: bool = True
    base_urls: dict[str, HttpUrl] = Field(
        default_factory=dict, description="Per kind: where to reach the platform."
    )

    @field_validator("base_urls")
    @classmethod
    def _known_kinds(cls, value: dict[str, str]) -> dict[str, str]:
        if unknown := sorted(set(value) - set(SOURCE_MODELS)):
            raise ValueError(f"unknown source kind {', '.join(unknown)}")
        return value


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("not a time zone name like Europe/Rome or UTC") from None
    return value


def _check_schedule(value: str) -> str:
    parse_schedule(value)
    return value


class ReportSettings(Strict):
    schedule: Annotated[str, AfterValidator(_check_schedule)] = "mon 08:00"
    timezone: Annotated[str, AfterValidator(_check_timezone)] = "UTC"
    language: Literal["en", "it"] = "en"
    weeks_of_trend: int = Field(12, ge=1, le=104)
    top_posts: int = Field(5, ge=0, le=50)
    recipients: list[EmailStr] = Field(default_factory=list)
    outbox: Path = Path("reports")
    breakout_z: float = Field(3.5, gt=0, description="Robust z-score above which a post breaks out")
    breakout_min_history: int = Field(10, ge=3, description="Posts needed before a breakout claim")
    min_posts_for_claim: int = Field(3, ge=1, description="Posts needed on each side of a claim")
    attach: list[Literal["pdf", "pptx"]] = Field(
        default_factory=list, max_length=2, description="Files attached to the weekly email"
    )


def _check_mailbox(value: str) -> str:
    _name, address = parseaddr(value)
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address):
        raise ValueError("not an e-mail address like 'Monitor <monitor@example.com>'")
    return value


Mailbox = Annotated[str, AfterValidator(_check_mailbox)]


class EmailSettings(Strict):
    host: str
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password_env: EnvName | None = None
    from_: Mailbox = Field(alias="from")
    reply_to: Mailbox | None = None
    list_unsubscribe: str | None = Field(None, description="mailto: or https: address")
    timeout: Duration = timedelta(seconds=30)
    max_attempts: int = Field(4, ge=1, le=10)
    operator: EmailStr | None = Field(
        None, description="Who is told when a week's digest is held back (too little read)"
    )
    smtputf8: bool = Field(
        False,
        description="The mail server accepts addresses with letters outside ASCII before the @",
    )

    @model_validator(mode="after")
    def _login_needs_password(self) -> EmailSettings:
        if self.username and not self.password_env:
            raise ValueError("username needs password_env, the variable that holds the password")
        return self


def _check_database(value: str) -> str:
    if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", value):
        raise ValueError("must be sqlite:///path/to/file.db or postgresql+psycopg://user@host/db")
    return value


class Config(Strict):
    organization: Company
    competitors: list[Company] = Field(min_length=1)
    collect: CollectSettings = Field(default_factory=CollectSettings)
    report: ReportSettings = Field(default_factory=ReportSettings)
    email: EmailSettings | None = None
    alerts: AlertSettings | None = Field(
        None, description="Alerts between digests; without this section there are none."
    )
    chat: ChatSettings | None = Field(
        None, description="Chat channels (Apprise URLs) for alerts and the weekly verdict."
    )
    database: Annotated[str, AfterValidator(_check_database)] = "sqlite:///data/monitor.db"
    mention_sources: Sources = Field(
        default_factory=list,
        description="Where to look for what others say about each company with mentions.terms.",
    )
    outcome_sources: Sources = Field(
        default_factory=list,
        description="Where our own weekly results come from (visits from social, sign-ups, "
        "orders): csv, plausible, matomo, ga4.",
    )
    spend: Spend | None = Field(
        None, description="What our social media costs us, for cost per visit and engagement."
    )

    @model_validator(mode="after")
    def _only_mention_kinds(self) -> Config:
        _no_duplicates(self.mention_sources)
        if found := sorted({s.kind for s in self.mention_sources if s.kind not in MENTION_KINDS}):
            where = "outcome_sources" if set(found) <= set(OUTCOME_KINDS) else "a company's sources"
            raise ValueError(
                f"mention_sources takes only {', '.join(MENTION_KINDS)}; "
                f"{', '.join(found)} goes under {where}"
            )
        return self

    @model_validator(mode="after")
    def _only_outcome_kinds(self) -> Config:
        _no_duplicates(self.outcome_sources)
        if found := sorted({s.kind for s in self.outcome_sources if s.kind not in OUTCOME_KINDS}):
            raise ValueError(
                f"outcome_sources takes only {', '.join(OUTCOME_KINDS)}; "
                f"{', '.join(found)} goes under a company's sources"
            )
        return self

    @model_validator(mode="after")
    def _unique_sources(self) -> Config:
        """One account or feed is listed once in the whole file: twice, its posts would be
        counted twice (for one company) or given to two companies."""
        seen: dict[str, str] = {}
        for company in self.companies:
            for source in company.sources:
                if (first := seen.get(source.identity)) is not None:
                    raise ValueError(
                        f"{source.key} is listed twice ({first} and {company.name}); keep it once"
                    )
                seen[source.identity] = company.name
        return self

    @model_validator(mode="after")
    def _unique_company_names(self) -> Config:
        names = [c.name.casefold() for c in self.companies]
        if dupes := sorted({n for n in names if names.count(n) > 1}):
            raise ValueError(f"two companies have the same name: {', '.join(dupes)}")
        return self

    @model_validator(mode="after")
    def _addresses_the_server_can_take(self) -> Config:
        """Letters outside ASCII before the @ need SMTPUTF8; refused here rather than at send
        time, where they would stop the digest for every recipient."""
        if self.email is None or self.email.smtputf8:
            return self
        named = [(f"report.recipients.{i}", r) for i, r in enumerate(self.report.recipients)]
        for where, value in (("email.from", self.email.from_),
                             ("email.reply_to", self.email.reply_to),
                             ("email.operator", self.email.operator)):  # fmt: skip
            if value:
                named.append((where, parseaddr(value)[1]))
        for where, address in named:
            if not address.rpartition("@")[0].isascii():
                raise ValueError(
                    f"{where}: {address} has letters outside ASCII before the @, which only a "
                    "mail server that accepts international addresses (SMTPUTF8) can deliver; "
                    "set email.smtputf8: true if yours does"
                )
        return self

    @property
    def companies(self) -> list[Company]:
        """Us first, then the competitors in the file's order."""
        return [self.organization, *self.competitors]

    def sources_of(self, company: Company) -> list[SourceBase]:
        """The company's own sources, then the mention sources when it has terms to find,
        then (for us) the outcome sources."""
        mentions = self.mention_sources if company.mentions else []
        outcomes = self.outcome_sources if company is self.organization else []
        return [*company.sources, *mentions, *outcomes]

    @cached_property
    def source_lookup(self) -> dict[tuple[str, str, str], SourceConfig]:
        """(company name, kind, target) -> the source's settings."""
        return {(c.name, s.kind, s.target): s for c in self.companies for s in self.sources_of(c)}

    @cached_property
    def _companies_by_name(self) -> dict[str, Company]:
        return {c.name: c for c in self.companies}

    def company(self, name: str) -> Company | None:
        return self._companies_by_name.get(name)

    def interval_for(self, source: SourceBase) -> timedelta:
        return source.interval or self.collect.interval

    def base_url_for(self, source: SourceBase) -> str | None:
        return source.base_url or self.collect.base_urls.get(source.kind)


# --- loading -----------------------------------------------------------------


def read_secret(env_name: str, where: str) -> str:
    """The value of a `*_env` variable, at the moment it is needed."""
    value = os.environ.get(env_name)
    if not value:
        raise ConfigError(f"{where}: the environment variable {env_name} is not set")
    return value


def missing_secrets(config: Config) -> list[str]:
    """Every `*_env` the configuration names that the environment does not have."""
    found: list[str] = []

    def walk(model: BaseModel, path: str) -> None:
        # What a source's kind needs is said by unmet_needs(), in the kind's own words.
        needs = kind(model.kind).needs if isinstance(model, SourceBase) else {}
        for name, value in model:
            here = f"{path}.{name}" if path else name
            if name in needs:
                continue
            if name.endswith("_env") and value and not os.environ.get(value):
                found.append(f"{here}: the environment variable {value} is not set")
            elif isinstance(value, BaseModel):
                walk(value, here)
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    if isinstance(item, BaseModel):
                        walk(item, f"{here}.{index}")

    walk(config, "")
    return found


def source_needs(config: Config) -> dict[tuple[str, str, str], list[str]]:
    """(company, kind, target) -> what that source's kind needs and does not have."""
    found = {
        (company.name, source.kind, source.target): unmet_needs(source)
        for company in config.companies
        for source in config.sources_of(company)
    }
    return {key: needs for key, needs in found.items() if needs}


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and validate a configuration file; ConfigError lists every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a configuration file") from None
    except PermissionError:
        raise ConfigError(f"{path}: cannot be read (permission denied)") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: is not a UTF-8 text file") from None
    return anchor_paths(parse_config(text, str(path)), path.parent)


_RELATIVE_SQLITE = re.compile(r"^(sqlite(?:\+\w+)?:///)(?!/|:memory:)(.+)$")


def anchor_paths(config: Config, folder: Path) -> Config:
    """Relative paths in a file are relative to that file's folder, as a reader expects.

    Run from another folder with `-c /etc/x/monitor.yaml`, the job and `monitor status` must
    find the same database and outbox, not a new empty one under the working directory.
    """
    folder = folder.absolute()
    database = config.database
    if match := _RELATIVE_SQLITE.match(database):
        database = f"{match[1]}{Path(os.path.normpath(folder / match[2])).as_posix()}"
    outbox = Path(os.path.normpath(folder / config.report.outbox))
    report = config.report.model_copy(update={"outbox": outbox})
    outcomes = [_anchored(source, folder) for source in config.outcome_sources]
    return config.model_copy(
        update={"database": database, "report": report, "outcome_sources": outcomes}
    )


def _anchored(source: SourceBase, folder: Path) -> SourceBase:
    """A file an outcome source names relative to the configuration (a CSV, a key file), as a
    path from its folder."""
    for name in ("location", "credentials_file"):
        given = getattr(source, name, None)
        if given is None or given.startswith(("http://", "https://")):
            continue
        path = Path(given).expanduser()
        if not path.is_absolute():
            anchored = Path(os.path.normpath(folder / path)).as_posix()
            source = source.model_copy(update={name: anchored})
    return source


def parse_config(text: str, name: str = "config") -> Config:
    root, data = read_yaml(text, name)
    if not isinstance(data, dict):
        got = "an empty file" if data is None else type(data).__name__
        raise ConfigError(f"{name}: the configuration must be a mapping of sections (got {got})")
    lines, duplicates = _line_map(root)
    problems = [f"{name}:{line}: {path}: the key appears twice" for path, line in duplicates]
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        problems += [_describe(e, lines, name) for e in error.errors()]
    if problems:
        count = len(problems)
        raise ConfigError(f"{name}: {count} problem{'s' if count > 1 else ''} found", problems)
    return config


# pydantic's own wording, said plainly; "{x}" is filled from the error's context.
_PLAIN = {
    "extra_forbidden": "unknown key (a typo?)",
    "too_short": "needs at least one entry",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "list_type": "must be a list, like [a, b]",
    "dict_type": "must be a mapping of keys and values",
    "model_type": "must be a mapping of keys and values",
    "literal_error": "must be one of {expected}",
    "string_too_short": "must not be empty",
    "string_too_long": "is too long (at most {max_length} characters)",
}


def _describe(error: Any, lines: dict[tuple, int], name: str) -> str:
    loc = tuple(p for p in error["loc"] if not _is_union_tag(p))
    path = ".".join(str(p) for p in loc) or "(top level)"
    kind = error["type"]
    if kind == "missing":
        message = "is required" + _what_it_is(loc)
    elif kind in _PLAIN:
        message = _PLAIN[kind].format(**error.get("ctx", {}))
    else:
        message = error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    got = error.get("input")
    got_text = "" if kind == "missing" or isinstance(got, dict | list) else f" (got {got!r})"
    line = next((lines[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in lines), None)
    where = f"{name}:{line}" if line else name
    return f"{where}: {path}: {message}{got_text}"


def _what_it_is(loc: tuple) -> str:
    """For a missing source setting, the field's own description says what to put there."""
    if len(loc) >= 2 and loc[-2] in SOURCE_MODELS:
        field = SOURCE_MODELS[loc[-2]].model_fields.get(str(loc[-1]))
        if field is not None and field.description:
            return f": {field.description[0].lower()}{field.description[1:].rstrip('.')}"
    return ""


def _is_union_tag(part: object) -> bool:
    # pydantic inserts the union member's name into the path; the YAML has no such level,
    # except the source kind, which the YAML does have.
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def _line_map(node: yaml.Node | None) -> tuple[dict[tuple, int], list[tuple[str, int]]]:
    """path -> 1-based line of every key and item, and the duplicated keys."""
    lines: dict[tuple, int] = {}
    duplicates: list[tuple[str, int]] = []

    def walk(current: yaml.Node, path: tuple) -> None:
        lines.setdefault(path, current.start_mark.line + 1)
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in current.value:
                if key.value in seen:
                    dotted = ".".join(str(p) for p in (*path, key.value))
                    duplicates.append((dotted, key.start_mark.line + 1))
                seen.add(key.value)
                lines[(*path, key.value)] = key.start_mark.line + 1
                walk(value, (*path, key.value))
        elif isinstance(current, yaml.SequenceNode):
            for index, item in enumerate(current.value):
                walk(item, (*path, index))

    if node is not None:
        walk(node, ())
    return lines, duplicates


def config_schema() -> dict[str, Any]:
    return Config.model_json_schema(by_alias=True)
