package io.glint.internal.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkerProcessTest {
  private final WorkerProcess w =
      new WorkerProcess(ByteString.copyFromUtf8("w"), ByteString.copyFromUtf8("j"), List.of());

  @Test
  void blockedNoticesApplyInTheirOrderNotTheirArrivals() {
    // The worker blocked (1), went on (2), blocked again (3); 2 arrives last.
    assertThat(w.staleBlockedNotice(1)).isFalse();
    assertThat(w.staleBlockedNotice(3)).isFalse();
    assertThat(w.staleBlockedNotice(2)).isTrue();
    assertThat(w.staleBlockedNotice(3)).isTrue(); // a repeat changes nothing either
    assertThat(w.staleBlockedNotice(4)).isFalse();
  }

  @Test
  void unnumberedNoticesAreAlwaysApplied() {
    assertThat(w.staleBlockedNotice(5)).isFalse();
    assertThat(w.staleBlockedNotice(0)).isFalse();
    assertThat(w.staleBlockedNotice(0)).isFalse();
  }
}
