import CPipelineSystem
import Glibc

/// How many arenas glibc's allocator keeps for `pipeline`'s threads.
public enum MallocArenas {
  /// Puts every thread's allocations in one arena, unless `MALLOC_ARENA_MAX` is set.
  ///
  /// glibc gives a thread that allocates while another holds the main arena an arena of its
  /// own (up to eight per core), and memory freed into one arena serves only that arena's
  /// next requests. `pipeline`'s threads (the engine's, the watcher's, Swift's pool) rarely
  /// allocate at the same moment, so the extra arenas bought no speed; but a storm of
  /// 10,000 changes left each of them holding its own high-water mark: 0.4–2.7 MB more
  /// resident memory at the peak than with one arena (Documentation/Benchmarks.md).
  /// Call it first thing in `main`, before any thread starts.
  public static func useOne() {
    if getenv("MALLOC_ARENA_MAX") != nil { return }
    _ = pipeline_limit_malloc_arenas(1)
  }
}
