package dev.wharf.registry;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses a /v2/ request path. Repository names contain slashes, so a path is matched from its end: the last
 * {@code /manifests/}, {@code /blobs/}, {@code /tags/list} or {@code /referrers/} segment decides the endpoint
 * and everything before it is the name (validated later, so a bad name gets NAME_INVALID, not a 404).
 */
record RegistryPath(Kind kind, String name, String reference) {
    enum Kind { BASE, CATALOG, MANIFEST, BLOB, UPLOADS, UPLOAD, TAGS, REFERRERS, UNKNOWN }

    private static final Pattern MANIFEST = Pattern.compile("^/v2/(.+)/manifests/([^/]+)$");
    private static final Pattern UPLOADS = Pattern.compile("^/v2/(.+)/blobs/uploads/?$");
    private static final Pattern UPLOAD = Pattern.compile("^/v2/(.+)/blobs/uploads/([^/]+)$");
    private static final Pattern BLOB = Pattern.compile("^/v2/(.+)/blobs/([^/]+)$");
    private static final Pattern TAGS = Pattern.compile("^/v2/(.+)/tags/list/?$");
    private static final Pattern REFERRERS = Pattern.compile("^/v2/(.+)/referrers/([^/]+)$");

    static RegistryPath parse(String path) {
        if (path.equals("/v2") || path.equals("/v2/")) return new RegistryPath(Kind.BASE, null, null);
        if (path.equals("/v2/_catalog") || path.equals("/v2/_catalog/")) {
            return new RegistryPath(Kind.CATALOG, null, null);
        }
        Matcher m;
        if ((m = UPLOADS.matcher(path)).matches()) return new RegistryPath(Kind.UPLOADS, m.group(1), null);
        if ((m = UPLOAD.matcher(path)).matches()) return new RegistryPath(Kind.UPLOAD, m.group(1), m.group(2));
        if ((m = MANIFEST.matcher(path)).matches()) return new RegistryPath(Kind.MANIFEST, m.group(1), m.group(2));
        if ((m = BLOB.matcher(path)).matches()) return new RegistryPath(Kind.BLOB, m.group(1), m.group(2));
        if ((m = TAGS.matcher(path)).matches()) return new RegistryPath(Kind.TAGS, m.group(1), null);
        if ((m = REFERRERS.matcher(path)).matches()) return new RegistryPath(Kind.REFERRERS, m.group(1), m.group(2));
        return new RegistryPath(Kind.UNKNOWN, null, null);
    }
}
