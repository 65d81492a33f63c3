"""The open API's query parameters: their shape only (types, lengths, ranges, fixed choices), as pydantic
models that spectree reads both to check a request and to write the OpenAPI document.

Which taxonomy terms, years, surveys and schools exist is the data's business: after this shape check
each endpoint hands the parameters to the page's own filter form (``forms.sharing.GalleryFilterForm``,
``forms.catalog.CatalogFilterForm``, ``forms.needs.PriorityFilterForm``), so the API accepts exactly the
values its page offers and refuses the rest with the page's own message.
"""
from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from app.models import GrantType, PLFormat, ProviderKind, SchoolLevel
from forms.filters import SEARCH_MAX

MAX_PAGE = 100_000  # as app.web.page_number: no list has more pages
SLUG_MAX = 120  # a taxonomy term's slug (Term.slug)


class Cost(StrEnum):
    FREE = "free"
    PAID = "paid"


class _Query(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, use_enum_values=True)

    page: int = Field(1, ge=1, le=MAX_PAGE, description="The page to show, from 1. A page past the last shows "
                                                         "the last page (`page` in the answer says which).")


def _search():
    return Field("", max_length=SEARCH_MAX,
                 description="Words to search for: every word must match (English word forms, a word matches the "
                             "start of a word). Punctuation separates words; at most 12 words are used.")


def _term(kind: str):
    return Field("", max_length=SLUG_MAX, description=f"A {kind} of the taxonomy, by its slug (as "
                                                      f"`filters` lists them). Empty: any {kind}.")


class LearningQuery(_Query):
    """The gallery's filters (`/learning`)."""

    q: str = _search()
    topic: str = _term("topic")
    grade_band: str = _term("grade band")
    subject: str = _term("subject")
    school_level: SchoolLevel | None = Field(None, description="The level of one of the team's schools.")
    grant_type: GrantType | None = Field(None, description="Action or study grant.")
    year: int | None = Field(None, ge=2000, le=2100, description="The year it was published (Boston time).")


class CatalogQuery(_Query):
    """The PL catalog's filters (`/catalog/`)."""

    q: str = _search()
    topic: str = _term("topic")
    grade_band: str = _term("grade band")
    subject: str = _term("subject")
    provider: ProviderKind | None = Field(None, description="BTU, BPS or an outside provider.")
    format: PLFormat | None = Field(None, description="In person, virtual or hybrid.")
    cost: Cost | None = Field(None, description="Free or paid.")
    past: bool = Field(False, description="Also list opportunities whose last session is over.")


class PriorityQuery(BaseModel):
    """The priorities page's choices (`/priorities`)."""

    model_config = ConfigDict(extra="ignore")

    survey: int | None = Field(None, ge=1, le=2**31 - 1, description="A survey's id (as `surveys` lists them); "
                                                                     "empty: the current survey.")
    school: int | None = Field(None, ge=1, le=2**31 - 1, description="A school's id: only that school's "
                                                                     "figures. Empty: every school.")
