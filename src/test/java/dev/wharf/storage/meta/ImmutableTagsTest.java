package dev.wharf.storage.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ImmutableTagsTest {

    @Test
    void submittedRulesMustBeRe2() {
        assertThatThrownBy(() -> new ImmutableTags(true, List.of("v.*", "(a)\\1")))
                .hasMessageContaining("(a)\\1");
        assertThat(new ImmutableTags(true, List.of("v.*")).protects("v1")).isTrue();
        assertThat(new ImmutableTags(false, List.of("v.*")).protects("v1")).isFalse();
    }

    @Test
    void aStoredRuleRe2CannotCompileProtectsEveryTag() {
        ImmutableTags legacy = ImmutableTags.stored(true, List.of("(a)\\1", "v.*"));
        assertThat(legacy.protects("latest")).isTrue();
        assertThat(legacy).isEqualTo(ImmutableTags.stored(true, List.of("(a)\\1", "v.*")));
        assertThat(ImmutableTags.stored(true, List.of("v.*")).protects("latest")).isFalse();
    }
}
