package dev.shortlist.retrieval;

import dev.shortlist.core.QueryHydrator;
import dev.shortlist.core.QueryKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * User and item embeddings of one dimension, as learned by {@link ImplicitAls}: row {@code r} of
 * {@link #userVectors()} belongs to {@code userIds().get(r)}, row {@code r} of
 * {@link #itemVectors()} to {@code itemIds()[r]}. Scores are dot products.
 *
 * <p>Immutable and thread-safe.
 */
public final class Embeddings {

  private final List<String> userIds;
  private final long[] itemIds;
  private final FloatMatrix users;
  private final FloatMatrix items;
  private final Map<String, Integer> userRow;

  Embeddings(String[] userIds, long[] itemIds, float[] userVectors, float[] itemVectors, int dim) {
    this.userIds = List.of(userIds);
    this.itemIds = itemIds;
    this.users = FloatMatrix.wrap(userVectors, userIds.length, dim);
    this.items = FloatMatrix.wrap(itemVectors, itemIds.length, dim);
    this.userRow = new HashMap<>();
    for (int i = 0; i < userIds.length; i++) {
      userRow.put(userIds[i], i);
    }
  }

  /** The embedding dimension. */
  public int dimension() {
    return users.dimension();
  }

  /** The users, in row order. */
  public List<String> userIds() {
    return userIds;
  }

  /** The items, in row order; a copy. */
  public long[] itemIds() {
    return itemIds.clone();
  }

  public FloatMatrix userVectors() {
    return users;
  }

  public FloatMatrix itemVectors() {
    return items;
  }

  /** The embedding of {@code userId}, or null for a user not in training; a copy. */
  public float[] user(String userId) {
    Integer r = userRow.get(userId);
    return r == null ? null : users.row(r);
  }

  /**
   * Writes {@code users.npy} and {@code items.npy} (float32, one row per id) and
   * {@code users.txt} and {@code items.txt} (the ids, one per line, in row order) into
   * {@code dir}, creating it if needed.
   */
  public void write(Path dir) throws IOException {
    Objects.requireNonNull(dir, "dir");
    Files.createDirectories(dir);
    VectorFiles.write(dir.resolve("users.npy"), users);
    VectorFiles.write(dir.resolve("items.npy"), items);
    Files.write(dir.resolve("users.txt"), userIds, StandardCharsets.UTF_8);
    Files.write(dir.resolve("items.txt"),
        Arrays.stream(itemIds).mapToObj(Long::toString).toList(), StandardCharsets.UTF_8);
  }

  /** A new {@link ExactIndex} ({@link Metric#DOT}) holding every item embedding. */
  public ExactIndex itemIndex() {
    ExactIndex index = ExactIndex.create(dimension(), Metric.DOT);
    for (int r = 0; r < itemIds.length; r++) {
      index.upsert(itemIds[r], items.row(r));
    }
    return index;
  }

  /**
   * A hydrator attaching the user's embedding under {@link QueryKey#USER_EMBEDDING} (none for a
   * user not in training), named {@code "user-embedding"}, cacheable.
   */
  public QueryHydrator<float[]> userHydrator() {
    return QueryHydrator.userEmbedding(this::user);
  }

  @Override
  public String toString() {
    return "Embeddings[" + userIds.size() + " users, " + itemIds.length + " items, dimension "
        + dimension() + "]";
  }
}
