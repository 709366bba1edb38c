import PipelineCore

/// What a built-in pipeline starts, as found in the project: the Go package it builds, the
/// Python module or file it runs, the Node script it starts.
///
/// `run` and `validate` print a found one in their notice and stop, with the diagnostic, on
/// the others; `pipeline init` writes the template anyway when the entry point is only
/// ``missing`` (with a placeholder to edit, and the diagnostic as a warning), but not when
/// the manifest it is read from is ``unreadable``.
public enum EntryPoint: Sendable, Equatable {
  /// What is started and why, in one phrase: `./cmd/server, the only main package under cmd/`.
  case found(String)
  /// None could be chosen: what was looked for and how to set it. The template holds a
  /// placeholder in its place.
  case missing(Diagnostic)
  /// The manifest that names the entry point cannot be read (such as a `package.json` that is
  /// not JSON): nothing is guessed.
  case unreadable(Diagnostic)

  /// The diagnostic of ``missing`` and ``unreadable``.
  public var problem: Diagnostic? {
    switch self {
    case .found: nil
    case .missing(let diagnostic), .unreadable(let diagnostic): diagnostic
    }
  }
}
