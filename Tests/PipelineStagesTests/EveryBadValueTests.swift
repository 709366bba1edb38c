import PipelineCore
import Testing

@testable import PipelineStages

/// A built-in stage's checks of meaning (`'.' is not a file extension`, `'timeout' must be
/// longer than 0`) do not stop the reading: the stage's other bad values are reported in the
/// same run, each at its place, as Errors.md promises.
@Suite struct EveryBadValueTests {
  func problems(_ stages: String) -> [String] {
    do {
      _ = try PipelineLoader(registry: .builtIn).load(text: "stages:\n" + stages, file: "p.yaml", root: "/")
      return []
    } catch {
      return error.diagnostics.map { "\($0.location.map { "\($0.line):\($0.column)" } ?? "-") \($0.message)" }
    }
  }

  @Test func aBadExtensionHidesNoOtherValueOfTheFilter() {
    let found = problems(
      """
        - stage: watch
        - stage: filter
          extensions: [".", ""]
          unchanged: skp
          gitignore: 1
      """)
    #expect(
      found == [
        "4:18 '.' is not a file extension", "4:23 '' is not a file extension",
        "5:16 'unchanged' must be skip or keep, got 'skp'", "6:16 expected true or false, got '1'",
      ], "\(found)")
  }

  /// A check made when the stage is made (the watch's folders exist) is not held back until
  /// another stage's bad value is fixed.
  @Test func aMissingWatchFolderIsReportedBesideAnotherStagesBadValue() {
    let found = problems(
      """
        - stage: watch
          paths: [no-such-folder-for-pipeline-tests]
        - stage: debounce
          window: soon
      """)
    #expect(found.count == 2, "\(found)")
    #expect(found.first?.hasPrefix("3:12 watch path 'no-such-folder-for-pipeline-tests' is not a folder") == true, "\(found)")
    #expect(found.last?.hasPrefix("5:13 expected a duration") == true, "\(found)")
  }

  @Test func aGlobInTheWatchsExcludeDirsHidesNoOtherValue() {
    let found = problems(
      """
        - stage: watch
          exclude_dirs: ["**/gen", ok]
          initial: 1
      """)
    #expect(
      found == ["3:20 '**/gen' is a glob, and folder names are taken as written in 'exclude_dirs'", "4:14 expected true or false, got '1'"],
      "\(found)")
  }

  @Test func theFormatCommandWithoutFilesIsReportedBesideItsOtherBadValues() {
    let found = problems(
      """
        - stage: watch
        - stage: format
          run: gofmt -w
          extensions: ["*.go"]
          check: maybe
      """)
    #expect(
      found == [
        "4:10 the format command must contain {files}, the changed files it formats",
        "5:18 '*.go' is not a file extension", "6:12 expected true or false, got 'maybe'",
      ], "\(found)")
  }

  @Test func everySettingOfReadyIsChecked() {
    let found = problems(
      """
        - stage: restart
          run: ./app
          ready: {port: 70000, tmeout: 5s}
        - stage: restart
          name: second
          run: ./app
          ready: {output: "(unclosed", timeout: 0s}
      """)
    #expect(found.count == 4, "\(found)")
    #expect(found.contains("4:19 '70000' is not a port or an IPv4 host:port"), "\(found)")
    #expect(found.contains("4:26 unknown key 'tmeout' in 'ready'"), "\(found)")
    #expect(found.contains { $0.hasPrefix("8:21 '(unclosed' is not a valid regular expression") }, "\(found)")
    #expect(found.contains("8:43 'timeout' must be longer than 0"), "\(found)")
  }

  @Test func anEmptySyncTargetIsReportedBesideABadExcludeDirs() {
    let found = problems(
      """
        - stage: watch
        - stage: sync
          exclude_dirs: ["/x"]
          target: ""
      """)
    #expect(found == ["4:20 '/x' is an absolute path in 'exclude_dirs'", "5:13 'target' is empty"], "\(found)")
  }
}
