-- Nothing to do on PostgreSQL: SQLite's V21 gives its planner statistics for tags, which PostgreSQL gathers
-- itself (autovacuum's ANALYZE). Kept so both dialects have the same versions.
SELECT 1;
