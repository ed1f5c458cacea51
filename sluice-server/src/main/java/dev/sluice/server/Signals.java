package dev.sluice.server;

/**
 * SIGHUP, the Unix way to ask a daemon to re-read its configuration. Java has no public API for
 * signals; {@code sun.misc.Signal} (module jdk.unsupported) is what servers on the JVM use. Where
 * it is missing (not a HotSpot-like JVM, or Windows), reload stays available through
 * {@code POST /admin/reload}.
 */
final class Signals {
  private Signals() {}

  static void onHangUp(Runnable action) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> action.run());
    } catch (IllegalArgumentException | LinkageError e) {
      System.err.println("sluice: SIGHUP is not available here (" + e.getMessage()
          + "); reload the policy with POST /admin/reload");
    }
  }
}
