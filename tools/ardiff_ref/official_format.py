"""Save a reference model the way the official trainer (train_utils/trainer.py) saves it.

torch.save of a dict {model_dict, optimizer_dict, scheduler_dict, offset} (a CheckpointState
namedtuple's _asdict()), file names model_checkpoint-<step> and ema_<rate>_checkpoint-<step>.
model_dict is model.state_dict() of the unwrapped model (no 'module.' prefix). In the EMA file
every *parameter* is replaced by its EMA value by iterating named_parameters(), which lists the
tied embedding once, as word_embedding.weight: lm_head.weight keeps the live value.
"""
import os

import torch


def official_model_dict(model, ema_model=None, ddp_prefix=False):
    sd = {k: v.detach().clone() for k, v in model.state_dict().items()}
    if ema_model is not None:
        ema = dict(ema_model.named_parameters())
        for name, _ in model.named_parameters():
            sd[name] = ema[name].detach().clone()
    if ddp_prefix:
        sd = {"module." + k: v for k, v in sd.items()}
    return sd


def save_official_checkpoint(model, folder, step, ema_model=None, ema_rate=0.9999,
                             ddp_prefix=False):
    """Write model_checkpoint-<step> (or ema_<rate>_checkpoint-<step>); return its path."""
    os.makedirs(folder, exist_ok=True)
    name = ("ema_%s_checkpoint-%d" % (ema_rate, step)) if ema_model is not None \
        else "model_checkpoint-%d" % step
    state = {"model_dict": official_model_dict(model, ema_model, ddp_prefix),
             "optimizer_dict": {"state": {}, "param_groups": []},
             "scheduler_dict": {"base_lrs": [1e-4], "last_epoch": step},
             "offset": step}
    path = os.path.join(folder, name)
    torch.save(state, path)
    return path
