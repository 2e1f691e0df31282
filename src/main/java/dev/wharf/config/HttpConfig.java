package dev.wharf.config;

/**
 * Where the HTTP server listens, whether the client address comes from {@code X-Forwarded-For}, and whether blob
 * bodies go out by sendfile(2) rather than by a small copy (registry.SocketBody says when each is faster).
 */
public record HttpConfig(String host, int port, boolean trustForwardedFor, boolean sendfile) {

    static HttpConfig from(ConfigValues c) {
        String addr = c.string(ConfigKey.ADDR);
        int colon = addr.lastIndexOf(':');
        if (colon < 0) throw c.bad(ConfigKey.ADDR, addr, "expected host:port");
        String host = addr.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        if (host.isEmpty()) host = "0.0.0.0";
        int port;
        try {
            port = Integer.parseInt(addr.substring(colon + 1).trim());
        } catch (NumberFormatException e) {
            throw c.bad(ConfigKey.ADDR, addr, "expected host:port");
        }
        if (port < 0 || port > 65535) throw c.bad(ConfigKey.ADDR, addr, "port must be between 0 and 65535");
        return new HttpConfig(host, port, c.bool(ConfigKey.HTTP_TRUST_FORWARDED_FOR), c.bool(ConfigKey.HTTP_SENDFILE));
    }

    HttpConfig withPort(int newPort) {
        return new HttpConfig(host, newPort, trustForwardedFor, sendfile);
    }
}
