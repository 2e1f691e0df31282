package dev.wharf.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * Blob storage: the driver (filesystem or s3), the filesystem root, S3's settings, idle upload expiry, and the free
 * space that local blob writes (filesystem uploads, mirror downloads) leave to the database.
 */
public record StorageConfig(String driver, Path root, S3 s3, Duration uploadsExpireAfter, long reserveBytes) {

    /** S3 blob storage settings (used when {@code driver} is "s3"). {@code secretKey} is never logged. */
    public record S3(String endpoint, String region, String bucket, String prefix, boolean pathStyle, String accessKey,
            String secretKey, boolean redirect, Duration redirectExpiry) {
        @Override
        public String toString() {
            return "s3://" + bucket + "/" + prefix + " at " + (endpoint.isEmpty() ? "AWS " + region : endpoint)
                    + (accessKey.isEmpty() ? " (default credentials)" : " (access key " + accessKey + ")")
                    + (redirect ? " (redirects, " + redirectExpiry + ")" : "");
        }
    }

    static StorageConfig from(ConfigValues c, Path dataDir) {
        String driver = c.string(ConfigKey.STORAGE_DRIVER).toLowerCase(Locale.ROOT);
        if (!driver.equals("filesystem") && !driver.equals("s3")) {
            throw c.bad(ConfigKey.STORAGE_DRIVER, driver, "supported: filesystem, s3");
        }
        String rootText = c.string(ConfigKey.STORAGE_FILESYSTEM_ROOT);
        Path root = rootText.isEmpty() ? dataDir.resolve("storage") : Path.of(rootText).toAbsolutePath();
        return new StorageConfig(driver, root, s3(c, driver.equals("s3")), c.duration(ConfigKey.UPLOADS_EXPIRE_AFTER),
                c.longValue(ConfigKey.STORAGE_RESERVE_BYTES, 0));
    }

    /** Checked only when the s3 driver is chosen, so stray S3 settings do not stop a filesystem node. */
    private static S3 s3(ConfigValues c, boolean used) {
        String endpoint = c.string(ConfigKey.STORAGE_S3_ENDPOINT);
        String region = c.string(ConfigKey.STORAGE_S3_REGION);
        String bucket = c.string(ConfigKey.STORAGE_S3_BUCKET);
        boolean pathStyle = c.bool(ConfigKey.STORAGE_S3_PATH_STYLE);
        boolean redirect = c.bool(ConfigKey.STORAGE_S3_REDIRECT);
        Duration redirectExpiry = c.duration(ConfigKey.STORAGE_S3_REDIRECT_EXPIRY);
        if (used) {
            // SigV4 presigned URLs live at most a week; S3 rejects a longer X-Amz-Expires.
            if (redirectExpiry.compareTo(Duration.ofDays(7)) > 0 || redirectExpiry.toSeconds() < 1) {
                throw c.bad(ConfigKey.STORAGE_S3_REDIRECT_EXPIRY, c.raw(ConfigKey.STORAGE_S3_REDIRECT_EXPIRY),
                        "must be between 1s and 7d");
            }
            if (bucket.isEmpty()) throw c.bad(ConfigKey.STORAGE_S3_BUCKET, bucket, "required when storage.driver is s3");
            if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
                throw c.bad(ConfigKey.STORAGE_S3_BUCKET, bucket, "not a valid S3 bucket name");
            }
            if (!endpoint.isEmpty() && !ConfigLoader.isHttpUrl(endpoint)) {
                throw c.bad(ConfigKey.STORAGE_S3_ENDPOINT, endpoint, "expected an http:// or https:// URL");
            }
            if (region.isEmpty()) throw c.bad(ConfigKey.STORAGE_S3_REGION, region, "must not be empty");
            if (!c.raw(ConfigKey.STORAGE_S3_ACCESS_KEY).isBlank() && c.raw(ConfigKey.STORAGE_S3_SECRET_KEY).isBlank()) {
                throw new ConfigException("storage.s3.access_key is set but storage.s3.secret_key is empty");
            }
        }
        return new S3(endpoint, region, bucket, c.string(ConfigKey.STORAGE_S3_PREFIX), pathStyle,
                c.string(ConfigKey.STORAGE_S3_ACCESS_KEY), c.string(ConfigKey.STORAGE_S3_SECRET_KEY), redirect,
                redirectExpiry);
    }

    @Override
    public String toString() {
        return (driver.equals("s3") ? s3.toString() : driver + ":" + root) + ", uploadsExpireAfter=" + uploadsExpireAfter
                + ", reserveBytes=" + reserveBytes;
    }
}
