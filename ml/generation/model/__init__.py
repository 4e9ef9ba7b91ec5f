"""The generation model: loading (``loading.py``), GGUF conversion (``gguf.py``), CPU quantization (``quantize.py``,
``decode_int8.py``), GPU tied-table quantization (``tied_quant.py``) and the forward the engines share
(``forward.py``)."""
