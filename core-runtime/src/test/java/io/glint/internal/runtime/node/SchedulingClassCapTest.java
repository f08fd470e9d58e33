package io.glint.internal.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.LeaseRequest;
import io.glint.internal.runtime.common.ResourceSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchedulingClassCapTest {
  private static final long S = 1_000_000_000L;

  private static LeaseRequest request(String requester, boolean actor) {
    return LeaseRequest.newBuilder()
        .setJobId(ByteString.copyFromUtf8("job"))
        .setRequesterWorkerId(ByteString.copyFromUtf8(requester))
        .setForActor(actor)
        .build();
  }

  private static final ResourceSet ONE_CPU = ResourceSet.of(Map.of(ResourceSet.CPU, 1.0));

  @Test
  void aKindRunsAsManyAsTheCpusHoldThenOneMoreAfterADelayThatDoubles() {
    SchedulingClassCap cap = new SchedulingClassCap(2);
    var parents = SchedulingClassCap.kindOf(request("driver", false), ONE_CPU);
    long t = 100 * S;
    assertThat(cap.allows(parents, t)).isTrue();
    cap.started(parents, t);
    cap.started(parents, t);
    assertThat(cap.anyAtCap()).isTrue();
    assertThat(cap.allows(parents, t + S / 2)).isFalse(); // at its cap: waits
    assertThat(cap.allows(parents, t + S)).isTrue(); // 1 s later one more
    cap.started(parents, t + S);
    assertThat(cap.allows(parents, t + 2 * S - 1)).isFalse();
    assertThat(cap.allows(parents, t + 2 * S)).isTrue(); // 1 s after that
    cap.started(parents, t + 2 * S);
    assertThat(cap.allows(parents, t + 3 * S)).isFalse(); // now 2 s
    assertThat(cap.allows(parents, t + 4 * S)).isTrue();
    // Below the cap again: at once, and the delay starts over.
    cap.ended(parents);
    cap.ended(parents);
    cap.ended(parents);
    assertThat(cap.allows(parents, t + 4 * S)).isTrue();
  }

  @Test
  void otherKindsActorsAndZeroCpuTasksAreNotHeldBack() {
    SchedulingClassCap cap = new SchedulingClassCap(2);
    var parents = SchedulingClassCap.kindOf(request("driver", false), ONE_CPU);
    cap.started(parents, 0);
    cap.started(parents, 0);
    // the children, asked for by a parent's worker, are a kind of their own
    var children = SchedulingClassCap.kindOf(request("parent-worker", false), ONE_CPU);
    assertThat(cap.allows(children, 1)).isTrue();
    assertThat(SchedulingClassCap.kindOf(request("driver", true), ONE_CPU)).isNull();
    assertThat(SchedulingClassCap.kindOf(request("driver", false), ResourceSet.of(Map.of())))
        .isNull();
    assertThat(cap.allows(null, 1)).isTrue();
    // a kind of 2 CPUs on a 2-CPU node: one at a time
    var big =
        SchedulingClassCap.kindOf(
            request("driver", false), ResourceSet.of(Map.of(ResourceSet.CPU, 2.0)));
    cap.started(big, 0);
    assertThat(cap.allows(big, 1)).isFalse();
  }
}
