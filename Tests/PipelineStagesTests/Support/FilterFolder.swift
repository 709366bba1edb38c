import Foundation
import PipelineCore
@testable import PipelineStages

/// A pipeline folder for filter tests. Files are written with a modification time a minute
/// in the past, as if they were there before the pipeline started, so that a baseline
/// fingerprints them.
struct FilterFolder {
  /// Absolute.
  let root: String

  /// Writes `text` to `path` (relative), creating its folders.
  func write(_ path: String, _ text: String, secondsAgo: Int = 60) throws {
    let full = root + "/" + path
    try Disk.makeFolders(PathText.normalize(full + "/.."))
    try Disk.write(full, text)
    try Disk.setModificationTime(full, secondsAgo: secondsAgo)
  }

  /// Sets the modification time of `path` to now, leaving its content alone.
  func touch(_ path: String) throws {
    try Disk.setModificationTime(root + "/" + path, secondsAgo: 0)
  }

  /// A filter stage with `yaml` as its keys, running in this folder, once the baseline it
  /// starts with (under `unchanged: skip`) is complete: the files written so far have their
  /// fingerprints, whatever the timing.
  func filter(_ yaml: String = "") async throws -> StageHarness<FilterStage> {
    let harness = try StageHarness(FilterStage.self, yaml: yaml, root: root)
    if !yaml.contains("unchanged: keep") {
      _ = await harness.waitUntil { harness.events(.filterBaseline).contains { $0.metadata["ending"] == "complete" } }
    }
    return harness
  }
}

/// Runs `body` with a fresh ``FilterFolder``, removed afterwards.
func withFilterFolder(_ body: (FilterFolder) async throws -> Void) async throws {
  try await withTemporaryFolder { folder in try await body(FilterFolder(root: folder.path)) }
}

extension StageHarness where S == FilterStage {
  /// Sends the startup batch and waits until it went on and the baseline is complete.
  func startAndAwaitBaseline() async -> Bool {
    send(.startup)
    return await waitUntil {
      output.count == 1 && events(.filterBaseline).contains { $0.metadata["ending"] == "complete" }
    }
  }

  /// The message of the `index`th `batch-dropped` event, once there is one.
  func droppedMessage(_ index: Int = 0) async -> String? {
    _ = await waitUntil { events(.batchDropped).count > index }
    let dropped = events(.batchDropped)
    return dropped.count > index ? dropped[index].message : nil
  }
}

/// A batch of changes written `path: kind`.
func batch(_ changes: (String, ChangeKind)...) -> Batch {
  Batch(changes.map { Change(path: $0.0, kind: $0.1) })
}
