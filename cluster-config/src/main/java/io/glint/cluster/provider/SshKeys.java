package io.glint.cluster.provider;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.Iterator;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.util.security.SecurityUtils;

/** SSH key files for the launcher: made when a cloud needs one, read, and their public lines. */
final class SshKeys {
  private SshKeys() {}

  /** The key at {@code pem}, made (RSA 3072, PKCS#8, readable by this user only) when absent. */
  static Path ensure(Path pem) {
    if (Files.exists(pem)) {
      return pem;
    }
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(3072);
      KeyPair k = g.generateKeyPair();
      String text =
          "-----BEGIN PRIVATE KEY-----\n"
              + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                  .encodeToString(k.getPrivate().getEncoded())
              + "\n-----END PRIVATE KEY-----\n";
      Files.createDirectories(pem.getParent());
      Files.writeString(pem, text);
      Files.setPosixFilePermissions(pem, PosixFilePermissions.fromString("rw-------"));
      return pem;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot make an SSH key: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("saving an SSH key to " + pem, e);
    }
  }

  /** {@code ssh-rsa AAAA...}: the public half of the key file, as authorized_keys holds it. */
  static String publicKeyLine(Path privateKey) {
    try (InputStream in = Files.newInputStream(privateKey)) {
      Iterator<KeyPair> keys =
          SecurityUtils.loadKeyPairIdentities(null, privateKey::toString, in, null).iterator();
      if (!keys.hasNext()) {
        throw new IllegalArgumentException("no key in " + privateKey);
      }
      return PublicKeyEntry.toString(keys.next().getPublic());
    } catch (IOException e) {
      throw new UncheckedIOException("reading the SSH key " + privateKey, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "cannot read the SSH key " + privateKey + ": " + e.getMessage(), e);
    }
  }
}
