"""Golden fixtures for the text encoders (Tests/TextEncodingTests).

Pinned: torch==2.13.0+cpu, transformers==5.24.0, tokenizers (with transformers), sentencepiece==0.2.3
(scripts/requirements-dev.txt). Seeded: torch.manual_seed(0), SentencePiece trained single-threaded.

Writes into Tests/TextEncodingTests/Fixtures/:
  tiny-bert/            randomly initialised BertModel (2 layers, d=32) + WordPiece vocab.txt trained here
  tiny-t5/              randomly initialised T5EncoderModel, ReLU feed-forward (t5-small style)
  tiny-t5-gated/        the same with gated-GELU feed-forward (t5-v1_1 style)
                        both with spiece.model, a unigram SentencePiece model trained here
  <name>_golden.safetensors
      ids     I64 [total]      token ids of every text, concatenated
      offsets I64 [n + 1]      text i owns ids/states rows offsets[i] ..< offsets[i+1]
      states  F32 [total, d]   last_hidden_state of each text encoded alone (no padding)
      __metadata__: texts (JSON list), max_length, source (this script)
  minilm_golden.safetensors  the same for all-MiniLM-L6-v2 from the encoder cache (scripts/fetch-encoder)

Run: /work/venv/bin/python scripts/reference/text_encoders.py   (after scripts/fetch-encoder)
"""
import bz2
import io
import json
import os
import re
import shutil
from pathlib import Path

import sentencepiece as spm
import torch
from safetensors.torch import save_file
from tokenizers import BertWordPieceTokenizer
from transformers import BertConfig, BertModel, BertTokenizer, T5Config, T5EncoderModel, T5Tokenizer

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests/TextEncodingTests/Fixtures"
ENCODERS = Path(os.environ.get("GLYFFUSER_ENCODERS", Path.home() / ".cache/glyffuser/encoders"))

# Real cleaned Unihan definitions (as GlyphData's CaptionCleaner writes them) and a few edge cases.
MINILM_TEXTS = [
    "gold; metals in general; money; Kangxi radical 167",
    "hillock or mound",
    "water, liquid, lotion, juice",
    "bird",
    "tree",
    "fire, flame; burn; anger, rage",
    "grass, straw, thatch, herbs",
    "to speak, say; talk",
    "mouth; open end; entrance, gate",
    "sun; day; daytime",
    "moon; month; monthly",
    "mountain, hill, peak",
    "rain; rainy; to rain",
    "horse; surname; Kangxi radical 187",
    "heart; mind, intelligence; soul",
    "eye; look, see; division, topic",
    "a kind of insect; worm",
    "to dance, posture of dancing",
    "Suiping, name of a county in Henan",
    "",
]

TINY_TEXTS = [
    "gold; metals in general; money",
    "hillock or mound",
    "Water, LIQUID, lotion -- juice!",
    "Café naïve résumé",
    "water 水 liquid 火 fire",
    "xylophone quizzically",
    "to speak, say; talk (colloquial)",
    "  leading   and trailing  spaces  ",
    "number 167 and 3.5",
    "\ufb01ne \uff46\uff55\uff4c\uff4c width \u2460 \u00bd",  # NFKC: ligature, fullwidth, circled digit, fraction
    "a very long definition that keeps going with many words so that it must be cut at the maximum length",
    "",
]
TINY_MAX_LENGTH = 16


def definitions(limit=600):
    """Roughly cleaned kDefinition values from Debian's unicode-data (training text for the tiny tokenizers)."""
    path = "/usr/share/unicode/Unihan_Readings.txt.bz2"
    out = []
    with bz2.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3 and parts[1] == "kDefinition":
                text = re.sub(r"U\+[0-9A-F]+", "", parts[2])
                text = "".join(c for c in text if ord(c) < 128)
                text = re.sub(r"\s+", " ", text).strip(" ,;")
                if text:
                    out.append(text)
            if len(out) >= limit:
                break
    return out


def randomize(model, std):
    """Replaces every parameter with N(0, std) (norm weights 1 + N(0, 0.1)) so tests see every weight."""
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name or "layer_norm" in name:
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(std * torch.randn(p.shape, generator=g))


def write_golden(name, texts, ids, states, max_length):
    offsets = [0]
    for t in ids:
        offsets.append(offsets[-1] + len(t))
    flat = [i for t in ids for i in t]
    save_file(
        {
            "ids": torch.tensor(flat, dtype=torch.int64),
            "offsets": torch.tensor(offsets, dtype=torch.int64),
            "states": torch.cat(states, 0).contiguous().float(),
        },
        str(OUT / f"{name}_golden.safetensors"),
        metadata={"texts": json.dumps(texts), "max_length": str(max_length), "source": "scripts/reference/text_encoders.py"},
    )


def bert_states(model, ids):
    with torch.no_grad():
        x = torch.tensor([ids])
        return model(input_ids=x, attention_mask=torch.ones_like(x)).last_hidden_state[0]


def tiny_bert(corpus):
    folder = OUT / "tiny-bert"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    wp = BertWordPieceTokenizer(lowercase=True, strip_accents=None, handle_chinese_chars=True)
    wp.train_from_iterator(corpus, vocab_size=400, min_frequency=2, show_progress=False)
    wp.save_model(str(folder))
    tok = BertTokenizer(str(folder / "vocab.txt"))
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=64, max_position_embeddings=64, layer_norm_eps=1e-12)
    model = BertModel(config).eval()
    randomize(model, 0.2)
    model.save_pretrained(str(folder))
    ids = [tok(t, truncation=True, max_length=TINY_MAX_LENGTH)["input_ids"] for t in TINY_TEXTS]
    write_golden("tiny_bert", TINY_TEXTS, ids, [bert_states(model, i) for i in ids], TINY_MAX_LENGTH)


def tiny_t5(corpus, spiece, name, ff):
    folder = OUT / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "spiece.model").write_bytes(spiece)
    sp = spm.SentencePieceProcessor(model_proto=spiece)
    torch.manual_seed(0)
    config = T5Config(
        vocab_size=sp.get_piece_size(), d_model=32, d_kv=8, d_ff=64, num_layers=2, num_heads=4,
        relative_attention_num_buckets=8, relative_attention_max_distance=20, feed_forward_proj=ff,
        layer_norm_epsilon=1e-6, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    model = T5EncoderModel(config).eval()
    randomize(model, 0.3)
    model.save_pretrained(str(folder))
    # Reference ids: SentencePiece itself, truncated to max_length − 1, then </s> (id 1) as T5Tokenizer does.
    ids = [sp.encode(t)[: TINY_MAX_LENGTH - 1] + [1] for t in TINY_TEXTS]
    # Cross-check against transformers' tokenizer (converted from spiece.model); report, don't fail.
    try:
        hf = T5Tokenizer.from_pretrained(str(folder), extra_ids=0)
        for t, i in zip(TINY_TEXTS, ids):
            j = hf(t, truncation=True, max_length=TINY_MAX_LENGTH)["input_ids"]
            if j != i:
                print(f"note: transformers T5Tokenizer differs from sentencepiece on {t!r}: {j} vs {i}")
    except Exception as e:  # transformers 5 cannot always convert a bare spiece.model
        print(f"note: T5Tokenizer cross-check skipped: {type(e).__name__}")
    write_golden(name.replace("-", "_"), TINY_TEXTS, ids, [bert_states(model, i) for i in ids], TINY_MAX_LENGTH)


def train_spiece(corpus):
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus), model_writer=buf, vocab_size=300, model_type="unigram",
        pad_id=0, eos_id=1, unk_id=2, bos_id=-1, num_threads=1, seed_sentencepiece_size=100000,
        character_coverage=1.0, minloglevel=2)
    return buf.getvalue()


def minilm():
    folder = ENCODERS / "all-MiniLM-L6-v2"
    if not (folder / "model.safetensors").exists():
        print(f"skip minilm_golden: {folder} missing (run scripts/fetch-encoder)")
        return
    tok = BertTokenizer(str(folder / "vocab.txt"))
    model = BertModel.from_pretrained(str(folder)).eval()
    ids = [tok(t, truncation=True, max_length=77)["input_ids"] for t in MINILM_TEXTS]
    write_golden("minilm", MINILM_TEXTS, ids, [bert_states(model, i) for i in ids], 77)


if __name__ == "__main__":
    torch.set_num_threads(1)
    OUT.mkdir(parents=True, exist_ok=True)
    corpus = definitions()
    tiny_bert(corpus)
    spiece = train_spiece(corpus)
    tiny_t5(corpus, spiece, "tiny-t5", "relu")
    tiny_t5(corpus, spiece, "tiny-t5-gated", "gated-gelu")
    minilm()
    for p in sorted(OUT.rglob("*")):
        if p.is_file():
            print(f"{p.relative_to(ROOT)}: {p.stat().st_size} bytes")
