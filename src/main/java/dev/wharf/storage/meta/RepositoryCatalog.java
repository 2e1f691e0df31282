package dev.wharf.storage.meta;

import dev.wharf.audit.AuditAction;
import dev.wharf.audit.AuditWriter;
import dev.wharf.model.Digest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * The Hub API's view of repositories: summaries with pull counts and sizes, tag pages, and the descriptions
 * ({@code repository_details}, keyed by full name). The registry's own paths never read these.
 */
public final class RepositoryCatalog {
    private static final String TAG_COLUMNS = """
            SELECT t.name, t.manifest_digest, t.updated_at, m.media_type, m.total_size, m.pushed_at, m.pull_count,
                   m.last_pulled_at
            FROM tags t JOIN repositories r ON r.id = t.repository_id
            JOIN manifests m ON m.repository_id = t.repository_id AND m.digest = t.manifest_digest
            WHERE r.name = :repo""";

    private final Database database;
    private final Jdbi jdbi;

    public RepositoryCatalog(Database database) {
        this.database = database;
        this.jdbi = database.jdbi();
    }

    /** Names of the repositories in a namespace ({@code namespace/...}), in lexical order. */
    public List<String> repositoriesIn(String namespace) {
        // '0' follows '/' in ASCII: the range is exactly the names starting with "namespace/".
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT name FROM repositories WHERE name >= :from AND name < :to ORDER BY name")
                .bind("from", namespace + "/")
                .bind("to", namespace + "0")
                .mapTo(String.class)
                .list());
    }

    public Optional<RepositorySummary> summary(String repository) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT r.id, r.name, r.created_at, d.description, d.full_description,
                            (SELECT COALESCE(SUM(m.pull_count), 0) FROM manifests m WHERE m.repository_id = r.id)
                                AS pull_count,
                            (SELECT MAX(m.pushed_at) FROM manifests m WHERE m.repository_id = r.id) AS last_pushed,
                            (SELECT MAX(t.updated_at) FROM tags t WHERE t.repository_id = r.id) AS last_tagged,
                            (SELECT MAX(m.last_pulled_at) FROM manifests m WHERE m.repository_id = r.id)
                                AS last_pulled,
                            (SELECT COALESCE(SUM(b.size), 0) FROM repository_blobs rb
                                JOIN blobs b ON b.digest = rb.digest WHERE rb.repository_id = r.id) AS storage_size,
                            (SELECT COUNT(*) FROM tags t WHERE t.repository_id = r.id) AS tag_count
                        FROM repositories r LEFT JOIN repository_details d ON d.repository = r.name
                        WHERE r.name = :repo""")
                .bind("repo", repository)
                .map(RepositoryCatalog::summaryRow)
                .findOne());
    }

    public long tagCount(String repository) {
        return tagCount(repository, null);
    }

    /** How many tags of the repository contain {@code name} (null: all of them). */
    public long tagCount(String repository, String name) {
        return jdbi.withHandle(h -> {
            Query q = h.createQuery(
                            "SELECT COUNT(*) FROM tags t JOIN repositories r ON r.id = t.repository_id WHERE r.name = :repo"
                                    + (name == null ? "" : containsName()))
                    .bind("repo", repository);
            if (name != null) q.bind("name", name);
            return q.mapTo(Long.class).one();
        });
    }

    /** Tags by name, {@code limit} of them from {@code offset}. */
    public List<TagRecord> tags(String repository, long offset, int limit) {
        return tags(repository, new TagQuery(null, TagQuery.Order.NAME, offset, limit));
    }

    /** One page of tags, filtered and ordered in SQL. */
    public List<TagRecord> tags(String repository, TagQuery query) {
        return jdbi.withHandle(h -> {
            Query q = h.createQuery(TAG_COLUMNS + (query.name() == null ? "" : containsName())
                            + " ORDER BY " + query.order().sql + " LIMIT :limit OFFSET :offset")
                    .bind("repo", repository)
                    .bind("limit", query.limit())
                    .bind("offset", query.offset());
            if (query.name() != null) q.bind("name", query.name());
            return q.map(RepositoryCatalog::tagRow).list();
        });
    }

    /** "The tag name contains :name", as a plain substring (no LIKE wildcards to escape), in either dialect. */
    private String containsName() {
        return database.dialect() == Database.Dialect.POSTGRESQL ? " AND strpos(t.name, :name) > 0"
                : " AND instr(t.name, :name) > 0";
    }

    public Optional<TagRecord> tag(String repository, String tag) {
        return jdbi.withHandle(h -> h.createQuery(TAG_COLUMNS + " AND t.name = :tag")
                .bind("repo", repository)
                .bind("tag", tag)
                .map(RepositoryCatalog::tagRow)
                .findOne());
    }

    /** Every current tag name of the repository, in lexical order. */
    public List<String> tagNames(String repository) {
        return jdbi.withHandle(h -> h.createQuery("SELECT t.name FROM tags t JOIN repositories r"
                        + " ON r.id = t.repository_id WHERE r.name = :repo ORDER BY t.name")
                .bind("repo", repository)
                .mapTo(String.class)
                .list());
    }

    /**
     * Sets the descriptions that are not null, keeping the others, and audits {@code repo.change_description} in
     * the same transaction when either changed.
     */
    public void setDescriptions(String repository, String description, String fullDescription, Instant now) {
        if (description == null && fullDescription == null) return;
        database.inWriteTransaction(h -> {
            String[] current = descriptions(h, repository);
            String d = description == null ? current[0] : description;
            String f = fullDescription == null ? current[1] : fullDescription;
            if (d.equals(current[0]) && f.equals(current[1])) return null;
            h.createUpdate("""
                            INSERT INTO repository_details (repository, description, full_description, updated_at)
                            VALUES (:repo, :d, :f, :now) ON CONFLICT (repository) DO UPDATE SET
                                description = excluded.description, full_description = excluded.full_description,
                                updated_at = excluded.updated_at""")
                    .bind("repo", repository)
                    .bind("d", d)
                    .bind("f", f)
                    .bind("now", now.toEpochMilli())
                    .execute();
            Map<String, String> data = new LinkedHashMap<>();
            if (!d.equals(current[0])) data.put("description", d);
            if (!f.equals(current[1])) data.put("full_description_changed", "true");
            AuditWriter.write(h, AuditAction.REPO_CHANGE_DESCRIPTION, AuditWriter.namespaceOf(repository), repository,
                    data, "changed the description of the repository " + repository, now);
            return null;
        });
    }

    private static String[] descriptions(Handle h, String repository) {
        return h.createQuery("SELECT description, full_description FROM repository_details WHERE repository = :repo")
                .bind("repo", repository)
                .map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2)})
                .findOne()
                .orElse(new String[] {"", ""});
    }

    private static RepositorySummary summaryRow(ResultSet rs, StatementContext ctx) throws SQLException {
        Instant pushed = instant(rs, "last_pushed");
        Instant tagged = instant(rs, "last_tagged");
        Instant last = pushed == null || (tagged != null && tagged.isAfter(pushed)) ? tagged : pushed;
        String description = rs.getString("description");
        String full = rs.getString("full_description");
        return new RepositorySummary(rs.getLong("id"), rs.getString("name"),
                Instant.ofEpochMilli(rs.getLong("created_at")), description == null ? "" : description,
                full == null ? "" : full, rs.getLong("pull_count"), last, instant(rs, "last_pulled"),
                rs.getLong("storage_size"), rs.getLong("tag_count"));
    }

    private static TagRecord tagRow(ResultSet rs, StatementContext ctx) throws SQLException {
        return new TagRecord(rs.getString("name"), Digest.parse(rs.getString("manifest_digest")),
                Instant.ofEpochMilli(rs.getLong("updated_at")), rs.getString("media_type"), rs.getLong("total_size"),
                Instant.ofEpochMilli(rs.getLong("pushed_at")), rs.getLong("pull_count"),
                instant(rs, "last_pulled_at"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }
}
