package io.glint.data.io;

import com.github.luben.zstd.Zstd;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.xerial.snappy.Snappy;

/**
 * Parquet page codecs without Hadoop: parquet-hadoop's default factory loads Hadoop's codec
 * classes, so this one calls the codec libraries parquet-hadoop already brings (snappy-java,
 * zstd-jni) and the JDK's gzip. Uncompressed, SNAPPY, ZSTD and GZIP; other codecs fail naming the
 * codec.
 */
public final class ParquetCodecs implements CompressionCodecFactory {
  public static final ParquetCodecs INSTANCE = new ParquetCodecs();

  private ParquetCodecs() {}

  @Override
  public BytesInputCompressor getCompressor(CompressionCodecName codec) {
    supported(codec);
    return new BytesInputCompressor() {
      @Override
      public BytesInput compress(BytesInput bytes) throws IOException {
        byte[] in = bytes.toByteArray();
        byte[] out =
            switch (codec) {
              case UNCOMPRESSED -> in;
              case SNAPPY -> Snappy.compress(in);
              case ZSTD -> Zstd.compress(in, 3);
              case GZIP -> gzip(in);
              default -> throw new IllegalStateException();
            };
        return BytesInput.from(out);
      }

      @Override
      public CompressionCodecName getCodecName() {
        return codec;
      }

      @Override
      public void release() {}
    };
  }

  @Override
  public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
    supported(codec);
    return new BytesInputDecompressor() {
      @Override
      public BytesInput decompress(BytesInput bytes, int size) throws IOException {
        if (codec == CompressionCodecName.UNCOMPRESSED) {
          return bytes;
        }
        byte[] in = bytes.toByteArray();
        byte[] out =
            switch (codec) {
              case SNAPPY -> Snappy.uncompress(in);
              case ZSTD -> Zstd.decompress(in, size);
              case GZIP -> gunzip(in);
              default -> throw new IllegalStateException();
            };
        if (out.length != size) {
          throw new IOException(
              codec + " page decompressed to " + out.length + " bytes, expected " + size);
        }
        return BytesInput.from(out);
      }

      @Override
      public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int size)
          throws IOException {
        byte[] in = new byte[compressedSize];
        input.duplicate().get(in);
        byte[] out = decompress(BytesInput.from(in), size).toByteArray();
        output.put(out);
      }

      @Override
      public void release() {}
    };
  }

  @Override
  public void release() {}

  private static void supported(CompressionCodecName codec) {
    switch (codec) {
      case UNCOMPRESSED, SNAPPY, ZSTD, GZIP -> {}
      default ->
          throw new UnsupportedOperationException(
              "Parquet codec " + codec + " is not supported (use SNAPPY, ZSTD, GZIP or none)");
    }
  }

  private static byte[] gzip(byte[] in) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(in.length / 2 + 64);
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static byte[] gunzip(byte[] in) throws IOException {
    try (InputStream z = new GZIPInputStream(new java.io.ByteArrayInputStream(in))) {
      return z.readAllBytes();
    }
  }
}
