// Diffusion module.
