package io.glint.internal.runtime.control.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.internal.runtime.control.store.ControlStore.Table;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlStoreTest {
  @TempDir Path tmp;

  @Test
  void theEmbeddedStoreKeepsRowsAcrossReopening() {
    Path file = tmp.resolve("sub").resolve("state.mv");
    try (ControlStore s = ControlStore.open(file.toString())) {
      s.put(Table.ACTORS, "a1", new byte[] {1, 2, 3});
      s.put(Table.ACTORS, "a2", new byte[] {4});
      s.put(Table.KV, "ns\u0000k", new byte[] {9});
      s.delete(Table.ACTORS, "a2");
      s.delete(Table.ACTORS, "never-there");
    }
    try (ControlStore s = ControlStore.open("file:" + file)) {
      assertThat(s.scan(Table.ACTORS)).containsOnlyKeys("a1");
      assertThat(s.scan(Table.ACTORS).get("a1")).containsExactly(1, 2, 3);
      assertThat(s.scan(Table.KV).get("ns\u0000k")).containsExactly(9);
      assertThat(s.scan(Table.NODES)).isEmpty();
      assertThat(s.describe()).contains("state.mv");
    }
  }

  @Test
  void aFileInUseCannotBeOpenedTwice() {
    Path file = tmp.resolve("state.mv");
    try (ControlStore s = ControlStore.open(file.toString())) {
      assertThatThrownBy(() -> ControlStore.open(file.toString()))
          .hasMessageContaining("cannot open control storage");
    }
  }

  @Test
  void memoryIsTheDefaultAndUnknownSchemesAreNamed() {
    try (ControlStore s = ControlStore.open("")) {
      s.put(Table.JOBS, "j", new byte[] {1});
      assertThat(s.scan(Table.JOBS)).containsOnlyKeys("j");
      assertThat(s.describe()).contains("memory");
    }
    assertThatThrownBy(() -> ControlStore.open("etcd://host:2379"))
        .hasMessageContaining("unknown control storage 'etcd://host:2379'");
    assertThatThrownBy(() -> ControlStore.open("redis://127.0.0.1:1"))
        .hasMessageContaining("glint-control-redis");
  }
}
