package io.glint.testing;

import com.google.common.collect.ArrayListMultimap;
import com.google.common.collect.HashMultimap;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import com.google.common.collect.ImmutableSortedMap;
import com.google.common.collect.ImmutableSortedSet;
import com.google.common.collect.LinkedHashMultimap;
import com.google.common.collect.Multimap;
import com.google.common.collect.TreeMultimap;
import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Everyday Java values, with contents, for serialization tests: the JDK's collections (mutable,
 * immutable, wrappers, views), records, enums, {@code java.time}, big numbers, sorted collections
 * with comparators, nested generics, arrays of records, and Guava's immutable collections and
 * multimaps. Each must come back equal to itself from {@code put}, task arguments, task results and
 * actor calls.
 */
public final class ValueMatrix {
  private ValueMatrix() {}

  /** A record for the matrix. */
  public record Item(String name, int count, List<String> tags) implements Serializable {}

  /** An enum for the matrix. */
  public enum Color {
    RED,
    GREEN,
    BLUE
  }

  /** A comparator that crosses processes: a named class, not a lambda. */
  public static final class ByLength implements Comparator<String>, Serializable {
    @Override
    public int compare(String a, String b) {
      int c = Integer.compare(a.length(), b.length());
      return c != 0 ? c : a.compareTo(b);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof ByLength;
    }

    @Override
    public int hashCode() {
      return 1;
    }
  }

  /** Name → value, in a stable order. */
  public static Map<String, Object> values() {
    Map<String, Object> m = new LinkedHashMap<>();
    List<Integer> base = new ArrayList<>(List.of(1, 2, 3, 4, 5));
    Map<String, Integer> baseMap = new LinkedHashMap<>(Map.of("a", 1, "b", 2));
    m.put("List.of", List.of(1, 2, 3));
    m.put("Set.of", Set.of("x", "y"));
    m.put("Map.of", Map.of("k", 1, "l", 2));
    m.put("ArrayList", new ArrayList<>(base));
    m.put("LinkedList", new LinkedList<>(base));
    m.put("ArrayDeque as list", new ArrayList<>(new ArrayDeque<>(base)));
    m.put("HashMap", new HashMap<>(baseMap));
    m.put("LinkedHashMap", new LinkedHashMap<>(baseMap));
    m.put("HashSet", new HashSet<>(base));
    m.put("LinkedHashSet", new LinkedHashSet<>(base));
    m.put("unmodifiableList", Collections.unmodifiableList(new ArrayList<>(base)));
    m.put("unmodifiableMap", Collections.unmodifiableMap(new HashMap<>(baseMap)));
    m.put("unmodifiableSet", Collections.unmodifiableSet(new HashSet<>(base)));
    m.put("synchronizedList", Collections.synchronizedList(new ArrayList<>(base)));
    m.put("singletonList", Collections.singletonList("one"));
    m.put("singleton", Collections.singleton("one"));
    m.put("singletonMap", Collections.singletonMap("k", "v"));
    m.put("emptyList", Collections.emptyList());
    m.put("emptyMap", Collections.emptyMap());
    m.put("emptySet", Collections.emptySet());
    m.put("Arrays.asList", Arrays.asList("a", null, "c"));
    m.put("subList", base.subList(1, 4));
    m.put("keySet", new HashMap<>(baseMap).keySet());
    m.put("values", new ArrayList<>(new HashMap<>(baseMap).values()));
    m.put("stream toList", Stream.of("p", "q").toList());
    m.put("record", new Item("box", 3, List.of("a", "b")));
    m.put("enum", Color.GREEN);
    m.put("EnumMap", new EnumMap<>(Map.of(Color.RED, 1, Color.BLUE, 2)));
    m.put("EnumSet", EnumSet.of(Color.RED, Color.BLUE));
    m.put("Optional", Optional.of("present"));
    m.put("Optional.empty", Optional.empty());
    m.put("OptionalInt", OptionalInt.of(7));
    m.put("Instant", Instant.parse("2026-11-29T10:15:30.123456789Z"));
    m.put("Duration", Duration.ofMillis(1234567));
    m.put("LocalDate", LocalDate.of(2026, 11, 29));
    m.put("LocalTime", LocalTime.of(10, 15, 30));
    m.put("LocalDateTime", LocalDateTime.of(2026, 11, 29, 10, 15));
    m.put("ZonedDateTime", ZonedDateTime.of(2026, 11, 29, 10, 15, 0, 0, ZoneId.of("Europe/Paris")));
    m.put("OffsetDateTime", OffsetDateTime.of(2026, 11, 29, 10, 15, 0, 0, ZoneOffset.ofHours(2)));
    m.put("BigDecimal", new BigDecimal("12345678901234567890.123456789"));
    m.put("BigInteger", new BigInteger("123456789012345678901234567890"));
    m.put("UUID", UUID.fromString("123e4567-e89b-12d3-a456-426614174000"));
    m.put("TreeMap", new TreeMap<>(Map.of("z", 1, "a", 2)));
    TreeMap<String, Integer> reversed = new TreeMap<>(Comparator.reverseOrder());
    reversed.putAll(Map.of("z", 1, "a", 2, "m", 3));
    m.put("TreeMap reverseOrder", reversed);
    TreeSet<String> byLength = new TreeSet<>(new ByLength());
    byLength.addAll(List.of("ccc", "a", "bb"));
    m.put("TreeSet comparator", byLength);
    m.put(
        "nested generics",
        Map.of("m", List.of(Map.of("k", List.of(1, 2)), Map.of()), "n", List.of()));
    m.put(
        "array of records", new Item[] {new Item("a", 1, List.of()), new Item("b", 2, List.of())});
    m.put("ImmutableList", ImmutableList.of(1, 2, 3));
    m.put("ImmutableSet", ImmutableSet.of("x", "y"));
    m.put("ImmutableMap", ImmutableMap.of("k", 1, "l", 2));
    m.put("ImmutableSortedSet", ImmutableSortedSet.of("b", "a", "c"));
    m.put("ImmutableSortedMap", ImmutableSortedMap.of("b", 1, "a", 2));
    Multimap<String, Integer> alm = ArrayListMultimap.create();
    alm.putAll("a", List.of(1, 2, 2));
    alm.put("b", 3);
    m.put("ArrayListMultimap", alm);
    Multimap<String, Integer> hm = HashMultimap.create();
    hm.putAll("a", List.of(1, 2));
    m.put("HashMultimap", hm);
    Multimap<String, Integer> lhm = LinkedHashMultimap.create();
    lhm.putAll("z", List.of(9, 8));
    m.put("LinkedHashMultimap", lhm);
    Multimap<String, Integer> tm = TreeMultimap.create();
    tm.putAll("q", List.of(3, 1));
    m.put("TreeMultimap", tm);
    return m;
  }

  /** Whether a round-tripped value equals the original (arrays by content). */
  public static boolean same(Object original, Object back) {
    if (original instanceof Object[] a && back instanceof Object[] b) {
      return Arrays.deepEquals(a, b) && a.getClass() == b.getClass();
    }
    if (original instanceof java.util.SortedMap<?, ?> s
        && back instanceof java.util.SortedMap<?, ?> t) {
      return s.equals(t)
          && List.copyOf(s.keySet()).equals(List.copyOf(t.keySet()))
          && java.util.Objects.equals(s.comparator(), t.comparator());
    }
    if (original instanceof java.util.SortedSet<?> s && back instanceof java.util.SortedSet<?> t) {
      return s.equals(t)
          && List.copyOf(s).equals(List.copyOf(t))
          && java.util.Objects.equals(s.comparator(), t.comparator());
    }
    return java.util.Objects.equals(original, back);
  }
}
