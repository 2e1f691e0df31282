package dev.wharf.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Every setting Wharf understands, in one place. Each key has a YAML path (nested maps in wharf.yaml), an
 * environment variable (WHARF_ + path upper-cased, dots as underscores) and a CLI flag (--path with dots and
 * underscores as dashes). docs/configuration.md documents the same list; a test keeps the two in step.
 */
public enum ConfigKey {
    ADDR("addr", "0.0.0.0:5000", "host:port the HTTP server listens on"),
    HTTP_TRUST_FORWARDED_FOR("http.trust_forwarded_for", "false",
            "take the client IP from X-Forwarded-For (only behind a proxy that sets it)"),
    HTTP_SENDFILE("http.sendfile", "false",
            "send blob bodies with sendfile(2) instead of a 32 KiB copy (less server CPU for clients across a NIC)"),
    DATA_DIR("data_dir", "./data", "directory for the SQLite database, blobs and keys"),
    DB_URL("db.url", "", "JDBC URL; empty = SQLite file <data_dir>/wharf.db; jdbc:postgresql://... for PostgreSQL"),
    DB_USER("db.user", "", "database user (PostgreSQL)"),
    DB_PASSWORD("db.password", "", "database password (PostgreSQL); never logged"),
    DB_SCHEMA("db.schema", "", "PostgreSQL schema to use (created if missing); empty = the user's default"),
    DB_POOL_SIZE("db.pool_size", "16", "maximum database connections"),
    DB_POOL_TIMEOUT("db.pool_timeout", "30s", "how long a request waits for a database connection before a 503"),
    STORAGE_DRIVER("storage.driver", "filesystem", "blob storage: filesystem or s3"),
    STORAGE_FILESYSTEM_ROOT("storage.filesystem.root", "", "blob directory; empty = <data_dir>/storage"),
    STORAGE_S3_ENDPOINT("storage.s3.endpoint", "", "S3 endpoint URL; empty = AWS S3 for the region"),
    STORAGE_S3_REGION("storage.s3.region", "us-east-1", "S3 region (also signs requests to other endpoints)"),
    STORAGE_S3_BUCKET("storage.s3.bucket", "", "S3 bucket; required when storage.driver is s3"),
    STORAGE_S3_PREFIX("storage.s3.prefix", "", "key prefix inside the bucket; empty = the bucket's root"),
    STORAGE_S3_PATH_STYLE("storage.s3.path_style", "false", "path-style URLs (endpoint/bucket/key), for MinIO and the like"),
    STORAGE_S3_ACCESS_KEY("storage.s3.access_key", "", "S3 access key id; empty = the AWS SDK's default credential chain"),
    STORAGE_S3_SECRET_KEY("storage.s3.secret_key", "", "S3 secret access key; never logged"),
    STORAGE_S3_REDIRECT("storage.s3.redirect", "false",
            "answer blob GETs with a 307 redirect to a presigned S3 URL instead of streaming the bytes"),
    STORAGE_S3_REDIRECT_EXPIRY("storage.s3.redirect_expiry", "20m", "how long a presigned blob URL stays valid (at most 7d)"),
    STORAGE_RESERVE_BYTES("storage.reserve_bytes", "268435456",
            "free space blob writes leave on their file system, so that the database can still sign in, delete and GC"),
    UPLOADS_EXPIRE_AFTER("uploads.expire_after", "24h", "idle upload sessions older than this are removed"),
    SECRET_KEY("secret_key", "", "base64 256-bit key encrypting stored secrets; empty = <data_dir>/secret.key"),
    ADMIN_USER("admin.user", "admin", "name of the admin created at first start when no user exists"),
    ADMIN_PASSWORD("admin.password", "", "its password; empty = generate one and print it once to the log"),
    AUTH_ENABLED("auth.enabled", "true",
            "require registry tokens on /v2/; false = an open registry for trusted networks and benchmarks"),
    AUTH_SERVICE("auth.service", "wharf", "service name in registry tokens (the token's audience)"),
    AUTH_REALM("auth.realm", "", "token endpoint URL announced to clients; empty = <request scheme and host>/token"),
    AUTH_TOKEN_TTL("auth.token_ttl", "5m", "lifetime of registry bearer tokens"),
    REPOSITORIES_DEFAULT_PRIVATE("repositories.default_private", "true",
            "whether a repository created by a push is private"),
    AUDIT_RETENTION("audit.retention", "365d", "audit events older than this are deleted"),
    RATELIMIT_ENABLED("ratelimit.enabled", "true", "limit Hub API (/v2/users, /v2/access-tokens, ...) requests per minute"),
    RATELIMIT_PULLS_ANONYMOUS("ratelimit.pulls_anonymous", "0",
            "registry manifest GETs per window per client IP without credentials; 0 = unlimited"),
    RATELIMIT_PULLS_AUTHENTICATED("ratelimit.pulls_authenticated", "0",
            "registry manifest GETs per window per account; 0 = unlimited"),
    RATELIMIT_PULLS_WINDOW("ratelimit.pulls_window", "6h", "the window of the pull limits"),
    REDIS_URL("redis.url", "", "redis://host:port: keep rate-limit buckets, failed sign-in counts and mirror upstream outages in Redis, shared by all nodes"),
    REDIS_TIMEOUT("redis.timeout", "1s",
            "the longest a request waits on Redis for a connection, and again for an answer, before counting locally"),
    RATELIMIT_HUB_PER_MINUTE("ratelimit.hub_per_minute", "600", "Hub API requests per minute per signed-in account"),
    RATELIMIT_HUB_ANONYMOUS_PER_MINUTE("ratelimit.hub_anonymous_per_minute", "180",
            "Hub API requests per minute per client IP without credentials"),
    SOURCES_DOCKER_HUB_URL("sources.docker_hub_url", "https://registry-1.docker.io",
            "registry that image sources with a docker-hub origin import from (Docker Hub, or a mirror)"),
    SOURCES_UPLOAD_MAX_BYTES("sources.upload_max_bytes", "10737418240",
            "largest image tarball accepted by POST /v1/images/{id}/upload, in bytes"),
    SOURCES_BUILD_TIMEOUT("sources.build_timeout", "1h",
            "longest a docker-file image build may take (context fetch, buildah bud, export); then it is stopped"),
    SOURCES_BUILD_GIT_PROTOCOLS("sources.build_git_protocols", "https,http,ssh,git",
            "Git transports a docker-file source's repository URL may use (add file only for tests: it reads the server's disk)"),
    JOBS_WORKERS("jobs.workers", "2", "background jobs (imports, builds, retention) this node runs at once"),
    JOBS_LEASE("jobs.lease", "30s",
            "how long a dead node's running job stays claimed before another node takes it over (6s to 1h)"),
    GC_ENABLED("gc.enabled", "true", "run online garbage collection passes on this node"),
    GC_INTERVAL("gc.interval", "10m", "pause between two garbage collection passes of this node"),
    GC_UNTAGGED_GRACE("gc.untagged_grace", "24h",
            "untagged manifests neither pushed nor pulled for this long are deleted"),
    GC_BLOB_GRACE("gc.blob_grace", "24h",
            "blobs no manifest references are deleted this long after their last upload, mount or use"),
    WEBHOOKS_DELIVER("webhooks.deliver", "true", "run webhook delivery workers on this node"),
    WEBHOOKS_WORKERS("webhooks.workers", "2", "concurrent webhook deliveries on this node"),
    WEBHOOKS_TIMEOUT("webhooks.timeout", "10s", "how long a webhook receiver may take to answer before the attempt fails"),
    WEBHOOKS_RETRY_INITIAL("webhooks.retry_initial", "10s", "wait before the second attempt of a failed delivery; doubles each time"),
    WEBHOOKS_RETRY_MAX("webhooks.retry_max", "1h", "longest wait between two attempts of a delivery"),
    WEBHOOKS_RETRY_FOR("webhooks.retry_for", "24h", "a delivery not accepted this long after its event is given up"),
    WEBHOOKS_PUBLIC_URL("webhooks.public_url", "",
            "this server's external URL for callback_url and repo_url in payloads; empty = http://<host name>:<port>"),
    OUTBOUND_ALLOW("outbound.allow", "",
            "address blocks outbound connections may reach even though outbound.deny lists them (comma-separated CIDRs)"),
    OUTBOUND_DENY("outbound.deny",
            "127.0.0.0/8,::1/128,0.0.0.0/8,::/128,169.254.0.0/16,fe80::/10,fd00:ec2::254/128,100.100.100.200/32",
            "address blocks outbound connections (imports, build contexts, git) may not reach: loopback, link-local"
                    + " and cloud metadata by default"),
    OUTBOUND_CA_FILE("outbound.ca_file", "",
            "PEM file of CA certificates trusted for outbound HTTPS besides the system's (an upstream or webhook"
                    + " receiver with a private CA); empty = the system's only"),
    SOURCES_BUILD_ENABLED("sources.build_enabled", "true",
            "run docker-file image builds at all; even when set, builds stay off if the sandbox self-check fails at start"),
    SOURCES_BUILD_SANDBOX_UID("sources.build_sandbox_uid", "1000000000",
            "first host uid (and gid) of the 65536 ids a build's sandbox maps its users onto; must belong to no one else"),
    SOURCES_BUILD_MEMORY_BYTES("sources.build_memory_bytes", "4294967296",
            "memory one build may use (cgroup, where writable) and data segment of each of its processes (rlimit)"),
    SOURCES_BUILD_CPUS("sources.build_cpus", "1",
            "CPUs one build may keep busy (cgroup, where writable); times sources.build_timeout, each process's CPU seconds"),
    SOURCES_BUILD_MAX_PROCESSES("sources.build_max_processes", "512",
            "processes one build may run at once (cgroup, where writable, and RLIMIT_NPROC of the sandbox's uid)"),
    SOURCES_BUILD_DISK_BYTES("sources.build_disk_bytes", "10737418240",
            "largest a build's directory may grow: unpacked context, image storage and export; past it the build fails"),
    TLS_CERT_FILE("tls.cert_file", "",
            "PEM certificate chain (server certificate first); with tls.key_file, addr serves HTTPS (HTTP/2 and HTTP/1.1)"),
    TLS_KEY_FILE("tls.key_file", "", "PEM private key of the certificate (RSA or EC; PKCS#1, SEC1 or PKCS#8, unencrypted)"),
    TLS_SELF_SIGNED("tls.self_signed", "false",
            "serve HTTPS with a certificate of a small CA made once in <data_dir>/tls (for trying out)"),
    TLS_HOSTS("tls.hosts", "",
            "names and IP addresses the self-signed certificate covers; empty = localhost, 127.0.0.1, ::1 and the host name"),
    TLS_HTTP_ADDR("tls.http_addr", "",
            "host:port of a plain-HTTP listener for /healthz, /readyz and /metrics only (load balancer checks); empty = none"),
    TLS_RELOAD_INTERVAL("tls.reload_interval", "10s",
            "how often the certificate and key files are checked for changes; a valid new pair is served without restart"),
    MIRRORS_UPSTREAMS("mirrors.upstreams", "",
            "pull-through mirrors to define at start, comma-separated name=URL (hub=https://registry-1.docker.io)"),
    MIRRORS_CREDENTIALS("mirrors.credentials", "",
            "upstream credentials of those mirrors, comma-separated name=user:token; sealed in the database, never logged"),
    MIRRORS_HUB("mirrors.hub", "",
            "the mirror that answers Docker daemons' registry-mirrors requests (names without a prefix); empty = none"),
    MIRRORS_REVALIDATE_AFTER("mirrors.revalidate_after", "10m",
            "a mirrored tag is served from the cache this long, then checked upstream with a manifest HEAD"),
    MIRRORS_ANONYMOUS_PULLS("mirrors.anonymous_pulls", "true",
            "whether the mirrors defined here may be pulled without credentials"),
    MIRRORS_UPSTREAM_TIMEOUT("mirrors.upstream_timeout", "15s",
            "how long a manifest request to an upstream may take before the cached copy is served (stale)"),
    MIRRORS_PREFETCH("mirrors.prefetch", "true",
            "a manifest GET that misses also downloads the image's config and layers, one after another, for the client"),
    MIRRORS_EVICT_UNUSED_AFTER("mirrors.evict_unused_after", "0",
            "mirrored tags and manifests not pulled for this long (e.g. 30d) are dropped for GC to collect; 0 = never"),
    MIRRORS_EVICTIONS("mirrors.evictions", "",
            "per mirror of mirrors.upstreams, comma-separated name=duration (ghcr=7d, hub=0 for never): its own"
                    + " mirrors.evict_unused_after"),
    LOG_ACCESS("log.access", "true", "write one access-log line per request"),
    LOG_LEVEL("log.level", "info", "root log level: error, warn, info, debug");

    private final String path;
    private final String defaultValue;
    private final String description;

    ConfigKey(String path, String defaultValue, String description) {
        this.path = path;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    public String path() {
        return path;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    public String envName() {
        return "WHARF_" + path.replace('.', '_').toUpperCase(Locale.ROOT);
    }

    public String flag() {
        return "--" + path.replace('.', '-').replace('_', '-');
    }

    public static Optional<ConfigKey> byPath(String path) {
        return Arrays.stream(values()).filter(k -> k.path.equals(path)).findFirst();
    }

    public static Optional<ConfigKey> byEnv(String env) {
        return Arrays.stream(values()).filter(k -> k.envName().equals(env)).findFirst();
    }

    public static Optional<ConfigKey> byFlag(String flag) {
        return Arrays.stream(values()).filter(k -> k.flag().equals(flag)).findFirst();
    }
}
