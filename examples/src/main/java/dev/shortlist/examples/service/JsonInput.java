package dev.shortlist.examples.service;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Strict reading of request bodies: well-formed JSON (no NaN, no comments, no duplicate keys, no
 * trailing content), no unknown fields, every field of the expected type and range. Each problem
 * becomes an {@link HttpError} naming the field and the value. Stateless and thread-safe.
 */
final class JsonInput {

  static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private JsonInput() {}

  /** The body as a JSON object or array. */
  static JsonNode parse(byte[] body) {
    if (body.length == 0) {
      throw HttpError.badRequest("malformed_json", null, null, "the request body is empty; expected JSON");
    }
    try {
      JsonNode node = MAPPER.readTree(body);
      if (node == null || node.isMissingNode()) {
        throw HttpError.badRequest("malformed_json", null, null, "the request body holds no JSON value");
      }
      return node;
    } catch (JacksonException e) {
      throw HttpError.badRequest(
          "malformed_json", null, null, "malformed JSON: " + e.getOriginalMessage()
              + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()
                  + ", column " + e.getLocation().getColumnNr()));
    } catch (java.io.IOException e) {
      throw HttpError.badRequest("malformed_json", null, null, "unreadable body: " + e.getMessage());
    }
  }

  /** {@code node} as an object whose fields are all in {@code known}. */
  static JsonNode object(JsonNode node, String where, Set<String> known) {
    if (!node.isObject()) {
      throw invalid(where == null ? "(body)" : where, node, "must be a JSON object");
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!known.contains(name)) {
        throw HttpError.badRequest(
            "unknown_field", path(where, name), render(node.get(name)),
            "unknown field '" + path(where, name) + "' = " + render(node.get(name))
                + "; known fields: " + new java.util.TreeSet<>(known));
      }
    }
    return node;
  }

  static String requiredString(JsonNode obj, String where, String field) {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) {
      throw missing(where, field);
    }
    if (!v.isTextual() || v.asText().isBlank()) {
      throw invalid(path(where, field), v, "must be a non-blank string");
    }
    return v.asText();
  }

  static String optionalString(JsonNode obj, String where, String field, String defaultValue) {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) {
      return defaultValue;
    }
    if (!v.isTextual() || v.asText().isBlank()) {
      throw invalid(path(where, field), v, "must be a non-blank string");
    }
    return v.asText();
  }

  static long requiredLong(JsonNode obj, String where, String field) {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) {
      throw missing(where, field);
    }
    return asLong(v, path(where, field));
  }

  static long asLong(JsonNode v, String field) {
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw invalid(field, v, "must be an integer id (a 64-bit JSON number without fraction)");
    }
    return v.asLong();
  }

  static int optionalInt(JsonNode obj, String field, int defaultValue, int min, int max) {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) {
      return defaultValue;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
      throw invalid(field, v, "must be an integer in [" + min + ", " + max + "]");
    }
    return v.asInt();
  }

  /** A finite float; {@code min} exclusive when {@code positive}. */
  static float asFloat(JsonNode v, String field) {
    if (!v.isNumber()) {
      throw invalid(field, v, "must be a number");
    }
    float f = (float) v.asDouble();
    if (!Float.isFinite(f)) {
      throw invalid(field, v, "must be a finite number within the float range");
    }
    return f;
  }

  static double optionalPositive(JsonNode obj, String field, double max) {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) {
      return Double.NaN;
    }
    if (!v.isNumber() || !(v.asDouble() > 0) || v.asDouble() > max) {
      throw invalid(field, v, "must be a number in (0, " + (long) max + "]");
    }
    return v.asDouble();
  }

  static long[] optionalLongs(JsonNode obj, String field, int maxLength) {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) {
      return new long[0];
    }
    if (!v.isArray()) {
      throw invalid(field, v, "must be an array of integer ids");
    }
    if (v.size() > maxLength) {
      throw invalid(field, v, "must hold at most " + maxLength + " ids, held " + v.size());
    }
    long[] out = new long[v.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = asLong(v.get(i), field + "[" + i + "]");
    }
    return out;
  }

  static float[] requiredVector(JsonNode obj, String field, int dimension) {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) {
      throw missing(null, field);
    }
    if (!v.isArray()) {
      throw invalid(field, v, "must be an array of " + dimension + " numbers");
    }
    if (v.size() != dimension) {
      throw HttpError.badRequest(
          "wrong_dimension", field, String.valueOf(v.size()),
          field + " must have " + dimension + " components, had " + v.size());
    }
    float[] out = new float[dimension];
    boolean nonZero = false;
    for (int i = 0; i < dimension; i++) {
      out[i] = asFloat(v.get(i), field + "[" + i + "]");
      nonZero |= out[i] != 0;
    }
    if (!nonZero) {
      throw invalid(field, v, "must not be all zeros (items are compared by cosine)");
    }
    return out;
  }

  static Map<String, String> optionalStringMap(JsonNode obj, String field) {
    JsonNode v = obj.get(field);
    Map<String, String> out = new LinkedHashMap<>();
    if (v == null || v.isNull()) {
      return out;
    }
    if (!v.isObject()) {
      throw invalid(field, v, "must be an object of strings");
    }
    for (Map.Entry<String, JsonNode> e : v.properties()) {
      if (!e.getValue().isTextual()) {
        throw invalid(field + "." + e.getKey(), e.getValue(), "must be a string");
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  /** An ISO-8601 instant ({@code "2026-01-31T12:00:00Z"}) or epoch milliseconds. */
  static Instant optionalInstant(JsonNode obj, String where, String field, Instant defaultValue) {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) {
      return defaultValue;
    }
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      return Instant.ofEpochMilli(v.asLong());
    }
    if (v.isTextual()) {
      try {
        return Instant.parse(v.asText());
      } catch (DateTimeParseException e) {
        // reported below
      }
    }
    throw invalid(path(where, field), v,
        "must be an ISO-8601 instant such as \"2026-01-31T12:00:00Z\" or epoch milliseconds");
  }

  static HttpError missing(String where, String field) {
    String p = path(where, field);
    return HttpError.badRequest("missing_field", p, null, "field '" + p + "' is required");
  }

  static HttpError invalid(String field, JsonNode value, String rule) {
    String shown = render(value);
    return HttpError.badRequest(
        "invalid_field", field, shown, "field '" + field + "' " + rule + ", was " + shown);
  }

  static String path(String where, String field) {
    return where == null ? field : where + "." + field;
  }

  /** The JSON text of a value, shortened to 80 characters. */
  static String render(JsonNode value) {
    String s = value == null ? "null" : value.toString();
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
