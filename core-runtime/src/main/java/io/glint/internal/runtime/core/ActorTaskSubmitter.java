package io.glint.internal.runtime.core;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.ActorInfo;
import io.glint.internal.proto.ActorState;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.CancelTask;
import io.glint.internal.proto.Failure;
import io.glint.internal.proto.FailureKind;
import io.glint.internal.proto.PushMessage;
import io.glint.internal.proto.TaskResult;
import io.glint.internal.proto.TaskSpec;
import io.glint.internal.proto.WaitActorStateRequest;
import io.glint.internal.runtime.common.Failures;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Sends actor method calls straight to the actor's worker over one stream per actor, in the order
 * they were made. Calls made before the actor is up wait here; when the actor dies, waiting and
 * in-flight calls fail with its death cause.
 */
final class ActorTaskSubmitter {
  private static final System.Logger LOG = System.getLogger(ActorTaskSubmitter.class.getName());

  private enum State {
    UNRESOLVED,
    RESOLVING,
    CONNECTED,
    DEAD
  }

  static final class PendingCall {
    final ByteString taskId;
    final ByteString actorId;
    final String name;
    final List<ByteString> returnIds;
    final List<ByteString> argRefs;

    /** Set when the arguments are resolved (or failed): calls leave in submission order. */
    volatile TaskSpec spec;

    volatile Failure failed;
    volatile boolean ready;
    volatile boolean cancelled;

    /** Re-sends left after the actor dies under this call; set from the actor's settings. */
    int retriesLeft = RETRIES_UNKNOWN;

    PendingCall(
        ByteString taskId,
        ByteString actorId,
        String name,
        List<ByteString> returnIds,
        List<ByteString> argRefs) {
      this.taskId = taskId;
      this.actorId = actorId;
      this.name = name;
      this.returnIds = returnIds;
      this.argRefs = argRefs;
    }
  }

  final class ActorQueue implements WorkerStream.Listener {
    final ByteString actorId;
    State state = State.UNRESOLVED;
    final ArrayDeque<PendingCall> waiting = new ArrayDeque<>();
    final LinkedHashMap<ByteString, PendingCall> inFlight = new LinkedHashMap<>();
    WorkerStream stream;
    Address address;

    /** The address whose stream broke, and when: ALIVE there is stale news until shortly after. */
    Address brokenAddress;

    long brokenAtNanos;
    Failure deathCause;
    long nextSeq;

    /** The actor's maxTaskRetries, from its latest info. */
    int maxTaskRetries;

    ActorQueue(ByteString actorId) {
      this.actorId = actorId;
    }

    @Override
    public void onResult(WorkerStream s, TaskResult result) {
      PendingCall c;
      synchronized (this) {
        c = inFlight.remove(result.getTaskId());
      }
      if (c != null) {
        complete(c, result);
      }
    }

    @Override
    public void onClosed(WorkerStream s, Status status) {
      LOG.log(
          System.Logger.Level.DEBUG,
          () -> "actor stream closed: " + status.getCode() + " state " + state);
      synchronized (this) {
        if (state == State.DEAD || stream != s) {
          return; // an older stream, already replaced
        }
        stream = null;
        state = State.UNRESOLVED;
        brokenAddress = address;
        brokenAtNanos = System.nanoTime();
      }
      resolve(this);
    }
  }

  private static final int RETRIES_UNKNOWN = Integer.MIN_VALUE;

  /** How long an ALIVE at the address that just broke is taken for stale news. */
  private static final long STALE_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final CoreWorker worker;
  private final ConcurrentHashMap<ByteString, ActorQueue> queues = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<ByteString, PendingCall> calls = new ConcurrentHashMap<>();
  private volatile boolean shutdown;

  ActorTaskSubmitter(CoreWorker worker) {
    this.worker = worker;
  }

  /** Registers a call at the moment it is made, fixing its place in the actor's order. */
  void register(PendingCall call) {
    calls.put(call.taskId, call);
    ActorQueue q = queues.computeIfAbsent(call.actorId, ActorQueue::new);
    boolean resolve;
    synchronized (q) {
      q.waiting.add(call);
      resolve = q.state == State.UNRESOLVED;
    }
    if (resolve) {
      resolve(q);
    }
  }

  /** The call's arguments are resolved: it may leave once the calls before it have. */
  void ready(PendingCall call, TaskSpec spec) {
    call.spec = spec;
    call.ready = true;
    flush(queues.get(call.actorId));
  }

  /** An argument of the call failed: it fails in its turn. */
  void failed(PendingCall call, Failure f) {
    call.failed = f;
    call.ready = true;
    flush(queues.get(call.actorId));
  }

  private void flush(ActorQueue q) {
    List<PendingCall> toFail = new ArrayList<>();
    Failure dead = null;
    synchronized (q) {
      if (q.state == State.DEAD) {
        dead = q.deathCause;
        toFail.addAll(q.waiting);
        q.waiting.clear();
      } else if (q.state == State.CONNECTED) {
        while (!q.waiting.isEmpty() && q.waiting.peek().ready) {
          PendingCall c = q.waiting.poll();
          if (c.failed != null || c.cancelled) {
            toFail.add(c);
          } else {
            send(q, c);
          }
        }
      }
    }
    for (PendingCall c : toFail) {
      fail(c, dead != null ? dead : c.failed != null ? c.failed : cancelledFailure(c));
    }
  }

  /** Holds q's lock. */
  private void send(ActorQueue q, PendingCall call) {
    TaskSpec spec =
        call.spec.toBuilder()
            .setActorTask(call.spec.getActorTask().toBuilder().setSequenceNumber(q.nextSeq++))
            .build();
    q.inFlight.put(call.taskId, call);
    // A refused send leaves the call in flight; the stream's close handler deals with it.
    q.stream.send(PushMessage.newBuilder().setTask(spec).build());
  }

  private void resolve(ActorQueue q) {
    synchronized (q) {
      if (q.state == State.RESOLVING || q.state == State.DEAD || shutdown) {
        return;
      }
      q.state = State.RESOLVING;
    }
    worker
        .controlStub()
        .withDeadlineAfter(60, TimeUnit.SECONDS)
        .waitActorState(
            WaitActorStateRequest.newBuilder().setActorId(q.actorId).setTimeoutMs(30_000).build(),
            new StreamObserver<>() {
              @Override
              public void onNext(ActorInfo info) {
                onActorInfo(q, info);
              }

              @Override
              public void onError(Throwable t) {
                synchronized (q) {
                  q.state = State.UNRESOLVED;
                }
                if (!shutdown) {
                  worker.scheduler().schedule(() -> resolve(q), 500, TimeUnit.MILLISECONDS);
                }
              }

              @Override
              public void onCompleted() {}
            });
  }

  private void onActorInfo(ActorQueue q, ActorInfo info) {
    LOG.log(
        System.Logger.Level.DEBUG,
        () ->
            "actor info "
                + info.getState()
                + " port "
                + info.getAddress().getPort()
                + " inflight "
                + q.inFlight.size()
                + " waiting "
                + q.waiting.size());
    List<PendingCall> toFail = List.of();
    List<PendingCall> lost = List.of();
    Failure cause = null;
    boolean again = false;
    boolean stale;
    synchronized (q) {
      // The control service may not have heard of the death yet: keep asking for a little while.
      stale =
          info.getState() == ActorState.ACTOR_STATE_ALIVE
              && info.getAddress().equals(q.brokenAddress)
              && System.nanoTime() - q.brokenAtNanos < STALE_ALIVE_NANOS;
      if (stale) {
        q.state = State.UNRESOLVED;
      } else if (info.getState() == ActorState.ACTOR_STATE_ALIVE) {
        q.brokenAddress = null;
        q.maxTaskRetries = info.getMaxTaskRetries();
        if (!info.getAddress().equals(q.address) || q.stream == null) {
          // A new incarnation: calls in flight to the old one are lost, unless they have
          // retries left (the actor's maxTaskRetries): those go first to the new one, in order.
          lost = new ArrayList<>();
          List<PendingCall> resend = new ArrayList<>();
          for (PendingCall c : q.inFlight.values()) {
            if (c.retriesLeft == RETRIES_UNKNOWN) {
              c.retriesLeft = q.maxTaskRetries;
            }
            if (c.retriesLeft != 0 && !c.cancelled) {
              if (c.retriesLeft > 0) {
                c.retriesLeft--;
              }
              resend.add(c);
            } else {
              lost.add(c);
            }
          }
          for (int i = resend.size() - 1; i >= 0; i--) {
            q.waiting.addFirst(resend.get(i));
          }
          q.inFlight.clear();
          q.address = info.getAddress();
          q.stream = new WorkerStream(worker.taskStreams(), q.address, q, worker::async);
          q.stream.start();
        }
        q.state = State.CONNECTED;
      } else if (info.getState() == ActorState.ACTOR_STATE_DEAD) {
        q.state = State.DEAD;
        q.deathCause = info.getDeathCause();
        cause = q.deathCause;
        toFail = new ArrayList<>(q.waiting);
        toFail.addAll(q.inFlight.values());
        q.waiting.clear();
        q.inFlight.clear();
        if (q.stream != null) {
          q.stream.close();
          q.stream = null;
        }
      } else {
        q.state = State.UNRESOLVED;
        again = true;
      }
    }
    for (PendingCall c : lost) {
      fail(
          c,
          Failures.system(
              FailureKind.FAILURE_KIND_ACTOR_DIED,
              "ActorUnavailableError",
              "the actor's process died while running this call; the actor was restarted",
              true));
    }
    for (PendingCall c : toFail) {
      if (cause != null) {
        fail(c, cause);
      } else {
        fail(c, cancelledFailure(c));
      }
    }
    if (stale) {
      worker.scheduler().schedule(() -> resolve(q), 20, TimeUnit.MILLISECONDS);
    } else if (again) {
      resolve(q);
    } else {
      flush(q);
    }
  }

  void cancel(ByteString taskId) {
    PendingCall c = calls.get(taskId);
    if (c == null) {
      return;
    }
    c.cancelled = true;
    ActorQueue q = queues.get(c.actorId);
    if (q == null) {
      return;
    }
    boolean removed;
    WorkerStream s;
    synchronized (q) {
      removed = q.waiting.remove(c);
      s = q.inFlight.containsKey(taskId) ? q.stream : null;
    }
    if (removed) {
      fail(c, cancelledFailure(c));
    } else if (s != null) {
      s.send(
          PushMessage.newBuilder()
              .setCancel(CancelTask.newBuilder().setTaskId(taskId).setForce(false))
              .build());
    }
  }

  boolean isPending(ByteString taskId) {
    return calls.containsKey(taskId);
  }

  /** Called when we learn an actor died (e.g. we killed it), to fail calls at once. */
  void markDead(ByteString actorId, Failure cause) {
    ActorQueue q = queues.computeIfAbsent(actorId, ActorQueue::new);
    onActorInfo(
        q,
        ActorInfo.newBuilder()
            .setActorId(actorId)
            .setState(ActorState.ACTOR_STATE_DEAD)
            .setDeathCause(cause)
            .build());
  }

  private static Failure cancelledFailure(PendingCall c) {
    return Failures.system(
        FailureKind.FAILURE_KIND_TASK_CANCELLED,
        "TaskCancelledError",
        "actor call " + c.name + " was cancelled",
        false);
  }

  private void complete(PendingCall c, TaskResult r) {
    if (calls.remove(c.taskId) == null) {
      return;
    }
    c.argRefs.forEach(worker::releaseTaskRef);
    if (r.hasFailure()) {
      worker.failReturns(c.returnIds, c.cancelled ? cancelledFailure(c) : r.getFailure());
    } else {
      worker.completeReturns(c.returnIds, r);
    }
  }

  private void fail(PendingCall c, Failure f) {
    if (calls.remove(c.taskId) == null) {
      return;
    }
    c.argRefs.forEach(worker::releaseTaskRef);
    worker.failReturns(c.returnIds, f);
  }

  void shutdown() {
    shutdown = true;
    for (ActorQueue q : queues.values()) {
      synchronized (q) {
        if (q.stream != null) {
          q.state = State.DEAD;
          WorkerStream s = q.stream;
          q.stream = null;
          s.close();
        }
      }
    }
    Failure f =
        Failures.system(
            FailureKind.FAILURE_KIND_TASK_CANCELLED,
            "ShutdownError",
            "Glint was shut down before the actor call finished",
            false);
    for (PendingCall c : new ArrayList<>(calls.values())) {
      fail(c, f);
    }
  }
}
