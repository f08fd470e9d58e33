package io.glint.cluster.provider;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.glint.cluster.config.ClusterConfig;
import io.glint.cluster.config.NodeType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code kubernetes} provider, through the fabric8 client: one pod per Glint node in {@code
 * provider.namespace}, made from the node type's {@code node_config} (a pod manifest, as in Ray's
 * Kubernetes provider), labelled with Glint's {@link Tags}; the head gets a service, {@code
 * glint-<cluster>-head}, so workers and drivers reach it by name. Commands run in the pods through
 * the API server's exec, files go as tar streams. Glint then runs on an existing Kubernetes
 * cluster, the way users outgrow hand-managed machines.
 */
public final class KubernetesNodeProvider implements NodeProvider {
  private final ClusterConfig config;
  private final KubernetesClient client;
  private final String namespace;

  public KubernetesNodeProvider(ClusterConfig config, KubernetesClient client) {
    this.config = config;
    this.client = client;
    this.namespace = config.provider().namespace();
  }

  /** The head's service name. */
  public static String headService(String cluster) {
    return "glint-" + cluster + "-head";
  }

  private static ProviderNode view(Pod p) {
    Map<String, String> labels =
        p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels();
    Map<String, String> tags = new LinkedHashMap<>();
    labels.forEach(
        (k, v) -> {
          if (k.startsWith("glint-")) {
            tags.put(k, v);
          }
        });
    String ip = p.getStatus() == null ? null : p.getStatus().getPodIP();
    String phase =
        p.getStatus() == null || p.getStatus().getPhase() == null
            ? "Pending"
            : p.getStatus().getPhase();
    return new ProviderNode(p.getMetadata().getName(), Map.copyOf(tags), ip, null, phase);
  }

  private static boolean live(Pod p) {
    String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
    return p.getMetadata().getDeletionTimestamp() == null
        && !"Succeeded".equals(phase)
        && !"Failed".equals(phase);
  }

  @Override
  public List<ProviderNode> nonTerminatedNodes(Map<String, String> filter) {
    Map<String, String> selector = new LinkedHashMap<>(filter);
    selector.put(Tags.CLUSTER_NAME, config.clusterName());
    return client.pods().inNamespace(namespace).withLabels(selector).list().getItems().stream()
        .filter(KubernetesNodeProvider::live)
        .map(KubernetesNodeProvider::view)
        .toList();
  }

  @Override
  public List<ProviderNode> createNodes(NodeType type, Map<String, String> tags, int count) {
    Map<String, String> labels = new LinkedHashMap<>(tags);
    labels.put(Tags.CLUSTER_NAME, config.clusterName());
    labels.put(Tags.NODE_TYPE, type.name());
    String kind = labels.getOrDefault(Tags.NODE_KIND, Tags.KIND_WORKER);
    Pod template;
    try {
      template = Serialization.unmarshal(type.nodeConfig().toString(), Pod.class);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "available_node_types."
              + type.name()
              + ".node_config: the kubernetes provider takes a pod manifest: "
              + e.getMessage());
    }
    if (template.getSpec() == null
        || template.getSpec().getContainers() == null
        || template.getSpec().getContainers().isEmpty()) {
      throw new IllegalArgumentException(
          "available_node_types."
              + type.name()
              + ".node_config: the pod manifest needs spec.containers (an image with Glint and"
              + " a JDK 25)");
    }
    List<ProviderNode> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Pod pod =
          new PodBuilder(template)
              .editOrNewMetadata()
              .withName(null)
              .withGenerateName("glint-" + config.clusterName() + "-" + kind + "-")
              .withNamespace(namespace)
              .addToLabels(labels)
              .endMetadata()
              .build();
      Pod made = client.pods().inNamespace(namespace).resource(pod).create();
      out.add(view(made));
    }
    if (Tags.KIND_HEAD.equals(kind)) {
      ensureHeadService();
    }
    return out;
  }

  private void ensureHeadService() {
    String name = headService(config.clusterName());
    if (client.services().inNamespace(namespace).withName(name).get() != null) {
      return;
    }
    client
        .services()
        .inNamespace(namespace)
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .addToLabels(Tags.CLUSTER_NAME, config.clusterName())
                .endMetadata()
                .withNewSpec()
                .addToSelector(Tags.CLUSTER_NAME, config.clusterName())
                .addToSelector(Tags.NODE_KIND, Tags.KIND_HEAD)
                .addNewPort()
                .withName("control")
                .withPort(ClusterConfig.HEAD_PORT)
                .withTargetPort(new IntOrString(ClusterConfig.HEAD_PORT))
                .endPort()
                .addNewPort()
                .withName("dashboard")
                .withPort(8265)
                .withTargetPort(new IntOrString(8265))
                .endPort()
                .endSpec()
                .build())
        .create();
  }

  @Override
  public void terminateNodes(List<String> ids) {
    for (String id : ids) {
      client.pods().inNamespace(namespace).withName(id).delete();
    }
  }

  @Override
  public void forgetCluster() {
    if (nonTerminatedNodes(Map.of()).isEmpty()) {
      client.services().inNamespace(namespace).withName(headService(config.clusterName())).delete();
    }
  }

  @Override
  public void setNodeTags(String id, Map<String, String> tags) {
    client
        .pods()
        .inNamespace(namespace)
        .withName(id)
        .edit(p -> new PodBuilder(p).editMetadata().addToLabels(tags).endMetadata().build());
  }

  @Override
  public ProviderNode node(String id) {
    Pod p = client.pods().inNamespace(namespace).withName(id).get();
    return p == null || !live(p) ? null : view(p);
  }

  @Override
  public CommandRunner commandRunner(ProviderNode node) {
    Map<String, String> env = new LinkedHashMap<>();
    if (node.internalIp() != null) {
      env.put("GLINT_NODE_IP_ADDRESS", node.internalIp());
    }
    return new KubernetesCommandRunner(client, namespace, node.id(), env);
  }

  @Override
  public void close() {
    client.close();
  }
}
