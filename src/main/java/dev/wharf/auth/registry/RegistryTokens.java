package dev.wharf.auth.registry;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.wharf.auth.Principal;
import dev.wharf.auth.token.JwtCodec;
import dev.wharf.auth.token.SessionTokens;
import dev.wharf.auth.token.TokenException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Registry bearer tokens as the Docker token specification describes them: a JWT for one service whose
 * {@code access} claim lists, per resource, the actions granted. The token also names its principal (see
 * {@link SessionTokens#identityClaims}) so the catalog can be filtered without another login.
 */
public final class RegistryTokens {
    /** What a verified token grants. */
    public record Grant(JWTClaimsSet claims, Map<String, Set<String>> repositories, boolean catalog) {
        Set<String> actionsOn(String repository) {
            return repositories.getOrDefault(repository, Set.of());
        }
    }

    private final JwtCodec jwt;
    private final String service;
    private final Duration ttl;

    public RegistryTokens(JwtCodec jwt, String service, Duration ttl) {
        this.jwt = jwt;
        this.service = service;
        this.ttl = ttl;
    }

    public String service() {
        return service;
    }

    public Duration ttl() {
        return ttl;
    }

    String issue(Principal principal, List<RegistryScope> granted) {
        List<Map<String, Object>> access = new ArrayList<>();
        for (RegistryScope s : granted) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("type", s.type());
            entry.put("name", s.name());
            entry.put("actions", new ArrayList<>(s.actions()));
            access.add(entry);
        }
        JWTClaimsSet claims = SessionTokens.identityClaims(principal).claim("access", access).build();
        return jwt.sign(service, claims.getSubject(), ttl, claims);
    }

    /** Verifies a bearer token for this service; throws TokenException for anything forged, stale or foreign. */
    Grant verify(String token) throws TokenException {
        JWTClaimsSet claims = jwt.verify(token, service);
        Map<String, Set<String>> repositories = new HashMap<>();
        boolean catalog = false;
        Object access = claims.getClaim("access");
        if (!(access instanceof List<?> entries)) throw new TokenException("no access claim");
        for (Object e : entries) {
            if (!(e instanceof Map<?, ?> m)) throw new TokenException("malformed access entry");
            Object type = m.get("type");
            Object name = m.get("name");
            Object actions = m.get("actions");
            if (!(type instanceof String t) || !(name instanceof String n) || !(actions instanceof List<?> as)) {
                throw new TokenException("malformed access entry");
            }
            Set<String> set = new TreeSet<>();
            for (Object a : as) set.add(String.valueOf(a));
            if (t.equals("repository")) repositories.merge(n, set, (x, y) -> {
                Set<String> both = new TreeSet<>(x);
                both.addAll(y);
                return both;
            });
            if (t.equals("registry") && n.equals("catalog") && set.contains("*")) catalog = true;
        }
        return new Grant(claims, repositories, catalog);
    }
}
