package io.glint.tune.schedulers;

import io.glint.tune.Trial;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * HyperBand (Li et al., 2017; Ray's {@code HyperBandScheduler}): trials fill brackets in turn,
 * bracket {@code s} holding {@code ceil((sMax+1)/(s+1) * eta^s)} trials that start with a budget of
 * {@code maxT * eta^-s} iterations. Each trial pauses when it reaches its bracket's milestone; once
 * every trial of a full bracket has reached it, the best {@code 1/eta} go on to the next milestone
 * ({@code eta} times further) and the rest stop. A paused trial gives its resources back and
 * resumes from its checkpoint, so trainables should save one ({@code Tune.report(m, ckpt)}).
 */
public final class HyperBandScheduler extends MetricScheduler {
  /** One bracket: its size, its current milestone, and its members still in play. */
  static final class Bracket implements java.io.Serializable {
    final int s;
    final int size;
    int milestone;
    final List<Trial> members = new ArrayList<>();
    final Map<String, Double> reached = new HashMap<>();

    /** Members that left: stopped at a milestone, finished or failed. */
    int gone;

    Bracket(int s, int size, int milestone) {
      this.s = s;
      this.size = size;
      this.milestone = milestone;
    }
  }

  private final int maxT;
  private final double eta;
  private final int sMax;
  private final List<Bracket> brackets = new ArrayList<>();
  private final Map<String, Bracket> bracketOf = new HashMap<>();
  private final Map<String, Integer> stoppedAt = new LinkedHashMap<>();
  private int nextS;

  /** maxT 81, eta 3. */
  public HyperBandScheduler() {
    this(81, 3);
  }

  public HyperBandScheduler(int maxT, double eta) {
    if (maxT < 1 || eta <= 1) {
      throw new IllegalArgumentException("HyperBand needs maxT >= 1 and eta > 1");
    }
    this.maxT = maxT;
    this.eta = eta;
    this.sMax = (int) Math.floor(Math.log(maxT) / Math.log(eta) + 1e-9);
    this.nextS = sMax;
  }

  /** Where each trial that stopped early stopped (iterations), for inspection. */
  public Map<String, Integer> stoppedAt() {
    return Map.copyOf(stoppedAt);
  }

  /** Each bracket's size and first milestone, in the order they fill. */
  public List<int[]> bracketShapes() {
    List<int[]> out = new ArrayList<>();
    for (int s = sMax; s >= 0; s--) {
      out.add(new int[] {size(s), firstMilestone(s)});
    }
    return out;
  }

  private int size(int s) {
    return (int) Math.ceil((sMax + 1.0) / (s + 1) * Math.pow(eta, s));
  }

  private int firstMilestone(int s) {
    return Math.max(1, (int) Math.round(maxT * Math.pow(eta, -s)));
  }

  @Override
  public void onTrialAdd(Trial trial) {
    Bracket open = brackets.isEmpty() ? null : brackets.get(brackets.size() - 1);
    if (open == null || open.members.size() >= open.size) {
      int s = nextS;
      nextS = nextS == 0 ? sMax : nextS - 1;
      open = new Bracket(s, size(s), firstMilestone(s));
      brackets.add(open);
    }
    open.members.add(trial);
    bracketOf.put(trial.id(), open);
  }

  @Override
  public Decision onTrialResult(Trial trial, Map<String, Object> result) {
    Bracket b = bracketOf.get(trial.id());
    int t = TrialScheduler.iteration(result);
    if (t >= maxT) {
      return Decision.STOP;
    }
    if (b == null || t < b.milestone) {
      return Decision.CONTINUE;
    }
    b.reached.put(trial.id(), reward(result));
    return Decision.PAUSE;
  }

  @Override
  public void onTrialComplete(Trial trial) {
    Bracket b = bracketOf.get(trial.id());
    if (b != null && b.members.remove(trial)) {
      b.reached.remove(trial.id());
      b.gone++;
    }
  }

  @Override
  public Map<Trial, Action> decidePaused(boolean stalled) {
    Map<Trial, Action> out = new LinkedHashMap<>();
    for (Bracket b : brackets) {
      boolean full = b.members.size() + countGone(b) >= b.size || stalled;
      boolean allThere =
          !b.members.isEmpty()
              && b.members.stream()
                  .allMatch(
                      m -> b.reached.containsKey(m.id()) && m.status() == Trial.Status.PAUSED);
      if (!full || !allThere) {
        continue;
      }
      List<Trial> ranked = new ArrayList<>(b.members);
      ranked.sort(Comparator.comparingDouble((Trial m) -> -b.reached.get(m.id())));
      int keep = Math.max(1, (int) Math.floor(ranked.size() / eta));
      for (int i = 0; i < ranked.size(); i++) {
        Trial m = ranked.get(i);
        if (i < keep) {
          out.put(m, Action.CONTINUE);
        } else {
          out.put(m, Action.STOP);
          stoppedAt.put(m.id(), b.milestone);
        }
      }
      b.members.removeIf(m -> out.get(m) == Action.STOP);
      b.gone += ranked.size() - keep;
      b.reached.clear();
      b.milestone = (int) Math.min(maxT, Math.round(b.milestone * eta));
    }
    return out;
  }

  private static int countGone(Bracket b) {
    return b.gone;
  }
}
