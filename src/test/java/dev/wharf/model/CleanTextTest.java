package dev.wharf.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CleanTextTest {

    @Test
    void stringsWithNulOrHalfASurrogatePairAreRefused() {
        assertThat(CleanText.problem("été 🐳")).isNull();
        assertThat(CleanText.problem("a\u0000b")).isEqualTo(CleanText.NUL);
        assertThat(CleanText.problem("a\ud800b")).isEqualTo(CleanText.NOT_UTF8);
        assertThat(CleanText.problem("a\udc00")).isEqualTo(CleanText.NOT_UTF8);
        assertThat(CleanText.problem("\ud83d")).isEqualTo(CleanText.NOT_UTF8);
    }

    @Test
    void percentEncodedTextIsDecodedToBytesAndCheckedStrictly() {
        assertThat(CleanText.percentEncodedProblem("last=%C3%A9t%C3%A9&n=1", true)).isNull();
        assertThat(CleanText.percentEncodedProblem("last=a%00", true)).isEqualTo(CleanText.NUL);
        assertThat(CleanText.percentEncodedProblem("last=%C3%28", true)).isEqualTo(CleanText.NOT_UTF8);
        assertThat(CleanText.percentEncodedProblem("x=%ED%A0%80", true)).as("an encoded surrogate")
                .isEqualTo(CleanText.NOT_UTF8);
        assertThat(CleanText.percentEncodedProblem("x=%C3", true)).as("truncated").isEqualTo(CleanText.NOT_UTF8);
        assertThat(CleanText.percentEncodedProblem("x=%zz&y=100%", true)).as("malformed escapes are literal").isNull();
        assertThat(CleanText.percentEncodedProblem("/v2/a+b/tags/list", false)).isNull();
        assertThat(CleanText.percentEncodedProblem(null, true)).isNull();
    }

    @Test
    void jsonEscapesCount() {
        assertThat(CleanText.jsonProblem(bytes("{\"a\":\"\\u00e9\\ud83d\\udc33\"}"))).isNull();
        assertThat(CleanText.jsonProblem(bytes("{\"a\":\"\\u0000\"}"))).isEqualTo(CleanText.NUL);
        assertThat(CleanText.jsonProblem(bytes("{\"a\":\"\\ud83dx\"}"))).isEqualTo(CleanText.NOT_UTF8);
        assertThat(CleanText.jsonProblem(bytes("{\"a\":\"\\udc33\"}"))).isEqualTo(CleanText.NOT_UTF8);
        assertThat(CleanText.jsonProblem(bytes("{\"a\":\"\\\\u0000\"}"))).as("an escaped backslash, then text")
                .isNull();
        assertThat(CleanText.jsonProblem(new byte[] {'"', (byte) 0xC3, '(', '"'})).isEqualTo(CleanText.NOT_UTF8);
        assertThat(CleanText.jsonProblem(new byte[] {'"', 0, '"'})).isEqualTo(CleanText.NUL);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
