package dev.wharf.storage.meta;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.util.LibraryLoaderUtil;

class SqliteNativeLibraryTest {
    @TempDir Path work;

    @Test
    void copiesThisPlatformsLibraryOnceAndKeepsNoPartialFile() throws Exception {
        Path dir = work.resolve("wharf-1.cache");
        Path copy = SqliteNativeLibrary.copyIn(dir, getClass().getClassLoader()).orElseThrow();

        assertThat(copy.getParent()).isEqualTo(dir);
        assertThat(copy.getFileName().toString()).isEqualTo(LibraryLoaderUtil.getNativeLibName());
        String resource = (LibraryLoaderUtil.getNativeLibResourcePath() + "/" + LibraryLoaderUtil.getNativeLibName())
                .substring(1);
        try (InputStream jar = getClass().getClassLoader().getResourceAsStream(resource)) {
            assertThat(Files.readAllBytes(copy)).isEqualTo(jar.readAllBytes());
        }
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(copy);
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(copy))).isEqualTo("rw-r--r--");

        // A copy already in the build's directory is used as it is: nothing is read from the jar again.
        Files.writeString(copy, "kept");
        assertThat(SqliteNativeLibrary.copyIn(dir, getClass().getClassLoader())).contains(copy);
        assertThat(Files.readString(copy)).isEqualTo("kept");
    }

    @Test
    void anUnwritableDirectoryLeavesTheLibraryToSqliteJdbc() throws Exception {
        Path notADirectory = Files.writeString(work.resolve("file"), "x");
        assertThat(SqliteNativeLibrary.copyIn(notADirectory.resolve("wharf-1.cache"), getClass().getClassLoader()))
                .isEmpty();
    }

    @Test
    void aJarWithoutThisPlatformsLibraryLeavesItToSqliteJdbc() {
        ClassLoader empty = new ClassLoader(null) {};
        assertThat(SqliteNativeLibrary.copyIn(work.resolve("wharf-1.cache"), empty)).isEmpty();
        assertThat(work.resolve("wharf-1.cache")).doesNotExist();
    }
}
