/// The files of the package `pipeline new-stage` writes.
///
/// The stage it holds is small but real: an action that runs a command with the changed
/// files, through the same ``StageContext/run(_:environment:workingDirectory:timeout:stopSignal:killAfter:onLine:)``
/// the built-in stages use, and passes the batch on when it succeeds; like the built-in
/// command stages, it keeps the files of a failed run for its next one.
struct NewStageTemplate {
  enum Dependency {
    case url(String, from: String)
    case path(String)
  }

  let name: String
  let dependency: Dependency

  /// `http_check` → `HttpCheck`.
  var module: String {
    name.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
  }
  var typeName: String { module + "Stage" }
  var packageName: String { name.replacingAll("_", with: "-") }
  var runnerProduct: String { packageName + "-pipeline" }
  var serverProduct: String { packageName + "-stage" }

  static func isValidName(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
    return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
      && !name.hasSuffix("_") && !name.contains("__")
  }

  /// Whether `version` is one SwiftPM's `from:` takes: MAJOR.MINOR.PATCH, digits only, with an
  /// optional pre-release (`-beta.1`).
  static func isValidVersion(_ version: String) -> Bool {
    let core = version.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)[0]
    let parts = core.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else {
      return false
    }
    return !version.hasSuffix("-")
  }

  var files: [(String, String)] {
    [
      ("Package.swift", packageManifest),
      (".gitignore", ".build/\n.swiftpm/\n"),
      ("Sources/\(module)/\(typeName).swift", stageSource),
      ("Sources/\(module)Pipeline/\(module)Pipeline.swift", runnerSource),
      ("Sources/\(module)Server/\(module)Server.swift", serverSource),
      ("Tests/\(module)Tests/\(typeName)Tests.swift", testSource),
      ("pipeline.yaml", pipelineFile),
    ]
  }

  private var dependencyLine: String {
    switch dependency {
    case .url(let url, let version): return ".package(url: \"\(url)\", from: \"\(version)\")"
    case .path(let path): return ".package(name: \"pipeline\", path: \"\(path)\")"
    }
  }

  private var packageManifest: String {
    """
    // swift-tools-version: 6.1
    import PackageDescription

    let package = Package(
      name: "\(packageName)",
      products: [
        // `pipeline` with the built-in stages plus '\(name)'.
        .executable(name: "\(runnerProduct)", targets: ["\(module)Pipeline"]),
        // The same stage as a program, for `stage: external`.
        .executable(name: "\(serverProduct)", targets: ["\(module)Server"]),
      ],
      dependencies: [
        \(dependencyLine),
      ],
      targets: [
        .target(name: "\(module)", dependencies: [.product(name: "PipelineCore", package: "pipeline")]),
        .executableTarget(
          name: "\(module)Pipeline",
          dependencies: [
            "\(module)",
            .product(name: "PipelineCLI", package: "pipeline"),
            .product(name: "PipelineStages", package: "pipeline"),
          ]),
        .executableTarget(
          name: "\(module)Server",
          dependencies: ["\(module)", .product(name: "PipelineCore", package: "pipeline")]),
        .testTarget(
          name: "\(module)Tests",
          dependencies: ["\(module)", .product(name: "PipelineCore", package: "pipeline")]),
      ]
    )

    """
  }

  private var stageSource: String {
    """
    import PipelineCore

    /// The '\(name)' stage: runs a command with the changed files appended, and passes the
    /// batch on when it succeeds. When it fails, the batch is kept and merged into the next
    /// one, so the files still broken are checked again and a later save of another file does
    /// not go on without them. Make it yours: the keys are read in `Configuration`, the work
    /// is done in `run`.
    ///
    /// ```yaml
    /// - stage: \(name)
    ///   command: [swift-format, lint, --strict]
    /// ```
    public struct \(typeName): Stage {
      public struct Configuration: StageConfiguration {
        public var command: [String]
        public var timeout: Duration

        public init(options: StageOptions) throws {
          command = try options.required(
            "command", as: [String].self, help: "The program and its arguments; the changed files are added at the end.")
          timeout = try options.value("timeout", default: .seconds(60), help: "Stop the command when it runs longer.")
          if !options.isDescribing, command.isEmpty {
            try options.reject("command", "'command' must name a program", help: "write it like command: [echo]")
          }
        }
      }

      public static let role = StageRole.action
      public static let summary = "Runs a command with the changed files; the batch goes on when it succeeds."
      public static let example = "- stage: \(name)\\n  command: [echo, changed:]"

      let configuration: Configuration
      let context: StageContext

      public init(configuration: Configuration, context: StageContext) throws {
        self.configuration = configuration
        self.context = context
      }

      public func run(input: StageInput, output: StageOutput) async throws {
        // The changes of the runs that failed since the last one that succeeded.
        var failed: Batch?
        for await arrived in input {
          let batch = failed.map { $0.merging(arrived) } ?? arrived
          let files = batch.changes.filter { $0.kind != .removed }.map(\\.path)
          let clock = ContinuousClock()
          let started = clock.now
          let result = await context.run(.argv(configuration.command + files), timeout: configuration.timeout)
          // Seconds with their fraction: the cycle's summary line shows it after the name.
          let duration = ["duration": String(started.duration(to: clock.now).seconds)]
          if result.isSuccess {
            failed = nil
            context.emit(.stageSucceeded, "\\(context.name) succeeded", metadata: duration)
            output.send(batch)
          } else {
            failed = batch
            context.emit(.stageFailed, "stage '\\(context.name)' \\(result)", paths: batch.paths, metadata: duration)
          }
        }
      }
    }

    """
  }

  private var runnerSource: String {
    """
    import \(module)
    import PipelineCLI
    import PipelineCore
    import PipelineStages

    /// `\(runnerProduct)`: the `pipeline` command line with the '\(name)' stage compiled in.
    @main
    struct \(module)Pipeline {
      static func main() async {
        await PipelineCommand.main(registry: .builtIn, adding: [\(typeName).self])
      }
    }

    """
  }

  private var serverSource: String {
    """
    import \(module)
    import PipelineCore

    /// `\(serverProduct)`: the '\(name)' stage as a program, for `stage: external`.
    @main
    struct \(module)Server {
      static func main() async {
        await ExternalStageServer.serve(\(typeName).self)
      }
    }

    """
  }

  private var testSource: String {
    """
    import \(module)
    import PipelineCore
    import Testing

    @Suite struct \(typeName)Tests {
      @Test func aSucceedingCommandPassesTheBatchOn() async throws {
        let events = EventRecorder()
        let driver = try StageDriver(\(typeName).self, config: ["command": .array([.string("true")])], events: events)
        let batch = Batch([Change(path: "Sources/main.swift", kind: .modified)])
        #expect(await driver.handle(batch) == batch)
        try await driver.finish()
      }

      @Test func aFailingCommandStopsTheBatch() async throws {
        let events = EventRecorder()
        let driver = try StageDriver(\(typeName).self, config: ["command": .array([.string("false")])], events: events)
        #expect(await driver.handle(Batch([Change(path: "a.txt", kind: .created)])) == nil)
        try await driver.finish()
        #expect(events.events(.stageFailed).first?.message == "stage '\(name)' exited with status 1")
      }

      @Test func theFilesOfAFailedRunAreCheckedAgainWithTheNextBatch() async throws {
        let events = EventRecorder()
        // Fails while bad.txt is among the files it is given.
        let command: [JSONValue] = [.string("sh"), .string("-c"), .string("case \\"$*\\" in *bad.txt*) exit 1;; esac"), .string("sh")]
        let driver = try StageDriver(\(typeName).self, config: ["command": .array(command)], events: events)
        #expect(await driver.handle(Batch([Change(path: "bad.txt", kind: .modified)])) == nil)
        // Another file's batch does not go on without bad.txt, still broken.
        #expect(await driver.handle(Batch([Change(path: "other.txt", kind: .modified)])) == nil)
        #expect(events.events(.stageFailed).last?.paths == ["bad.txt", "other.txt"])
        try await driver.finish()
      }

      @Test func theCommandIsRequired() {
        #expect(throws: Diagnostic.self) {
          _ = try StageDriver(\(typeName).self, config: [:], events: EventRecorder())
        }
      }
    }

    """
  }

  private var pipelineFile: String {
    """
    # Runs the '\(name)' stage on every change: swift run \(runnerProduct) run
    # Check it with: swift run \(runnerProduct) validate (plain `pipeline` does not know '\(name)')
    version: 1
    name: \(packageName)
    stages:
      - stage: watch
        paths: [Sources]
      - stage: debounce
        window: 100ms
      - stage: \(name)
        command: [echo, "changed:"]

    """
  }
}
