-- Repository search with visibility as data. Nothing changes on SQLite: the FTS5 table of V14 already carries who
-- may see each row as access words ('public'/'private'/'unset', 'n' || hex(namespace), 'r' || hex(name)), so a
-- search's visibility is part of its MATCH. PostgreSQL's V19 gives its search the same: one table of names, word
-- vectors and access words kept by triggers (see db/migration/postgresql/V19__search_visibility.sql).
SELECT 1;
