package io.glint.internal.runtime.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.internal.runtime.common.ResourceSet;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskShapesTest {
  private final TaskShapes shapes = new TaskShapes();

  @Test
  void tasksOfOneShapeShareOneResourceSetAndItsProto() {
    ResourceSet a = shapes.taskResources(new HashMap<>(Map.of("GPU", 1.0)));
    ResourceSet b = shapes.taskResources(new HashMap<>(Map.of("GPU", 1.0)));
    assertThat(b).isSameAs(a);
    assertThat(b.toProto()).isSameAs(a.toProto());
    assertThat(a.get(ResourceSet.CPU)).isEqualTo(1.0);
    assertThat(a.get("GPU")).isEqualTo(1.0);
    assertThat(shapes.taskResources(Map.of())).isSameAs(shapes.taskResources(Map.of()));
  }

  @Test
  void aRequestedCpuReplacesTheDefaultAndBadQuantitiesAreRefused() {
    assertThat(shapes.taskResources(Map.of(ResourceSet.CPU, 0.0)).get(ResourceSet.CPU)).isZero();
    assertThat(shapes.taskResources(Map.of(ResourceSet.CPU, 2.0)).get(ResourceSet.CPU))
        .isEqualTo(2.0);
    assertThatThrownBy(() -> shapes.taskResources(Map.of("GPU", -1.0))).hasMessageContaining("GPU");
  }

  @Test
  void aCallerMutatingItsMapLaterDoesNotChangeTheKeptShape() {
    Map<String, Double> mine = new HashMap<>(Map.of("custom", 1.0));
    ResourceSet first = shapes.taskResources(mine);
    mine.put("custom", 3.0);
    assertThat(shapes.taskResources(mine).get("custom")).isEqualTo(3.0);
    assertThat(shapes.taskResources(Map.of("custom", 1.0))).isSameAs(first);
  }

  @Test
  void manyDistinctShapesAreNotAllKept() {
    for (int i = 1; i <= 1000; i++) {
      assertThat(shapes.taskResources(Map.of("r", (double) i)).get("r")).isEqualTo(i);
    }
    assertThat(shapes.kept()).isLessThanOrEqualTo(256);
  }
}
