package dev.wharf.sources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Cycle's ACL, {@code {"roles": {"<role>": {"view", "modify", "manage"}}}}, keyed by Wharf organization role
 * ({@code owner}, {@code editor}, {@code member}). Without an ACL the hub capabilities decide alone; with one, a
 * role that is not listed cannot see the source at all, and a listed role gets only the privileges it is given
 * (on top of, never beyond, its capabilities). Owners are never narrowed.
 */
final class Acl {
    static final Set<String> ROLES = Set.of("owner", "editor", "member");

    enum Privilege { VIEW, MODIFY, MANAGE }

    private Acl() {}

    /** Validates an ACL from a request; returns it normalized, or null for "no ACL". */
    static ObjectNode parse(JsonNode node, String pointer) {
        if (node == null || node.isNull()) return null;
        if (!node.isObject()) throw CycleException.invalid(pointer, "acl must be an object or null");
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        ObjectNode roles = out.putObject("roles");
        JsonNode given = node.get("roles");
        if (given == null || given.isNull()) return out;
        if (!given.isObject()) throw CycleException.invalid(pointer + "/roles", "acl.roles must be an object");
        for (Iterator<Map.Entry<String, JsonNode>> it = given.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String at = pointer + "/roles/" + e.getKey();
            if (!ROLES.contains(e.getKey())) {
                throw CycleException.invalid(at, "ACL roles are owner, editor and member; got " + e.getKey());
            }
            ObjectNode entry = roles.putObject(e.getKey());
            for (String p : new String[] {"view", "modify", "manage"}) {
                JsonNode v = e.getValue().get(p);
                if (v == null || !v.isBoolean()) throw CycleException.invalid(at + "/" + p, p + " must be a boolean");
                entry.put(p, v.booleanValue());
            }
        }
        return out;
    }

    /** Whether the caller has the privilege on a source with this ACL (null: no ACL). */
    static boolean allows(JsonNode acl, Caller caller, Privilege privilege) {
        if (acl == null || acl.isNull() || caller.isOwner()) return true;
        JsonNode entry = acl.path("roles").get(caller.role());
        if (entry == null) return false;
        return switch (privilege) {
            case VIEW -> entry.path("view").asBoolean(false) || entry.path("modify").asBoolean(false)
                    || entry.path("manage").asBoolean(false);
            case MODIFY -> entry.path("modify").asBoolean(false) || entry.path("manage").asBoolean(false);
            case MANAGE -> entry.path("manage").asBoolean(false);
        };
    }
}
