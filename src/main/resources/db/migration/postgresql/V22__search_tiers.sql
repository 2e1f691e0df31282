-- Search by tiers. Nothing changes on PostgreSQL: repository_search (V19) already holds each name next to its
-- name after the namespace, and its GIN indexes need no prefix option. SQLite's V22 makes its index of names
-- after the namespace cover the full name and gives its FTS5 table prefix indexes
-- (see db/migration/sqlite/V22__search_tiers.sql).
SELECT 1;
