package dev.sluice.server;

/**
 * SIGHUP, the Unix way to ask a daemon to re-read its configuration. Java has no public API for
 * signals; {@code sun.misc.Signal} (module jdk.unsupported) is what servers on the JVM use. Where
 * it is missing (not a HotSpot-like JVM, or Windows), reload stays available through {@code POST
 * /admin/reload}.
 */
final class Signals {
  private Signals() {}

  /**
   * Runs {@code action} on SIGTERM and SIGINT instead of the JVM's own handling, which would begin
   * its shutdown at once and end it with status 143 (130 for SIGINT) whatever the drain did.
   * Returns whether the handlers are in place; where not, the JVM's handling stays.
   */
  static boolean onTerminate(Runnable action) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> action.run());
      sun.misc.Signal.handle(new sun.misc.Signal("INT"), signal -> action.run());
      return true;
    } catch (IllegalArgumentException | LinkageError e) {
      return false;
    }
  }

  static void onHangUp(Runnable action) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> action.run());
    } catch (IllegalArgumentException | LinkageError e) {
      System.err.println(
          "sluice: SIGHUP is not available here ("
              + e.getMessage()
              + "); reload the policy with POST /admin/reload");
    }
  }
}
