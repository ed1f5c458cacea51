package dev.sluice.server.simulate;

/** A log line that cannot be read as a request: an answer for the report, not a bug. */
final class Malformed extends Exception {
  private static final long serialVersionUID = 1L;

  Malformed(String problem) {
    super(problem, null, false, false);
  }
}
