"""ardiff_ref: the PyTorch reference of AR-Diffusion (Wu et al., NeurIPS 2023) for ardiff.

Oracle for the C/OpenCL runtime: model (state-dict compatible with the official
CrossAttention_Diffusion_LM), noise schedule, per-token time schedules, skip sampler,
the ardiff random stream, converter and golden fixtures. See tools/README.md.
"""
