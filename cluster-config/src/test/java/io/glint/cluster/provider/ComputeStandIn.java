package io.glint.cluster.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local stand-in of the Compute Engine v1 REST endpoints the gcp provider calls (there is no
 * emulator): instances insert/get/list/delete/start/stop/setLabels and zoneOperations get, with
 * request and response shapes as Google's API reference gives them. Operations come back RUNNING
 * and are DONE when polled, so the client's zone-operation polling is exercised; setLabels checks
 * the label fingerprint (412 when stale), as the real API does.
 */
final class ComputeStandIn implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PATH =
      Pattern.compile(
          "/compute/v1/projects/([^/]+)/zones/([^/]+)/(instances|operations)(?:/([^/]+))?(?:/([A-Za-z]+))?");

  private final HttpServer server;
  final Map<String, ObjectNode> instances = new ConcurrentHashMap<>();
  final List<String> requests = new CopyOnWriteArrayList<>();
  private final Map<String, ObjectNode> operations = new ConcurrentHashMap<>();
  private final AtomicInteger ids = new AtomicInteger();

  ComputeStandIn() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void handle(HttpExchange x) throws IOException {
    String method = x.getRequestMethod();
    String path = x.getRequestURI().getPath();
    requests.add(
        method
            + " "
            + path
            + (x.getRequestURI().getQuery() == null ? "" : "?" + x.getRequestURI().getQuery()));
    byte[] body = x.getRequestBody().readAllBytes();
    Matcher m = PATH.matcher(path);
    if (!m.matches()) {
      error(x, 404, "no such endpoint: " + path);
      return;
    }
    String project = m.group(1);
    String zone = m.group(2);
    String collection = m.group(3);
    String name = m.group(4);
    String verb = m.group(5);
    String zoneLink =
        "https://www.googleapis.com/compute/v1/projects/" + project + "/zones/" + zone;
    if (collection.equals("operations")) {
      ObjectNode op = operations.get(name);
      if (op == null) {
        error(x, 404, "The resource '" + zoneLink + "/operations/" + name + "' was not found");
        return;
      }
      op.put("status", "DONE").put("progress", 100);
      send(x, 200, op);
      return;
    }
    if (name == null && method.equals("GET")) {
      ObjectNode list =
          JSON.createObjectNode()
              .put("kind", "compute#instanceList")
              .put("id", "projects/" + project + "/zones/" + zone + "/instances");
      ArrayNode items = list.putArray("items");
      instances.values().forEach(items::add);
      list.put("selfLink", zoneLink + "/instances");
      send(x, 200, list);
      return;
    }
    if (name == null && method.equals("POST")) {
      ObjectNode i = (ObjectNode) JSON.readTree(body);
      int id = ids.incrementAndGet();
      i.put("kind", "compute#instance").put("id", String.valueOf(1_000_000 + id));
      i.put("status", "RUNNING")
          .put("zone", zoneLink)
          .put("selfLink", zoneLink + "/instances/" + i.get("name").asText());
      i.put("labelFingerprint", fingerprint(i.path("labels")));
      ObjectNode nic = (ObjectNode) i.withArray("networkInterfaces").get(0);
      nic.put("networkIP", "10.128.0." + id);
      if (nic.has("accessConfigs")) {
        ((ObjectNode) nic.get("accessConfigs").get(0)).put("natIP", "203.0.113." + id);
      }
      instances.put(i.get("name").asText(), i);
      send(x, 200, operation("insert", zoneLink, i.get("name").asText()));
      return;
    }
    ObjectNode i = instances.get(name);
    if (i == null) {
      error(x, 404, "The resource '" + zoneLink + "/instances/" + name + "' was not found");
      return;
    }
    if (verb == null && method.equals("GET")) {
      send(x, 200, i);
    } else if (verb == null && method.equals("DELETE")) {
      instances.remove(name);
      send(x, 200, operation("delete", zoneLink, name));
    } else if ("stop".equals(verb)) {
      i.put("status", "TERMINATED");
      send(x, 200, operation("stop", zoneLink, name));
    } else if ("start".equals(verb)) {
      i.put("status", "RUNNING");
      send(x, 200, operation("start", zoneLink, name));
    } else if ("setLabels".equals(verb)) {
      JsonNode req = JSON.readTree(body);
      if (!req.path("labelFingerprint").asText().equals(i.path("labelFingerprint").asText())) {
        error(x, 412, "Labels fingerprint either invalid or resource labels have changed");
        return;
      }
      i.set("labels", req.path("labels"));
      i.put("labelFingerprint", fingerprint(req.path("labels")));
      send(x, 200, operation("setLabels", zoneLink, name));
    } else {
      error(x, 400, "unsupported: " + method + " " + path);
    }
  }

  private ObjectNode operation(String type, String zoneLink, String target) {
    String name = "operation-" + ids.incrementAndGet();
    ObjectNode op =
        JSON.createObjectNode()
            .put("kind", "compute#operation")
            .put("id", String.valueOf(ids.get()))
            .put("name", name)
            .put("zone", zoneLink)
            .put("operationType", type)
            .put("targetLink", zoneLink + "/instances/" + target)
            .put("status", "RUNNING")
            .put("progress", 0)
            .put("selfLink", zoneLink + "/operations/" + name);
    operations.put(name, op.deepCopy());
    return op;
  }

  private static String fingerprint(JsonNode labels) {
    return Base64.getEncoder()
        .encodeToString(
            Integer.toString(labels.toString().hashCode()).getBytes(StandardCharsets.UTF_8));
  }

  private static void error(HttpExchange x, int code, String message) throws IOException {
    ObjectNode e = JSON.createObjectNode();
    ObjectNode inner = e.putObject("error").put("code", code).put("message", message);
    inner
        .putArray("errors")
        .addObject()
        .put("message", message)
        .put("domain", "global")
        .put("reason", code == 404 ? "notFound" : "conditionNotMet");
    send(x, code, e);
  }

  private static void send(HttpExchange x, int code, JsonNode body) throws IOException {
    byte[] b = JSON.writeValueAsBytes(body);
    x.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
    x.sendResponseHeaders(code, b.length);
    try (OutputStream o = x.getResponseBody()) {
      o.write(b);
    }
  }
}
