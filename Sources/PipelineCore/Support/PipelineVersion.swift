/// The version of the `pipeline` package: what `pipeline --version` prints, and the release a
/// new stage package (`pipeline new-stage --pipeline-url`) requires by default.
public enum PipelineVersion {
  /// The release this source tree is, as semantic versioning writes it.
  public static let current = "1.0.0"
}
