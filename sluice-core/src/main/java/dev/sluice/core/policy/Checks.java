package dev.sluice.core.policy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Argument checks shared by the policy's constructors: a null says which argument it was. */
final class Checks {
  private Checks() {}

  /** An immutable copy of {@code list}; a null list, or null element {@code i}, is named. */
  static <T> List<T> list(List<T> list, String name) {
    Objects.requireNonNull(list, name);
    List<T> copy = new ArrayList<>(list); // one read of a list another thread may change
    for (int i = 0; i < copy.size(); i++) {
      Objects.requireNonNull(copy.get(i), name + "[" + i + "]");
    }
    return List.copyOf(copy);
  }

  /** An immutable copy of {@code map}, in its order; a null map, key or value is named. */
  static <K, V> Map<K, V> map(Map<K, V> map, String name) {
    Objects.requireNonNull(map, name);
    Map<K, V> copy = new LinkedHashMap<>();
    map.forEach(
        (k, v) -> {
          Objects.requireNonNull(k, name + ": a key");
          copy.put(k, Objects.requireNonNull(v, name + "[" + k + "]"));
        });
    return Collections.unmodifiableMap(copy);
  }
}
