// The file formats live in their own module, built with bounds checks (Package.swift); every
// user of the engine sees them as before.
@_exported import TensorFiles
