"""Decode engines: ``loop`` (CPU: finished rows leave the batch), ``static`` (CUDA: one step replayed as a graph) and
``hf`` (transformers' ``model.generate``, the fallback)."""
