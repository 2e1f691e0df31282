-- Identity: users, organizations, teams, access tokens, two-factor state, repository privacy. SQLite dialect.
-- Keep in step with db/migration/postgresql/V2__identity.sql: same tables, columns and indexes, so the auth
-- services run the same SQL on both. Instants are epoch milliseconds; booleans are 0/1 here and BOOLEAN there
-- (JDBC binds and reads Java booleans the same way on both). Secrets are never stored: passwords as Argon2id
-- PHC strings, tokens and recovery codes as SHA-256 hex, TOTP secrets sealed with AES-GCM (SecretBox).

-- One row per namespace, user or organization: the primary key is what stops a user and an organization
-- from ever sharing a name, even when two nodes create them at the same moment.
CREATE TABLE namespaces (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('user', 'org'))
) STRICT, WITHOUT ROWID;

CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE REFERENCES namespaces (name),
    email               TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    is_admin            INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    created_at          INTEGER NOT NULL,
    totp_secret         TEXT, -- sealed; set while totp_enabled
    totp_enabled        INTEGER NOT NULL DEFAULT 0 CHECK (totp_enabled IN (0, 1)),
    totp_pending_secret TEXT, -- sealed; set between enrollment start and confirmation
    totp_last_step      INTEGER -- last accepted TOTP time step: a code is never accepted twice, on any node
) STRICT;

CREATE TABLE recovery_codes (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    used_at    INTEGER,
    UNIQUE (user_id, code_hash) -- also the lookup index of a login with a recovery code
) STRICT;

CREATE TABLE organizations (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE REFERENCES namespaces (name),
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE org_members (
    org_id    INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role      TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'member')),
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, user_id)
) STRICT, WITHOUT ROWID;
-- organizations of a user (authorization)
CREATE INDEX org_members_user ON org_members (user_id, org_id);

CREATE TABLE teams (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    UNIQUE (org_id, name)
) STRICT;

CREATE TABLE team_members (
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
) STRICT, WITHOUT ROWID;
-- teams of a user (authorization)
CREATE INDEX team_members_user ON team_members (user_id, team_id);

CREATE TABLE team_repository_permissions (
    team_id    INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    repository TEXT NOT NULL, -- full name, namespace/...; the repository need not have been pushed yet
    permission TEXT NOT NULL CHECK (permission IN ('read', 'write', 'admin')),
    PRIMARY KEY (team_id, repository)
) STRICT, WITHOUT ROWID;
-- "which teams may touch this repository" (authorization)
CREATE INDEX team_repository_permissions_repository ON team_repository_permissions (repository, team_id);

CREATE TABLE personal_access_tokens (
    uuid          TEXT PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_label   TEXT NOT NULL,
    scopes        TEXT NOT NULL, -- space-separated, e.g. 'repo:read'
    is_active     INTEGER NOT NULL CHECK (is_active IN (0, 1)),
    created_at    INTEGER NOT NULL,
    last_used     INTEGER,
    expires_at    INTEGER,
    generated_by  TEXT NOT NULL, -- 'manual' or the client that asked
    creator_ip    TEXT NOT NULL,
    creator_ua    TEXT NOT NULL,
    client_id     TEXT NOT NULL,
    lookup_prefix TEXT NOT NULL, -- first characters of the random part: not enough to guess the rest
    secret_hash   TEXT NOT NULL  -- SHA-256 hex of the whole token
) STRICT, WITHOUT ROWID;
-- listing a user's tokens, newest first
CREATE INDEX personal_access_tokens_user ON personal_access_tokens (user_id, created_at);
CREATE INDEX personal_access_tokens_lookup ON personal_access_tokens (lookup_prefix);

CREATE TABLE org_access_tokens (
    uuid          TEXT PRIMARY KEY,
    org_id        INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    label         TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    created_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    is_active     INTEGER NOT NULL CHECK (is_active IN (0, 1)),
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    expires_at    INTEGER,
    lookup_prefix TEXT NOT NULL,
    secret_hash   TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX org_access_tokens_org ON org_access_tokens (org_id, created_at);
CREATE INDEX org_access_tokens_lookup ON org_access_tokens (lookup_prefix);

CREATE TABLE org_access_token_resources (
    token_uuid TEXT NOT NULL REFERENCES org_access_tokens (uuid) ON DELETE CASCADE,
    type       TEXT NOT NULL CHECK (type IN ('TYPE_REPO', 'TYPE_ORG')),
    path       TEXT NOT NULL, -- 'org/repo', 'org/*' or '*/*/public' for TYPE_REPO
    scopes     TEXT NOT NULL, -- space-separated, e.g. 'scope-image-pull scope-image-push'
    PRIMARY KEY (token_uuid, type, path)
) STRICT, WITHOUT ROWID;

-- Repositories without a row here have the server's default privacy.
CREATE TABLE repository_settings (
    repository TEXT PRIMARY KEY, -- full name; may precede the first push
    is_private INTEGER NOT NULL CHECK (is_private IN (0, 1)),
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
