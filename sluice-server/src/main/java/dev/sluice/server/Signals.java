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
   * Runs {@code action} on SIGTERM and SIGINT instead of the JVM's own handling, which would begin
   * its shutdown at once and end it with status 143 (130 for SIGINT) whatever the drain did.
   * Returns whether the handlers are in place; where not, the JVM's handling stays.
   */
  static boolean onTerminate(Runnable action) {
    try {
      handle("TERM", action);
      handle("INT", action);
      return true;
    } catch (ReflectiveOperationException | IllegalArgumentException | LinkageError e) {
      return false;
    }
  }

  static void onHangUp(Runnable action) {
    try {
      handle("HUP", action);
    } catch (ReflectiveOperationException | IllegalArgumentException | LinkageError e) {
      Throwable cause = e instanceof InvocationTargetException i ? i.getCause() : e;
      System.err.println(
          "sluice: SIGHUP is not available here ("
              + cause.getMessage()
              + "); reload the policy with POST /admin/reload");
    }
  }

  /** {@code sun.misc.Signal.handle(new Signal(name), signal -> action.run())}, reflectively. */
  private static void handle(String name, Runnable action) throws ReflectiveOperationException {
    Class<?> signalType = Class.forName("sun.misc.Signal");
    Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
    Object signal = signalType.getConstructor(String.class).newInstance(name);
    Object handler =
        Proxy.newProxyInstance(
            Signals.class.getClassLoader(),
            new Class<?>[] {handlerType},
            (proxy, method, args) -> invoked(proxy, method, args, action));
    Method handle = signalType.getMethod("handle", signalType, handlerType);
    try {
      handle.invoke(null, signal, handler);
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
