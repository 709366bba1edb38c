import Foundation
import Testing

/// No Docker engine runs where the tests run, so pipelines/docker is checked for what can
/// drift without one: what its Dockerfile copies exists in the repository, and the folder
/// its compose file mounts holds the pipeline the container runs.
@Suite struct DockerExampleFilesTests {
  static let repository = RepositoryFilesTests.repository
  static let folder = repository + "/pipelines/docker"

  @Test func whatTheDockerfileCopiesExistsInTheBuildContext() throws {
    let dockerfile = try String(contentsOfFile: Self.folder + "/Dockerfile", encoding: .utf8)
    let sources = dockerfile.split(separator: "\n")
      .filter { $0.hasPrefix("COPY ") && !$0.contains("--from=") }
      .map { $0.split(separator: " ")[1] }
    #expect(sources.count >= 3, "\(sources)")
    for source in sources {
      #expect(FileManager.default.fileExists(atPath: Self.repository + "/" + source), "COPY \(source): not in the repository")
    }
    #expect(dockerfile.contains("swift build -c release"), "a release build, which needs no Swift toolchain to run")
    #expect(dockerfile.contains("pipeline-keeper"), "the keeper goes next to pipeline")
  }

  /// The image that runs `pipeline` has no Swift: a release build must carry the Swift
  /// libraries inside it (.ci/run checks the built binary with `ldd`).
  @Test func aReleaseBuildLinksTheSwiftLibrariesIn() throws {
    let manifest = try String(contentsOfFile: Self.repository + "/Package.swift", encoding: .utf8)
    #expect(manifest.contains(#".unsafeFlags(["-static-stdlib""#) && manifest.contains(".when(configuration: .release))"))
  }

  @Test func theMountedSourceHoldsAPipelineThatValidates() async throws {
    let compose = try String(contentsOfFile: Self.folder + "/compose.yaml", encoding: .utf8)
    #expect(compose.contains("- ../go:/app"))
    #expect(compose.contains("dockerfile: pipelines/docker/Dockerfile") && compose.contains("context: ../.."))
    let run = try PipelineRun(["validate", "pipeline.yaml"], in: Self.folder + "/../go")
    #expect(await run.exitStatus() == .exited(0), "\(run.transcript)")
  }
}
