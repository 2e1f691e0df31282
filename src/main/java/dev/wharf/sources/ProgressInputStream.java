package dev.wharf.sources;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongConsumer;

/** Reports the bytes read so far after every read, so a job can show progress inside one large blob. */
final class ProgressInputStream extends FilterInputStream {
    private final LongConsumer bytesRead;
    private long count;

    ProgressInputStream(InputStream in, LongConsumer bytesRead) {
        super(in);
        this.bytesRead = bytesRead;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) advance(1);
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n > 0) advance(n);
        return n;
    }

    private void advance(long n) {
        count += n;
        bytesRead.accept(count);
    }
}
