package dev.wharf.sources;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Cycle identifiers: "My Container" becomes {@code my-container}. Wharf also uses a source's identifier as the
 * last component of its repository name, so identifiers follow the registry's path-component grammar.
 */
final class Identifiers {
    private static final Pattern VALID = Pattern.compile("[a-z0-9]+([._-]+[a-z0-9]+)*");
    private static final int MAX = 128;

    private Identifiers() {}

    static String fromName(String name) {
        String slug = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (slug.length() > MAX) slug = slug.substring(0, MAX).replaceAll("-+$", "");
        return slug.isEmpty() ? "source" : slug;
    }

    static String validate(String identifier, String at) {
        if (identifier.length() > MAX || !VALID.matcher(identifier).matches()) {
            throw CycleException.invalid(at, "an identifier is lowercase letters and digits separated by '-', '.'"
                    + " or '_' (at most " + MAX + " characters): " + identifier);
        }
        return identifier;
    }
}
