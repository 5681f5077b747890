package dev.shortlist.examples.service;

/**
 * A request the service refuses: the HTTP status, a short machine-readable code, the field at
 * fault (null when none) and a message naming the problem and the value.
 */
final class HttpError extends RuntimeException {

  final int status;
  final String code;
  final String field;
  final String value;

  HttpError(int status, String code, String field, String value, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.field = field;
    this.value = value;
  }

  static HttpError badRequest(String code, String field, String value, String message) {
    return new HttpError(400, code, field, value, message);
  }
}
