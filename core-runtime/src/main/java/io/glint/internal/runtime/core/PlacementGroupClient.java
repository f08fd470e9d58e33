package io.glint.internal.runtime.core;

import com.google.protobuf.ByteString;
import io.glint.api.ObjectRef;
import io.glint.api.PlacementGroup;
import io.glint.api.PlacementGroupCreationOptions;
import io.glint.api.PlacementGroups;
import io.glint.api.PlacementStrategy;
import io.glint.api.exception.GlintException;
import io.glint.internal.proto.CreatePlacementGroupReply;
import io.glint.internal.proto.CreatePlacementGroupRequest;
import io.glint.internal.proto.FailureKind;
import io.glint.internal.proto.GetPlacementGroupsRequest;
import io.glint.internal.proto.ObjectStatus;
import io.glint.internal.proto.PlacementGroupInfo;
import io.glint.internal.proto.PlacementGroupSpec;
import io.glint.internal.proto.PlacementGroupState;
import io.glint.internal.proto.RemovePlacementGroupRequest;
import io.glint.internal.proto.WaitPlacementGroupRequest;
import io.glint.internal.runtime.common.Failures;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.common.PlacementResources;
import io.glint.internal.runtime.common.ResourceSet;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * This process's side of placement groups: creating, removing and finding them at the control
 * service, their ready refs, and what work scheduled into a bundle asks for (checked against the
 * bundle when it is submitted).
 */
final class PlacementGroupClient {
  private final CoreWorker worker;
  private final ConcurrentHashMap<ByteString, List<ResourceSet>> bundles =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<ByteString, ObjectRef<Boolean>> ready = new ConcurrentHashMap<>();

  PlacementGroupClient(CoreWorker worker) {
    this.worker = worker;
  }

  /** A group handle of this runtime. */
  final class Handle implements PlacementGroup {
    final ByteString id;
    private final String name;
    private final List<Map<String, Double>> bundleMaps;
    private final PlacementStrategy strategy;

    Handle(ByteString id, String name, List<Map<String, Double>> bundles, PlacementStrategy s) {
      this.id = id;
      this.name = name;
      this.bundleMaps = bundles;
      this.strategy = s;
    }

    @Override
    public String id() {
      return Ids.hex(id);
    }

    @Override
    public Optional<String> name() {
      return Optional.ofNullable(name == null || name.isEmpty() ? null : name);
    }

    @Override
    public List<Map<String, Double>> bundles() {
      return bundleMaps;
    }

    @Override
    public PlacementStrategy strategy() {
      return strategy;
    }

    @Override
    public ObjectRef<Boolean> ready() {
      return readyRef(id);
    }

    @Override
    public boolean waitMillis(long timeoutMs) {
      PlacementGroupInfo info =
          worker
              .controlBlocking()
              .withDeadlineAfter(timeoutMs + 30_000, TimeUnit.MILLISECONDS)
              .waitPlacementGroup(
                  WaitPlacementGroupRequest.newBuilder()
                      .setPlacementGroupId(id)
                      .setTimeoutMs(Math.max(1, timeoutMs))
                      .build());
      return info.getState() == PlacementGroupState.PLACEMENT_GROUP_STATE_CREATED;
    }

    @Override
    public String toString() {
      return "PlacementGroup(" + Ids.shortHex(id) + (name().isPresent() ? " " + name : "") + ")";
    }
  }

  PlacementGroup create(PlacementGroupCreationOptions o) {
    ByteString id = Ids.random();
    PlacementGroupSpec.Builder spec =
        PlacementGroupSpec.newBuilder()
            .setPlacementGroupId(id)
            .setStrategy(proto(o.strategy()))
            .setDetached(o.lifetime() == PlacementGroupCreationOptions.Lifetime.DETACHED)
            .setJobId(worker.jobId());
    o.name().ifPresent(spec::setName);
    List<ResourceSet> sets = new ArrayList<>();
    for (Map<String, Double> b : o.bundles()) {
      ResourceSet r = ResourceSet.of(b);
      sets.add(r);
      spec.addBundles(r.toProto());
    }
    CreatePlacementGroupReply r =
        worker
            .controlBlocking()
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .createPlacementGroup(CreatePlacementGroupRequest.newBuilder().setSpec(spec).build());
    if (!r.getError().isEmpty()) {
      throw new IllegalArgumentException(r.getError());
    }
    bundles.put(id, sets);
    return new Handle(id, o.name().orElse(""), o.bundles(), o.strategy());
  }

  void remove(PlacementGroup group) {
    ByteString id = idOf(group);
    worker
        .controlBlocking()
        .withDeadlineAfter(60, TimeUnit.SECONDS)
        .removePlacementGroup(
            RemovePlacementGroupRequest.newBuilder().setPlacementGroupId(id).build());
    ready.remove(id);
  }

  Optional<PlacementGroup> get(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("A placement group name must not be empty");
    }
    return find(ByteString.EMPTY, name).stream().findFirst().map(this::handle);
  }

  /** The group with this id (hex), as the control service knows it. */
  Optional<PlacementGroup> byId(String hex) {
    return find(Ids.fromHex(hex), "").stream().findFirst().map(this::handle);
  }

  List<PlacementGroups.TableEntry> table() {
    List<PlacementGroups.TableEntry> out = new ArrayList<>();
    for (PlacementGroupInfo i : find(ByteString.EMPTY, "")) {
      out.add(
          new PlacementGroups.TableEntry(
              Ids.hex(i.getSpec().getPlacementGroupId()),
              i.getSpec().getName().isEmpty()
                  ? Optional.empty()
                  : Optional.of(i.getSpec().getName()),
              strategy(i.getSpec().getStrategy()),
              switch (i.getState()) {
                case PLACEMENT_GROUP_STATE_CREATED -> PlacementGroups.State.CREATED;
                case PLACEMENT_GROUP_STATE_REMOVED -> PlacementGroups.State.REMOVED;
                case PLACEMENT_GROUP_STATE_RESCHEDULING -> PlacementGroups.State.RESCHEDULING;
                default -> PlacementGroups.State.PENDING;
              },
              i.getSpec().getBundlesList().stream()
                  .map(b -> ResourceSet.fromProto(b).toMap())
                  .toList(),
              i.getBundleNodeIdsList().stream().map(Ids::hex).toList(),
              i.getPendingReason()));
    }
    return out;
  }

  private List<PlacementGroupInfo> find(ByteString id, String name) {
    return worker
        .controlBlocking()
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .getPlacementGroups(
            GetPlacementGroupsRequest.newBuilder().setPlacementGroupId(id).setName(name).build())
        .getGroupsList();
  }

  private Handle handle(PlacementGroupInfo i) {
    ByteString id = i.getSpec().getPlacementGroupId();
    List<ResourceSet> sets =
        i.getSpec().getBundlesList().stream().map(ResourceSet::fromProto).toList();
    bundles.put(id, sets);
    return new Handle(
        id,
        i.getSpec().getName(),
        sets.stream().map(ResourceSet::toMap).toList(),
        strategy(i.getSpec().getStrategy()));
  }

  private ObjectRef<Boolean> readyRef(ByteString group) {
    return ready.computeIfAbsent(
        group,
        g -> {
          ByteString oid = Ids.objectId(Ids.random(), Ids.PUT_INDEX);
          ObjectRef<Boolean> ref = worker.newPendingObject(oid, Boolean.class);
          poll(g, oid);
          return ref;
        });
  }

  /** Long-polls the control service until the group is created (true) or removed (a failure). */
  private void poll(ByteString group, ByteString oid) {
    if (worker.isShutdown()) {
      return;
    }
    worker
        .controlStub()
        .withDeadlineAfter(60, TimeUnit.SECONDS)
        .waitPlacementGroup(
            WaitPlacementGroupRequest.newBuilder()
                .setPlacementGroupId(group)
                .setTimeoutMs(30_000)
                .build(),
            new StreamObserver<>() {
              @Override
              public void onNext(PlacementGroupInfo info) {
                switch (info.getState()) {
                  case PLACEMENT_GROUP_STATE_CREATED ->
                      worker.completePendingObject(oid, worker.storeValue(oid, Boolean.TRUE));
                  case PLACEMENT_GROUP_STATE_REMOVED ->
                      worker.completePendingObject(
                          oid,
                          ObjectStatus.newBuilder()
                              .setFailure(
                                  Failures.system(
                                      FailureKind.FAILURE_KIND_RUNTIME,
                                      "PlacementGroupRemovedError",
                                      "placement group "
                                          + Ids.shortHex(group)
                                          + " was removed before it was created"
                                          + (info.getPendingReason().isEmpty()
                                              ? ""
                                              : " (" + info.getPendingReason() + ")"),
                                      false))
                              .build());
                  default -> poll(group, oid);
                }
              }

              @Override
              public void onError(Throwable t) {
                worker.scheduler().schedule(() -> poll(group, oid), 500, TimeUnit.MILLISECONDS);
              }

              @Override
              public void onCompleted() {}
            });
  }

  /**
   * The strategy of a task asking {@code requested} whose caller was placed under {@code caller}:
   * the default strategy inside a group that captures its children becomes any bundle of it.
   */
  static io.glint.internal.proto.SchedulingStrategy forChild(
      io.glint.internal.proto.SchedulingStrategy requested,
      io.glint.internal.proto.SchedulingStrategy caller) {
    if (!requested.hasDefaultStrategy()
        || caller == null
        || !caller.hasPlacementGroup()
        || !caller.getPlacementGroup().getCaptureChildTasks()) {
      return requested;
    }
    return caller.toBuilder()
        .setPlacementGroup(caller.getPlacementGroup().toBuilder().setBundleIndex(-1))
        .build();
  }

  /**
   * What work asking {@code need} under {@code strategy} asks of the scheduler: in a bundle, the
   * bundle's resources (checked against it: a task asking more than its bundle holds can never run,
   * and is refused now).
   */
  ResourceSet resourcesFor(io.glint.internal.proto.SchedulingStrategy strategy, ResourceSet need) {
    if (!strategy.hasPlacementGroup()) {
      return need;
    }
    var pg = strategy.getPlacementGroup();
    ByteString id = pg.getPlacementGroupId();
    List<ResourceSet> sets = bundles.get(id);
    if (sets == null) {
      List<PlacementGroupInfo> found = find(id, "");
      if (found.isEmpty()) {
        throw new GlintException("the cluster knows no placement group " + Ids.shortHex(id));
      }
      sets = handle(found.get(0)).bundles().stream().map(ResourceSet::of).toList();
    }
    int index = pg.getBundleIndex();
    if (index >= 0) {
      if (!need.fitsIn(sets.get(index))) {
        throw new IllegalArgumentException(
            "the work needs "
                + need.describe()
                + " but bundle "
                + index
                + " of placement group "
                + Ids.shortHex(id)
                + " holds "
                + sets.get(index).describe());
      }
    } else if (sets.stream().noneMatch(need::fitsIn)) {
      throw new IllegalArgumentException(
          "the work needs "
              + need.describe()
              + " but no bundle of placement group "
              + Ids.shortHex(id)
              + " holds that much (its bundles: "
              + sets.stream().map(ResourceSet::describe).toList()
              + ")");
    }
    return PlacementResources.forWork(need, index, id);
  }

  static ByteString idOf(PlacementGroup group) {
    if (group instanceof Handle h) {
      return h.id;
    }
    return Ids.fromHex(group.id());
  }

  static io.glint.internal.proto.PlacementStrategy proto(PlacementStrategy s) {
    return switch (s) {
      case PACK -> io.glint.internal.proto.PlacementStrategy.PLACEMENT_STRATEGY_PACK;
      case SPREAD -> io.glint.internal.proto.PlacementStrategy.PLACEMENT_STRATEGY_SPREAD;
      case STRICT_PACK -> io.glint.internal.proto.PlacementStrategy.PLACEMENT_STRATEGY_STRICT_PACK;
      case STRICT_SPREAD ->
          io.glint.internal.proto.PlacementStrategy.PLACEMENT_STRATEGY_STRICT_SPREAD;
    };
  }

  static PlacementStrategy strategy(io.glint.internal.proto.PlacementStrategy s) {
    return switch (s) {
      case PLACEMENT_STRATEGY_SPREAD -> PlacementStrategy.SPREAD;
      case PLACEMENT_STRATEGY_STRICT_PACK -> PlacementStrategy.STRICT_PACK;
      case PLACEMENT_STRATEGY_STRICT_SPREAD -> PlacementStrategy.STRICT_SPREAD;
      default -> PlacementStrategy.PACK;
    };
  }
}
