"""ticket text search: an index of each ticket's characters and character pairs, so that a
1- or 2-character search has an index too (PostgreSQL only)

Revision ID: 0016_ticket_text_grams
Revises: 0015_daily_timing
Create Date: 2026-12-05

The trigram index of 0012 extracts no trigram from a pattern shorter than three characters
(`漏水`), so PostgreSQL rechecked every ticket. `ticket_text_grams(text)` is the set of the
text's lower-cased characters and character pairs; a GIN index on it finds the tickets holding
a short query's characters, and a substring test stays the exact one (tickets/text_search.py).
SQLite has neither and scans.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016_ticket_text_grams"
down_revision: str | None = "0015_daily_timing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GRAMS_INDEX = "ix_ticket_text_grams"

# Each character, then the pairs starting at odd and at even places (a separator, chr(1), put
# after every pair and split on: a pair without chr(1) always comes out whole; the search does
# not use the index for a query holding chr(1)). GIN drops the duplicates. One expression
# (no FROM, not STRICT), so that PostgreSQL inlines it: ~4 µs a ticket instead of ~30 µs for
# a generate_series query (the build, and any lossy bitmap page's recheck). IMMUTABLE, as
# lower() is, so that it may be indexed.
GRAMS_FUNCTION = r"""
CREATE FUNCTION ticket_text_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT regexp_split_to_array(lower(t), '')
        || string_to_array(regexp_replace(lower(t), '(..)', '\1' || chr(1), 'g'), chr(1))
        || string_to_array(
            regexp_replace(substr(lower(t), 2), '(..)', '\1' || chr(1), 'g'), chr(1)
        )
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(GRAMS_FUNCTION)
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")  # the build's sort, in memory
    op.execute(f"CREATE INDEX {GRAMS_INDEX} ON ticket USING gin (ticket_text_grams(text))")
    # The planner's figures for the new expression (how often each gram occurs), now rather
    # than at autovacuum's next analyze: without them it guesses every search matches 0.5 %.
    op.execute("ANALYZE ticket")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX IF EXISTS {GRAMS_INDEX}")
    op.execute("DROP FUNCTION IF EXISTS ticket_text_grams(text)")
