extension PipelineTemplate {
  /// A Go module: gofmt the changed files, build with `-tags dev` into `./tmp`, vet, test,
  /// and restart the binary gracefully with SIGINT. What air does, with the old binary kept
  /// on a failed build. The package built is the module's main package (``GoMainPackage``).
  static let go = PipelineTemplate(
    name: "go", markers: ["go.mod"],
    summary: "gofmt, go build -tags dev into ./tmp, go vet, go test, restart ./tmp/main with SIGINT",
  ) { folder in
    let main = GoMainPackage.find(in: folder)
    let which =
      switch main.entryPoint {
      case .found(let why): "The package built: \(why)."
      case .missing, .unreadable:
        main.choices.isEmpty
          ? "No main package was found: put yours in place of `.` (./cmd/NAME)."
          : "cmd/ holds several main packages (\(main.choices.joined(separator: ", "))): this builds the first; put yours."
      }
    return Rendering(entryPoint: main.entryPoint, text: """
    # pipeline.yaml for a Go module (written by `pipeline init --template go`).
    # `pipeline run` runs it; every stage and key, with its default: `pipeline stages`.
    # Needs the go toolchain on PATH. A toolchain older than go.mod's `go` line fails the
    # build with "go.mod requires go >= X" (Go 1.21 and newer; older ones print "note: module
    # requires Go X" under the compile errors): update Go, or lower that line.
    version: 1
    stages:
      # Watches this folder and below. .git, tmp, vendor, node_modules and other build
      # folders are never watched (default_excludes: true, the default).
      - stage: watch
        paths: [.]                    # default [.]: the folder of this file

      # A burst of saves (an editor's "save all", a git checkout) becomes one batch.
      - stage: debounce
        window: 100ms                 # default 100ms: quiet time before the batch goes on

      # Keeps the changes that can change the binary; .gitignore'd files are dropped
      # (gitignore: true, the default), and so are editors' swap files. Add the files
      # your binary embeds (//go:embed) to include, e.g. "static/**".
      - stage: filter
        extensions: [go, tmpl, html]  # default []: every file
        include: ["**/go.mod", "**/go.sum"]  # default []; kept when either list matches
        exclude_dirs: [testdata]      # default []: a bare name matches at any depth

      # gofmt rewrites the changed .go files only; its own rewrite starts no new cycle.
      # A syntax error fails here, and the running app is left alone.
      - stage: format
        run: [gofmt, -w, "{files}"]   # {files}: the changed files, removed ones left out
        extensions: [go]              # which changed files it formats
        check: false                  # default false; true fails, naming the files, instead

      # -tags dev compiles the files marked //go:build dev (skip slow setup, log more in
      # development) and leaves them out of production builds. -ldflags=-buildid= leaves out
      # Go's build ID, which changes with every edit: without it no rebuild is ever
      # byte-identical, and artifact below could never keep the app running.
      # The binary is built as ./tmp/main.next; it replaces ./tmp/main only once the tests
      # pass (install, below).
      # \(which)
      - stage: build
        run: [go, build, -tags, dev, -ldflags=-buildid=, -o, ./tmp/main.next, \(main.path)]
        on_busy: restart              # default restart: a newer save stops this build

      - stage: run
        name: vet
        run: [go, vet, -tags, dev, ./...]

      # A failing test stops the batch here: the app is not restarted with failing code.
      - stage: test
        run: [go, test, -tags, dev, ./...]

      # Only a binary that built and passed vet and the tests replaces ./tmp/main. A failed
      # build or test leaves it alone: the running app keeps answering, and a restart after
      # a crash (on_exit: restart) runs the last good binary, never an untested one.
      - stage: run
        name: install
        run: [mv, ./tmp/main.next, ./tmp/main]

      # Stops the old app, then starts the new binary. SIGINT is os.Interrupt: cancel the
      # root context with signal.NotifyContext and call http.Server.Shutdown.
      - stage: restart
        run: [./tmp/main]             # an argv: no shell between pipeline and the app
        signal: SIGINT                # default SIGTERM
        kill_after: 500ms             # default 2s: then SIGKILL to the whole process group
        artifact: ./tmp/main          # default none: a byte-identical binary keeps the app running

    """)
  }
}
