import Testing

@testable import PipelineCore

@Suite("C string arrays")
struct CStringArrayTests {
  /// The strings of a NULL-terminated C array, as a spawned program would read them.
  func strings(_ array: UnsafePointer<UnsafeMutablePointer<CChar>?>) -> [String] {
    var result: [String] = []
    var index = 0
    while let pointer = array[index] {
      result.append(String(cString: pointer))
      index += 1
    }
    return result
  }

  @Test(
    "arguments arrive as they were, in order",
    arguments: [
      [],
      [""],
      ["cp", "src/main.txt", "out/main.txt"],
      ["", "a", "", "naïve", "日本語/ファイル", "e\u{301}"],
      [String(repeating: "long-", count: 500), "x", String(repeating: "é", count: 1000)],
    ])
  func arguments(_ arguments: [String]) {
    #expect(withCStringArray(arguments, strings) == arguments)
  }

  @Test("an environment arrives as KEY=VALUE lines, one per key")
  func environment() {
    var environment = ["PATH": "/usr/bin:/bin", "EMPTY": "", "NAÏVE": "日本語", "EQ": "a=b"]
    for index in 0..<100 { environment["VARIABLE_\(index)"] = String(repeating: "v", count: index * 7) }
    let lines = withCStringArray(environment: environment, strings)
    #expect(lines == environment.map { "\($0.key)=\($0.value)" })
    #expect(withCStringArray(environment: [:], strings) == [])
  }
}
