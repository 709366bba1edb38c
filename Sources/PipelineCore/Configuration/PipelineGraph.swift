/// The checks on how stages connect: names unique, inputs known, sources without inputs,
/// every other stage with at least one, and no cycles.
enum PipelineGraph {
  static func validate(_ stages: [StageDefinition]) -> [Diagnostic] {
    var problems: [Diagnostic] = []
    var firstByName: [String: StageDefinition] = [:]
    for stage in stages {
      if let first = firstByName[stage.name] {
        problems.append(
          Diagnostic(
            at: stage.nameLocation ?? stage.location,
            "duplicate stage name '\(stage.name)' (first used at line \((first.nameLocation ?? first.location).line))",
            help: "give one of them a unique `name:`"))
      } else {
        firstByName[stage.name] = stage
      }
    }
    let names = stages.map(\.name)
    for stage in stages {
      var seenInputs = Set<String>()
      for (index, input) in stage.inputs.enumerated() where !seenInputs.insert(input).inserted {
        problems.append(
          Diagnostic(
            at: stage.location(ofInput: index), "stage '\(stage.name)' lists '\(input)' twice in 'after'",
            help: "list each input once"))
      }
      for (index, input) in stage.inputs.enumerated() where firstByName[input] == nil {
        problems.append(
          Diagnostic(
            at: stage.location(ofInput: index), "stage '\(stage.name)' lists unknown input '\(input)' in 'after'",
            help: Suggestions.hint(for: input, known: names)))
      }
      if stage.descriptor.role == .source, !stage.inputs.isEmpty {
        problems.append(
          Diagnostic(
            at: stage.location, "stage '\(stage.name)' is a source and takes no input",
            help: "remove its `after:`"))
      }
      if stage.descriptor.role != .source, stage.inputs.isEmpty {
        // Not listed first, it would take the stage before it: its `after:` is empty.
        let isFirst = stages.first?.name == stage.name
        problems.append(
          Diagnostic(
            at: stage.location, "stage '\(stage.name)' has no input, so it would never run",
            help: isFirst
              ? "list a source before it (like `- stage: watch`) or name its input with `after: [watch]`"
              : "its `after:` is empty: remove it to take the stage listed before, or name the input, like `after: [watch]`"))
      }
    }
    guard problems.isEmpty else { return problems }
    if let cycle = findCycle(stages) {
      let stage = firstByName[cycle[0]]!
      problems.append(
        Diagnostic(
          at: stage.location, "the stages form a cycle: " + (cycle + [cycle[0]]).joined(separator: " → "),
          help: "a batch must not come back to a stage it passed; change one of their `after:` lists"))
    }
    return problems
  }

  /// A cycle of stage names, in flow order, if there is one.
  static func findCycle(_ stages: [StageDefinition]) -> [String]? {
    let inputs = Dictionary(stages.map { ($0.name, $0.inputs) }, uniquingKeysWith: { first, _ in first })
    var state: [String: Int] = [:]  // 1: on the path, 2: done
    var path: [String] = []
    func visit(_ name: String) -> [String]? {
      state[name] = 1
      path.append(name)
      for input in inputs[name] ?? [] {
        if state[input] == 1, let start = path.firstIndex(of: input) {
          return Array(path[start...]).reversed()
        }
        if state[input] == nil, let cycle = visit(input) { return cycle }
      }
      path.removeLast()
      state[name] = 2
      return nil
    }
    for stage in stages where state[stage.name] == nil {
      if let cycle = visit(stage.name) { return cycle }
    }
    return nil
  }
}
