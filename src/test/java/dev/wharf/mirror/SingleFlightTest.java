package dev.wharf.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SingleFlightTest {
    private final SingleFlight<String> flights = new SingleFlight<>();
    // Not the common pool: on a two-core machine it has one worker, which the leader would occupy.
    private final java.util.concurrent.ExecutorService threads =
            java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();

    @org.junit.jupiter.api.AfterEach
    void stop() {
        threads.shutdownNow();
    }

    @Test
    void concurrentCallersOfOneKeyShareOneComputation() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> leader = CompletableFuture.supplyAsync(() -> flights.run("k", () -> {
            runs.incrementAndGet();
            entered.countDown();
            await(release);
            return "value";
        }), threads);
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        List<CompletableFuture<String>> followers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            followers.add(CompletableFuture.supplyAsync(() -> flights.run("k", () -> {
                runs.incrementAndGet();
                return "second computation";
            }), threads));
        }
        while (flights.joins() < 5) Thread.sleep(10); // every follower has joined the leader
        assertThat(followers).noneMatch(CompletableFuture::isDone);
        release.countDown();
        assertThat(leader.get(10, TimeUnit.SECONDS)).isEqualTo("value");
        for (CompletableFuture<String> f : followers) assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo("value");
        assertThat(runs.get()).isEqualTo(1);
        assertThat(flights.size()).isZero();
    }

    @Test
    void aJoinedCallerGetsTheLeadersResultNotItsOwn() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> leader = CompletableFuture.supplyAsync(() -> flights.run("k", () -> {
            entered.countDown();
            await(release);
            return "leader";
        }), threads);
        entered.await(10, TimeUnit.SECONDS);
        CompletableFuture<String> follower = CompletableFuture.supplyAsync(() -> flights.run("k", () -> "follower"), threads);
        while (flights.joins() < 1) Thread.sleep(10);
        release.countDown();
        assertThat(leader.get(10, TimeUnit.SECONDS)).isEqualTo("leader");
        assertThat(follower.get(10, TimeUnit.SECONDS)).isEqualTo("leader");
    }

    @Test
    void aFailureReachesEveryWaiterAndReleasesTheKey() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> leader = CompletableFuture.supplyAsync(() -> flights.run("k", () -> {
            entered.countDown();
            await(release);
            throw new IllegalStateException("upstream down");
        }), threads);
        entered.await(10, TimeUnit.SECONDS);
        CompletableFuture<String> follower = CompletableFuture.supplyAsync(() -> flights.run("k", () -> "own"), threads);
        while (flights.joins() < 1) Thread.sleep(10);
        release.countDown();
        assertThatThrownBy(() -> leader.get(10, TimeUnit.SECONDS)).hasRootCauseMessage("upstream down");
        assertThatThrownBy(() -> follower.get(10, TimeUnit.SECONDS)).hasRootCauseMessage("upstream down");
        assertThat(flights.run("k", () -> "again")).isEqualTo("again");
    }

    @Test
    void differentKeysDoNotWaitForEachOther() {
        assertThat(flights.run("a", () -> flights.run("b", () -> "nested"))).isEqualTo("nested");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
