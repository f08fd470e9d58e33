package io.glint.internal.runtime.core;

import com.google.protobuf.ByteString;
import io.glint.api.ObjectRef;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.Failure;
import io.glint.internal.proto.ObjectArg;
import io.glint.internal.proto.ObjectReference;
import io.glint.internal.proto.ObjectStatus;
import io.glint.internal.proto.TaskArg;
import io.glint.internal.proto.TaskSpec;
import io.glint.internal.runtime.common.Failures;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.serialization.ArrowCodec;
import io.glint.internal.runtime.serialization.BufferCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The arguments of one task or actor call while they are prepared: values encoded (large ones
 * stored once and passed by reference, as Ray does), refs held for the task and waited for, small
 * ready objects inlined.
 */
final class TaskArgs {
  final TaskArg[] captured;
  final TaskArg[] args;
  final List<CompletableFuture<ObjectStatus>> deps = new ArrayList<>();
  final List<ObjectRefImpl<?>> depRefs = new ArrayList<>();
  final List<int[]> depSlots = new ArrayList<>();

  /** Objects the task holds until it is done (released with {@link CoreWorker#releaseTaskRef}). */
  final List<ByteString> argRefs = new ArrayList<>();

  private final CoreWorker worker;

  private TaskArgs(CoreWorker worker, int nCaptured, int nArgs) {
    this.worker = worker;
    captured = new TaskArg[nCaptured];
    args = new TaskArg[nArgs];
  }

  /** The refs among the arguments, to keep with the pending task (no list when there are none). */
  List<ByteString> refList() {
    return argRefs.isEmpty() ? List.of() : argRefs;
  }

  /** Adds the arguments to {@code spec}, once they are resolved. */
  TaskSpec.Builder fill(TaskSpec.Builder spec) {
    for (TaskArg a : captured) {
      spec.addCapturedArgs(a);
    }
    for (TaskArg a : args) {
      spec.addArgs(a);
    }
    return spec;
  }

  /** Arguments for a function in {@code crossLanguage} use the XLANG format. */
  static TaskArgs build(
      CoreWorker worker, Object[] captured, Object[] args, boolean crossLanguage) {
    TaskArgs ab = new TaskArgs(worker, captured.length, args.length);
    for (int i = 0; i < captured.length; i++) {
      ab.captured[i] = ab.argOf(captured[i], 0, i, crossLanguage);
    }
    for (int i = 0; i < args.length; i++) {
      ab.args[i] = ab.argOf(args[i], 1, i, crossLanguage);
    }
    return ab;
  }

  private TaskArg argOf(Object value, int list, int index, boolean crossLanguage) {
    if (value instanceof ObjectRef<?> ref) {
      ObjectRefImpl<?> r = worker.checkRef(ref);
      worker.materialize(r);
      holdForTask(r.objectId, r.owner);
      deps.add(worker.statusFuture(r));
      depRefs.add(r);
      depSlots.add(new int[] {list, index});
      return null;
    }
    // Arrow data, numeric arrays and matrices keep their own formats (Python reads them in place
    // or from one copy); other values cross as XLANG.
    ValueCodec.Encoded enc =
        crossLanguage
                && !ArrowCodec.handles(value)
                && !BufferCodec.isNumeric(value)
                && !ArrowCodec.isNumericMatrix(value)
            ? worker.codec().encodeXlang(value)
            : worker.codec().encode(value);
    // Refs inside the value stay alive until the task is done; a worker that keeps one registers
    // itself as a borrower when it reads the value.
    for (ObjectReference nested : enc.nestedRefs()) {
      holdForTask(nested.getObjectId(), nested.getOwner());
    }
    if (enc instanceof ValueCodec.Encoded.Inline inline) {
      return TaskArg.newBuilder().setValue(inline.value()).build();
    }
    // Large argument: store it once and pass it by reference, as Ray does.
    ByteString id = Ids.objectId(Ids.random(), Ids.PUT_INDEX);
    ObjectStatus status =
        worker.objectStore().storeLarge(id, (ValueCodec.Encoded.Large) enc, worker.address());
    ObjectTable.Entry e = worker.objects().create(id);
    e.status().complete(status);
    worker.objects().addTaskRef(id);
    argRefs.add(id);
    return TaskArg.newBuilder()
        .setObject(
            ObjectArg.newBuilder()
                .setRef(ObjectReference.newBuilder().setObjectId(id).setOwner(worker.address()))
                .setLocation(status.getLocation()))
        .build();
  }

  /** Keeps an object a task argument refers to alive until the task is done. */
  private void holdForTask(ByteString id, Address owner) {
    if (worker.objects().owns(id)) {
      worker.objects().addTaskRef(id);
    } else {
      worker.borrows().pin(id, owner);
    }
    argRefs.add(id);
  }

  /** Runs {@code then} once every ref argument is ready (inlining small values). */
  void whenResolved(Runnable then, Consumer<Failure> onFailure) {
    if (deps.isEmpty()) {
      then.run();
      return;
    }
    CompletableFuture.allOf(deps.toArray(CompletableFuture[]::new))
        .whenComplete(
            (v, err) -> {
              Failure f = fillResolved();
              if (f != null) {
                onFailure.accept(f);
              } else {
                then.run();
              }
            });
  }

  void awaitResolved() {
    if (deps.isEmpty()) {
      return;
    }
    worker.await(
        CompletableFuture.allOf(deps.toArray(CompletableFuture[]::new)),
        -1,
        () -> "actor constructor arguments");
    Failure f = fillResolved();
    if (f != null) {
      throw Failures.toException(f, worker.loader());
    }
  }

  private Failure fillResolved() {
    for (int i = 0; i < deps.size(); i++) {
      ObjectStatus s = deps.get(i).join();
      ObjectRefImpl<?> r = depRefs.get(i);
      int[] slot = depSlots.get(i);
      TaskArg arg;
      switch (s.getStateCase()) {
        case VALUE -> arg = TaskArg.newBuilder().setValue(s.getValue()).build();
        case LOCATION ->
            arg =
                TaskArg.newBuilder()
                    .setObject(
                        ObjectArg.newBuilder()
                            .setRef(
                                ObjectReference.newBuilder()
                                    .setObjectId(r.objectId)
                                    .setOwner(r.owner))
                            .setLocation(s.getLocation()))
                    .build();
        default -> {
          return s.getFailure();
        }
      }
      (slot[0] == 0 ? captured : args)[slot[1]] = arg;
    }
    return null;
  }
}
