-- PostgreSQL dialect; keep in step with db/migration/sqlite/V13__authorization_versions.sql.
-- Versions of the authorization state, so nodes may cache verified tokens, principals and per-repository
-- permissions and still see every change within a bound (see auth.AuthorizationEpoch and
-- docs/decisions/fastpath-authorization-cache.md). One row, two counters:
--   identity: who a credential is (users, personal and organization access tokens and their resources);
--   access:   what a principal may do where (privacy, repository existence, memberships, teams, restrictions).
-- Triggers bump them in the very transaction of every change, whoever makes it (a node, the admin CLI, a
-- future code path), so no writer has to remember to. Columns that change on every login or use (last_used,
-- totp_last_step, ...) are left out so routine traffic does not empty the caches.
-- Row triggers, not statement triggers: an INSERT ... ON CONFLICT DO NOTHING that inserts nothing (every push
-- "ensures" its repository) must not bump anything.

CREATE TABLE auth_versions (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    identity BIGINT NOT NULL,
    access   BIGINT NOT NULL
);
INSERT INTO auth_versions (id, identity, access) VALUES (1, 0, 0);

CREATE FUNCTION auth_identity_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE auth_versions SET identity = identity + 1 WHERE id = 1;
    RETURN NULL;
END $$;

CREATE FUNCTION auth_access_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE auth_versions SET access = access + 1 WHERE id = 1;
    RETURN NULL;
END $$;

CREATE TRIGGER auth_identity_users AFTER UPDATE OF username, password_hash, is_admin, totp_enabled OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION auth_identity_changed();
CREATE TRIGGER auth_identity_personal_access_tokens AFTER UPDATE OF user_id, scopes, is_active, expires_at, secret_hash OR DELETE ON personal_access_tokens
    FOR EACH ROW EXECUTE FUNCTION auth_identity_changed();
CREATE TRIGGER auth_identity_org_access_tokens AFTER UPDATE OF org_id, is_active, expires_at, secret_hash OR DELETE ON org_access_tokens
    FOR EACH ROW EXECUTE FUNCTION auth_identity_changed();
CREATE TRIGGER auth_identity_org_access_token_resources AFTER INSERT OR UPDATE OR DELETE ON org_access_token_resources
    FOR EACH ROW EXECUTE FUNCTION auth_identity_changed();
CREATE TRIGGER auth_identity_organizations AFTER DELETE ON organizations
    FOR EACH ROW EXECUTE FUNCTION auth_identity_changed();

CREATE TRIGGER auth_access_repositories AFTER INSERT OR DELETE ON repositories
    FOR EACH ROW EXECUTE FUNCTION auth_access_changed();
CREATE TRIGGER auth_access_repository_settings AFTER INSERT OR UPDATE OR DELETE ON repository_settings
    FOR EACH ROW EXECUTE FUNCTION auth_access_changed();
CREATE TRIGGER auth_access_organizations AFTER DELETE ON organizations
    FOR EACH ROW EXECUTE FUNCTION auth_access_changed();
CREATE TRIGGER auth_access_org_members AFTER INSERT OR UPDATE OR DELETE ON org_members
    FOR EACH ROW EXECUTE FUNCTION auth_access_changed();
CREATE TRIGGER auth_access_teams AFTER DELETE ON teams
    FOR EACH ROW EXECUTE FUNCTION auth_access_changed();
CREATE TRIGGER auth_access_team_members AFTER INSERT OR UPDATE OR DELETE ON team_members
    FOR EACH ROW EXECUTE FUNCTION auth_access_changed();
CREATE TRIGGER auth_access_team_repository_permissions AFTER INSERT OR UPDATE OR DELETE ON team_repository_permissions
    FOR EACH ROW EXECUTE FUNCTION auth_access_changed();
CREATE TRIGGER auth_access_org_settings AFTER INSERT OR UPDATE OR DELETE ON org_settings
    FOR EACH ROW EXECUTE FUNCTION auth_access_changed();
CREATE TRIGGER auth_access_namespace_badges AFTER INSERT OR UPDATE OR DELETE ON namespace_badges
    FOR EACH ROW EXECUTE FUNCTION auth_access_changed();
