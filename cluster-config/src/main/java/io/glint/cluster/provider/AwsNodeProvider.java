package io.glint.cluster.provider;

import com.fasterxml.jackson.databind.JsonNode;
import io.glint.cluster.config.ClusterConfig;
import io.glint.cluster.config.NodeType;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.Ec2ClientBuilder;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesRequest;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.IamInstanceProfileSpecification;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.ec2.model.Subnet;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;
import software.amazon.awssdk.services.ec2.model.UserIdGroupPair;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * The {@code aws} provider, through the AWS SDK for Java v2: EC2 instances tagged with Glint's
 * {@link Tags} (and {@code Name}), found again by those tags. As Ray's launcher does, it makes what
 * is missing the first time: a key pair (its private key saved under {@code
 * ~/.glint/clusters/keys}), a security group that lets SSH in and the cluster's nodes talk to each
 * other, and an instance profile; subnets are chosen by {@code availability_zone}. With {@code
 * cache_stopped_nodes} (the default) ended nodes are stopped and started again by the next launch
 * of their type.
 *
 * <p>The SDK's usual settings apply (credentials chain, {@code AWS_ENDPOINT_URL} or {@code
 * aws.endpointUrl} for another endpoint, such as moto's in tests).
 */
public final class AwsNodeProvider implements NodeProvider {
  /** node_config keys this provider passes to RunInstances. */
  static final Set<String> NODE_CONFIG_KEYS =
      Set.of(
          "InstanceType",
          "ImageId",
          "KeyName",
          "SubnetId",
          "SubnetIds",
          "SecurityGroupIds",
          "IamInstanceProfile",
          "UserData");

  static final String INSTANCE_PROFILE = "glint-autoscaler-v1";

  private final ClusterConfig config;
  private final Ec2Client ec2;
  private final IamClient iam;
  private String keyName;
  private String securityGroupId;
  private List<String> subnetIds;
  private String instanceProfileArn;

  public AwsNodeProvider(ClusterConfig config) {
    this.config = config;
    Ec2ClientBuilder b =
        Ec2Client.builder()
            .region(Region.of(config.provider().region()))
            .httpClient(UrlConnectionHttpClient.create());
    var ib =
        IamClient.builder().region(Region.AWS_GLOBAL).httpClient(UrlConnectionHttpClient.create());
    endpoint()
        .ifPresent(
            e -> {
              b.endpointOverride(e);
              ib.endpointOverride(e);
            });
    this.ec2 = b.build();
    this.iam = ib.build();
  }

  private static java.util.Optional<URI> endpoint() {
    String e = System.getProperty("aws.endpointUrl");
    if (e == null || e.isBlank()) {
      e = System.getenv("AWS_ENDPOINT_URL");
    }
    return e == null || e.isBlank()
        ? java.util.Optional.empty()
        : java.util.Optional.of(URI.create(e));
  }

  private Filter clusterFilter() {
    return Filter.builder().name("tag:" + Tags.CLUSTER_NAME).values(config.clusterName()).build();
  }

  private List<Instance> describe(List<Filter> filters) {
    List<Instance> out = new ArrayList<>();
    ec2.describeInstancesPaginator(DescribeInstancesRequest.builder().filters(filters).build())
        .reservations()
        .forEach(r -> out.addAll(r.instances()));
    return out;
  }

  private static ProviderNode view(Instance i) {
    Map<String, String> tags = new LinkedHashMap<>();
    for (Tag t : i.tags()) {
      if (t.key().startsWith("glint-")) {
        tags.put(t.key(), t.value());
      }
    }
    return new ProviderNode(
        i.instanceId(),
        Map.copyOf(tags),
        i.privateIpAddress(),
        i.publicIpAddress(),
        i.state().nameAsString());
  }

  @Override
  public List<ProviderNode> nonTerminatedNodes(Map<String, String> filter) {
    List<Filter> filters = new ArrayList<>();
    filters.add(clusterFilter());
    filters.add(Filter.builder().name("instance-state-name").values("pending", "running").build());
    filter.forEach((k, v) -> filters.add(Filter.builder().name("tag:" + k).values(v).build()));
    return describe(filters).stream().map(AwsNodeProvider::view).toList();
  }

  @Override
  public synchronized List<ProviderNode> createNodes(
      NodeType type, Map<String, String> tags, int count) {
    checkNodeConfig(type);
    Map<String, String> all = new LinkedHashMap<>(tags);
    all.put(Tags.CLUSTER_NAME, config.clusterName());
    all.put(Tags.NODE_TYPE, type.name());
    List<ProviderNode> out = new ArrayList<>();
    if (config.provider().cacheStoppedNodes()) {
      List<Filter> f = new ArrayList<>();
      f.add(clusterFilter());
      f.add(Filter.builder().name("instance-state-name").values("stopped").build());
      f.add(Filter.builder().name("tag:" + Tags.NODE_TYPE).values(type.name()).build());
      f.add(
          Filter.builder()
              .name("tag:" + Tags.NODE_KIND)
              .values(all.getOrDefault(Tags.NODE_KIND, Tags.KIND_WORKER))
              .build());
      List<String> reuse = describe(f).stream().map(Instance::instanceId).limit(count).toList();
      if (!reuse.isEmpty()) {
        ec2.startInstances(r -> r.instanceIds(reuse));
        reuse.forEach(id -> setNodeTags(id, all));
        reuse.forEach(id -> out.add(node(id)));
      }
    }
    int left = count - out.size();
    if (left > 0) {
      bootstrap(type);
      List<Tag> tagList = new ArrayList<>();
      all.forEach((k, v) -> tagList.add(Tag.builder().key(k).value(v).build()));
      tagList.add(
          Tag.builder()
              .key("Name")
              .value(
                  "glint-"
                      + config.clusterName()
                      + "-"
                      + all.getOrDefault(Tags.NODE_KIND, "worker"))
              .build());
      JsonNode nc = type.nodeConfig();
      RunInstancesRequest.Builder req =
          RunInstancesRequest.builder()
              .imageId(text(nc, "ImageId"))
              .instanceType(text(nc, "InstanceType"))
              .minCount(left)
              .maxCount(left)
              .keyName(nc.has("KeyName") ? text(nc, "KeyName") : keyName)
              .securityGroupIds(
                  nc.has("SecurityGroupIds")
                      ? strings(nc.get("SecurityGroupIds"))
                      : List.of(securityGroupId))
              .subnetId(
                  nc.has("SubnetId")
                      ? text(nc, "SubnetId")
                      : nc.has("SubnetIds")
                          ? strings(nc.get("SubnetIds")).get(0)
                          : subnetIds.get(0))
              .tagSpecifications(
                  TagSpecification.builder()
                      .resourceType(ResourceType.INSTANCE)
                      .tags(tagList)
                      .build());
      if (nc.has("IamInstanceProfile")) {
        JsonNode p = nc.get("IamInstanceProfile");
        req.iamInstanceProfile(
            IamInstanceProfileSpecification.builder()
                .arn(p.has("Arn") ? p.get("Arn").asText() : null)
                .name(p.has("Name") ? p.get("Name").asText() : null)
                .build());
      } else if (instanceProfileArn != null) {
        req.iamInstanceProfile(
            IamInstanceProfileSpecification.builder().arn(instanceProfileArn).build());
      }
      if (nc.has("UserData")) {
        req.userData(
            Base64.getEncoder()
                .encodeToString(
                    nc.get("UserData").asText().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      }
      ec2.runInstances(req.build()).instances().forEach(i -> out.add(view(i)));
    }
    return out;
  }

  private static void checkNodeConfig(NodeType type) {
    Shell.checkNodeConfigKeys(type, "aws", NODE_CONFIG_KEYS);
    for (String k : List.of("ImageId", "InstanceType")) {
      if (!type.nodeConfig().has(k)) {
        throw new IllegalArgumentException(
            "available_node_types."
                + type.name()
                + ".node_config."
                + k
                + ": the aws provider needs it");
      }
    }
  }

  /** Makes the key pair, security group, instance profile and subnet choice a launch needs. */
  private void bootstrap(NodeType type) {
    if (subnetIds == null) {
      subnetIds = subnets();
    }
    if (keyName == null && !type.nodeConfig().has("KeyName")) {
      keyName = keyPair();
    }
    if (securityGroupId == null && !type.nodeConfig().has("SecurityGroupIds")) {
      securityGroupId = securityGroup();
    }
    if (instanceProfileArn == null && !type.nodeConfig().has("IamInstanceProfile")) {
      instanceProfileArn = instanceProfile();
    }
  }

  private List<String> subnets() {
    List<Filter> f = new ArrayList<>();
    String zones = config.provider().availabilityZone();
    if (zones != null) {
      f.add(Filter.builder().name("availability-zone").values(zones.split("\\s*,\\s*")).build());
    }
    List<String> ids =
        ec2.describeSubnets(r -> r.filters(f)).subnets().stream()
            .map(Subnet::subnetId)
            .sorted()
            .toList();
    if (ids.isEmpty()) {
      throw new IllegalStateException(
          "no subnet"
              + (zones == null ? "" : " in availability zone(s) " + zones)
              + " of region "
              + config.provider().region()
              + "; create one or set node_config.SubnetIds");
    }
    return ids;
  }

  /** The subnet's VPC, for the security group. */
  private String vpcOf(String subnetId) {
    return ec2.describeSubnets(r -> r.subnetIds(subnetId)).subnets().get(0).vpcId();
  }

  private String keyPair() {
    String name = "glint-autoscaler_" + config.provider().region();
    Path pem = NodeProviders.stateDir().resolve("keys").resolve(name + ".pem");
    boolean exists =
        !ec2.describeKeyPairs(
                r -> r.filters(Filter.builder().name("key-name").values(name).build()))
            .keyPairs()
            .isEmpty();
    if (!exists) {
      String material = ec2.createKeyPair(r -> r.keyName(name)).keyMaterial();
      try {
        Files.createDirectories(pem.getParent());
        Files.writeString(pem, material);
        Files.setPosixFilePermissions(pem, PosixFilePermissions.fromString("rw-------"));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("saving the key pair's private key to " + pem, e);
      }
    }
    return name;
  }

  private String securityGroup() {
    String name = "glint-autoscaler-" + config.clusterName();
    String vpc = vpcOf(subnetIds.get(0));
    List<SecurityGroup> found =
        ec2.describeSecurityGroups(
                r ->
                    r.filters(
                        Filter.builder().name("group-name").values(name).build(),
                        Filter.builder().name("vpc-id").values(vpc).build()))
            .securityGroups();
    if (!found.isEmpty()) {
      return found.get(0).groupId();
    }
    String id =
        ec2.createSecurityGroup(
                r ->
                    r.groupName(name)
                        .vpcId(vpc)
                        .description(
                            "Glint cluster "
                                + config.clusterName()
                                + ": SSH in, nodes to each other"))
            .groupId();
    ec2.authorizeSecurityGroupIngress(
        r ->
            r.groupId(id)
                .ipPermissions(
                    IpPermission.builder()
                        .ipProtocol("tcp")
                        .fromPort(22)
                        .toPort(22)
                        .ipRanges(x -> x.cidrIp("0.0.0.0/0"))
                        .build(),
                    IpPermission.builder()
                        .ipProtocol("-1")
                        .userIdGroupPairs(UserIdGroupPair.builder().groupId(id).build())
                        .build()));
    return id;
  }

  /**
   * The instance profile the head's autoscaler uses to launch workers: made once (a role EC2 may
   * assume, with an inline policy for EC2 and passing the role on), found again afterwards; each
   * step tolerates an earlier, interrupted attempt.
   */
  private String instanceProfile() {
    String role = "glint-autoscaler-v1";
    try {
      return iam.getInstanceProfile(r -> r.instanceProfileName(INSTANCE_PROFILE))
          .instanceProfile()
          .arn();
    } catch (software.amazon.awssdk.services.iam.model.NoSuchEntityException missing) {
      // made below
    }
    try {
      iam.createRole(
          r ->
              r.roleName(role)
                  .assumeRolePolicyDocument(
                      "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                          + "\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},"
                          + "\"Action\":\"sts:AssumeRole\"}]}"));
    } catch (software.amazon.awssdk.services.iam.model.EntityAlreadyExistsException exists) {
      // an earlier attempt made it
    }
    iam.putRolePolicy(
        r ->
            r.roleName(role)
                .policyName("glint-autoscaler")
                .policyDocument(
                    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                        + "\"Action\":[\"ec2:*\",\"iam:PassRole\"],\"Resource\":\"*\"}]}"));
    String arn;
    try {
      arn =
          iam.createInstanceProfile(r -> r.instanceProfileName(INSTANCE_PROFILE))
              .instanceProfile()
              .arn();
    } catch (software.amazon.awssdk.services.iam.model.EntityAlreadyExistsException exists) {
      arn =
          iam.getInstanceProfile(r -> r.instanceProfileName(INSTANCE_PROFILE))
              .instanceProfile()
              .arn();
    }
    boolean hasRole =
        iam
            .getInstanceProfile(r -> r.instanceProfileName(INSTANCE_PROFILE))
            .instanceProfile()
            .roles()
            .stream()
            .anyMatch(x -> x.roleName().equals(role));
    if (!hasRole) {
      iam.addRoleToInstanceProfile(r -> r.instanceProfileName(INSTANCE_PROFILE).roleName(role));
    }
    return arn;
  }

  @Override
  public void terminateNodes(List<String> ids) {
    if (ids.isEmpty()) {
      return;
    }
    if (config.provider().cacheStoppedNodes()) {
      ec2.stopInstances(r -> r.instanceIds(ids));
    } else {
      ec2.terminateInstances(r -> r.instanceIds(ids));
    }
  }

  @Override
  public void setNodeTags(String id, Map<String, String> tags) {
    List<Tag> list = new ArrayList<>();
    tags.forEach((k, v) -> list.add(Tag.builder().key(k).value(v).build()));
    ec2.createTags(r -> r.resources(id).tags(list));
  }

  @Override
  public ProviderNode node(String id) {
    List<Instance> found =
        describe(List.of(Filter.builder().name("instance-id").values(id).build()));
    if (found.isEmpty() || "terminated".equals(found.get(0).state().nameAsString())) {
      return null;
    }
    return view(found.get(0));
  }

  @Override
  public CommandRunner commandRunner(ProviderNode node) {
    return SshCommandRunner.forCloudNode(
        config,
        node,
        NodeProviders.stateDir()
            .resolve("keys")
            .resolve("glint-autoscaler_" + config.provider().region() + ".pem"));
  }

  @Override
  public void close() {
    ec2.close();
    iam.close();
  }

  private static String text(JsonNode n, String key) {
    return n.get(key).asText();
  }

  private static List<String> strings(JsonNode n) {
    List<String> out = new ArrayList<>();
    if (n.isArray()) {
      n.forEach(x -> out.add(x.asText()));
    } else {
      out.add(n.asText());
    }
    return out;
  }
}
