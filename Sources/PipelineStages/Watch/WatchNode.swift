/// One watched folder in the inotify reader's table.
///
/// The table is a tree, so that renaming a folder re-homes all its descendants at once; a path is
/// derived from the names when an event needs it.
final class WatchNode {
  let watch: Int32
  /// The entry name; for a root, its absolute path.
  var name: String
  /// `nil` for a root, or for a folder detached by a move that has not been resolved yet.
  weak var parent: WatchNode?
  /// The watched subfolders, filed by ``name``.
  var children = WatchNodeChildren()
  let isRoot: Bool

  init(watch: Int32, name: String, parent: WatchNode?) {
    self.watch = watch
    self.name = name
    self.parent = parent
    isRoot = parent == nil
  }

  /// The folder's absolute path, or `nil` when it is detached from every root.
  var path: String? { path(appending: nil) }

  /// The absolute path of the entry `child` of this folder (the folder's own path for `nil`),
  /// or `nil` when the folder is detached from every root.
  ///
  /// Made in one string: an event's path is needed for every event, and joining the names
  /// made an array and a string per level.
  func path(appending child: String?) -> String? {
    // The names from the root down, `/` between them (none after a root `/`): as
    // `DirectoryWalker.join` writes them.
    var length = child.map { $0.utf8.count + 1 } ?? 0
    var node = self
    while !node.isRoot {
      guard let parent = node.parent else { return nil }
      length += node.name.utf8.count + 1
      node = parent
    }
    let root = node.name
    if root == "/" && length > 0 { length -= 1 }
    if length == 0 { return root }
    length += root.utf8.count
    return String(unsafeUninitializedCapacity: length) { buffer in
      var end = length
      func put(_ name: String, slashBefore: Bool) {
        let count = name.utf8.count
        end -= count
        _ = UnsafeMutableBufferPointer(rebasing: buffer[end..<end + count]).initialize(from: name.utf8)
        if slashBefore {
          end -= 1
          buffer[end] = UInt8(ascii: "/")
        }
      }
      var node = self
      if let child { put(child, slashBefore: true) }
      while !node.isRoot, let parent = node.parent {
        put(node.name, slashBefore: true)
        node = parent
      }
      if root == "/" { end += 1 }  // The root `/` is the separator itself.
      put(root, slashBefore: false)
      return length
    }
  }
}

/// The subfolders of a ``WatchNode``, sorted by name: looked up by name with a binary search.
///
/// A `[String: WatchNode]` per folder took 24 bytes a slot at a load of 3/8 to 3/4 (a folder
/// of 100 subfolders, 256 slots: 6 KB); here a child takes 8 bytes. A child's key is its own
/// ``WatchNode/name``, compared as `String` compares (as the dictionary did): set a child under
/// its name only, and take it out before renaming it.
struct WatchNodeChildren {
  private var nodes: [WatchNode] = []

  /// The children, in the order of their names.
  var values: [WatchNode] { nodes }

  subscript(name: String) -> WatchNode? {
    get {
      let index = position(of: name)
      return index < nodes.count && nodes[index].name == name ? nodes[index] : nil
    }
    set {
      let index = position(of: name)
      let isThere = index < nodes.count && nodes[index].name == name
      switch (newValue, isThere) {
      case (let node?, true): nodes[index] = node
      case (let node?, false): nodes.insert(node, at: index)
      case (nil, true): nodes.remove(at: index)
      case (nil, false): break
      }
    }
  }

  /// Takes out the child named `name` and returns it, or `nil` when there is none.
  mutating func removeValue(forKey name: String) -> WatchNode? {
    let child = self[name]
    if child != nil { self[name] = nil }
    return child
  }

  /// The first index whose child's name is not less than `name`.
  private func position(of name: String) -> Int {
    var low = 0
    var high = nodes.count
    while low < high {
      let middle = (low + high) / 2
      if nodes[middle].name < name { low = middle + 1 } else { high = middle }
    }
    return low
  }
}
