import Testing

@testable import PipelineCore

@Suite("StageRegistry")
struct StageRegistryTests {
  @Test("type names are sorted and leave aliases out; aliases find their type")
  func namesAndAliases() throws {
    let registry = StageRegistry.testStages
    #expect(registry.typeNames == ["coalesce", "shell", "tick"])
    #expect(registry.descriptor(named: "timer")?.typeName == "tick")
    #expect(registry.descriptor(named: "nope") == nil)
  }

  @Test("an alias that is already taken is an error, and the registry is left as it was")
  func aliasCollision() {
    struct ClockStage: Stage {
      static let role = StageRole.source
      static let aliases = ["tick"]
      static let summary = "Collides."
      init(configuration: NoConfiguration, context: StageContext) throws {}
      func run(input: StageInput, output: StageOutput) async throws {}
    }
    var registry = StageRegistry.testStages
    let error = #expect(throws: Diagnostic.self) { try registry.register(ClockStage.self) }
    #expect(error?.message == "stage name 'tick' is registered twice (by 'tick' and 'clock')")
    #expect(registry.typeNames == ["coalesce", "shell", "tick"])
  }

  @Test("registering a name twice is an error")
  func duplicateName() {
    var registry = StageRegistry.testStages
    let error = #expect(throws: Diagnostic.self) { try registry.register(ShellStage.self) }
    #expect(
      error?.description
        == "error: stage name 'shell' is registered twice (by 'shell' and 'shell')\n  help: give one of the stage types another `typeName`")
  }
}
