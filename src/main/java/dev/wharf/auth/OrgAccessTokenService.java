package dev.wharf.auth;

import dev.wharf.audit.AuditAction;
import dev.wharf.storage.meta.Database;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Organization access tokens ({@code dckr_oat_...}): owned by an organization rather than a person, limited to
 * the resources and scopes they list (see {@link OrgTokenResource}). Used with the organization's name as the
 * username. Only a hash of each token is stored. Managing them is for organization owners: the caller checks
 * that with {@link OrganizationService#roleOf}. Methods taking an {@code org} act on that organization's tokens
 * only; another organization's token is {@code NOT_FOUND}.
 */
public final class OrgAccessTokenService {

    private static final String COLUMNS = "t.uuid, o.name AS org, t.label, t.description, u.username AS created_by,"
            + " t.is_active, t.created_at, t.last_used_at, t.expires_at, t.secret_hash FROM org_access_tokens t"
            + " JOIN organizations o ON o.id = t.org_id LEFT JOIN users u ON u.id = t.created_by ";

    private final Database database;
    private final Clock clock;

    public OrgAccessTokenService(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /**
     * @param createdBy the user making it, kept as {@code created_by}
     * @param expiresAt null for no expiry; else in the future
     * @throws IdentityException INVALID_INPUT (label, resources, expiry), NOT_FOUND (organization)
     */
    public CreatedToken<OrgAccessToken> create(String org, long createdBy, String label, String description,
            List<OrgTokenResource> resources, Instant expiresAt) {
        IdentityNames.label(label, "label");
        String orgName = IdentityNames.normalize(org);
        List<OrgTokenResource> clean = validResources(orgName, resources);
        Instant now = clock.instant();
        if (expiresAt != null && !expiresAt.isAfter(now)) {
            throw IdentityException.invalid("expires_at must be in the future");
        }
        TokenSecrets.Issued issued = TokenSecrets.issue(TokenSecrets.OAT_PREFIX);
        String uuid = UUID.randomUUID().toString();
        database.inWriteTransaction(h -> {
            long orgId = orgId(h, orgName);
            h.createUpdate("INSERT INTO org_access_tokens (uuid, org_id, label, description, created_by, is_active,"
                            + " created_at, expires_at, lookup_prefix, secret_hash) VALUES (:uuid, :org, :label,"
                            + " :description, :by, TRUE, :now, :expires, :lookup, :hash)")
                    .bind("uuid", uuid)
                    .bind("org", orgId)
                    .bind("label", label)
                    .bind("description", description == null ? "" : description)
                    .bind("by", createdBy)
                    .bind("now", now.toEpochMilli())
                    .bind("expires", IdentityRows.millis(expiresAt))
                    .bind("lookup", issued.lookupPrefix())
                    .bind("hash", issued.hash())
                    .execute();
            insertResources(h, uuid, clean);
            IdentityAudit.org(h, orgName, AuditAction.ORG_ACCESS_TOKEN_CREATE, label, Map.of("id", uuid),
                    "created the organization access token " + label, now);
            return null;
        });
        return new CreatedToken<>(get(orgName, uuid).orElseThrow(), issued.token());
    }

    private static List<OrgTokenResource> validResources(String org, List<OrgTokenResource> resources) {
        if (resources == null || resources.isEmpty()) throw IdentityException.invalid("resources must not be empty");
        Map<String, OrgTokenResource> unique = new LinkedHashMap<>();
        for (OrgTokenResource resource : resources) {
            if (resource == null || resource.type() == null || resource.path() == null || resource.scopes() == null) {
                throw IdentityException.invalid("a resource needs type, path and scopes");
            }
            resource.validateFor(org);
            List<String> scopes = List.copyOf(new LinkedHashSet<>(resource.scopes()));
            if (unique.putIfAbsent(resource.type() + " " + resource.path(),
                    new OrgTokenResource(resource.type(), resource.path(), scopes)) != null) {
                throw IdentityException.invalid("resource " + resource.path() + " is listed twice");
            }
        }
        return List.copyOf(unique.values());
    }

    private static void insertResources(Handle h, String uuid, List<OrgTokenResource> resources) {
        var batch = h.prepareBatch("INSERT INTO org_access_token_resources (token_uuid, type, path, scopes)"
                + " VALUES (:uuid, :type, :path, :scopes)");
        for (OrgTokenResource r : resources) {
            batch.bind("uuid", uuid).bind("type", r.type().name()).bind("path", r.path())
                    .bind("scopes", IdentityRows.joinWords(r.scopes())).add();
        }
        batch.execute();
    }

    private static long orgId(Handle h, String org) {
        return h.createQuery("SELECT id FROM organizations WHERE name = :name")
                .bind("name", org)
                .mapTo(Long.class)
                .findOne()
                .orElseThrow(() -> IdentityException.notFound("no such organization"));
    }

    /** The organization's tokens, newest first, with their resources. */
    public Page<OrgAccessToken> list(String org, int page, int pageSize) {
        Paging paging = Paging.of(page, pageSize);
        String orgName = IdentityNames.normalize(org);
        return database.jdbi().withHandle(h -> {
            long orgId = orgId(h, orgName);
            List<Row> rows = h.createQuery("SELECT " + COLUMNS + "WHERE t.org_id = :org"
                            + " ORDER BY t.created_at DESC, t.uuid LIMIT :limit OFFSET :offset")
                    .bind("org", orgId)
                    .bind("limit", paging.limit())
                    .bind("offset", paging.offset())
                    .map(OrgAccessTokenService::row)
                    .list();
            long total = h.createQuery("SELECT COUNT(*) FROM org_access_tokens WHERE org_id = :org")
                    .bind("org", orgId).mapTo(Long.class).one();
            Map<String, List<OrgTokenResource>> resources = resources(h, rows.stream().map(Row::uuid).toList());
            List<OrgAccessToken> tokens = new ArrayList<>();
            for (Row row : rows) tokens.add(row.withResources(resources.getOrDefault(row.uuid(), List.of())));
            return new Page<>(tokens, total);
        });
    }

    public Optional<OrgAccessToken> get(String org, String id) {
        String orgName = IdentityNames.normalize(org);
        return database.jdbi().withHandle(h -> find(h, "t.uuid = :key AND o.name = :org", id, orgName)
                .map(row -> row.withResources(resources(h, row.uuid()))));
    }

    private static Optional<Row> find(Handle h, String where, String key, String org) {
        var query = h.createQuery("SELECT " + COLUMNS + "WHERE " + where).bind("key", key);
        if (org != null) query.bind("org", org);
        return query.map(OrgAccessTokenService::row).findOne();
    }

    /**
     * Changes any of label, description, resources (replaced as a whole) and the active flag; nulls leave a
     * field as it is.
     *
     * @throws IdentityException NOT_FOUND, INVALID_INPUT
     */
    public OrgAccessToken update(String org, String id, String label, String description,
            List<OrgTokenResource> resources, Boolean isActive) {
        if (label != null) IdentityNames.label(label, "label");
        String orgName = IdentityNames.normalize(org);
        List<OrgTokenResource> clean = resources == null ? null : validResources(orgName, resources);
        boolean found = database.inWriteTransaction(h -> {
            if (find(h, "t.uuid = :key AND o.name = :org", id, orgName).isEmpty()) return false;
            h.createUpdate("UPDATE org_access_tokens SET label = COALESCE(:label, label),"
                            + " description = COALESCE(:description, description),"
                            + " is_active = COALESCE(:active, is_active)"
                            + " WHERE uuid = :uuid")
                    .bind("label", label)
                    .bind("description", description)
                    .bind("active", isActive)
                    .bind("uuid", id)
                    .execute();
            if (clean != null) {
                h.createUpdate("DELETE FROM org_access_token_resources WHERE token_uuid = :uuid")
                        .bind("uuid", id)
                        .execute();
                insertResources(h, id, clean);
            }
            IdentityAudit.org(h, orgName, AuditAction.ORG_ACCESS_TOKEN_UPDATE, id,
                    AccessTokenService.changes(label, isActive), "updated the organization access token " + id,
                    clock.instant());
            return true;
        });
        if (!found) throw IdentityException.notFound("no such access token");
        return get(orgName, id).orElseThrow();
    }

    /** @return false if the organization has no such token */
    public boolean delete(String org, String id) {
        String orgName = IdentityNames.normalize(org);
        return database.inWriteTransaction(h -> {
            boolean deleted = h.createUpdate("DELETE FROM org_access_tokens WHERE uuid = :uuid"
                            + " AND org_id = (SELECT id FROM organizations WHERE name = :org)")
                    .bind("uuid", id)
                    .bind("org", orgName)
                    .execute() > 0;
            if (deleted) {
                IdentityAudit.org(h, orgName, AuditAction.ORG_ACCESS_TOKEN_DELETE, id, Map.of("id", id),
                        "deleted the organization access token " + id, clock.instant());
            }
            return deleted;
        });
    }

    /**
     * The principal an organization name + token pair stands for, or empty when the token is another
     * organization's, inactive, expired or wrong, all alike. Records the use in {@code last_used_at}.
     */
    public Optional<Principal.OrgToken> authenticate(String org, String secret) {
        Optional<String> lookup = TokenSecrets.lookupPrefix(TokenSecrets.OAT_PREFIX, secret);
        String hash = TokenSecrets.hash(secret == null ? "" : secret); // same work for malformed input
        if (lookup.isEmpty()) return Optional.empty();
        String orgName = IdentityNames.normalize(org);
        Instant now = clock.instant();
        // Found and checked on one read connection; the last-use write happens after it is returned to the pool.
        Optional<Authenticated> found = database.jdbi().withHandle(h -> {
            Row match = null;
            for (Row candidate : h.createQuery("SELECT " + COLUMNS + "WHERE t.lookup_prefix = :lookup")
                    .bind("lookup", lookup.get())
                    .map(OrgAccessTokenService::row)
                    .list()) {
                if (TokenSecrets.sameHash(hash, candidate.secretHash()) && match == null) match = candidate;
            }
            if (match == null || !match.org().equals(orgName) || !match.active()
                    || (match.expiresAt() != null && !now.isBefore(match.expiresAt()))) {
                return Optional.<Authenticated>empty();
            }
            return Optional.of(new Authenticated(new Principal.OrgToken(match.org(), resources(h, match.uuid()),
                    match.uuid(), true, match.expiresAt()), match.lastUsedAt()));
        });
        found.filter(a -> AccessTokenService.lastUseIsStale(a.lastUsedAt(), now))
                .ifPresent(a -> touch(a.principal().tokenUuid(), now));
        return found.map(Authenticated::principal);
    }

    private record Authenticated(Principal.OrgToken principal, Instant lastUsedAt) {}

    private void touch(String uuid, Instant now) {
        // Written about once a minute per token, so a busy CI does not turn every pull into a write.
        database.inWriteTransaction(h -> h.createUpdate(
                        "UPDATE org_access_tokens SET last_used_at = :now WHERE uuid = :uuid")
                .bind("now", now.toEpochMilli())
                .bind("uuid", uuid)
                .execute());
    }

    private static List<OrgTokenResource> resources(Handle h, String uuid) {
        return resources(h, List.of(uuid)).getOrDefault(uuid, List.of());
    }

    /** The resources of several tokens in one statement (a list page costs no query per token), by uuid. */
    private static Map<String, List<OrgTokenResource>> resources(Handle h, List<String> uuids) {
        Map<String, List<OrgTokenResource>> out = new HashMap<>();
        if (uuids.isEmpty()) return out;
        h.createQuery("SELECT token_uuid, type, path, scopes FROM org_access_token_resources"
                        + " WHERE token_uuid IN (<uuids>) ORDER BY type, path")
                .bindList("uuids", uuids)
                .map((rs, ctx) -> {
                    out.computeIfAbsent(rs.getString("token_uuid"), k -> new ArrayList<>()).add(new OrgTokenResource(
                            OrgTokenResource.Type.valueOf(rs.getString("type")), rs.getString("path"),
                            IdentityRows.words(rs.getString("scopes"))));
                    return null;
                })
                .list();
        return out;
    }

    private record Row(String uuid, String org, String label, String description, String createdBy, boolean active,
            Instant createdAt, Instant lastUsedAt, Instant expiresAt, String secretHash) {

        OrgAccessToken withResources(List<OrgTokenResource> resources) {
            return new OrgAccessToken(uuid, org, label, description, createdBy, active, createdAt, lastUsedAt,
                    expiresAt, resources);
        }
    }

    private static Row row(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Row(rs.getString("uuid"), rs.getString("org"), rs.getString("label"), rs.getString("description"),
                rs.getString("created_by"), rs.getBoolean("is_active"), IdentityRows.instant(rs, "created_at"),
                IdentityRows.instant(rs, "last_used_at"), IdentityRows.instant(rs, "expires_at"),
                rs.getString("secret_hash"));
    }
}
