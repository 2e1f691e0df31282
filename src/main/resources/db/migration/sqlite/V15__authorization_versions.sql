-- SQLite dialect; keep in step with db/migration/postgresql/V13__authorization_versions.sql.
-- Versions of the authorization state, so nodes may cache verified tokens, principals and per-repository
-- permissions and still see every change within a bound (see auth.AuthorizationEpoch and
-- docs/decisions/fastpath-authorization-cache.md). One row, two counters:
--   identity: who a credential is (users, personal and organization access tokens and their resources);
--   access:   what a principal may do where (privacy, repository existence, memberships, teams, restrictions).
-- Triggers bump them in the very transaction of every change, whoever makes it (a node, the admin CLI, a
-- future code path), so no writer has to remember to. Columns that change on every login or use (last_used,
-- totp_last_step, ...) are left out so routine traffic does not empty the caches.

CREATE TABLE auth_versions (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    identity INTEGER NOT NULL,
    access   INTEGER NOT NULL
) STRICT;
INSERT INTO auth_versions (id, identity, access) VALUES (1, 0, 0);

CREATE TRIGGER auth_identity_users_update AFTER UPDATE OF username, password_hash, is_admin, totp_enabled ON users
    BEGIN UPDATE auth_versions SET identity = identity + 1 WHERE id = 1; END;
CREATE TRIGGER auth_identity_users_delete AFTER DELETE ON users
    BEGIN UPDATE auth_versions SET identity = identity + 1 WHERE id = 1; END;
CREATE TRIGGER auth_identity_personal_access_tokens_update AFTER UPDATE OF user_id, scopes, is_active, expires_at, secret_hash ON personal_access_tokens
    BEGIN UPDATE auth_versions SET identity = identity + 1 WHERE id = 1; END;
CREATE TRIGGER auth_identity_personal_access_tokens_delete AFTER DELETE ON personal_access_tokens
    BEGIN UPDATE auth_versions SET identity = identity + 1 WHERE id = 1; END;
CREATE TRIGGER auth_identity_org_access_tokens_update AFTER UPDATE OF org_id, is_active, expires_at, secret_hash ON org_access_tokens
    BEGIN UPDATE auth_versions SET identity = identity + 1 WHERE id = 1; END;
CREATE TRIGGER auth_identity_org_access_tokens_delete AFTER DELETE ON org_access_tokens
    BEGIN UPDATE auth_versions SET identity = identity + 1 WHERE id = 1; END;
CREATE TRIGGER auth_identity_org_access_token_resources_insert AFTER INSERT ON org_access_token_resources
    BEGIN UPDATE auth_versions SET identity = identity + 1 WHERE id = 1; END;
CREATE TRIGGER auth_identity_org_access_token_resources_update AFTER UPDATE ON org_access_token_resources
    BEGIN UPDATE auth_versions SET identity = identity + 1 WHERE id = 1; END;
CREATE TRIGGER auth_identity_org_access_token_resources_delete AFTER DELETE ON org_access_token_resources
    BEGIN UPDATE auth_versions SET identity = identity + 1 WHERE id = 1; END;
CREATE TRIGGER auth_identity_organizations_delete AFTER DELETE ON organizations
    BEGIN UPDATE auth_versions SET identity = identity + 1 WHERE id = 1; END;

CREATE TRIGGER auth_access_repositories_insert AFTER INSERT ON repositories
    BEGIN UPDATE auth_versions SET access = access + 1 WHERE id = 1; END;
CREATE TRIGGER auth_access_repositories_delete AFTER DELETE ON repositories
    BEGIN UPDATE auth_versions SET access = access + 1 WHERE id = 1; END;
CREATE TRIGGER auth_access_repository_settings_insert AFTER INSERT ON repository_settings
    BEGIN UPDATE auth_versions SET access = access + 1 WHERE id = 1; END;
CREATE TRIGGER auth_access_repository_settings_update AFTER UPDATE ON repository_settings
    BEGIN UPDATE auth_versions SET access = access + 1 WHERE id = 1; END;
CREATE TRIGGER auth_access_repository_settings_delete AFTER DELETE ON repository_settings
    BEGIN UPDATE auth_versions SET access = access + 1 WHERE id = 1; END;
CREATE TRIGGER auth_access_organizations_delete AFTER DELETE ON organizations
    BEGIN UPDATE auth_versions SET access = access + 1 WHERE id = 1; END;
CREATE TRIGGER auth_access_org_members_insert AFTER INSERT ON org_members
    BEGIN UPDATE auth_versions SET access = access + 1 WHERE id = 1; END;
CREATE TRIGGER auth_access_org_members_update AFTER UPDATE ON org_members
    BEGIN UPDATE auth_versions SET access = access + 1 WHERE id = 1; END;
CREATE TRIGGER auth_access_org_members_delete AFTER DELETE ON org_members
    BEGIN UPDATE auth_versions SET access = access + 1 WHERE id = 1; END;
CREATE TRIGGER auth_access_teams_delete AFTER DELETE ON teams
    BEGIN UPDATE auth_versions SET access = access + 1 WHERE id = 1; END;
CREATE TRIGGER auth_access_team_members_insert AFTER INSERT ON team_members
    BEGIN UPDATE auth_versions SET access = access + 1 WHERE id = 1; END;
CREATE TRIGGER auth_access_team_members_update AFTER UPDATE ON team_members
    BEGIN UPDATE auth_versions SET access = access + 1 WHERE id = 1; END;
CREATE TRIGGER auth_access_team_members_delete AFTER DELETE ON team_members
    BEGIN UPDATE auth_versions SET access = access + 1 WHERE id = 1; END;
CREATE TRIGGER auth_access_team_repository_permissions_insert AFTER INSERT ON team_repository_permissions
    BEGIN UPDATE auth_versions SET access = access + 1 WHERE id = 1; END;
CREATE TRIGGER auth_access_team_repository_permissions_update AFTER UPDATE ON team_repository_permissions
    BEGIN UPDATE auth_versions SET access = access + 1 WHERE id = 1; END;
CREATE TRIGGER auth_access_team_repository_permissions_delete AFTER DELETE ON team_repository_permissions
    BEGIN UPDATE auth_versions SET access = access + 1 WHERE id = 1; END;
CREATE TRIGGER auth_access_org_settings_insert AFTER INSERT ON org_settings
    BEGIN UPDATE auth_versions SET access = access + 1 WHERE id = 1; END;
CREATE TRIGGER auth_access_org_settings_update AFTER UPDATE ON org_settings
    BEGIN UPDATE auth_versions SET access = access + 1 WHERE id = 1; END;
CREATE TRIGGER auth_access_org_settings_delete AFTER DELETE ON org_settings
    BEGIN UPDATE auth_versions SET access = access + 1 WHERE id = 1; END;
CREATE TRIGGER auth_access_namespace_badges_insert AFTER INSERT ON namespace_badges
    BEGIN UPDATE auth_versions SET access = access + 1 WHERE id = 1; END;
CREATE TRIGGER auth_access_namespace_badges_update AFTER UPDATE ON namespace_badges
    BEGIN UPDATE auth_versions SET access = access + 1 WHERE id = 1; END;
CREATE TRIGGER auth_access_namespace_badges_delete AFTER DELETE ON namespace_badges
    BEGIN UPDATE auth_versions SET access = access + 1 WHERE id = 1; END;
