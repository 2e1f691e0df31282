package dev.wharf.storage.blob;

import static dev.wharf.storage.blob.TestStreams.bytes;
import static dev.wharf.storage.blob.TestStreams.drain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.model.Digest;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilesystemBlobStoreTest extends BlobStoreContract {
    @TempDir
    Path parent;

    private Path root;

    @Override
    protected BlobStore newStore() throws IOException {
        // One level below the temp dir, so the test can see whether anything escaped the root.
        root = parent.resolve("root");
        return new FilesystemBlobStore(root);
    }

    private FilesystemBlobStore fs() {
        return (FilesystemBlobStore) store;
    }

    @Test
    void constructorCreatesTheLayoutAndKindIsFilesystem() {
        assertThat(root.resolve("blobs")).isDirectory();
        assertThat(root.resolve("uploads")).isDirectory();
        assertThat(root.resolve("tmp")).isDirectory();
        assertThat(store.kind()).isEqualTo("filesystem");
    }

    @Test
    void blobsLiveUnderAlgorithmAndTwoHexShard() throws Exception {
        Digest digest = publish("layered");
        Path expected = root.resolve("blobs/sha256").resolve(digest.hex().substring(0, 2)).resolve(digest.hex());

        assertThat(expected).isRegularFile().hasBinaryContent(bytes("layered"));
        assertThat(fs().localPath(digest)).contains(expected.toAbsolutePath());
        assertThat(fs().localPath(Digest.sha256(bytes("absent")))).isEmpty();
    }

    @Test
    void publishFileLinksTheFileWithoutCopyingAndMakesTheBlobPrivate() throws Exception {
        Path file = files.resolve("download");
        Files.write(file, bytes("verified download"));
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Digest digest = Digest.sha256(bytes("verified download"));

        store.publishFile(file, digest);

        Path blob = fs().localPath(digest).orElseThrow();
        Object fileKey = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        assertThat(Files.readAttributes(blob, java.nio.file.attribute.BasicFileAttributes.class).fileKey())
                .as("the same inode: no byte copied").isEqualTo(fileKey);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(blob)))
                .isEqualTo("rw-------");
        assertThat(root.resolve("tmp")).isEmptyDirectory();
    }

    @Test
    void publishAbortAndProbeLeaveNothingUnderUploadsOrTmp() throws Exception {
        publish("published");
        String aborted = newUploadId();
        store.createUpload(aborted);
        store.append(aborted, 0, stream("aborted"));
        store.abortUpload(aborted);
        store.probe();

        assertThat(entries(root.resolve("uploads"))).isZero();
        assertThat(entries(root.resolve("tmp"))).isZero();
    }

    @Test
    void traversingUploadIdIsRejectedBeforeTouchingTheDisk() throws Exception {
        assertThatThrownBy(() -> store.createUpload("../x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.uploadSize("../x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.openUpload("../x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.publish("../x", Digest.sha256(bytes("x"))))
                .isInstanceOf(IllegalArgumentException.class);

        assertThat(root.resolve("x")).doesNotExist();
        assertThat(entries(root.resolve("uploads"))).isZero();
    }

    @Test
    void creatingAnExistingUploadFails() throws Exception {
        String id = newUploadId();
        store.createUpload(id);

        assertThatThrownBy(() -> store.createUpload(id)).isInstanceOf(FileAlreadyExistsException.class);
    }

    @Test
    void listSkipsFilesThatAreNotBlobs() throws Exception {
        Digest digest = publish("real");
        Files.writeString(root.resolve("blobs/README"), "stray");
        Files.createDirectories(root.resolve("blobs/sha256/zz"));
        Files.writeString(root.resolve("blobs/sha256/zz/not-a-digest"), "stray");
        Digest misplaced = Digest.sha256(bytes("misplaced"));
        Files.writeString(root.resolve("blobs/sha256/zz").resolve(misplaced.hex()), "misplaced");

        assertThat(drain(store.list())).containsExactly(digest);
    }

    @Test
    void uploadAgeComesFromTheDataFile() throws Exception {
        String id = newUploadId();
        store.createUpload(id);
        Instant twoHoursAgo = Instant.now().minus(Duration.ofHours(2));
        Files.setLastModifiedTime(root.resolve("uploads").resolve(id).resolve("data"), FileTime.from(twoHoursAgo));

        assertThat(drain(store.uploadsOlderThan(Instant.now().minus(Duration.ofHours(1))))).containsExactly(id);
    }

    @Test
    void probeNamesTheRootWhenStorageIsUnusable() throws Exception {
        Files.delete(root.resolve("tmp"));
        Files.writeString(root.resolve("tmp"), "a file where the tmp directory should be");

        assertThatThrownBy(store::probe)
                .isInstanceOf(IOException.class)
                .hasMessageContaining(root.toAbsolutePath().normalize().toString());
    }

    private static long entries(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.count();
        }
    }
}
