package dev.wharf.sources;

import dev.wharf.auth.AccessScope;

/**
 * Every operation of the {@code /v1/} surface and what it needs: a Cycle capability, which the caller's role in
 * the hub grants (see {@link HubGate}), and the least access-token scope, which a session made from a personal
 * access token must carry. Looking needs {@code repo:read}; creating, changing and importing (which writes the
 * registry) need {@code repo:write}; deleting and changing who may do what (an ACL) need {@code repo:admin}, as
 * on the registry. Source ACLs then narrow further. This is the /v1/ half of the table in docs/scopes.md.
 */
enum Operation {
    VIEW_SOURCES(Capability.SOURCES_VIEW, AccessScope.READ, "view image sources"),
    CREATE_SOURCE(Capability.SOURCES_MANAGE, AccessScope.WRITE, "create image sources"),
    UPDATE_SOURCE(Capability.SOURCES_MANAGE, AccessScope.WRITE, "change image sources"),
    CHANGE_SOURCE_ACCESS(Capability.SOURCES_MANAGE, AccessScope.ADMIN, "change an image source's ACL"),
    DELETE_SOURCE(Capability.SOURCES_MANAGE, AccessScope.ADMIN, "delete image sources"),
    VIEW_IMAGES(Capability.IMAGES_VIEW, AccessScope.READ, "view images"),
    CREATE_IMAGE(Capability.IMAGES_MANAGE, AccessScope.WRITE, "create images"),
    RENAME_IMAGE(Capability.IMAGES_MANAGE, AccessScope.WRITE, "rename images"),
    /** Imports, builds and uploads: each writes into the registry. */
    IMPORT_IMAGE(Capability.IMAGES_IMPORT, AccessScope.WRITE, "import, build or upload images"),
    DELETE_IMAGE(Capability.IMAGES_MANAGE, AccessScope.ADMIN, "delete images"),
    PRUNE_IMAGES(Capability.IMAGES_MANAGE, AccessScope.ADMIN, "prune images"),
    VIEW_JOBS(Capability.JOBS_VIEW, AccessScope.READ, "view jobs");

    private final Capability capability;
    private final AccessScope scope;
    private final String description;

    Operation(Capability capability, AccessScope scope, String description) {
        this.capability = capability;
        this.scope = scope;
        this.description = description;
    }

    Capability capability() {
        return capability;
    }

    /** The least personal-access-token scope this operation needs. */
    AccessScope scope() {
        return scope;
    }

    String description() {
        return description;
    }
}
