"""The org directory: who reports to whom, and who is HR.

The skip-level is always looked up here as the manager's manager, never typed in, and a
manager can only start a plan for one of their own direct reports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Protocol, Self
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints, model_validator

from coaching.plan import Role, TimeZoneName
from coaching.yaml_text import PlainLoader, yaml_problem

Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]
PersonId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]*$")]


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: PersonId
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    email: Email
    title: str = ""
    time_zone: TimeZoneName | None = None
    """Where the person works: every time shown to them is in this zone. Plans started
    before zones were known carry none; `zone` then falls back to UTC."""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone or "UTC")


class DirectoryEntry(Person):
    manager: PersonId | None = None
    hr: bool = False


class Parties(BaseModel):
    """The four parties of the policy: nobody else ever sees the plan."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    manager: Person
    team_member: Person
    skip_level: Person
    hr: list[Person] = Field(min_length=1)

    def roles_of(self, email: str) -> set[Role]:
        email = email.strip().lower()
        roles = {
            role
            for role, person in (
                (Role.manager, self.manager),
                (Role.team_member, self.team_member),
                (Role.skip_level, self.skip_level),
            )
            if person.email == email
        }
        if any(person.email == email for person in self.hr):
            roles.add(Role.hr)
        return roles

    def person(self, role: Role) -> list[Person]:
        if role is Role.hr:
            return list(self.hr)
        return [getattr(self, role.value)]

    @property
    def everyone(self) -> list[Person]:
        return [self.manager, self.team_member, self.skip_level, *self.hr]


class DirectoryError(ValueError):
    """A lookup the directory cannot answer, phrased for the person who asked."""


class DirectorySource(Protocol):
    """Where the directory comes from: a file that never changes while running, or Google
    Workspace's directory, read again now and then."""

    def current(self) -> OrgDirectory: ...


class OrgDirectory(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    company: str
    time_zone: TimeZoneName = "UTC"
    """The company's default zone, for everyone whose entry names none."""
    people: list[DirectoryEntry] = Field(min_length=1)
    _by_email: dict[str, DirectoryEntry] = PrivateAttr(default_factory=dict)
    _by_id: dict[str, DirectoryEntry] = PrivateAttr(default_factory=dict)
    _reports: dict[str, list[DirectoryEntry]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        ids = [p.id for p in self.people]
        emails = [p.email for p in self.people]
        for label, values in (("id", ids), ("email", emails)):
            repeated = sorted({v for v in values if values.count(v) > 1})
            if repeated:
                raise ValueError(f"people: each {label} must be unique: {', '.join(repeated)}")
        for person in self.people:
            if person.manager is not None and person.manager not in ids:
                raise ValueError(
                    f"people: {person.id}'s manager '{person.manager}' is not in the directory"
                )
        if not any(p.hr for p in self.people):
            raise ValueError("people: at least one person must be marked hr: true")
        return self

    @classmethod
    def load(cls, path: Path) -> OrgDirectory:
        """Raises `DirectoryError` naming the file and the line for a file that is not YAML
        (or not UTF-8), pydantic's `ValidationError` naming each field for one that breaks a
        rule."""
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise DirectoryError(
                f"{path} is not UTF-8 text (byte 0x{error.object[error.start]:02x} at offset "
                f"{error.start}); save it as UTF-8"
            ) from None
        try:
            data = yaml.load(text, Loader=PlainLoader)
        except yaml.YAMLError as error:
            raise DirectoryError(f"{path} is not valid YAML: {yaml_problem(error, text)}") from None
        return cls.model_validate(data)

    def model_post_init(self, context: Any) -> None:
        """Lookup tables, built once: pages name hundreds of people per request."""
        self._by_email = {p.email: p for p in self.people}
        self._by_id = {p.id: p for p in self.people}
        self._reports = {}
        for person in self.people:
            if person.manager is not None:
                self._reports.setdefault(person.manager, []).append(person)

    def current(self) -> OrgDirectory:
        """A directory read from a file is its own source."""
        return self

    def by_email(self, email: str) -> DirectoryEntry:
        email = email.strip().lower()
        try:
            return self._by_email[email]
        except KeyError:
            raise DirectoryError(f"{email} is not in the {self.company} directory") from None

    def by_id(self, person_id: str) -> DirectoryEntry:
        try:
            return self._by_id[person_id]
        except KeyError:
            raise DirectoryError(f"'{person_id}' is not in the {self.company} directory") from None

    @property
    def managers(self) -> list[DirectoryEntry]:
        """Everyone with at least one direct report."""
        return [p for p in self.people if p.id in self._reports]

    @property
    def hr_people(self) -> list[Person]:
        return [self.public(p) for p in self.people if p.hr]

    def is_hr(self, email: str) -> bool:
        return any(p.email == email.strip().lower() for p in self.hr_people)

    def reports_of(self, manager_email: str) -> list[Person]:
        manager = self.by_email(manager_email)
        return [self.public(p) for p in self._reports.get(manager.id, [])]

    def parties_for(self, manager_email: str, team_member_email: str) -> Parties:
        """Resolves the four parties, refusing a plan for someone who is not a direct report."""
        manager = self.by_email(manager_email)
        member = self.by_email(team_member_email)
        if member.id == manager.id:
            raise DirectoryError("team_member: a manager cannot start a plan for themselves")
        if member.manager != manager.id:
            raise DirectoryError(
                f"team_member: {member.email} does not report to {manager.email}; "
                "a manager can only start a plan for a direct report"
            )
        if manager.manager is None:
            raise DirectoryError(
                f"{manager.email} has no manager in the directory, so there is no skip-level "
                "to align with"
            )
        skip_level = self.by_id(manager.manager)
        return Parties(
            manager=self.public(manager),
            team_member=self.public(member),
            skip_level=self.public(skip_level),
            hr=self.hr_people,
        )

    def public(self, entry: DirectoryEntry) -> Person:
        return Person(
            id=entry.id,
            name=entry.name,
            email=entry.email,
            title=entry.title,
            time_zone=entry.time_zone or self.time_zone,
        )
