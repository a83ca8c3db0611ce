#!/usr/bin/python3
"""Writes lib/nn's golden test values, computed by PyTorch, to testdata/golden/*.json.

Run it from anywhere with Debian's PyTorch (python3-torch):

    /usr/bin/python3 lib/nn/testdata/gen_golden.py

For every case it stores the float32 inputs, the forward output, random weights W of the output's
shape and the gradient of L = sum(W * output) with respect to every input (what
output.backward(W) gives). golden_test.go runs the same computation with lib/nn and compares within
a stated tolerance; the tests only read the committed JSON, so CI needs no PyTorch.

Each case name is the key golden_test.go uses to find the Go version of the computation. Inputs are
drawn away from the kinks of non-smooth functions (ReLU, abs, clamp) so both sides take the same
branch; one case ('amax_ties') has ties on purpose, to pin down how the gradient is shared.
"""

import json
import os

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")

CASES = []


def case(name, shapes, kind="normal", ints=None, grads=True):
    """Registers a case: fn(*inputs) -> output; kind picks how inputs are drawn."""

    def register(fn):
        CASES.append(dict(name=name, shapes=shapes, kind=kind, ints=ints, grads=grads, fn=fn))
        return fn

    return register


def draw(gen, shape, kind):
    if kind == "normal":
        return torch.randn(shape, generator=gen)
    if kind == "positive":
        return torch.rand(shape, generator=gen) * 1.5 + 0.5
    if kind == "nonzero":
        mag = torch.rand(shape, generator=gen) * 1.5 + 0.5
        sign = torch.randint(0, 2, shape, generator=gen).float() * 2 - 1
        return mag * sign
    if kind == "away":  # at least 0.05 from 0 (and from 0.3, the ClampMin point)
        x = torch.randn(shape, generator=gen)
        x = torch.where((x - 0.3).abs() < 0.05, x + 0.2, x)
        return torch.where(x.abs() < 0.05, x.sign() * 0.05 + x, x)
    if kind == "distinct":
        n = 1
        for d in shape:
            n *= d
        v = torch.arange(n, dtype=torch.float32) * 0.1 - 0.05 * n
        return v[torch.randperm(n, generator=gen)].reshape(shape)
    if kind == "prob":
        return torch.rand(shape, generator=gen) * 0.9 + 0.05
    if kind == "ties":
        return torch.randint(0, 3, shape, generator=gen).float()
    if kind == "large":
        return torch.randn(shape, generator=gen) * 100
    raise ValueError(kind)


# Elementwise with broadcasting.
case("add_broadcast", [[3, 1, 4], [5, 4]])(lambda a, b: a + b)
case("sub_broadcast", [[3, 1], [1, 5]])(lambda a, b: a - b)
case("mul_broadcast", [[2, 3, 5], [3, 1]])(lambda a, b: a * b)
case("div_broadcast", [[3, 5], [5]], kind=["normal", "nonzero"])(lambda a, b: a / b)
case("add_scalar", [[3, 4]])(lambda a: a + 2.5)
case("mul_scalar", [[3, 4]])(lambda a: a * -1.5)
case("pow3", [[3, 4]])(lambda a: a ** 3)
case("pow_half", [[3, 4]], kind="positive")(lambda a: a ** 0.5)
case("neg", [[3, 4]])(lambda a: -a)
case("exp", [[3, 4]])(torch.exp)
case("log", [[3, 4]], kind="positive")(torch.log)
case("sqrt", [[3, 4]], kind="positive")(torch.sqrt)
case("tanh", [[3, 4]])(torch.tanh)
case("sigmoid", [[3, 4]])(torch.sigmoid)
case("relu", [[3, 7]], kind="away")(torch.relu)
case("gelu", [[3, 7]])(lambda a: F.gelu(a))  # the exact erf form
case("abs", [[3, 4]], kind="away")(torch.abs)
case("clamp_min", [[3, 7]], kind="away")(lambda a: torch.clamp(a, min=0.3))

# Reductions.
case("sum_all", [[3, 4]])(lambda a: a.sum())
case("sum_keep_0_2", [[2, 3, 4]])(lambda a: a.sum(dim=(0, 2), keepdim=True))
case("mean_1", [[2, 3, 4]])(lambda a: a.mean(dim=1))
case("mean_keep_last", [[2, 3, 4]])(lambda a: a.mean(dim=-1, keepdim=True))
case("amax_0_2", [[3, 2, 4]], kind="distinct")(lambda a: a.amax(dim=(0, 2)))
case("amax_all", [[3, 4]], kind="distinct")(lambda a: a.amax())
case("amax_ties", [[4, 6]], kind="ties")(lambda a: a.amax(dim=1, keepdim=True))
case("argmax_1", [[3, 5]], kind="distinct", grads=False)(lambda a: a.argmax(dim=1).float())

# Shapes.
case("reshape", [[2, 3, 4]])(lambda a: a.reshape(4, 6) * a.reshape(4, 6))
case("permute", [[2, 3, 4]])(lambda a: a.permute(2, 0, 1))
case("transpose", [[2, 3, 4]])(lambda a: a.transpose(0, 2))
case("slice", [[3, 7]])(lambda a: a[:, 2:5])
case("index", [[3, 3, 2]])(lambda a: a[:, -1] + a[1])
case("concat", [[3, 1], [3, 4]])(lambda a, b: torch.cat([a, b, a], dim=1))
case("stack", [[3, 4], [3, 4]])(lambda a, b: torch.stack([a, b], dim=1))
case("split", [[3, 7]])(lambda a: torch.cat([p for p in reversed(torch.split(a, [2, 1, 4], dim=1))], dim=1))
case("broadcast_to", [[3, 1]])(lambda a: a.broadcast_to(2, 3, 4))

# Matrix products.
case("matmul_2d", [[3, 4], [4, 5]])(torch.matmul)
case("matmul_batched", [[2, 3, 4], [2, 4, 5]])(torch.matmul)
case("matmul_broadcast", [[2, 1, 3, 4], [3, 4, 2]])(torch.matmul)
case("matmul_shared_a", [[3, 4], [2, 4, 5]])(torch.matmul)
case("matmul_shared_b", [[2, 3, 4], [4, 5]])(torch.matmul)
case("matmul_self", [[3, 4]])(lambda a: a @ a.T)

# Softmax family.
case("softmax_last", [[3, 5]])(lambda a: torch.softmax(a, dim=-1))
case("softmax_axis0", [[3, 2, 4]])(lambda a: torch.softmax(a, dim=0))
case("softmax_large", [[3, 5]], kind="large")(lambda a: torch.softmax(a, dim=-1))
case("log_softmax_axis1", [[2, 5, 3]])(lambda a: torch.log_softmax(a, dim=1))
case("log_softmax_large", [[3, 5]], kind="large")(lambda a: torch.log_softmax(a, dim=-1))

# Losses.
case("cross_entropy", [[4, 5]], ints=[1, 0, 4, 2])(lambda a: F.cross_entropy(a, torch.tensor([1, 0, 4, 2])))
case("cross_entropy_3d", [[2, 3, 5]], ints=[1, 4, 0, 0, 2, 3])(
    lambda a: F.cross_entropy(a.reshape(-1, 5), torch.tensor([1, 4, 0, 0, 2, 3])))
case("cross_entropy_ignore", [[4, 5]], ints=[1, -1, 4, -1])(
    lambda a: F.cross_entropy(a, torch.tensor([1, -1, 4, -1]), ignore_index=-1))
case("cross_entropy_large", [[3, 5]], kind="large", ints=[0, 3, 4])(lambda a: F.cross_entropy(a, torch.tensor([0, 3, 4])))
case("mse", [[3, 4], [3, 4]])(F.mse_loss)
case("binary_cross_entropy", [[3, 4], [3, 4]], kind="prob")(F.binary_cross_entropy)
case("bce_with_logits", [[3, 4], [3, 4]], kind=["normal", "prob"])(F.binary_cross_entropy_with_logits)

# Normalisation, lookup, masking.
case("layer_norm", [[3, 5], [5], [5]])(lambda x, g, b: F.layer_norm(x, (5,), g, b, eps=1e-5))
case("layer_norm_plain", [[2, 3, 6]])(lambda x: F.layer_norm(x, (6,), eps=1e-5))
case("embedding", [[5, 3]], ints=[1, 4, 1, 0, 1])(lambda t: F.embedding(torch.tensor([1, 4, 1, 0, 1]), t))
case("masked_softmax", [[2, 4, 4]])(
    lambda a: torch.softmax(a.masked_fill(torch.triu(torch.ones(4, 4), 1).bool(), float("-inf")), dim=-1))


@case("attention", [[2, 4, 6], [6, 6], [6, 6], [6, 6]])
def attention(x, wq, wk, wv):
    q, k, v = x @ wq, x @ wk, x @ wv
    s = (q @ k.transpose(1, 2)) / 6 ** 0.5
    s = s.masked_fill(torch.triu(torch.ones(4, 4), 1).bool(), float("-inf"))
    return torch.softmax(s, dim=-1) @ v


@case("mlp_loss", [[4, 5], [5, 7], [7], [7, 3]], ints=[2, 0, 1, 2])
def mlp_loss(x, w1, b1, w2):
    return F.cross_entropy(F.gelu(x @ w1 + b1) @ w2, torch.tensor([2, 0, 1, 2]))


def string_cases():
    """Tensors whose str() lib/nn's String must reproduce (without its " shape=..." suffix)."""
    g = torch.Generator().manual_seed(7)
    ts = [
        torch.tensor([[1., 2., 3.], [4., 5., 6.]]),
        torch.tensor([1.5, -2., 3.25]),
        torch.arange(8.).reshape(2, 2, 2),
        torch.tensor(3.5),
        torch.tensor([1., float("nan"), float("-inf"), float("inf")]),
        torch.tensor([1e-6, 2., float("-inf")]),
        torch.tensor([0.001, 5.]),
        torch.tensor([0.01, 5.]),
        torch.tensor([1e8, 0.]),
        torch.tensor([1., 2000.]),
        torch.tensor([-0., 1.]),
        torch.tensor([123.456, 0.5]),
        torch.randn(3, 4, generator=g),
        torch.randn(2, 3, 2, generator=g) * 1000,
        torch.arange(1000., 3000.).reshape(40, 50),
        torch.zeros(1001),
        torch.arange(1001.) / 1000,
        torch.cat([torch.ones(3), torch.full((995,), 12345.5), torch.ones(3) * 2]),  # hidden values do not count
        torch.arange(30.).reshape(3, 10, 1).expand(3, 10, 40) * 0.5,
    ]
    return [{"shape": list(t.shape), "data": values(t), "str": str(t)} for t in ts]


def values(t):
    """The values as JSON numbers (9 significant digits round-trip float32); NaN and ±Inf as strings."""
    out = []
    for v in t.detach().reshape(-1).tolist():
        if v != v:
            out.append("nan")
        elif v in (float("inf"), float("-inf")):
            out.append("inf" if v > 0 else "-inf")
        else:
            out.append(float("%.9g" % v))
    return out


def tensor_json(t):
    return {"shape": list(t.shape), "data": values(t)}


def main():
    os.makedirs(OUT, exist_ok=True)
    out = []
    for i, c in enumerate(CASES):
        gen = torch.Generator().manual_seed(1000 + i)
        kinds = c["kind"] if isinstance(c["kind"], list) else [c["kind"]] * len(c["shapes"])
        xs = [draw(gen, s, k).float().requires_grad_(c["grads"]) for s, k in zip(c["shapes"], kinds)]
        y = c["fn"](*xs)
        rec = {"name": c["name"], "inputs": [tensor_json(x) for x in xs], "output": tensor_json(y)}
        if c["ints"] is not None:
            rec["ints"] = c["ints"]
        if c["grads"]:
            w = torch.randn(y.shape, generator=gen)
            y.backward(w)
            rec["weights"] = tensor_json(w)
            rec["grads"] = [tensor_json(x.grad) if x.grad is not None else None for x in xs]
        out.append(rec)
    path = os.path.join(OUT, "ops.json")
    with open(path, "w") as f:
        json.dump({"generator": "lib/nn/testdata/gen_golden.py", "torch": torch.__version__, "cases": out,
                   "strings": string_cases()},
                  f, separators=(",", ":"))
        f.write("\n")
    print("wrote %d cases to %s (%d bytes)" % (len(out), path, os.path.getsize(path)))


if __name__ == "__main__":
    main()
