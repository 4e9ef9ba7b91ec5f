"""Search intent: embeddings, the per-organization FAISS index, the matcher (search term -> ad group),
negative keywords and intent clusters. Importing it loads no model and no heavy library (torch, faiss).

    from ml.matching import IntentMatcher, default_embedder
"""

from ml.matching.embeddings import default_embedder, matcher_embedder
from ml.matching.matcher import IntentMatcher

__all__ = ["IntentMatcher", "default_embedder", "matcher_embedder"]
