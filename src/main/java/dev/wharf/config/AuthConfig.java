package dev.wharf.config;

import java.time.Duration;

/** Identity and registry-token settings. {@code secretKey} and {@code adminPassword} are never logged. */
public record AuthConfig(boolean enabled, String secretKey, String adminUser, String adminPassword, String service,
        String realm, Duration tokenTtl, boolean defaultPrivate) {

    static AuthConfig from(ConfigValues c) {
        String realm = c.string(ConfigKey.AUTH_REALM);
        if (!realm.isEmpty() && !realm.matches("https?://\\S+")) {
            throw c.bad(ConfigKey.AUTH_REALM, realm, "expected an http:// or https:// URL");
        }
        String service = c.string(ConfigKey.AUTH_SERVICE);
        if (service.isEmpty() || service.contains("\"")) throw c.bad(ConfigKey.AUTH_SERVICE, service, "must be a plain name");
        return new AuthConfig(c.bool(ConfigKey.AUTH_ENABLED), c.string(ConfigKey.SECRET_KEY),
                c.string(ConfigKey.ADMIN_USER), c.raw(ConfigKey.ADMIN_PASSWORD), service, realm,
                c.duration(ConfigKey.AUTH_TOKEN_TTL), c.bool(ConfigKey.REPOSITORIES_DEFAULT_PRIVATE));
    }

    @Override
    public String toString() {
        return "Auth[enabled=" + enabled + ", service=" + service + ", realm=" + (realm.isEmpty() ? "<from request>" : realm)
                + ", tokenTtl=" + tokenTtl + ", defaultPrivate=" + defaultPrivate + "]";
    }
}
