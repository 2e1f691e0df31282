package dev.wharf.content;

import dev.wharf.model.Digest;
import java.util.Collection;

/**
 * Namespace storage quotas as the push path sees them: one check before a blob is linked into a repository and one
 * before a manifest is stored. An implementation refuses with {@link RegistryException} and
 * {@link OciError#DENIED}, saying the quota, the usage and what to do. Kept to these hooks so the push path pays
 * only what the implementation does (see {@code dev.wharf.quota.NamespaceQuotas}).
 */
public interface QuotaGuard {
    /** Checks nothing: no quotas configured (tests, tools). */
    QuotaGuard NONE = new QuotaGuard() {
        @Override
        public void beforeBlob(String repository, Digest digest, long size) {}

        @Override
        public void beforeManifest(String repository, Collection<Digest> blobs) {}
    };

    /**
     * Before {@code digest} of {@code size} bytes is linked into {@code repository} (an upload's start when its size
     * is declared, its completion, a mount). {@code size} &lt; 0 means "look it up" (a mount of a stored blob).
     */
    void beforeBlob(String repository, Digest digest, long size);

    /** Before a manifest referencing {@code blobs} is stored in {@code repository}. */
    void beforeManifest(String repository, Collection<Digest> blobs);
}
