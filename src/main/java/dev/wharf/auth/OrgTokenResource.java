package dev.wharf.auth;

import dev.wharf.model.RepositoryName;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One resource of an organization access token, as in the Hub API's {@code orgAccessTokenResource}.
 *
 * <p>{@code TYPE_REPO} paths: a repository of the organization ({@code myorg/app}), every repository of it
 * (the path {@code myorg/} followed by a star, at any depth), or {@value #ALL_PUBLIC} (every public
 * repository). Scopes: {@value #PULL} and {@value #PUSH}; push implies pull, because a registry push
 * reads blobs and manifests back. Organization tokens never delete. {@code TYPE_ORG} resources (path = the
 * organization) carry organization-level scopes for the Hub API; the registry ignores them. Of Docker Hub's
 * organization scopes Wharf acts on {@value #MEMBER_READ}, {@value #MEMBER_EDIT}, {@value #GROUP_READ} and
 * {@value #GROUP_EDIT} (an edit scope includes its read scope); others are kept and shown but allow nothing.
 */
public record OrgTokenResource(Type type, String path, List<String> scopes) {

    public enum Type { TYPE_REPO, TYPE_ORG }

    public static final String PULL = "scope-image-pull";
    public static final String PUSH = "scope-image-push";
    public static final String ALL_PUBLIC = "*/*/public";
    public static final String MEMBER_READ = "scope-member-read";
    public static final String MEMBER_EDIT = "scope-member-edit";
    public static final String GROUP_READ = "scope-group-read";
    public static final String GROUP_EDIT = "scope-group-edit";
    /** Organization scopes and the higher scope that includes each. */
    private static final Map<String, String> INCLUDED_IN = Map.of(MEMBER_READ, MEMBER_EDIT, GROUP_READ, GROUP_EDIT);
    private static final Pattern ORG_SCOPE = Pattern.compile("scope-[a-z0-9-]{1,60}");

    public OrgTokenResource {
        scopes = List.copyOf(scopes);
    }

    public static Type parseType(String value) {
        try {
            return Type.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw IdentityException.invalid("resource type must be TYPE_REPO or TYPE_ORG");
        }
    }

    /** @throws IdentityException INVALID_INPUT if this resource cannot belong to a token of {@code org} */
    void validateFor(String org) {
        if (scopes.isEmpty()) throw IdentityException.invalid("a resource needs at least one scope");
        if (type == Type.TYPE_ORG) {
            if (!org.equals(path)) throw IdentityException.invalid("a TYPE_ORG resource's path is the organization");
            if (!scopes.stream().allMatch(s -> ORG_SCOPE.matcher(s).matches())) {
                throw IdentityException.invalid("invalid organization scope");
            }
            return;
        }
        if (!scopes.stream().allMatch(s -> s.equals(PULL) || s.equals(PUSH))) {
            throw IdentityException.invalid("repository scopes are " + PULL + " and " + PUSH);
        }
        if (path.equals(ALL_PUBLIC)) {
            if (scopes.contains(PUSH)) throw IdentityException.invalid(ALL_PUBLIC + " can only be pulled");
            return;
        }
        boolean wildcard = path.equals(org + "/*");
        if (!wildcard && !(path.startsWith(org + "/") && RepositoryName.isValid(path))) {
            throw IdentityException.invalid("a repository resource must be " + org + "/<name>, " + org + "/* or "
                    + ALL_PUBLIC);
        }
    }

    /** Whether this resource names the repository ({@code isPrivate} matters only for {@value #ALL_PUBLIC}). */
    boolean covers(String org, String repository, boolean isPrivate) {
        if (type != Type.TYPE_REPO) return false;
        if (path.equals(ALL_PUBLIC)) return !isPrivate;
        if (!repository.startsWith(org + "/")) return false; // a token only ever reaches its own organization
        return path.equals(repository) || path.equals(org + "/*");
    }

    /** Whether this is a {@code TYPE_ORG} resource with {@code scope}, or with the scope that includes it. */
    boolean grantsOrgScope(String scope) {
        if (type != Type.TYPE_ORG) return false;
        return scopes.contains(scope) || (INCLUDED_IN.containsKey(scope) && scopes.contains(INCLUDED_IN.get(scope)));
    }

    boolean allowsPull() {
        return scopes.contains(PULL) || scopes.contains(PUSH);
    }

    boolean allowsPush() {
        return scopes.contains(PUSH);
    }
}
