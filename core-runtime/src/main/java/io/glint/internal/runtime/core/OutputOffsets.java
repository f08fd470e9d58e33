package io.glint.internal.runtime.core;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How many bytes this worker wrote to its stdout and stderr so far. Its node writes them to the
 * worker's log files byte for byte, so the counts at a task's start and end are where the task's
 * output lies in those files (Ray's task log offsets): what the dashboard's "logs of a task" reads.
 */
public final class OutputOffsets {
  private static final AtomicLong STDOUT = new AtomicLong();
  private static final AtomicLong STDERR = new AtomicLong();

  private OutputOffsets() {}

  /** Installs counting {@code System.out} and {@code System.err} (UTF-8, autoflush). */
  public static void install() {
    System.setOut(stream(FileDescriptor.out, STDOUT));
    System.setErr(stream(FileDescriptor.err, STDERR));
  }

  static long stdout() {
    return STDOUT.get();
  }

  static long stderr() {
    return STDERR.get();
  }

  private static PrintStream stream(FileDescriptor fd, AtomicLong count) {
    OutputStream counting =
        new FilterOutputStream(new FileOutputStream(fd)) {
          @Override
          public void write(int b) throws IOException {
            out.write(b);
            count.incrementAndGet();
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count.addAndGet(len);
          }
        };
    return new PrintStream(counting, true, StandardCharsets.UTF_8);
  }
}
