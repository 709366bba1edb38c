@testable import PipelineStages
import Testing

@Suite struct WatchNodeChildrenTests {
  @Test func childrenAreFoundByNameWhateverTheOrderTheyCameIn() {
    let parent = WatchNode(watch: 1, name: "/root", parent: nil)
    let names = (0..<300).map { "e\(($0 * 7919) % 300)" }
    for (index, name) in names.enumerated() {
      parent.children[name] = WatchNode(watch: Int32(index + 2), name: name, parent: parent)
    }
    #expect(parent.children.values.count == 300)
    #expect(parent.children.values.map(\.name) == names.sorted())
    for name in names { #expect(parent.children[name]?.name == name) }
    #expect(parent.children["e300"] == nil && parent.children[""] == nil)
  }

  @Test func aChildIsReplacedOrRemovedUnderItsName() {
    let parent = WatchNode(watch: 1, name: "/root", parent: nil)
    let first = WatchNode(watch: 2, name: "b", parent: parent)
    let second = WatchNode(watch: 3, name: "b", parent: parent)
    parent.children["b"] = first
    parent.children["a"] = WatchNode(watch: 4, name: "a", parent: parent)
    parent.children["b"] = second
    #expect(parent.children["b"] === second && parent.children.values.count == 2)
    #expect(parent.children.removeValue(forKey: "b") === second)
    #expect(parent.children.removeValue(forKey: "b") == nil)
    parent.children["a"] = nil
    parent.children["c"] = nil
    #expect(parent.children.values.isEmpty)
  }
}
