package io.glint.cluster.provider;

/**
 * The tags (labels on GCP and Kubernetes) Glint puts on every node it launches, as Ray's launcher
 * does with its {@code ray-*} tags: how {@code glint down} and the autoscaler find a cluster's
 * nodes again.
 */
public final class Tags {
  public static final String CLUSTER_NAME = "glint-cluster-name";
  public static final String NODE_KIND = "glint-node-kind";
  public static final String NODE_TYPE = "glint-user-node-type";
  public static final String NODE_STATUS = "glint-node-status";
  public static final String NODE_NAME = "glint-node-name";

  public static final String KIND_HEAD = "head";
  public static final String KIND_WORKER = "worker";

  /** Node statuses, in the order a node goes through them. */
  public static final String STATUS_UNINITIALIZED = "uninitialized";

  public static final String STATUS_WAITING_FOR_SSH = "waiting-for-ssh";
  public static final String STATUS_SETTING_UP = "setting-up";
  public static final String STATUS_STARTING = "starting-glint";
  public static final String STATUS_UP_TO_DATE = "up-to-date";
  public static final String STATUS_UPDATE_FAILED = "update-failed";

  private Tags() {}
}
