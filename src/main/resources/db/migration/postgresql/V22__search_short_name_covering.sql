-- Search by tiers. Nothing changes on PostgreSQL: repository_search (V19) already holds each name next to its
-- name after the namespace. SQLite's V22 makes its index of names after the namespace cover the full name
-- (see db/migration/sqlite/V22__search_short_name_covering.sql).
SELECT 1;
