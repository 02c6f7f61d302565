"""ModelConfig: every size and setting an ardiff model directory records (model.ini).

The INI layout is documented in docs/model-format.md; read_ini/write_ini here are its reference.
"""
import configparser
import dataclasses
import warnings
from dataclasses import dataclass

SECTIONS = {
    "model": ["vocab_size", "hidden_size", "encoder_layers", "encoder_heads",
              "encoder_intermediate_size", "decoder_layers", "decoder_heads", "in_channels",
              "out_channels", "time_channels", "max_pos_len", "tgt_len", "max_src_len",
              "layer_norm_eps", "type_vocab_size", "time_att"],
    "diffusion": ["diffusion_steps", "noise_schedule", "end_point_scale", "rescale_timesteps"],
    "tokenizer": ["type", "vocab", "merges", "lowercase", "pad_id", "cls_id", "sep_id", "unk_id",
                  "mask_id"],
    "generate": ["steps", "candidates", "schedule", "case", "repeats"],
}
# keys that may be absent (the dataclass default applies); to_ini writes them only when set
OPTIONAL = {("generate", "case"): "none", ("generate", "repeats"): "keep",
            ("model", "time_att"): True, ("tokenizer", "merges"): ""}
TOKENIZER_TYPES = ("wordpiece", "bytelevel_bpe")  # vocab.txt; vocab.json + merges.txt (IWSLT)
# INI key -> dataclass field where they differ (tokenizer/generate keys are prefixed)
_FIELD = {("tokenizer", k): "tok_" + k for k in SECTIONS["tokenizer"]}
_FIELD.update({("generate", k): "gen_" + k for k in SECTIONS["generate"]})


@dataclass
class ModelConfig:
    vocab_size: int
    hidden_size: int
    encoder_heads: int
    in_channels: int
    out_channels: int
    time_channels: int
    max_pos_len: int
    tgt_len: int
    encoder_layers: int = 6
    decoder_layers: int = 6
    decoder_heads: int = 0          # 0: same as encoder_heads (the official model shares it)
    encoder_intermediate_size: int = 0  # 0: 4 * hidden_size (official)
    max_src_len: int = 0            # 0: max_pos_len (official truncation)
    layer_norm_eps: float = 1e-12
    type_vocab_size: int = 2
    # official time_att: True (every released script) = time only as the key-side term of each
    # decoder self-attention; False = one time MLP added to the decoder input (GENIE's way)
    time_att: bool = True
    diffusion_steps: int = 2000
    noise_schedule: str = "sqrt"
    end_point_scale: float = 2.0
    rescale_timesteps: bool = True
    tok_type: str = "wordpiece"
    tok_vocab: str = "vocab.txt"
    tok_merges: str = ""            # bytelevel_bpe only: merges.txt
    tok_lowercase: bool = True
    tok_pad_id: int = 0
    tok_cls_id: int = 101
    tok_sep_id: int = 102
    tok_unk_id: int = 100
    tok_mask_id: int = 103
    gen_steps: int = 20
    gen_candidates: int = 50
    gen_schedule: str = "ar"
    gen_case: str = "none"          # "sentence": upper-case the output's first letter
    gen_repeats: str = "keep"       # "avoid": MBR among the candidates without a repeated word

    def __post_init__(self):
        if not self.decoder_heads:
            self.decoder_heads = self.encoder_heads
        if not self.encoder_intermediate_size:
            self.encoder_intermediate_size = 4 * self.hidden_size
        if not self.max_src_len:
            self.max_src_len = self.max_pos_len
        self.validate()

    def validate(self):
        h = self.hidden_size
        if h % self.encoder_heads or h % self.decoder_heads:
            raise ValueError("hidden_size %d not divisible by the head counts" % h)
        if self.tgt_len > self.max_pos_len or self.max_src_len > self.max_pos_len:
            raise ValueError("tgt_len and max_src_len must be <= max_pos_len")
        if self.gen_schedule not in ("ar", "uniform"):
            raise ValueError("generate.schedule must be 'ar' or 'uniform'")
        if self.tok_type not in TOKENIZER_TYPES:
            raise ValueError("tokenizer.type must be one of %s" % (TOKENIZER_TYPES,))
        if (self.tok_type == "bytelevel_bpe") != bool(self.tok_merges):
            raise ValueError("tokenizer.merges is required by bytelevel_bpe and only by it")
        if self.tok_type == "bytelevel_bpe" and self.tok_lowercase:
            raise ValueError("tokenizer.lowercase must be false for bytelevel_bpe")
        if self.gen_case not in ("none", "sentence"):
            raise ValueError("generate.case must be 'none' or 'sentence'")
        if self.gen_repeats not in ("keep", "avoid"):
            raise ValueError("generate.repeats must be 'keep' or 'avoid'")
        for name in ("vocab_size", "hidden_size", "in_channels", "out_channels",
                     "time_channels", "tgt_len", "encoder_layers", "decoder_layers"):
            if getattr(self, name) <= 0:
                raise ValueError("%s must be positive" % name)

    @classmethod
    def from_official(cls, intermediate_size, num_attention_heads, in_channels, out_channels,
                      time_channels, tgt_len, max_pos_len, vocab_size, **kw):
        """Sizes from the official run flags (hidden = intermediate_size / 4, 6+6 layers)."""
        return cls(vocab_size=vocab_size, hidden_size=intermediate_size // 4,
                   encoder_heads=num_attention_heads, in_channels=in_channels,
                   out_channels=out_channels, time_channels=time_channels,
                   max_pos_len=max_pos_len, tgt_len=tgt_len,
                   encoder_intermediate_size=intermediate_size, **kw)

    # ---- INI ------------------------------------------------------------------------------
    def to_ini(self):
        lines = []
        for sec, keys in SECTIONS.items():
            lines.append("[%s]" % sec)
            for k in keys:
                v = getattr(self, _FIELD.get((sec, k), k))
                if OPTIONAL.get((sec, k), object()) == v:
                    continue
                if isinstance(v, bool):
                    v = "true" if v else "false"
                elif isinstance(v, float):
                    v = repr(v)
                lines.append("%s = %s" % (k, v))
            lines.append("")
        return "\n".join(lines)

    def write_ini(self, path):
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_ini())

    @classmethod
    def read_ini(cls, path):
        cp = configparser.ConfigParser(interpolation=None)
        with open(path, encoding="utf-8") as f:
            cp.read_file(f)
        types = {f.name: f.type for f in dataclasses.fields(cls)}
        kw = {}
        for sec, keys in SECTIONS.items():
            if not cp.has_section(sec):
                raise ValueError("model.ini: missing section [%s]" % sec)
            extra = set(cp[sec].keys()) - set(keys)
            if extra:                    # DESIGN: unknown keys warn, missing ones fail
                warnings.warn("model.ini: unknown keys in [%s]: %s" % (sec, sorted(extra)))
            for k in keys:
                if k not in cp[sec] and (sec, k) in OPTIONAL:
                    continue
                if k not in cp[sec]:
                    raise ValueError("model.ini: missing key %s.%s" % (sec, k))
                field = _FIELD.get((sec, k), k)
                raw = cp[sec][k].strip()
                t = types[field]
                if t in (bool, "bool"):
                    if raw not in ("true", "false"):
                        raise ValueError("model.ini: %s.%s must be true or false" % (sec, k))
                    kw[field] = raw == "true"
                elif t in (int, "int"):
                    kw[field] = int(raw)
                elif t in (float, "float"):
                    kw[field] = float(raw)
                else:
                    kw[field] = raw.lower() if (sec, k) in (("generate", "case"),
                                                            ("generate", "repeats")) else raw
        return cls(**kw)
