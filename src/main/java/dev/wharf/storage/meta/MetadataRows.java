package dev.wharf.storage.meta;

import dev.wharf.model.Digest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import org.jdbi.v3.core.statement.StatementContext;

/** Row mappers for {@link SqlMetadataStore}: instants are stored as epoch milliseconds, digests as text. */
final class MetadataRows {

    private MetadataRows() {}

    static RepositoryRecord repository(ResultSet rs, StatementContext ctx) throws SQLException {
        return new RepositoryRecord(
                rs.getLong("id"), rs.getString("name"), Instant.ofEpochMilli(rs.getLong("created_at")));
    }

    /**
     * The select list {@link #manifest} reads, by position: queries put it first. By position because the SQLite
     * driver looks a column name up again in every result set, which showed on the pull path.
     */
    static final String MANIFEST_COLUMNS = """
            r.name AS repository, m.digest, m.media_type, m.artifact_type, m.content, m.subject_digest,
            m.annotations_json, m.total_size, m.pushed_at, m.last_pulled_at, m.pull_count
            """; // ends with a newline so a FROM clause can follow directly

    static ManifestRecord manifest(ResultSet rs, StatementContext ctx) throws SQLException {
        return new ManifestRecord(
                rs.getString(1),
                Digest.parse(rs.getString(2)),
                rs.getString(3),
                rs.getString(4),
                rs.getBytes(5),
                nullableDigest(rs.getString(6)),
                rs.getString(7),
                rs.getLong(8),
                Instant.ofEpochMilli(rs.getLong(9)),
                nullableInstant(rs, 10),
                rs.getLong(11));
    }

    static TagEvent tagEvent(ResultSet rs, StatementContext ctx) throws SQLException {
        return new TagEvent(
                rs.getString("repository"),
                rs.getString("tag"),
                Digest.parse(rs.getString("digest")),
                nullableDigest(rs.getString("previous_digest")),
                TagEvent.Action.valueOf(rs.getString("action")),
                Instant.ofEpochMilli(rs.getLong("at")));
    }

    static UploadSession uploadSession(ResultSet rs, StatementContext ctx) throws SQLException {
        return new UploadSession(
                rs.getString("id"),
                rs.getString("repository"),
                Instant.ofEpochMilli(rs.getLong("started_at")),
                Instant.ofEpochMilli(rs.getLong("last_activity")));
    }

    private static Digest nullableDigest(String value) {
        return value == null ? null : Digest.parse(value);
    }

    private static Instant nullableInstant(ResultSet rs, int column) throws SQLException {
        long millis = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    static java.util.List<String> stringList(String json) {
        try {
            return java.util.List.of(JSON.readValue(json, String[].class));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("corrupt JSON list in the database: " + e.getOriginalMessage());
        }
    }

    static String stringListJson(java.util.List<String> values) {
        try {
            return JSON.writeValueAsString(values);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
