package dev.wharf.hub;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * A caller × operation matrix written as a text table ({@code caller | op 1 | op 2 …}, one row per caller), the
 * form the scope matrix tests keep their expectations in so that they read like docs/scopes.md.
 */
record MatrixTable(List<String> operations, List<List<String>> rows) {

    static MatrixTable parse(String text) {
        List<List<String>> lines = text.lines().filter(l -> !l.isBlank())
                .map(l -> Arrays.stream(l.split("\\|")).map(String::trim).toList()).toList();
        return new MatrixTable(lines.get(0).subList(1, lines.get(0).size()), lines.subList(1, lines.size()));
    }

    /** One JUnit argument pair per row: the caller and the expected cells, in operation order. */
    Stream<Arguments> arguments() {
        return rows.stream().map(r -> Arguments.of(r.get(0), r.subList(1, r.size())));
    }
}
