import Foundation
import Glibc
@testable import PipelineStages
import Testing

/// The paths the watcher makes in one string each, against the joins they stand for.
@Suite struct WatchPathTests {
  /// `node`'s path as it was made before: the names joined, then joined to the root's.
  func joinedPath(_ node: WatchNode) -> String? {
    if node.isRoot { return node.name }
    var names = [node.name]
    var current = node.parent
    while let folder = current {
      if folder.isRoot { return DirectoryWalker.join(folder.name, names.reversed().joined(separator: "/")) }
      names.append(folder.name)
      current = folder.parent
    }
    return nil
  }

  @Test(arguments: ["/", "/work/project", "/naïve/日本"])
  func aNodesPathAndItsEntriesAreTheNamesJoined(root rootName: String) {
    let root = WatchNode(watch: 1, name: rootName, parent: nil)
    let first = WatchNode(watch: 2, name: "src", parent: root)
    let second = WatchNode(watch: 3, name: "ファイル e\u{301}", parent: first)
    let third = WatchNode(watch: 4, name: "a", parent: second)
    for node in [root, first, second, third] {
      #expect(node.path == joinedPath(node))
      for entry in ["main.go", "é", "\u{301}x", String(repeating: "long", count: 40)] {
        #expect(node.path(appending: entry) == joinedPath(node).map { DirectoryWalker.join($0, entry) })
      }
    }
  }

  @Test func aDetachedNodeHasNoPath() {
    let detached = WatchNode(watch: 2, name: "moved", parent: nil)
    let root = WatchNode(watch: 1, name: "/root", parent: nil)
    var child: WatchNode? = WatchNode(watch: 3, name: "child", parent: root)
    let grandchild = WatchNode(watch: 4, name: "g", parent: child)
    child = nil  // The table let go of it: its subtree is detached.
    #expect(grandchild.path == nil && grandchild.path(appending: "x") == nil)
    #expect(detached.path(appending: "x") == "moved/x")
  }

  @Test func anEntrysStatusIsThatOfTheJoinedPath() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("watch-path-\(getpid())").path
    try FileManager.default.createDirectory(atPath: folder + "/dir é", withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    _ = FileManager.default.createFile(atPath: folder + "/dir é/file", contents: Data("12345".utf8))
    var info = stat()
    #expect(DirectoryWalker.status(of: "file", in: folder + "/dir é", followingSymlink: false, &info) == 0)
    #expect(info.st_size == 5)
    #expect(DirectoryWalker.status(of: "missing", in: folder, followingSymlink: true, &info) == -1)
    #expect(DirectoryWalker.status(of: "tmp", in: "/", followingSymlink: true, &info) == 0)
    #expect(info.st_mode & S_IFMT == S_IFDIR)
  }

  @Test(arguments: [
    ("/work/p", "/work/p"), ("/", "/"), ("/work//p/", "/work/p"), ("/work/./p/../q", "/work/q"), ("/naïve/日本", "/naïve/日本"),
  ])
  func anAbsolutePathIsTidied(path: String, expected: String) {
    #expect(DirectoryWalker.absolutePath(path) == expected)
  }
}
