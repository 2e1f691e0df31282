package dev.wharf.content;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.model.Digest;
import dev.wharf.storage.blob.BlobStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Several threads on several "nodes" (UploadService instances with their own in-memory state, as separate
 * processes have) send a PATCH for the same offset of one chunked upload at the same moment, round after round.
 * Whatever the timing, exactly one append per round is acknowledged, every other one gets 416 with the Range the
 * upload really holds, and the finished blob is exactly the acknowledged chunks in order: no acknowledged byte is
 * lost or overwritten.
 */
abstract class ConcurrentAppendsContract {
    static final String REPO = "team/race";
    private static final int ROUNDS = 25;
    private static final int THREADS_PER_NODE = 2;

    /** One upload service per node, all sharing the same metadata database and blob storage. */
    protected abstract List<UploadService> nodes() throws Exception;

    /** Storage as seen by any node, to read the published blob back. */
    protected abstract BlobStore storage();

    protected abstract void closeNodes() throws Exception;

    protected static Clock clock() {
        return Clock.systemUTC();
    }

    @AfterEach
    void close() throws Exception {
        closeNodes();
    }

    @Test
    void racingAppendsAtOneOffsetHaveOneWinnerAndLoseNoAcknowledgedByte() throws Exception {
        List<UploadService> nodes = nodes();
        int racers = nodes.size() * THREADS_PER_NODE;
        ExecutorService pool = Executors.newFixedThreadPool(racers);
        try {
            String id = nodes.get(0).start(REPO);
            ByteArrayOutputStream acknowledged = new ByteArrayOutputStream();
            long offset = 0;
            for (int round = 0; round < ROUNDS; round++) {
                CyclicBarrier start = new CyclicBarrier(racers);
                List<byte[]> chunks = new ArrayList<>();
                List<Future<Long>> appends = new ArrayList<>();
                for (int r = 0; r < racers; r++) {
                    byte[] chunk = chunk(round, r);
                    chunks.add(chunk);
                    UploadService node = nodes.get(r % nodes.size());
                    long from = offset;
                    appends.add(pool.submit(() -> {
                        start.await();
                        return node.append(REPO, id, from, new ByteArrayInputStream(chunk));
                    }));
                }
                int winner = -1;
                List<RegistryException> refused = new ArrayList<>();
                for (int r = 0; r < racers; r++) {
                    try {
                        long size = appends.get(r).get(60, TimeUnit.SECONDS);
                        assertThat(winner).as("round %d: a second append at offset %d was acknowledged", round, offset)
                                .isEqualTo(-1);
                        assertThat(size).isEqualTo(offset + chunks.get(r).length);
                        winner = r;
                    } catch (java.util.concurrent.ExecutionException e) {
                        assertThat(e.getCause()).isInstanceOf(RegistryException.class);
                        refused.add((RegistryException) e.getCause());
                    }
                }
                assertThat(winner).as("round %d: one append wins", round).isNotEqualTo(-1);
                long after = offset + chunks.get(winner).length;
                assertThat(refused).hasSize(racers - 1).allSatisfy(e -> {
                    assertThat(e.error()).isEqualTo(OciError.RANGE_INVALID);
                    assertThat(e.headers()).containsEntry("Range", "0-" + (after - 1));
                });
                acknowledged.write(chunks.get(winner));
                offset = after;
                assertThat(nodes.get(round % nodes.size()).size(REPO, id)).isEqualTo(offset);
            }

            byte[] expected = acknowledged.toByteArray();
            Digest digest = Digest.sha256(expected);
            // The last node to finish never saw most chunks: it re-hashes what storage holds.
            assertThat(nodes.get(nodes.size() - 1).complete(REPO, id, digest, null, null)).isEqualTo(expected.length);
            try (InputStream in = storage().open(digest, 0)) {
                assertThat(in.readAllBytes()).isEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Distinct bytes and lengths per racer, so a chunk in the wrong place cannot go unnoticed. */
    private static byte[] chunk(int round, int racer) {
        byte[] b = new byte[4096 + 517 * racer + round];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (round * 31 + racer * 7 + i);
        return b;
    }
}
