package io.glint.data.io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * A Parquet input file on S3 read with ranged GETs: the footer and then only the column chunks a
 * read needs, never the whole object. Reads ahead in 4 MiB windows.
 */
final class S3InputFile implements InputFile {
  private static final int WINDOW = 4 << 20;
  private final S3Client s3;
  private final String bucket;
  private final String key;
  private final long length;

  S3InputFile(S3Client s3, String bucket, String key, long length) {
    this.s3 = s3;
    this.bucket = bucket;
    this.key = key;
    this.length = length;
  }

  @Override
  public long getLength() {
    return length;
  }

  @Override
  public SeekableInputStream newStream() {
    return new Stream();
  }

  @Override
  public String toString() {
    return "s3://" + bucket + "/" + key;
  }

  private final class Stream extends SeekableInputStream {
    private long pos;
    private long bufStart = -1;
    private byte[] buf = new byte[0];

    @Override
    public long getPos() {
      return pos;
    }

    @Override
    public void seek(long newPos) {
      pos = newPos;
    }

    private boolean fill(int wanted) throws IOException {
      if (pos >= length) {
        return false;
      }
      if (bufStart >= 0 && pos >= bufStart && pos < bufStart + buf.length) {
        return true;
      }
      long end = Math.min(length, pos + Math.max(wanted, WINDOW)) - 1;
      try {
        ResponseBytes<GetObjectResponse> bytes =
            s3.getObjectAsBytes(
                GetObjectRequest.builder()
                    .bucket(bucket)
                    .key(key)
                    .range("bytes=" + pos + "-" + end)
                    .build());
        buf = bytes.asByteArrayUnsafe();
        bufStart = pos;
        return buf.length > 0;
      } catch (RuntimeException e) {
        throw new IOException("cannot read " + S3InputFile.this + " at " + pos + ": " + e, e);
      }
    }

    @Override
    public int read() throws IOException {
      if (!fill(1)) {
        return -1;
      }
      return buf[(int) (pos++ - bufStart)] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (!fill(len)) {
        return -1;
      }
      int n = (int) Math.min(len, bufStart + buf.length - pos);
      System.arraycopy(buf, (int) (pos - bufStart), b, off, n);
      pos += n;
      return n;
    }

    @Override
    public void readFully(byte[] bytes) throws IOException {
      readFully(bytes, 0, bytes.length);
    }

    @Override
    public void readFully(byte[] bytes, int start, int len) throws IOException {
      int done = 0;
      while (done < len) {
        int n = read(bytes, start + done, len - done);
        if (n < 0) {
          throw new EOFException(S3InputFile.this + ": " + (len - done) + " bytes short at " + pos);
        }
        done += n;
      }
    }

    @Override
    public int read(ByteBuffer out) throws IOException {
      int len = out.remaining();
      byte[] tmp = new byte[len];
      int n = read(tmp, 0, len);
      if (n > 0) {
        out.put(tmp, 0, n);
      }
      return n;
    }

    @Override
    public void readFully(ByteBuffer out) throws IOException {
      byte[] tmp = new byte[out.remaining()];
      readFully(tmp);
      out.put(tmp);
    }
  }
}
