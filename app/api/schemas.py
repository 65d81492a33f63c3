"""What the open API answers, as pydantic models: spectree writes them into the OpenAPI document and checks
every answer against them on its way out (an answer that broke its own schema would be a 500, never sent).

Only what the public pages show is here: no model has a field for a person, an email address of a person,
a budget, a review, a privacy flag or a draft.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- errors ------------------------------------------------------------------------------------------
class ProblemItem(_Out):
    parameter: str = Field(description="The query parameter (or path part) that was refused.")
    message: str = Field(description="What is wrong with it, in words.")


class Problem(_Out):
    """Every refusal: 400/422 for a parameter, 404 for an address that names nothing."""

    status: int
    title: str
    detail: str
    errors: list[ProblemItem] = Field(default_factory=list)


# -- paging ------------------------------------------------------------------------------------------
class Links(_Out):
    self: str
    first: str
    last: str
    next: str | None = Field(description="The next page, none on the last page.")
    prev: str | None = Field(description="The previous page, none on the first page.")


class Paging(_Out):
    page: int = Field(description="This page (a page past the last shows the last).")
    per_page: int
    pages: int = Field(description="How many pages there are (at least 1).")
    total: int = Field(description="How many items match, on every page.")


class Choice(_Out):
    value: str = Field(description="What to send as the filter's value.")
    label: str
    count: int | None = Field(None, description="How many items carry it, where the page says so.")


# -- learning summaries (the gallery) -----------------------------------------------------------------
class Tag(_Out):
    kind: str = Field(description="topic, grade_band or subject")
    slug: str
    name: str


class School(_Out):
    name: str
    level: str = Field(description="elementary, k8, middle, high or other")


class SharedFile(_Out):
    filename: str
    description: str
    content_type: str
    size: int = Field(description="In bytes.")
    url: str = Field(description="Where anyone can download it.")


class LearningSummary(_Out):
    slug: str
    title: str
    published_at: datetime = Field(description="When it was published (UTC).")
    year: int = Field(description="The year it was published, in Boston.")
    grant_type: str | None = Field(description="action or study")
    body: str = Field(description="The whole summary, in Markdown.")
    tags: list[Tag]
    schools: list[School] = Field(description="The team's schools.")
    files: list[SharedFile]
    url: str = Field(description="Its page in the gallery.")
    pdf_url: str


class LearningFilters(_Out):
    topic: list[Choice]
    grade_band: list[Choice]
    subject: list[Choice]
    school_level: list[Choice]
    grant_type: list[Choice]
    year: list[Choice]


class LearningPage(_Out):
    items: list[LearningSummary]
    paging: Paging
    links: Links
    filters: LearningFilters = Field(description="The values each filter accepts (the gallery's choices).")


# -- the PL catalog -----------------------------------------------------------------------------------
class Session(_Out):
    starts_at: datetime = Field(description="UTC")
    ends_at: datetime = Field(description="UTC")
    location: str


class Opportunity(_Out):
    slug: str
    title: str
    description: str = Field(description="Markdown.")
    provider_kind: str = Field(description="btu, bps or outside")
    provider_name: str
    format: str = Field(description="in_person, virtual or hybrid")
    cost: Decimal = Field(description="In dollars; 0 is free.")
    capacity: int | None = Field(description="Seats; none: no limit.")
    seats_left: int | None = Field(description="Seats not yet taken; none: no limit.")
    pdps: int
    hours: Decimal
    starts_on: date | None = Field(description="The day of its first session (Boston).")
    ends_on: date | None = Field(description="The day of its last session (Boston).")
    web_address: str = Field(description="The provider's page about it (may be empty).")
    contact_email: str = Field(description="The provider's contact, as the catalog page shows it (may be empty).")
    tags: list[Tag]
    sessions: list[Session]
    url: str = Field(description="Its page in the catalog.")
    ics_url: str = Field(description="Its calendar file.")


class CatalogFilters(_Out):
    topic: list[Choice]
    grade_band: list[Choice]
    subject: list[Choice]
    provider: list[Choice]
    format: list[Choice]
    cost: list[Choice]


class CatalogPage(_Out):
    items: list[Opportunity]
    paging: Paging
    links: Links
    filters: CatalogFilters


# -- priorities ---------------------------------------------------------------------------------------
class SurveyRef(_Out):
    id: int
    title: str
    school_year: str
    privacy_threshold: int = Field(description="A school with fewer individual responses shows no figures.")


class TopicFigures(_Out):
    rank: int
    topic: str
    slug: str
    mean: Decimal | None = Field(description="Mean need rating, 1 to 5; none when nobody rated it.")
    responses: int
    high_need: int = Field(description="Answers of 4 or 5.")
    high_need_percent: Decimal | None
    proposals: int = Field(description="Proposals citing it (submitted ones).")
    opportunities: int = Field(description="Published PL opportunities on it.")
    pl_requests: int = Field(description="PL requests addressing it (submitted ones).")


class Scope(_Out):
    name: str
    school_id: int | None = Field(description="None for the district.")
    responses: int
    educators: int
    response_rate_percent: Decimal | None
    topics: list[TopicFigures]


class TeamFigures(_Out):
    topic: str
    responses: int
    mean: Decimal | None


class Priorities(_Out):
    survey: SurveyRef
    surveys: list[SurveyRef] = Field(description="Every survey that was opened (the `survey` filter's values).")
    district: Scope
    team_responses: int
    teams: list[TeamFigures] = Field(description="Team responses by topic, never mixed into the figures above.")
    schools: list[Scope] = Field(description="Schools at or over the privacy threshold (or the one asked for).")
    schools_not_shown: list[str] = Field(description="Schools with responses under the privacy threshold: "
                                                     "named, never broken down.")
