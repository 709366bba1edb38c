/// Which built-in pipeline suits a folder: the first template (in ``PipelineTemplate/all``'s
/// order) one of whose marker files the folder holds.
public struct ProjectDetection: Sendable {
  /// The chosen template.
  public let template: PipelineTemplate
  /// The file that chose it, such as `go.mod`.
  public let marker: String
  /// The other templates whose markers are present too, with the marker found: what
  /// `pipeline init --template NAME` could pick instead.
  public let alsoFound: [(template: String, marker: String)]

  /// Looks at `folder`; `nil` when no marker file of any template is there.
  public static func detect(in folder: ProjectFolder) -> ProjectDetection? {
    let found = PipelineTemplate.all.compactMap { template in template.marker(in: folder).map { (template, $0) } }
    guard let (template, marker) = found.first else { return nil }
    return ProjectDetection(
      template: template, marker: marker, alsoFound: found.dropFirst().map { ($0.0.name, $0.1) })
  }
}
