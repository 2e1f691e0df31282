package dev.wharf.sources.build;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.storage.DiskReserve;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskWatchTest {
    private static final long MIB = 1 << 20;
    private static final long CONFIGURED = 512 * MIB;

    @TempDir
    Path dir;

    @Test
    void aDiskWithRoomToSpareLeavesTheConfiguredLimit() throws IOException {
        DiskWatch watch = new DiskWatch(dir, CONFIGURED, DiskReserve.of(dir, MIB));
        assertThat(watch.limit()).isEqualTo(CONFIGURED);
        assertThat(watch.describeLimit()).isEqualTo(CONFIGURED + " bytes, sources.build_disk_bytes");
        assertThat(watch.reserveReached()).isEmpty();
    }

    @Test
    void aDiskWithLessRoomAboveTheReserveThanTheLimitGivesOnlyThatRoom() throws IOException {
        // A reserve of all but ~64 MiB of what this disk has free now: the build gets about 64 MiB.
        long usable = Files.getFileStore(dir).getUsableSpace();
        DiskReserve reserve = DiskReserve.of(dir, usable - 64 * MIB);
        DiskWatch watch = new DiskWatch(dir, CONFIGURED, reserve);
        assertThat(watch.limit()).isBetween(0L, 64 * MIB + MIB).isLessThan(CONFIGURED);
        assertThat(watch.describeLimit()).startsWith(watch.limit() + " bytes, what the disk had free above the ")
                .endsWith(" MiB kept for the database when the build started, storage.reserve_bytes");
    }

    @Test
    void aReserveReachedWhileTheBuildRunsIsReported() throws IOException {
        DiskReserve all = DiskReserve.of(dir, Long.MAX_VALUE / 2);
        DiskWatch watch = new DiskWatch(dir, CONFIGURED, all);
        assertThat(watch.limit()).as("no room at all").isZero();
        assertThat(watch.reserveReached()).hasValueSatisfying(r -> assertThat(r.getMessage())
                .contains("kept for the database (storage.reserve_bytes)"));
    }
}
