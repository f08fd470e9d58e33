package io.glint.data.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.data.block.Blocks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.parquet.filter2.predicate.FilterApi;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParquetBlocksTest {
  @TempDir Path dir;

  private static List<Map<String, Object>> rows(int from, int n) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (int i = from; i < from + n; i++) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("id", (long) i);
      r.put("small", (short) (i % 100));
      r.put("x", i * 0.5);
      r.put("f", (float) i);
      r.put("ok", i % 2 == 0);
      r.put("name", i % 7 == 0 ? null : "n" + i);
      r.put("raw", new byte[] {(byte) i});
      r.put("day", LocalDate.of(2026, 1, 1).plusDays(i % 300));
      r.put("at", Instant.ofEpochSecond(1_700_000_000L + i, 123_000));
      out.add(r);
    }
    return out;
  }

  @Test
  void everyTypeRoundTripsThroughParquetWithoutHadoop() throws Exception {
    Path file = dir.resolve("a.parquet");
    for (CompressionCodecName codec :
        List.of(
            CompressionCodecName.SNAPPY,
            CompressionCodecName.ZSTD,
            CompressionCodecName.GZIP,
            CompressionCodecName.UNCOMPRESSED)) {
      try (VectorSchemaRoot in = Blocks.fromRows(rows(0, 1000));
          var w = ParquetBlocks.writer(new LocalOutputFile(file), in.getSchema(), codec)) {
        w.write(in);
      }
      try (VectorSchemaRoot out = ParquetBlocks.read(new LocalInputFile(file), 0, 1, null, null)) {
        assertThat(out.getRowCount()).isEqualTo(1000);
        List<Map<String, Object>> back = Blocks.rows(out);
        List<Map<String, Object>> expected = rows(0, 1000);
        for (int i = 0; i < 1000; i += 37) {
          Map<String, Object> e = expected.get(i);
          Map<String, Object> a = back.get(i);
          assertThat(a.keySet()).containsExactlyElementsOf(e.keySet());
          for (String k : e.keySet()) {
            if (e.get(k) instanceof byte[] b) {
              assertThat((byte[]) a.get(k)).as(codec + " " + k).isEqualTo(b);
            } else {
              assertThat(a.get(k)).as(codec + " " + k + " row " + i).isEqualTo(e.get(k));
            }
          }
        }
      }
    }
  }

  @Test
  void projectionAndRowGroupFilterSkipWhatIsNotNeeded() throws Exception {
    Path file = dir.resolve("groups.parquet");
    try (var w =
        ParquetBlocks.writer(
            new LocalOutputFile(file),
            Blocks.fromRows(rows(0, 1)).getSchema(),
            CompressionCodecName.SNAPPY)) {
      // Ten blocks of 5,000 rows written as separate row groups would need a small row-group size;
      // instead check splits and filtering across files written per block.
      for (int b = 0; b < 3; b++) {
        try (VectorSchemaRoot in = Blocks.fromRows(rows(b * 5000, 5000))) {
          w.write(in);
        }
      }
    }
    var in = new LocalInputFile(file);
    List<long[]> splits = ParquetBlocks.splits(in, 1);
    long total = splits.stream().mapToLong(s -> s[2]).sum();
    assertThat(total).isEqualTo(15_000);
    try (VectorSchemaRoot only =
        ParquetBlocks.read(in, 0, Integer.MAX_VALUE, List.of("x", "id"), null)) {
      assertThat(only.getSchema().getFields())
          .extracting(f -> f.getName())
          .containsExactly("x", "id");
      assertThat(only.getRowCount()).isEqualTo(15_000);
    }
    try (VectorSchemaRoot none =
        ParquetBlocks.read(
            in, 0, Integer.MAX_VALUE, null, FilterApi.gt(FilterApi.longColumn("id"), 1_000_000L))) {
      assertThat(none.getRowCount()).as("every row group ruled out by its statistics").isZero();
    }
    assertThatThrownBy(() -> ParquetBlocks.read(in, 0, 1, List.of("nope"), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no column 'nope'")
        .hasMessageContaining("id");
  }

  @Test
  void aFileThatIsNotParquetFailsNamingIt() throws Exception {
    Path bad = dir.resolve("bad.parquet");
    Files.writeString(bad, "not parquet at all");
    assertThatThrownBy(() -> ParquetBlocks.splits(new Storage.NamedLocalFile(bad), 1))
        .hasMessageContaining("bad.parquet");
  }
}
