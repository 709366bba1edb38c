import PipelineCore

/// Runs `body` on a thread of its own and waits for it.
///
/// For a test's long blocking work (writing thousands of files, removing a big tree): on the
/// cooperative pool, which has as many threads as cores (two here), it would hold one of them
/// for seconds on a loaded machine, and every other test in the process waits behind it until
/// their timeouts expire.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
  try await withCheckedThrowingContinuation { continuation in
    startDetachedThread(named: "test-blocking") { continuation.resume(with: Result { try body() }) }
  }
}
