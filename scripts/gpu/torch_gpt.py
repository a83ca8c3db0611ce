#!/usr/bin/env python3
"""Reference trainer: a character-level GPT in PyTorch, trained with the exact
recipe of shared/bench/RECIPE.md, so a Go implementation can be compared with it
side by side on the same machine and the same data.

This is shared/bench/torch_gpt.py with two options that match `notmagic bench gpt`'s:
  --precision fp32|tf32|bf16   matrix products in float32 (the default), with TF32 tensor cores
                               (torch.backends.cuda.matmul.allow_tf32), or under
                               torch.autocast(dtype=torch.bfloat16): float32 weights, bf16 products
  --flash-attention            attention through F.scaled_dot_product_attention(is_causal=True),
                               PyTorch's fused (flash or memory-efficient) kernels, dropout included
scripts/gpu/check.sh runs it beside notmagic on a GPU machine.

Needs Debian's python3-torch (apt-get install python3-torch); run it with
/usr/bin/python3. Prints one JSON object per eval and a final summary line:
  {"summary": true, "wall_s": ..., "median_ms_per_iter": ..., "tokens_per_s": ..., "best_val_loss": ...}

Usage:
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=2 /usr/bin/python3 torch_gpt.py --data ../data/tinyshakespeare.txt
  (--iters 200 for a short run; --threads N sets torch's intra-op threads)
GPU configuration of the recipe (on a machine with CUDA):
  python3 torch_gpt.py --data tinyshakespeare.txt --device cuda --block 256 --batch 64 --layers 6 --heads 6 --embd 384 --dropout 0.2 --iters 5000 --eval-iters 200 --min-lr 1e-4
"""
import argparse, contextlib, json, math, statistics, time

import torch
import torch.nn as nn
import torch.nn.functional as F


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--iters", type=int, default=2000)
    p.add_argument("--block", type=int, default=64)
    p.add_argument("--batch", type=int, default=12)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--embd", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--min-lr", type=float, default=1e-4)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--eval-every", type=int, default=250)
    p.add_argument("--eval-iters", type=int, default=20)
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--precision", default="fp32", choices=["fp32", "tf32", "bf16"],
                   help="matrix products: float32, TF32 tensor cores, or bf16 autocast (cuda)")
    p.add_argument("--flash-attention", action="store_true",
                   help="attention through F.scaled_dot_product_attention (PyTorch >= 2.0)")
    a = p.parse_args()
    if a.precision != "fp32" and not a.device.startswith("cuda"):
        p.error("--precision %s needs --device cuda" % a.precision)
    if a.flash_attention and not hasattr(F, "scaled_dot_product_attention"):
        p.error("--flash-attention needs PyTorch >= 2.0 (this is %s)" % torch.__version__)
    return a


class LayerNorm(nn.Module):
    """LayerNorm with a gain and no bias (the recipe uses no biases anywhere)."""

    def __init__(self, c):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(c))

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, None, 1e-5)


class Block(nn.Module):
    def __init__(self, c, h, p, flash=False):
        super().__init__()
        self.h, self.p, self.flash = h, p, flash
        self.ln1, self.ln2 = LayerNorm(c), LayerNorm(c)
        self.qkv = nn.Linear(c, 3 * c, bias=False)
        self.proj = nn.Linear(c, c, bias=False)
        self.fc = nn.Linear(c, 4 * c, bias=False)
        self.out = nn.Linear(4 * c, c, bias=False)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, self.h, C // self.h).transpose(1, 2) for t in (q, k, v))
        if self.flash:
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=self.p if self.training else 0.0, is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            mask = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
            att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
            att = F.dropout(att, self.p, self.training)
            y = att @ v
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        x = x + F.dropout(self.proj(y), self.p, self.training)
        return x + F.dropout(self.out(F.gelu(self.fc(self.ln2(x)))), self.p, self.training)


class GPT(nn.Module):
    def __init__(self, vocab, a):
        super().__init__()
        self.wte = nn.Embedding(vocab, a.embd)
        self.wpe = nn.Embedding(a.block, a.embd)
        self.p = a.dropout
        self.blocks = nn.ModuleList(Block(a.embd, a.heads, a.dropout, a.flash_attention) for _ in range(a.layers))
        self.ln_f = LayerNorm(a.embd)
        self.head = nn.Linear(a.embd, vocab, bias=False)
        self.head.weight = self.wte.weight  # weight tying
        for name, p in self.named_parameters():
            if p.dim() >= 2:
                std = 0.02 / math.sqrt(2 * a.layers) if name.endswith(("proj.weight", "out.weight")) else 0.02
                nn.init.normal_(p, 0.0, std)

    def forward(self, idx, targets):
        T = idx.size(1)
        x = F.dropout(self.wte(idx) + self.wpe(torch.arange(T, device=idx.device)), self.p, self.training)
        for b in self.blocks:
            x = b(x)
        logits = self.head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def main():
    a = parse()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    text = open(a.data, encoding="utf-8").read()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    n = int(0.9 * len(data))
    split = {"train": data[:n], "val": data[n:]}

    def batch(name):
        d = split[name]
        ix = torch.randint(len(d) - a.block, (a.batch,))
        return (torch.stack([d[i:i + a.block] for i in ix]).to(a.device),
                torch.stack([d[i + 1:i + 1 + a.block] for i in ix]).to(a.device))

    model = GPT(len(chars), a).to(a.device)
    if a.precision == "tf32":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True

    def autocast():
        if a.precision == "bf16":
            return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
        return contextlib.nullcontext()
    sync = torch.cuda.synchronize if a.device.startswith("cuda") else (lambda: None)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.99))

    def lr_at(it):
        if it < a.warmup:
            return a.lr * (it + 1) / (a.warmup + 1)
        r = min(1.0, (it - a.warmup) / max(1, a.iters - a.warmup))
        return a.min_lr + 0.5 * (1.0 + math.cos(math.pi * r)) * (a.lr - a.min_lr)

    @torch.no_grad()
    def evaluate():
        model.eval()
        out = {}
        for name in ("train", "val"):
            with autocast():
                out[name] = sum(model(*batch(name)).item() for _ in range(a.eval_iters)) / a.eval_iters
        model.train()
        return out

    best, times = float("inf"), []
    t_start = time.time()
    for it in range(a.iters + 1):
        if it % a.eval_every == 0 or it == a.iters:
            l = evaluate()
            best = min(best, l["val"])
            print(json.dumps({"iter": it, "train_loss": round(l["train"], 4), "val_loss": round(l["val"], 4)}), flush=True)
        if it == a.iters:
            break
        for g in opt.param_groups:
            g["lr"] = lr_at(it)
        t0 = time.perf_counter()
        with autocast():
            loss = model(*batch("train"))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sync()
        times.append(time.perf_counter() - t0)
    wall = time.time() - t_start
    med = statistics.median(times[10:] or times)
    print(json.dumps({"summary": True, "impl": "pytorch-" + torch.__version__, "threads": torch.get_num_threads(),
                      "wall_s": round(wall, 2), "median_ms_per_iter": round(med * 1e3, 2),
                      "tokens_per_s": round(a.batch * a.block / med), "best_val_loss": round(best, 4),
                      "precision": a.precision, "flash_attention": a.flash_attention}))


if __name__ == "__main__":
    main()
