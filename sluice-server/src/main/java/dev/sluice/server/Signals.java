package dev.sluice.server;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * SIGHUP, the Unix way to ask a daemon to re-read its configuration, and SIGTERM/SIGINT for an
 * orderly drain. Java has no public API for signals; {@code sun.misc.Signal} (module
 * jdk.unsupported) is what servers on the JVM use. It is reached reflectively, so that the build
 * stays free of the compiler's unsuppressible "internal proprietary API" warning and a JVM without
 * it is a case handled at run time rather than a link error. Where it is missing (not a
 * HotSpot-like JVM, or Windows), reload stays available through {@code POST /admin/reload}.
 */
final class Signals {
  private Signals() {}

  /**
   * Whether a signal's handler is in place: {@code null} if it is, else why not, in words for the
   * banner ("SIGHUP is ignored: the process was started under nohup...").
   */
  private static String problem(String name, Runnable action) {
    try {
      return handle(name, action)
          ? null
          : "SIG"
              + name
              + " is ignored by this process (it was started ignoring it, as nohup does)";
    } catch (ReflectiveOperationException | IllegalArgumentException | LinkageError e) {
      Throwable cause = e instanceof InvocationTargetException i ? i.getCause() : e;
      return "SIG" + name + " cannot be handled here (" + cause.getMessage() + ")";
    }
  }

  /**
   * Runs {@code action} with the signal's name ("TERM", "INT") on SIGTERM and SIGINT instead of the
   * JVM's own handling, which would begin its shutdown at once and end it with status 143 (130 for
   * SIGINT) whatever the drain did. Where a handler cannot be put in place, the JVM's handling of
   * that signal stays.
   */
  static void onTerminate(java.util.function.Consumer<String> action) {
    problem("TERM", () -> action.accept("TERM"));
    problem("INT", () -> action.accept("INT"));
  }

  /**
   * Runs {@code action} on SIGHUP. Returns {@code null} if it will, else why not: the process
   * ignores SIGHUP (started under {@code nohup}, which sets it ignored, and the JVM keeps a signal
   * ignored at start ignored: {@code sun.misc.Signal.handle} then installs nothing and returns
   * {@code SIG_IGN}), or the platform or JVM has no such signal ({@code -Xrs}, Windows).
   */
  static String onHangUp(Runnable action) {
    return problem("HUP", action);
  }

  /**
   * {@code sun.misc.Signal.handle(new Signal(name), signal -> action.run())}, reflectively. Returns
   * false if the handler was not installed because the signal is ignored.
   */
  private static boolean handle(String name, Runnable action) throws ReflectiveOperationException {
    Class<?> signalType = Class.forName("sun.misc.Signal");
    Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
    Object signal = signalType.getConstructor(String.class).newInstance(name);
    Object handler =
        Proxy.newProxyInstance(
            Signals.class.getClassLoader(),
            new Class<?>[] {handlerType},
            (proxy, method, args) -> invoked(proxy, method, args, action));
    Method handle = signalType.getMethod("handle", signalType, handlerType);
    Object ignored = handlerType.getField("SIG_IGN").get(null);
    try {
      return handle.invoke(null, signal, handler) != ignored;
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof IllegalArgumentException refused) {
        throw refused; // the JVM reserves this signal, or the platform lacks it
      }
      throw e;
    }
  }

  /** The handler's one method runs the action; Object's methods behave as identity. */
  private static Object invoked(Object proxy, Method method, Object[] args, Runnable action) {
    return switch (method.getName()) {
      case "handle" -> {
        action.run();
        yield null;
      }
      case "hashCode" -> System.identityHashCode(proxy);
      case "equals" -> proxy == args[0];
      case "toString" -> "sluice signal handler";
      default -> throw new UnsupportedOperationException(method.toString());
    };
  }
}
