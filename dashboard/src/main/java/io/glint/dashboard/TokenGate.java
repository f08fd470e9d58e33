package io.glint.dashboard;

import com.sun.net.httpserver.HttpExchange;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The cluster token in front of every path (Jupyter's model): API clients and Prometheus send
 * {@code Authorization: Bearer <token>}; a person opens the URL printed at start-up, {@code
 * /?token=<token>}, which sets an HttpOnly, SameSite=Strict cookie and redirects to the clean URL.
 */
final class TokenGate {
  static final String COOKIE = "glint_dashboard_token";

  private final byte[] token;

  TokenGate(String token) {
    this.token = token.getBytes(StandardCharsets.UTF_8);
  }

  /** The outcome for one request. */
  enum Verdict {
    ALLOWED,
    /** The right token in the query: set the cookie and redirect to the clean URL. */
    LOGIN,
    DENIED
  }

  Verdict check(HttpExchange ex) {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth != null
        && auth.regionMatches(true, 0, "Bearer ", 0, 7)
        && matches(auth.substring(7))) {
      return Verdict.ALLOWED;
    }
    String cookies = ex.getRequestHeaders().getFirst("Cookie");
    if (cookies != null) {
      for (String c : cookies.split(";")) {
        String kv = c.strip();
        if (kv.startsWith(COOKIE + "=") && matches(kv.substring(COOKIE.length() + 1))) {
          return Verdict.ALLOWED;
        }
      }
    }
    String given = queryToken(ex.getRequestURI());
    if (given != null && matches(given)) {
      return Verdict.LOGIN;
    }
    return Verdict.DENIED;
  }

  /** The Set-Cookie value for a successful login. */
  String loginCookie() {
    return COOKIE
        + "="
        + new String(token, StandardCharsets.UTF_8)
        + "; Path=/; HttpOnly; SameSite=Strict";
  }

  private boolean matches(String candidate) {
    return MessageDigest.isEqual(token, candidate.strip().getBytes(StandardCharsets.UTF_8));
  }

  private static String queryToken(URI uri) {
    String q = uri.getRawQuery();
    if (q == null) {
      return null;
    }
    for (String part : q.split("&")) {
      if (part.startsWith("token=")) {
        return URLDecoder.decode(part.substring(6), StandardCharsets.UTF_8);
      }
    }
    return null;
  }
}
