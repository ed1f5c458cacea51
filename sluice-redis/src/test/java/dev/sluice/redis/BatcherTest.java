package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * When {@link Batcher} sends a call, against a stand-in for Redis whose answers the test gives by
 * hand: no Redis, no threads, no timers (the timeout is far away).
 */
class BatcherTest {
  /** The calls sent, in order, each with the future the test completes to answer it. */
  private final List<List<Batcher.Call>> sent = new ArrayList<>();

  private final List<CompletableFuture<List<RedisStore.SlotResult>>> answers = new ArrayList<>();
  private final Batcher batcher = batcher(2, 64);

  /** A batcher whose calls go to {@link #sent}, answered when the test says. */
  private Batcher batcher(int maxInFlight, int maxBatch) {
    return new Batcher(
        calls -> {
          sent.add(calls);
          CompletableFuture<List<RedisStore.SlotResult>> answer = new CompletableFuture<>();
          answers.add(answer);
          return answer;
        },
        maxInFlight,
        maxBatch,
        Duration.ofMinutes(1));
  }

  private static Batcher.Call charge(int id) {
    return new Batcher.Call(null, new int[] {id});
  }

  /** Answers call {@code n}: every charge of it admitted. */
  private void answer(int n) {
    List<RedisStore.SlotResult> results = new ArrayList<>();
    for (Batcher.Call c : sent.get(n)) {
      results.add(new RedisStore.SlotResult(c.members(), List.of((Object) 1L), 0, 0, true));
    }
    answers.get(n).complete(results);
  }

  private List<Integer> sizes() {
    return sent.stream().map(List::size).toList();
  }

  @Test
  void aLoneCharge_leavesAtOnce() {
    CompletableFuture<RedisStore.SlotResult> r = batcher.submit(charge(1));

    assertThat(sizes()).containsExactly(1);
    answer(0);
    assertThat(r).isCompleted();
  }

  @Test
  void withACallInFlight_chargesWaitUntilAsManyAsItCarries_thenLeaveTogether() {
    batcher.submit(charge(1)); // nothing in flight: alone
    batcher.submit(charge(2)); // one of 1 in flight: 1 waiting matches it
    for (int i = 3; i <= 5; i++) {
      batcher.submit(charge(i)); // both slots taken
    }
    answer(0); // frees a slot: the three waiting leave together
    answer(1);
    assertThat(sizes()).containsExactly(1, 1, 3);

    batcher.submit(charge(6));
    batcher.submit(charge(7));
    assertThat(sizes())
        .as("2 waiting, a call of 3 in flight: held, though a slot is free")
        .hasSize(3);
    batcher.submit(charge(8));

    assertThat(sizes()).containsExactly(1, 1, 3, 3);
    assertThat(sent.get(3)).extracting(c -> c.members()[0]).containsExactly(6, 7, 8);
  }

  @Test
  void heldCharges_leaveWhenTheCallAheadAnswers_beforeItsCallersCallbacksRun() {
    List<CompletableFuture<RedisStore.SlotResult>> ahead = new ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      ahead.add(batcher.submit(charge(i)));
    }
    answer(0);
    answer(1); // now one call of 2 in flight
    assertThat(sizes()).containsExactly(1, 1, 2);
    batcher.submit(charge(9)); // held: 1 waiting, a call of 2 in flight
    assertThat(sizes()).hasSize(3);
    List<Integer> sentWhenCallbackRan = new ArrayList<>();
    ahead.get(3).whenComplete((r, e) -> sentWhenCallbackRan.add(sent.size()));

    answer(2);

    assertThat(sentWhenCallbackRan)
        .as("the held charge left before the answer's callbacks")
        .containsExactly(4);
    assertThat(sent.get(3)).extracting(c -> c.members()[0]).containsExactly(9);
  }

  @Test
  void everyCharge_isSentOnceAndAnswered_howeverSubmissionsAndAnswersInterleave() {
    for (int seed = 0; seed < 200; seed++) {
      sent.clear();
      answers.clear();
      Batcher b = batcher(1 + seed % 3, 1 + seed % 7);
      Random random = new Random(seed);
      List<CompletableFuture<RedisStore.SlotResult>> results = new ArrayList<>();
      int answered = 0;
      for (int step = 0; step < 300; step++) {
        if (random.nextInt(3) > 0 || answered == answers.size()) {
          results.add(b.submit(charge(results.size())));
        } else {
          answer(answered++);
        }
      }
      while (answered < answers.size()) { // answering drains what still waits
        answer(answered++);
      }

      assertThat(results).as("seed %d", seed).allMatch(CompletableFuture::isDone);
      List<Integer> order = sent.stream().flatMap(List::stream).map(c -> c.members()[0]).toList();
      assertThat(order)
          .as("seed %d: each sent once, in arrival order", seed)
          .isEqualTo(java.util.stream.IntStream.range(0, results.size()).boxed().toList());
    }
  }
}
