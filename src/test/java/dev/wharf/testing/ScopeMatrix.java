package dev.wharf.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.params.provider.Arguments;

/**
 * A caller × operation table of expected outcomes, as the authorization matrix tests write it: a header row
 * {@code caller | op | op ...}, then one row a caller with one cell an operation, columns split on {@code |}.
 * The tests feed {@link #rows()} to a parameterized test and check a row with {@link #assertRow}.
 */
public final class ScopeMatrix {
    private final String table;

    public ScopeMatrix(String table) {
        this.table = table;
    }

    private List<String> lines() {
        return table.lines().filter(l -> !l.isBlank()).toList();
    }

    private static List<String> cells(String line) {
        return Arrays.stream(line.split("\\|")).map(String::trim).toList();
    }

    /** The operation names of the header row. */
    public List<String> operations() {
        List<String> header = cells(lines().get(0));
        return header.subList(1, header.size());
    }

    /**
     * One argument pair a row: the caller, then its expected cells in column order. Fails first unless the table
     * is well formed: every row has a cell for every column.
     */
    public Stream<Arguments> rows() {
        List<String> lines = lines();
        int columns = operations().size();
        List<Arguments> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            List<String> cells = cells(line);
            assertThat(cells.subList(1, cells.size())).as("the cells of %s", cells.get(0)).hasSize(columns);
            rows.add(Arguments.of(cells.get(0), cells.subList(1, cells.size())));
        }
        return rows.stream();
    }

    /**
     * Runs every operation (named as in the header, in its order) with the caller's credential and compares
     * {@code outcome} of each answer with the row's cell; all mismatches are reported together, each with
     * {@code describe} of the answer.
     */
    public void assertRow(String caller, String credential, List<String> expected,
            Map<String, Function<String, HttpResponse<byte[]>>> operations,
            Function<HttpResponse<byte[]>, String> outcome, Function<HttpResponse<byte[]>, String> describe) {
        assertThat(credential).as(caller).isNotNull();
        assertThat(List.copyOf(operations.keySet())).as("the operations are the table's columns")
                .isEqualTo(operations());
        SoftAssertions soft = new SoftAssertions();
        List<String> names = operations();
        for (int i = 0; i < names.size(); i++) {
            HttpResponse<byte[]> r = operations.get(names.get(i)).apply(credential);
            soft.assertThat(outcome.apply(r)).as("%s: %s (%s)", caller, names.get(i), describe.apply(r))
                    .isEqualTo(expected.get(i));
        }
        soft.assertAll();
    }
}
