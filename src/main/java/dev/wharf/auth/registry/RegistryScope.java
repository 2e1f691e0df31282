package dev.wharf.auth.registry;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One {@code scope} of the Docker token protocol: {@code repository:<name>:<action>[,<action>...]} or
 * {@code registry:catalog:*}. Names may contain colons only in a host:port prefix, which registries never see, so
 * the name is everything between the first and the last colon.
 */
record RegistryScope(String type, String name, Set<String> actions) {

    static List<RegistryScope> parseAll(List<String> values) {
        List<RegistryScope> scopes = new ArrayList<>();
        for (String value : values) {
            // Clients may send several scopes in one parameter separated by spaces (OAuth2 style).
            for (String one : value.trim().split("\\s+")) {
                if (!one.isEmpty()) parse(one).ifPresent(scopes::add);
            }
        }
        return scopes;
    }

    /** Unparseable scopes are ignored, as the spec asks: the token simply grants nothing for them. */
    static java.util.Optional<RegistryScope> parse(String value) {
        int first = value.indexOf(':');
        int last = value.lastIndexOf(':');
        if (first <= 0 || last <= first) return java.util.Optional.empty();
        String type = value.substring(0, first);
        String name = value.substring(first + 1, last);
        Set<String> actions = new LinkedHashSet<>();
        for (String a : value.substring(last + 1).split(",")) {
            if (!a.isBlank()) actions.add(a.trim());
        }
        if (name.isEmpty() || actions.isEmpty()) return java.util.Optional.empty();
        return java.util.Optional.of(new RegistryScope(type, name, actions));
    }

    @Override
    public String toString() {
        return type + ":" + name + ":" + String.join(",", actions);
    }
}
