"""One taxonomy: the learning summaries' tags become terms of the taxonomy staff manage (``summary_term``)

Before this revision the gallery had its own fixed tag lists (``summary_tag``: 12 topics, grade bands
PreK-K, 1-2, 3-5, 6-8, 9-12, 10 subjects), while the needs survey and the PL catalog used the taxonomy
(``taxonomy_term``: the demo's 8 topics, PK-2/3-5/6-8/9-12, 8 subjects). Now a summary's tags are rows of
``summary_term`` (summary, term) and ``summary_tag`` is dropped.

How each old tag is mapped (names compared ignoring case; "→ X" means the taxonomy's term X of that kind,
taken when it exists, else added to the taxonomy, active, at the end of its kind's list):

* topic "Social-emotional learning", "Restorative practices", "Attendance and engagement"
  → topic "Social-emotional learning (SEL)" (or an existing topic called "Social-emotional learning")
* topic "Science" → subject "Science"; topic "Arts" → subject "Arts" (subjects in both vocabularies)
* grade band "PreK-K" and "1-2" → grade band "PK-2"
* subject "Cross-curricular" → no tag (it said the work is in no one subject; nothing to filter by)
* every other tag (Culturally responsive teaching, Literacy, Math, Special education, Multilingual learners,
  Family engagement, Technology; 3-5, 6-8, 9-12; ELA, Math, Science, Social studies, Arts, World languages,
  ESL, Special education, Physical education and health) → the term of the same kind and name

A summary's search text gains the names of its new tags (so "PK-2" or "Science" finds it at once; the
text is rebuilt in full the next time the summary is saved or published). The downgrade writes each
summary's terms back as ``summary_tag`` rows (kind and name); the mapping itself is not undone.

Revision ID: 12a1e0000004
Revises: 12a1e0000005
Create Date: 2026-12-07 20:00:00

"""
import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '12a1e0000004'
down_revision = '12a1e0000005'
branch_labels = None
depends_on = None

SEL = ("Social-emotional learning (SEL)", "Social-emotional learning")
# (old kind, old name lower-case) -> (new kind, candidate names, the first made when none exists); None: dropped
MAPPING = {
    ("topic", "social-emotional learning"): ("topic", SEL),
    ("topic", "restorative practices"): ("topic", SEL),
    ("topic", "attendance and engagement"): ("topic", SEL),
    ("topic", "science"): ("subject", ("Science",)),
    ("topic", "arts"): ("subject", ("Arts",)),
    ("grade_band", "prek-k"): ("grade_band", ("PK-2",)),
    ("grade_band", "1-2"): ("grade_band", ("PK-2",)),
    ("subject", "cross-curricular"): None,
}

term = sa.table(
    "taxonomy_term",
    sa.column("id", sa.Integer), sa.column("kind", sa.String), sa.column("name", sa.String),
    sa.column("slug", sa.String), sa.column("description", sa.Text), sa.column("position", sa.Integer),
    sa.column("active", sa.Boolean),
)


def _slugify(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "term"


def _term_id(conn, terms, kind, names):
    """The id of the first of ``names`` the taxonomy has for ``kind``; else the first name, added."""
    for name in names:
        found = terms.get((kind, name.lower()))
        if found is not None:
            return found
    name = names[0]
    slugs = {s for (s,) in conn.execute(sa.select(term.c.slug).where(term.c.kind == kind))}
    slug, n = _slugify(name), 2
    base = slug
    while slug in slugs:
        slug, n = f"{base[:76]}-{n}", n + 1
    position = (conn.execute(sa.select(sa.func.max(term.c.position)).where(term.c.kind == kind)).scalar() or 0) + 1
    conn.execute(term.insert().values(kind=kind, name=name, slug=slug, description="", position=position,
                                      active=True))
    new_id = conn.execute(sa.select(term.c.id).where(term.c.kind == kind, term.c.slug == slug)).scalar()
    terms[(kind, name.lower())] = new_id
    return new_id


def upgrade():
    op.create_table('summary_term',
    sa.Column('summary_id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['summary_id'], ['learning_summary.id'], name=op.f('fk_summary_term_summary_id_learning_summary'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['term_id'], ['taxonomy_term.id'], name=op.f('fk_summary_term_term_id_taxonomy_term'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('summary_id', 'term_id', name=op.f('pk_summary_term'))
    )
    with op.batch_alter_table('summary_term', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_summary_term_term_id'), ['term_id'], unique=False)

    conn = op.get_bind()
    terms = {(k, n.lower()): i for i, k, n in conn.execute(sa.text("SELECT id, kind, name FROM taxonomy_term"))}
    pairs = set()
    for summary_id, kind, value in conn.execute(sa.text("SELECT summary_id, kind, value FROM summary_tag")):
        key = (kind, " ".join(value.split()).lower())
        if key in MAPPING:
            target = MAPPING[key]
            if target is None:
                continue
            new_kind, names = target
        else:
            new_kind, names = kind, (" ".join(value.split()),)
        pairs.add((summary_id, _term_id(conn, terms, new_kind, names)))
    if pairs:
        conn.execute(sa.text("INSERT INTO summary_term (summary_id, term_id) VALUES (:s, :t)"),
                     [{"s": s, "t": t} for s, t in sorted(pairs)])
        names = dict(conn.execute(sa.text("SELECT id, name FROM taxonomy_term")).all())
        by_summary = {}
        for s, t in pairs:
            by_summary.setdefault(s, []).append(names[t])
        for s, tag_names in sorted(by_summary.items()):
            text = conn.execute(sa.text("SELECT search_text FROM learning_summary WHERE id = :s"), {"s": s}).scalar()
            text = text or ""
            extra = [n.lower() for n in sorted(tag_names) if n.lower() not in text]
            if extra:
                conn.execute(sa.text("UPDATE learning_summary SET search_text = :t WHERE id = :s"),
                             {"t": " ".join([text, *extra]).strip(), "s": s})

    with op.batch_alter_table('summary_tag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_summary_tag_summary_id'))
        batch_op.drop_index('ix_summary_tag_kind_value')
    op.drop_table('summary_tag')


def downgrade():
    op.create_table('summary_tag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('summary_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('topic', 'grade_band', 'subject', name='tag_kind', native_enum=False, create_constraint=True, length=18), nullable=False),
    sa.Column('value', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['summary_id'], ['learning_summary.id'], name=op.f('fk_summary_tag_summary_id_learning_summary'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_summary_tag')),
    sa.UniqueConstraint('summary_id', 'kind', 'value', name=op.f('uq_summary_tag_summary_id_kind_value'))
    )
    with op.batch_alter_table('summary_tag', schema=None) as batch_op:
        batch_op.create_index('ix_summary_tag_kind_value', ['kind', 'value'], unique=False)
        batch_op.create_index(batch_op.f('ix_summary_tag_summary_id'), ['summary_id'], unique=False)
    op.execute("INSERT INTO summary_tag (summary_id, kind, value) SELECT st.summary_id, t.kind, t.name "
               "FROM summary_term st JOIN taxonomy_term t ON t.id = st.term_id")
    with op.batch_alter_table('summary_term', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_summary_term_term_id'))
    op.drop_table('summary_term')
