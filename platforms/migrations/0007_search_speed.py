# ruff: noqa: S608 - the SQL is fixed text: table and column names from this module, no input
"""Search at national scale (issue 14): a narrow copy of what a search reads, on PostgreSQL.

``platforms_search_row`` holds, per platform, the columns a search matches, filters, orders,
counts and facets on (the search document, state, owner, phase, reuse count, name, slug, the
capability and standard ids, ...) and none of what only a page shows (summary, description,
original document, sources, ...). A search walks it in reuse order, reads its trigram index for
typos and counts its facets from the id arrays, instead of reading platform rows twice as wide
(at 100,000 platforms, the walk for "payments" read 6,700 pages of the platform table).

Kept right by triggers in the same transaction as every write of a platform or of its
capability and standard links: statement-level triggers over the rows each statement changed
(transition tables), so a bulk load or COPY costs one set-based statement, not one per row; a
TRUNCATE of the platforms empties it. Filled at migration in (state, reuse count, slug) order,
the order the search walks, so the walk reads few pages; ``reindex_all()`` restores that order
after bulk changes (CLUSTER). PostgreSQL only, outside the model state: SQLite searches through
its own full-text tables.
"""

from django.db import migrations

TABLE = "platforms_search_row"
COLUMNS = (
    "id, state, owner_id, phase, kind, is_open_source, reuse_count, slug, name, created_at, "
    "updated_at, contract_end_date, search_vector"
)
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
SELECT_ROWS = f"SELECT {', '.join('p.' + c.strip() for c in COLUMNS.split(','))}, {ARRAYS}"

CREATE = [
    f"""CREATE TABLE {TABLE} WITH (fillfactor = 90) AS
        SELECT {COLUMNS}, '{{}}'::bigint[] AS capability_ids, '{{}}'::bigint[] AS standard_ids
        FROM platforms_platform WITH NO DATA""",
    f"ALTER TABLE {TABLE} ADD PRIMARY KEY (id)",
    f"""INSERT INTO {TABLE} {SELECT_ROWS} FROM platforms_platform p
        ORDER BY p.state, p.reuse_count DESC, p.slug""",
    f"CREATE INDEX search_row_walk ON {TABLE} (state, reuse_count DESC, slug)",
    f"CREATE INDEX search_row_document ON {TABLE} USING gin (search_vector) "
    "WITH (fastupdate = off)",
    f"CREATE INDEX search_row_name_trgm ON {TABLE} USING gin (name gin_trgm_ops) "
    "WITH (fastupdate = off)",
    f"ALTER TABLE {TABLE} CLUSTER ON search_row_walk",
    # The platform's own rows: new, changed, gone, all gone.
    f"""CREATE FUNCTION search_row_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {TABLE} {SELECT_ROWS} FROM new_rows p
        ON CONFLICT (id) DO UPDATE SET
            ({COLUMNS}, capability_ids, standard_ids) =
            ({", ".join("EXCLUDED." + c.strip() for c in COLUMNS.split(","))},
             EXCLUDED.capability_ids, EXCLUDED.standard_ids);
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION search_row_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE {TABLE} s SET ({COLUMNS}) =
            ({", ".join("p." + c.strip() for c in COLUMNS.split(","))})
        FROM new_rows p WHERE s.id = p.id;
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION search_row_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM {TABLE} s USING old_rows o WHERE s.id = o.id;
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION search_row_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE {TABLE};
        RETURN NULL;
    END $$""",
    # The links: the platforms whose capabilities or standards a statement changed.
    *(
        f"""CREATE FUNCTION search_row_links_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE {TABLE} s SET {LINK_ARRAYS} WHERE s.id IN ({changed});
            RETURN NULL;
        END $$"""
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
    f"ANALYZE {TABLE}",
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
    f"DROP TABLE IF EXISTS {TABLE}",
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
