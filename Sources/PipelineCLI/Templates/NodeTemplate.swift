extension PipelineTemplate {
  /// A Node project: restart the app on a change to its code, `npm install` when
  /// `package.json` changes, and never look into `node_modules`.
  static let node = PipelineTemplate(
    name: "node", markers: ["package.json"],
    summary: "npm install when package.json changes, node --check the changed scripts, restart the start script", needsMarker: false,
  ) { folder in
    let start = NodeStartCommand.read(in: folder)
    return Rendering(entryPoint: start.entryPoint, text: """
      # pipeline.yaml for a Node project (written by `pipeline init --template node`).
      # `pipeline run` runs it; every stage and key, with its default: `pipeline stages`.
      version: 1
      stages:
        # Watches this folder and below. node_modules, .git, tmp and other build folders
        # are never watched (default_excludes: true, the default): installing packages
        # restarts nothing.
        - stage: watch
          paths: [.]                    # default [.]: the folder of this file

        # A burst of saves (an editor's "save all", a git checkout) becomes one batch.
        - stage: debounce
          window: 100ms                 # default 100ms: quiet time before the batch goes on

        # Keeps the changes the app can see; .gitignore'd files are dropped (gitignore:
        # true, the default), and so are editors' swap files. npm rewrites package-lock.json
        # itself: that is not news.
        - stage: filter
          extensions: [js, mjs, cjs, json]   # default []: every file; add ts, html, css…
          exclude: [package-lock.json]       # default []

        # Installs the dependencies when package.json changes, and only then (when: globs;
        # every other batch passes on untouched). The startup batch does not match: run
        # `npm install` once yourself after a fresh clone.
        - stage: run
          name: install
          when: [package.json]
          run: [npm, install, --no-audit, --no-fund]

        # Checks the syntax of each changed script (node --check) before the restart: a typo
        # shows where it is, and the running app is kept. {files}: the changed files.
        - stage: build
          name: check
          run: 'for f in {files}; do case "$f" in *.js|*.mjs|*.cjs) node --check "$f" || exit 1;; esac; done'

        # Stops the old app, then starts the new one: \(start.origin).
        - stage: restart
          run: \(start.yaml)
          signal: SIGTERM               # default SIGTERM: close the server, then exit
          kill_after: 2s                # default 2s: then SIGKILL to the whole process group

      """)
  }
}
