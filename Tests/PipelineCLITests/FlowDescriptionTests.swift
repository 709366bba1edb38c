import PipelineCore
import PipelineStages
import Testing

/// The flow `run` prints at start and `validate` after `ok`: a stage that does not follow the
/// one listed before it names its inputs, so a fan-out does not read as a chain.
@Suite struct FlowDescriptionTests {
  @Test func aStageAfterAnotherThanThePreviousNamesItsInputs() throws {
    let text = """
      stages:
        - stage: watch
        - stage: restart
          run: ./app
        - stage: build
          after: [watch]
          run: make
      """
    let definition = try PipelineLoader(registry: .builtIn).load(text: text, file: "p.yaml", root: "/")
    #expect(definition.flowDescription == "watch → restart → build (after watch)")
  }
}
