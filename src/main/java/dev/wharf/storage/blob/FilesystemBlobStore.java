package dev.wharf.storage.blob;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import dev.wharf.model.Digest;
import dev.wharf.storage.DiskReserve;
import dev.wharf.storage.PrivateFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A {@link BlobStore} on a local directory; see {@link FilesystemLayout} for the layout.
 *
 * <p>Appends and publishes of one upload are serialised by an in-process lock, so one Wharf process must own
 * the root; several replicas need a shared backend such as S3 instead.
 */
public final class FilesystemBlobStore implements BlobStore {
    /** Large enough that a multi-GiB layer costs few syscalls; small enough to allocate per append. */
    private static final int BUFFER_SIZE = 256 * 1024;

    private final FilesystemLayout layout;
    private final UploadLocks locks = new UploadLocks();
    private final DiskReserve reserve;

    /** Creates the blobs/, uploads/ and tmp/ directories under {@code root} when missing. */
    public FilesystemBlobStore(Path root) throws IOException {
        this(root, 0);
    }

    /**
     * @param reserveBytes free space on {@code root}'s file system that appends leave to the database ({@link
     *     DiskReserve}); 0 for none
     */
    public FilesystemBlobStore(Path root, long reserveBytes) throws IOException {
        this.layout = new FilesystemLayout(root);
        try {
            PrivateFiles.createDirectories(layout.blobsDir());
            PrivateFiles.createDirectories(layout.uploadsDir());
            PrivateFiles.createDirectories(layout.tmpDir());
        } catch (IOException e) {
            throw new IOException("cannot create blob storage directories under " + layout.root() + ": " + e, e);
        }
        this.reserve = DiskReserve.of(layout.uploadsDir(), reserveBytes);
    }

    @Override
    public OptionalLong size(Digest digest) throws IOException {
        try {
            return OptionalLong.of(Files.size(layout.blob(digest)));
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        }
    }

    @Override
    public InputStream open(Digest digest, long offset) throws IOException {
        if (offset < 0) throw new IllegalArgumentException("negative offset " + offset);
        FileChannel channel;
        try {
            channel = FileChannel.open(layout.blob(digest), READ);
        } catch (NoSuchFileException e) {
            throw new BlobNotFoundException("blob " + digest);
        }
        try {
            // Positioning past the end is allowed and simply reads nothing.
            return Channels.newInputStream(channel.position(offset));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * The published blob's file, for serving straight to the socket (registry.SocketBody). The file can still be
     * deleted after this returns, so opening it may throw NoSuchFileException; treat that as not found.
     */
    @Override
    public Optional<Path> localPath(Digest digest) {
        Path file = layout.blob(digest);
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    @Override
    public boolean delete(Digest digest) throws IOException {
        return Files.deleteIfExists(layout.blob(digest));
    }

    /**
     * Lists the shard directories up front (at most 256 per algorithm) and each shard's files only when the
     * iteration reaches it, so memory stays bounded and no directory handle stays open between calls: an
     * Iterator cannot be closed, and a caller that stops early would otherwise leak one.
     */
    @Override
    public Iterator<Digest> list() throws IOException {
        List<Path> shards = new ArrayList<>();
        for (Path algorithm : entries(layout.blobsDir())) {
            if (!Files.isDirectory(algorithm)) continue;
            for (Path shard : entries(algorithm)) {
                if (Files.isDirectory(shard)) shards.add(shard);
            }
        }
        return shards.stream()
                .flatMap(shard -> {
                    try {
                        return entries(shard).stream();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                })
                .flatMap(file -> layout.digestOf(file).stream())
                .iterator();
    }

    @Override
    public void createUpload(String uploadId) throws IOException {
        Path dir = layout.uploadDir(uploadId);
        PrivateFiles.createDirectory(dir); // FileAlreadyExistsException when the id is not new
        try {
            PrivateFiles.createFile(layout.uploadData(uploadId)); // 0600: it becomes the blob file
        } catch (IOException e) {
            Files.deleteIfExists(dir);
            throw e;
        }
    }

    @Override
    public long append(String uploadId, long expectedOffset, InputStream data) throws IOException {
        Path file = layout.uploadData(uploadId);
        try (UploadLocks.Held held = locks.lock(uploadId);
                FileChannel channel = openUpload(uploadId, file)) {
            long size = channel.size();
            if (size != expectedOffset) throw new UploadOffsetException(uploadId, expectedOffset, size);
            try {
                return size + copy(data, channel.position(size), file, reserve);
            } catch (IOException | RuntimeException e) {
                // All or nothing: a broken client stream leaves the staging area exactly as it was.
                channel.truncate(size);
                throw e;
            }
        }
    }

    @Override
    public OptionalLong uploadSize(String uploadId) throws IOException {
        try {
            return OptionalLong.of(Files.size(layout.uploadData(uploadId)));
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        }
    }

    @Override
    public InputStream openUpload(String uploadId) throws IOException {
        try {
            return Files.newInputStream(layout.uploadData(uploadId));
        } catch (NoSuchFileException e) {
            throw new UploadNotFoundException("upload " + uploadId);
        }
    }

    @Override
    public void publish(String uploadId, Digest digest) throws IOException {
        publish(uploadId, digest, -1);
    }

    /** The size is checked under the upload lock, so no append can slip in between. */
    @Override
    public void publish(String uploadId, Digest digest, long expectedSize) throws IOException {
        Path staged = layout.uploadData(uploadId);
        Path target = layout.blob(digest);
        // Holding the upload lock means no append is still growing the file we are about to publish.
        try (UploadLocks.Held held = locks.lock(uploadId)) {
            try (FileChannel channel = openUpload(uploadId, staged)) {
                long size = channel.size();
                if (expectedSize >= 0 && size != expectedSize) {
                    throw new UploadOffsetException(uploadId, expectedSize, size);
                }
                channel.force(true); // the bytes must be durable before the name makes them visible
            }
            if (!Files.exists(target)) {
                PrivateFiles.createDirectories(target.getParent());
                try {
                    // rename(2): readers see the whole file or nothing. A concurrent publish of the same
                    // digest either loses (replaced by identical bytes) or makes the move fail here.
                    Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException e) {
                    // Another upload published the same content first; keep that copy.
                }
                fsyncDirectory(target.getParent());
            }
            removeUploadDir(uploadId);
        }
    }

    /**
     * Makes the blob a second name (hard link) of the verified file: no byte is copied, and whoever still reads
     * the file by its own name is unaffected. Where a link cannot be made (the file is on another file system),
     * the bytes are copied into {@code tmp/} and renamed into place.
     */
    @Override
    public void publishFile(Path file, Digest digest) throws IOException {
        try (FileChannel channel = FileChannel.open(file, READ)) {
            channel.force(true); // durable before the name makes it visible, as in publish
        }
        Path target = layout.blob(digest);
        if (Files.exists(target)) return; // content addressing: the published copy has these bytes
        PrivateFiles.createDirectories(target.getParent());
        try {
            PrivateFiles.makePrivate(file); // the blob's mode, before it is one
            Files.createLink(target, file);
        } catch (FileAlreadyExistsException e) {
            return; // published meanwhile by another upload
        } catch (IOException | UnsupportedOperationException e) {
            copyIntoPlace(file, target);
        }
        fsyncDirectory(target.getParent());
    }

    private void copyIntoPlace(Path file, Path target) throws IOException {
        Path temp = layout.newTempFile("blob");
        PrivateFiles.createFile(temp);
        try (FileChannel in = FileChannel.open(file, READ); FileChannel out = FileChannel.open(temp, WRITE)) {
            long size = in.size();
            for (long done = 0; done < size; ) done += in.transferTo(done, size - done, out);
            out.force(true);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public void abortUpload(String uploadId) throws IOException {
        // No upload lock: an abort (e.g. expiry) must not wait for a slow client's append; an append still
        // running keeps writing to the unlinked file and its bytes vanish with it.
        removeUploadDir(uploadId);
    }

    /**
     * Reads the uploads directory in one go: its size is bounded by pushes in flight, and returning an eager
     * list closes the directory handle before the caller starts iterating.
     */
    @Override
    public Iterator<String> uploadsOlderThan(Instant cutoff) throws IOException {
        List<String> old = new ArrayList<>();
        for (Path dir : entries(layout.uploadsDir())) {
            String id = dir.getFileName().toString();
            if (!UploadIds.isValid(id)) continue; // not created by this store
            Optional<Instant> lastWrite = lastModified(layout.uploadData(id));
            if (lastWrite.isEmpty()) lastWrite = lastModified(dir); // crashed between mkdir and create
            if (lastWrite.isPresent() && lastWrite.get().isBefore(cutoff)) old.add(id);
        }
        return old.iterator();
    }

    @Override
    public void probe() throws IOException {
        Path file = layout.newTempFile("probe");
        byte[] expected = new byte[64];
        ThreadLocalRandom.current().nextBytes(expected);
        try {
            PrivateFiles.createFile(file);
            Files.write(file, expected, WRITE);
            if (!Arrays.equals(expected, Files.readAllBytes(file))) {
                throw new IOException("probe file " + file + " read back different bytes");
            }
            Files.delete(file);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw new IOException("blob storage at " + layout.root() + " is not usable: " + e, e);
        }
    }

    @Override
    public String kind() {
        return "filesystem";
    }

    private static FileChannel openUpload(String uploadId, Path file) throws IOException {
        try {
            return FileChannel.open(file, WRITE);
        } catch (NoSuchFileException e) {
            throw new UploadNotFoundException("upload " + uploadId);
        }
    }

    /**
     * Copies with a full buffer per write, so each write is one large syscall whatever the stream's reads. Every
     * {@link #WRITE_BEHIND} bytes it asks the disk, from another thread, to start writing what it has so far: the
     * fsync that publishing needs then finds little left to write, instead of the whole blob at once while the
     * client waits (JFR, skopeo pushing 128 MiB layers: 55–100 ms of fsync per push on the request thread before,
     * 10–90 ms after, the rest done by the write-behind thread while bytes were still arriving).
     */
    private static long copy(InputStream in, FileChannel out, Path file, DiskReserve reserve) throws IOException {
        byte[] buffer = new byte[BUFFER_SIZE];
        ByteBuffer wrapped = ByteBuffer.wrap(buffer);
        long total = 0;
        long unflushed = 0;
        DiskReserve.Write room = reserve.write();
        java.util.concurrent.Future<?> flushing = null;
        int n;
        while ((n = in.readNBytes(buffer, 0, buffer.length)) > 0) {
            room.before(n);
            wrapped.clear().limit(n);
            while (wrapped.hasRemaining()) out.write(wrapped);
            total += n;
            unflushed += n;
            if (unflushed >= WRITE_BEHIND && (flushing == null || flushing.isDone())) {
                flushing = WRITE_BEHIND_THREAD.submit(() -> writeBehind(file));
                unflushed = 0;
            }
        }
        return total;
    }

    /** One thread for all uploads: the disk is what it waits for, and more threads would only queue there. */
    private static final java.util.concurrent.ExecutorService WRITE_BEHIND_THREAD =
            java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "wharf-write-behind");
                t.setDaemon(true);
                return t;
            });
    private static final long WRITE_BEHIND = 16L * 1024 * 1024;

    /** fdatasync through a descriptor of its own, so the appending channel never waits for it (best effort). */
    private static void writeBehind(Path file) {
        try (FileChannel channel = FileChannel.open(file, WRITE)) {
            channel.force(false);
        } catch (IOException | RuntimeException e) {
            // The upload was published, aborted or removed meanwhile; publishing makes its own fsync anyway.
        }
    }

    private void removeUploadDir(String uploadId) throws IOException {
        Path dir = layout.uploadDir(uploadId);
        for (Path file : entries(dir)) Files.deleteIfExists(file);
        Files.deleteIfExists(dir);
    }

    /** Directory entries, read eagerly so the handle is closed on return; empty when the directory is gone. */
    private static List<Path> entries(Path dir) throws IOException {
        List<Path> result = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(result::add);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        return result;
    }

    private static Optional<Instant> lastModified(Path file) throws IOException {
        try {
            return Optional.of(Files.getLastModifiedTime(file).toInstant());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Makes the new directory entry durable; best effort because not every platform can open a directory. */
    private static void fsyncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, READ)) {
            channel.force(true);
        } catch (IOException e) {
            // The rename has happened either way; only its durability across a power cut is weaker.
        }
    }
}
