import Foundation
import Testing

@testable import Diffusion

/// `glyffuser export-diffusers`: the pipeline folder's layout and index, refusal of an existing
/// folder, nothing left behind. (That diffusers draws the same glyphs from it is
/// `make test-scale-out`, which needs Python.)
@Test func aModelExportsAsADiffusersPipelineFolder() throws {
  let model = ShippedModels.locate(ShippedModels.glyffuser)
  try #require(FileManager.default.fileExists(atPath: model.path), "the shipped model is missing")
  let root = FileManager.default.temporaryDirectory.appendingPathComponent(
    "glyffuser-export-\(UUID().uuidString)")
  defer { try? FileManager.default.removeItem(at: root) }
  try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
  let out = root.appendingPathComponent("pipeline")
  let withEncoder = try DiffusersExport.export(model: model, to: out)
  for file in [
    "model_index.json", "glyffuser.json", "unet/config.json",
    "unet/diffusion_pytorch_model.safetensors", "scheduler/scheduler_config.json",
  ] {
    #expect(
      FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
  }
  let index = try #require(
    try JSONSerialization.jsonObject(
      with: Data(contentsOf: out.appendingPathComponent("model_index.json"))) as? [String: Any])
  #expect(index["unet"] as? [String] == ["diffusers", "UNet2DConditionModel"])
  #expect(index["scheduler"] as? [String] == ["diffusers", "DDPMScheduler"])
  #expect(index["glyffuser_text_encoder"] as? String == "all-MiniLM-L6-v2")
  #expect(
    index["max_tokens"] as? Int == 77 && index["_class_name"] as? String == "GlyffuserPipeline")
  if withEncoder {
    #expect(index["text_encoder"] as? [String] == ["transformers", "BertModel"])
    #expect(
      FileManager.default.fileExists(
        atPath: out.appendingPathComponent("text_encoder/model.safetensors").path))
  }
  // The U-Net is the model's, byte for byte.
  #expect(
    try Data(contentsOf: out.appendingPathComponent("unet/diffusion_pytorch_model.safetensors"))
      == Data(contentsOf: model.appendingPathComponent("diffusion_pytorch_model.safetensors")))
  #expect(throws: DiffusersExportError.self) { try DiffusersExport.export(model: model, to: out) }
  #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["pipeline"])
}
