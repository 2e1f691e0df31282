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
        // The build sandbox's self-check (issue 12): every isolation property checked and holding on this machine.
        for (String property : new String[] {"unprivileged host uid", "build root is not host root",
                "own pid namespace", "own net namespace", "own mnt namespace", "own ipc namespace",
                "own cgroup namespace", "no host devices", "no cgroup write access", "data directory hidden",
                "host processes out of reach", "host files out of reach", "no host network", "process limit"}) {
            assertThat(output).contains("build sandbox: ok     " + property);
        }
        assertThat(output).contains("build sandbox passed").doesNotContain("build sandbox: FAILED");
    }
}
