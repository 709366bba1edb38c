import PipelineCore
import Testing

@testable import PipelineStages

/// Only `{files}` is replaced in a command; a word in braces that looks meant for it reaches
/// the command as written, so `validate` and `run` say so. Braces of the shell stay quiet.
@Suite struct PlaceholderWarningTests {
  func advice(_ run: String) throws -> [String] {
    let text = "stages:\n  - stage: watch\n  - stage: run\n    run: \(run)\n"
    let definition = try PipelineLoader(registry: .builtIn).load(text: text, file: "p.yaml", root: "/")
    return definition.advice().map(\.description)
  }

  @Test func aWordMeantForFilesIsWarnedAboutWhereItIs() throws {
    #expect(
      try advice(#"echo "linting {file} and {FILES}""#) == [
        """
        p.yaml:4:10: warning: '{file}' is no placeholder: only {files} is replaced (by the changed files), so the command gets '{file}' as it is
          help: write {files}
        """,
        """
        p.yaml:4:10: warning: '{FILES}' is no placeholder: only {files} is replaced (by the changed files), so the command gets '{FILES}' as it is
          help: write {files}
        """,
      ])
    let inAList = try advice(#"[echo, "{files}", "{changed_files}"]"#)
    #expect(inAList.count == 1)
    #expect(inAList.first?.hasPrefix("p.yaml:4:28: warning: '{changed_files}' is no placeholder") == true, "\(inAList)")
  }

  @Test func theShellsBracesAndFilesItselfAreLeftAlone() throws {
    #expect(try advice(#"sh -c 'echo ${HOME} {a,b} {} {files}; awk "{print $1}" x'"#).isEmpty)
  }
}
