"""The sharing tests tag summaries with the taxonomy's terms: the demo's topics, grade bands and subjects
are there whenever a test builds the ``world``."""
from __future__ import annotations

import pytest

from app.demo.learning import GRADE_BANDS, SUBJECTS, TOPICS
from app.models import TermKind
from tests.factories import tag_terms

VOCABULARY = {TermKind.TOPIC: [name for name, _ in TOPICS], TermKind.GRADE_BAND: GRADE_BANDS,
              TermKind.SUBJECT: SUBJECTS}


@pytest.fixture(autouse=True)
def _taxonomy(request):
    if "world" in request.fixturenames:
        request.getfixturevalue("world")
        tag_terms(VOCABULARY)
