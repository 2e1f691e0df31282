package dev.wharf.auth;

/** What a namespace (the first component of a repository name) belongs to. */
public enum NamespaceKind {
    USER("user"),
    ORG("org");

    private final String column;

    NamespaceKind(String column) {
        this.column = column;
    }

    String column() {
        return column;
    }

    static NamespaceKind ofColumn(String value) {
        return "org".equals(value) ? ORG : USER;
    }
}
