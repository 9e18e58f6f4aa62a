# ruff: noqa: S608 - the SQL is fixed text: table and column names from this module, no input
"""Search at national scale (issue 14): a narrow copy of what a search reads, on PostgreSQL.

``platforms_search_row`` holds, per platform, the columns a search matches, filters, orders,
counts and facets on (the search document, state, owner, phase, reuse count, name, slug, the
capability and standard ids, ...) and none of what only a page shows (summary, description,
original document, sources, ...). A search walks it in reuse order and counts its facets from
the id arrays, instead of reading platform rows twice as wide
(at 100,000 platforms, the walk for "payments" read 6,700 pages of the platform table).
``platforms_search_name`` is the same without the document (a quarter of the size), for the
typo rescue: its trigram index on the name finds thousands of candidates for a short word, and
each is read to compare the name.

Both are kept right by triggers in the same transaction as every write of a platform or of its
capability and standard links: statement-level triggers over the rows each statement changed
(transition tables), so a bulk load or COPY costs one set-based statement, not one per row; a
TRUNCATE of the platforms empties them. Filled at migration in (state, reuse count, slug) order,
the order the search walks, so the walk reads few pages; ``reindex_all()`` restores that order
after bulk changes (CLUSTER). PostgreSQL only, outside the model state: SQLite searches through
its own full-text tables.
"""

from django.db import migrations

ROWS = "platforms_search_row"
NAMES = "platforms_search_name"
# The columns of each table, before the two id arrays (the same names as the platform's, so
# that the SQL Django writes for a platform queryset reads them under the platform's alias).
FILTERED = (
    "id, state, owner_id, phase, kind, is_open_source, reuse_count, slug, name, created_at, "
    "updated_at, contract_end_date"
)
TABLES = {ROWS: f"{FILTERED}, search_vector", NAMES: FILTERED}
ARRAYS = """
    COALESCE((SELECT array_agg(l.capability_id ORDER BY l.capability_id)
              FROM platforms_platform_capabilities l WHERE l.platform_id = p.id), '{}'),
    COALESCE((SELECT array_agg(l.standard_id ORDER BY l.standard_id)
              FROM platforms_platform_standards l WHERE l.platform_id = p.id), '{}')
"""
LINK_TABLES = ("platforms_platform_capabilities", "platforms_platform_standards")
LINK_ARRAYS = """
    capability_ids = COALESCE((SELECT array_agg(l.capability_id ORDER BY l.capability_id)
        FROM platforms_platform_capabilities l WHERE l.platform_id = s.id), '{}'),
    standard_ids = COALESCE((SELECT array_agg(l.standard_id ORDER BY l.standard_id)
        FROM platforms_platform_standards l WHERE l.platform_id = s.id), '{}')
"""


def _prefixed(columns: str, prefix: str) -> str:
    return ", ".join(f"{prefix}.{c.strip()}" for c in columns.split(","))


def _select(columns: str) -> str:
    return f"SELECT {_prefixed(columns, 'p')}, {ARRAYS}"


def _each(template: str) -> str:
    """``template`` written once per table, for the body of a trigger function."""
    return "\n".join(template.format(table=table) for table in TABLES)


def _function(name: str, body: str) -> str:
    return f"""CREATE FUNCTION search_row_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        {body}
        RETURN NULL;
    END $$"""


CREATE = [
    *(
        statement
        for table, columns in TABLES.items()
        for statement in (
            f"""CREATE TABLE {table} WITH (fillfactor = 90) AS
                SELECT {columns}, '{{}}'::bigint[] AS capability_ids,
                    '{{}}'::bigint[] AS standard_ids
                FROM platforms_platform WITH NO DATA""",
            f"ALTER TABLE {table} ADD PRIMARY KEY (id)",
            f"""INSERT INTO {table} {_select(columns)} FROM platforms_platform p
                ORDER BY p.state, p.reuse_count DESC, p.slug""",
        )
    ),
    f"CREATE INDEX search_row_walk ON {ROWS} (state, reuse_count DESC, slug)",
    f"CREATE INDEX search_row_document ON {ROWS} USING gin (search_vector) WITH (fastupdate = off)",
    f"CREATE INDEX search_name_trgm ON {NAMES} USING gin (name gin_trgm_ops) "
    "WITH (fastupdate = off)",
    f"ALTER TABLE {ROWS} CLUSTER ON search_row_walk",
    # The platform's own rows: new, changed, gone, all gone.
    _function(
        "insert",
        "\n".join(
            f"""INSERT INTO {table} {_select(columns)} FROM new_rows p
            ON CONFLICT (id) DO UPDATE SET ({columns}, capability_ids, standard_ids) =
                ({_prefixed(columns + ", capability_ids, standard_ids", "EXCLUDED")});"""
            for table, columns in TABLES.items()
        ),
    ),
    _function(
        "update",
        "\n".join(
            f"UPDATE {table} s SET ({columns}) = ({_prefixed(columns, 'p')}) "
            "FROM new_rows p WHERE s.id = p.id;"
            for table, columns in TABLES.items()
        ),
    ),
    _function("delete", _each("DELETE FROM {table} s USING old_rows o WHERE s.id = o.id;")),
    _function("truncate", f"TRUNCATE {', '.join(TABLES)};"),
    # The links: the platforms whose capabilities or standards a statement changed.
    *(
        _function(
            f"links_{name}",
            "\n".join(
                f"UPDATE {table} s SET {LINK_ARRAYS} WHERE s.id IN ({changed});" for table in TABLES
            ),
        )
        for name, changed in (
            ("new", "SELECT platform_id FROM new_links"),
            ("old", "SELECT platform_id FROM old_links"),
            (
                "both",
                "SELECT platform_id FROM new_links UNION SELECT platform_id FROM old_links",
            ),
        )
    ),
    *(
        f"""CREATE TRIGGER search_row_{event.lower()} AFTER {event} ON {links}
            REFERENCING {referencing} FOR EACH STATEMENT
            EXECUTE FUNCTION search_row_links_{function}()"""
        for links in LINK_TABLES
        for event, referencing, function in (
            ("INSERT", "NEW TABLE AS new_links", "new"),
            ("DELETE", "OLD TABLE AS old_links", "old"),
            ("UPDATE", "NEW TABLE AS new_links OLD TABLE AS old_links", "both"),
        )
    ),
    """CREATE TRIGGER search_row_insert AFTER INSERT ON platforms_platform
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
        EXECUTE FUNCTION search_row_insert()""",
    """CREATE TRIGGER search_row_update AFTER UPDATE ON platforms_platform
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
        EXECUTE FUNCTION search_row_update()""",
    """CREATE TRIGGER search_row_delete AFTER DELETE ON platforms_platform
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
        EXECUTE FUNCTION search_row_delete()""",
    """CREATE TRIGGER search_row_truncate AFTER TRUNCATE ON platforms_platform
        FOR EACH STATEMENT EXECUTE FUNCTION search_row_truncate()""",
    *(f"ANALYZE {table}" for table in TABLES),
]

DROP = [
    *(
        f"DROP TRIGGER IF EXISTS search_row_{event} ON {table}"
        for table in ("platforms_platform", *LINK_TABLES)
        for event in ("insert", "update", "delete", "truncate")
    ),
    *(
        f"DROP FUNCTION IF EXISTS search_row_{name}()"
        for name in (
            "insert",
            "update",
            "delete",
            "truncate",
            "links_new",
            "links_old",
            "links_both",
        )
    ),
    *(f"DROP TABLE IF EXISTS {table}" for table in TABLES),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0006_merge_scale"),
    ]

    operations = [migrations.RunPython(create, drop)]
