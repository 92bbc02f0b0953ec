// Tensors module.
