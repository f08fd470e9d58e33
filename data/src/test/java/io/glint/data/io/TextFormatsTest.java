package io.glint.data.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.data.block.Blocks;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextFormatsTest {
  @TempDir Path dir;

  private static ByteArrayInputStream text(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void csvColumnsAreTypedByTheirValues() throws Exception {
    try (VectorSchemaRoot b =
        TextFormats.readCsv(text("id,score,ok,name\n1,2.5,true,a\n2,,false,\"b, c\"\n"), "t.csv")) {
      assertThat(Blocks.rows(b))
          .containsExactly(
              Map.of("id", 1L, "score", 2.5, "ok", true, "name", "a"),
              new java.util.HashMap<>(
                  java.util.Map.<String, Object>of("id", 2L, "ok", false, "name", "b, c")) {
                {
                  put("score", null);
                }
              });
    }
  }

  @Test
  void jsonLinesKeepNumbersAndNestedValuesAsText() throws Exception {
    try (VectorSchemaRoot b =
        TextFormats.readJson(
            text("{\"a\": 1, \"b\": {\"c\": 2}}\n\n{\"a\": 3, \"b\": null}\n"), "t.json")) {
      List<Map<String, Object>> rows = Blocks.rows(b);
      assertThat(rows.get(0)).containsEntry("a", 1L).containsEntry("b", "{\"c\":2}");
      assertThat(rows.get(1).get("b")).isNull();
    }
    assertThatThrownBy(() -> TextFormats.readJson(text("{\"a\": 1}\n[1]\n"), "t.json"))
        .hasMessageContaining("t.json:2");
  }

  @Test
  void writtenCsvAndJsonReadBackTheSameRows() throws Exception {
    List<Map<String, Object>> rows =
        List.of(Map.of("id", 1L, "x", 0.5, "s", "a"), Map.of("id", 2L, "x", 1.5, "s", "b"));
    try (VectorSchemaRoot b = Blocks.fromRows(rows)) {
      String csv = TextFormats.writeFile("csv", b, dir.toString(), "o.csv", null);
      String json = TextFormats.writeFile("json", b, dir.toString(), "o.json", null);
      try (var in = Files.newInputStream(Path.of(csv));
          VectorSchemaRoot back = TextFormats.readCsv(in, csv)) {
        assertThat(Blocks.rows(back)).isEqualTo(rows);
      }
      try (var in = Files.newInputStream(Path.of(json));
          VectorSchemaRoot back = TextFormats.readJson(in, json)) {
        assertThat(Blocks.rows(back)).isEqualTo(rows);
      }
    }
  }
}
