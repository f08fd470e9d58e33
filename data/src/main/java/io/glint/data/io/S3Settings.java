package io.glint.data.io;

import java.io.Serializable;
import java.net.URI;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Where S3 is: the endpoint (empty for AWS itself) and the region, resolved where a dataset is
 * planned and carried with its tasks so every worker talks to the same S3. Credentials are not
 * carried: each process takes them from the AWS SDK's default chain (environment, system
 * properties, profile, instance role).
 *
 * <p>The endpoint comes from {@code -Dglint.data.s3.endpoint}, else {@code AWS_ENDPOINT_URL_S3},
 * else {@code AWS_ENDPOINT_URL}; the region from {@code -Daws.region}, else {@code AWS_REGION},
 * else us-east-1. A custom endpoint (MinIO, moto) is addressed path-style.
 */
public record S3Settings(String endpoint, String region) implements Serializable {
  public static S3Settings fromEnvironment() {
    String endpoint =
        first(
            System.getProperty("glint.data.s3.endpoint"),
            System.getenv("AWS_ENDPOINT_URL_S3"),
            System.getenv("AWS_ENDPOINT_URL"));
    String region =
        first(System.getProperty("aws.region"), System.getenv("AWS_REGION"), "us-east-1");
    return new S3Settings(endpoint == null ? "" : endpoint, region);
  }

  private static String first(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }

  /** A client for these settings; the caller closes it. */
  public S3Client client() {
    var b =
        S3Client.builder()
            .region(Region.of(region))
            .httpClientBuilder(UrlConnectionHttpClient.builder());
    if (!endpoint.isEmpty()) {
      b.endpointOverride(URI.create(endpoint)).forcePathStyle(true);
    }
    return b.build();
  }
}
