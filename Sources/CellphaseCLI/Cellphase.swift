import ArgumentParser

/// The `cellphase` command: cell-cycle stage classification from few labels, at microscope speed.
@main
struct Cellphase: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cellphase",
        abstract: "Learn cell-cycle stages from few labelled microscopy crops; classify cells in milliseconds.",
        subcommands: [ExampleCommand.self, TrainCommand.self, EvaluateCommand.self, CVCommand.self, PredictCommand.self,
                      AnalyzeCommand.self, ServeCommand.self, DataCommand.self, BenchCommand.self,
                      SGANCommand.self, SemiCommand.self, TransferCommand.self, RunsCommand.self,
                      PoolCommand.self, SuggestCommand.self, LabelCommand.self, LabelsCommand.self])
}
