-- Search by tiers (storage.meta.SqliteSearch): the prefix tier reads every name whose part after the namespace
-- starts with the query ("api" finds "alice/api-gateway") and sorts them by full name. V14's expression index gave
-- the expression only, so each of those rows (thousands for a common word) was also read from the table for its
-- name; with the name in the index the range is read from the index alone. Queries must still spell the
-- expression exactly like this. PostgreSQL has nothing to change (see its V22).
DROP INDEX repositories_short_name;
CREATE INDEX repositories_short_name ON repositories (substr(name, instr(name, '/') + 1), name);
