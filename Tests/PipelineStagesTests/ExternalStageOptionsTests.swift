import Testing

@testable import PipelineCore
@testable import PipelineStages

/// The external stage's keys as the loader reads them: `config` takes a mapping of anything,
/// and a bad `config` is reported along with the stage's other bad values.
@Suite struct ExternalStageOptionsTests {
  func problems(_ keys: String) -> [String] {
    let text = "stages:\n  - stage: watch\n  - stage: external\n    run: ./stage.py\n" + keys
    do {
      _ = try PipelineLoader(registry: .builtIn).load(text: text, file: "p.yaml", root: "/")
      return []
    } catch {
      return error.diagnostics.map(\.description)
    }
  }

  @Test func aConfigThatIsNoMappingHidesNoOtherError() {
    let found = problems("    config: \"text\"\n    timeout: soon\n")
    #expect(found.count == 2, "\(found)")
    #expect(found.first?.hasPrefix("p.yaml:5:13: error: 'config' must be a mapping, got 'text'") == true, "\(found)")
    #expect(found.last?.hasPrefix("p.yaml:6:14: error: expected a duration") == true, "\(found)")
  }

  @Test func aConfigMappingTakesValuesOfAnyKind() throws {
    let text = "stages:\n  - stage: watch\n  - stage: external\n    run: ./stage.py\n    config: { limit: 5, names: [a, b], nested: { on: true } }\n"
    let definition = try PipelineLoader(registry: .builtIn).load(text: text, file: "p.yaml", root: "/")
    let configuration = try #require(definition.stages.last?.configuration as? ExternalStage.Configuration)
    #expect(configuration.config == ["limit": .number("5"), "names": .array([.string("a"), .string("b")]), "nested": .object(["on": .bool(true)])])
  }

  @Test func theReferenceSaysConfigIsAMapping() {
    let config = StageDescriptor(ExternalStage.self).options.first { $0.key == "config" }
    #expect(config?.typeName == "mapping")
    #expect(config?.defaultValue == "{}")
  }
}
