-- Identity: users, organizations, teams, access tokens, two-factor state, repository privacy. PostgreSQL dialect.
-- Keep in step with db/migration/sqlite/V2__identity.sql: same tables, columns and indexes, so the auth
-- services run the same SQL on both. Instants are epoch milliseconds; booleans are BOOLEAN here and 0/1 there
-- (JDBC binds and reads Java booleans the same way on both). Secrets are never stored: passwords as Argon2id
-- PHC strings, tokens and recovery codes as SHA-256 hex, TOTP secrets sealed with AES-GCM (SecretBox).

-- One row per namespace, user or organization: the primary key is what stops a user and an organization
-- from ever sharing a name, even when two nodes create them at the same moment.
CREATE TABLE namespaces (
    name TEXT COLLATE "C" PRIMARY KEY,
    kind TEXT COLLATE "C" NOT NULL CHECK (kind IN ('user', 'org'))
);

CREATE TABLE users (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username            TEXT COLLATE "C" NOT NULL UNIQUE REFERENCES namespaces (name),
    email               TEXT COLLATE "C" NOT NULL,
    password_hash       TEXT COLLATE "C" NOT NULL,
    is_admin            BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          BIGINT NOT NULL,
    totp_secret         TEXT, -- sealed; set while totp_enabled
    totp_enabled        BOOLEAN NOT NULL DEFAULT FALSE,
    totp_pending_secret TEXT, -- sealed; set between enrollment start and confirmation
    totp_last_step      BIGINT -- last accepted TOTP time step: a code is never accepted twice, on any node
);

CREATE TABLE recovery_codes (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    used_at    BIGINT,
    UNIQUE (user_id, code_hash) -- also the lookup index of a login with a recovery code
);

CREATE TABLE organizations (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT COLLATE "C" NOT NULL UNIQUE REFERENCES namespaces (name),
    created_at BIGINT NOT NULL
);

CREATE TABLE org_members (
    org_id    BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role      TEXT COLLATE "C" NOT NULL CHECK (role IN ('owner', 'editor', 'member')),
    joined_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
-- organizations of a user (authorization)
CREATE INDEX org_members_user ON org_members (user_id, org_id);

CREATE TABLE teams (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name        TEXT COLLATE "C" NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE team_members (
    team_id BIGINT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);
-- teams of a user (authorization)
CREATE INDEX team_members_user ON team_members (user_id, team_id);

CREATE TABLE team_repository_permissions (
    team_id    BIGINT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    repository TEXT COLLATE "C" NOT NULL, -- full name, namespace/...; the repository need not have been pushed yet
    permission TEXT COLLATE "C" NOT NULL CHECK (permission IN ('read', 'write', 'admin')),
    PRIMARY KEY (team_id, repository)
);
-- "which teams may touch this repository" (authorization)
CREATE INDEX team_repository_permissions_repository ON team_repository_permissions (repository, team_id);

CREATE TABLE personal_access_tokens (
    uuid          TEXT COLLATE "C" PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_label   TEXT COLLATE "C" NOT NULL,
    scopes        TEXT COLLATE "C" NOT NULL, -- space-separated, e.g. 'repo:read'
    is_active     BOOLEAN NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used     BIGINT,
    expires_at    BIGINT,
    generated_by  TEXT COLLATE "C" NOT NULL, -- 'manual' or the client that asked
    creator_ip    TEXT COLLATE "C" NOT NULL,
    creator_ua    TEXT COLLATE "C" NOT NULL,
    client_id     TEXT COLLATE "C" NOT NULL,
    lookup_prefix TEXT COLLATE "C" NOT NULL, -- first characters of the random part: not enough to guess the rest
    secret_hash   TEXT NOT NULL  -- SHA-256 hex of the whole token
);
-- listing a user's tokens, newest first
CREATE INDEX personal_access_tokens_user ON personal_access_tokens (user_id, created_at);
CREATE INDEX personal_access_tokens_lookup ON personal_access_tokens (lookup_prefix);

CREATE TABLE org_access_tokens (
    uuid          TEXT COLLATE "C" PRIMARY KEY,
    org_id        BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    label         TEXT COLLATE "C" NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    created_by    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    is_active     BOOLEAN NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT,
    expires_at    BIGINT,
    lookup_prefix TEXT COLLATE "C" NOT NULL,
    secret_hash   TEXT NOT NULL
);
CREATE INDEX org_access_tokens_org ON org_access_tokens (org_id, created_at);
CREATE INDEX org_access_tokens_lookup ON org_access_tokens (lookup_prefix);

CREATE TABLE org_access_token_resources (
    token_uuid TEXT COLLATE "C" NOT NULL REFERENCES org_access_tokens (uuid) ON DELETE CASCADE,
    type       TEXT COLLATE "C" NOT NULL CHECK (type IN ('TYPE_REPO', 'TYPE_ORG')),
    path       TEXT COLLATE "C" NOT NULL, -- 'org/repo', 'org/*' or '*/*/public' for TYPE_REPO
    scopes     TEXT COLLATE "C" NOT NULL, -- space-separated, e.g. 'scope-image-pull scope-image-push'
    PRIMARY KEY (token_uuid, type, path)
);

-- Repositories without a row here have the server's default privacy.
CREATE TABLE repository_settings (
    repository TEXT COLLATE "C" PRIMARY KEY, -- full name; may precede the first push
    is_private BOOLEAN NOT NULL,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
