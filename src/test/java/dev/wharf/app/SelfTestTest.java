package dev.wharf.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SelfTestTest {

    @Test
    void pushesPullsAndSignsInOnAThrowawayNode() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int status = new SelfTest(new PrintStream(buffer, true, StandardCharsets.UTF_8)).run();
        String output = buffer.toString(StandardCharsets.UTF_8);
        assertThat(output).contains("self-test passed");
        assertThat(status).isZero();
    }
}
