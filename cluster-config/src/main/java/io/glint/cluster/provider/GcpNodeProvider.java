package io.glint.cluster.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.cloud.compute.v1.AccessConfig;
import com.google.cloud.compute.v1.AttachedDisk;
import com.google.cloud.compute.v1.AttachedDiskInitializeParams;
import com.google.cloud.compute.v1.Instance;
import com.google.cloud.compute.v1.InstancesClient;
import com.google.cloud.compute.v1.InstancesSetLabelsRequest;
import com.google.cloud.compute.v1.InstancesSettings;
import com.google.cloud.compute.v1.ListInstancesRequest;
import com.google.cloud.compute.v1.Metadata;
import com.google.cloud.compute.v1.NetworkInterface;
import com.google.cloud.compute.v1.Operation;
import com.google.cloud.compute.v1.Scheduling;
import com.google.cloud.compute.v1.ServiceAccount;
import io.glint.cluster.config.ClusterConfig;
import io.glint.cluster.config.NodeType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The {@code gcp} provider, through Google's Compute Engine client ({@code google-cloud-compute}):
 * instances in {@code provider.availability_zone} of {@code provider.project_id}, labelled with
 * Glint's {@link Tags} (label changes carry the instance's label fingerprint, as the API demands),
 * each change waited for by polling its zone operation. With {@code cache_stopped_nodes} ended
 * instances are stopped and started again by the next launch of their type.
 *
 * <p>The client's usual settings apply (application default credentials); {@code
 * GLINT_GCP_ENDPOINT} (or {@code glint.gcpEndpoint}) points it elsewhere, without credentials, as
 * the tests do with a local stand-in of the Compute REST API.
 */
public final class GcpNodeProvider implements NodeProvider {
  /** node_config keys this provider reads (Ray's GCP node_config, plus the seed's sourceImage). */
  static final Set<String> NODE_CONFIG_KEYS =
      Set.of(
          "machineType",
          "sourceImage",
          "diskSizeGb",
          "disks",
          "serviceAccounts",
          "metadata",
          "scheduling",
          "networkInterfaces",
          "tags");

  private final ClusterConfig config;
  private final InstancesClient instances;
  private final String project;
  private final String zone;

  public GcpNodeProvider(ClusterConfig config) {
    this.config = config;
    this.project = config.provider().projectId();
    this.zone = config.provider().availabilityZone();
    if (!config.clusterName().matches("[a-z][-a-z0-9_]{0,62}")) {
      throw new IllegalArgumentException(
          "cluster_name: '"
              + config.clusterName()
              + "' cannot be a GCP label value (lowercase letters, digits, - and _, starting with a"
              + " letter, at most 63)");
    }
    try {
      InstancesSettings.Builder b = InstancesSettings.newBuilder();
      String endpoint = endpoint();
      if (endpoint != null) {
        b.setEndpoint(endpoint).setCredentialsProvider(NoCredentialsProvider.create());
      }
      this.instances = InstancesClient.create(b.build());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make the Compute Engine client: " + e.getMessage(), e);
    }
  }

  private static String endpoint() {
    String e = System.getProperty("glint.gcpEndpoint");
    if (e == null || e.isBlank()) {
      e = System.getenv("GLINT_GCP_ENDPOINT");
    }
    return e == null || e.isBlank() ? null : e;
  }

  private static ProviderNode view(Instance i) {
    Map<String, String> tags = new LinkedHashMap<>();
    i.getLabelsMap()
        .forEach(
            (k, v) -> {
              if (k.startsWith("glint-")) {
                tags.put(k, v);
              }
            });
    String internal = null;
    String external = null;
    if (i.getNetworkInterfacesCount() > 0) {
      NetworkInterface n = i.getNetworkInterfaces(0);
      internal = n.hasNetworkIP() ? n.getNetworkIP() : null;
      if (n.getAccessConfigsCount() > 0 && n.getAccessConfigs(0).hasNatIP()) {
        external = n.getAccessConfigs(0).getNatIP();
      }
    }
    return new ProviderNode(i.getName(), Map.copyOf(tags), internal, external, i.getStatus());
  }

  private List<Instance> list(Map<String, String> labels, Set<String> statuses) {
    StringBuilder filter = new StringBuilder();
    labels.forEach(
        (k, v) ->
            filter
                .append(filter.isEmpty() ? "" : " AND ")
                .append("(labels.")
                .append(k)
                .append(" = \"")
                .append(v)
                .append("\")"));
    List<Instance> out = new ArrayList<>();
    for (Instance i :
        instances
            .list(
                ListInstancesRequest.newBuilder()
                    .setProject(project)
                    .setZone(zone)
                    .setFilter(filter.toString())
                    .build())
            .iterateAll()) {
      // The filter is applied here too: what the service returned must really match.
      if (i.getLabelsMap().entrySet().containsAll(labels.entrySet())
          && statuses.contains(i.getStatus())) {
        out.add(i);
      }
    }
    return out;
  }

  @Override
  public List<ProviderNode> nonTerminatedNodes(Map<String, String> filter) {
    Map<String, String> labels = new LinkedHashMap<>(filter);
    labels.put(Tags.CLUSTER_NAME, config.clusterName());
    return list(labels, Set.of("PROVISIONING", "STAGING", "RUNNING")).stream()
        .map(GcpNodeProvider::view)
        .toList();
  }

  private static Operation await(
      com.google.api.gax.longrunning.OperationFuture<Operation, Operation> op, String what) {
    try {
      Operation done = op.get(10, TimeUnit.MINUTES);
      if (done.hasError() && done.getError().getErrorsCount() > 0) {
        throw new IllegalStateException(
            what + " failed: " + done.getError().getErrors(0).getMessage());
      }
      return done;
    } catch (ExecutionException e) {
      throw new IllegalStateException(what + " failed: " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(what + " did not finish within 10 minutes", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(what + " was interrupted", e);
    }
  }

  @Override
  public synchronized List<ProviderNode> createNodes(
      NodeType type, Map<String, String> tags, int count) {
    checkNodeConfig(type);
    Map<String, String> labels = new LinkedHashMap<>(tags);
    labels.put(Tags.CLUSTER_NAME, config.clusterName());
    labels.put(Tags.NODE_TYPE, type.name());
    String kind = labels.getOrDefault(Tags.NODE_KIND, Tags.KIND_WORKER);
    List<ProviderNode> out = new ArrayList<>();
    if (config.provider().cacheStoppedNodes()) {
      for (Instance stopped :
          list(
              Map.of(
                  Tags.CLUSTER_NAME, config.clusterName(),
                  Tags.NODE_TYPE, type.name(),
                  Tags.NODE_KIND, kind),
              Set.of("TERMINATED", "STOPPED"))) {
        if (out.size() == count) {
          break;
        }
        await(
            instances.startAsync(project, zone, stopped.getName()),
            "starting " + stopped.getName());
        setNodeTags(stopped.getName(), labels);
        out.add(node(stopped.getName()));
      }
    }
    for (int n = out.size(); n < count; n++) {
      String name =
          "glint-"
              + config.clusterName()
              + "-"
              + kind
              + "-"
              + UUID.randomUUID().toString().substring(0, 8);
      await(instances.insertAsync(project, zone, instance(type, name, labels)), "creating " + name);
      out.add(view(instances.get(project, zone, name)));
    }
    return out;
  }

  private Instance instance(NodeType type, String name, Map<String, String> labels) {
    JsonNode nc = type.nodeConfig();
    Instance.Builder b =
        Instance.newBuilder()
            .setName(name)
            .setMachineType("zones/" + zone + "/machineTypes/" + nc.get("machineType").asText())
            .putAllLabels(labels);
    if (nc.has("sourceImage")) {
      b.addDisks(
          AttachedDisk.newBuilder()
              .setBoot(true)
              .setAutoDelete(true)
              .setInitializeParams(
                  AttachedDiskInitializeParams.newBuilder()
                      .setSourceImage(nc.get("sourceImage").asText())
                      .setDiskSizeGb(nc.path("diskSizeGb").asLong(50))));
    }
    for (JsonNode d : nc.path("disks")) {
      AttachedDisk.Builder disk =
          AttachedDisk.newBuilder()
              .setBoot(d.path("boot").asBoolean(false))
              .setAutoDelete(d.path("autoDelete").asBoolean(true));
      JsonNode init = d.path("initializeParams");
      if (!init.isMissingNode()) {
        disk.setInitializeParams(
            AttachedDiskInitializeParams.newBuilder()
                .setSourceImage(init.path("sourceImage").asText())
                .setDiskSizeGb(init.path("diskSizeGb").asLong(50)));
      }
      b.addDisks(disk);
    }
    NetworkInterface.Builder net =
        NetworkInterface.newBuilder().setNetwork("global/networks/default");
    JsonNode nets = nc.path("networkInterfaces");
    if (nets.size() > 0 && nets.get(0).has("subnetwork")) {
      net.setSubnetwork(nets.get(0).get("subnetwork").asText());
    }
    if (!config.provider().useInternalIps()) {
      net.addAccessConfigs(
          AccessConfig.newBuilder().setName("External NAT").setType("ONE_TO_ONE_NAT"));
    }
    b.addNetworkInterfaces(net);
    JsonNode accounts = nc.path("serviceAccounts");
    if (accounts.size() > 0) {
      for (JsonNode a : accounts) {
        ServiceAccount.Builder sa = ServiceAccount.newBuilder().setEmail(a.path("email").asText());
        a.path("scopes").forEach(s -> sa.addScopes(s.asText()));
        b.addServiceAccounts(sa);
      }
    } else {
      b.addServiceAccounts(
          ServiceAccount.newBuilder()
              .setEmail("default")
              .addScopes("https://www.googleapis.com/auth/cloud-platform"));
    }
    Metadata.Builder m = Metadata.newBuilder();
    boolean hasKeys = false;
    for (JsonNode item : nc.path("metadata").path("items")) {
      hasKeys |= item.path("key").asText().equals("ssh-keys");
      m.addItems(
          com.google.cloud.compute.v1.Items.newBuilder()
              .setKey(item.path("key").asText())
              .setValue(item.path("value").asText()));
    }
    if (!hasKeys) {
      // As Ray's GCP bootstrap does: the launcher's key may log in as auth.ssh_user.
      m.addItems(
          com.google.cloud.compute.v1.Items.newBuilder()
              .setKey("ssh-keys")
              .setValue(
                  config.auth().sshUser() + ":" + SshKeys.publicKeyLine(sshKey()) + " glint"));
    }
    b.setMetadata(m);
    if (nc.path("scheduling").path("preemptible").asBoolean(false)) {
      b.setScheduling(Scheduling.newBuilder().setPreemptible(true));
    }
    for (JsonNode t : nc.path("tags").path("items")) {
      b.setTags(b.getTags().toBuilder().addItems(t.asText()));
    }
    return b.build();
  }

  private static void checkNodeConfig(NodeType type) {
    Shell.checkNodeConfigKeys(type, "gcp", NODE_CONFIG_KEYS);
    if (!type.nodeConfig().has("machineType")) {
      throw new IllegalArgumentException(
          "available_node_types."
              + type.name()
              + ".node_config.machineType: the gcp provider needs it");
    }
    if (!type.nodeConfig().has("sourceImage") && !type.nodeConfig().has("disks")) {
      throw new IllegalArgumentException(
          "available_node_types."
              + type.name()
              + ".node_config: give sourceImage (or disks with a boot disk)");
    }
  }

  @Override
  public void terminateNodes(List<String> ids) {
    for (String id : ids) {
      if (config.provider().cacheStoppedNodes()) {
        await(instances.stopAsync(project, zone, id), "stopping " + id);
      } else {
        await(instances.deleteAsync(project, zone, id), "deleting " + id);
      }
    }
  }

  @Override
  public void setNodeTags(String id, Map<String, String> tags) {
    Instance i = instances.get(project, zone, id);
    Map<String, String> labels = new LinkedHashMap<>(i.getLabelsMap());
    labels.putAll(tags);
    await(
        instances.setLabelsAsync(
            project,
            zone,
            id,
            InstancesSetLabelsRequest.newBuilder()
                .putAllLabels(labels)
                .setLabelFingerprint(i.getLabelFingerprint())
                .build()),
        "labelling " + id);
  }

  @Override
  public ProviderNode node(String id) {
    try {
      Instance i = instances.get(project, zone, id);
      return Set.of("PROVISIONING", "STAGING", "RUNNING").contains(i.getStatus()) ? view(i) : null;
    } catch (com.google.api.gax.rpc.NotFoundException e) {
      return null;
    }
  }

  /** The key nodes accept: auth.ssh_private_key, else one made for this project and kept. */
  private Path sshKey() {
    String key = config.auth().sshPrivateKey();
    if (key != null) {
      return Shell.expandHome(key);
    }
    return SshKeys.ensure(
        NodeProviders.stateDir().resolve("keys").resolve("glint-gcp_" + project + ".pem"));
  }

  @Override
  public CommandRunner commandRunner(ProviderNode node) {
    return SshCommandRunner.forCloudNode(config, node, sshKey());
  }

  @Override
  public void close() {
    instances.close();
  }
}
