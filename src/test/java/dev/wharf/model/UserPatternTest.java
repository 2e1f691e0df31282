package dev.wharf.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class UserPatternTest {

    @Test
    void matchesTheWholeText() {
        UserPattern p = UserPattern.compile("v[0-9]+(\\.[0-9]+)*");
        assertThat(p.matchesWhole("v1.2.3")).isTrue();
        assertThat(p.matchesWhole("v1.2.3-rc")).isFalse();
        assertThat(p.matchesWhole("xv1")).isFalse();
    }

    @Test
    void backtrackingOnlyFeaturesAreSyntaxErrors() {
        assertThatThrownBy(() -> UserPattern.compile("(a|a)+\\1x")).hasMessageContaining("RE2");
        assertThatThrownBy(() -> UserPattern.compile("(?!x)a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UserPattern.compile("a*+")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UserPattern.compile(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void lengthAndRepetitionAreBounded() {
        UserPattern.compile("a".repeat(UserPattern.MAX_LENGTH));
        assertThatThrownBy(() -> UserPattern.compile("a".repeat(UserPattern.MAX_LENGTH + 1)))
                .hasMessageContaining("longer than");
        assertThatThrownBy(() -> UserPattern.compile("((a{1000}){1000}){1000}")).hasMessageContaining("multiply");
        assertThatThrownBy(() -> UserPattern.compile("(a{10,40}){30}")).hasMessageContaining("multiply");
        assertThat(UserPattern.compile("[0-9]{1,3}\\.[0-9]{1,3}").matchesWhole("10.250")).isTrue();
        // braces that are no repetition, escaped or inside a class, count for nothing
        assertThat(UserPattern.repetitionProduct("\\{5000}[{9999}]a{x}")).isEqualTo(1);
    }
}
