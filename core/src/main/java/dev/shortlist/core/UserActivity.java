package dev.shortlist.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A user's recent interactions, newest first (by timestamp, then by arrival), bounded in length.
 *
 * <p>Immutable and thread-safe: {@link Recommender#record(Interaction)} replaces a user's
 * activity with a new instance, so a request sees one consistent snapshot.
 */
public final class UserActivity {

  private final String userId;
  private final List<Interaction> recent;
  private final IdSet items;
  private final long version;

  private UserActivity(String userId, List<Interaction> recent, long version) {
    this.userId = userId;
    this.recent = recent;
    long[] ids = new long[recent.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = recent.get(i).itemId();
    }
    this.items = IdSet.of(ids);
    this.version = version;
  }

  /** The activity of a user with no recorded interactions. */
  public static UserActivity empty(String userId) {
    Objects.requireNonNull(userId, "userId");
    return new UserActivity(userId, List.of(), 0);
  }

  /**
   * An activity snapshot of the given interactions, ordered newest first (for stage tests and
   * offline evaluation; serving builds activity through {@link Recommender#record}).
   *
   * @throws IllegalArgumentException if an interaction belongs to another user
   */
  public static UserActivity of(String userId, List<Interaction> interactions) {
    List<Interaction> newestFirst = new ArrayList<>(interactions.size());
    for (Interaction i : interactions) {
      if (!i.userId().equals(userId)) {
        throw new IllegalArgumentException(
            "interaction of user '" + i.userId() + "' in the activity of '" + userId + "'");
      }
      newestFirst.add(i);
    }
    // As if each were recorded in turn: newest first, and of equal times the later one first.
    java.util.Collections.reverse(newestFirst);
    newestFirst.sort(java.util.Comparator.comparing(Interaction::timestamp).reversed());
    return new UserActivity(userId, List.copyOf(newestFirst), 0);
  }

  /**
   * This activity with {@code interaction} inserted in timestamp order, keeping the newest
   * {@code maxSize}.
   */
  UserActivity with(Interaction interaction, int maxSize, long newVersion) {
    List<Interaction> next = new ArrayList<>(Math.min(recent.size() + 1, Math.max(maxSize, 1)));
    boolean placed = false;
    for (Interaction existing : recent) {
      if (!placed && !interaction.timestamp().isBefore(existing.timestamp())) {
        next.add(interaction);
        placed = true;
      }
      if (next.size() == maxSize) {
        break;
      }
      next.add(existing);
    }
    if (!placed && next.size() < maxSize) {
      next.add(interaction);
    }
    return new UserActivity(userId, List.copyOf(next), newVersion);
  }

  public String userId() {
    return userId;
  }

  /** Recent interactions, newest first. */
  public List<Interaction> recent() {
    return recent;
  }

  /** The distinct items of {@link #recent()}. */
  public IdSet items() {
    return items;
  }

  /**
   * A number that changes whenever this user's activity changes; used to tell cached state
   * derived from an older activity.
   */
  public long version() {
    return version;
  }

  @Override
  public String toString() {
    return "UserActivity[" + userId + ", " + recent.size() + " recent, v" + version + "]";
  }
}
