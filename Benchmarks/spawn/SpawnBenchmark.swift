// spawn-benchmark: how long one command start costs through `ChildProcess`, the way every
// build step and app restart of `pipeline` starts one.
//
//   swift build -c release --product spawn-benchmark
//   .build/release/spawn-benchmark [COUNT] [PROGRAM]      # defaults: 300, /bin/true
//
// Each round launches PROGRAM, waits for its exit status and for the end of its output, as
// `pipeline` does, and times the whole round. Prints the median, p90 and mean in
// milliseconds, and whether a keeper was used (`PIPELINE_KEEPER=none` compares without).
import Foundation
import PipelineCore

@main struct SpawnBenchmark {
  static func main() async {
    let arguments = CommandLine.arguments
    let count = arguments.count > 1 ? Int(arguments[1]) ?? 300 : 300
    let program = arguments.count > 2 ? arguments[2] : "/bin/true"
    let launch = ProcessLaunch(
      executable: program, arguments: [program], environment: ProcessInfo.processInfo.environment,
      workingDirectory: FileManager.default.currentDirectoryPath)
    let clock = ContinuousClock()
    var rounds: [Duration] = []
    // A few rounds first, so that the one-time costs (a keeper started lazily) stay out.
    for round in 0..<(count + 5) {
      let start = clock.now
      do {
        let process = try ChildProcess.launch(launch) { _, _ in }
        _ = await process.waitForExit()
        await process.waitForOutput()
      } catch {
        FileHandle.standardError.write(Data("spawn-benchmark: \(error)\n".utf8))
        exit(1)
      }
      if round >= 5 { rounds.append(start.duration(to: clock.now)) }
    }
    let milliseconds = rounds.map { Double($0.components.attoseconds) / 1e15 + Double($0.components.seconds) * 1e3 }.sorted()
    let median = milliseconds[milliseconds.count / 2]
    let p90 = milliseconds[min(milliseconds.count - 1, milliseconds.count * 9 / 10)]
    let mean = milliseconds.reduce(0, +) / Double(milliseconds.count)
    let keeper = ProcessKeeper.isAvailable ? "with keeper" : "without keeper"
    print(String(format: "%@ ×%d (%@): median %.3f ms, p90 %.3f ms, mean %.3f ms", program, count, keeper, median, p90, mean))
  }
}
