import Glibc
import Testing

@testable import PipelineStages

/// Finding who listens on a port, for a `ready` port that another process held before the start.
struct PortHoldersTests {
  @Test("the LISTEN sockets of a port are read from /proc/net/tcp's text, other states and ports left out")
  func parsesTheListeningSockets() {
    let text = """
        sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
         0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0
         1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 4343 1 0000000000000000 20 4 30 10 -1
         2: 00000000:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4444 1 0000000000000000 100 0 0 10 0
      """
    #expect(PortHolders.parseListeningSockets(text, port: 8080) == [4242])
    #expect(PortHolders.parseListeningSockets(text, port: 8081) == [4444])
    #expect(PortHolders.parseListeningSockets(text, port: 9000).isEmpty)
  }

  @Test("a socket this process listens on is found, with this process as its holder, in its group and no other")
  func findsThisProcess() throws {
    let (fd, port) = try ListenAddress(host: "127.0.0.1", port: 0).listenOnAnyPort()
    defer { close(fd) }
    let sockets = PortHolders.listeningSockets(on: port)
    #expect(sockets.count == 1)
    #expect(PortHolders.holders(of: sockets).map(\.pid) == [getpid()])
    #expect(PortHolders.groupListens(getpgrp(), on: port))
    #expect(!PortHolders.groupListens(getpgrp() + 100_000, on: port))
  }

  @Test("loopback, wildcard and this machine's own addresses are local; others are not")
  func localAddresses() {
    #expect(PortHolders.isLocal("127.0.0.1"))
    #expect(PortHolders.isLocal("0.0.0.0"))
    #expect(!PortHolders.isLocal("192.0.2.1"))  // TEST-NET-1: no machine has it
  }
}
