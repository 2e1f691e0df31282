-- Search by tiers (storage.meta.SqliteSearch). Two index changes, nothing else:
--
-- 1. The prefix tier reads every name whose part after the namespace starts with the query ("api" finds
--    "alice/api-gateway") and sorts them by full name. V14's expression index held the expression only, so each
--    of those rows (thousands for a common word) was also read from the table for its name; with the name in the
--    index the range is read from the index alone. Queries must still spell the expression exactly like this.
DROP INDEX repositories_short_name;
CREATE INDEX repositories_short_name ON repositories (substr(name, instr(name, '/') + 1), name);

-- 2. The total is an FTS5 count of every visible match. A query word of one to four letters is a prefix of many
--    distinct words ("user" of "user1" ... "user1999"), and FTS5 merges all their posting lists before it can
--    count; prefix indexes of those lengths give it one list instead (about twice as fast for such words, for a
--    larger index). FTS5 takes the option only at creation: the table is made again with the same columns,
--    tokenizer and rows (as V14 filled it), and V14's triggers, which name it, keep it in step as before.
DROP TABLE repository_search;

CREATE VIRTUAL TABLE repository_search USING fts5(name, description, access,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3 4');

INSERT INTO repository_search (rowid, name, description, access)
SELECT r.id, r.name, COALESCE(d.description, ''),
    COALESCE(CASE s.is_private WHEN 1 THEN 'private' WHEN 0 THEN 'public' END, 'unset')
        || ' n' || lower(hex(CASE WHEN instr(r.name, '/') = 0 THEN r.name
                                  ELSE substr(r.name, 1, instr(r.name, '/') - 1) END))
        || ' r' || lower(hex(r.name))
FROM repositories r
LEFT JOIN repository_details d ON d.repository = r.name
LEFT JOIN repository_settings s ON s.repository = r.name;
