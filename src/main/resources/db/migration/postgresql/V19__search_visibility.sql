-- Repository search with visibility as data (PostgreSQL; the SQLite twin is a note: its FTS5 table of V14 already
-- carries the same access words). V14 matched through indexes on repositories and repository_details and then
-- looked up each matching row's privacy setting: a common word (29,000 matches at 100,000 repositories) cost that
-- many lookups. Here one row per repository holds everything a search filters and ranks on, kept in step by
-- triggers, so a search is one scan of one table (a BitmapOr of the indexes below) with a cheap array test per
-- row, whose top-N sort returns the page:
--   name, short_name (the name after the namespace): "C" collation, so prefix matches are byte ranges;
--   name_words, description_words: 'simple' text search vectors (no stemming, no stop words), GIN;
--   access: who may see the row, as words (the same words as SQLite's access column, spelled as text):
--     'public', 'private' or 'unset' (no settings row: repositories.default_private decides at query time),
--     'n:' || namespace (the name before the first '/'), 'r:' || name (team grants). GIN, so a caller's
--     visibility is an index condition (access && ARRAY[...]) the planner may AND with a word match.

CREATE TABLE repository_search (
    id                BIGINT PRIMARY KEY REFERENCES repositories (id) ON DELETE CASCADE,
    name              TEXT COLLATE "C" NOT NULL,
    short_name        TEXT COLLATE "C" NOT NULL,
    name_words        tsvector NOT NULL,
    description_words tsvector NOT NULL,
    access            TEXT[] NOT NULL
);

CREATE FUNCTION repository_search_privacy(is_private BOOLEAN) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE is_private WHEN TRUE THEN 'private' WHEN FALSE THEN 'public' ELSE 'unset' END
$$;

INSERT INTO repository_search (id, name, short_name, name_words, description_words, access)
SELECT r.id, r.name, substr(r.name, strpos(r.name, '/') + 1),
    to_tsvector('simple', translate(r.name, '/._-', '    ')),
    to_tsvector('simple', COALESCE(d.description, '')),
    ARRAY[repository_search_privacy(s.is_private), 'n:' || split_part(r.name, '/', 1), 'r:' || r.name]
FROM repositories r
LEFT JOIN repository_details d ON d.repository = r.name
LEFT JOIN repository_settings s ON s.repository = r.name;

CREATE INDEX repository_search_name ON repository_search (name);
CREATE INDEX repository_search_short_name ON repository_search (short_name);
CREATE INDEX repository_search_name_words ON repository_search USING gin (name_words);
CREATE INDEX repository_search_description_words ON repository_search USING gin (description_words);
CREATE INDEX repository_search_access ON repository_search USING gin (access);

-- V14's indexes served only the search; the table above replaces them.
DROP INDEX repositories_name_c;
DROP INDEX repositories_short_name;
DROP INDEX repositories_name_words;
DROP INDEX repository_details_words;

CREATE FUNCTION repository_search_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO repository_search (id, name, short_name, name_words, description_words, access)
    VALUES (NEW.id, NEW.name, substr(NEW.name, strpos(NEW.name, '/') + 1),
        to_tsvector('simple', translate(NEW.name, '/._-', '    ')),
        to_tsvector('simple', COALESCE((SELECT description FROM repository_details WHERE repository = NEW.name), '')),
        ARRAY[repository_search_privacy((SELECT is_private FROM repository_settings WHERE repository = NEW.name)),
              'n:' || split_part(NEW.name, '/', 1), 'r:' || NEW.name]);
    RETURN NULL;
END $$;
CREATE TRIGGER repository_search_add AFTER INSERT ON repositories
    FOR EACH ROW EXECUTE FUNCTION repository_search_add();

-- Privacy set, changed or reset: the first access word follows (the namespace and name words stay).
CREATE FUNCTION repository_search_privacy_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE repository_search SET access[1] = 'unset' WHERE name = OLD.repository;
    ELSE
        UPDATE repository_search SET access[1] = repository_search_privacy(NEW.is_private) WHERE name = NEW.repository;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER repository_search_privacy AFTER INSERT OR UPDATE OF is_private OR DELETE ON repository_settings
    FOR EACH ROW EXECUTE FUNCTION repository_search_privacy_changed();

-- Descriptions are keyed by name and may be written before the first push: then no search row exists yet, and
-- the insert trigger above picks the description up.
CREATE FUNCTION repository_search_description_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE repository_search SET description_words = ''::tsvector WHERE name = OLD.repository;
    ELSE
        UPDATE repository_search SET description_words = to_tsvector('simple', NEW.description)
        WHERE name = NEW.repository;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER repository_search_description AFTER INSERT OR UPDATE OF description OR DELETE ON repository_details
    FOR EACH ROW EXECUTE FUNCTION repository_search_description_changed();
