// TextEncoding: tokenizers and frozen text encoders (BERT, T5), caption-embedding cache.
