package dev.wharf.config;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Pull-through mirrors defined in the configuration (applied to the database at start; the admin API manages
 * the rest), the Hub mirror for Docker daemons' {@code registry-mirrors}, and the settings every mirror shares.
 *
 * @param defined the mirrors of {@code mirrors.upstreams}, in the order given
 * @param hub name of the mirror answering requests without a mirror prefix; empty = none
 * @param evictUnusedAfter {@link Duration#ZERO} = never evict
 * @param prefetch whether a manifest GET that misses starts the downloads of the image's blobs
 */
public record MirrorsConfig(List<Defined> defined, String hub, Duration revalidateAfter, boolean anonymousPulls,
        Duration upstreamTimeout, Duration evictUnusedAfter, boolean prefetch) {

    /**
     * One configured mirror. {@code secret} is never logged (see {@link #toString}).
     *
     * @param evictUnusedAfter its own eviction setting from {@code mirrors.evictions} ({@link Duration#ZERO}: never),
     *     or null for {@code mirrors.evict_unused_after}
     */
    public record Defined(String name, String upstream, String username, String secret, Duration evictUnusedAfter) {
        public Defined(String name, String upstream, String username, String secret) {
            this(name, upstream, username, secret, null);
        }

        @Override
        public String toString() {
            return "Mirror[" + name + " -> " + upstream + (username == null ? "" : " as " + username) + "]";
        }
    }

    /** A namespace name: what a Wharf user or organization name may be (lower case, digits, - and _). */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{1,62}");

    public static MirrorsConfig from(ConfigValues c) {
        Map<String, String> upstreams = pairs(c, ConfigKey.MIRRORS_UPSTREAMS);
        Map<String, String> credentials = pairs(c, ConfigKey.MIRRORS_CREDENTIALS);
        Map<String, String> evictions = pairs(c, ConfigKey.MIRRORS_EVICTIONS);
        List<Defined> defined = new ArrayList<>();
        for (Map.Entry<String, String> e : upstreams.entrySet()) {
            String name = e.getKey();
            if (!NAME.matcher(name).matches()) {
                throw c.bad(ConfigKey.MIRRORS_UPSTREAMS, name, "a mirror name is a namespace: 2-63 of a-z, 0-9, - and _");
            }
            String url = e.getValue();
            if (!validUrl(url)) {
                throw c.bad(ConfigKey.MIRRORS_UPSTREAMS, url, "the upstream of " + name
                        + " must be an http(s) URL without credentials, path, query or fragment");
            }
            String username = null;
            String secret = null;
            String cred = credentials.remove(name);
            if (cred != null) {
                int colon = cred.indexOf(':');
                if (colon <= 0 || colon == cred.length() - 1) {
                    // The value is a secret: name the mirror, never echo it.
                    throw c.bad(ConfigKey.MIRRORS_CREDENTIALS, name + "=****", "expected name=user:token");
                }
                username = cred.substring(0, colon);
                secret = cred.substring(colon + 1);
            }
            defined.add(new Defined(name, url, username, secret, eviction(c, name, evictions.remove(name))));
        }
        if (!evictions.isEmpty()) {
            throw c.bad(ConfigKey.MIRRORS_EVICTIONS, String.join(",", evictions.keySet()),
                    "names a mirror that mirrors.upstreams does not define");
        }
        if (!credentials.isEmpty()) {
            throw c.bad(ConfigKey.MIRRORS_CREDENTIALS, String.join(",", credentials.keySet()) + "=****",
                    "names a mirror that mirrors.upstreams does not define");
        }
        String hub = c.string(ConfigKey.MIRRORS_HUB);
        if (!hub.isEmpty() && !NAME.matcher(hub).matches()) {
            throw c.bad(ConfigKey.MIRRORS_HUB, hub, "expected a mirror name");
        }
        String evict = c.string(ConfigKey.MIRRORS_EVICT_UNUSED_AFTER);
        Duration evictAfter = evict.equals("0") || evict.isEmpty() ? Duration.ZERO
                : c.duration(ConfigKey.MIRRORS_EVICT_UNUSED_AFTER);
        return new MirrorsConfig(List.copyOf(defined), hub, c.duration(ConfigKey.MIRRORS_REVALIDATE_AFTER),
                c.bool(ConfigKey.MIRRORS_ANONYMOUS_PULLS), c.duration(ConfigKey.MIRRORS_UPSTREAM_TIMEOUT), evictAfter,
                c.bool(ConfigKey.MIRRORS_PREFETCH));
    }

    /** A mirror's own eviction setting: null when it has none, zero for "0" (never). */
    private static Duration eviction(ConfigValues c, String name, String text) {
        if (text == null) return null;
        if (text.equals("0")) return Duration.ZERO;
        return Durations.parse(text).filter(d -> !d.isZero()).orElseThrow(() -> c.bad(ConfigKey.MIRRORS_EVICTIONS,
                name + "=" + text, "expected name=duration like ghcr=7d (at most " + Durations.LONGEST_TEXT
                        + "), or name=0 for never"));
    }

    /** http(s)://host[:port] with nothing else: credentials belong in mirrors.credentials, where they are sealed. */
    public static boolean validUrl(String url) {
        try {
            URI u = URI.create(url);
            return (u.getScheme() != null && (u.getScheme().equals("http") || u.getScheme().equals("https")))
                    && u.getHost() != null && u.getRawUserInfo() == null && u.getRawQuery() == null
                    && u.getRawFragment() == null && (u.getRawPath() == null || u.getRawPath().isEmpty()
                            || u.getRawPath().equals("/"));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static Map<String, String> pairs(ConfigValues c, ConfigKey key) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String item : c.list(key)) {
            int eq = item.indexOf('=');
            if (eq <= 0) {
                String shown = key == ConfigKey.MIRRORS_CREDENTIALS ? "****" : item;
                throw c.bad(key, shown, "expected comma-separated name=value entries");
            }
            String name = item.substring(0, eq).trim();
            if (out.put(name, item.substring(eq + 1).trim()) != null) {
                throw c.bad(key, name, "names the mirror " + name + " twice");
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "MirrorsConfig[" + defined + ", hub=" + hub + ", revalidateAfter=" + revalidateAfter + "]";
    }
}
