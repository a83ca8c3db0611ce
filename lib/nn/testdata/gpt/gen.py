#!/usr/bin/env python3
"""Generates torch_gpt.safetensors, the PyTorch reference for lib/nn's GPT equivalence test.

Run from this folder with Debian's python3-torch:  /usr/bin/python3 gen.py
The model is shared/bench/torch_gpt.py's architecture (no biases, LayerNorm gain only, tied
embedding, exact GELU, causal attention), tiny: vocab 11, block 8, 2 layers, 2 heads, width 16.
Weights are drawn larger than the recipe's init (and gains away from 1) so every term matters.
The file holds, as float32 safetensors with the config in __metadata__:
  w.<name>   the weights (state_dict names, tied head left out)
  x, y       a batch of ids and targets [3, 7] (as floats)
  logits     [3, 7, 11];  loss  [1]
  g.<name>   every parameter's gradient of the loss
  gradnorm   [1] the global gradient norm before clipping (clip to 0.5, so it clips)
  s1.<name>  the weights after one AdamW step (lr 0.01, betas 0.9/0.99, eps 1e-8,
             weight decay 0.1 on matrices only) after clipping
  s2.<name>  the weights after a second forward/backward/clip/step on the same batch
"""
import json, math, struct

import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB, BLOCK, LAYERS, HEADS, EMBD = 11, 8, 2, 2, 16
B, T = 3, 7
LR, WD, CLIP = 0.01, 0.1, 0.5


class LayerNorm(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(c))

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, None, 1e-5)


class Block(nn.Module):
    def __init__(self, c, h):
        super().__init__()
        self.h = h
        self.ln1, self.ln2 = LayerNorm(c), LayerNorm(c)
        self.qkv = nn.Linear(c, 3 * c, bias=False)
        self.proj = nn.Linear(c, c, bias=False)
        self.fc = nn.Linear(c, 4 * c, bias=False)
        self.out = nn.Linear(4 * c, c, bias=False)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, self.h, C // self.h).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        mask = torch.ones(T, T, dtype=torch.bool).tril()
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        x = x + self.proj(y)
        return x + self.out(F.gelu(self.fc(self.ln2(x))))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(VOCAB, EMBD)
        self.wpe = nn.Embedding(BLOCK, EMBD)
        self.blocks = nn.ModuleList(Block(EMBD, HEADS) for _ in range(LAYERS))
        self.ln_f = LayerNorm(EMBD)
        self.head = nn.Linear(EMBD, VOCAB, bias=False)
        self.head.weight = self.wte.weight

    def forward(self, idx):
        T = idx.size(1)
        x = self.wte(idx) + self.wpe(torch.arange(T))
        for b in self.blocks:
            x = b(x)
        return self.head(self.ln_f(x))


def write_safetensors(path, tensors, meta):
    header, blobs, off = {"__metadata__": meta}, [], 0
    for name, t in tensors:
        b = t.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, sort_keys=True).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def main():
    torch.manual_seed(7)
    model = GPT()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                p.normal_(0.0, 0.3)
            else:
                p.copy_(1 + 0.2 * torch.randn_like(p))
    x = torch.randint(VOCAB, (B, T))
    y = torch.randint(VOCAB, (B, T))
    names = [n for n, _ in model.named_parameters()]  # the tied head appears once, as wte.weight
    params = dict(model.named_parameters())
    out = [("w." + n, params[n].detach().clone()) for n in names]
    out += [("x", x.float()), ("y", y.float())]

    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": WD}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=LR, betas=(0.9, 0.99), eps=1e-8)
    for step in (1, 2):
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, VOCAB), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if step == 1:
            out += [("logits", logits.detach()), ("loss", loss.detach().reshape(1))]
            out += [("g." + n, params[n].grad.detach().clone()) for n in names]
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        if step == 1:
            out.append(("gradnorm", norm.detach().reshape(1)))
        opt.step()
        out += [("s%d.%s" % (step, n), params[n].detach().clone()) for n in names]
    meta = {"config": json.dumps({"vocab": VOCAB, "block": BLOCK, "layers": LAYERS, "heads": HEADS, "embd": EMBD}),
            "batch": json.dumps([B, T]), "lr": str(LR), "weight_decay": str(WD), "clip": str(CLIP),
            "torch": torch.__version__}
    write_safetensors("torch_gpt.safetensors", out, meta)
    print("wrote torch_gpt.safetensors: loss %.6f, grad norm %.6f" % (loss.item(), norm.item()))


if __name__ == "__main__":
    main()
