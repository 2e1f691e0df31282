package dev.wharf.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * HTTPS on {@code addr}: either a certificate and key the operator supplies (PEM files, re-read when they change)
 * or a certificate of a small CA Wharf makes once in {@code <data_dir>/tls} ({@code self_signed}, for trying it
 * out). Off by default: plain HTTP. {@code httpAddr} optionally opens a plain-HTTP port that answers health checks
 * only. Whether the files exist and hold a valid pair is checked when the server starts, not here.
 *
 * @param certFile null unless {@code tls.cert_file} is set
 * @param keyFile null unless {@code tls.key_file} is set
 * @param hosts names and IP addresses for the self-signed certificate; empty = the defaults
 * @param httpHost null when there is no plain-HTTP health port
 */
public record TlsConfig(Path certFile, Path keyFile, boolean selfSigned, List<String> hosts, String httpHost,
        int httpPort, Duration reloadInterval) {

    public static final TlsConfig OFF = new TlsConfig(null, null, false, List.of(), null, -1, Duration.ofSeconds(10));

    /** Whether {@code addr} serves HTTPS. */
    public boolean enabled() {
        return certFile != null || selfSigned;
    }

    public boolean hasHttpPort() {
        return httpHost != null;
    }

    static TlsConfig from(ConfigValues c) {
        String cert = c.string(ConfigKey.TLS_CERT_FILE);
        String key = c.string(ConfigKey.TLS_KEY_FILE);
        boolean selfSigned = c.bool(ConfigKey.TLS_SELF_SIGNED);
        if (cert.isEmpty() != key.isEmpty()) {
            ConfigKey missing = cert.isEmpty() ? ConfigKey.TLS_CERT_FILE : ConfigKey.TLS_KEY_FILE;
            ConfigKey given = cert.isEmpty() ? ConfigKey.TLS_KEY_FILE : ConfigKey.TLS_CERT_FILE;
            throw c.bad(missing, "", "required when " + given.path() + " is set (from " + c.source(given) + ")");
        }
        if (selfSigned && !cert.isEmpty()) {
            throw c.bad(ConfigKey.TLS_SELF_SIGNED, c.raw(ConfigKey.TLS_SELF_SIGNED),
                    "cannot be combined with tls.cert_file (from " + c.source(ConfigKey.TLS_CERT_FILE) + ")");
        }
        List<String> hosts = hosts(c);
        if (!hosts.isEmpty() && !selfSigned) {
            throw c.bad(ConfigKey.TLS_HOSTS, c.raw(ConfigKey.TLS_HOSTS),
                    "names the hosts of the self-signed certificate; set tls.self_signed too (--tls-self-signed)");
        }
        boolean enabled = selfSigned || !cert.isEmpty();
        String httpAddr = c.string(ConfigKey.TLS_HTTP_ADDR);
        String httpHost = null;
        int httpPort = -1;
        if (!httpAddr.isEmpty()) {
            if (!enabled) {
                throw c.bad(ConfigKey.TLS_HTTP_ADDR, httpAddr,
                        "only with TLS (tls.cert_file or tls.self_signed); without it addr is plain HTTP already");
            }
            int colon = httpAddr.lastIndexOf(':');
            if (colon < 0) throw c.bad(ConfigKey.TLS_HTTP_ADDR, httpAddr, "expected host:port");
            httpHost = httpAddr.substring(0, colon);
            if (httpHost.startsWith("[") && httpHost.endsWith("]")) httpHost = httpHost.substring(1, httpHost.length() - 1);
            if (httpHost.isEmpty()) httpHost = "0.0.0.0";
            try {
                httpPort = Integer.parseInt(httpAddr.substring(colon + 1).trim());
            } catch (NumberFormatException e) {
                throw c.bad(ConfigKey.TLS_HTTP_ADDR, httpAddr, "expected host:port");
            }
            if (httpPort < 0 || httpPort > 65535) {
                throw c.bad(ConfigKey.TLS_HTTP_ADDR, httpAddr, "port must be between 0 and 65535");
            }
        }
        return new TlsConfig(cert.isEmpty() ? null : Path.of(cert).toAbsolutePath().normalize(),
                key.isEmpty() ? null : Path.of(key).toAbsolutePath().normalize(), selfSigned, hosts, httpHost, httpPort,
                c.duration(ConfigKey.TLS_RELOAD_INTERVAL));
    }

    /** DNS names (lower-cased, '*.' wildcards allowed) and IP literals, each checked. */
    private static List<String> hosts(ConfigValues c) {
        List<String> hosts = new ArrayList<>();
        for (String item : c.list(ConfigKey.TLS_HOSTS)) {
            String host = item.toLowerCase(Locale.ROOT);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            if (!isIpLiteral(host) && !host.matches("(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")) {
                throw c.bad(ConfigKey.TLS_HOSTS, c.raw(ConfigKey.TLS_HOSTS),
                        "'" + item + "' is neither a DNS name nor an IP address");
            }
            if (!hosts.contains(host)) hosts.add(host);
        }
        return List.copyOf(hosts);
    }

    /** An IPv4 or IPv6 literal; never a name lookup. */
    public static boolean isIpLiteral(String host) {
        if (host.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            for (String part : host.split("\\.")) {
                if (Integer.parseInt(part) > 255) return false;
            }
            return true;
        }
        if (!host.contains(":") || !host.matches("[0-9a-fA-F:.]+")) return false;
        try {
            InetAddress.getByName(host); // a literal of hex digits and colons is parsed, not looked up
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
