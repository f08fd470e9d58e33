package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.api.ActorHandle;
import io.glint.api.Glint;
import io.glint.api.exception.ObjectSerializationException;
import io.glint.testing.GlintExtension;
import io.glint.testing.ValueMatrix;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every value of {@link ValueMatrix} comes back equal from put/get, as a task argument and result,
 * and as an actor call's argument and result; what cannot come back faithfully fails at once,
 * naming its class and where it sits in the value.
 */
class SerializationIT {
  @RegisterExtension
  static final GlintExtension glint = GlintExtension.withCluster(b -> b.cpusPerNode(2));

  /** Echoes what it is given. */
  public static final class Echo {
    public Echo() {}

    public Object echo(Object o) {
      return o;
    }
  }

  @Test
  void everyValueRoundTripsUnchangedEveryWay() {
    ActorHandle<Echo> echo = Glint.actor(Echo::new).remote();
    List<String> wrong = new ArrayList<>();
    for (Map.Entry<String, Object> e : ValueMatrix.values().entrySet()) {
      Object v = e.getValue();
      check(wrong, e.getKey() + " via put", v, () -> Glint.get(Glint.put(v)));
      check(
          wrong,
          e.getKey() + " via task",
          v,
          () -> Glint.get(Glint.task(Fns::identity, v).remote()));
      check(
          wrong, e.getKey() + " via actor", v, () -> Glint.get(echo.task(Echo::echo, v).remote()));
    }
    assertThat(wrong).isEmpty();
    Glint.kill(echo);
  }

  private static void check(
      List<String> wrong, String what, Object v, java.util.function.Supplier<Object> roundTrip) {
    try {
      Object back = roundTrip.get();
      if (!ValueMatrix.same(v, back)) {
        wrong.add(
            what
                + ": came back as "
                + back
                + " ("
                + (back == null ? "null" : back.getClass().getName())
                + ")");
      }
    } catch (RuntimeException ex) {
      wrong.add(what + ": " + ex);
    }
  }

  /** A value holding something that cannot leave its process. */
  public record Job(String name, Holder holder) {}

  /** Holds a thread: process-local state. */
  public static final class Holder {
    final Thread worker = new Thread(() -> {});
  }

  @Test
  void whatCannotCrossFailsAtPutNamingTheClassAndTheField() {
    assertThatThrownBy(() -> Glint.put(new Job("j", new Holder())))
        .isInstanceOf(ObjectSerializationException.class)
        .hasMessageContaining("java.lang.Thread")
        .hasMessageContaining("holder")
        .hasMessageContaining("worker");
    assertThatThrownBy(() -> Glint.task(Fns::identity, new Job("j", new Holder())).remote())
        .isInstanceOf(ObjectSerializationException.class)
        .hasMessageContaining("java.lang.Thread");
  }
}
