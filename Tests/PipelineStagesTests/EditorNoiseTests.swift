@testable import PipelineStages
import Testing

@Suite struct EditorNoiseTests {
  @Test(arguments: [
    ".main.go.swp", ".main.go.swo", ".main.go.swx", "main.go~", "~", ".#main.go", "#main.go#", "4913",
    ".main.go.kate-swp", "main.go___jb_tmp___", "main.go___jb_old___", ".goutputstream-Q3ZP1Z",
    "main.go.tmp.48213",
  ])
  func editorFiles(_ name: String) {
    #expect(EditorNoise.matches(Substring(name)))
  }

  @Test(arguments: [
    "main.go", "swp", "notes.tmp", "main.go.tmp.x", "main.go.tmp.", ".tmp.123", "#readme", "49130", "4913.go",
    "main.kate-swp", "goutputstream-1", "a#",
  ])
  func ordinaryFiles(_ name: String) {
    #expect(!EditorNoise.matches(Substring(name)))
  }
}
