package dev.shortlist.retrieval;

import dev.shortlist.core.Deadline;
import dev.shortlist.core.IdSet;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.StampedLock;
import java.util.function.IntConsumer;

/**
 * A {@link VectorIndex} on one in-memory HNSW graph that every write updates in place: for
 * catalogues that change all the time, where {@link LuceneHnswIndex}'s segments (one graph per
 * segment, merged in the background) slow searches down while writes run.
 *
 * <h2>Live updates in place</h2>
 * An upsert of a new id links a new node into the graph (HNSW insertion, with the neighbour
 * selection heuristic) on the writing thread; there is no background thread and no merge. An
 * upsert of an existing id replaces the node's vector and re-links it: the node leaves its old
 * neighbours' lists and is inserted again at its new position. A removal marks the node deleted;
 * it still routes searches but is never returned, and the next new id takes over its slot
 * (re-linked like an update), so the graph does not grow with churn. The old neighbours of a
 * re-linked node keep their degree (each gets the nearest of the node's other old neighbours in its
 * place), and those of its old neighbours left with almost no incoming links get one from a
 * nearby node. A node that loses its last incoming link is given one again at once, and a periodic
 * walk of the graph (linear in its size, every {@code count / 8} writes) connects any group of
 * nodes no search can reach. Searches therefore always walk one graph of about {@link #size()}
 * nodes, whatever the write rate. Under very heavy churn a few vectors can still become hard to
 * reach (measured: 4 of 2,500 not found from their own vector after 8-dimensional ids were each
 * rewritten several times); recall over ordinary queries stays high (see the tests).
 *
 * <h2>Concurrency</h2>
 * Vectors live in one contiguous array and bottom-level neighbour lists in another, so a search
 * touches one cache-line run per visited node. Writers change them in place: a search that
 * overlaps a write may follow a half-rewritten list or score a half-written vector while it walks
 * the graph (every entry it reads is still a valid node, so this only affects which nodes it
 * visits), but the results it returns are re-read consistently (a per-node sequence number,
 * as in a seqlock): each returned id is live, not excluded, and carries the exact score of the
 * vector it had at that moment.
 *
 * <p><b>Visibility:</b> an {@link #upsert} or {@link #remove} is visible to every search that
 * starts after it returns.
 *
 * <h2>Search</h2>
 * The usual HNSW descent, then a best-first search of the bottom layer with a candidate list of
 * {@code max(k, ef)}. Excluded and deleted nodes are traversed (they keep the graph connected) but
 * never kept as results. When the exclusions cover half of the index or more, when the graph has
 * no more than {@code max(2048, 2·max(k, ef))} nodes, or when the graph search finds fewer than {@code k}
 * eligible vectors, the search scans all vectors exactly instead, so {@code k} results come back
 * whenever {@code k} eligible vectors exist. Scores follow {@link
 * Metric}.
 *
 * <p>Costs: a search is a few hundred similarity computations for {@code ef} = 100; an insertion
 * or update about {@code beamWidth · log(n)} plus the neighbour selection (about 0.2–0.3 ms for
 * 100k × 128 on one core); memory is about {@code 4·d + 8·M + 30} bytes per vector.
 *
 * <p>Thread-safe: any number of searches run concurrently with writes and never wait; writes are
 * serialised by a lock that searches never take.
 */
public final class LiveHnswIndex implements VectorIndex {

  /** The largest k a search may ask for unless {@link Builder#maxK(int)} says otherwise. */
  public static final int DEFAULT_MAX_K = 10_000;

  /** The largest supported {@link #dimension()}. */
  public static final int MAX_DIMENSION = 4_096;

  private static final int MAX_LEVEL = 16;
  /**
   * Graphs of at most this many slots are always scanned exactly: a graph search with the default
   * ef scores several hundred vectors anyway, so the scan costs about the same and is exact.
   */
  private static final int EXACT_BELOW = 2_048;
  private static final int DEADLINE_CHECK_INTERVAL = 64;
  private static final int MAGIC = 0x534C4857; // "SLHW"
  private static final int FORMAT_VERSION = 1;
  private static final int[] NO_LINKS = new int[0];

  private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);
  private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
  private static final VarHandle LISTS = MethodHandles.arrayElementVarHandle(int[][].class);
  private static final VarHandle UPPER = MethodHandles.arrayElementVarHandle(int[][][].class);

  /** Per-thread search scratch (visited marks, heaps), shared by all indexes on that thread. */
  private static final ThreadLocal<Scratch> SCRATCH =
      ThreadLocal.withInitial(() -> new Scratch(false));

  /**
   * The arrays of slots {@code [0, capacity)}. Writers change them in place and replace them
   * (copied, larger) only to grow.
   */
  private static final class Storage {
    final int capacity;
    /** Slot {@code s}'s vector at {@code [s·d, (s+1)·d)}. */
    final float[] vectors;
    final long[] ids;
    /** Per slot: even when stable, odd while its id and vector are being rewritten. */
    final int[] seq;
    /** One bit per slot: removed (the slot still routes searches). */
    final long[] deleted;
    /** Slot {@code s}'s bottom-level list at {@code s·stride}: its length, then the slots. */
    final int[] links0;
    /** Per slot: null on level 0 only; else its lists on levels 1.., each replaced whole. */
    final int[][][] upper;

    Storage(int capacity, int dimension, int stride) {
      this.capacity = capacity;
      this.vectors = new float[Math.multiplyExact(capacity, dimension)];
      this.ids = new long[capacity];
      this.seq = new int[capacity];
      this.deleted = new long[(capacity + 63) >>> 6];
      this.links0 = new int[Math.multiplyExact(capacity, stride)];
      this.upper = new int[capacity][][];
    }

    Storage grow(int newCapacity, int count, int dimension, int stride) {
      Storage s = new Storage(newCapacity, dimension, stride);
      System.arraycopy(vectors, 0, s.vectors, 0, count * dimension);
      System.arraycopy(ids, 0, s.ids, 0, count);
      System.arraycopy(seq, 0, s.seq, 0, count);
      System.arraycopy(deleted, 0, s.deleted, 0, deleted.length);
      System.arraycopy(links0, 0, s.links0, 0, count * stride);
      System.arraycopy(upper, 0, s.upper, 0, count);
      return s;
    }

    boolean isDeleted(int slot) {
      return ((long) LONGS.getAcquire(deleted, slot >>> 6) & (1L << slot)) != 0;
    }

    int level(int slot) {
      int[][] lists = (int[][]) UPPER.getAcquire(upper, slot);
      return lists == null ? 0 : lists.length;
    }
  }

  /**
   * What a search reads first: the storage, the slots in use ({@code [0, count)}), the entry
   * point and the number of live vectors. Writers publish a new one after each write.
   */
  private record Graph(Storage storage, int count, int entry, int live) {}

  private final int dimension;
  private final Metric metric;
  private final int maxConnections;
  private final int beamWidth;
  private final int efSearch;
  private final int maxK;
  /** Ints per slot in {@code links0}: the length, 2M neighbours, one spare for a repair link. */
  private final int stride;
  private final VectorMath math;

  private final ReentrantLock writeLock = new ReentrantLock();
  private final StampedLock mapLock = new StampedLock();
  private final LongIntHashMap slotOf = new LongIntHashMap(16);
  private final SplittableRandom levels;
  private final Scratch writerScratch = new Scratch(true);
  private final double levelMultiplier;
  private int[] freeSlots = new int[16];
  private int freeCount;
  /** Per slot, how many bottom-level lists point to it (writers only). */
  private int[] inDegree = new int[0];
  private int[] orphans = new int[16];
  private int orphanCount;
  private int writesSinceSweep;
  private volatile Graph graph;
  /**
   * Odd while a write changes the storage, even otherwise; a search that saw the same even value
   * before and after it overlapped no write, so its scores need no re-reading.
   */
  private volatile long writeEpoch;
  private volatile boolean closed;

  private LiveHnswIndex(Builder b) {
    this.dimension = b.dimension;
    this.metric = b.metric;
    this.maxConnections = b.maxConnections;
    this.beamWidth = b.beamWidth;
    this.efSearch = b.efSearch;
    this.maxK = b.maxK;
    this.stride = 2 * maxConnections + 2;
    this.math = VectorMath.get();
    this.levels = new SplittableRandom(b.seed);
    this.levelMultiplier = 1 / Math.log(maxConnections);
    this.graph = new Graph(new Storage(0, dimension, stride), 0, -1, 0);
  }

  /** A builder for an index of {@code dimension}-component vectors compared by {@code metric}. */
  public static Builder builder(int dimension, Metric metric) {
    return new Builder(dimension, metric);
  }

  // ---- writes ----

  /**
   * {@inheritDoc}
   *
   * <p>Links the vector into the graph before returning, on the calling thread.
   *
   * @throws IllegalArgumentException on a wrong dimension or a non-finite component (or a zero
   *     vector for cosine); the index is then unchanged
   * @throws IllegalStateException if the index is closed or full
   */
  @Override
  public void upsert(long id, float[] vector) {
    float[] v = VectorChecks.prepare(vector, dimension, metric, "vector for id " + id, "vector");
    writeLock.lock();
    try {
      ensureOpen();
      insert(id, v);
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Adds or replaces many vectors: row {@code i} of {@code flatVectors} (length {@code ids.length
   * × dimension}) belongs to {@code ids[i]}. All rows are checked before anything is written.
   *
   * @param progress receives the number of rows written so far, now and then
   * @throws IllegalArgumentException if a row is malformed; nothing is written then
   * @throws IllegalStateException if the index is closed or full
   */
  public void upsertAll(long[] ids, float[] flatVectors, IntConsumer progress) {
    float[][] rows = VectorChecks.prepareRows(ids, flatVectors, dimension, metric);
    Objects.requireNonNull(progress, "progress");
    writeLock.lock();
    try {
      ensureOpen();
      reserve(graph.count() + ids.length);
      for (int i = 0; i < ids.length; i++) {
        insert(ids[i], rows[i]);
        if ((i & 1023) == 1023) {
          progress.accept(i + 1);
        }
      }
      progress.accept(ids.length);
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>The node stays in the graph as a deleted route until a new id takes over its slot.
   *
   * @throws IllegalStateException if the index is closed
   */
  @Override
  public boolean remove(long id) {
    writeLock.lock();
    try {
      ensureOpen();
      int slot;
      long stamp = mapLock.writeLock();
      try {
        slot = slotOf.remove(id);
      } finally {
        mapLock.unlockWrite(stamp);
      }
      if (slot < 0) {
        return false;
      }
      Graph g = graph;
      beginWrite();
      setDeleted(g.storage(), slot, true);
      endWrite();
      pushFree(slot);
      graph = new Graph(g.storage(), g.count(), g.entry(), g.live() - 1);
      return true;
    } finally {
      writeLock.unlock();
    }
  }

  private void beginWrite() {
    writeEpoch = writeEpoch + 1;
    VarHandle.storeStoreFence();
  }

  private void endWrite() {
    writeEpoch = writeEpoch + 1;
  }

  /**
   * Renumbers the slots so that nodes near each other in the graph sit near each other in memory:
   * a search then reads vectors and neighbour lists from a few regions of the arrays rather than
   * from all over them, and misses the CPU caches less. Ids, vectors, links and results do not
   * change; only the order in which the slots are stored does.
   *
   * <p>The order: the nodes on level 2 and above (about one in 256 at M = 16) are taken in
   * breadth-first order of level 2 from the entry point; every bottom-level node joins the first
   * of them a breadth-first walk of the bottom level from all of them at once reaches it from;
   * each group is stored together, in that order. Worth doing once after a bulk load whose ids
   * follow no spatial order (new ids are still appended at the end). Takes the write lock for
   * about a second per million slots, and memory for a second copy of the storage while it runs;
   * searches running meanwhile finish on the old copy.
   *
   * @throws IllegalStateException if the index is closed
   */
  public void optimizeLayout() {
    writeLock.lock();
    try {
      ensureOpen();
      Graph g = graph;
      int count = g.count();
      if (count < 2) {
        return;
      }
      int[] order = localityOrder(g.storage(), count, g.entry(), stride);
      int[] newOf = new int[count];
      for (int i = 0; i < count; i++) {
        newOf[order[i]] = i;
      }
      Storage from = g.storage();
      Storage to = new Storage(from.capacity, dimension, stride);
      int[] degree = new int[inDegree.length];
      for (int i = 0; i < count; i++) {
        int old = order[i];
        System.arraycopy(from.vectors, old * dimension, to.vectors, i * dimension, dimension);
        to.ids[i] = from.ids[old];
        if (from.isDeleted(old)) {
          setDeleted(to, i, true);
        }
        int src = old * stride;
        int dst = i * stride;
        int n = from.links0[src];
        to.links0[dst] = n;
        for (int j = 1; j <= n; j++) {
          to.links0[dst + j] = newOf[from.links0[src + j]];
        }
        int[][] lists = from.upper[old];
        if (lists != null) {
          int[][] mapped = new int[lists.length][];
          for (int l = 0; l < lists.length; l++) {
            mapped[l] = new int[lists[l].length];
            for (int j = 0; j < lists[l].length; j++) {
              mapped[l][j] = newOf[lists[l][j]];
            }
          }
          to.upper[i] = mapped;
        }
        degree[i] = inDegree[old];
      }
      for (int i = 0; i < freeCount; i++) {
        freeSlots[i] = newOf[freeSlots[i]];
      }
      for (int i = 0; i < orphanCount; i++) {
        orphans[i] = newOf[orphans[i]];
      }
      beginWrite();
      long stamp = mapLock.writeLock();
      try {
        for (int i = 0; i < count; i++) {
          if (!to.isDeleted(i)) {
            slotOf.put(to.ids[i], i);
          }
        }
        inDegree = degree;
        graph = new Graph(to, count, newOf[g.entry()], g.live());
      } finally {
        mapLock.unlockWrite(stamp);
        endWrite();
      }
    } finally {
      writeLock.unlock();
    }
  }

  /** The slots in {@link #optimizeLayout}'s order: {@code order[i]} is the slot to store at i. */
  private static int[] localityOrder(Storage st, int count, int entry, int stride) {
    // Group leaders: the nodes on level 2 and up, breadth first on level 2 from the entry (or on
    // the highest level the graph has, when it has no level 2).
    int leaderLevel = Math.min(2, st.level(entry));
    int[] leaders = new int[count];
    int leaderCount = 0;
    int[] group = new int[count];
    Arrays.fill(group, -1);
    leaders[leaderCount++] = entry;
    group[entry] = 0;
    if (leaderLevel > 0) {
      for (int head = 0; head < leaderCount; head++) {
        for (int t : st.upper[leaders[head]][leaderLevel - 1]) {
          if (group[t] < 0) {
            group[t] = leaderCount;
            leaders[leaderCount++] = t;
          }
        }
      }
      for (int s = 0; s < count; s++) {
        if (group[s] < 0 && st.level(s) >= leaderLevel) {
          group[s] = leaderCount;
          leaders[leaderCount++] = s;
        }
      }
    }
    // Every node joins the group whose leader the bottom-level walk from all leaders reaches it
    // from first; nodes no walk reaches form a last group, in slot order.
    int[] queue = new int[count];
    System.arraycopy(leaders, 0, queue, 0, leaderCount);
    int tail = leaderCount;
    for (int head = 0; head < tail; head++) {
      int s = queue[head];
      int at = s * stride;
      int n = st.links0[at];
      for (int j = 1; j <= n; j++) {
        int t = st.links0[at + j];
        if (t < count && group[t] < 0) {
          group[t] = group[s];
          queue[tail++] = t;
        }
      }
    }
    int groups = leaderCount + 1;
    int[] start = new int[groups + 1];
    for (int s = 0; s < count; s++) {
      if (group[s] < 0) {
        group[s] = leaderCount;
      }
      start[group[s] + 1]++;
    }
    for (int gi = 0; gi < groups; gi++) {
      start[gi + 1] += start[gi];
    }
    // Within a group, in the walk's order (which starts with the leader), then the unreached.
    int[] order = new int[count];
    for (int i = 0; i < tail; i++) {
      int s = queue[i];
      order[start[group[s]]++] = s;
    }
    for (int s = 0; s < count; s++) {
      if (group[s] == leaderCount) {
        order[start[leaderCount]++] = s;
      }
    }
    return order;
  }

  /** Inserts or replaces; the caller holds the write lock and has checked {@code v}. */
  private void insert(long id, float[] v) {
    beginWrite();
    try {
      insertOrReplace(id, v);
    } finally {
      endWrite();
    }
  }

  private void insertOrReplace(long id, float[] v) {
    Graph g = graph;
    int slot;
    long stamp = mapLock.readLock();
    try {
      slot = slotOf.get(id);
    } finally {
      mapLock.unlockRead(stamp);
    }
    if (slot >= 0) {
      relink(g, slot, id, v, g.live());
    } else if (freeCount > 0) {
      slot = freeSlots[--freeCount];
      relink(g, slot, id, v, g.live() + 1);
      putSlot(id, slot);
    } else {
      slot = append(id, v);
    }
    if (inDegree[slot] == 0) {
      noteOrphan(slot);
    }
    repairOrphans(graph);
    maybeSweep();
  }

  /** Makes room for {@code slots} slots in all. */
  private void reserve(int slots) {
    Graph g = graph;
    Storage st = g.storage();
    if (slots <= st.capacity) {
      return;
    }
    long maxSlots = Math.min(Integer.MAX_VALUE - 8L,
        Math.min((Integer.MAX_VALUE - 8L) / dimension, (Integer.MAX_VALUE - 8L) / stride));
    if (slots > maxSlots) {
      throw new IllegalStateException("index is full: " + g.count() + " slots of " + dimension
          + " floats and " + stride + " links; at most " + maxSlots);
    }
    int capacity = (int) Math.min(maxSlots, Math.max(slots, Math.max(16L, st.capacity * 3L / 2)));
    Storage grown = st.grow(capacity, g.count(), dimension, stride);
    inDegree = Arrays.copyOf(inDegree, capacity);
    graph = new Graph(grown, g.count(), g.entry(), g.live());
  }

  /** Inserts {@code id} into a new slot at the end; returns the slot. */
  private int append(long id, float[] v) {
    reserve(graph.count() + 1);
    Graph g = graph;
    Storage st = g.storage();
    int slot = g.count();
    int level = randomLevel();
    if (level > 0) {
      int[][] lists = new int[level][];
      Arrays.fill(lists, NO_LINKS);
      UPPER.setRelease(st.upper, slot, lists);
    }
    writeNode(st, slot, id, v);
    // Neighbours may point to the new slot as soon as it is linked; searches holding an older
    // graph ignore slots at or beyond their count.
    int entry = g.entry();
    if (entry >= 0) {
      link(st, slot + 1, slot, entry);
    }
    if (entry < 0 || level > st.level(entry)) {
      entry = slot;
    }
    putSlot(id, slot);
    graph = new Graph(st, slot + 1, entry, g.live() + 1);
    return slot;
  }

  /** Gives {@code slot} (same level as before) the new id and vector, and re-links it. */
  private void relink(Graph g, int slot, long id, float[] v, int live) {
    Storage st = g.storage();
    int count = g.count();
    Scratch sc = writerScratch;
    // Leave the old neighbourhood: each old neighbour that links back (the lists most likely to
    // point at the node) gets, in place of that link, the nearest of the node's other old
    // neighbours it lacks, so it keeps its degree and its way through; then the node's own
    // lists are emptied before it is linked again.
    float[] vectors = st.vectors;
    for (int level = 0; level <= st.level(slot); level++) {
      int n = readList(st, slot, level, sc.own);
      for (int i = 0; i < n; i++) {
        int neighbour = sc.own[i];
        if (level > st.level(neighbour)) {
          continue;
        }
        int m = readList(st, neighbour, level, sc.other);
        int at = indexOf(sc.other, m, slot);
        if (at < 0) {
          continue;
        }
        int nOff = neighbour * dimension;
        int best = -1;
        float bestScore = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
          int c = sc.own[j];
          if (c != neighbour && indexOf(sc.other, m, c) < 0) {
            float score = similarity(vectors, nOff, vectors, c * dimension);
            if (score > bestScore) {
              bestScore = score;
              best = c;
            }
          }
        }
        if (best >= 0) {
          sc.other[at] = best;
        } else {
          System.arraycopy(sc.other, at + 1, sc.other, at, m - at - 1);
          m--;
        }
        writeList(st, neighbour, level, sc.other, m);
      }
      if (level == 0) {
        handOverIncoming(st, n, sc);
      }
      writeList(st, slot, level, sc.own, 0);
    }
    writeNode(st, slot, id, v);
    setDeleted(st, slot, false);
    int entry = g.entry();
    int start = entry != slot ? entry : highestOther(st, count, slot);
    if (start >= 0) {
      link(st, count, slot, start);
    }
    graph = new Graph(st, count, entry, live);
  }

  /**
   * Before a re-linked node drops its bottom-level links {@code sc.own[0, n)}: each target
   * left with at most one other incoming link gets one from the nearest of the node's other old
   * neighbours, so a node whose neighbours move away is not left reachable only from afar.
   */
  private void handOverIncoming(Storage st, int n, Scratch sc) {
    float[] vectors = st.vectors;
    int m = 2 * maxConnections;
    for (int i = 0; i < n; i++) {
      int target = sc.own[i];
      if (inDegree[target] > 2 || st.isDeleted(target)) {
        continue;
      }
      int tOff = target * dimension;
      int best = -1;
      float bestScore = Float.NEGATIVE_INFINITY;
      for (int j = 0; j < n; j++) {
        int c = sc.own[j];
        if (c != target) {
          float score = similarity(vectors, tOff, vectors, c * dimension);
          if (score > bestScore) {
            bestScore = score;
            best = c;
          }
        }
      }
      if (best >= 0) {
        addLink(st, best, target, 0, m, sc);
      }
    }
  }

  /** When the entry point itself is re-linked: the highest other node to start from, or -1. */
  private static int highestOther(Storage st, int count, int slot) {
    int best = -1;
    int bestLevel = -1;
    int top = st.level(slot);
    for (int s = 0; s < count && bestLevel < top; s++) {
      int level = st.level(s);
      if (s != slot && level > bestLevel) {
        best = s;
        bestLevel = level;
      }
    }
    return best;
  }

  /**
   * Links {@code slot} (its vector already stored) into the graph of slots {@code [0, count)},
   * descending from {@code entry}: HNSW insertion.
   */
  private void link(Storage st, int count, int slot, int entry) {
    Scratch sc = writerScratch;
    float[] vectors = st.vectors;
    int vOff = slot * dimension;
    int level = st.level(slot);
    int top = st.level(entry);
    int ep = descend(st, count, vectors, vOff, entry, level, sc);
    float epScore = sc.greedyScore;
    for (int l = Math.min(level, top); l >= 0; l--) {
      sc.beginSearch(count);
      sc.visit(slot); // never its own neighbour
      searchBottomOrUpper(st, count, vectors, vOff, ep, epScore, beamWidth, l, sc);
      int m = l == 0 ? 2 * maxConnections : maxConnections;
      int n = sc.results.drainDescending(sc);
      int chosen = select(st, slot, sc.sortedSlots, sc.sortedScores, n, m, sc.kept);
      System.arraycopy(sc.kept, 0, sc.own, 0, chosen);
      writeList(st, slot, l, sc.own, chosen);
      boolean linkedBack = false;
      for (int i = 0; i < chosen; i++) {
        linkedBack |= addLink(st, sc.own[i], slot, l, m, sc);
      }
      if (l == 0 && chosen > 0 && !linkedBack) {
        // Every new neighbour pruned the link back: the node would be reachable only through
        // links from far away (or not at all), so the nearest neighbour keeps it after all.
        forceLink(st, sc.own, chosen, slot);
      }
      if (n > 0) {
        ep = sc.sortedSlots[0];
        epScore = sc.sortedScores[0];
      }
    }
  }

  /**
   * Adds {@code slot} to {@code target}'s list on {@code level}, pruning it to {@code m};
   * returns whether the list holds {@code slot} afterwards.
   */
  private boolean addLink(Storage st, int target, int slot, int level, int m, Scratch sc) {
    int n = readList(st, target, level, sc.other);
    if (indexOf(sc.other, n, slot) >= 0) {
      return true;
    }
    sc.other[n++] = slot;
    if (n > m) {
      n = prune(st, target, sc.other, n, m, sc);
    }
    writeList(st, target, level, sc.other, n);
    return indexOf(sc.other, n, slot) >= 0;
  }

  /**
   * Links {@code slot} from the first of {@code sources[0, n)} (nearest first) that has a free
   * bottom-level entry (the spare one included); when none has, the nearest swaps its last entry
   * whose target has other incoming links. Never prunes, so it makes no orphans.
   */
  private void forceLink(Storage st, int[] sources, int n, int slot) {
    Scratch sc = writerScratch;
    int m = 2 * maxConnections;
    int fallback = -1;
    for (int j = 0; j < n; j++) {
      int from = sources[j];
      if (from == slot) {
        continue;
      }
      int len = readList(st, from, 0, sc.other);
      if (indexOf(sc.other, len, slot) >= 0) {
        return;
      }
      if (len < m + 1) {
        sc.other[len++] = slot;
        writeList(st, from, 0, sc.other, len);
        return;
      }
      if (fallback == -1) {
        fallback = from;
      }
    }
    if (fallback >= 0) {
      int len = readList(st, fallback, 0, sc.other);
      for (int j = len - 1; j >= 0; j--) {
        if (inDegree[sc.other[j]] > 1) {
          sc.other[j] = slot;
          writeList(st, fallback, 0, sc.other, len);
          return;
        }
      }
    }
  }

  /**
   * Cuts {@code target}'s candidate list {@code list[0, n)} to at most {@code m} with the
   * selection heuristic; returns the new length (the list is rewritten in place).
   */
  private int prune(Storage st, int target, int[] list, int n, int m, Scratch sc) {
    float[] vectors = st.vectors;
    int tOff = target * dimension;
    sc.ensurePrune(n);
    for (int i = 0; i < n; i++) {
      sc.pruneSlots[i] = list[i];
      sc.pruneScores[i] = similarity(vectors, tOff, vectors, list[i] * dimension);
    }
    sortDescending(sc.pruneSlots, sc.pruneScores, n);
    int kept = select(st, target, sc.pruneSlots, sc.pruneScores, n, m, sc.kept);
    System.arraycopy(sc.kept, 0, list, 0, kept);
    return kept;
  }

  /**
   * HNSW's neighbour-selection heuristic: of the candidates (best first), keep one only when it
   * is strictly closer to the base node than to every neighbour kept so far (so of several
   * copies of one vector, one is kept and the list still leads elsewhere); at most {@code m}, into
   * {@code kept}; never the base node {@code self}. Deleted nodes may be chosen: they route
   * searches until their slot is re-linked. Returns how many were kept.
   */
  private int select(Storage st, int self, int[] slots, float[] scores, int n, int m, int[] kept) {
    float[] vectors = st.vectors;
    int count = 0;
    for (int i = 0; i < n && count < m; i++) {
      int c = slots[i];
      if (c == self) {
        continue;
      }
      int cOff = c * dimension;
      boolean diverse = true;
      for (int j = 0; j < count; j++) {
        if (similarity(vectors, cOff, vectors, kept[j] * dimension) >= scores[i]) {
          diverse = false;
          break;
        }
      }
      if (diverse) {
        kept[count++] = c;
      }
    }
    return count;
  }

  // ---- lists (writer side) ----

  /** Copies {@code slot}'s list on {@code level} into {@code into}; returns its length. */
  private int readList(Storage st, int slot, int level, int[] into) {
    if (level == 0) {
      int base = slot * stride;
      int n = st.links0[base];
      System.arraycopy(st.links0, base + 1, into, 0, n);
      return n;
    }
    int[] list = st.upper[slot][level - 1];
    System.arraycopy(list, 0, into, 0, list.length);
    return list.length;
  }

  /**
   * Makes {@code list[0, n)} {@code slot}'s list on {@code level}. The bottom level is rewritten
   * in place (entries first, then the length) and keeps {@link #inDegree} in step, noting the
   * nodes no list points to any more; upper levels are replaced whole.
   */
  private void writeList(Storage st, int slot, int level, int[] list, int n) {
    if (level > 0) {
      LISTS.setRelease(st.upper[slot], level - 1, Arrays.copyOf(list, n));
      return;
    }
    int[] links0 = st.links0;
    int base = slot * stride;
    int old = links0[base];
    for (int i = 0; i < old; i++) {
      int s = links0[base + 1 + i];
      if (indexOf(list, n, s) < 0 && --inDegree[s] == 0) {
        noteOrphan(s);
      }
    }
    for (int i = 0; i < n; i++) {
      int s = list[i];
      if (!contains(links0, base + 1, old, s)) {
        inDegree[s]++;
      }
    }
    for (int i = 0; i < n; i++) {
      INTS.setOpaque(links0, base + 1 + i, list[i]);
    }
    INTS.setRelease(links0, base, n);
  }

  private static int indexOf(int[] list, int n, int slot) {
    for (int i = 0; i < n; i++) {
      if (list[i] == slot) {
        return i;
      }
    }
    return -1;
  }

  private static boolean contains(int[] array, int from, int n, int slot) {
    for (int i = from, end = from + n; i < end; i++) {
      if (array[i] == slot) {
        return true;
      }
    }
    return false;
  }

  private void noteOrphan(int slot) {
    if (orphanCount == orphans.length) {
      orphans = Arrays.copyOf(orphans, orphanCount * 2);
    }
    orphans[orphanCount++] = slot;
  }

  /**
   * Gives every live node that lost its last incoming bottom-level link during this write one
   * link again, from its nearest live node: without it, updates and pruning would leave nodes no
   * search can reach. The extra link may take a list one past its usual maximum (the spare entry
   * of the stride) until the list is next pruned. Repairs never prune, so they make no orphans.
   */
  private void repairOrphans(Graph g) {
    Storage st = g.storage();
    for (int i = 0; i < orphanCount; i++) {
      int slot = orphans[i];
      if (inDegree[slot] == 0 && !st.isDeleted(slot) && slot != g.entry() && g.count() > 1) {
        connect(g, slot);
      }
    }
    orphanCount = 0;
  }

  /**
   * Adds one bottom-level link to {@code slot} from the nearest live nodes an insertion search
   * reaches ({@link #forceLink}).
   */
  private void connect(Graph g, int slot) {
    Scratch sc = writerScratch;
    Storage st = g.storage();
    int count = g.count();
    float[] vectors = st.vectors;
    int vOff = slot * dimension;
    int ep = descend(st, count, vectors, vOff, g.entry(), 0, sc);
    float epScore = sc.greedyScore;
    sc.beginSearch(count);
    sc.visit(slot);
    searchBottomOrUpper(st, count, vectors, vOff, ep, epScore, maxConnections, 0, sc);
    int n = sc.results.drainDescending(sc);
    int live = 0;
    for (int j = 0; j < n; j++) {
      int from = sc.sortedSlots[j];
      if (from != slot && !st.isDeleted(from)) {
        sc.sortedSlots[live++] = from;
      }
    }
    forceLink(st, sc.sortedSlots, live, slot);
  }

  /**
   * Every so often (each {@code max(1024, count / 8)} insertions or updates), walks the bottom
   * level from the entry point and connects every live node the walk does not reach: a group of
   * nodes linking only to one another is not an orphan, but no search reaches it either. The walk
   * is linear in the graph's size, so its cost per write is a few list reads.
   */
  private void maybeSweep() {
    Graph g = graph;
    if (++writesSinceSweep < Math.max(1024, g.count() / 8)) {
      return;
    }
    writesSinceSweep = 0;
    sweep(g);
  }

  /** Connects every live node the bottom level does not reach from the entry point. */
  private void sweep(Graph g) {
    int count = g.count();
    if (count < 2) {
      return;
    }
    Storage st = g.storage();
    long[] reached = new long[(count + 63) >>> 6];
    int[] queue = new int[count];
    int tail = reach(st, count, g.entry(), reached, queue, 0);
    for (int s = 0; s < count; s++) {
      if ((reached[s >>> 6] & (1L << s)) == 0 && !st.isDeleted(s)) {
        connect(g, s);
        tail = reach(st, count, s, reached, queue, tail);
      }
    }
  }

  /** Marks what {@code from} reaches on the bottom level (breadth first); returns the new tail. */
  private int reach(Storage st, int count, int from, long[] reached, int[] queue, int tail) {
    if ((reached[from >>> 6] & (1L << from)) != 0) {
      return tail;
    }
    int head = tail;
    reached[from >>> 6] |= 1L << from;
    queue[tail++] = from;
    int[] links0 = st.links0;
    while (head < tail) {
      int c = queue[head++];
      int base = c * stride;
      for (int i = 1, n = links0[base]; i <= n; i++) {
        int s = links0[base + i];
        if (s < count && (reached[s >>> 6] & (1L << s)) == 0) {
          reached[s >>> 6] |= 1L << s;
          queue[tail++] = s;
        }
      }
    }
    return tail;
  }

  private void writeNode(Storage st, int slot, long id, float[] v) {
    int version = st.seq[slot];
    INTS.setOpaque(st.seq, slot, version + 1);
    VarHandle.storeStoreFence();
    System.arraycopy(v, 0, st.vectors, slot * dimension, dimension);
    LONGS.setOpaque(st.ids, slot, id);
    INTS.setRelease(st.seq, slot, version + 2);
  }

  private static void setDeleted(Storage st, int slot, boolean deleted) {
    int word = slot >>> 6;
    long bits = st.deleted[word];
    bits = deleted ? bits | (1L << slot) : bits & ~(1L << slot);
    LONGS.setRelease(st.deleted, word, bits);
  }

  private static void sortDescending(int[] slots, float[] scores, int n) {
    for (int i = 1; i < n; i++) {
      float s = scores[i];
      int slot = slots[i];
      int j = i - 1;
      while (j >= 0 && scores[j] < s) {
        scores[j + 1] = scores[j];
        slots[j + 1] = slots[j];
        j--;
      }
      scores[j + 1] = s;
      slots[j + 1] = slot;
    }
  }

  private int randomLevel() {
    double u = 1 - levels.nextDouble(); // (0, 1]
    return (int) Math.min(MAX_LEVEL, -Math.log(u) * levelMultiplier);
  }

  private void putSlot(long id, int slot) {
    long stamp = mapLock.writeLock();
    try {
      slotOf.put(id, slot);
    } finally {
      mapLock.unlockWrite(stamp);
    }
  }

  private void pushFree(int slot) {
    if (freeCount == freeSlots.length) {
      freeSlots = Arrays.copyOf(freeSlots, freeCount * 2);
    }
    freeSlots[freeCount++] = slot;
  }

  // ---- search ----

  /**
   * {@inheritDoc}
   *
   * <p>Uses the index's default {@link Builder#efSearch(int)}.
   */
  @Override
  public Neighbors search(float[] query, int k, IdSet exclusions, Deadline deadline) {
    return search(query, k, efSearch, exclusions, deadline);
  }

  /**
   * The {@code k} nearest eligible vectors with a bottom-level candidate list of {@code max(k,
   * ef)}: larger {@code ef} costs time and raises recall.
   *
   * @throws IllegalArgumentException if {@code k} is not in [1, maxK], {@code ef < 1}, or {@code
   *     query} is malformed
   * @throws dev.shortlist.core.DeadlineExceededException if {@code deadline} passes
   * @throws IllegalStateException if the index is closed
   */
  public Neighbors search(float[] query, int k, int ef, IdSet exclusions, Deadline deadline) {
    if (k <= 0 || k > maxK) {
      throw new IllegalArgumentException("k must be in [1, " + maxK + "], was " + k);
    }
    if (ef < 1) {
      throw new IllegalArgumentException("ef must be positive, was " + ef);
    }
    float[] q = VectorChecks.prepare(query, dimension, metric, "query", "query");
    Objects.requireNonNull(exclusions, "exclusions");
    Objects.requireNonNull(deadline, "deadline");
    ensureOpen();
    deadline.check("HNSW search");
    long epoch = writeEpoch;
    Graph g = graph;
    int live = g.live();
    if (live == 0) {
      return Neighbors.empty();
    }
    int want = Math.min(k, live);
    if (exclusions.size() * 2L >= live || live <= want + exclusions.size()
        || g.count() <= Math.max(EXACT_BELOW, 2L * Math.max(k, ef))) {
      return exact(g, q, k, exclusions, deadline);
    }
    Scratch sc = SCRATCH.get();
    Storage st = g.storage();
    int count = g.count();
    int ep = descend(st, count, q, 0, g.entry(), 0, sc);
    float epScore = sc.greedyScore;
    sc.beginSearch(count);
    sc.deadline = deadline;
    try {
      searchBottom(st, count, q, ep, epScore, Math.max(k, ef), sc, exclusions);
    } finally {
      sc.deadline = Deadline.none();
    }
    if (sc.deadlineHit) {
      deadline.check("HNSW search");
    }
    int n = sc.results.drainDescending(sc);
    VarHandle.loadLoadFence();
    Neighbors found = (epoch & 1) == 0 && epoch == writeEpoch
        ? bySlots(st, sc, Math.min(n, k))
        : confirm(st, q, sc.sortedSlots, n, k, exclusions);
    return found.size() < want ? exact(g, q, k, exclusions, deadline) : found;
  }

  /** The first {@code n} sorted results as they were scored: no write overlapped the search. */
  private static Neighbors bySlots(Storage st, Scratch sc, int n) {
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = st.ids[sc.sortedSlots[i]];
    }
    return Neighbors.wrap(ids, Arrays.copyOf(sc.sortedScores, n));
  }

  /**
   * The best {@code k} of the candidate slots, each re-read consistently (id, deleted flag and
   * score of the same vector), dropping deleted, excluded and repeated ids; best first.
   */
  private Neighbors confirm(Storage st, float[] q, int[] slots, int n, int k, IdSet exclusions) {
    long[] ids = new long[n];
    float[] scores = new float[n];
    int kept = 0;
    for (int i = 0; i < n; i++) {
      int slot = slots[i];
      long id;
      float score;
      boolean deleted;
      while (true) {
        int before = (int) INTS.getAcquire(st.seq, slot);
        id = st.ids[slot];
        deleted = st.isDeleted(slot);
        score = similarity(q, 0, st.vectors, slot * dimension);
        VarHandle.loadLoadFence();
        if ((before & 1) == 0 && before == (int) INTS.getAcquire(st.seq, slot)) {
          break;
        }
        Thread.onSpinWait();
      }
      if (deleted || exclusions.contains(id)) {
        continue;
      }
      ids[kept] = id;
      scores[kept] = score;
      kept++;
    }
    kept = distinct(ids, scores, kept);
    // Scores re-read under a concurrent update may have changed the order.
    TopK top = new TopK(Math.max(1, Math.min(k, kept)));
    for (int i = 0; i < kept; i++) {
      if (top.accepts(scores[i], ids[i])) {
        top.add(scores[i], ids[i]);
      }
    }
    return kept == 0 ? Neighbors.empty() : top.drain();
  }

  /**
   * Drops repeated ids (keeping the first); returns the new count. An id shows up twice only when
   * it was removed and added again while the search ran, so the check is a sort, rarely more.
   */
  private static int distinct(long[] ids, float[] scores, int n) {
    long[] sorted = Arrays.copyOf(ids, n);
    Arrays.sort(sorted);
    boolean repeated = false;
    for (int i = 1; i < n && !repeated; i++) {
      repeated = sorted[i] == sorted[i - 1];
    }
    if (!repeated) {
      return n;
    }
    int out = 0;
    outer:
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < out; j++) {
        if (ids[j] == ids[i]) {
          continue outer;
        }
      }
      ids[out] = ids[i];
      scores[out] = scores[i];
      out++;
    }
    return out;
  }

  /**
   * HNSW's greedy descent for the vector at {@code q[qOff, qOff + d)}: from {@code entry}, on
   * each level above {@code downTo}, moves to the best neighbour until none is better. Returns the
   * node reached; its score is left in {@code sc.greedyScore}.
   */
  private int descend(Storage st, int count, float[] q, int qOff, int entry, int downTo,
      Scratch sc) {
    float[] vectors = st.vectors;
    int best = entry;
    float bestScore = similarity(q, qOff, vectors, entry * dimension);
    for (int level = st.level(entry); level > downTo; level--) {
      boolean moved = true;
      while (moved) {
        moved = false;
        int[][] lists = (int[][]) UPPER.getAcquire(st.upper, best);
        if (lists == null || level > lists.length) {
          break;
        }
        for (int s : (int[]) LISTS.getAcquire(lists, level - 1)) {
          if (s >= count) {
            continue;
          }
          float score = similarity(q, qOff, vectors, s * dimension);
          if (score > bestScore) {
            bestScore = score;
            best = s;
            moved = true;
          }
        }
      }
    }
    sc.greedyScore = bestScore;
    return best;
  }

  /**
   * The query's bottom-level search: best first from {@code ep}, keeping the {@code ef} best
   * eligible (not deleted, not excluded) slots in {@code sc.results}, polling the deadline.
   */
  private void searchBottom(Storage st, int count, float[] q, int ep, float epScore, int ef,
      Scratch sc, IdSet exclusions) {
    Heap candidates = sc.candidates;
    Heap results = sc.results;
    float[] vectors = st.vectors;
    int[] links0 = st.links0;
    long[] ids = st.ids;
    int maxLength = stride - 1;
    boolean checkExclusions = !exclusions.isEmpty();
    sc.visit(ep);
    candidates.push(-epScore, ep);
    if (!st.isDeleted(ep) && !(checkExclusions && exclusions.contains(ids[ep]))) {
      results.push(epScore, ep);
    }
    int expanded = 0;
    while (candidates.size() > 0) {
      if (results.size() >= ef && -candidates.topScore() < results.topScore()) {
        break;
      }
      int c = candidates.topSlot();
      candidates.pop();
      if ((++expanded & (DEADLINE_CHECK_INTERVAL - 1)) == 0 && sc.deadline()) {
        break;
      }
      int base = c * stride;
      int n = Math.min((int) INTS.getAcquire(links0, base), maxLength);
      for (int i = 1; i <= n; i++) {
        int s = links0[base + i];
        if (s < 0 || s >= count || !sc.visit(s)) {
          continue;
        }
        float score = similarity(q, 0, vectors, s * dimension);
        if (results.size() < ef || score > results.topScore()) {
          candidates.push(-score, s);
          if (!st.isDeleted(s) && !(checkExclusions && exclusions.contains(ids[s]))) {
            results.push(score, s);
            if (results.size() > ef) {
              results.pop();
            }
          }
        }
      }
    }
    candidates.clear();
  }

  /**
   * The insertion's search of one level from {@code ep} for the stored vector at {@code vOff},
   * keeping the {@code ef} best slots (deleted ones too) in {@code sc.results}.
   */
  private void searchBottomOrUpper(Storage st, int count, float[] vectors, int vOff, int ep,
      float epScore, int ef, int level, Scratch sc) {
    Heap candidates = sc.candidates;
    Heap results = sc.results;
    int[] list = sc.walk;
    sc.visit(ep);
    candidates.push(-epScore, ep);
    results.push(epScore, ep);
    while (candidates.size() > 0) {
      if (results.size() >= ef && -candidates.topScore() < results.topScore()) {
        break;
      }
      int c = candidates.topSlot();
      candidates.pop();
      if (level > st.level(c)) {
        continue;
      }
      int n = readList(st, c, level, list);
      for (int i = 0; i < n; i++) {
        int s = list[i];
        if (s >= count || !sc.visit(s)) {
          continue;
        }
        float score = similarity(vectors, vOff, vectors, s * dimension);
        if (results.size() < ef || score > results.topScore()) {
          candidates.push(-score, s);
          results.push(score, s);
          if (results.size() > ef) {
            results.pop();
          }
        }
      }
    }
    candidates.clear();
  }

  /** Every live, eligible vector scored; the best {@code k}, re-read consistently. */
  private Neighbors exact(Graph g, float[] q, int k, IdSet exclusions, Deadline deadline) {
    Storage st = g.storage();
    TopK top = new TopK(Math.min(k, g.live()));
    for (int s = 0; s < g.count(); s++) {
      if ((s & 4095) == 4095) {
        deadline.check("exact search");
      }
      if (st.isDeleted(s) || exclusions.contains(st.ids[s])) {
        continue;
      }
      float score = similarity(q, 0, st.vectors, s * dimension);
      if (top.accepts(score, s)) {
        top.add(score, s);
      }
    }
    Neighbors bySlot = top.drain();
    int[] slots = new int[bySlot.size()];
    for (int i = 0; i < slots.length; i++) {
      slots[i] = (int) bySlot.id(i);
    }
    return confirm(st, q, slots, slots.length, k, exclusions);
  }

  private float similarity(float[] a, int aOff, float[] b, int bOff) {
    return switch (metric) {
      case COSINE, DOT -> math.dot(a, aOff, b, bOff, dimension);
      case L2 -> -math.squareDistance(a, aOff, b, bOff, dimension);
    };
  }

  // ---- reads ----

  @Override
  public float[] vector(long id) {
    int slot;
    Graph g;
    long stamp = mapLock.readLock();
    try {
      slot = slotOf.get(id);
      g = graph;
    } finally {
      mapLock.unlockRead(stamp);
    }
    if (slot < 0 || slot >= g.count()) {
      return null;
    }
    Storage st = g.storage();
    float[] v = new float[dimension];
    while (true) {
      int before = (int) INTS.getAcquire(st.seq, slot);
      long stored = st.ids[slot];
      boolean deleted = st.isDeleted(slot);
      System.arraycopy(st.vectors, slot * dimension, v, 0, dimension);
      VarHandle.loadLoadFence();
      if ((before & 1) == 0 && before == (int) INTS.getAcquire(st.seq, slot)) {
        return stored == id && !deleted ? v : null;
      }
      Thread.onSpinWait();
    }
  }

  @Override
  public int size() {
    return graph.live();
  }

  @Override
  public int dimension() {
    return dimension;
  }

  @Override
  public Metric metric() {
    return metric;
  }

  /** HNSW's M: neighbours per node on the upper levels (twice that on the bottom level). */
  public int maxConnections() {
    return maxConnections;
  }

  /** The candidate-list size while inserting (efConstruction). */
  public int beamWidth() {
    return beamWidth;
  }

  /** The default search-time candidate-list size. */
  public int efSearch() {
    return efSearch;
  }

  /** The largest k a search may ask for. */
  public int maxK() {
    return maxK;
  }

  /** Slots of removed vectors not yet taken over by new ids (they still route searches). */
  public int deletedSlots() {
    Graph g = graph;
    return g.count() - g.live();
  }

  /** An estimate of the heap this index holds, in bytes. */
  public long ramBytesUsed() {
    Graph g = graph;
    Storage st = g.storage();
    long bytes = 4L * st.vectors.length + 8L * st.ids.length + 4L * st.seq.length
        + 8L * st.deleted.length + 4L * st.links0.length + 8L * st.upper.length
        + 4L * inDegree.length + slotOf.bytes();
    for (int s = 0; s < g.count(); s++) {
      int[][] lists = (int[][]) UPPER.getAcquire(st.upper, s);
      if (lists != null) {
        bytes += 16 + 4L * lists.length;
        for (int[] list : lists) {
          bytes += 16 + 4L * list.length;
        }
      }
    }
    return bytes;
  }

  /** Releases the graph; later calls throw {@link IllegalStateException}. Idempotent. */
  @Override
  public void close() {
    writeLock.lock();
    try {
      closed = true;
      graph = new Graph(new Storage(0, dimension, stride), 0, -1, 0);
      inDegree = new int[0];
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public String toString() {
    return "LiveHnswIndex[" + size() + " × " + dimension + ", " + metric + ", M=" + maxConnections
        + ", beam=" + beamWidth + ", ef=" + efSearch + "]";
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("index is closed");
    }
  }

  // ---- save / open ----

  /**
   * Writes the index to the file {@code target} (replaced atomically if it exists), readable by
   * {@link #open(Path)}. Writes wait while it runs.
   *
   * @throws IOException if it cannot be written; an existing file is then left as it was
   * @throws IllegalStateException if the index is closed
   */
  public void save(Path target) throws IOException {
    Objects.requireNonNull(target, "target");
    writeLock.lock();
    try {
      ensureOpen();
      Path parent = target.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path temp = Files.createTempFile(parent, target.getFileName().toString(), ".tmp");
      try {
        try (OutputStream file = Files.newOutputStream(temp);
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(file, 1 << 16))) {
          write(out);
        }
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(temp);
      }
    } finally {
      writeLock.unlock();
    }
  }

  private void write(DataOutputStream out) throws IOException {
    Graph g = graph;
    Storage st = g.storage();
    out.writeInt(MAGIC);
    out.writeInt(FORMAT_VERSION);
    out.writeInt(dimension);
    out.writeUTF(metric.name());
    out.writeInt(maxConnections);
    out.writeInt(beamWidth);
    out.writeInt(efSearch);
    out.writeInt(maxK);
    out.writeInt(g.count());
    out.writeInt(g.entry());
    int[] list = new int[stride];
    for (int s = 0; s < g.count(); s++) {
      out.writeLong(st.ids[s]);
      out.writeBoolean(st.isDeleted(s));
      for (int i = s * dimension, end = i + dimension; i < end; i++) {
        out.writeFloat(st.vectors[i]);
      }
      int level = st.level(s);
      out.writeByte(level);
      for (int l = 0; l <= level; l++) {
        int n = readList(st, s, l, list);
        out.writeShort(n);
        for (int i = 0; i < n; i++) {
          out.writeInt(list[i]);
        }
      }
    }
  }

  /**
   * Opens an index saved by {@link #save(Path)}, with the settings it was saved with.
   *
   * @throws NoSuchFileException if {@code file} does not exist
   * @throws IOException if {@code file} is not a saved index, is of an unknown format version,
   *     is truncated or corrupt, or cannot be read
   */
  public static LiveHnswIndex open(Path file) throws IOException {
    Objects.requireNonNull(file, "file");
    try (InputStream stream = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(new BufferedInputStream(stream, 1 << 16))) {
      return read(in, file);
    } catch (EOFException e) {
      throw new IOException("saved index " + file + " is truncated", e);
    }
  }

  private static LiveHnswIndex read(DataInputStream in, Path file) throws IOException {
    if (in.readInt() != MAGIC) {
      throw new IOException(file + " is not a saved LiveHnswIndex (wrong magic number)");
    }
    int version = in.readInt();
    if (version != FORMAT_VERSION) {
      throw new IOException(file + " has format version " + version + "; this version reads "
          + FORMAT_VERSION);
    }
    LiveHnswIndex index;
    int count;
    int entry;
    try {
      int dimension = in.readInt();
      Metric metric = Metric.valueOf(in.readUTF());
      index = builder(dimension, metric)
          .maxConnections(in.readInt())
          .beamWidth(in.readInt())
          .efSearch(in.readInt())
          .maxK(in.readInt())
          .build();
      count = in.readInt();
      entry = in.readInt();
      if (count < 0 || entry < -1 || entry >= Math.max(count, 1) || (count > 0) != (entry >= 0)) {
        throw new IllegalArgumentException(
            "slot count " + count + " and entry point " + entry + " are inconsistent");
      }
    } catch (IllegalArgumentException e) {
      throw new IOException(file + " has an invalid header: " + e.getMessage(), e);
    }
    index.reserve(count);
    Storage st = index.graph.storage();
    int d = index.dimension;
    int live = 0;
    int[] list = new int[index.stride];
    float[] v = new float[d];
    for (int s = 0; s < count; s++) {
      long id = in.readLong();
      boolean deleted = in.readBoolean();
      for (int i = 0; i < d; i++) {
        v[i] = in.readFloat();
      }
      System.arraycopy(v, 0, st.vectors, s * d, d);
      st.ids[s] = id;
      int level = in.readUnsignedByte();
      if (level > MAX_LEVEL) {
        throw new IOException(file + " is corrupt: slot " + s + " has level " + level);
      }
      if (level > 0) {
        st.upper[s] = new int[level][];
      }
      for (int l = 0; l <= level; l++) {
        int n = in.readUnsignedShort();
        int max = l == 0 ? index.stride - 1 : index.maxConnections + 1;
        if (n > max) {
          throw new IOException(file + " is corrupt: slot " + s + " has " + n
              + " neighbours on level " + l + ", more than " + max);
        }
        for (int i = 0; i < n; i++) {
          int neighbour = in.readInt();
          if (neighbour < 0 || neighbour >= count) {
            throw new IOException(file + " is corrupt: slot " + s + " links to slot " + neighbour
                + " of " + count);
          }
          list[i] = neighbour;
        }
        if (l == 0) {
          st.links0[s * index.stride] = n;
          System.arraycopy(list, 0, st.links0, s * index.stride + 1, n);
          for (int i = 0; i < n; i++) {
            index.inDegree[list[i]]++;
          }
        } else {
          st.upper[s][l - 1] = Arrays.copyOf(list, n);
        }
      }
      if (deleted) {
        setDeleted(st, s, true);
        index.pushFree(s);
      } else {
        if (index.slotOf.get(id) >= 0) {
          throw new IOException(file + " is corrupt: id " + id + " is stored twice");
        }
        index.slotOf.put(id, s);
        live++;
      }
    }
    if (in.read() != -1) {
      throw new IOException(file + " has data after the index; it is not a saved LiveHnswIndex");
    }
    if (count > 0 && st.level(entry) < maxLevel(st, count)) {
      throw new IOException(file + " is corrupt: entry point " + entry + " is not on the top level");
    }
    index.graph = new Graph(st, count, entry, live);
    return index;
  }

  private static int maxLevel(Storage st, int count) {
    int max = 0;
    for (int s = 0; s < count; s++) {
      max = Math.max(max, st.level(s));
    }
    return max;
  }

  // ---- scratch ----

  /** A binary min-heap of (score, slot) by score. */
  private static final class Heap {
    private float[] scores = new float[64];
    private int[] slots = new int[64];
    private int n;

    int size() {
      return n;
    }

    float topScore() {
      return scores[0];
    }

    int topSlot() {
      return slots[0];
    }

    void clear() {
      n = 0;
    }

    void push(float score, int slot) {
      if (n == scores.length) {
        scores = Arrays.copyOf(scores, n * 2);
        slots = Arrays.copyOf(slots, n * 2);
      }
      int i = n++;
      while (i > 0) {
        int parent = (i - 1) >>> 1;
        if (scores[parent] <= score) {
          break;
        }
        scores[i] = scores[parent];
        slots[i] = slots[parent];
        i = parent;
      }
      scores[i] = score;
      slots[i] = slot;
    }

    void pop() {
      int last = --n;
      if (last == 0) {
        return;
      }
      float score = scores[last];
      int slot = slots[last];
      int i = 0;
      while (true) {
        int child = 2 * i + 1;
        if (child >= last) {
          break;
        }
        if (child + 1 < last && scores[child + 1] < scores[child]) {
          child++;
        }
        if (scores[child] >= score) {
          break;
        }
        scores[i] = scores[child];
        slots[i] = slots[child];
        i = child;
      }
      scores[i] = score;
      slots[i] = slot;
    }

    /** Empties the heap into the scratch's sorted arrays, best first; returns the count. */
    int drainDescending(Scratch sc) {
      int count = n;
      sc.ensureSorted(count);
      for (int last = count - 1; last >= 0; last--) {
        sc.sortedScores[last] = scores[0];
        sc.sortedSlots[last] = slots[0];
        pop();
      }
      return count;
    }
  }

  /** Per-thread buffers of a search or insertion; never shared between concurrent calls. */
  private static final class Scratch {
    /** Visited slots: a bitset, and the words set since the last search (to clear them). */
    private long[] visited = new long[0];
    private int[] touched = new int[64];
    private int touchedCount;
    final Heap candidates = new Heap();
    final Heap results = new Heap();
    int[] sortedSlots = new int[64];
    float[] sortedScores = new float[64];
    /**
     * Writer lists, each long enough for any list plus one: the node's own, a neighbour's, the
     * one being walked, the heuristic's output.
     */
    final int[] own;
    final int[] other;
    final int[] walk;
    final int[] kept;
    int[] pruneSlots = new int[0];
    float[] pruneScores = new float[0];
    float greedyScore;
    boolean deadlineHit;
    Deadline deadline = Deadline.none();

    Scratch(boolean writer) {
      int length = writer ? 2 * Builder.MAX_CONNECTIONS + 4 : 0;
      own = new int[length];
      other = new int[length];
      walk = new int[length];
      kept = new int[length];
    }

    void beginSearch(int count) {
      for (int i = 0; i < touchedCount; i++) {
        visited[touched[i]] = 0;
      }
      touchedCount = 0;
      int words = (count + 63) >>> 6;
      if (visited.length < words) {
        visited = new long[Math.max(words, visited.length + (visited.length >> 1))];
      }
      candidates.clear();
      results.clear();
      deadlineHit = false;
    }

    /** Marks {@code slot} visited; returns whether it was not visited before. */
    boolean visit(int slot) {
      int word = slot >>> 6;
      long bits = visited[word];
      long bit = 1L << slot;
      if ((bits & bit) != 0) {
        return false;
      }
      if (bits == 0) {
        if (touchedCount == touched.length) {
          touched = Arrays.copyOf(touched, touchedCount * 2);
        }
        touched[touchedCount++] = word;
      }
      visited[word] = bits | bit;
      return true;
    }

    /** Whether the current search's deadline has passed (remembered in {@link #deadlineHit}). */
    boolean deadline() {
      deadlineHit = deadline.isExpired();
      return deadlineHit;
    }

    void ensureSorted(int n) {
      if (sortedSlots.length < n) {
        sortedSlots = new int[n];
        sortedScores = new float[n];
      }
    }

    void ensurePrune(int n) {
      if (pruneSlots.length < n) {
        pruneSlots = new int[Math.max(n, 64)];
        pruneScores = new float[Math.max(n, 64)];
      }
    }
  }

  // ---- builder ----

  /** Configures a {@link LiveHnswIndex}; checks each value when given. Not thread-safe. */
  public static final class Builder {
    private final int dimension;
    private final Metric metric;
    private int maxConnections = 16;
    private int beamWidth = 100;
    private int efSearch = 100;
    private int maxK = DEFAULT_MAX_K;
    private long seed = 42;
    static final int MAX_CONNECTIONS = 256;

    private Builder(int dimension, Metric metric) {
      if (dimension < 1 || dimension > MAX_DIMENSION) {
        throw new IllegalArgumentException(
            "dimension must be in [1, " + MAX_DIMENSION + "], was " + dimension);
      }
      this.dimension = dimension;
      this.metric = Objects.requireNonNull(metric, "metric");
    }

    /** HNSW's M: neighbours per node (default 16, 2..256; twice that on the bottom level). */
    public Builder maxConnections(int m) {
      this.maxConnections = HnswChecks.inRange("maxConnections", m, 2, MAX_CONNECTIONS);
      return this;
    }

    /** HNSW's beam width (efConstruction) while inserting (default 100, 1..3200). */
    public Builder beamWidth(int beam) {
      this.beamWidth = HnswChecks.beamWidth(beam);
      return this;
    }

    /** Default search-time candidate-list size (default 100, 1..100000). */
    public Builder efSearch(int ef) {
      this.efSearch = HnswChecks.efSearch(ef);
      return this;
    }

    /** The largest k a search may ask for (default {@value #DEFAULT_MAX_K}, 1..1000000). */
    public Builder maxK(int maxK) {
      this.maxK = HnswChecks.maxK(maxK);
      return this;
    }

    /** Seed of the random node levels (default 42): the same writes build the same graph. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** An empty index. */
    public LiveHnswIndex build() {
      return new LiveHnswIndex(this);
    }
  }
}
