package dev.shortlist.ranking;

import ai.onnxruntime.MapInfo;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.SequenceInfo;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import dev.shortlist.core.Candidates;
import dev.shortlist.core.FeatureMatrix;
import dev.shortlist.core.FeatureSchema;
import dev.shortlist.core.Query;
import dev.shortlist.core.Scorer;
import java.io.IOException;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Scores candidates with an ONNX model run by ONNX Runtime (CPU): the candidates' features go in
 * as one float32 batch {@code [n, F]}, one score per row comes out.
 *
 * <p><b>Binding.</b> The model's feature columns are, by default, the {@link FeatureSchema}
 * given to the builder, in its order; with {@link Builder#modelFeatures(List)} they are the listed
 * names, in the order the model expects, looked up by name. At load the model's input must be a
 * float32 tensor of shape {@code [?, F]} (a dynamic batch dimension; {@code F} fixed and equal
 * to the number of bound features, or dynamic), the chosen output a float or double tensor of
 * shape {@code [n]}, {@code [n, 1]}, or {@code [n, k]} with a column chosen by {@link
 * Builder#outputColumn(int)} (e.g. column 1 of a classifier's {@code [n, 2]} probabilities), and
 * a one-row probe prediction must succeed; otherwise {@link Builder#build()} fails with a message
 * naming the model file and what did not fit, and nothing is left open. {@link
 * #requiredFeatures()} returns the bound feature names, so the recommender refuses an assembly
 * that does not produce them.
 *
 * <p><b>Post-transform.</b> {@link Builder#sigmoid(boolean)} applies the logistic function in
 * Java to the selected output. Use it for single-target tree ensembles exported with {@code
 * post_transform=LOGISTIC} (e.g. XGBoost {@code binary:logistic}): ONNX Runtime ignores that
 * attribute on single-target {@code TreeEnsembleRegressor}/{@code TreeEnsemble} nodes
 * (microsoft/onnxruntime#26596, still so in the pinned 1.28.0), so such a model alone returns
 * margins, not probabilities. Should a later ONNX Runtime apply it, this option would apply it
 * twice; a regression test in this module watches for that.
 *
 * <p><b>Threads.</b> By default each prediction runs on the calling thread only (one intra-op
 * thread, sequential execution), which suits a server that already scores many requests in
 * parallel; {@link Builder#intraOpThreads(int)} gives one request more cores.
 *
 * <p><b>Resources.</b> The model lives in native memory until {@link #close()}, which waits for
 * predictions in flight and then releases the session; scoring afterwards throws {@link
 * IllegalStateException}. The process-wide ONNX Runtime environment stays open.
 *
 * <p>Thread-safe: any number of threads may score at once (each call creates its own tensors).
 */
public final class OnnxScorer implements Scorer, AutoCloseable {

  private final String name;
  private final String source;
  private final FeatureSchema schema;
  private final List<String> features;
  private final OrtEnvironment env;
  private final OrtSession session;
  private final OrtSession.SessionOptions options;
  private final String inputName;
  private final String outputName;
  private final Set<String> outputs;
  private final int outputColumn;
  private final boolean sigmoid;
  private final int intraOpThreads;

  /** Held shared by each prediction and exclusively by {@link #close()}. */
  private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();

  private boolean closed; // guarded by lifecycle

  /** The last matrix schema seen and the column of each model feature in it. */
  private volatile Binding binding;

  /**
   * Columns of the model's features in a matrix schema; {@code identity} when the matrix rows
   * are exactly the model's input rows and can be passed without a copy.
   */
  private record Binding(FeatureSchema schema, int[] columns, boolean identity) {}

  private OnnxScorer(Builder b, Loaded loaded) {
    this.name = b.name;
    this.source = b.source();
    this.schema = b.schema;
    this.features = loaded.features;
    this.env = loaded.env;
    this.session = loaded.session;
    this.options = loaded.options;
    this.inputName = loaded.inputName;
    this.outputName = loaded.outputName;
    this.outputs = Set.of(loaded.outputName);
    this.outputColumn = b.outputColumn;
    this.sigmoid = b.sigmoid;
    this.intraOpThreads = b.intraOpThreads;
    this.binding = bind(schema, features, name);
  }

  /**
   * A builder for a scorer named {@code name} over features of {@code schema}: the schema the
   * feature assembly produces, against which the model is checked at load.
   */
  public static Builder builder(String name, FeatureSchema schema) {
    return new Builder(name, schema);
  }

  @Override
  public String name() {
    return name;
  }

  /** The feature names the model reads, in the order of its input columns. */
  @Override
  public List<String> requiredFeatures() {
    return features;
  }

  /** The model file, or a description of the in-memory model. */
  public String source() {
    return source;
  }

  /** The name of the model input the features are fed to. */
  public String inputName() {
    return inputName;
  }

  /** The name of the model output the scores are read from. */
  public String outputName() {
    return outputName;
  }

  /**
   * Scores each row of {@code candidates.features()} in one model run.
   *
   * @throws IllegalStateException if the candidates have no features or lack one of the model's,
   *     if this scorer is closed, or if ONNX Runtime fails or returns an output of the wrong shape
   */
  @Override
  public float[] score(Query query, Candidates candidates) {
    FeatureMatrix m = candidates.features();
    if (m == null) {
      throw new IllegalStateException("onnx scorer '" + name + "' needs assembled features");
    }
    int n = m.rows();
    Binding b = binding;
    if (b.schema != m.schema()) {
      b = bind(m.schema(), features, name);
      binding = b;
    }
    if (n == 0) {
      return new float[0];
    }
    float[] x = b.identity ? m.array() : gather(m, b.columns);
    return predict(x, n);
  }

  /**
   * Runs the model on {@code n} rows of {@code x} (row-major, one column per bound feature)
   * without any checks on the values: unlike a {@link FeatureMatrix}, {@code x} may hold NaN
   * (tests use it to exercise missing-value branches).
   */
  float[] predict(float[] x, int n) {
    assert x.length == (long) n * features.size();
    ReentrantReadWriteLock.ReadLock lock = lifecycle.readLock();
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("onnx scorer '" + name + "' is closed");
      }
      return run(x, n, null);
    } catch (OrtException e) {
      throw new IllegalStateException(
          "onnx scorer '" + name + "' failed on " + n + " rows of model " + source + ": "
              + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  /** One model run; {@code runOptions} may be null. Callers hold the lifecycle read lock. */
  private float[] run(float[] x, int n, OrtSession.RunOptions runOptions) throws OrtException {
    long[] shape = {n, features.size()};
    try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
        OrtSession.Result result =
            runOptions == null
                ? session.run(Map.of(inputName, input), outputs)
                : session.run(Map.of(inputName, input), outputs, runOptions)) {
      OnnxValue value = result.get(0);
      if (!(value instanceof OnnxTensor out)) {
        throw new IllegalStateException(
            "output '" + outputName + "' of model " + source + " is a " + value.getType()
                + ", not a tensor");
      }
      return extract(out, n);
    }
  }

  /** The selected column of {@code out} as one float per row, post-transformed. */
  private float[] extract(OnnxTensor out, int n) {
    TensorInfo info = out.getInfo();
    long[] shape = info.getShape();
    int columns;
    if (shape.length == 1 && shape[0] == n) {
      columns = 1;
    } else if (shape.length == 2 && shape[0] == n && shape[1] >= 1) {
      columns = (int) shape[1];
    } else {
      throw new IllegalStateException(
          "output '" + outputName + "' of model " + source + " has shape "
              + Arrays.toString(shape) + " for " + n + " rows; expected [" + n + "] or [" + n
              + ", k]");
    }
    int column = outputColumn < 0 ? 0 : outputColumn;
    if (columns > 1 && outputColumn < 0 || column >= columns) {
      throw new IllegalStateException(
          "output '" + outputName + "' of model " + source + " has " + columns + " columns"
              + (outputColumn < 0
                  ? "; choose one with outputColumn(...)"
                  : ", but outputColumn is " + outputColumn));
    }
    float[] scores = new float[n];
    if (info.type == OnnxJavaType.FLOAT) {
      FloatBuffer buf = out.getFloatBuffer();
      if (columns == 1) {
        buf.get(scores);
      } else {
        for (int r = 0; r < n; r++) {
          scores[r] = buf.get(r * columns + column);
        }
      }
    } else if (info.type == OnnxJavaType.DOUBLE) {
      DoubleBuffer buf = out.getDoubleBuffer();
      for (int r = 0; r < n; r++) {
        scores[r] = (float) buf.get(r * columns + column);
      }
    } else {
      throw new IllegalStateException(
          "output '" + outputName + "' of model " + source + " holds " + info.type
              + ", expected float or double");
    }
    if (sigmoid) {
      for (int r = 0; r < n; r++) {
        scores[r] = (float) (1 / (1 + Math.exp(-scores[r])));
      }
    }
    return scores;
  }

  private static float[] gather(FeatureMatrix m, int[] columns) {
    float[] src = m.array();
    int width = m.columns();
    int f = columns.length;
    float[] x = new float[m.rows() * f];
    for (int r = 0, in = 0, out = 0; r < m.rows(); r++, in += width, out += f) {
      for (int j = 0; j < f; j++) {
        x[out + j] = src[in + columns[j]];
      }
    }
    return x;
  }

  private static Binding bind(FeatureSchema schema, List<String> features, String name) {
    int[] cols = new int[features.size()];
    boolean identity = cols.length == schema.size();
    for (int j = 0; j < cols.length; j++) {
      cols[j] = schema.indexOf(features.get(j));
      if (cols[j] < 0) {
        throw new IllegalStateException(
            "onnx scorer '" + name + "' needs feature '" + features.get(j)
                + "', which the assembled features " + schema.names() + " lack");
      }
      identity &= cols[j] == j;
    }
    return new Binding(schema, cols, identity);
  }

  /**
   * Releases the model's native memory after the predictions in flight finish; later calls to
   * {@link #score} throw {@link IllegalStateException}. Idempotent.
   */
  @Override
  public void close() {
    ReentrantReadWriteLock.WriteLock lock = lifecycle.writeLock();
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      closeQuietly(session, options);
    } finally {
      lock.unlock();
    }
  }

  private static void closeQuietly(OrtSession session, OrtSession.SessionOptions options) {
    try {
      if (session != null) {
        session.close();
      }
    } catch (OrtException ignored) {
      // Nothing useful to do: the session is gone either way.
    } finally {
      if (options != null) {
        options.close();
      }
    }
  }

  @Override
  public String toString() {
    return "OnnxScorer[" + name + ", " + source + ", " + features.size() + " features, output '"
        + outputName + "'" + (outputColumn >= 0 ? " column " + outputColumn : "")
        + (sigmoid ? ", sigmoid" : "") + ", " + intraOpThreads + " intra-op thread"
        + (intraOpThreads == 1 ? "" : "s") + "]";
  }

  /** What {@link Builder#build()} resolved and opened; closed by it on any failure. */
  private record Loaded(
      OrtEnvironment env,
      OrtSession session,
      OrtSession.SessionOptions options,
      List<String> features,
      String inputName,
      String outputName) {}

  /**
   * Configures and loads an {@link OnnxScorer}; checks each value when given, and the model
   * against the schema when built. Not thread-safe.
   */
  public static final class Builder {
    private final String name;
    private final FeatureSchema schema;
    private Path file;
    private byte[] bytes;
    private List<String> modelFeatures;
    private String inputName;
    private String outputName;
    private int outputIndex = -1;
    private int outputColumn = -1;
    private boolean sigmoid;
    private int intraOpThreads = 1;

    private Builder(String name, FeatureSchema schema) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(schema, "schema");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank, was '" + name + "'");
      }
      if (schema.size() == 0) {
        throw new IllegalArgumentException("schema must name at least one feature, was empty");
      }
      this.name = name;
      this.schema = schema;
    }

    /** Loads the model from an {@code .onnx} file (external data files beside it are found). */
    public Builder model(Path file) {
      Objects.requireNonNull(file, "file");
      this.file = file;
      this.bytes = null;
      return this;
    }

    /** Loads the model from the bytes of an {@code .onnx} file; the array is copied. */
    public Builder model(byte[] model) {
      Objects.requireNonNull(model, "model");
      this.bytes = model.clone();
      this.file = null;
      return this;
    }

    /**
     * The features the model expects, in the order of its input columns, each looked up by name
     * in the schema. Default: the schema's names, in its order.
     *
     * @throws IllegalArgumentException if the list is empty, or a name is blank, repeated or
     *     absent from the schema
     */
    public Builder modelFeatures(List<String> names) {
      Objects.requireNonNull(names, "names");
      if (names.isEmpty()) {
        throw new IllegalArgumentException("modelFeatures must not be empty");
      }
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < names.size(); i++) {
        String f = names.get(i);
        if (f == null || f.isBlank()) {
          throw new IllegalArgumentException(
              "modelFeatures[" + i + "] must not be blank, was '" + f + "'");
        }
        if (!seen.add(f)) {
          throw new IllegalArgumentException("modelFeatures repeats '" + f + "' at " + i);
        }
        if (schema.indexOf(f) < 0) {
          throw new IllegalArgumentException(
              "model feature '" + f + "' is not in the schema " + schema.names());
        }
      }
      this.modelFeatures = List.copyOf(names);
      return this;
    }

    /** The model input to feed; needed only when the model has several inputs. */
    public Builder inputName(String inputName) {
      this.inputName = requireNonBlank(inputName, "inputName");
      return this;
    }

    /**
     * The model output to read scores from, by name. Default: the first output.
     *
     * @throws IllegalStateException if the output was already chosen by index
     */
    public Builder outputName(String outputName) {
      requireNonBlank(outputName, "outputName");
      if (outputIndex >= 0) {
        throw new IllegalStateException(
            "output already chosen by index " + outputIndex + "; choose by name or by index");
      }
      this.outputName = outputName;
      return this;
    }

    /**
     * The model output to read scores from, by position. Default: 0.
     *
     * @throws IllegalArgumentException if negative
     * @throws IllegalStateException if the output was already chosen by name
     */
    public Builder outputIndex(int outputIndex) {
      if (outputIndex < 0) {
        throw new IllegalArgumentException("outputIndex must not be negative, was " + outputIndex);
      }
      if (outputName != null) {
        throw new IllegalStateException(
            "output already chosen by name '" + outputName + "'; choose by name or by index");
      }
      this.outputIndex = outputIndex;
      return this;
    }

    /**
     * The column to read from an output of shape {@code [n, k]}, e.g. 1 for the positive-class
     * probability of a binary classifier's {@code [n, 2]} output. Default: none, so only {@code
     * [n]} and {@code [n, 1]} outputs are accepted.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder outputColumn(int column) {
      if (column < 0) {
        throw new IllegalArgumentException("outputColumn must not be negative, was " + column);
      }
      this.outputColumn = column;
      return this;
    }

    /**
     * Whether to pass each score through the logistic function {@code 1 / (1 + e^-s)} in Java.
     * Default false. Needed for single-target tree ensembles exported with {@code
     * post_transform=LOGISTIC}, which ONNX Runtime does not apply (microsoft/onnxruntime#26596).
     */
    public Builder sigmoid(boolean sigmoid) {
      this.sigmoid = sigmoid;
      return this;
    }

    /**
     * Threads one prediction may use. Default 1: predictions run on the calling thread.
     *
     * @throws IllegalArgumentException if less than 1
     */
    public Builder intraOpThreads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("intraOpThreads must be at least 1, was " + threads);
      }
      this.intraOpThreads = threads;
      return this;
    }

    private String source() {
      return file != null ? file.toString() : "<in-memory model of " + bytes.length + " bytes>";
    }

    /**
     * Loads the model, checks it against the schema and the options, and runs a one-row probe
     * prediction. On any failure nothing stays open.
     *
     * @throws IOException if the file cannot be read or is not a model ONNX Runtime can load
     *     (corrupt, truncated, unsupported operator); the message names the file
     * @throws IllegalArgumentException if the model does not fit: the input is not a float32
     *     {@code [?, F]} tensor with {@code F} equal to the number of bound features, the input
     *     or output named does not exist, the output is not a float tensor of an accepted
     *     shape, or the probe prediction fails; the message names the file
     * @throws IllegalStateException if no model was given, or ONNX Runtime's native library
     *     cannot be loaded on this platform
     */
    public OnnxScorer build() throws IOException {
      if (file == null && bytes == null) {
        throw new IllegalStateException("onnx scorer '" + name + "' has no model");
      }
      String source = source();
      if (file != null && !Files.isRegularFile(file)) {
        throw new NoSuchFileException(file.toString(), null, "no ONNX model file there");
      }
      OrtEnvironment env;
      try {
        env = OrtEnvironment.getEnvironment();
      } catch (RuntimeException | LinkageError e) {
        throw new IllegalStateException(
            "ONNX Runtime cannot start on this platform (" + System.getProperty("os.name") + " "
                + System.getProperty("os.arch") + "): " + e, e);
      }
      OrtSession.SessionOptions options = new OrtSession.SessionOptions();
      OrtSession session = null;
      try {
        try {
          options.setIntraOpNumThreads(intraOpThreads);
          options.setInterOpNumThreads(1);
          options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
          options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
          session =
              file != null
                  ? env.createSession(file.toString(), options)
                  : env.createSession(bytes, options);
        } catch (OrtException e) {
          throw new IOException("cannot load ONNX model " + source + ": " + e.getMessage(), e);
        }
        Loaded loaded = resolve(env, session, options, source);
        OnnxScorer scorer = new OnnxScorer(this, loaded);
        scorer.probe();
        return scorer;
      } catch (IOException | RuntimeException | Error e) {
        closeQuietly(session, options);
        throw e;
      }
    }

    /** Checks the model's input and output against the schema and the options. */
    private Loaded resolve(
        OrtEnvironment env, OrtSession session, OrtSession.SessionOptions options, String source)
        throws IOException {
      List<String> bound = modelFeatures != null ? modelFeatures : schema.names();
      Map<String, NodeInfo> inputs;
      Map<String, NodeInfo> outs;
      try {
        inputs = session.getInputInfo();
        outs = session.getOutputInfo();
      } catch (OrtException e) {
        throw new IOException(
            "cannot read the inputs and outputs of ONNX model " + source + ": " + e.getMessage(),
            e);
      }
      String input;
      if (inputName != null) {
        if (!inputs.containsKey(inputName)) {
          throw new IllegalArgumentException(
              "model " + source + " has no input '" + inputName + "'; its inputs are "
                  + inputs.keySet());
        }
        input = inputName;
      } else if (inputs.size() == 1) {
        input = inputs.keySet().iterator().next();
      } else {
        throw new IllegalArgumentException(
            "model " + source + " has " + inputs.size() + " inputs " + inputs.keySet()
                + "; choose the feature input with inputName(...)");
      }
      checkInput(inputs.get(input).getInfo(), input, bound.size(), source);

      List<String> outputNames = new ArrayList<>(outs.keySet());
      String output;
      if (outputName != null) {
        if (!outs.containsKey(outputName)) {
          throw new IllegalArgumentException(
              "model " + source + " has no output '" + outputName + "'; its outputs are "
                  + outputNames);
        }
        output = outputName;
      } else {
        int index = Math.max(outputIndex, 0);
        if (index >= outputNames.size()) {
          throw new IllegalArgumentException(
              "model " + source + " has " + outputNames.size() + " outputs " + outputNames
                  + "; outputIndex " + index + " is out of range");
        }
        output = outputNames.get(index);
      }
      checkOutput(outs.get(output).getInfo(), output, source);
      return new Loaded(env, session, options, bound, input, output);
    }

    private static void checkInput(ValueInfo info, String input, int width, String source) {
      if (!(info instanceof TensorInfo t)) {
        throw new IllegalArgumentException(
            "input '" + input + "' of model " + source + " is " + describe(info)
                + ", expected a float32 tensor [?, " + width + "]");
      }
      long[] shape = t.getShape();
      if (t.type != OnnxJavaType.FLOAT) {
        throw new IllegalArgumentException(
            "input '" + input + "' of model " + source + " holds " + t.type
                + ", expected float32 (a tensor [?, " + width + "])");
      }
      if (shape.length != 2) {
        throw new IllegalArgumentException(
            "input '" + input + "' of model " + source + " has shape " + shapeText(t)
                + ", expected [?, " + width + "] (a batch of rows of " + width + " features)");
      }
      if (shape[0] >= 0) {
        throw new IllegalArgumentException(
            "input '" + input + "' of model " + source + " has a fixed batch size of " + shape[0]
                + " (shape " + shapeText(t) + "); export it with a dynamic first dimension");
      }
      if (shape[1] >= 0 && shape[1] != width) {
        throw new IllegalArgumentException(
            "feature width mismatch: model " + source + " input '" + input + "' has "
                + shape[1] + " features (shape " + shapeText(t) + "), the scorer binds "
                + width);
      }
    }

    private void checkOutput(ValueInfo info, String output, String source) {
      if (!(info instanceof TensorInfo t)) {
        throw new IllegalArgumentException(
            "output '" + output + "' of model " + source + " is " + describe(info)
                + ", expected a float tensor [n] or [n, k]"
                + (info instanceof SequenceInfo
                    ? " (a classifier exported with a ZipMap: export without it, e.g."
                        + " zipmap=False, or choose the probability tensor)"
                    : ""));
      }
      if (t.type != OnnxJavaType.FLOAT && t.type != OnnxJavaType.DOUBLE) {
        throw new IllegalArgumentException(
            "output '" + output + "' of model " + source + " holds " + t.type
                + ", expected float or double"
                + (t.type == OnnxJavaType.INT64 ? " (a class label? choose the score output)"
                    : ""));
      }
      long[] shape = t.getShape();
      if (shape.length != 1 && shape.length != 2) {
        throw new IllegalArgumentException(
            "output '" + output + "' of model " + source + " has shape " + shapeText(t)
                + ", expected [n] or [n, k]");
      }
      if (shape.length == 2 && shape[1] >= 0) {
        if (outputColumn < 0 && shape[1] != 1) {
          throw new IllegalArgumentException(
              "output '" + output + "' of model " + source + " has " + shape[1]
                  + " columns (shape " + shapeText(t) + "); choose one with outputColumn(...)");
        }
        if (outputColumn >= shape[1]) {
          throw new IllegalArgumentException(
              "output '" + output + "' of model " + source + " has " + shape[1]
                  + " columns (shape " + shapeText(t) + "), outputColumn is " + outputColumn);
        }
      }
      if (shape.length == 1 && outputColumn > 0) {
        throw new IllegalArgumentException(
            "output '" + output + "' of model " + source + " has one column (shape "
                + shapeText(t) + "), outputColumn is " + outputColumn);
      }
    }

    private static String describe(ValueInfo info) {
      if (info instanceof SequenceInfo) {
        return "a sequence";
      }
      if (info instanceof MapInfo) {
        return "a map";
      }
      return String.valueOf(info);
    }

    private static String shapeText(TensorInfo t) {
      long[] shape = t.getShape();
      String[] names = t.getDimensionNames();
      StringBuilder s = new StringBuilder("[");
      for (int i = 0; i < shape.length; i++) {
        if (i > 0) {
          s.append(", ");
        }
        if (shape[i] >= 0) {
          s.append(shape[i]);
        } else {
          String d = names != null && i < names.length ? names[i] : null;
          s.append(d == null || d.isEmpty() ? "?" : d);
        }
      }
      return s.append(']').toString();
    }

    private static String requireNonBlank(String value, String parameter) {
      Objects.requireNonNull(value, parameter);
      if (value.isBlank()) {
        throw new IllegalArgumentException(parameter + " must not be blank, was '" + value + "'");
      }
      return value;
    }
  }

  /**
   * One prediction on a row of zeros, so that a model that loads but cannot run with these
   * options (a dynamic width that differs, a missing second input, an output of the wrong shape)
   * fails at load rather than on the first request.
   */
  private void probe() {
    // Not yet published, so no lock is needed. A failure is reported by the exception, so
    // ONNX Runtime is asked not to log it as well.
    try (OrtSession.RunOptions quiet = new OrtSession.RunOptions()) {
      quiet.setLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
      float[] out = run(new float[features.size()], 1, quiet);
      assert out.length == 1;
    } catch (OrtException | IllegalStateException e) {
      throw new IllegalArgumentException(
          "model " + source + " failed its probe prediction on one row of " + features.size()
              + " features: " + e.getMessage(), e);
    }
  }
}
