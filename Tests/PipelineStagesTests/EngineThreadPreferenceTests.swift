import PipelineCore
import PipelineStages
import Testing

@Suite("Built-in stages on the engine's thread")
struct EngineThreadPreferenceTests {
  @Test("the stages a save goes through run on the engine's thread; those that may block for long do not")
  func preferences() throws {
    let registry = StageRegistry.builtIn
    func prefers(_ name: String) throws -> Bool {
      try #require(registry.descriptor(named: name), "no built-in stage '\(name)'").prefersEngineThread
    }
    for name in ["watch", "debounce", "filter", "build", "test", "run", "restart"] {
      #expect(try prefers(name), "\(name) should run on the engine's thread")
    }
    // A sync copies whole trees, a formatter rewrites files, an external stage waits on a
    // program: each may hold its thread for long.
    for name in ["sync", "format", "external"] {
      #expect(try !prefers(name), "\(name) should stay on the global pool")
    }
  }
}
