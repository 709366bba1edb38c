/// Where `pipeline` keeps its temporary files (the commands' changed-files lists): `TMPDIR`,
/// or `/tmp` when it is unset or empty, as other programs read it.
public enum TemporaryFolder {
  /// `TMPDIR` from `environment` when it is set and not empty; `nil` otherwise.
  public static func variable(in environment: [String: String]) -> String? {
    environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 }
  }

  /// The folder: ``variable(in:)``, or `/tmp`.
  public static func base(in environment: [String: String]) -> String {
    variable(in: environment) ?? "/tmp"
  }
}
