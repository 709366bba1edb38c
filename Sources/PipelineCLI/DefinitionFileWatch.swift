@preconcurrency import Glibc
import PipelineCore

/// Watches the files a pipeline was read from (``PipelineChoice/definitionFiles``) with an
/// inotify instance of its own, on their folders alone, so that `pipeline run` reloads when
/// one is saved even if the pipeline's watch stage does not watch its folder (`paths: [src]`).
///
/// Where the watch stage does see the file, both report it, and ``PipelineReloader`` folds the
/// two reports into one check. On a mount that delivers no inotify events (a Docker Desktop
/// share), the watch stage's polling is what sees it.
final class DefinitionFileWatch: Sendable {
  private let descriptor: Int32
  private let token: UInt64

  /// Starts watching; `nil` when the engine cannot watch a descriptor or inotify refuses
  /// (its limits): the watch stage's reports are then the only ones.
  ///
  /// - Parameters:
  ///   - files: Absolute paths.
  ///   - root: The pipeline's folder: the paths in the events are relative to it.
  ///   - sink: Gets a ``Event/Kind/pipelineFileChanged`` event per read of the queue that
  ///     names one of `files`, on the engine's thread.
  init?(files: [String], root: String, reportingTo sink: any EventSink) {
    guard EngineExecutor.shared.canWatchDescriptors else { return nil }
    let descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
    guard descriptor >= 0 else { return nil }
    // Per watch descriptor: its folder's files that matter, by name, with their reported path.
    var watched: [Int32: [String: String]] = [:]
    let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_ONLYDIR)
    for file in files {
      let folder = PathText.parent(file)
      let watch = inotify_add_watch(descriptor, folder.isEmpty ? "/" : folder, mask)
      guard watch >= 0 else { continue }
      let name = String(file.split(separator: "/").last ?? "")
      let reported = file.hasPrefix(root + "/") ? String(file.dropFirst(root.count + 1)) : file
      watched[watch, default: [:]][name] = reported
    }
    guard !watched.isEmpty else {
      close(descriptor)
      return nil
    }
    let folders = watched
    let token = EngineExecutor.shared.watch(descriptor) {
      let changed = Self.drain(descriptor, watched: folders)
      guard !changed.isEmpty else { return }
      sink.emit(
        Event(kind: .pipelineFileChanged, stage: "pipeline", message: changed.joined(separator: ", "), paths: changed))
    }
    guard let token else {
      close(descriptor)
      return nil
    }
    self.descriptor = descriptor
    self.token = token
  }

  /// Stops watching and closes the instance.
  func stop() {
    EngineExecutor.shared.unwatch(token)
    close(descriptor)
  }

  /// Reads every event that is there; returns the reported paths of the files named, once each.
  private static func drain(_ descriptor: Int32, watched: [Int32: [String: String]]) -> [String] {
    var changed: [String] = []
    let headerSize = MemoryLayout<inotify_event>.size
    withUnsafeTemporaryAllocation(byteCount: 4096, alignment: MemoryLayout<inotify_event>.alignment) { buffer in
      guard let base = buffer.baseAddress else { return }
      while true {
        let count = read(descriptor, base, buffer.count)
        guard count > 0 else { return }
        var offset = 0
        while offset + headerSize <= count {
          let event = (base + offset).loadUnaligned(as: inotify_event.self)
          let nameStart = (base + offset + headerSize).assumingMemoryBound(to: CChar.self)
          if event.len > 0, let names = watched[event.wd] {
            let name = String(cString: nameStart)
            if let reported = names[name], !changed.contains(reported) { changed.append(reported) }
          }
          offset += headerSize + Int(event.len)
        }
      }
    }
    return changed
  }
}
