package dev.wharf.quota;

import dev.wharf.audit.AuditWriter;
import dev.wharf.content.OciError;
import dev.wharf.content.QuotaGuard;
import dev.wharf.content.RegistryException;
import dev.wharf.model.Digest;
import java.time.Clock;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Namespace quotas (docs/hub-api.md, "Quotas"). Usage is the sum of the sizes of the distinct blobs linked by the
 * namespace's repositories: a layer shared by ten repositories of one namespace counts once, and a layer shared
 * with another namespace counts once in each (each namespace pays for what it can pull, whatever others hold).
 *
 * <p>On the push path each hook costs one query, and for a namespace without a quota that query is a primary-key
 * miss; with a quota it reads the namespace's base total plus the usage changes not yet folded into it (see
 * {@link QuotaStore#compact}), not every blob. Checks read committed usage: pushes that run at the same moment
 * can each pass and together go past the limit by at most the blobs in flight; the manifest check then refuses
 * every further image until usage is under the limit again, so no image is completed in a namespace that is over
 * its quota.
 */
public final class NamespaceQuotas implements QuotaGuard {
    private static final Logger log = LoggerFactory.getLogger(NamespaceQuotas.class);

    private final QuotaStore store;
    private final Clock clock;

    public NamespaceQuotas(QuotaStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    @Override
    public void beforeBlob(String repository, Digest digest, long size) {
        String namespace = AuditWriter.namespaceOf(repository);
        Optional<QuotaStore.Check> found = store.check(namespace, repository, digest.toString());
        if (found.isEmpty()) return;
        QuotaStore.Check c = found.get();
        warnIfCrossed(namespace, c); // before any refusal: a refused push is the moment people need the warning
        checkRepositories(namespace, repository, c);
        if (c.limitBytes() == null || c.blobPresent()) return; // a blob the namespace links already is free
        long cost = size >= 0 ? size : c.blobSize() == null ? 0 : c.blobSize();
        if (c.usedBytes() + cost > c.limitBytes()) {
            throw refused(namespace, c, "this blob of " + bytes(cost) + " would take it to "
                    + bytes(c.usedBytes() + cost), Map.of("digest", digest.toString(), "size", cost));
        }
    }

    @Override
    public void beforeManifest(String repository, Collection<Digest> blobs) {
        String namespace = AuditWriter.namespaceOf(repository);
        Optional<QuotaStore.Check> found = store.check(namespace, repository, "");
        if (found.isEmpty()) return;
        QuotaStore.Check c = found.get();
        warnIfCrossed(namespace, c);
        checkRepositories(namespace, repository, c);
        // The blobs a manifest references are linked (and counted) already; a namespace over its limit (pushes that
        // raced, or a limit lowered) completes no further image.
        if (c.limitBytes() != null && c.usedBytes() > c.limitBytes()) {
            throw refused(namespace, c, "it is over its limit", Map.of());
        }
    }

    private void checkRepositories(String namespace, String repository, QuotaStore.Check c) {
        if (c.repositoryExists() || c.limitRepositories() == null) return;
        if (c.repositories() >= c.limitRepositories()) {
            throw new RegistryException(OciError.DENIED, "namespace " + namespace + " has reached its quota of "
                    + c.limitRepositories() + " repositories (it has " + c.repositories() + "); push to an existing"
                    + " repository, or ask a server administrator to raise the quota",
                    detail(namespace, c, Map.of("repository", repository)));
        }
    }

    private static RegistryException refused(String namespace, QuotaStore.Check c, String why,
            Map<String, Object> extra) {
        return new RegistryException(OciError.DENIED, "storage quota exceeded: namespace " + namespace + " uses "
                + bytes(c.usedBytes()) + " of its " + bytes(c.limitBytes()) + " quota and " + why
                + "; delete unused images or tags (untagged blobs are freed by garbage collection) or ask a server"
                + " administrator to raise the quota", detail(namespace, c, extra));
    }

    private static Map<String, Object> detail(String namespace, QuotaStore.Check c, Map<String, Object> extra) {
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("namespace", namespace);
        if (c.limitBytes() != null) detail.put("quota_bytes", c.limitBytes());
        detail.put("used_bytes", c.usedBytes());
        if (c.limitRepositories() != null) detail.put("quota_repositories", c.limitRepositories());
        detail.putAll(extra);
        return detail;
    }

    private void warnIfCrossed(String namespace, QuotaStore.Check c) {
        if (c.warnedAt() != null || c.limitBytes() == null) return;
        if (c.usedBytes() * 100 < (long) c.warnPercent() * c.limitBytes()) return;
        store.warn(namespace, c.usedBytes(), c.limitBytes(), c.warnPercent(), clock.instant());
    }

    /**
     * Folds usage changes into the totals, warns namespaces that crossed their threshold since the last push
     * checked, and re-arms those back under it; run every 30 s by every node (the conditional update makes the
     * warning happen once).
     *
     * @return every quota with its usage, for the metrics
     */
    public List<Quota> sweep() {
        store.compact();
        List<Quota> all = store.withQuotas();
        for (Quota q : all) {
            try {
                if (q.overWarning() && q.warnedAt() == null) {
                    store.warn(q.namespace(), q.usedBytes(), q.limitBytes(), q.warnPercent(), clock.instant());
                } else if (!q.overWarning() && q.warnedAt() != null) {
                    store.clearWarning(q.namespace());
                }
            } catch (RuntimeException e) {
                log.warn("quota warning check of {} failed: {}", q.namespace(), e.toString());
            }
        }
        return all;
    }

    /** Bytes for people: "1.5 GiB (1610612736 bytes)". */
    static String bytes(long n) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        String human = u == 0 ? n + " B" : String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
        return u == 0 ? human : human + " (" + n + " bytes)";
    }
}
