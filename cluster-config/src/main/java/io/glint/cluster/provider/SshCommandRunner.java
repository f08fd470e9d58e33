package io.glint.cluster.provider;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;

/**
 * Runs a node's commands over SSH (Apache MINA SSHD): each command in a login shell of {@code
 * auth.ssh_user} with the node's environment exported first; files go over SFTP. As Ray's launcher
 * does, host keys are not checked (nodes are new machines whose keys nobody knows yet).
 */
public final class SshCommandRunner implements CommandRunner {
  private static final SshClient CLIENT = startClient();

  private final String host;
  private final int port;
  private final String user;
  private final Path privateKey;
  private final Map<String, String> baseEnv;

  /**
   * @param privateKey the key to log in with (null: the client's default keys are not used; the key
   *     is required)
   * @param baseEnv exported before every command
   */
  public SshCommandRunner(
      String host, int port, String user, Path privateKey, Map<String, String> baseEnv) {
    this.host = host;
    this.port = port;
    this.user = user;
    this.privateKey = privateKey;
    this.baseEnv = Map.copyOf(baseEnv);
  }

  /**
   * The runner for a cloud node: its external address unless {@code use_internal_ips}, {@code
   * auth.ssh_user}, and {@code auth.ssh_private_key} (else {@code defaultKey}, such as the key pair
   * the aws provider made).
   */
  public static SshCommandRunner forCloudNode(
      io.glint.cluster.config.ClusterConfig config, ProviderNode node, Path defaultKey) {
    String key = config.auth().sshPrivateKey();
    Path keyPath = key != null ? Shell.expandHome(key) : defaultKey;
    Map<String, String> env = new LinkedHashMap<>();
    if (node.internalIp() != null) {
      env.put("GLINT_NODE_IP_ADDRESS", node.internalIp());
    }
    return new SshCommandRunner(
        node.address(config.provider().useInternalIps()),
        config.auth().sshPort(),
        config.auth().sshUser(),
        keyPath,
        env);
  }

  private static SshClient startClient() {
    SshClient c = SshClient.setUpDefaultClient();
    c.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
    c.start();
    return c;
  }

  private ClientSession connect(Duration timeout) throws IOException {
    ClientSession s = CLIENT.connect(user, host, port).verify(timeout).getSession();
    try {
      if (privateKey == null) {
        throw new IOException("no SSH key: set auth.ssh_private_key");
      }
      Iterable<KeyPair> keys;
      try (InputStream in = Files.newInputStream(privateKey)) {
        keys = SecurityUtils.loadKeyPairIdentities(s, () -> privateKey.toString(), in, null);
      } catch (java.security.GeneralSecurityException e) {
        throw new IOException("cannot read the SSH key " + privateKey + ": " + e.getMessage(), e);
      }
      for (KeyPair k : keys) {
        s.addPublicKeyIdentity(k);
      }
      s.auth().verify(timeout);
      return s;
    } catch (IOException | RuntimeException e) {
      s.close(true);
      throw e;
    }
  }

  private String wrap(String command, Map<String, String> env) {
    // Exported before the login shell starts, so the node's ~/.profile sees them too.
    return Shell.exports(baseEnv, env) + "exec bash --login -c " + Shell.quote(command);
  }

  @Override
  public Result run(String command, Map<String, String> env, Duration timeout) {
    try (ClientSession s = connect(Duration.ofSeconds(20));
        ChannelExec ch = s.createExecChannel(wrap(command, env))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ch.setOut(out);
      ch.setErr(out);
      ch.open().verify(Duration.ofSeconds(20));
      var events = ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), timeout);
      String text = out.toString(StandardCharsets.UTF_8).strip();
      if (!events.contains(ClientChannelEvent.CLOSED)) {
        return new Result(124, text + "\n(ended after " + timeout.toSeconds() + " s)");
      }
      Integer code = ch.getExitStatus();
      return new Result(code == null ? 255 : code, text);
    } catch (IOException e) {
      return new Result(255, "ssh " + user + "@" + host + ":" + port + ": " + e.getMessage());
    }
  }

  @Override
  public boolean reachable() {
    try (ClientSession s = connect(Duration.ofSeconds(5))) {
      return s.isAuthenticated();
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** SFTP paths: {@code ~/x} and relative ones are under the login's home. */
  static String sftpPath(String remote) {
    if (remote.equals("~")) {
      return ".";
    }
    return remote.startsWith("~/") ? remote.substring(2) : remote;
  }

  @Override
  public void copyUp(Path local, String remote) {
    try (ClientSession s = connect(Duration.ofSeconds(20));
        SftpClient sftp = SftpClientFactory.instance().createSftpClient(s)) {
      String target = sftpPath(remote);
      if (Files.isDirectory(local)) {
        try (Stream<Path> all = Files.walk(local)) {
          for (Path p : (Iterable<Path>) all::iterator) {
            String rel = local.relativize(p).toString();
            String to = rel.isEmpty() ? target : target + "/" + rel;
            if (Files.isDirectory(p)) {
              mkdirs(sftp, to);
            } else {
              put(sftp, p, to);
            }
          }
        }
      } else {
        int slash = target.lastIndexOf('/');
        if (slash > 0) {
          mkdirs(sftp, target.substring(0, slash));
        }
        put(sftp, local, target);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "copying " + local + " to " + user + "@" + host + ":" + remote + ": " + e.getMessage(),
          e);
    }
  }

  private static void mkdirs(SftpClient sftp, String dir) throws IOException {
    StringBuilder path = new StringBuilder(dir.startsWith("/") ? "/" : "");
    for (String part : dir.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      path.append(path.length() == 0 || path.charAt(path.length() - 1) == '/' ? "" : "/")
          .append(part);
      try {
        sftp.stat(path.toString());
      } catch (IOException missing) {
        sftp.mkdir(path.toString());
      }
    }
  }

  private static void put(SftpClient sftp, Path local, String remote) throws IOException {
    try (OutputStream out = sftp.write(remote);
        InputStream in = Files.newInputStream(local)) {
      in.transferTo(out);
    }
    if (Files.isExecutable(local)) {
      SftpClient.Attributes a = new SftpClient.Attributes();
      a.setPermissions(0755);
      sftp.setStat(remote, a);
    }
  }

  @Override
  public void copyDown(String remote, Path local) {
    try (ClientSession s = connect(Duration.ofSeconds(20));
        SftpClient sftp = SftpClientFactory.instance().createSftpClient(s)) {
      get(sftp, sftpPath(remote), local);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "copying " + user + "@" + host + ":" + remote + " to " + local + ": " + e.getMessage(),
          e);
    }
  }

  private static void get(SftpClient sftp, String remote, Path local) throws IOException {
    if (sftp.stat(remote).isDirectory()) {
      Files.createDirectories(local);
      for (SftpClient.DirEntry e : sftp.readDir(remote)) {
        if (!e.getFilename().equals(".") && !e.getFilename().equals("..")) {
          get(sftp, remote + "/" + e.getFilename(), local.resolve(e.getFilename()));
        }
      }
      return;
    }
    if (local.getParent() != null) {
      Files.createDirectories(local.getParent());
    }
    try (InputStream in = sftp.read(remote)) {
      Files.copy(in, local, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }

  @Override
  public int attach(Map<String, String> env) {
    try (ClientSession s = connect(Duration.ofSeconds(20));
        ChannelShell shell = s.createShellChannel()) {
      Map<String, String> all = new LinkedHashMap<>(baseEnv);
      all.putAll(env);
      all.forEach(shell::setEnv);
      shell.setIn(System.in);
      shell.setOut(System.out);
      shell.setErr(System.err);
      shell.open().verify(Duration.ofSeconds(20));
      shell.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), 0L);
      Integer code = shell.getExitStatus();
      return code == null ? 0 : code;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
