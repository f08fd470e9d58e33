package io.glint.cluster.config;

/** The {@code auth} section: how the launcher logs in to its nodes over SSH. */
public record AuthConfig(String sshUser, String sshPrivateKey, int sshPort) {}
