package dev.wharf.model;

import java.util.regex.Pattern;

/** Repository names per the distribution spec grammar: path components separated by '/'. */
public final class RepositoryName {
    /** [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)* */
    private static final Pattern NAME = Pattern.compile(
            "[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*");
    /** Same limit as Distribution: the whole name, including slashes. */
    public static final int MAX_LENGTH = 255;

    private RepositoryName() {}

    public static boolean isValid(String name) {
        return name != null && !name.isEmpty() && name.length() <= MAX_LENGTH && NAME.matcher(name).matches();
    }
}
