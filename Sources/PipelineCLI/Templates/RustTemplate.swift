import FoundationEssentials

extension PipelineTemplate {
  /// A Cargo package: build, test, restart the binary.
  static let rust = PipelineTemplate(
    name: "rust", markers: ["Cargo.toml"],
    summary: "cargo build, cargo test, restart target/debug/NAME"
  ) { folder in
    let binary = CargoPackage.name(in: folder)
    let app = binary.map { "[./target/debug/\($0)]" } ?? "[cargo, run, --quiet]"
    let appComment = binary.map { "the binary of package \($0), from Cargo.toml" }
      ?? "no [package] name was found in Cargo.toml, so `cargo run` picks the binary"
    let entryPoint: EntryPoint = binary.map { .found("./target/debug/\($0): the binary of package \($0), from Cargo.toml") }
      ?? .found("cargo run: no [package] name was found in Cargo.toml, so cargo picks the binary")
    return Rendering(entryPoint: entryPoint, text: """
      # pipeline.yaml for a Cargo package (written by `pipeline init --template rust`).
      # `pipeline run` runs it; every stage and key, with its default: `pipeline stages`.
      version: 1
      stages:
        # Watches this folder and below, except Cargo's target folder. .git, tmp, vendor and
        # other build folders are never watched (default_excludes: true, the default).
        - stage: watch
          paths: [.]                    # default [.]: the folder of this file
          exclude_dirs: [target]        # default []: added to the default excludes

        # A burst of saves (an editor's "save all", a git checkout) becomes one batch.
        - stage: debounce
          window: 100ms                 # default 100ms: quiet time before the batch goes on

        # Keeps the sources and the manifests; .gitignore'd files are dropped (gitignore:
        # true, the default), and so are editors' swap files.
        - stage: filter
          extensions: [rs, toml]        # default []: every file
          include: [Cargo.lock]         # default []

        # A failed build stops the batch: the running app keeps answering.
        - stage: build
          run: [cargo, build]
          on_busy: restart              # default restart: a newer save stops this build

        # A failing test stops the batch here: the app is not restarted with failing code.
        - stage: test
          run: [cargo, test, --quiet]

        # Stops the old app, then starts the new one: \(appComment).
        - stage: restart
          run: \(app)
          signal: SIGTERM               # default SIGTERM
          kill_after: 2s                # default 2s: then SIGKILL to the whole process group

      """)
  }
}

/// The package name of a `Cargo.toml`: `name = "…"` in its `[package]` table.
enum CargoPackage {
  static func name(in folder: ProjectFolder) -> String? {
    guard let manifest = folder.text(of: "Cargo.toml") else { return nil }
    var inPackage = false
    for line in manifest.split(separator: "\n") {
      let trimmed = line.trimmingSpacesAndTabs
      if trimmed.hasPrefix("[") {
        inPackage = trimmed == "[package]"
        continue
      }
      guard inPackage, trimmed.hasPrefix("name") else { continue }
      let value = trimmed.dropFirst(4).drop(while: { $0 == " " })
      guard value.hasPrefix("=") else { continue }
      let quoted = value.dropFirst().drop(while: { $0 == " " })
      guard let quote = quoted.first, quote == "\"" || quote == "'" else { return nil }
      let name = quoted.dropFirst().prefix(while: { $0 != quote })
      let plain = name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
      return name.isEmpty || !plain ? nil : String(name)
    }
    return nil
  }
}
