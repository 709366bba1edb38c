/// A toy project whose "build" copies `src/message.txt` into `tmp/` (failing when the text
/// contains "broken") and whose "app" prints the built message, records its pid and its
/// child's pid, and logs its starts and stops — so a test can tell that the app really
/// restarted with the new content, and that no two instances overlapped.
enum AppFixture {
  static let build = """
    set -e
    message=$(cat src/message.txt)
    case "$message" in *broken*) echo "syntax error in src/message.txt: $message" >&2; exit 1;; esac
    mkdir -p tmp
    cp src/message.txt tmp/message.txt
    """

  static let app = """
    message=$(cat tmp/message.txt)
    echo "start $message" >> tmp/lifecycle.log
    trap 'echo "stop $message" >> tmp/lifecycle.log; exit 0' TERM INT
    echo $$ > tmp/app.pid
    sleep 1000 &
    echo $! > tmp/child.pid
    echo "app started: $message"
    wait
    """

  static func pipeline(appKeys: String = "") -> String {
    """
    stages:
      - stage: watch
        paths: [src]
      - stage: debounce
        window: 30ms
      - stage: build
        run: sh build.sh
      - stage: restart
        run: sh app.sh
        kill_after: 2s
    \(appKeys)
    """
  }

  static func make(message: String = "v1", appKeys: String = "", app: String = AppFixture.app) throws -> TemporaryProject {
    let project = try TemporaryProject("app")
    try project.write("src/message.txt", message)
    try project.write("build.sh", build)
    try project.write("app.sh", app)
    try project.write("pipeline.yaml", pipeline(appKeys: appKeys))
    return project
  }
}
