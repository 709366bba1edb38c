import Foundation
import PipelineCore
import Testing

@testable import PipelineStages

@Suite struct MountTableTests {
  @Test func parsesALineWithOptionalFieldsAndEscapes() throws {
    let table = MountTable(mountInfo: #"36 35 98:0 /mnt1 /mnt/my\040disk rw,noatime master:1 shared:7 - ext4 /dev/root rw,errors=continue"#)
    let mount = try #require(table.mounts.first)
    #expect(mount.id == 36)
    #expect(mount.parentID == 35)
    #expect(mount.device == "98:0")
    #expect(mount.root == "/mnt1")
    #expect(mount.mountPoint == "/mnt/my disk")
    #expect(mount.options == "rw,noatime")
    #expect(mount.optionalFields == ["master:1", "shared:7"])
    #expect(mount.fileSystemType == "ext4")
    #expect(mount.source == "/dev/root")
    #expect(mount.superOptions == "rw,errors=continue")
  }

  @Test func parsesLinesWithoutOptionalFields() throws {
    let table = MountTable(mountInfo: """
      27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
      95 27 0:52 / /mnt/c rw,noatime - 9p drvfs rw,dirsync,aname=drvfs;path=C:\\;uid=1000,msize=65536,trans=fd,rfd=5,wfd=5

      """)
    #expect(table.mounts.map(\.mountPoint) == ["/", "/mnt/c"])
    #expect(table.mounts.map(\.fileSystemType) == ["ext4", "9p"])
    #expect(table.mounts[1].optionalFields.isEmpty)
    // A backslash that starts no octal escape is kept.
    #expect(table.mounts[1].superOptions.contains(#"path=C:\;uid"#))
  }

  /// Tab, newline and backslash escapes; a FUSE type with its subtype; a separator that is the
  /// last of several optional fields.
  @Test func decodesEveryEscapeTheKernelWrites() throws {
    let table = MountTable(mountInfo: #"120 27 0:61 / /home/u/remote\011dir\012x\134y rw,nosuid shared:60 propagate_from:1 - fuse.sshfs me@host:/srv\040data rw,user_id=1000"#)
    let mount = try #require(table.mounts.first)
    #expect(mount.mountPoint == "/home/u/remote\tdir\nx\\y")
    #expect(mount.fileSystemType == "fuse.sshfs")
    #expect(mount.source == "me@host:/srv data")
    #expect(mount.optionalFields == ["shared:60", "propagate_from:1"])
    #expect(MountTable.unescape(#"a\04"#) == #"a\04"#, "an escape cut short is kept")
    #expect(MountTable.unescape(#"\1234"#) == "S4")
  }

  @Test func skipsMalformedLines() {
    let table = MountTable(mountInfo: """
      garbage
      27 1 254:0 / / rw,relatime ext4 /dev/vda rw
      x 1 254:0 / / rw,relatime - ext4 /dev/vda rw
      28 27 0:25 / /data rw - nfs4 server:/export
      29 27 0:26 / /ok rw - tmpfs tmpfs rw
      """)
    #expect(table.mounts.map(\.mountPoint) == ["/ok"])
  }

  @Test func findsTheMountHoldingAPath() {
    let table = MountTable(mountInfo: """
      1 0 8:1 / / rw - ext4 /dev/sda1 rw
      2 1 0:40 / /mnt/c rw - 9p drvfs rw
      3 1 0:41 / /mnt/c/sub rw - tmpfs tmpfs rw
      4 1 0:42 / /mnt/c rw - virtiofs share rw
      """)
    #expect(table.mount(containing: "/home/me")?.fileSystemType == "ext4")
    #expect(table.mount(containing: "/mnt/c2/file")?.fileSystemType == "ext4", "not under /mnt/c")
    #expect(table.mount(containing: "/mnt/c/file")?.fileSystemType == "virtiofs", "the last mount on a point hides the first")
    #expect(table.mount(containing: "/mnt/c/sub/x")?.fileSystemType == "tmpfs")
  }

  @Test func readsThisProcesssTable() {
    let table = MountTable.current()
    #expect(table.mount(containing: "/")?.mountPoint == "/")
  }

  // MARK: Which folders are polled

  private func table(_ lines: (String, String)...) -> MountTable {
    MountTable(mountInfo: ([("/", "ext4")] + lines).enumerated().map { index, line in
      "\(index + 1) 1 0:\(index) / \(line.0.replacingOccurrences(of: " ", with: "\\040")) rw - \(line.1) src rw"
    }.joined(separator: "\n"))
  }

  @Test func pollsMountPointsWithoutEventsInsideARoot() {
    let mounts = table(("/w/app/src", "9p"), ("/w/app/data", "nfs4"), ("/w/app/tmpfs", "tmpfs"), ("/w/other", "9p"))
    let found = mounts.subtreesWithoutEvents(under: ["/w/app"], exclusion: WatchExclusion())
    #expect(found == [
      PolledMount(path: "/w/app/data", fileSystemType: "nfs4"),
      PolledMount(path: "/w/app/src", fileSystemType: "9p"),
    ])
  }

  @Test func pollsAWholeRootOnAMountWithoutEvents() {
    let mounts = table(("/mnt/c", "drvfs"), ("/mnt/c/project/inner", "fuse.sshfs"))
    let found = mounts.subtreesWithoutEvents(under: ["/mnt/c/project"], exclusion: WatchExclusion())
    #expect(found == [PolledMount(path: "/mnt/c/project", fileSystemType: "drvfs")])
  }

  @Test func skipsExcludedAndNestedMounts() {
    let mounts = table(
      ("/w/app/node_modules/x", "9p"), ("/w/app/build/out", "nfs"), ("/w/app/a", "virtiofs"),
      ("/w/app/a/b", "cifs"), ("/w/app/my share", "smb3"))
    let exclusion = WatchExclusion(directoryNames: ["node_modules"], directoryPaths: ["/w/app/build"])
    let found = mounts.subtreesWithoutEvents(under: ["/w/app"], exclusion: exclusion)
    #expect(found.map(\.path) == ["/w/app/a", "/w/app/my share"])
  }

  /// A root reached through a symlink: its mounts are found under its real path and reported
  /// under the path the watcher is given.
  @Test func resolvesARootThroughASymlink() async throws {
    try await withTemporaryFolder { folder in
      let real = try #require(MountTable.realPath(folder.path))
      try Disk.makeFolders(real + "/project/src")
      try Disk.symlink(real + "/project", at: real + "/link")
      let mounts = table((real + "/project/src", "fakeowner"))
      let found = mounts.subtreesWithoutEvents(under: [real + "/link"], exclusion: WatchExclusion())
      #expect(found == [PolledMount(path: real + "/link/src", fileSystemType: "fakeowner")])
    }
  }

  @Test func listsEveryFileSystemOfTheIssue() {
    let expected: Set<String> = [
      "9p", "virtiofs", "fuse.grpcfuse", "fakeowner", "fuse.osxfs", "vboxsf", "drvfs", "nfs", "nfs4",
      "cifs", "smb3", "smbfs", "fuse.sshfs",
    ]
    #expect(MountTable.fileSystemsWithoutEvents == expected)
  }

  // MARK: The poll: key

  @Test(arguments: [
    ("", WatchPolling.auto), ("poll: auto", .auto), ("poll: true", .every(.milliseconds(500))),
    ("poll: false", .off), ("poll: off", .off), ("poll: 500ms", .every(.milliseconds(500))),
    ("poll: 2s", .every(.seconds(2))),
  ])
  func readsThePollKey(yaml: String, expected: WatchPolling) throws {
    #expect(try watchConfiguration(yaml).polling == expected)
  }

  @Test(arguments: ["poll: sometimes", "poll: 5ms", "poll: [1]"])
  func rejectsABadPollValue(yaml: String) {
    #expect(throws: Diagnostic.self) { try watchConfiguration(yaml) }
  }
}

/// The watch stage's configuration read from `yaml` (its keys, without `stage:`).
func watchConfiguration(_ yaml: String) throws -> WatchStage.Configuration {
  var entries: [ConfigNode.Entry] = []
  if !yaml.isEmpty, let node = try YAMLNodeConverter.parse(yaml, file: "test.yaml"), case .mapping(let list) = node.value {
    entries = list
  }
  return try WatchStage.Configuration(options: StageOptions(stageName: "watch", entries: entries, location: nil))
}
