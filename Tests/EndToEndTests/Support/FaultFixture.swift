/// Scripts for the supervisor's fault tests: an app that ignores SIGTERM, a wrapper shell
/// whose child serves a TCP port, a slow build, a lint that fails on demand. Each logs what
/// it did to a file, so a test checks what really happened, not only what `pipeline` says.
enum FaultFixture {
  /// Ignores SIGTERM (and so does its child, which inherits the ignored signal): only
  /// SIGKILL stops it. Logs `start MESSAGE PID NANOSECONDS` once and `tick …` every 50ms to
  /// `tmp/lifecycle.log`, so a test sees how long it really lived.
  static let stubbornApp = """
    trap '' TERM
    message=$(cat tmp/message.txt)
    echo "start $message $$ $(date +%s%N)" >> tmp/lifecycle.log
    echo $$ > tmp/app.pid
    sleep 1000 &
    echo $! > tmp/child.pid
    echo "app started: $message"
    while :; do
      echo "tick $message $$ $(date +%s%N)" >> tmp/lifecycle.log
      sleep 0.05
    done
    """

  /// A wrapper shell whose perl child listens on 127.0.0.1:$PORT and answers every
  /// connection with the message built when it started (`MESSAGE from pid PID`), as a
  /// server compiled from that message would. perl writes its pid to `tmp/server.pid`
  /// before it says `serving`. When the port is taken it prints `cannot listen …` and exits.
  static let server = """
    message=$(cat tmp/message.txt)
    echo $$ > tmp/app.pid
    perl -MIO::Socket::INET -e '
      $| = 1;
      my ($port, $message) = @ARGV;
      my $server = IO::Socket::INET->new(
        LocalAddr => "127.0.0.1", LocalPort => $port, Proto => "tcp", Listen => 16, ReuseAddr => 1)
        or die "cannot listen on 127.0.0.1:$port: $!\\n";
      open(my $file, ">", "tmp/server.pid") or die "tmp/server.pid: $!\\n";
      print $file "$$\\n";
      close($file);
      print "serving $message on port $port (pid $$)\\n";
      while (my $client = $server->accept) { print $client "$message from pid $$\\n"; close($client); }
    ' "$PORT" "$message" &
    wait
    """

  /// A 2-second build: logs `build CONTENT` when it starts and `built CONTENT` when it
  /// has written `tmp/message.txt`, with the content it read when it started.
  static let slowBuild = """
    content=$(cat src/message.txt)
    echo "build $content" >> build.log
    sleep 2
    mkdir -p tmp
    echo "$content" > tmp/message.txt
    echo "built $content" >> build.log
    """

  /// Logs `lint CONTENT` to `lint.log`; fails when the content holds `lint-error`.
  static let lint = """
    message=$(cat src/message.txt)
    echo "lint $message" >> lint.log
    case "$message" in *lint-error*) echo "lint: style violation in src/message.txt"; exit 1;; esac
    echo "lint: ok"
    """

  /// A project with `src/message.txt`, `build.sh`, `app.sh`, the extra files and this
  /// `pipeline.yaml`.
  static func make(
    message: String = "v1", build: String = AppFixture.build, app: String, extra: [String: String] = [:],
    pipeline: String
  ) throws -> TemporaryProject {
    let project = try TemporaryProject("faults")
    try project.write("src/message.txt", message)
    try project.write("build.sh", build)
    try project.write("app.sh", app)
    for (path, content) in extra { try project.write(path, content) }
    try project.write("pipeline.yaml", pipeline)
    return project
  }
}
