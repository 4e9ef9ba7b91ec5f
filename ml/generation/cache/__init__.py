"""KV caches of the decode engines: layers (``layers.py``) and attention over shared prefixes
(``prefix_attention.py``)."""
