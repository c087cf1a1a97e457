"""Shared by this app's migrations (a leading underscore: Django's loader does not take it for a migration)."""


def analyze_indexes(schema_editor, *indexes: str) -> None:
    """Refresh SQLite's planner statistics for rebuilt or new indexes where the database keeps statistics
    (seed_demo runs ANALYZE): without them SQLite may prefer older indexes that have some. PostgreSQL's
    autovacuum gathers its own."""
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone():
            for index in indexes:
                cursor.execute(f'ANALYZE "{index}"')
