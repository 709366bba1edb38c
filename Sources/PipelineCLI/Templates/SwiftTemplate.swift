extension PipelineTemplate {
  /// A Swift package: resolve when the manifest changes, build into a scratch path of its
  /// own, restart the executable.
  static let swift = PipelineTemplate(
    name: "swift", markers: ["Package.swift"],
    summary: "swift package resolve when Package.swift changes, swift build into .build-pipeline, restart the product"
  ) { folder in
    let found = SwiftProduct.find(in: folder)
    let product = found?.name
    let build = product.map { "[swift, build, --scratch-path, .build-pipeline, --product, \($0)]" }
      ?? "[swift, build, --scratch-path, .build-pipeline]"
    let app = product.map { "[./.build-pipeline/debug/\($0)]" }
      ?? "[swift, run, --scratch-path, .build-pipeline, --skip-build]"
    let appComment = product == nil
      ? "# No executable product was found in Package.swift by name: `swift run` picks it."
      : "# The product \(product!), from Package.swift."
    return Rendering(entryPoint: SwiftProduct.entryPoint(of: found), text: """
      # pipeline.yaml for a Swift package (written by `pipeline init --template swift`).
      # `pipeline run` runs it; every stage and key, with its default: `pipeline stages`.
      #
      # Builds go to .build-pipeline, not .build: an editor's language server (sourcekit-lsp)
      # holds the lock of .build while it indexes, and a build there would wait for it.
      version: 1
      stages:
        # Watches this folder and below. .build, .swiftpm, .git and other build folders are
        # never watched (default_excludes: true, the default); neither is our scratch path.
        - stage: watch
          paths: [.]                    # default [.]: the folder of this file
          exclude_dirs: [.build-pipeline]   # default []: added to the default excludes

        # A burst of saves (an editor's "save all", a git checkout) becomes one batch.
        - stage: debounce
          window: 100ms                 # default 100ms: quiet time before the batch goes on

        # Keeps the sources and the manifest; .gitignore'd files are dropped (gitignore:
        # true, the default), and so are editors' swap files.
        - stage: filter
          extensions: [swift]           # default []: every file; Package.swift is one
          include: [Package.resolved]   # default []

        # A changed manifest means "resolve, then build": this runs only for a batch that
        # changes Package.swift or Package.resolved (when: globs), and every other batch
        # passes on untouched. A failed resolve stops the batch.
        - stage: run
          name: resolve
          when: [Package.swift, Package.resolved]
          run: [swift, package, --scratch-path, .build-pipeline, resolve]
          signal: SIGINT                # default SIGTERM; see the build's

        # A failed build stops the batch: the running app keeps answering.
        - stage: build
          run: \(build)
          on_busy: restart              # default restart: a newer save stops this build
          # default SIGTERM. swift build starts its compilers in process groups of their own
          # and stops them on SIGINT (Ctrl-C); on SIGTERM it exits and leaves them running.
          signal: SIGINT

        \(appComment)
        - stage: restart
          run: \(app)
          signal: SIGTERM               # default SIGTERM
          kill_after: 2s                # default 2s: then SIGKILL to the whole process group

      """)
  }
}
