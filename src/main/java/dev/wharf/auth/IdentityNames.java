package dev.wharf.auth;

import java.util.Locale;
import java.util.regex.Pattern;

/** Validation of names and fields, with Docker Hub's rules where it has them. */
final class IdentityNames {

    /** Usernames and organization names: lower-case letters and digits, single separators inside. */
    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]+(?:[._-][a-z0-9]+)*");
    private static final Pattern TEAM = Pattern.compile("[a-z0-9]+(?:[._-][a-z0-9]+)*");
    // Deliberately loose: one '@', something on each side, no spaces. Deliverability is not ours to judge.
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+");

    static final int MIN_PASSWORD = 8;
    // Argon2 pre-hashes its input, so length costs nothing; the cap only stops absurd request bodies.
    static final int MAX_PASSWORD = 1024;

    private IdentityNames() {}

    /** Lower-cased for lookups, so {@code Alice} finds {@code alice} (names are stored lower case). */
    static String normalize(String name) {
        return name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
    }

    static String namespace(String name, String what) {
        if (name == null || name.length() < 2 || name.length() > 30 || !NAMESPACE.matcher(name).matches()) {
            throw IdentityException.invalid(what + " must be 2 to 30 characters: lower-case letters, digits, and "
                    + "'.', '_' or '-' between them");
        }
        return name;
    }

    static String team(String name) {
        if (name == null || name.isEmpty() || name.length() > 50 || !TEAM.matcher(name).matches()) {
            throw IdentityException.invalid("team name must be 1 to 50 characters: lower-case letters, digits, "
                    + "and '.', '_' or '-' between them");
        }
        return name;
    }

    static String email(String email) {
        String value = email == null ? "" : email.strip();
        if (value.length() > 254 || !EMAIL.matcher(value).matches()) {
            throw IdentityException.invalid("email is not a valid address");
        }
        return value;
    }

    static void password(String password) {
        if (password == null || password.length() < MIN_PASSWORD) {
            throw IdentityException.invalid("password must be at least " + MIN_PASSWORD + " characters");
        }
        if (password.length() > MAX_PASSWORD) {
            throw IdentityException.invalid("password must be at most " + MAX_PASSWORD + " characters");
        }
    }

    static String label(String label, String what) {
        if (label == null || label.isBlank() || label.length() > 100) {
            throw IdentityException.invalid(what + " must be 1 to 100 characters");
        }
        return label;
    }
}
