/// A built-in pipeline for one kind of project: what `pipeline init` writes and what
/// `pipeline run` runs when the folder has no `pipeline.yaml`.
///
/// The text is the single source of truth: `init` writes it as is, and `run` and `validate`
/// parse that same text, so the default pipeline and the file a user starts from cannot
/// drift apart.
public struct PipelineTemplate: Sendable {
  /// The name for `--template`: `go`, `node`, `swift`, `rust`, `python`, `make`.
  public let name: String
  /// The files whose presence in a folder selects this template, in the order they are
  /// looked for.
  public let markers: [String]
  /// One line on what the pipeline does, for messages.
  public let summary: String
  /// Whether the pipeline's commands fail without one of ``markers`` (`swift build` without
  /// `Package.swift`), so that `init` warns when there is none; a Python or Node project
  /// can do without its manifest.
  public let needsMarker: Bool
  private let render: @Sendable (ProjectFolder) -> Rendering

  /// A template filled in for one folder: the pipeline's text and what it starts, from one
  /// reading of the project's manifest.
  public struct Rendering: Sendable {
    /// What the pipeline builds or starts, as ``text`` names it; `nil` for a template that
    /// does not look for one (`make`).
    public let entryPoint: EntryPoint?
    /// The commented pipeline.
    public let text: String
  }

  init(
    name: String, markers: [String], summary: String, needsMarker: Bool = true,
    render: @escaping @Sendable (ProjectFolder) -> Rendering
  ) {
    self.name = name
    self.markers = markers
    self.summary = summary
    self.needsMarker = needsMarker
    self.render = render
  }

  /// The pipeline for the project in `folder` and its entry point, reading the project's
  /// manifest (`package.json`'s start script, the executable product of `Package.swift`…)
  /// once: `run` and `init` print the entry point and use the text.
  public func rendering(for folder: ProjectFolder) -> Rendering { render(folder) }

  /// What the pipeline builds or starts in `folder`, as ``text(for:)`` writes it; `nil` for
  /// a template that does not look for one (`make`).
  public func entryPoint(in folder: ProjectFolder) -> EntryPoint? { render(folder).entryPoint }

  /// The commented pipeline for the project in `folder`.
  public func text(for folder: ProjectFolder) -> String { render(folder).text }

  /// The first of ``markers`` that exists in `folder`.
  public func marker(in folder: ProjectFolder) -> String? { markers.first(where: folder.exists) }

  /// Every template, in detection order: the first whose marker a folder holds wins.
  ///
  /// Language manifests come before `package.json`, which often sits next to them only for
  /// front-end assets; a `Makefile` comes last, as it usually wraps one of the others.
  public static let all: [PipelineTemplate] = [.go, .swift, .node, .rust, .python, .make]

  /// The template called `name`, if any.
  public static func named(_ name: String) -> PipelineTemplate? { all.first { $0.name == name } }

  /// The template names, in detection order, for messages: `go, swift, node, …`.
  public static var names: String { all.map(\.name).joined(separator: ", ") }

  /// Every marker file, in the order they are looked for, for messages.
  public static var allMarkers: [String] { all.flatMap(\.markers) }
}
