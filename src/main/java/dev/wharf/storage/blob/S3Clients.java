package dev.wharf.storage.blob;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The AWS SDK clients of an {@link S3BlobStore}, built from its {@link S3BlobStore.Settings}: the same endpoint,
 * region, credentials and addressing style for requests and presigned URLs, and the bucket's description that
 * errors name (never a secret).
 */
final class S3Clients {
    private S3Clients() {
    }

    private static AwsCredentialsProvider credentials(S3BlobStore.Settings s) {
        return s.accessKey().isBlank()
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(s.accessKey(), s.secretKey()));
    }

    /** Same endpoint, region, credentials and addressing style as the client, so the URLs name the same objects. */
    static S3Presigner presigner(S3BlobStore.Settings s) {
        var builder = S3Presigner.builder()
                .region(Region.of(s.region()))
                .credentialsProvider(credentials(s))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(s.pathStyle()).build());
        if (!s.endpoint().isBlank()) builder.endpointOverride(URI.create(s.endpoint()));
        return builder.build();
    }

    static S3Client client(S3BlobStore.Settings s) {
        AwsCredentialsProvider credentials = credentials(s);
        var builder = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofMinutes(2)).build())
                .region(Region.of(s.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(s.pathStyle())
                // The SDK's default CRC checksum trailers are not understood by every S3-compatible service;
                // payloads are still covered by the request signature.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (!s.endpoint().isBlank()) builder.endpointOverride(URI.create(s.endpoint()));
        return builder.build();
    }

    static String describe(S3BlobStore.Settings s) {
        String prefix = s.prefix().isBlank() ? "" : " (prefix '" + s.prefix() + "')";
        String at = s.endpoint().isBlank() ? "AWS S3 region " + s.region() : s.endpoint();
        return "bucket '" + s.bucket() + "'" + prefix + " at " + at;
    }
}
