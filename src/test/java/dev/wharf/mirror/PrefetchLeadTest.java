package dev.wharf.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.model.Digest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PrefetchLeadTest {
    private static Digest blob(String name) {
        return Digest.sha256(name.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void twoBlobsMayBeAheadOfTheClientsThenTheNextWaitsForARequest() throws Exception {
        PrefetchLead lead = new PrefetchLead();
        Duration idle = Duration.ofMinutes(1);
        assertThat(lead.awaitTurn(idle)).isTrue();
        lead.fetching(blob("config"));
        assertThat(lead.awaitTurn(idle)).isTrue();
        lead.fetching(blob("layer1"));

        CompletableFuture<Boolean> third = CompletableFuture.supplyAsync(() -> {
            try {
                return lead.awaitTurn(idle);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(200);
        assertThat(third).as("two blobs ahead: the third waits").isNotDone();
        lead.asked(blob("layer1"));
        assertThat(third.get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aBlobAskedForBeforeItIsFetchedIsNotAhead() throws Exception {
        PrefetchLead lead = new PrefetchLead();
        lead.asked(blob("layer2"));
        lead.fetching(blob("config"));
        lead.fetching(blob("layer2"));
        assertThat(lead.awaitTurn(Duration.ofMillis(1))).isTrue();
    }

    @Test
    void clientsThatStopAskingEndIt() throws Exception {
        PrefetchLead lead = new PrefetchLead();
        lead.fetching(blob("config"));
        lead.fetching(blob("layer1"));
        long start = System.nanoTime();
        assertThat(lead.awaitTurn(Duration.ofMillis(300))).isFalse();
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(Duration.ofMillis(250).toNanos());
    }
}
