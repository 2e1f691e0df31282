package dev.wharf.sources;

import dev.wharf.jobs.JobFailure;
import dev.wharf.upstream.OutboundDeniedException;
import dev.wharf.upstream.OutboundPolicy;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A build's Git repository URL checked against the {@link OutboundPolicy} before git runs, and git told to
 * connect to the address that was checked: for http(s) through {@code http.curloptResolve} (curl's own DNS
 * override), for ssh through {@code -o HostName=}. Git runs as a child process, so Wharf's resolver cannot see
 * its connections; pinning the address closes the DNS-rebinding gap for these two transports. What stays open:
 * the {@code git://} transport (checked, not pinned), and HTTP redirects, which are switched off
 * ({@code http.followRedirects=false}) rather than checked.
 */
record GitRemote(String scheme, String host, int port) {
    private static final Pattern SCP = Pattern.compile("(?:[^@/:]+@)?(\\[[^\\]]+\\]|[^:/]+):(?!//).*");

    /** The host a Git URL connects to; null for local transports (file://, paths), which reach no network. */
    static GitRemote parse(String url) {
        if (url.contains("://")) {
            URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException e) {
                throw JobFailure.permanent("the repository URL is not a valid URL");
            }
            String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
            if (scheme.equals("file")) return null;
            if (uri.getHost() == null) throw JobFailure.permanent("the repository URL names no host");
            int port = uri.getPort() > 0 ? uri.getPort() : switch (scheme) {
                case "https" -> 443;
                case "http" -> 80;
                case "ssh", "git+ssh", "ssh+git" -> 22;
                case "git" -> 9418;
                default -> -1;
            };
            return new GitRemote(scheme, uri.getHost(), port);
        }
        Matcher scp = SCP.matcher(url);
        if (scp.matches() && !url.startsWith("/") && !url.startsWith(".")) return new GitRemote("ssh", scp.group(1), 22);
        return null;
    }

    /**
     * Checks the host against the policy and returns the git configuration (key, value pairs) and environment
     * that make git connect to the checked address and not follow HTTP redirects.
     */
    static List<String[]> pin(String url, OutboundPolicy policy, Map<String, String> env) {
        List<String[]> config = new ArrayList<>();
        config.add(new String[] {"http.followRedirects", "false"});
        GitRemote remote = parse(url);
        if (remote == null) return config;
        String host = remote.host().startsWith("[") ? remote.host().substring(1, remote.host().length() - 1)
                : remote.host();
        InetAddress address;
        try {
            address = policy.resolve(host).get(0);
        } catch (OutboundDeniedException e) {
            throw JobFailure.permanent("cannot clone from " + host + ": address not allowed by outbound policy"
                    + " (outbound.allow / outbound.deny)");
        } catch (UnknownHostException e) {
            throw JobFailure.transientError("cannot clone from " + host + ": cannot resolve host", e);
        }
        String literal = address.getHostAddress();
        switch (remote.scheme()) {
            case "http", "https" -> config.add(new String[] {"http.curloptResolve", host + ":" + remote.port() + ":"
                    + (address instanceof Inet6Address ? "[" + literal + "]" : literal)});
            case "ssh", "git+ssh", "ssh+git" -> env.put("GIT_SSH_COMMAND",
                    env.getOrDefault("GIT_SSH_COMMAND", "ssh") + " -o HostName=" + literal);
            default -> { } // git://: checked above; git resolves again (documented residual)
        }
        return config;
    }
}
