import PipelineCore

extension StageRegistry {
  /// The stage types that ship with `pipeline`, registered through the same public API a
  /// custom stage uses. One sorted line per stage.
  public static var builtIn: StageRegistry {
    var registry = StageRegistry()
    // The built-in names are distinct, so registering cannot fail.
    try! registry.register(BuildStage.self)
    try! registry.register(DebounceStage.self)
    try! registry.register(ExternalStage.self)
    try! registry.register(FilterStage.self)
    try! registry.register(FormatStage.self)
    try! registry.register(RestartStage.self)
    try! registry.register(RunStage.self)
    try! registry.register(SyncStage.self)
    try! registry.register(TestStage.self)
    try! registry.register(WatchStage.self)
    return registry
  }
}
