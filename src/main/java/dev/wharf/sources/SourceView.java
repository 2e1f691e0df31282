package dev.wharf.sources;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.User;
import dev.wharf.model.ObjectId;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/** Renders sources as Cycle's ImageSource, with the images_count meta and creators/integrations includes. */
final class SourceView {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final List<String> IMAGE_STATES = List.of("new", "downloading", "building", "verifying", "saving",
            "live", "deleting");

    private final AccountService accounts;

    SourceView(AccountService accounts) {
        this.accounts = accounts;
    }

    ObjectNode source(ImageSource s, Map<String, Long> counts) {
        ObjectNode o = F.objectNode();
        o.put("id", s.id()).put("identifier", s.identifier()).put("type", s.type()).put("hub_id", s.hub())
                .put("name", s.name());
        if (s.about() != null) o.set("about", s.about());
        o.set("origin", s.origin());
        o.set("builder", s.builder() == null ? F.nullNode() : s.builder());
        o.set("creator", F.objectNode().put("id", ObjectId.ofLong(s.creatorUserId())).put("type", "account"));
        o.set("acl", s.acl() == null ? F.nullNode() : s.acl());
        ObjectNode state = o.putObject("state").put("current", s.state()).put("changed", CycleTime.of(s.stateChanged()));
        if (s.stateError() != null) {
            state.putObject("error").put("message", s.stateError()).put("time", CycleTime.of(s.stateChanged()));
        }
        o.putObject("events").put("created", CycleTime.of(s.createdAt())).put("updated", CycleTime.of(s.updatedAt()))
                .put("deleted", CycleTime.of(s.deletedAt()));
        if (counts != null) {
            ObjectNode ic = o.putObject("meta").putObject("images_count");
            ObjectNode byState = F.objectNode();
            long total = 0;
            for (String st : IMAGE_STATES) byState.put(st, counts.getOrDefault(st, 0L));
            for (long n : counts.values()) total += n;
            ic.put("total", total).set("state", byState);
        }
        return o;
    }

    /** {@code includes} for the requested kinds: creators as public accounts; Wharf has no integrations. */
    ObjectNode includes(List<ImageSource> sources, java.util.Set<String> kinds) {
        ObjectNode inc = F.objectNode();
        if (kinds.contains("creators")) {
            inc.set("creators", creators(sources.stream().map(ImageSource::creatorUserId).toList()));
        }
        if (kinds.contains("integrations")) inc.putObject("integrations");
        return inc;
    }

    /** Cycle's CreatorInclude for these users: each once, as a public account keyed by its id (one query). */
    ObjectNode creators(Collection<Long> userIds) {
        ObjectNode creators = F.objectNode();
        ObjectNode accountsNode = creators.putObject("accounts");
        Map<Long, User> users = accounts.findUsers(userIds);
        for (long userId : userIds) {
            String id = ObjectId.ofLong(userId);
            User user = users.get(userId);
            if (user != null && !accountsNode.has(id)) accountsNode.set(id, account(id, user));
        }
        return creators;
    }

    private static ObjectNode account(String id, User user) {
        ObjectNode a = F.objectNode().put("id", id);
        a.putObject("name").put("first", user.username()).put("last", "");
        a.putObject("email").put("address", user.email());
        a.putObject("two_factor_auth").put("verified", user.totpEnabled());
        return a;
    }
}
