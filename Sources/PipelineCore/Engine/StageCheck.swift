/// What `pipeline validate` checks beyond the file itself: that every stage can be made.
extension PipelineDefinition {
  /// Makes every stage as `pipeline run` would, runs none of them, and returns why any could
  /// not be made: a watch folder that does not exist, a sync target inside its source… — the
  /// errors `pipeline run` would stop on, all of them at once instead of the first.
  ///
  /// Making a stage has no effect outside the process: stages start their work in `run`.
  public func stageProblems(environment: [String: String] = [:]) -> [Diagnostic] {
    let silent = EventBus([])
    let work = WorkTracker()
    let ownWrites = OwnWrites(root: root)
    var problems: [Diagnostic] = []
    for stage in stages {
      let context = StageContext(
        name: stage.name, typeName: stage.descriptor.typeName, root: root,
        environment: environment, events: silent, work: work, ownWrites: ownWrites)
      do {
        _ = try stage.descriptor.instantiate(stage.configuration, context)
      } catch let diagnostic as Diagnostic {
        problems.append(diagnostic)
      } catch {
        problems.append(Diagnostic(at: nil, "stage '\(stage.name)': \(error)"))
      }
    }
    return DiagnosticList.inSourceOrder(problems)
  }
}
