-- A mirror's own eviction setting (docs/operations.md, "Pull-through mirrors"). Keep in step with
-- db/migration/sqlite/V23__mirror_eviction.sql.
-- NULL: the server's mirrors.evict_unused_after; 0: never; otherwise tags unused this many seconds are evicted.
ALTER TABLE mirrors ADD COLUMN evict_unused_seconds BIGINT;
