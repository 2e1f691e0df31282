-- Planner statistics for tags (SQLite only; PostgreSQL keeps its own through autovacuum's ANALYZE).
--
-- Without sqlite_stat1, the bundled SQLite (3.50) checks the tags -> manifests foreign key on every manifest
-- delete by walking all of the repository's tags through the primary key (repository_id, name) instead of looking
-- the digest up in tags_manifest (repository_id, manifest_digest): about 75 ms per deleted image at 50,000 tags,
-- which made a retention run over 100,000 tags take 40 minutes (docs/benchmarks.md). The figures below say what
-- holds in any registry, whatever its size: a repository has many tags, a digest few. A later ANALYZE replaces
-- them with measured ones, which say the same.
--
-- The index is made again first: a schema change makes the other open connections reload the schema and, with it,
-- these statistics (dropping an index drops its statistics, so the rows come after). The connection running this
-- migration loads them with the last ANALYZE (of nothing, again), which ends by reading sqlite_stat1.
DROP INDEX tags_manifest;
CREATE INDEX tags_manifest ON tags (repository_id, manifest_digest);
ANALYZE sqlite_schema; -- creates sqlite_stat1 without analysing anything
DELETE FROM sqlite_stat1 WHERE tbl = 'tags';
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('tags', 'tags', '100000 1000 1');
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('tags', 'tags_manifest', '100000 1000 2');
ANALYZE sqlite_schema;
