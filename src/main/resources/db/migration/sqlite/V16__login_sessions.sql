-- Server-side sessions: every Hub session, console cookie and registry refresh token issued to a user names a row
-- here (its "sid" claim), so it can be listed and revoked, cluster-wide. SQLite dialect; keep in step with
-- db/migration/postgresql/V15__login_sessions.sql. Instants are epoch milliseconds.

-- A live session or refresh token. Revoking deletes the row: a token whose row is gone is refused on every node.
-- Rows past expires_at are deleted when their user next signs in.
CREATE TABLE login_sessions (
    id          TEXT PRIMARY KEY, -- 128 random bits, base64url; the tokens' "sid" claim
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('session', 'refresh')),
    token_uuid  TEXT, -- the personal access token it was made from, if any
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    client_ip   TEXT NOT NULL,
    user_agent  TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX login_sessions_user ON login_sessions (user_id, created_at);

-- When a user's sessions were last all revoked (password change, 2FA change, "sign out everywhere"). Tokens
-- without a "sid" (issued before this migration, and registry bearer tokens) count only if issued after it.
CREATE TABLE session_cutoffs (
    user_id        INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    revoked_before INTEGER NOT NULL
) STRICT;
