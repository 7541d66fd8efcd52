package dev.cde.bridge.github.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.cde.bridge.github.NpmFixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks requests against GitHub's own OpenAPI description (npm {@code @octokit/openapi}): the path matches a
 * path template, the method exists there, every query parameter is declared, the JSON body has every required
 * property with the right JSON type and nothing the schema does not define. Reusable: hand it WireMock's
 * {@code getAllServeEvents()}.
 *
 * <p>Limits: bodies whose schema is a {@code oneOf}/{@code anyOf} are checked only for being JSON objects;
 * types are checked one level deep (array items of primitive type included).
 */
public final class OpenApiRequestChecker {
  private static OpenApiRequestChecker github;

  private final JsonNode spec;
  private final List<Template> templates = new ArrayList<>();
  private final ObjectMapper json = new ObjectMapper();

  private record Template(String path, Pattern pattern, int literals) {
  }

  private OpenApiRequestChecker(JsonNode spec) {
    this.spec = spec;
    for (Iterator<String> it = spec.path("paths").fieldNames(); it.hasNext(); ) {
      String path = it.next();
      String regex = Pattern.quote(path).replaceAll("\\{[^}/]+}", "\\\\E[^/]+\\\\Q");
      int literals = (int) java.util.Arrays.stream(path.split("/")).filter(s -> !s.startsWith("{")).count();
      templates.add(new Template(path, Pattern.compile(regex), literals));
    }
    // The most literal template wins: /runners/generate-jitconfig before /runners/{runner_id}.
    templates.sort(Comparator.comparingInt(Template::literals).reversed());
  }

  /**
   * The api.github.com description, loaded once (13 MB). Skips the calling test when it is not installed, or
   * fails it in CI ({@link NpmFixtures}).
   */
  public static synchronized OpenApiRequestChecker github() {
    if (github == null) {
      Path spec = NpmFixtures.require("@octokit/openapi/generated/api.github.com.json",
          "GitHub's OpenAPI description (@octokit/openapi)");
      try {
        github = new OpenApiRequestChecker(new ObjectMapper().readTree(spec.toFile()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return github;
  }

  /** Every violation of every request, each line naming its request; empty when all conform. */
  public List<String> violations(List<ServeEvent> events) {
    List<String> all = new ArrayList<>();
    for (ServeEvent e : events) {
      LoggedRequest r = e.getRequest();
      for (String v : violations(r.getMethod().getName(), r.getUrl(), r.getBodyAsString())) {
        all.add(r.getMethod().getName() + " " + r.getUrl() + ": " + v);
      }
      if (!"application/vnd.github+json".equals(r.getHeader("Accept"))) {
        all.add(r.getUrl() + ": Accept is " + r.getHeader("Accept"));
      }
      if (!"2022-11-28".equals(r.getHeader("X-GitHub-Api-Version"))) {
        all.add(r.getUrl() + ": X-GitHub-Api-Version is " + r.getHeader("X-GitHub-Api-Version"));
      }
    }
    return all;
  }

  public List<String> violations(String method, String url, String body) {
    List<String> out = new ArrayList<>();
    URI uri = URI.create(url);
    String path = uri.getRawPath();
    List<Template> matching = templates.stream().filter(t -> t.pattern().matcher(path).matches()).toList();
    if (matching.isEmpty()) {
      return List.of("no path template of GitHub's OpenAPI description matches " + path);
    }
    String m = method.toLowerCase();
    Template template = matching.stream().filter(t -> spec.path("paths").path(t.path()).has(m)).findFirst().orElse(null);
    if (template == null) {
      return List.of(method + " is not defined for " + matching.get(0).path());
    }
    JsonNode pathItem = spec.path("paths").path(template.path());
    JsonNode operation = pathItem.path(m);
    checkQuery(uri.getRawQuery(), pathItem, operation, out);
    checkBody(body, operation, out);
    return out;
  }

  private void checkQuery(String rawQuery, JsonNode pathItem, JsonNode operation, List<String> out) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return;
    }
    Set<String> declared = new HashSet<>();
    for (JsonNode params : List.of(pathItem.path("parameters"), operation.path("parameters"))) {
      for (JsonNode p : params) {
        JsonNode param = resolve(p);
        if ("query".equals(param.path("in").asText())) {
          declared.add(param.path("name").asText());
        }
      }
    }
    for (String pair : rawQuery.split("&")) {
      String name = URLDecoder.decode(pair.split("=", 2)[0], StandardCharsets.UTF_8);
      if (!declared.contains(name)) {
        out.add("query parameter '" + name + "' is not declared; declared: " + declared);
      }
    }
  }

  private void checkBody(String body, JsonNode operation, List<String> out) {
    boolean hasBody = body != null && !body.isBlank();
    JsonNode requestBody = resolve(operation.path("requestBody"));
    if (requestBody.isMissingNode()) {
      if (hasBody) {
        out.add("sends a body but the operation takes none");
      }
      return;
    }
    if (!hasBody) {
      if (requestBody.path("required").asBoolean(false)) {
        out.add("the request body is required");
      }
      return;
    }
    JsonNode value;
    try {
      value = json.readTree(body);
    } catch (IOException e) {
      out.add("body is not JSON");
      return;
    }
    JsonNode schema = resolve(requestBody.path("content").path("application/json").path("schema"));
    if (schema.isMissingNode()) {
      out.add("the operation takes no application/json body");
      return;
    }
    checkValue("body", schema, value, out);
    if (!value.isObject() || !schema.has("properties")) {
      return;
    }
    for (JsonNode required : schema.path("required")) {
      if (!value.has(required.asText())) {
        out.add("required property '" + required.asText() + "' is missing");
      }
    }
    JsonNode properties = schema.path("properties");
    boolean open = schema.path("additionalProperties").isObject() || schema.path("additionalProperties").asBoolean(false);
    for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      JsonNode propertySchema = resolve(properties.path(field.getKey()));
      if (propertySchema.isMissingNode()) {
        if (!open) {
          out.add("property '" + field.getKey() + "' is not defined by the schema");
        }
        continue;
      }
      checkValue("property '" + field.getKey() + "'", propertySchema, field.getValue(), out);
      if (field.getValue().isArray() && propertySchema.has("items")) {
        JsonNode items = resolve(propertySchema.path("items"));
        for (JsonNode item : field.getValue()) {
          checkValue("an item of '" + field.getKey() + "'", items, item, out);
        }
      }
    }
  }

  private static void checkValue(String what, JsonNode schema, JsonNode value, List<String> out) {
    JsonNode type = schema.path("type");
    if (type.isMissingNode() || (value.isNull() && schema.path("nullable").asBoolean(false))) {
      return;
    }
    List<String> types = new ArrayList<>();
    if (type.isArray()) {
      type.forEach(t -> types.add(t.asText()));
    } else {
      types.add(type.asText());
    }
    if (types.stream().noneMatch(t -> hasType(t, value))) {
      out.add(what + " should be " + types + " but is " + value.getNodeType().name().toLowerCase() + " " + value);
    }
  }

  private static boolean hasType(String type, JsonNode v) {
    return switch (type) {
      case "string" -> v.isTextual();
      case "integer" -> v.isIntegralNumber();
      case "number" -> v.isNumber();
      case "boolean" -> v.isBoolean();
      case "array" -> v.isArray();
      case "object" -> v.isObject();
      case "null" -> v.isNull();
      default -> true;
    };
  }

  private JsonNode resolve(JsonNode node) {
    while (node.has("$ref")) {
      node = spec.at(node.get("$ref").asText().substring(1));
    }
    return node;
  }
}
