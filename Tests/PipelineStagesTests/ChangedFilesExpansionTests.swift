import PipelineCore
@testable import PipelineStages
import Testing

@Suite struct ChangedFilesExpansionTests {
  @Test func aShellCommandGetsQuotedPaths() {
    let commands = ChangedFilesExpansion.commands(for: .shell("gofmt -l -w {files}"), paths: ["a b.go", "it's.go"])
    #expect(commands == [.shell("gofmt -l -w 'a b.go' 'it'\\''s.go'")])
  }

  @Test func anArgvWordBecomesOneWordPerPath() {
    let commands = ChangedFilesExpansion.commands(for: .argv(["lint", "{files}", "--strict"]), paths: ["a", "b"])
    #expect(commands == [.argv(["lint", "a", "b", "--strict"])])
  }

  /// `rm {files}` with a file named `-rf`, `gofmt -w {files}` with `-l.go`: a name is never an option.
  @Test func aPathThatStartsWithADashIsNotAnOption() {
    let argv = ChangedFilesExpansion.commands(for: .argv(["gofmt", "-w", "{files}"]), paths: ["-l.go", "src/-x.go", "a.go"])
    #expect(argv == [.argv(["gofmt", "-w", "./-l.go", "src/-x.go", "a.go"])])
    let shell = ChangedFilesExpansion.commands(for: .shell("rm {files}"), paths: ["-rf"])
    #expect(shell == [.shell("rm './-rf'")])
    #expect(ChangedFilesExpansion.commandLine(for: .argv(["gofmt", "-w", "{files}"]), paths: ["-l.go"]) == "gofmt -w ./-l.go")
  }

  @Test func aCommandWithoutThePlaceholderRunsOnceUnchanged() {
    #expect(ChangedFilesExpansion.commands(for: .shell("make"), paths: []) == [.shell("make")])
  }

  @Test func noPathsMeansNoRunForAFilesCommand() {
    #expect(ChangedFilesExpansion.commands(for: .shell("gofmt -w {files}"), paths: []).isEmpty)
  }

  @Test func tenThousandPathsAreSplitIntoRunsUnderTheLimit() {
    let paths = (0..<10_000).map { "src/module\($0 % 50)/generated_file_number_\($0).go" }
    let commands = ChangedFilesExpansion.commands(for: .shell("gofmt -l {files}"), paths: paths)
    #expect(commands.count > 1)
    var seen: [String] = []
    for case .shell(let line) in commands {
      #expect(line.utf8.count < 128 * 1024, "the kernel refuses one argument over 128 KiB")
      seen += line.dropFirst("gofmt -l ".count).split(separator: " ").map { String($0.dropFirst().dropLast()) }
    }
    #expect(seen == paths, "every path once, in order")
  }

  @Test func theShownCommandLineNamesAFewFilesThenHowManyMore() {
    let paths = (1...10).map { "f\($0).go" }
    #expect(
      ChangedFilesExpansion.commandLine(for: .argv(["gofmt", "-w", "{files}"]), paths: paths)
        == "gofmt -w f1.go f2.go f3.go … and 7 more")
    #expect(
      ChangedFilesExpansion.commandLine(for: .shell("gofmt -w {files}"), paths: ["a b.go"]) == "gofmt -w 'a b.go'",
      "quoted as in the command that runs")
    #expect(ChangedFilesExpansion.commandLine(for: .shell("make"), paths: paths) == "make")
  }
}
