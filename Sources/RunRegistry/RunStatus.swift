/// Where a recorded run stands. A run is `running` from `begin` until it is finished, fails, or is found
/// interrupted (its process stopped by a signal, or gone without saying so — see `RunRegistry.reapStale()`).
/// The SGAN paper's budget grid (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*, section 5) is only resumable because each cell's run ends in one of
/// these states: a resumed grid skips `finished` cells and redoes the others.
public enum RunStatus: String, Codable, Sendable, CaseIterable {
    case running, finished, interrupted, failed
}
