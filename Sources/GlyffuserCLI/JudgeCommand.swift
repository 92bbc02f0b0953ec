import ArgumentParser
import Diffusion
import Evaluation
import Foundation
import GlyphData
import Tensors

/// `glyffuser judge`: the glyph judge that `glyffuser eval` scores with.
struct JudgeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "judge",
    abstract: "Train or test the glyph judge (radical classifier) that `eval` scores with.",
    subcommands: [JudgeTrainCommand.self, JudgeTestCommand.self])
}

struct JudgeTrainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train",
    abstract: "Train a judge on a labelled data set's training split; writes judge.json, "
      + "judge.safetensors and a README.md card with its validation accuracy.")

  @Option(help: "Data set folder (from `glyffuser dataset build`, with labels).")
  var dataset: String
  @Option(help: "Output folder.") var out: String
  @Option(help: "Train for about this many minutes (the step count is planned and printed).")
  var minutes: Double?
  @Option(help: "Exact number of steps (reproducible); default: --epochs over the training split.")
  var steps: Int?
  @Option(help: "Epochs when neither --steps nor --minutes is given.") var epochs = 8
  @Option(help: "Batch size.") var batch = 128
  @Option(help: "Peak learning rate (AdamW, warm-up then cosine).") var lr: Float = 2e-3
  @Option(help: "Seed of initialisation, batch order and augmentation.") var seed: UInt64 = 0

  func run() throws {
    let data = try GlyphDataset(contentsOf: URL(fileURLWithPath: dataset))
    var options = JudgeTrainingOptions()
    options.steps = steps
    options.minutes = steps == nil ? minutes : nil
    options.epochs = epochs
    options.batchSize = batch
    options.learningRate = lr
    options.seed = seed
    let trainer = try JudgeTrainer(dataset: data, options: options)
    let interrupt = InterruptFlag()
    let start = Date()
    _ = try trainer.train(
      progress: ProgressLine.handler(), shouldStop: { interrupt.isSet })
    FileHandle.standardError.write(Data("\n".utf8))
    let seconds = Date().timeIntervalSince(start)
    let outURL = URL(fileURLWithPath: out)
    let command =
      "glyffuser judge train --dataset \(dataset) --out \(out) --steps \(trainer.totalSteps)"
      + " --batch \(batch) --lr \(lr) --seed \(seed)"
    try JudgeFolder.save(trainer.judge, to: outURL, metadata: ["command": command])
    // Score the folder as it ships (fp16 weights), not the fp32 weights in memory.
    let judge = try JudgeFolder.load(from: outURL)
    let accuracy = try JudgeScoring.validationAccuracy(judge, dataset: data)
    let card = JudgeCard.markdown(
      config: judge.config, parameters: judge.parameterCount, steps: trainer.totalSteps,
      seconds: seconds, command: command, dataset: dataset, validation: accuracy,
      weightsSHA256: JudgeFolder.weightsDigest(outURL) ?? "?", threads: Parallel.threadCount)
    try Data(card.utf8).write(to: outURL.appendingPathComponent("README.md"), options: .atomic)
    print(
      String(
        format: "trained %d steps in %.0f s; validation radical top-1 %.1f %%, top-5 %.1f %%, "
          + "stroke MAE %.2f (%d glyphs); wrote ", trainer.totalSteps, seconds,
        accuracy.top1 * 100, accuracy.top5 * 100, accuracy.strokeMAE, accuracy.count) + out)
    print("reproduce: \(command)")
  }
}

struct JudgeTestCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "test", abstract: "The judge's accuracy on a data set's validation split.")

  @Option(help: "Judge folder.") var judge = JudgeFolder.shippedPath
  @Option(help: "Data set folder (with labels).") var dataset: String
  @Flag(help: "Print JSON.") var json = false

  func run() throws {
    let data = try GlyphDataset(contentsOf: URL(fileURLWithPath: dataset))
    let model = try JudgeFolder.load(from: ShippedModels.locate(judge))
    let accuracy = try JudgeScoring.validationAccuracy(model, dataset: data)
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      print(String(decoding: try encoder.encode(accuracy), as: UTF8.self))
      return
    }
    print(
      String(
        format: "validation: %d glyphs, radical top-1 %.1f %%, top-5 %.1f %%, top-1 over the 30 "
          + "most frequent radicals %.1f %%, stroke MAE %.2f", accuracy.count, accuracy.top1 * 100,
        accuracy.top5 * 100, accuracy.frequentTop1 * 100, accuracy.strokeMAE))
  }
}
