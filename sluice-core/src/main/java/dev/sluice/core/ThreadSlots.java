package dev.sluice.core;

import java.util.function.Supplier;

/**
 * One object per thread, found faster than through a {@link ThreadLocal} alone: slot {@code
 * threadId % 64} is claimed once by the first thread that finds it empty and never rewritten, so a
 * server's few event-loop threads each find theirs with one array read, and threads that share a
 * slot fall back to the thread-local without fighting over it. (Thread ids are unique among live
 * threads, so a slot serves one live thread at most; it holds the id, not the thread. Slots are
 * never freed: where threads come and go, later ones use the thread-local.)
 */
final class ThreadSlots {
  private final Preparation[] slots = new Preparation[64];
  private final ThreadLocal<Preparation> local;

  ThreadSlots(Supplier<Preparation> make) {
    this.local = ThreadLocal.withInitial(make);
  }

  /** This thread's own. */
  Preparation get() {
    long id = Thread.currentThread().getId();
    Preparation[] s = slots;
    int i = (int) id & (s.length - 1);
    Preparation p = s[i];
    if (p != null && p.threadId == id) {
      return p;
    }
    p = local.get();
    if (s[i] == null) { // a benign race: two threads may both claim it; the last one keeps it
      s[i] = p;
    }
    return p;
  }
}
