package dev.shortlist.retrieval;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Chooses the {@link VectorMath} once, when first used, in the way Lucene does: the Vector API
 * implementation is loaded reflectively, and only when the JVM was started with {@code
 * --add-modules jdk.incubator.vector}; any failure falls back to the scalar loops, so the library
 * works without the flag.
 */
final class VectorMathProvider {

  static final String VECTOR_MODULE = "jdk.incubator.vector";

  static final VectorMath INSTANCE = select();

  private VectorMathProvider() {}

  private static VectorMath select() {
    System.Logger log = System.getLogger(VectorMathProvider.class.getName());
    if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
      log.log(
          System.Logger.Level.DEBUG,
          "{0} is not enabled; brute-force search uses scalar loops"
              + " (start the JVM with --add-modules {0} for SIMD)",
          VECTOR_MODULE);
      return ScalarVectorMath.INSTANCE;
    }
    try {
      return panama();
    } catch (Throwable t) {
      if (t instanceof VirtualMachineError e) {
        throw e;
      }
      log.log(
          System.Logger.Level.WARNING,
          "{0} is enabled but unusable here, brute-force search uses scalar loops: {1}",
          VECTOR_MODULE,
          t.toString());
      return ScalarVectorMath.INSTANCE;
    }
  }

  /** The Vector API implementation, loaded reflectively so that no link to it exists otherwise. */
  static VectorMath panama() throws Throwable {
    Class<?> impl =
        Class.forName(
            VectorMathProvider.class.getPackageName() + ".PanamaVectorMath",
            true,
            VectorMathProvider.class.getClassLoader());
    return (VectorMath)
        MethodHandles.lookup()
            .findStatic(impl, "create", MethodType.methodType(VectorMath.class))
            .invoke();
  }
}
