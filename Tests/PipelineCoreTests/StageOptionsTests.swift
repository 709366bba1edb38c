import Testing

@testable import PipelineCore

/// Stand-ins whose only purpose is their type name.
private enum DebounceStage {}
private enum HTTPCheckStage {}
private enum RunStage {}
private enum GoTestStage {}
private enum S3UploadStage {}
private enum URLStage {}
private enum Stage {}
private struct GenericStage<T> {}

@Suite("StageOptions")
struct StageOptionsTests {
  private static let file = "dev.yaml"

  private static func scalar(_ text: String, line: Int, column: Int, quoted: Bool = false) -> ConfigNode {
    ConfigNode(.scalar(text, quoted: quoted), at: SourceLocation(file: file, line: line, column: column))
  }

  private static func entry(_ key: String, line: Int, _ value: ConfigNode) -> ConfigNode.Entry {
    ConfigNode.Entry(key: key, keyLocation: SourceLocation(file: file, line: line, column: 5), value: value)
  }

  private static let stageLocation = SourceLocation(file: file, line: 3, column: 5)

  @Test("describing records every key with its type, default, requirement and help, in order")
  func describingRecordsKeys() throws {
    let options = StageOptions(describing: "shell")
    #expect(options.isDescribing)
    let configuration = try ShellStage.Configuration(options: options)
    #expect(configuration.run == .shell(""))
    #expect(
      options.describedKeys == [
        .init(key: "run", typeName: "command", defaultValue: nil, isRequired: true, help: "The command to run."),
        .init(key: "signal", typeName: "signal", defaultValue: "SIGTERM", isRequired: false, help: "The signal that stops it."),
        .init(key: "kill_after", typeName: "duration", defaultValue: "5s", isRequired: false, help: "When to send SIGKILL."),
      ])
  }

  @Test("a registered type describes its keys, as `pipeline stages` lists them")
  func descriptorListsKeys() throws {
    let registry = StageRegistry.testStages
    let tick = try #require(registry.descriptor(named: "tick"))
    #expect(tick.options.map(\.key) == ["count", "paths"])
    #expect(tick.options.map(\.typeName) == ["integer", "list of string"])
    #expect(tick.options.map(\.defaultValue) == ["1", "[\".\"]"])
    let coalesce = try #require(registry.descriptor(named: "coalesce"))
    #expect(coalesce.options.map(\.key) == ["window", "mode"])
    #expect(coalesce.options.map(\.defaultValue) == ["100ms", "\"latest\""])
    #expect(coalesce.role == .transform)
  }

  @Test("optional keys are described with their default text")
  func optionalDescribed() throws {
    let options = StageOptions(describing: "x")
    _ = try options.optional("after_all", as: [String].self, defaultText: "the stage listed before", help: "Inputs.")
    #expect(
      options.describedKeys == [
        .init(key: "after_all", typeName: "list of string", defaultValue: "the stage listed before", isRequired: false, help: "Inputs.")
      ])
  }

  @Test("unreadEntries are the keys present but never asked for, in file order")
  func unreadEntries() throws {
    let options = StageOptions(
      stageName: "shell",
      entries: [
        Self.entry("verbose", line: 7, Self.scalar("true", line: 7, column: 14)),
        Self.entry("run", line: 4, Self.scalar("make", line: 4, column: 10)),
        Self.entry("colour", line: 5, Self.scalar("red", line: 5, column: 13)),
        Self.entry("signal", line: 6, Self.scalar("INT", line: 6, column: 13)),
      ],
      location: Self.stageLocation)
    #expect(options.unreadEntries.map(\.key) == ["run", "colour", "signal", "verbose"])
    let configuration = try ShellStage.Configuration(options: options)
    #expect(configuration.run == .shell("make"))
    #expect(configuration.signal == .interrupt)
    #expect(configuration.killAfter == .seconds(5))
    #expect(options.unreadEntries.map(\.key) == ["colour", "verbose"])
    #expect(options.contains("run"))
    #expect(!options.contains("kill_after"))
  }

  @Test("value gives the default for an absent or empty key, and the file's value otherwise")
  func valueDefaults() throws {
    let options = StageOptions(
      stageName: "coalesce",
      entries: [
        Self.entry("window", line: 4, ConfigNode(.null, at: SourceLocation(file: Self.file, line: 4, column: 12))),
        Self.entry("count", line: 5, Self.scalar("3", line: 5, column: 12)),
      ],
      location: Self.stageLocation)
    #expect(try options.value("window", default: Duration.seconds(1), help: "") == .seconds(1))
    #expect(try options.value("mode", default: "latest", help: "") == "latest")
    #expect(try options.value("count", default: 1, help: "") == 3)
    #expect(try options.optional("missing", as: Int.self, help: "") == nil)
  }

  @Test("a missing required key is an error at the stage that says what to add")
  func requiredMissing() {
    let options = StageOptions(stageName: "build", entries: [], location: Self.stageLocation)
    let error = #expect(throws: Diagnostic.self) { try options.required("run", as: CommandSpec.self, help: "The command.") }
    #expect(error?.description == "dev.yaml:3:5: error: stage 'build' needs 'run'\n  help: add `run: …` (The command.)")
  }

  @Test("invalid() points at the key's value, or at the stage when the key is absent")
  func invalidLocation() {
    let options = StageOptions(
      stageName: "coalesce", entries: [Self.entry("mode", line: 4, Self.scalar("fast", line: 4, column: 11))],
      location: Self.stageLocation)
    #expect(options.invalid("mode", "bad").location == SourceLocation(file: Self.file, line: 4, column: 11))
    #expect(options.invalid("window", "bad").location == Self.stageLocation)
    #expect(options.location(of: "mode") == SourceLocation(file: Self.file, line: 4, column: 11))
    #expect(options.location(of: "window") == nil)
  }

  @Test(
    "a stage's YAML name comes from its type name",
    arguments: [
      (DebounceStage.self as Any.Type, "debounce"),
      (HTTPCheckStage.self, "http_check"),
      (RunStage.self, "run"),
      (GoTestStage.self, "go_test"),
      (S3UploadStage.self, "s3_upload"),
      (URLStage.self, "url"),
      (Stage.self, "stage"),
      (GenericStage<Int>.self, "generic"),
    ])
  func typeName(type: Any.Type, expected: String) {
    #expect(StageNaming.typeName(for: type) == expected)
  }

  @Test("Stage.typeName defaults to the derived name")
  func stageTypeName() {
    #expect(TickStage.typeName == "tick")
    #expect(CoalesceStage.typeName == "coalesce")
    #expect(ShellStage.typeName == "shell")
  }

  @Test("a bad value is recorded and the default used, so every bad value is reported")
  func badValuesAreRecorded() throws {
    let options = StageOptions(
      stageName: "shell",
      entries: [
        Self.entry("run", line: 4, Self.scalar("make", line: 4, column: 10)),
        Self.entry("signal", line: 5, Self.scalar("SIGFOO", line: 5, column: 13)),
        Self.entry("kill_after", line: 6, Self.scalar("soon", line: 6, column: 17)),
      ], location: Self.stageLocation, collectsProblems: true)
    let configuration = try ShellStage.Configuration(options: options)
    #expect(configuration.signal == .terminate)
    #expect(configuration.killAfter == .seconds(5))
    #expect(options.problems.map(\.location?.line) == [5, 6])

    let throwing = StageOptions(
      stageName: "shell", entries: [Self.entry("signal", line: 5, Self.scalar("SIGFOO", line: 5, column: 13))],
      location: Self.stageLocation)
    #expect(throws: Diagnostic.self) { try throwing.value("signal", default: ProcessSignal.terminate, help: "") }
    #expect(throwing.problems.isEmpty)
  }

  @Test("every bad item of a list is reported, not only the first")
  func everyBadListItemIsRecorded() throws {
    let list = ConfigNode(
      .sequence([
        Self.scalar("SIGFOO", line: 4, column: 14), Self.scalar("SIGINT", line: 4, column: 22),
        Self.scalar("SIGBAR", line: 4, column: 30),
      ]), at: SourceLocation(file: Self.file, line: 4, column: 13))
    let options = StageOptions(
      stageName: "shell", entries: [Self.entry("signals", line: 4, list)], location: Self.stageLocation, collectsProblems: true)
    _ = try options.value("signals", default: [ProcessSignal](), help: "Signals.")
    #expect(options.problems.map(\.location?.column) == [14, 30])
  }

  @Test("booleans: a quoted word or an unknown one says to write true or false")
  func booleanHelp() {
    let quoted = #expect(throws: Diagnostic.self) { try Bool(option: Self.scalar("yes", line: 4, column: 24, quoted: true)) }
    #expect(quoted?.description == "dev.yaml:4:24: error: expected true or false, got 'yes'\n  help: write true or false without quotes: a quoted value is text")
    let unknown = #expect(throws: Diagnostic.self) { try Bool(option: Self.scalar("maybe", line: 4, column: 14)) }
    #expect(unknown?.description == "dev.yaml:4:14: error: expected true or false, got 'maybe'\n  help: write true or false")
    #expect((try? Bool(option: Self.scalar("yes", line: 1, column: 1))) == true)
  }

  @Test("an empty string value says to write one or leave the key out")
  func emptyStringHelp() {
    let null = ConfigNode(.null, at: SourceLocation(file: Self.file, line: 2, column: 7))
    let error = #expect(throws: Diagnostic.self) { try String(option: null) }
    #expect(error?.description == "dev.yaml:2:7: error: expected a string, got nothing\n  help: write a value after the colon, or leave the key out")
  }

  @Test("a mapping where a list is expected says a list is accepted")
  func listHelp() {
    let mapping = ConfigNode(
      .mapping([Self.entry("a", line: 2, Self.scalar("b", line: 2, column: 14))]),
      at: SourceLocation(file: Self.file, line: 2, column: 10))
    let error = #expect(throws: Diagnostic.self) { try [String](option: mapping) }
    #expect(error?.help == "write a list, like [first, second] (one value alone is a list of one)")
  }
}
