package io.glint.data.exec;

import io.glint.data.block.Blocks;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.VectorSchemaRoot;

/** The one-row block a write step returns: the file's path, its rows and bytes. */
final class WriteResults {
  private WriteResults() {}

  static VectorSchemaRoot of(String path, long rows, long bytes) {
    return Blocks.fromRows(List.of(Map.of("path", path, "num_rows", rows, "size_bytes", bytes)));
  }
}
