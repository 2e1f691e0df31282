package dev.wharf.images;

import dev.wharf.auth.Action;
import dev.wharf.auth.Principal;
import java.util.EnumSet;
import java.util.Set;

/** What a caller may do to a repository (full name): {@code AccessControl::allowed} when auth is enabled. */
@FunctionalInterface
public interface ImageAccess {

    /** With auth disabled the registry is open to anyone, and so is managing its images. */
    ImageAccess OPEN = (principal, repository) -> EnumSet.allOf(Action.class);

    Set<Action> allowed(Principal principal, String repository);
}
