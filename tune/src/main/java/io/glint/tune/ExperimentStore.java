package io.glint.tune;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An experiment's directory, laid out as Ray Tune's: {@code experiment_state.json} (readable) and
 * {@code experiment_state.bin} (what {@link Tuner#restore} reads), and per trial {@code
 * params.json}, {@code result.json} (one JSON object per report), {@code progress.csv}, its latest
 * {@code checkpoint_<iteration>.json} and {@code error.txt}; at the end {@code results.csv} and
 * {@code curves.svg}.
 */
final class ExperimentStore {
  static final String STATE = "experiment_state.bin";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;

  ExperimentStore(Path dir) {
    this.dir = dir;
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the experiment directory " + dir, e);
    }
  }

  Path dir() {
    return dir;
  }

  Path trialDir(Trial t) {
    return dir.resolve(t.id());
  }

  void trialCreated(Trial t) {
    try {
      Files.createDirectories(trialDir(t));
      Files.write(trialDir(t).resolve("params.json"), JSON.writeValueAsBytes(t.config()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void configChanged(Trial t) {
    trialCreated(t);
  }

  void result(Trial t, Map<String, Object> result, Checkpoint checkpoint) {
    Path d = trialDir(t);
    try {
      Files.createDirectories(d);
      Files.write(
          d.resolve("result.json"),
          (JSON.writeValueAsString(withConfig(result, t)) + "\n").getBytes(StandardCharsets.UTF_8),
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      Path csv = d.resolve("progress.csv");
      List<String> keys = new ArrayList<>(result.keySet());
      StringBuilder line = new StringBuilder();
      if (!Files.exists(csv)) {
        line.append(String.join(",", keys)).append('\n');
      }
      line.append(
              String.join(
                  ",",
                  keys.stream().map(k -> ResultGrid.csv(String.valueOf(result.get(k)))).toList()))
          .append('\n');
      Files.writeString(csv, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      if (checkpoint != null) {
        try (var old = Files.list(d)) {
          for (Path p :
              old.filter(p -> p.getFileName().toString().startsWith("checkpoint_")).toList()) {
            Files.deleteIfExists(p);
          }
        }
        Files.write(
            d.resolve("checkpoint_" + result.get(Tune.TRAINING_ITERATION) + ".json"),
            JSON.writeValueAsBytes(checkpoint.data()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the results of " + t.id(), e);
    }
  }

  private static Map<String, Object> withConfig(Map<String, Object> result, Trial t) {
    Map<String, Object> m = new LinkedHashMap<>(result);
    m.put("trial_id", t.id());
    m.put("config", t.config());
    return m;
  }

  void error(Trial t, String error) {
    try {
      Files.createDirectories(trialDir(t));
      Files.writeString(trialDir(t).resolve("error.txt"), error);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Saves the state atomically (a driver killed while saving leaves the previous one). */
  void save(ExperimentState st) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
        out.writeObject(st);
      }
      atomic(dir.resolve(STATE), bytes.toByteArray());
      List<Map<String, Object>> trials = new ArrayList<>();
      for (Trial t : st.trials) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trial_id", t.id());
        m.put("status", t.status().name());
        m.put("config", t.config());
        m.put("iteration", t.iteration());
        m.put("last_result", t.lastResult());
        m.put("error", t.error() == null ? null : t.error().lines().findFirst().orElse(""));
        trials.add(m);
      }
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("name", st.runConfig.name());
      summary.put("metric", st.tuneConfig.metric());
      summary.put("mode", st.tuneConfig.mode());
      summary.put("num_samples", st.tuneConfig.numSamples());
      summary.put("trials", trials);
      atomic(
          dir.resolve("experiment_state.json"),
          JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(summary));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save the experiment's state in " + dir, e);
    }
  }

  static ExperimentState load(Path dir) {
    Path f = dir.resolve(STATE);
    if (!Files.isRegularFile(f)) {
      throw new IllegalArgumentException(
          "no experiment to restore in " + dir + " (" + STATE + " is missing)");
    }
    try (InputStream in = Files.newInputStream(f);
        ObjectInputStream objects = new ObjectInputStream(in)) {
      return (ExperimentState) objects.readObject();
    } catch (IOException | ClassNotFoundException e) {
      throw new IllegalArgumentException("cannot read the experiment in " + dir + ": " + e, e);
    }
  }

  private static void atomic(Path file, byte[] bytes) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(tmp, bytes);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
