import Foundation

/// Runs `command` under `/bin/sh -c` in `folder`, as a person at a terminal would (`sed -i`,
/// `echo x > f; rm f`), and returns its exit status once it has ended.
func shell(_ command: String, in folder: String) throws -> Int32 {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/bin/sh")
  process.arguments = ["-c", command]
  process.currentDirectoryURL = URL(fileURLWithPath: folder)
  try process.run()
  process.waitUntilExit()
  return process.terminationStatus
}
