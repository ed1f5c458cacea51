package dev.sluice.server.ops;

/** Input the admin API refuses with 400, naming the field at fault. */
final class BadInput extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final String field;

  BadInput(String field, String message) {
    super(message, null, false, false);
    this.field = field;
  }
}
