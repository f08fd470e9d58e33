package io.glint.tune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.tune.search.BasicVariantGenerator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SearchSpaceTest {
  @Test
  void domainsSampleInTheirRanges() {
    Random r = new Random(1);
    for (int i = 0; i < 1000; i++) {
      double lr = (double) Tune.loguniform(1e-4, 1e-1).sample(r);
      assertThat(lr).isBetween(1e-4, 1e-1);
      double q = (double) Tune.quniform(0, 1, 0.25).sample(r);
      assertThat(q * 4).isEqualTo(Math.rint(q * 4));
      int k = (int) Tune.randint(3, 7).sample(r);
      assertThat(k).isBetween(3, 6);
      assertThat(Tune.choice(32, 64, 128).sample(r)).isIn(32, 64, 128);
    }
    assertThatThrownBy(() -> Tune.loguniform(0, 1)).hasMessageContaining("lower > 0");
    assertThatThrownBy(() -> Tune.uniform(2, 1)).hasMessageContaining("below upper");
    assertThatThrownBy(() -> Tune.choice()).hasMessageContaining("at least one");
  }

  @Test
  void gridsExpandTimesSamplesAndFunctionsSeeTheRest() {
    Map<String, Object> space =
        Map.of(
            "model",
            Map.of("layers", Tune.gridSearch(1, 2, 3), "width", Tune.choice(8, 16)),
            "opt",
            Tune.gridSearch("sgd", "adam"),
            "lr",
            Tune.loguniform(1e-4, 1e-1),
            "epochs",
            10,
            "steps",
            Tune.sampleFrom(
                c -> (int) c.get("epochs") * (int) ((Map<?, ?>) c.get("model")).get("layers")));
    BasicVariantGenerator g = new BasicVariantGenerator();
    g.setup(space, null, null, 2, 7);
    assertThat(g.total()).isEqualTo(12);
    List<Map<String, Object>> configs = new java.util.ArrayList<>();
    Map<String, Object> c;
    while ((c = g.suggest("t")) != null) {
      configs.add(c);
    }
    assertThat(configs).hasSize(12);
    for (Map<String, Object> cfg : configs) {
      int layers = (int) ((Map<?, ?>) cfg.get("model")).get("layers");
      assertThat(cfg.get("steps")).isEqualTo(10 * layers);
      assertThat(cfg.get("epochs")).isEqualTo(10);
    }
    assertThat(
            configs.stream()
                .map(x -> Configs.flatten(x).get("model/layers") + "" + x.get("opt"))
                .distinct())
        .hasSize(6);
  }
}
