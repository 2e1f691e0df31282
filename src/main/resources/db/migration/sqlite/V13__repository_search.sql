-- Repository search (GET /v1/search, GET /v2/search/repositories/). SQLite dialect; keep in step with
-- db/migration/postgresql/V13__repository_search.sql. Every kind of match has an index, so a search reads only
-- the rows that match, never all repositories:
--   exact and prefix matches of the full name: the unique index of repositories.name;
--   exact and prefix matches of the name after the namespace ("app" finds "alice/app"): the expression index below
--     (queries must spell the expression exactly like this);
--   words of the name and of the description ("app" finds "alice/my-app" and "... an app server"): an FTS5
--     table kept in step with repositories and repository_details by triggers.

CREATE INDEX repositories_short_name ON repositories (substr(name, instr(name, '/') + 1));

CREATE VIRTUAL TABLE repository_search USING fts5(name, description, tokenize = 'unicode61 remove_diacritics 2');

INSERT INTO repository_search (rowid, name, description)
SELECT r.id, r.name, COALESCE(d.description, '')
FROM repositories r LEFT JOIN repository_details d ON d.repository = r.name;

CREATE TRIGGER repository_search_add AFTER INSERT ON repositories BEGIN
    INSERT INTO repository_search (rowid, name, description)
    VALUES (new.id, new.name, COALESCE((SELECT description FROM repository_details WHERE repository = new.name), ''));
END;

CREATE TRIGGER repository_search_remove AFTER DELETE ON repositories BEGIN
    DELETE FROM repository_search WHERE rowid = old.id;
END;

-- Descriptions are keyed by name and may be written before the first push: then no search row exists yet, and
-- the insert trigger above picks the description up.
CREATE TRIGGER repository_search_describe AFTER INSERT ON repository_details BEGIN
    UPDATE repository_search SET description = new.description
    WHERE rowid = (SELECT id FROM repositories WHERE name = new.repository);
END;

CREATE TRIGGER repository_search_redescribe AFTER UPDATE OF description ON repository_details BEGIN
    UPDATE repository_search SET description = new.description
    WHERE rowid = (SELECT id FROM repositories WHERE name = new.repository);
END;

CREATE TRIGGER repository_search_undescribe AFTER DELETE ON repository_details BEGIN
    UPDATE repository_search SET description = ''
    WHERE rowid = (SELECT id FROM repositories WHERE name = old.repository);
END;
