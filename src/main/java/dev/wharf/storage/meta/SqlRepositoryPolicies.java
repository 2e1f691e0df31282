package dev.wharf.storage.meta;

import dev.wharf.audit.AuditAction;
import dev.wharf.audit.AuditWriter;
import java.time.Instant;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * Per-repository policies of {@link SqlMetadataStore} ({@code repository_policies}, keyed by repository id): today
 * the immutable-tags rules, which tag writers and the repository delete read inside their own transaction.
 */
final class SqlRepositoryPolicies extends SqlAggregate {

    private final SqlRepositories repositories;

    SqlRepositoryPolicies(Database database, SqlRepositories repositories) {
        super(database);
        this.repositories = repositories;
    }

    ImmutableTags immutableTags(String repository) {
        return jdbi.withHandle(h -> SqlRepositories.id(h, repository).map(id -> immutableTags(h, id))
                .orElse(ImmutableTags.OFF));
    }

    /** The policy of the repository with this id ({@link ImmutableTags#OFF} when none is set). */
    static ImmutableTags immutableTags(Handle h, long repositoryId) {
        return h.createQuery("""
                        SELECT immutable_tags_enabled, immutable_tags_rules FROM repository_policies
                        WHERE repository_id = :repo""")
                .bind("repo", repositoryId)
                .map((rs, ctx) -> ImmutableTags.stored(rs.getBoolean(1), MetadataRows.stringList(rs.getString(2))))
                .findOne()
                .orElse(ImmutableTags.OFF);
    }

    void setImmutableTags(String repository, ImmutableTags policy, Instant now) {
        database.inWriteTransaction(h -> {
            long id = repositories.ensure(h, repository, now).id();
            h.createUpdate("""
                            INSERT INTO repository_policies (repository_id, immutable_tags_enabled,
                                immutable_tags_rules, updated_at)
                            VALUES (:repo, :enabled, :rules, :now)
                            ON CONFLICT (repository_id) DO UPDATE SET
                                immutable_tags_enabled = excluded.immutable_tags_enabled,
                                immutable_tags_rules = excluded.immutable_tags_rules,
                                updated_at = excluded.updated_at""")
                    .bind("repo", id)
                    .bind("enabled", policy.enabled())
                    .bind("rules", MetadataRows.stringListJson(policy.rules()))
                    .bind("now", now.toEpochMilli())
                    .execute();
            AuditWriter.write(h, AuditAction.REPO_IMMUTABLE_TAGS_CHANGE, AuditWriter.namespaceOf(repository),
                    repository, Map.of("enabled", String.valueOf(policy.enabled()), "rules",
                            String.join(" ", policy.rules())),
                    (policy.enabled() ? "enabled" : "disabled") + " immutable tags on the repository " + repository,
                    now);
            return null;
        });
    }
}
