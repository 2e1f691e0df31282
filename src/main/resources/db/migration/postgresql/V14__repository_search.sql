-- Repository search (GET /v1/search, GET /v2/search/repositories/). PostgreSQL dialect; keep in step with
-- db/migration/sqlite/V13__repository_search.sql. Every kind of match has an index, so a search reads only the
-- rows that match, never all repositories. Prefix matches are byte ranges, so these indexes use the "C"
-- collation whatever the database's default is (queries must spell the expressions exactly like this):
--   exact and prefix matches of the full name;
--   exact and prefix matches of the name after the namespace ("app" finds "alice/app");
--   words of the name and of the description ("app" finds "alice/my-app" and "... an app server"): GIN indexes of
--     text search vectors with the 'simple' configuration (no stemming, no stop words: names are not prose).

CREATE INDEX repositories_name_c ON repositories ((name COLLATE "C"));
CREATE INDEX repositories_short_name ON repositories ((substr(name, strpos(name, '/') + 1) COLLATE "C"));
CREATE INDEX repositories_name_words ON repositories
    USING gin (to_tsvector('simple', translate(name, '/._-', '    ')));
CREATE INDEX repository_details_words ON repository_details USING gin (to_tsvector('simple', description));
