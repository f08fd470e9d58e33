package io.glint.data.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.LocalInputFile;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Files of a dataset on the local file system or on S3 ({@code s3://bucket/key}): listing paths,
 * directories and globs, reading and writing. Local paths are made absolute where the dataset is
 * planned, so workers with another working directory read the same files.
 */
public final class Storage {
  private Storage() {}

  /** A file to read: its absolute path or {@code s3://} URI and its size. */
  public record FileRef(String path, long size) implements Serializable {}

  /**
   * The files {@code paths} name: a file, a directory (every file under it whose name does not
   * start with '.' or '_', recursively) or a glob in the last path elements ({@code
   * data/*.parquet}); sorted by path. Fails naming a path that matches nothing.
   */
  public static List<FileRef> list(List<String> paths, S3Settings s3) {
    List<FileRef> out = new ArrayList<>();
    for (String p : paths) {
      List<FileRef> found = p.startsWith("s3://") ? listS3(p, s3) : listLocal(p);
      if (found.isEmpty()) {
        throw new IllegalArgumentException("no files at " + p);
      }
      out.addAll(found);
    }
    return out;
  }

  private static boolean isGlob(String s) {
    return s.contains("*") || s.contains("?") || s.contains("[") || s.contains("{");
  }

  private static boolean visible(String name) {
    return !name.startsWith(".") && !name.startsWith("_");
  }

  private static List<FileRef> listLocal(String pattern) {
    Path path = Path.of(pattern).toAbsolutePath().normalize();
    try {
      if (!isGlob(pattern)) {
        if (Files.isRegularFile(path)) {
          return List.of(new FileRef(path.toString(), Files.size(path)));
        }
        if (!Files.isDirectory(path)) {
          throw new IllegalArgumentException("no such file or directory: " + path);
        }
        return walk(path, null);
      }
      // The glob's fixed prefix is the directory to walk.
      Path base = path.getRoot();
      for (Path part : path) {
        if (isGlob(part.toString())) {
          break;
        }
        base = base.resolve(part);
      }
      if (!Files.isDirectory(base)) {
        return List.of();
      }
      return walk(base, FileSystems.getDefault().getPathMatcher("glob:" + path));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + pattern, e);
    }
  }

  private static List<FileRef> walk(Path base, PathMatcher matcher) throws IOException {
    List<FileRef> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(base)) {
      for (Path f : s.sorted().toList()) {
        if (Files.isRegularFile(f)
            && visible(f.getFileName().toString())
            && (matcher == null || matcher.matches(f))) {
          out.add(new FileRef(f.toString(), Files.size(f)));
        }
      }
    }
    return out;
  }

  /** Bucket and key of an {@code s3://} URI. */
  static String[] bucketKey(String uri) {
    String rest = uri.substring("s3://".length());
    int slash = rest.indexOf('/');
    if (slash <= 0) {
      return new String[] {rest, ""};
    }
    return new String[] {rest.substring(0, slash), rest.substring(slash + 1)};
  }

  private static List<FileRef> listS3(String uri, S3Settings settings) {
    String[] bk = bucketKey(uri);
    String key = bk[1];
    boolean glob = isGlob(key);
    String prefix = key;
    if (glob) {
      int first = firstGlobChar(key);
      prefix = key.substring(0, key.lastIndexOf('/', first) + 1);
    }
    PathMatcher matcher = glob ? FileSystems.getDefault().getPathMatcher("glob:/" + key) : null;
    List<FileRef> out = new ArrayList<>();
    try (S3Client s3 = settings.client()) {
      var pages =
          s3.listObjectsV2Paginator(
              ListObjectsV2Request.builder().bucket(bk[0]).prefix(prefix).build());
      for (S3Object o : pages.contents()) {
        String k = o.key();
        String name = k.substring(k.lastIndexOf('/') + 1);
        boolean match =
            glob
                ? matcher.matches(Path.of("/" + k))
                : k.equals(key)
                    || key.isEmpty()
                    || k.startsWith(key.endsWith("/") ? key : key + "/");
        if (match && visible(name) && !k.endsWith("/")) {
          out.add(new FileRef("s3://" + bk[0] + "/" + k, o.size()));
        }
      }
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("cannot list " + uri + ": " + e.getMessage(), e);
    }
    out.sort(java.util.Comparator.comparing(FileRef::path));
    return out;
  }

  private static int firstGlobChar(String s) {
    for (int i = 0; i < s.length(); i++) {
      if ("*?[{".indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return s.length();
  }

  /** A handle on an open file; closing releases its S3 client. */
  public interface Opened<T> extends AutoCloseable {
    T get();

    @Override
    void close();
  }

  /** The file as a Parquet input file. */
  public static Opened<InputFile> parquetInput(FileRef f, S3Settings settings) {
    if (!f.path().startsWith("s3://")) {
      return opened(new NamedLocalFile(Path.of(f.path())), null);
    }
    String[] bk = bucketKey(f.path());
    S3Client s3 = settings.client();
    return opened(new S3InputFile(s3, bk[0], bk[1], f.size()), s3);
  }

  /** A local Parquet file whose name errors show. */
  static final class NamedLocalFile implements InputFile {
    private final Path path;
    private final LocalInputFile in;

    NamedLocalFile(Path path) {
      this.path = path;
      this.in = new LocalInputFile(path);
    }

    @Override
    public long getLength() throws IOException {
      return in.getLength();
    }

    @Override
    public org.apache.parquet.io.SeekableInputStream newStream() throws IOException {
      return in.newStream();
    }

    @Override
    public String toString() {
      return path.toString();
    }
  }

  private static <T> Opened<T> opened(T value, AutoCloseable onClose) {
    return new Opened<>() {
      @Override
      public T get() {
        return value;
      }

      @Override
      public void close() {
        if (onClose != null) {
          try {
            onClose.close();
          } catch (Exception e) {
            // the client's connections are closed either way
          }
        }
      }
    };
  }

  /** The file's bytes as a stream (S3: one GET, streamed). */
  public static InputStream open(FileRef f, S3Settings settings) throws IOException {
    if (!f.path().startsWith("s3://")) {
      return Files.newInputStream(Path.of(f.path()));
    }
    String[] bk = bucketKey(f.path());
    S3Client s3 = settings.client();
    var in = s3.getObject(GetObjectRequest.builder().bucket(bk[0]).key(bk[1]).build());
    return new java.io.FilterInputStream(in) {
      @Override
      public void close() throws IOException {
        super.close();
        s3.close();
      }
    };
  }

  /** Resolves an output directory: local ones made absolute (and created), S3 ones as given. */
  public static String outputDir(String dir) {
    if (dir.startsWith("s3://")) {
      return dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir;
    }
    Path p = Path.of(dir).toAbsolutePath().normalize();
    try {
      Files.createDirectories(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create output directory " + p, e);
    }
    return p.toString();
  }

  /**
   * Writes a file into {@code dir} through a local file {@code writer} fills: in place for a local
   * directory, uploaded (then deleted locally) for S3. Returns the file's path.
   */
  public static String write(String dir, String name, S3Settings settings, LocalWriter writer)
      throws IOException {
    if (!dir.startsWith("s3://")) {
      Path target = Path.of(dir, name);
      Path tmp = Path.of(dir, "." + name + ".tmp");
      writer.write(tmp);
      Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return target.toString();
    }
    Path tmp = Files.createTempFile("glint-data-", "-" + name);
    try {
      writer.write(tmp);
      String[] bk = bucketKey(dir + "/" + name);
      try (S3Client s3 = settings.client()) {
        s3.putObject(
            PutObjectRequest.builder().bucket(bk[0]).key(bk[1]).build(), RequestBody.fromFile(tmp));
      }
      return dir + "/" + name;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Fills a local file. */
  @FunctionalInterface
  public interface LocalWriter {
    void write(Path file) throws IOException;
  }
}
