import Foundation
import Testing

@testable import PipelineCore
@testable import PipelineStages

/// The restart stage's supervisor keys: how they read, and what they refuse.
@Suite("Restart options")
struct RestartOptionsTests {
  func configuration(_ yaml: String) throws -> RestartStage.Configuration {
    guard let node = try YAMLNodeConverter.parse("run: ./app\n" + yaml, file: "test.yaml"), case .mapping(let entries) = node.value else {
      throw Diagnostic(at: nil, "not a mapping")
    }
    return try RestartStage.Configuration(options: StageOptions(stageName: "restart", entries: entries, location: nil))
  }

  func error(_ yaml: String) -> String? {
    do {
      _ = try configuration(yaml)
      return nil
    } catch {
      return "\(error)"
    }
  }

  @Test func defaults() throws {
    let configuration = try configuration("")
    #expect(configuration.ready == nil)
    #expect(configuration.artifact == nil)
    #expect(configuration.socket == nil)
    #expect(configuration.onExit == .wait)
    #expect(configuration.backoff == .seconds(1))
    #expect(configuration.maxBackoff == .seconds(30))
    #expect(!configuration.forwardsInput)
    #expect(configuration.process.killAfter == .seconds(2))
  }

  @Test func readyForms() throws {
    #expect(try configuration("ready: 8080").ready == ReadyCheck(condition: .port(host: "127.0.0.1", port: 8080), timeout: .seconds(30)))
    #expect(try configuration("ready: {port: \"0.0.0.0:9000\", timeout: 5s}").ready == ReadyCheck(condition: .port(host: "0.0.0.0", port: 9000), timeout: .seconds(5)))
    let output = try #require(try configuration("ready: {output: \"listening on [0-9]+\"}").ready)
    #expect(output.matches("server listening on 8080"))
    #expect(!output.matches("server starting"))
  }

  @Test func readyMistakesAreLocatedAndExplained() {
    #expect(error("ready: {outptu: x}")?.contains("test.yaml:2:9: error: unknown key 'outptu' in 'ready'") == true)
    #expect(error("ready: {outptu: x}")?.contains("did you mean 'output'") == true)
    #expect(error("ready: {output: \"(\"}")?.contains("is not a valid regular expression") == true)
    #expect(error("ready: {timeout: 2s}")?.contains("'ready' needs a port or an output pattern") == true)
    #expect(error("ready: 99999")?.contains("'99999' is not a port or an IPv4 host:port") == true)
    #expect(error("ready: [8080]")?.contains("expected a port or a mapping") == true)
  }

  @Test func socketForms() throws {
    #expect(try configuration("socket: 8080").socket == ListenAddress(host: "0.0.0.0", port: 8080))
    #expect(try configuration("socket: 127.0.0.1:8081").socket == ListenAddress(host: "127.0.0.1", port: 8081))
    #expect(error("socket: localhost:80")?.contains("test.yaml:2:9: error: 'localhost:80' is not a port or an IPv4 host:port") == true)
    #expect(error("socket: 8080\nready: 8080")?.contains("'ready' checks port 8080, which 'socket' holds open") == true)
  }

  @Test func onExitMistakeSuggests() {
    #expect(error("on_exit: restrat")?.contains("'on_exit' must be wait or restart, got 'restrat'") == true)
    #expect(error("on_exit: restrat")?.contains("did you mean 'restart'") == true)
  }

  @Test func aBusyPortIsAClearError() throws {
    let holder = try ListenAddress(host: "127.0.0.1", port: 0).listenOnAnyPort()
    defer { close(holder.fd) }
    let error = #expect(throws: Diagnostic.self) { try ListenAddress(host: "127.0.0.1", port: holder.port).listen() }
    #expect(error?.message == "cannot listen on 127.0.0.1:\(holder.port): Address already in use")
    #expect(error?.help?.contains("another process holds the port") == true)
  }

  @Test func backoffDoublesUpToTheCapAndResetsAfterAHealthyRun() {
    var backoff = RestartBackoff(initial: .milliseconds(100), cap: .milliseconds(500), healthyAfter: .seconds(5))
    let quick = Duration.milliseconds(10)
    #expect([quick, quick, quick, quick, quick].map { backoff.delay(afterRunning: $0) }
      == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(500), .milliseconds(500)])
    #expect(backoff.delay(afterRunning: .seconds(6)) == .milliseconds(100))
    #expect(backoff.crashes == 1)
  }

  @Test func artifactFingerprintSeesContentNotTime() throws {
    let path = FileManager.default.temporaryDirectory.path + "/artifact-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: path) }
    try Data("binary v1".utf8).write(to: URL(fileURLWithPath: path))
    let first = ArtifactFingerprint(path: path)
    try Data("binary v1".utf8).write(to: URL(fileURLWithPath: path))
    #expect(ArtifactFingerprint(path: path) == first)
    try Data("binary v2".utf8).write(to: URL(fileURLWithPath: path))
    #expect(ArtifactFingerprint(path: path) != first)
    #expect(ArtifactFingerprint(path: path + "-missing") == nil)
  }
}

extension ListenAddress {
  /// Listens on a port the system picks, for a test that needs a busy port.
  func listenOnAnyPort() throws -> (fd: Int32, port: UInt16) {
    let fd = try listen()
    var address = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return (fd, UInt16(bigEndian: address.sin_port))
  }
}
