import Foundation
import Testing

@testable import Diffusion
@testable import Tensors

/// `ModelFolder.convert` (how the shipped model's F16 weights are made) and half-precision saving.
struct ModelConversionTests {
  /// A saved `.test()` model folder with a scheduler that names extra keys.
  static func folder() throws -> (URL, UNet2DConditionModel) {
    let dir = try TrainingFixture.temporaryDirectory()
    let model = try TrainingFixture.model()
    var scheduler = ModelFolder.defaultScheduler
    scheduler.predictionType = "v_prediction"
    try ModelFolder.save(model, record: TrainingFixture.record, scheduler: scheduler, to: dir)
    return (dir, model)
  }

  @Test(arguments: [SafeTensorsDType.f16, .bf16])
  func convertedWeightsAreTheRoundedOriginalsAndEverythingElseIsKept(_ dtype: SafeTensorsDType)
    throws
  {
    let (source, model) = try Self.folder()
    defer { try? FileManager.default.removeItem(at: source) }
    let destination = source.appendingPathComponent("half")
    try ModelFolder.convert(from: source, to: destination, storage: dtype)

    let file = try SafeTensorsFile(
      contentsOf: destination.appendingPathComponent(UNetCheckpoint.weightsFile))
    for name in file.names { #expect(try file.info(name).dtype == dtype) }
    let loaded = try ModelFolder.load(from: destination)
    let round: (Float) -> Float =
      dtype == .f16 ? { floatFromF16Bits(f16Bits($0)) } : { floatFromBF16Bits(bf16Bits($0)) }
    let original = TrainingFixture.weights(model)
    var changed = 0
    for (name, values) in TrainingFixture.weights(loaded.unet) {
      let expected = original[name]!.map(round)
      #expect(values == expected, "\(name)")
      changed += zip(values, original[name]!).filter { $0 != $1 }.count
    }
    #expect(changed > 0)  // the rounding did happen: this is not a copy of the F32 file
    #expect(loaded.record == TrainingFixture.record)
    #expect(loaded.scheduler.predictionType == "v_prediction")
    #expect(
      FileManager.default.contents(
        atPath: source.appendingPathComponent("scheduler_config.json").path)
        == FileManager.default.contents(
          atPath: destination.appendingPathComponent("scheduler_config.json").path))
  }

  @Test func aFolderIsNotConvertedOntoItself() throws {
    let (source, _) = try Self.folder()
    defer { try? FileManager.default.removeItem(at: source) }
    #expect { try ModelFolder.convert(from: source, to: source, storage: .f16) } throws: {
      "\($0)".contains("another folder")
    }
  }

  @Test func aWeightF16CannotHoldIsRefusedByName() throws {
    let dir = try TrainingFixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try TrainingFixture.model()
    let (name, p) = model.namedParameters()[0]
    var huge = p.value.scalars
    huge[0] = 1e5
    let weights = [name: Tensor(shape: p.shape, scalars: huge)]
    #expect {
      try UNetCheckpoint.save(model, to: dir, weights: weights, storage: .f16)
    } throws: { "\($0)".contains(name) && "\($0)".contains("F16") }
    // BF16 has float's range: the same weight is stored (rounded).
    try UNetCheckpoint.save(model, to: dir, weights: weights, storage: .bf16)
  }
}
