extension PipelineTemplate {
  /// A project built by `make`: run it on every change.
  static let make = PipelineTemplate(
    name: "make", markers: ["Makefile", "makefile", "GNUmakefile"],
    summary: "run make on every change"
  ) { _ in
    Rendering(entryPoint: nil, text: """
    # pipeline.yaml for a project built with make (written by `pipeline init --template make`).
    # `pipeline run` runs it; every stage and key, with its default: `pipeline stages`.
    version: 1
    stages:
      # Watches this folder and below. .git, tmp, .build, node_modules and other build
      # folders are never watched (default_excludes: true, the default); add your own
      # output folders here.
      - stage: watch
        paths: [.]                    # default [.]: the folder of this file
        exclude_dirs: [build, dist]   # default []: added to the default excludes

      # A burst of saves (an editor's "save all", a git checkout) becomes one batch.
      - stage: debounce
        window: 100ms                 # default 100ms: quiet time before the batch goes on

      # Keeps every change but what git ignores (gitignore: true, the default): list your
      # build outputs in .gitignore, or make's own writes look like edits. Editors' swap
      # files are dropped too.
      - stage: filter
        exclude: ["**/*.o", "**/*.a", "**/*.so"]   # default []

      - stage: build
        run: [make]
        on_busy: restart              # default restart: a newer save stops this make

      # To start your program after each successful make, and restart it on the next:
      # - stage: restart
      #   run: [make, run]
      #   signal: SIGTERM
      #   kill_after: 2s

    """)
  }
}
