-- Per-repository rules the registry enforces on push. Immutable tags: when enabled, a tag matching any of the
-- rules (regular expressions, JSON array) can be created but never moved to another digest.
CREATE TABLE repository_policies (
    repository_id          BIGINT   PRIMARY KEY REFERENCES repositories (id) ON DELETE CASCADE,
    immutable_tags_enabled BOOLEAN  NOT NULL DEFAULT FALSE,
    immutable_tags_rules   TEXT     NOT NULL DEFAULT '[]',
    updated_at             BIGINT   NOT NULL
);
