import Foundation
import PipelineCore
@testable import PipelineCLI
import PipelineStages
import Testing

/// `pipeline new-stage NAME`: refuses what would not work before it writes anything.
@Suite(.serialized) struct NewStageCommandTests {
  private static let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

  /// A runner registering a second `watch` fails at its start; the package would be written
  /// for nothing.
  @Test func aBuiltInStagesNameIsRefused() throws {
    RegistryHolder.current.withLock { $0 = .builtIn }
    defer { RegistryHolder.current.withLock { $0 = StageRegistry() } }
    do {
      _ = try NewStageCommand.parse(["watch", "--pipeline-path", Self.checkout])
      Issue.record("a built-in stage's name was accepted")
    } catch {
      #expect(NewStageCommand.message(for: error).contains(
        "'watch' is already a stage of pipeline (`pipeline stages` lists them): a custom stage needs a name of its own, like my_watch"))
    }
    _ = try NewStageCommand.parse(["lint_check", "--pipeline-path", Self.checkout])
  }
}
