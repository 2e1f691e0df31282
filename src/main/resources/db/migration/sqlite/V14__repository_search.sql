-- Repository search (GET /v1/search, GET /v2/search/repositories/). SQLite dialect; keep in step with
-- db/migration/postgresql/V13__repository_search.sql. Every kind of match has an index, so a search reads only
-- the rows that match, never all repositories:
--   exact and prefix matches of the full name: the unique index of repositories.name;
--   exact and prefix matches of the name after the namespace ("app" finds "alice/app"): the expression index below
--     (queries must spell the expression exactly like this);
--   words of the name and of the description ("app" finds "alice/my-app" and "... an app server"): an FTS5
--     table kept in step with repositories, repository_details and repository_settings by triggers.
-- The FTS5 table's third column, access, holds who may see the row as words, so a word match and the caller's
-- visibility are one MATCH (no per-row lookup of the privacy setting, which dominated broad matches):
--   'public', 'private' or 'unset' (no settings row: repositories.default_private decides at query time),
--   'n' followed by the hex of the namespace (the name before the first '/', or the whole name),
--   'r' followed by the hex of the full name (team grants).

CREATE INDEX repositories_short_name ON repositories (substr(name, instr(name, '/') + 1));

CREATE VIRTUAL TABLE repository_search USING fts5(name, description, access,
    tokenize = 'unicode61 remove_diacritics 2');

INSERT INTO repository_search (rowid, name, description, access)
SELECT r.id, r.name, COALESCE(d.description, ''),
    COALESCE(CASE s.is_private WHEN 1 THEN 'private' WHEN 0 THEN 'public' END, 'unset')
        || ' n' || lower(hex(CASE WHEN instr(r.name, '/') = 0 THEN r.name
                                  ELSE substr(r.name, 1, instr(r.name, '/') - 1) END))
        || ' r' || lower(hex(r.name))
FROM repositories r
LEFT JOIN repository_details d ON d.repository = r.name
LEFT JOIN repository_settings s ON s.repository = r.name;

CREATE TRIGGER repository_search_add AFTER INSERT ON repositories BEGIN
    INSERT INTO repository_search (rowid, name, description, access)
    VALUES (new.id, new.name, COALESCE((SELECT description FROM repository_details WHERE repository = new.name), ''),
        COALESCE((SELECT CASE is_private WHEN 1 THEN 'private' ELSE 'public' END FROM repository_settings
                  WHERE repository = new.name), 'unset')
            || ' n' || lower(hex(CASE WHEN instr(new.name, '/') = 0 THEN new.name
                                      ELSE substr(new.name, 1, instr(new.name, '/') - 1) END))
            || ' r' || lower(hex(new.name)));
END;

-- Privacy set, changed or reset: the first word of access follows (the namespace and name words stay).
CREATE TRIGGER repository_search_privacy_set AFTER INSERT ON repository_settings BEGIN
    UPDATE repository_search
    SET access = CASE new.is_private WHEN 1 THEN 'private' ELSE 'public' END || substr(access, instr(access, ' '))
    WHERE rowid = (SELECT id FROM repositories WHERE name = new.repository);
END;

CREATE TRIGGER repository_search_privacy_change AFTER UPDATE OF is_private ON repository_settings BEGIN
    UPDATE repository_search
    SET access = CASE new.is_private WHEN 1 THEN 'private' ELSE 'public' END || substr(access, instr(access, ' '))
    WHERE rowid = (SELECT id FROM repositories WHERE name = new.repository);
END;

CREATE TRIGGER repository_search_privacy_reset AFTER DELETE ON repository_settings BEGIN
    UPDATE repository_search SET access = 'unset' || substr(access, instr(access, ' '))
    WHERE rowid = (SELECT id FROM repositories WHERE name = old.repository);
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
