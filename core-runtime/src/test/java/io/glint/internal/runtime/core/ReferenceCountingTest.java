package io.glint.internal.runtime.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.BorrowUpdate;
import io.glint.internal.proto.ObjectReference;
import io.glint.internal.proto.ObjectStatus;
import io.glint.internal.proto.SerializedValue;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The owner's table and the borrower's table, without processes. */
class ReferenceCountingTest {
  private static final ByteString A = ByteString.copyFromUtf8("object-a");
  private static final ByteString B = ByteString.copyFromUtf8("object-b");
  private static final ObjectStatus READY =
      ObjectStatus.newBuilder().setValue(SerializedValue.getDefaultInstance()).build();

  private final List<ByteString> freed = new ArrayList<>();
  private final List<String> containedReleased = new ArrayList<>();
  private final ObjectTable table =
      new ObjectTable(
          (id, loc) -> {},
          (container, refs) ->
              refs.forEach(
                  r ->
                      containedReleased.add(
                          container.toStringUtf8() + ">" + r.getObjectId().toStringUtf8())));

  private ObjectTable.Entry ready(ByteString id) {
    ObjectTable.Entry e = table.create(id);
    table.complete(id, READY);
    return e;
  }

  @Test
  void aBorrowerKeepsTheObjectUntilItStops() {
    ready(A);
    table.addLocalRef(A);
    table.updateBorrow(A, "w:1", 1, false);
    table.removeLocalRef(A);
    assertThat(table.owns(A)).as("borrowed").isTrue();
    assertThat(table.borrowers(A)).isEqualTo(1);
    table.updateBorrow(A, "w:1", 1, true);
    assertThat(table.owns(A)).as("freed once the borrow stops").isFalse();
  }

  @Test
  void aDeadBorrowerIsReleasedAndALateStartOfItHoldsNothing() {
    ready(A);
    table.addLocalRef(A);
    table.updateBorrow(A, "w:1", 1, false);
    table.updateBorrow(A, "w:2", 1, false);
    assertThat(table.remoteBorrows()).isEqualTo(2);
    table.removeLocalRef(A);
    table.releaseBorrowersOf("1");
    assertThat(table.owns(A)).as("w:2 still holds").isTrue();
    assertThat(table.remoteBorrows()).isEqualTo(1);
    table.updateBorrow(A, "w:1", 2, false); // sent before it died, arriving after
    assertThat(table.borrowers(A)).isEqualTo(1);
    table.releaseBorrowersOf("2");
    assertThat(table.owns(A)).isFalse();
    assertThat(table.remoteBorrows()).isZero();
  }

  @Test
  void onlyBorrowsByOtherProcessesOrTheirObjectsCountAsRemote() {
    ObjectTable mine = new ObjectTable((id, loc) -> {}, (id, refs) -> {}, "5");
    mine.create(A).status().complete(ObjectStatus.getDefaultInstance());
    mine.addLocalRef(A);
    mine.updateBorrow(A, "c:0a@5", 1, false); // an object this process owns
    assertThat(mine.remoteBorrows()).isZero();
    mine.updateBorrow(A, "c:0b@6", 1, false);
    mine.updateBorrow(A, "w:6", 1, false);
    assertThat(mine.remoteBorrows()).isEqualTo(2);
    mine.releaseBorrowersOf("6");
    assertThat(mine.remoteBorrows()).isZero();
    assertThat(mine.borrowers(A)).isEqualTo(1);
  }

  @Test
  void theBorrowsOfObjectsADeadWorkerOwnedAreReleasedToo() {
    ready(A);
    table.addLocalRef(A);
    table.updateBorrow(A, "c:0a@7", 1, false); // an object worker 7 owns contains A
    table.updateBorrow(A, "c:0b@8", 1, false);
    table.removeLocalRef(A);
    table.releaseBorrowersOf("7");
    assertThat(table.owns(A)).as("worker 8's object still holds it").isTrue();
    table.releaseBorrowersOf("8");
    assertThat(table.owns(A)).isFalse();
  }

  @Test
  void aStopArrivingBeforeItsStartDoesNotLeaveTheObjectHeld() {
    ready(A);
    table.addLocalRef(A);
    table.updateBorrow(A, "w:1", 7, true);
    table.updateBorrow(A, "w:1", 7, false);
    assertThat(table.borrowers(A)).isZero();
    table.removeLocalRef(A);
    assertThat(table.owns(A)).isFalse();
  }

  @Test
  void aNewerStartOutlivesAnOlderStopThatArrivesLate() {
    ready(A);
    table.addLocalRef(A);
    table.updateBorrow(A, "w:1", 1, false);
    table.updateBorrow(A, "w:1", 2, false); // borrowed again before the first stop arrived
    table.updateBorrow(A, "w:1", 1, true);
    table.removeLocalRef(A);
    assertThat(table.owns(A)).as("epoch 2 still holds").isTrue();
    table.updateBorrow(A, "w:1", 2, true);
    assertThat(table.owns(A)).isFalse();
  }

  @Test
  void freeingAContainerReleasesItsBorrowsOfTheRefsInside() {
    ready(A);
    table.addLocalRef(A);
    table.updateBorrow(A, "c:box", 1, false);
    table.removeLocalRef(A);

    ByteString box = ByteString.copyFromUtf8("box");
    table.create(box);
    table.addLocalRef(box);
    ObjectReference inner = ObjectReference.newBuilder().setObjectId(A).build();
    table.complete(box, READY, List.of(inner));
    table.removeLocalRef(box);
    assertThat(containedReleased).containsExactly("box>object-a");
  }

  @Test
  void aContainerFreedBeforeItsTaskFinishedReleasesOnCompletion() {
    table.create(B);
    table.addLocalRef(B);
    table.removeLocalRef(B); // dropped while pending
    table.complete(B, READY, List.of(ObjectReference.newBuilder().setObjectId(A).build()));
    assertThat(containedReleased).containsExactly("object-b>object-a");
  }

  @Test
  void theBorrowerSideRegistersOncePerBorrowAndStopsAfterTheLastHold() throws Exception {
    Address owner = Address.newBuilder().setHost("owner").build();
    List<String> sent = new CopyOnWriteArrayList<>();
    BorrowTable borrows =
        new BorrowTable(
            "ab",
            (o, ups, sync) -> {
              for (BorrowUpdate u : ups) {
                sent.add(
                    u.getObjectId().toStringUtf8()
                        + (u.getReleased() ? " stop " : " start ")
                        + u.getEpoch()
                        + (sync ? " sync" : ""));
              }
            });
    try {
      borrows.beginRead();
      borrows.acquire(A, owner);
      borrows.acquire(A, owner);
      borrows.acquire(B, owner);
      assertThat(sent).as("registered at the end of the read").isEmpty();
      borrows.endRead();
      assertThat(sent).containsExactly("object-a start 1 sync", "object-b start 2 sync");

      borrows.pin(A, owner); // a task argument: no new registration
      borrows.release(A);
      borrows.release(A);
      assertThat(borrows.holds(A)).isTrue();
      borrows.release(A);
      assertThat(borrows.holds(A)).isFalse();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!sent.contains("object-a stop 1") && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(sent).contains("object-a stop 1");

      borrows.acquire(A, owner); // outside a read: registered at once, with a new epoch
      assertThat(sent).contains("object-a start 3 sync");
      borrows.releaseAll();
      assertThat(sent).contains("object-a stop 3 sync", "object-b stop 2 sync");
      assertThat(borrows.size()).isZero();
    } finally {
      borrows.close();
    }
  }
}
