package dev.wharf.auth;

import java.util.Locale;

/** A team's right on one repository: read = pull, write = pull and push, admin = pull, push and delete. */
public enum TeamPermission {
    READ,
    WRITE,
    ADMIN;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IdentityException INVALID_INPUT for anything else than read, write or admin */
    public static TeamPermission parse(String value) {
        if (value != null) {
            for (TeamPermission permission : values()) {
                if (permission.wireName().equalsIgnoreCase(value.strip())) return permission;
            }
        }
        throw IdentityException.invalid("permission must be read, write or admin");
    }

    /** The stronger of the two; null counts as no permission. */
    static TeamPermission max(TeamPermission a, TeamPermission b) {
        if (a == null) return b;
        if (b == null) return a;
        return a.compareTo(b) >= 0 ? a : b;
    }
}
