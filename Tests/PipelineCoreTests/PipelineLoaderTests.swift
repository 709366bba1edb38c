import Foundation
import Testing

@testable import PipelineCore

/// A broken pipeline file and the exact text `pipeline validate` prints for it.
struct GoldenCase: Sendable, CustomTestStringConvertible {
  var name: String
  var yaml: String
  var expected: String
  var testDescription: String { name }
}

@Suite("PipelineLoader")
struct PipelineLoaderTests {
  let loader = PipelineLoader(registry: .testStages)

  func load(_ yaml: String) throws(DiagnosticList) -> PipelineDefinition {
    try loader.load(text: yaml, file: "dev.yaml", root: "/project")
  }

  /// The diagnostics for `yaml`, or `nil` when it loads.
  func diagnostics(_ yaml: String) -> String? {
    do {
      _ = try load(yaml)
      return nil
    } catch {
      return error.description
    }
  }

  // Every location below is the line:column of the offending token in its YAML.
  static let golden: [GoldenCase] = [
    GoldenCase(
      name: "unknown stage type, with a suggestion",
      yaml: """
        stages:
          - stage: tick
          - stage: coalese
        """,
      expected: """
        dev.yaml:3:12: error: unknown stage 'coalese'
          help: did you mean 'coalesce'? Known: coalesce, shell, tick
        """),
    GoldenCase(
      name: "unknown stage type far from every known one",
      yaml: """
        stages:
          - stage: deploy
        """,
      expected: """
        dev.yaml:2:12: error: unknown stage 'deploy'
          help: Known: coalesce, shell, tick. A custom stage is known only to the runner built with it (`swift run NAME-pipeline validate`)
        """),
    GoldenCase(
      name: "unknown key in a stage, with a suggestion",
      yaml: """
        stages:
          - stage: tick
          - stage: shell
            run: make
            kill_afer: 2s
        """,
      expected: """
        dev.yaml:5:5: error: unknown key 'kill_afer' for stage 'shell'
          help: did you mean 'kill_after'? Known: after, kill_after, name, run, signal, stage
        """),
    GoldenCase(
      name: "another watcher's name for a key (air's cmd)",
      yaml: """
        stages:
          - stage: tick
          - stage: shell
            cmd: make
        """,
      expected: """
        dev.yaml:3:5: error: stage 'shell' needs 'run'
          help: add `run: …` (The command to run.)
        dev.yaml:4:5: error: unknown key 'cmd' for stage 'shell'
          help: did you mean 'run'? Known: after, kill_after, name, run, signal, stage
        """),
    GoldenCase(
      name: "unknown top-level key",
      yaml: """
        verison: 1
        stages:
          - stage: tick
          - stage: shell
            run: make
        """,
      expected: """
        dev.yaml:1:1: error: unknown key 'verison' at the top level
          help: did you mean 'version'? Known: env, name, stages, version; a key of your own, to hold YAML anchors, must start with x- (x-verison)
        """),
    GoldenCase(
      name: "a list where a duration is expected",
      yaml: """
        stages:
          - stage: tick
          - stage: coalesce
            window: [1, 2]
        """,
      expected: """
        dev.yaml:4:13: error: expected a duration like 500ms, 2s or 1m, got a list
          help: units: ms, s, m, h; a whole number alone means milliseconds, a decimal needs its unit (1.5s)
        """),
    GoldenCase(
      name: "a mapping where a command is expected",
      yaml: """
        stages:
          - stage: tick
          - stage: shell
            run: {cmd: make}
        """,
      expected: """
        dev.yaml:4:10: error: expected a command (a string or a list of strings), got a mapping
          help: write it like `go build .` or [go, build, .]
        """),
    GoldenCase(
      name: "a block mapping where a command is expected",
      yaml: """
        stages:
          - stage: tick
          - stage: shell
            run:
              cmd: make
        """,
      expected: """
        dev.yaml:5:7: error: expected a command (a string or a list of strings), got a mapping
          help: write it like `go build .` or [go, build, .]
        """),
    GoldenCase(
      name: "bad duration text",
      yaml: """
        stages:
          - stage: tick
          - stage: shell
            run: make
            kill_after: soon
        """,
      expected: """
        dev.yaml:5:17: error: expected a duration like 500ms, 2s or 1m, got 'soon'
          help: units: ms, s, m, h; a whole number alone means milliseconds, a decimal needs its unit (1.5s)
        """),
    GoldenCase(
      name: "bad signal name",
      yaml: """
        stages:
          - stage: tick
          - stage: shell
            run: make
            signal: SIGSTOPP
        """,
      expected: """
        dev.yaml:5:13: error: expected a signal name, got 'SIGSTOPP'
          help: use one of SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGKILL (the SIG prefix is optional)
        """),
    GoldenCase(
      name: "a check of meaning points at the value",
      yaml: """
        stages:
          - stage: tick
          - stage: coalesce
            mode: fast
        """,
      expected: """
        dev.yaml:4:11: error: 'mode' must be 'latest' or 'all', got 'fast'
          help: write `mode: all`
        """),
    GoldenCase(
      name: "missing required run",
      yaml: """
        stages:
          - stage: tick
          - stage: shell
        """,
      expected: """
        dev.yaml:3:5: error: stage 'shell' needs 'run'
          help: add `run: …` (The command to run.)
        """),
    GoldenCase(
      name: "an empty command",
      yaml: """
        stages:
          - stage: tick
          - stage: shell
            run: "  "
        """,
      expected: """
        dev.yaml:4:10: error: the command is empty
          help: write a command, like `go build ./...`
        """),
    GoldenCase(
      name: "empty stages",
      yaml: """
        stages: []
        """,
      expected: """
        dev.yaml:1:9: error: the pipeline has no stages
          help: add at least a source and an action, like `- stage: watch` and `- stage: restart`
        """),
    GoldenCase(
      name: "stages not a list",
      yaml: """
        stages: tick
        """,
      expected: """
        dev.yaml:1:9: error: 'stages' must be a list, got 'tick'
          help: write each stage as a list item: `- stage: watch`
        """),
    GoldenCase(
      name: "no stages key",
      yaml: """
        name: dev
        """,
      expected: """
        dev.yaml:1:1: error: the pipeline has no 'stages' key
          help: add `stages:` with a list of stages, like `- stage: watch`
        """),
    GoldenCase(
      name: "empty file",
      yaml: "\n# nothing yet\n",
      expected: """
        dev.yaml:1:1: error: the pipeline file is empty
          help: a pipeline needs `stages:`, a list of stages; see Documentation/Configuration.md
        """),
    GoldenCase(
      name: "top level not a mapping",
      yaml: """
        - stage: tick
        """,
      expected: """
        dev.yaml:1:1: error: a pipeline file must be a mapping with `stages:`, got a list
          help: start with `stages:` followed by a list of `- stage: …` entries
        """),
    GoldenCase(
      name: "version 2",
      yaml: """
        version: 2
        stages:
          - stage: tick
          - stage: shell
            run: make
        """,
      expected: """
        dev.yaml:1:10: error: unsupported pipeline version '2'
          help: this pipeline understands version 1 only; write `version: 1` or leave it out
        """),
    GoldenCase(
      name: "a stage that is not a mapping",
      yaml: """
        stages:
          - tick
        """,
      expected: """
        dev.yaml:2:5: error: a stage must be a mapping with a 'stage' key, got 'tick'
          help: write it as `- stage: build` with its keys indented below
        """),
    GoldenCase(
      name: "a stage without a stage key",
      yaml: """
        stages:
          - stage: tick
          - run: make
        """,
      expected: """
        dev.yaml:3:5: error: this stage has no 'stage' key
          help: say which stage type it is: `- stage: build`. Known: coalesce, shell, tick
        """),
    GoldenCase(
      name: "an invalid stage name",
      yaml: """
        stages:
          - stage: tick
            name: my ticker
        """,
      expected: """
        dev.yaml:3:11: error: stage name 'my ticker' is not a valid name
          help: use letters, digits, '-' or '_'
        """),
    GoldenCase(
      name: "a stage name with a dot",
      yaml: """
        stages:
          - stage: tick
            name: api.v2
        """,
      expected: """
        dev.yaml:3:11: error: stage name 'api.v2' is not a valid name
          help: use letters, digits, '-' or '_'
        """),
    GoldenCase(
      name: "the reserved stage name pipeline",
      yaml: """
        stages:
          - stage: tick
            name: pipeline
        """,
      expected: """
        dev.yaml:3:11: error: stage name 'pipeline' is not a valid name
          help: 'pipeline' names the pipeline itself in output and events; choose another name
        """),
    GoldenCase(
      name: "YAML syntax error: bad indentation",
      yaml: """
        stages:
          - stage: tick
          - stage: shell
             run: make
        """,
      expected: """
        dev.yaml:4:6: error: invalid YAML: this line is indented more than the key above it
          help: line it up with the keys above it; if it continues the value above, quote that value (a value with ': ' or ' #' in it needs quotes)
        """),
    GoldenCase(
      name: "YAML syntax error: a tab in the indentation",
      yaml: "stages:\n  - stage: tick\n\t- stage: shell\n",
      expected: """
        dev.yaml:3:1: error: invalid YAML: a tab cannot indent YAML; use spaces
          help: replace the tabs at the start of this line with spaces
        """),
    GoldenCase(
      name: "YAML syntax error: unclosed flow list",
      yaml: """
        stages:
          - stage: tick
          - stage: shell
            run: [make, test
          - stage: coalesce
        """,
      expected: """
        dev.yaml:4:10: error: invalid YAML: this list is not closed: the file ends before its ']'
          help: add the ']' where the list ends; a value in it with ': ', ',' or a bracket needs quotes
        """),
    GoldenCase(
      name: "duplicate key, at its second occurrence",
      yaml: """
        stages:
          - stage: tick
          - stage: shell
            run: make
            signal: INT
            run: make test
        """,
      expected: """
        dev.yaml:6:5: error: duplicate key 'run'
          help: a key may appear once per mapping; remove one of them
        """),
    GoldenCase(
      name: "duplicate top-level key",
      yaml: """
        name: a
        stages:
          - stage: tick
            name: a
        name: b
        """,
      expected: """
        dev.yaml:5:1: error: duplicate key 'name'
          help: a key may appear once per mapping; remove one of them
        """),
    GoldenCase(
      name: "duplicate stage names",
      yaml: """
        stages:
          - stage: tick
          - stage: shell
            run: make
          - stage: shell
            run: make test
        """,
      expected: """
        dev.yaml:5:5: error: duplicate stage name 'shell' (first used at line 3)
          help: give one of them a unique `name:`
        """),
    GoldenCase(
      name: "an unknown input's hint names each stage once, even two of one name",
      yaml: """
        stages:
          - stage: tick
          - stage: shell
            run: make
          - stage: shell
            run: make test
          - stage: shell
            name: lint
            after: [shel]
            run: make lint
        """,
      expected: """
        dev.yaml:5:5: error: duplicate stage name 'shell' (first used at line 3)
          help: give one of them a unique `name:`
        dev.yaml:9:13: error: stage 'lint' lists unknown input 'shel' in 'after'
          help: did you mean 'shell'? Known: lint, shell, tick
        """),
    GoldenCase(
      name: "duplicate name: values, reported at the second name",
      yaml: """
        stages:
          - stage: tick
          - stage: shell
            name: lint
            run: make lint
          - stage: shell
            run: make vet
            name: lint
        """,
      expected: """
        dev.yaml:8:11: error: duplicate stage name 'lint' (first used at line 4)
          help: give one of them a unique `name:`
        """),
    GoldenCase(
      name: "unknown after input, with a suggestion",
      yaml: """
        stages:
          - stage: tick
          - stage: coalesce
          - stage: shell
            run: make
            after: [coalesse]
        """,
      expected: """
        dev.yaml:6:13: error: stage 'shell' lists unknown input 'coalesse' in 'after'
          help: did you mean 'coalesce'? Known: coalesce, shell, tick
        """),
    GoldenCase(
      name: "an unknown input written alone is reported at the after: value",
      yaml: """
        stages:
          - stage: tick
          - stage: shell
            run: make
            after: tikc
        """,
      expected: """
        dev.yaml:5:12: error: stage 'shell' lists unknown input 'tikc' in 'after'
          help: did you mean 'tick'? Known: shell, tick
        """),
    GoldenCase(
      name: "every bad value of a stage is reported, not only the first",
      yaml: """
        stages:
          - stage: tick
          - stage: shell
            run: make
            signal: SIGFOO
            kill_after: soon
        """,
      expected: """
        dev.yaml:5:13: error: expected a signal name, got 'SIGFOO'
          help: use one of SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGKILL (the SIG prefix is optional)
        dev.yaml:6:17: error: expected a duration like 500ms, 2s or 1m, got 'soon'
          help: units: ms, s, m, h; a whole number alone means milliseconds, a decimal needs its unit (1.5s)
        """),
    GoldenCase(
      name: "diagnostics come out by line, then column",
      yaml: """
        stages:
          - stage: tick
          - stage: shell
            run: make
            colour: red
            kill_after: soon
        """,
      expected: """
        dev.yaml:5:5: error: unknown key 'colour' for stage 'shell'
          help: Known: after, kill_after, name, run, signal, stage
        dev.yaml:6:17: error: expected a duration like 500ms, 2s or 1m, got 'soon'
          help: units: ms, s, m, h; a whole number alone means milliseconds, a decimal needs its unit (1.5s)
        """),
    GoldenCase(
      name: "a bad value does not hide a bad check of meaning at another key",
      yaml: """
        stages:
          - stage: tick
          - stage: coalesce
            window: soon
            mode: fast
        """,
      expected: """
        dev.yaml:4:13: error: expected a duration like 500ms, 2s or 1m, got 'soon'
          help: units: ms, s, m, h; a whole number alone means milliseconds, a decimal needs its unit (1.5s)
        dev.yaml:5:11: error: 'mode' must be 'latest' or 'all', got 'fast'
          help: write `mode: all`
        """),
    GoldenCase(
      name: "a missing required key hides none of the stage's other bad values",
      yaml: """
        stages:
          - stage: tick
          - stage: shell
            signal: SIGFOO
            kill_after: soon
        """,
      expected: """
        dev.yaml:3:5: error: stage 'shell' needs 'run'
          help: add `run: …` (The command to run.)
        dev.yaml:4:13: error: expected a signal name, got 'SIGFOO'
          help: use one of SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGKILL (the SIG prefix is optional)
        dev.yaml:5:17: error: expected a duration like 500ms, 2s or 1m, got 'soon'
          help: units: ms, s, m, h; a whole number alone means milliseconds, a decimal needs its unit (1.5s)
        """),
    GoldenCase(
      name: "an unquoted value starting with * is an alias to YAML",
      yaml: """
        stages:
          - stage: tick
            paths: [*.go]
        """,
      expected: """
        dev.yaml:3:13: error: invalid YAML: '*.go' is read as a YAML alias, and an alias name is letters, digits, '-' and '_'
          help: a value starting with `*` is read as a YAML alias; quote it: `"*.go"`
        """),
    GoldenCase(
      name: "a mapping where a list is expected says a list is accepted",
      yaml: """
        stages:
          - stage: tick
            paths: {a: b}
        """,
      expected: """
        dev.yaml:3:12: error: expected a string, got a mapping
          help: 'paths' takes a list (the paths the batches name): write it like `paths: [first, second]` (one value alone is a list of one)
        """),
    GoldenCase(
      name: "an empty stage name says what to write",
      yaml: """
        stages:
          - stage: tick
          - stage: shell
            name:
            run: make
        """,
      expected: """
        dev.yaml:4:10: error: expected a string, got nothing
          help: write a name, like `name: api`, or leave `name:` out to name the stage 'shell'
        """),
    GoldenCase(
      name: "a merge key whose value is not a mapping",
      yaml: """
        stages:
          - stage: tick
          - stage: shell
            <<: make
        """,
      expected: """
        dev.yaml:4:9: error: the merge key '<<' takes a mapping or a list of mappings, got 'make'
          help: anchor a mapping (`x-defaults: &defaults {signal: SIGINT}`) and merge it with `<<: *defaults`
        """),
    GoldenCase(
      name: "a cycle",
      yaml: """
        stages:
          - stage: tick
          - stage: coalesce
            name: a
            after: [b]
          - stage: coalesce
            name: b
            after: [a]
        """,
      expected: """
        dev.yaml:6:5: error: the stages form a cycle: b → a → b
          help: a batch must not come back to a stage it passed; change one of their `after:` lists
        """),
    GoldenCase(
      name: "a non-source with no input",
      yaml: """
        stages:
          - stage: shell
            run: make
          - stage: tick
        """,
      expected: """
        dev.yaml:2:5: error: stage 'shell' has no input, so it would never run
          help: list a source before it (like `- stage: watch`) or name its input with `after: [watch]`
        """),
    GoldenCase(
      name: "an empty after: on a stage listed after a source",
      yaml: """
        stages:
          - stage: tick
          - stage: shell
            run: make
            after: []
        """,
      expected: """
        dev.yaml:3:5: error: stage 'shell' has no input, so it would never run
          help: its `after:` is empty: remove it to take the stage listed before, or name the input, like `after: [watch]`
        """),
    GoldenCase(
      name: "a source given after",
      yaml: """
        stages:
          - stage: tick
          - stage: tick
            name: tock
            after: [tick]
          - stage: shell
            run: make
        """,
      expected: """
        dev.yaml:3:5: error: stage 'tock' is a source and takes no input
          help: remove its `after:`
        """),
    GoldenCase(
      name: "several errors in one file, all reported in file order",
      yaml: """
        verison: 1
        env:
          PORT: [8080]
        stages:
          - stage: tick
            count: many
          - stage: coalese
          - stage: shell
            run: make
            kill_after: 5x
            colour: red
        """,
      expected: """
        dev.yaml:1:1: error: unknown key 'verison' at the top level
          help: did you mean 'version'? Known: env, name, stages, version; a key of your own, to hold YAML anchors, must start with x- (x-verison)
        dev.yaml:3:9: error: the value of 'PORT' must be a string, got a list
        dev.yaml:6:12: error: expected a whole number, got 'many'
        dev.yaml:7:12: error: unknown stage 'coalese'
          help: did you mean 'coalesce'? Known: coalesce, shell, tick
        dev.yaml:10:17: error: expected a duration like 500ms, 2s or 1m, got '5x'
          help: units: ms, s, m, h; a whole number alone means milliseconds, a decimal needs its unit (1.5s)
        dev.yaml:11:5: error: unknown key 'colour' for stage 'shell'
          help: Known: after, kill_after, name, run, signal, stage
        """),
  ]

  @Test("broken pipelines give exact diagnostics", arguments: golden)
  func goldenDiagnostics(_ golden: GoldenCase) {
    #expect(diagnostics(golden.yaml) == golden.expected)
  }

  @Test("an unclosed quote is reported where the quote opens")
  func unclosedQuote() {
    let yaml = """
      stages:
        - stage: tick
        - stage: shell
          run: 'make
        - stage: coalesce
          window: 2s
      """
    #expect(
      diagnostics(yaml) == """
        dev.yaml:4:10: error: invalid YAML: this quoted value is not closed before the end of the file
          help: add the closing quote where the value ends
        """)
  }

  @Test("an unclosed double quote is reported where it opens, too")
  func unclosedDoubleQuote() {
    let yaml = """
      stages:
        - stage: tick
          name: "ticker
        - stage: coalesce
      """
    #expect(diagnostics(yaml)?.hasPrefix("dev.yaml:3:11: error: invalid YAML: this quoted value is not closed") == true)
  }

  @Test("a stage whose first key is wrong does not report its later, known keys as unknown")
  func laterKeysStayKnownAfterAnError() {
    let yaml = """
      stages:
        - stage: tick
        - stage: shell
          kill_after: 2s
        - stage: coalesce
          window: soon
          mode: all
      """
    #expect(
      diagnostics(yaml) == """
        dev.yaml:3:5: error: stage 'shell' needs 'run'
          help: add `run: …` (The command to run.)
        dev.yaml:6:13: error: expected a duration like 500ms, 2s or 1m, got 'soon'
          help: units: ms, s, m, h; a whole number alone means milliseconds, a decimal needs its unit (1.5s)
        """)
  }

  // MARK: - Pipelines that load

  @Test("by default each stage reads from the one listed before it; a source reads from none")
  func defaultChain() throws {
    let definition = try load(
      """
      version: 1
      name: dev
      stages:
        - stage: tick
        - stage: coalesce
          window: 200ms
        - stage: shell
          run: make
        - stage: shell
          name: test
          run: [make, test]
          signal: int
      """)
    #expect(definition.name == "dev")
    #expect(definition.file == "dev.yaml")
    #expect(definition.root == "/project")
    #expect(definition.stages.map(\.name) == ["tick", "coalesce", "shell", "test"])
    #expect(definition.stages.map(\.inputs) == [[], ["tick"], ["coalesce"], ["shell"]])
    #expect(definition.stages.map(\.descriptor.typeName) == ["tick", "coalesce", "shell", "shell"])
    #expect(definition.stages.map(\.location.line) == [4, 5, 7, 9])
    #expect(definition.stages.map(\.location.column) == [5, 5, 5, 5])

    let coalesce = try #require(definition.stages[1].configuration as? CoalesceStage.Configuration)
    #expect(coalesce.window == .milliseconds(200))
    #expect(coalesce.mode == "latest")
    let build = try #require(definition.stages[2].configuration as? ShellStage.Configuration)
    #expect(build.run == .shell("make"))
    #expect(build.signal == .terminate)
    #expect(build.killAfter == .seconds(5))
    let test = try #require(definition.stages[3].configuration as? ShellStage.Configuration)
    #expect(test.run == .argv(["make", "test"]))
    #expect(test.signal == .interrupt)
  }

  @Test("after: fans out from one stage and fans in to another")
  func fanOutFanIn() throws {
    let definition = try load(
      """
      stages:
        - stage: tick
        - stage: coalesce
          name: fast
        - stage: coalesce
          name: slow
          after: [tick]
          window: 2s
        - stage: shell
          run: make
          after: [fast, slow]
        - stage: shell
          name: lint
          run: lint
          after: tick
      """)
    #expect(definition.stages.map(\.inputs) == [[], ["tick"], ["tick"], ["fast", "slow"], ["tick"]])
    #expect(definition.consumers(of: "tick").map(\.name) == ["fast", "slow", "lint"])
    #expect(definition.consumers(of: "slow").map(\.name) == ["shell"])
    #expect(definition.consumers(of: "shell").isEmpty)
  }

  @Test("env: values are read as text")
  func environmentAsStrings() throws {
    let definition = try load(
      """
      env:
        PORT: 8080
        DEBUG: true
        RATIO: 1.50
        NAME: "api"
        EMPTY:
      stages:
        - stage: tick
        - stage: shell
          run: make
      """)
    #expect(definition.environment == ["PORT": "8080", "DEBUG": "true", "RATIO": "1.50", "NAME": "api", "EMPTY": ""])
  }

  @Test("name: is the stage's id, and the next stage's default input")
  func nameIsTheId() throws {
    let definition = try load(
      """
      stages:
        - stage: tick
          name: sources
        - stage: shell
          name: build-api
          run: make
        - stage: shell
          name: run_api
          run: ./api
      """)
    #expect(definition.stages.map(\.name) == ["sources", "build-api", "run_api"])
    #expect(definition.stages.map(\.inputs) == [[], ["sources"], ["build-api"]])
  }

  @Test("an alias selects its stage type, which keeps its own name")
  func aliasSelectsType() throws {
    let definition = try load(
      """
      stages:
        - stage: timer
          count: 3
          paths: src
        - stage: shell
          run: make
      """)
    #expect(definition.stages.map(\.name) == ["tick", "shell"])
    #expect(definition.stages[1].inputs == ["tick"])
    let tick = try #require(definition.stages[0].configuration as? TickStage.Configuration)
    #expect(tick.count == 3)
    #expect(tick.paths == ["src"])
  }

  @Test("load(file:) names the file in messages and uses its folder as the root")
  func loadFile() throws {
    let folder = FileManager.default.temporaryDirectory.path + "/pipeline-loader-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/dev.yaml"
    try "stages:\n  - stage: tick\n  - stage: shell\n    run: make\n".write(toFile: path, atomically: true, encoding: .utf8)
    let definition = try loader.load(file: path)
    #expect(definition.file == path)
    #expect(definition.root == PathText.normalize(folder))
    #expect(definition.stages.count == 2)

    try "stages:\n  - stage: shel\n".write(toFile: path, atomically: true, encoding: .utf8)
    let error = #expect(throws: DiagnosticList.self) { try loader.load(file: path) }
    #expect(error?.description == "\(path):2:12: error: unknown stage 'shel'\n  help: did you mean 'shell'? Known: coalesce, shell, tick")
  }

  @Test("<<: merges a stage's keys from an anchored one; keys written in the stage win")
  func mergeKeyInStages() throws {
    let definition = try load(
      """
      stages:
        - stage: tick
        - &shell
          stage: shell
          run: make
          signal: int
          kill_after: 2s
        - <<: *shell
          name: test
          run: make test
      """)
    #expect(definition.stages.map(\.name) == ["tick", "shell", "test"])
    let test = try #require(definition.stages[2].configuration as? ShellStage.Configuration)
    #expect(test.run == .shell("make test"))
    #expect(test.signal == .interrupt)
    #expect(test.killAfter == .seconds(2))
  }

  @Test("a top-level key starting with x- is ignored, and holds anchors the stages merge")
  func extensionKeysHoldAnchors() throws {
    let definition = try load("""
      x-app: &app {signal: SIGINT, kill_after: 5s}
      x-notes: [any, value, "at all"]
      stages:
        - stage: tick
        - stage: shell
          run: make
          <<: *app
      """)
    #expect(definition.stages.map(\.name) == ["tick", "shell"])
    let shell = try #require(definition.stages[1].configuration as? ShellStage.Configuration)
    #expect(shell.signal == .interrupt)
    #expect(shell.killAfter == .seconds(5))
  }

  @Test("a top-level key without x- is still unknown, and its hint names x-")
  func aKeyWithoutTheExtensionPrefixIsUnknown() {
    #expect(throws: DiagnosticList.self) { try load("common: &c {signal: int}\nstages:\n  - stage: tick\n") }
    do {
      _ = try load("X-common: 1\nstages:\n  - stage: tick\n")
      Issue.record("X- (upper case) is not the convention")
    } catch {
      #expect(error.description.contains("dev.yaml:1:1: error: unknown key 'X-common' at the top level"))
      #expect(error.description.contains("must start with x- (x-X-common)"))
    }
  }

  @Test("<<: in env merges a mapping, or a list of mappings where the first wins")
  func mergeKeyInEnvironment() throws {
    let yaml = """
      env:
        <<: [&base {A: "1", B: "1"}, {B: "2", C: "2"}]
        C: "3"
      stages:
        - stage: tick
        - stage: shell
          run: make
      """
    #expect(try load(yaml).environment == ["A": "1", "B": "1", "C": "3"])
    let single = """
      env: {<<: &e {A: "1"}, B: "2"}
      stages:
        - stage: tick
        - stage: shell
          run: make
      """
    #expect(try load(single).environment == ["A": "1", "B": "2"])
  }

  @Test("a file that is not UTF-8 is an error at its first bad byte")
  func notUTF8() throws {
    let folder = FileManager.default.temporaryDirectory.path + "/pipeline-loader-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/latin1.yaml"
    // "café" in Latin-1: é is the single byte 0xE9.
    let bytes = Array("# caf".utf8) + [0xE9] + Array("\nstages:\n  - stage: tick\n  - stage: shell\n    run: echo ".utf8) + [0xE9, 0x0A]
    #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
    let error = #expect(throws: DiagnosticList.self) { try loader.load(file: path) }
    #expect(
      error?.description == """
        \(path):1:6: error: cannot read YAML: byte 0xE9 here is not UTF-8 (the file is in another encoding, such as Latin-1)
          help: save the file as UTF-8 (most editors offer it under Save As or the encoding in the status bar)
        """)

    let accented = Array("stages:\n  - stage: tick\n  - stage: shell\n    run: echo café ".utf8) + [0xFF, 0x0A]
    #expect(FileManager.default.createFile(atPath: path, contents: Data(accented)))
    let second = #expect(throws: DiagnosticList.self) { try loader.load(file: path) }
    #expect(second?.diagnostics.first?.location == SourceLocation(file: path, line: 4, column: 20))

    // Counted as the YAML reader counts: a leading byte-order mark is no column, and CRLF or
    // a lone CR is one line break.
    let marked = [0xEF, 0xBB, 0xBF] + Array("# caf".utf8) + [0xE9, 0x0A]
    #expect(FileManager.default.createFile(atPath: path, contents: Data(marked)))
    let third = #expect(throws: DiagnosticList.self) { try loader.load(file: path) }
    #expect(third?.diagnostics.first?.location == SourceLocation(file: path, line: 1, column: 6))
    let windows = Array("stages:\r\n  - stage: tick\r\n# ".utf8) + [0xE9] + Array("\r\n".utf8)
    #expect(FileManager.default.createFile(atPath: path, contents: Data(windows)))
    let fourth = #expect(throws: DiagnosticList.self) { try loader.load(file: path) }
    #expect(fourth?.diagnostics.first?.location == SourceLocation(file: path, line: 3, column: 3))
    let oldMac = Array("stages:\r  - stage: tick\r# ".utf8) + [0xE9] + Array("\r".utf8)
    #expect(FileManager.default.createFile(atPath: path, contents: Data(oldMac)))
    let fifth = #expect(throws: DiagnosticList.self) { try loader.load(file: path) }
    #expect(fifth?.diagnostics.first?.location == SourceLocation(file: path, line: 3, column: 3))
  }

  @Test("a missing file or a folder is an error without a location")
  func missingFile() {
    let missing = #expect(throws: DiagnosticList.self) { try loader.load(file: "/nonexistent/dev.yaml") }
    #expect(missing?.diagnostics.map(\.location) == [nil])
    #expect(missing?.description.hasPrefix("error: no pipeline file at /nonexistent/dev.yaml\n  help: ") == true)
    let folder = #expect(throws: DiagnosticList.self) { try loader.load(file: "/tmp") }
    #expect(
      folder?.description
        == "error: /tmp is a folder, not a pipeline file\n  help: name a pipeline file; `pipeline init`, run in that folder, writes one for its project")
  }

  @Test("a folder that holds a pipeline.yaml: the help names that file")
  func folderWithAPipelineFile() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loader-folder-\(getpid())").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    #expect(FileManager.default.createFile(atPath: folder + "/pipeline.yaml", contents: Data("stages: []\n".utf8)))
    let error = #expect(throws: DiagnosticList.self) { try loader.load(file: folder) }
    #expect(error?.description == "error: \(folder) is a folder, not a pipeline file\n  help: name the file in it: \(folder)/pipeline.yaml")
  }
}
