package dev.wharf.auth;

import java.util.Locale;

/**
 * A member's role in an organization, with the registry rights it carries on every repository of the
 * organization's namespace: {@code owner} pull, push and delete (and manages members, teams and tokens);
 * {@code editor} pull and push; {@code member} nothing by itself, like Docker Hub, where a member sees the
 * repositories its teams were granted. Public repositories stay pullable by everyone.
 */
public enum OrgRole {
    OWNER,
    EDITOR,
    MEMBER;

    /** {@code owner}, {@code editor} or {@code member}, as in the Hub API and the database. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IdentityException INVALID_INPUT for anything else than owner, editor or member (any case) */
    public static OrgRole parse(String value) {
        if (value != null) {
            for (OrgRole role : values()) {
                if (role.wireName().equalsIgnoreCase(value.strip())) return role;
            }
        }
        throw IdentityException.invalid("role must be owner, editor or member");
    }
}
