package dev.wharf.sources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tar dialects GNU tar writes (pax, gnu long names, ustar), and inputs that are not tar archives. */
class TarReaderTest {
    @TempDir Path dir;

    @Test
    void readsLongNamesInEveryFormat() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/tar")) || Files.isExecutable(Path.of("/bin/tar")), "no tar");
        String longName = "blobs/sha256/" + "a".repeat(64) + "/" + "b".repeat(90);
        Path src = Files.createDirectories(dir.resolve("src").resolve(longName).getParent());
        Files.writeString(src.resolve("b".repeat(90)), "hello");
        Files.writeString(dir.resolve("src").resolve("index.json"), "{}");
        for (String format : List.of("pax", "gnu", "ustar")) {
            Path tar = dir.resolve(format + ".tar");
            run("tar", "--format=" + format, "-cf", tar.toString(), "-C", dir.resolve("src").toString(), ".");
            Map<String, String> files = read(Files.newInputStream(tar));
            assertThat(files).as(format).containsEntry(longName, "hello").containsEntry("index.json", "{}");
        }
    }

    @Test
    void refusesWhatIsNotATarArchive() {
        byte[] junk = new byte[2048];
        Arrays.fill(junk, (byte) 'x');
        assertThatThrownBy(() -> read(new ByteArrayInputStream(junk))).isInstanceOf(TarReader.NotATarException.class)
                .hasMessageContaining("not a tar archive");
        assertThatThrownBy(() -> read(new ByteArrayInputStream(new byte[100])))
                .isInstanceOf(TarReader.NotATarException.class);
    }

    @Test
    void refusesATruncatedArchive() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/tar")) || Files.isExecutable(Path.of("/bin/tar")), "no tar");
        Files.write(Files.createDirectories(dir.resolve("t")).resolve("big"), new byte[100_000]);
        Path tar = dir.resolve("t.tar");
        run("tar", "-cf", tar.toString(), "-C", dir.resolve("t").toString(), "big");
        byte[] cut = Arrays.copyOf(Files.readAllBytes(tar), 50_000);
        assertThatThrownBy(() -> read(new ByteArrayInputStream(cut))).isInstanceOf(TarReader.NotATarException.class)
                .hasMessageContaining("ends in the middle");
    }

    private static Map<String, String> read(InputStream in) throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        TarReader tar = new TarReader(in);
        for (TarReader.Entry e; (e = tar.next()) != null; ) files.put(e.name(), new String(e.content().readAllBytes()));
        return files;
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
    }
}
