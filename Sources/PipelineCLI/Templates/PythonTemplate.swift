extension PipelineTemplate {
  /// A Python project: restart the app (``PythonEntryPoint``) when a `.py` file changes.
  static let python = PipelineTemplate(
    name: "python", markers: ["pyproject.toml", "requirements.txt"],
    summary: "py_compile the changed .py files, then restart python3", needsMarker: false,
  ) { folder in
    let entry = PythonEntryPoint.find(in: folder)
    // Output lines of the stage are indented by four spaces.
    let env = entry.pythonPath.map { "\n    env: {PYTHONPATH: \($0)}         # the src layout: import the package from \($0)/ uninstalled" } ?? ""
    return Rendering(entryPoint: entry.entryPoint, text: """
      # pipeline.yaml for a Python project (written by `pipeline init --template python`).
      # `pipeline run` runs it; every stage and key, with its default: `pipeline stages`.
      version: 1
      env:
        PYTHONUNBUFFERED: "1"           # print() lines show up at once, not when a buffer fills
      stages:
        # Watches this folder and below. .venv, __pycache__, .git, .pytest_cache and other
        # build folders are never watched (default_excludes: true, the default).
        - stage: watch
          paths: [.]                    # default [.]: the folder of this file

        # A burst of saves (an editor's "save all", a git checkout) becomes one batch.
        - stage: debounce
          window: 100ms                 # default 100ms: quiet time before the batch goes on

        # Keeps the sources; .gitignore'd files are dropped (gitignore: true, the default),
        # and so are editors' swap files.
        - stage: filter
          extensions: [py]              # default []: every file; add html, toml…

        # Compiles each changed file (python3 -m py_compile) before the restart: a syntax
        # error shows where it is, and the running app is kept. {files}: the changed files.
        - stage: build
          name: check
          run: [python3, -m, py_compile, "{files}"]

        # To run the tests before each restart (a failure then keeps the running app too):
        # - stage: test
        #   run: [python3, -m, pytest, -q]

        # Stops the old app, then starts the new one: \(entry.origin).
        - stage: restart
          run: \(entry.yaml)\(env)
          signal: SIGTERM               # default SIGTERM: Python ends at once, without a
                                        # KeyboardInterrupt traceback; SIGINT runs finally: blocks
          kill_after: 2s                # default 2s: then SIGKILL to the whole process group

      """)
  }
}
