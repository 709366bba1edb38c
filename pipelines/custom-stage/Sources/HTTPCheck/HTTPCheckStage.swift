import Foundation
import PipelineCore
#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// A smoke check after a restart: asks the app for a URL until it answers as expected, and
/// stops the batch (and says why) when it does not within `within`.
///
/// ```yaml
/// - stage: http_check
///   after: [restart]
///   url: http://127.0.0.1:8080/health
///   status: 200
///   contains: ok
///   within: 10s
/// ```
public struct HTTPCheckStage: Stage {
  public struct Configuration: StageConfiguration {
    public var url: URL
    public var status: Int
    public var contains: String?
    public var within: Duration
    public var interval: Duration

    public init(options: StageOptions) throws {
      let text = try options.required("url", as: String.self, help: "The URL to ask, like http://127.0.0.1:8080/health.")
      status = try options.value("status", default: 200, help: "The HTTP status the answer must have.")
      contains = try options.optional(
        "contains", as: String.self, defaultText: "none", help: "Text the answer's body must contain.")
      within = try options.value(
        "within", default: .seconds(10), help: "How long the app may take to answer as expected after the batch arrives.")
      interval = try options.value("interval", default: .milliseconds(200), help: "The pause between two attempts.")
      guard options.isDescribing || (text.hasPrefix("http://") || text.hasPrefix("https://")), let url = URL(string: text) else {
        throw options.invalid("url", "'url' must be an http:// or https:// URL, got '\(text)'", help: "write it like http://127.0.0.1:8080/")
      }
      self.url = url
      // Reported with the stage's other bad values, as the built-in stages do.
      if !(100...599).contains(status) {
        try options.reject("status", "'status' must be an HTTP status between 100 and 599, got \(status)")
      }
      if within <= .zero || interval <= .zero {
        try options.reject("within", "'within' and 'interval' must be longer than 0")
      }
    }
  }

  public static let role = StageRole.action
  public static let summary = "Asks the app for a URL after a restart; the batch stops when it does not answer as expected."
  public static let example = "- stage: http_check\n  url: http://127.0.0.1:8080/health\n  contains: ok"

  let configuration: Configuration
  let context: StageContext

  public init(configuration: Configuration, context: StageContext) throws {
    self.configuration = configuration
    self.context = context
  }

  public func run(input: StageInput, output: StageOutput) async throws {
    // The changes since the last check that passed: a failed batch is merged into the next
    // one, so the stages after this one still see every change once the app answers.
    var failed: Batch?
    for await arrived in input {
      let batch = failed.map { $0.merging(arrived) } ?? arrived
      context.emit(.stageStarted, "GET \(configuration.url.absoluteString)", paths: batch.paths)
      let clock = ContinuousClock()
      let started = clock.now
      let verdict = await check(until: started.advanced(by: configuration.within))
      // In seconds with their fraction: the cycle's summary line shows it (`check 12ms`).
      let seconds = String(started.duration(to: clock.now).seconds)
      switch verdict {
      case .passed(let status):
        failed = nil
        context.output("GET \(configuration.url.absoluteString) → \(status)", channel: .stdout)
        context.emit(.stageSucceeded, "\(context.name) succeeded", metadata: ["duration": seconds])
        output.send(batch)
      case .failed(let reason):
        failed = batch
        context.emit(
          .stageFailed, "stage '\(context.name)': GET \(configuration.url.absoluteString) \(reason)",
          paths: batch.paths, metadata: ["duration": seconds, "status": "failed"])
      }
    }
  }

  enum Verdict: Equatable {
    case passed(Int)
    case failed(String)
  }

  /// Asks until the answer is as expected or `deadline` passes; the last reason otherwise.
  func check(until deadline: ContinuousClock.Instant) async -> Verdict {
    var reason = "got no answer"
    repeat {
      switch await attempt() {
      case .passed(let status): return .passed(status)
      case .failed(let why): reason = why
      }
      try? await Task.sleep(for: configuration.interval)
    } while ContinuousClock.now < deadline && !Task.isCancelled
    return .failed("\(reason) (for \(configuration.within))")
  }

  private func attempt() async -> Verdict {
    var request = URLRequest(url: configuration.url)
    request.timeoutInterval = 2
    request.cachePolicy = .reloadIgnoringLocalCacheData
    do {
      let (data, response) = try await URLSession.shared.data(for: request)
      let status = (response as? HTTPURLResponse)?.statusCode ?? 0
      guard status == configuration.status else {
        return .failed("answered \(status), expected \(configuration.status)")
      }
      if let expected = configuration.contains, !String(decoding: data, as: UTF8.self).contains(expected) {
        return .failed("answered without '\(expected)' in the body")
      }
      return .passed(status)
    } catch {
      return .failed("failed: \(error.localizedDescription)")
    }
  }
}
