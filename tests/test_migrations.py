"""The migrations build exactly the schema the models describe, on either database."""

from __future__ import annotations

import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, Index, text

from opendialer.db.models import Base

# Indexes on an expression: neither database's reflection compares them, so each is looked up
# by name and definition instead.
EXPRESSION_INDEXES = [
    index
    for table in Base.metadata.tables.values()
    for index in table.indexes
    if any(not hasattr(expression, "name") for expression in index.expressions)
]


def test_the_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index")
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
        )

    assert differences == []


@pytest.mark.parametrize("index", EXPRESSION_INDEXES, ids=lambda index: index.name)
def test_each_index_on_an_expression_is_built_as_the_model_says(
    engine: Engine, index: Index
) -> None:
    if engine.dialect.name == "sqlite":
        query = "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name"
    else:
        query = "SELECT indexdef FROM pg_indexes WHERE indexname = :name"
    with engine.connect() as connection:
        definition = connection.execute(text(query), {"name": index.name}).scalar_one()

    written = definition.replace(" ", "").lower()  # PostgreSQL writes COALESCE
    assert index.table is not None and index.table.name in written
    for expression in index.expressions:
        spelled = str(getattr(expression, "name", expression))
        assert spelled.replace(" ", "").lower() in written
