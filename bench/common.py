"""Shared helpers of the benchmark scripts: the database URL, the maintenance connection, Django
set-up against a chosen database, and the generator's metadata (stored as the database's
COMMENT so that it travels with the data and needs no table of its own)."""

import json
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/qiye_bench"


def database_url(cli_value=None):
    url = cli_value or os.environ.get("DATABASE_URL") or DEFAULT_URL
    scheme = urlsplit(url).scheme
    if scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(f"The benchmark runs on PostgreSQL only; DATABASE_URL is {url!r}.")
    return url


def database_name(url):
    return urlsplit(url).path.lstrip("/")


def with_database(url, name):
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _libpq_url(url):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql"))


def admin_connection(url):
    """An autocommit connection to the server's `postgres` database (CREATE/DROP DATABASE)."""
    import psycopg

    return psycopg.connect(_libpq_url(with_database(url, "postgres")), autocommit=True)


def database_exists(admin, name):
    return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def drop_database(admin, name):
    from psycopg import sql

    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def create_database(admin, name, template=None):
    from psycopg import sql

    if template:
        # FILE_COPY: a checkpoint and a file-level copy, much faster than PostgreSQL 15's default
        # WAL_LOG strategy for a database of several gigabytes.
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(sql.Identifier(name), sql.Identifier(template))
        )
    else:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def read_metadata(admin, name):
    row = admin.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
    ).fetchone()
    if not row or not row[0]:
        return None
    try:
        return json.loads(row[0])
    except ValueError:
        return None


def write_metadata(admin, name, metadata):
    from psycopg import sql

    admin.execute(
        sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(json.dumps(metadata, ensure_ascii=False)))
    )


def setup_django(url):
    """Django with the project's real settings, pointed at `url` (no test database)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def fmt_seconds(seconds):
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.2f} s"
    return f"{seconds / 60:.1f} min ({seconds:.0f} s)"
