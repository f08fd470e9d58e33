package io.glint.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.data.block.Blocks;
import io.glint.data.exec.Transforms;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.Test;

class BlocksTest {
  @Test
  void rowsWithMissingAndNullValuesBecomeNullableColumns() {
    Map<String, Object> second = new HashMap<>();
    second.put("a", null);
    second.put("b", "x");
    try (VectorSchemaRoot b = Blocks.fromRows(List.of(Map.of("a", 1L), second))) {
      assertThat(b.getSchema().getFields()).extracting(f -> f.getName()).containsExactly("a", "b");
      assertThat(Blocks.row(b, 0).get("b")).isNull();
      assertThat(Blocks.row(b, 1).get("a")).isNull();
    }
  }

  @Test
  void aValueOfAnotherTypeFailsNamingTheColumn() {
    assertThatThrownBy(() -> Blocks.fromRows(List.of(Map.of("a", 1L), Map.of("a", "text"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("column 'a'");
    assertThatThrownBy(() -> Blocks.fromRows(List.of(Map.of("a", new Object()))))
        .hasMessageContaining("cannot hold a java.lang.Object");
  }

  @Test
  void mapBatchesSeesBatchesOfTheAskedSize() throws Exception {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (long i = 0; i < 10; i++) {
      rows.add(Map.of("id", i));
    }
    List<Integer> sizes = new ArrayList<>();
    BatchFn fn =
        batch -> {
          sizes.add(batch.getRowCount());
          return batch;
        };
    try (VectorSchemaRoot in = Blocks.fromRows(rows);
        VectorSchemaRoot out = Transforms.mapBatches(fn, in, 4)) {
      assertThat(sizes).containsExactly(4, 4, 2);
      assertThat(Blocks.rows(out)).isEqualTo(rows);
    }
  }

  @Test
  void concatAndGather() {
    try (VectorSchemaRoot a = Blocks.fromRows(List.of(Map.of("v", 1L), Map.of("v", 2L)));
        VectorSchemaRoot b = Blocks.fromRows(List.of(Map.of("v", 3L)));
        VectorSchemaRoot all = Blocks.concat(a.getSchema(), List.of(a, b));
        VectorSchemaRoot picked = Blocks.gather(all, new int[] {2, 0}, 2)) {
      assertThat(Blocks.rows(all)).extracting(r -> r.get("v")).containsExactly(1L, 2L, 3L);
      assertThat(Blocks.rows(picked)).extracting(r -> r.get("v")).containsExactly(3L, 1L);
    }
  }
}
