package dev.wharf.auth;

import java.util.Collection;

import java.util.HashMap;

import dev.wharf.audit.AuditAction;
import dev.wharf.audit.AuditWriter;
import java.util.Map;
import dev.wharf.model.RepositoryName;
import dev.wharf.storage.meta.Database;
import java.time.Clock;
import java.util.Optional;

/**
 * Whether each repository is public or private. A repository without settings (pushed before any were made,
 * or not pushed yet) has the installation's default, so a private-by-default server never exposes a new
 * repository even for a moment.
 */
public final class RepositorySettingsService {

    private final Database database;
    private final Clock clock;
    private final boolean privateByDefault;

    public RepositorySettingsService(Database database, Clock clock, boolean privateByDefault) {
        this.database = database;
        this.clock = clock;
        this.privateByDefault = privateByDefault;
    }

    public boolean privateByDefault() {
        return privateByDefault;
    }

    public Optional<RepositorySettings> find(String repository) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT repository, is_private, created_by, created_at,"
                        + " updated_at FROM repository_settings WHERE repository = :repo")
                .bind("repo", repository)
                .map((rs, ctx) -> {
                    long createdBy = rs.getLong("created_by");
                    return new RepositorySettings(rs.getString("repository"), rs.getBoolean("is_private"),
                            rs.wasNull() ? null : createdBy, IdentityRows.instant(rs, "created_at"),
                            IdentityRows.instant(rs, "updated_at"));
                })
                .findOne());
    }

    /** The stored privacy, or the default. */
    /**
     * A repository's privacy: its setting if it has one, else the default for repositories that exist. A
     * repository that does not exist counts as private, so that to anyone outside its namespace a hidden private
     * repository and a missing one are answered exactly alike, whatever the default.
     */
    public boolean isPrivate(String repository) {
        Optional<RepositorySettings> own = find(repository);
        if (own.isPresent()) return own.get().isPrivate();
        return privateByDefault || !exists(repository);
    }

    private boolean exists(String repository) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT 1 FROM repositories WHERE name = :name")
                .bind("name", repository).mapTo(Integer.class).findOne().isPresent());
    }

    /**
     * Sets the privacy. {@code byUserId} (nullable) is recorded as the creator only when the row is new.
     *
     * @throws IdentityException INVALID_INPUT for an invalid repository name
     */
    public RepositorySettings setPrivate(String repository, boolean isPrivate, Long byUserId) {
        if (!RepositoryName.isValid(repository) || repository.indexOf('/') < 0) {
            throw IdentityException.invalid("invalid repository name (want namespace/name)");
        }
        long now = clock.millis();
        database.inWriteTransaction(h -> {
            h.createUpdate("INSERT INTO repository_settings"
                            + " (repository, is_private, created_by, created_at, updated_at)"
                            + " VALUES (:repo, :private, :by, :now, :now) ON CONFLICT (repository)"
                            + " DO UPDATE SET is_private = excluded.is_private, updated_at = excluded.updated_at")
                    .bind("repo", repository)
                    .bind("private", isPrivate)
                    .bind("by", byUserId)
                    .bind("now", now)
                    .execute();
            AuditWriter.write(h, AuditAction.REPO_CHANGE_PRIVACY, AuditWriter.namespaceOf(repository), repository,
                    Map.of("is_private", String.valueOf(isPrivate)),
                    "made the repository " + repository + (isPrivate ? " private" : " public"), clock.instant());
            return null;
        });
        return find(repository).orElseThrow();
    }

    /** Forgets the settings (when the repository is deleted); it then has the default privacy again. */
    public boolean delete(String repository) {
        return database.inWriteTransaction(h -> h.createUpdate(
                        "DELETE FROM repository_settings WHERE repository = :repo")
                .bind("repo", repository)
                .execute() > 0);
    }

    /**
     * {@link #isPrivate} for existing repositories of one namespace, in one query: those without settings have
     * the installation's default.
     */
    public Map<String, Boolean> privacyIn(String namespace, Collection<String> repositories) {
        Map<String, Boolean> own = new HashMap<>();
        database.jdbi().useHandle(h -> h.createQuery("SELECT repository, is_private FROM repository_settings"
                        + " WHERE repository >= :from AND repository < :to")
                .bind("from", namespace + "/").bind("to", namespace + "0")
                .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getBoolean(2)))
                .forEach(e -> own.put(e.getKey(), e.getValue())));
        Map<String, Boolean> out = new HashMap<>();
        for (String repository : repositories) out.put(repository, own.getOrDefault(repository, privateByDefault));
        return out;
    }
}
