package dev.wharf.auth;

/** What a principal may do to a repository, in the registry token protocol's words. */
public enum Action {
    PULL("pull"),
    PUSH("push"),
    /** Deleting manifests, tags and the repository: the admin right. */
    DELETE("delete");

    private final String scopeName;

    Action(String scopeName) {
        this.scopeName = scopeName;
    }

    /** {@code pull}, {@code push} or {@code delete}, as in {@code repository:name:pull,push}. */
    public String scopeName() {
        return scopeName;
    }
}
