#!/usr/bin/python3
"""Writes nn/testdata/reference.json: forward outputs, losses, gradients and
optimizer steps computed by PyTorch (float64, autograd), for
nn/reference_test.go to compare with nnlab's pure-Go device in float64.

Run with Debian's python (apt install python3-torch python3-numpy):

    /usr/bin/python3 nn/testdata/gen_fixtures.py

The output is deterministic (fixed seeds) and committed, so the Go tests need no
Python. Tensors are channels last (N, H, W, C) and kernels in Keras's layout
((in, units) for Dense, (kh, kw, in, filters) for Conv2D), as nnlab stores them.

PyTorch computes the layers and the gradients. Where Keras's semantics differ
from PyTorch's, this script computes Keras's formula itself and says so:
  - "same" padding: TensorFlow's rule (pad_total = max((out-1)*stride + k - in, 0),
    the smaller half at the top/left, the extra pixel at the bottom/right);
    PyTorch's padding="same" is symmetric and refuses stride 2. We pad
    explicitly with F.pad (-inf for max pooling, so that a window partly
    outside takes the maximum of its inside part, as TensorFlow does).
  - BatchNormalization: Keras normalizes with the batch's biased variance and
    updates moving = moving*momentum + batch*(1-momentum) with momentum 0.99,
    epsilon 1e-3, and the biased variance
    (keras/src/layers/normalization/batch_normalization.py: ops.moments, then
    moving_variance * momentum + variance * (1 - momentum)). PyTorch's
    BatchNorm uses momentum 0.1 the other way round and the unbiased variance
    for running_var, so the moving statistics are computed here in numpy.
  - Crossentropy on probabilities: Keras rescales each row to sum to one, then
    clips to [1e-7, 1-1e-7] (keras/src/backend/tensorflow/nn.py,
    categorical_crossentropy); written out here with torch ops.
  - Adam (keras/src/optimizers/adam.py update_step): m += (g-m)(1-b1),
    v += (g^2-v)(1-b2), w -= alpha*m/(sqrt(v)+eps) with
    alpha = lr*sqrt(1-b2^t)/(1-b1^t): epsilon is added to sqrt(v), not to
    sqrt(v_hat) as in torch.optim.Adam (Keras's "epsilon hat").
  - RMSprop (keras/src/optimizers/rmsprop.py): s = rho*s + (1-rho)*g^2,
    increment = lr*g/sqrt(s+eps) (epsilon inside the root; torch adds it
    outside), momentum: mom = momentum*mom + increment, w -= mom; rho 0.9,
    epsilon 1e-7, not centered.
  - SGD (keras/src/optimizers/sgd.py): v = momentum*v - lr*g, w += v, or with
    nesterov w += momentum*v - lr*g. With a constant learning rate this is
    torch.optim.SGD's update (v = -lr*buf); the script checks that the two agree.

Batch sizes are powers of two: nnlab hands the loss scale 1/n to the device as
float32 (gpu.Device.Loss), exact only for those; with n = 3 the float64 path
differs from PyTorch by about 3e-8 relative, far above these tests' tolerance.

Hyper-parameters reach nnlab's device as float32 (gpu.OptParams, the
BatchNormalization kernel's momentum and epsilon), so they are rounded to
float32 here too; inputs and initial weights are float32 values, as nnlab's
Data and weights are.
"""

import json
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def f32(v):
    """v rounded to float32, as a float64 (what nnlab's float32 parameters hold)."""
    return float(np.float32(v))


def rnd(rng, *shape, scale=1.0):
    return np.asarray(rng.standard_normal(shape) * scale, dtype=np.float32).astype(np.float64)


# ---- layers (NHWC), as Keras computes them ----

ACTS = {
    "linear": lambda z: z,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "softmax": lambda z: torch.softmax(z, dim=-1),
}


def same_pads(size, k, s):
    """TensorFlow's "same" padding: output ceil(size/s), the extra pixel after."""
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def pads(h, w, k, s, padding):
    if padding == "valid":
        return 0, 0, 0, 0
    t, b = same_pads(h, k[0], s[0])
    l, r = same_pads(w, k[1], s[1])
    return t, b, l, r


def conv2d(x, kern, bias, spec):
    t, b, l, r = pads(x.shape[1], x.shape[2], spec["kernel"], spec["strides"], spec["padding"])
    xc = F.pad(x.permute(0, 3, 1, 2), (l, r, t, b))
    y = F.conv2d(xc, kern.permute(3, 2, 0, 1), bias, stride=tuple(spec["strides"]))
    return y.permute(0, 2, 3, 1)


def maxpool(x, spec):
    t, b, l, r = pads(x.shape[1], x.shape[2], spec["pool"], spec["strides"], spec["padding"])
    xc = F.pad(x.permute(0, 3, 1, 2), (l, r, t, b), value=-np.inf)
    y = F.max_pool2d(xc, tuple(spec["pool"]), stride=tuple(spec["strides"]))
    return y.permute(0, 2, 3, 1)


BN_MOMENTUM, BN_EPS = f32(0.99), f32(1e-3)  # Keras's defaults, as float32


def forward(layers, params, x, training, bn_batch_stats):
    """Runs the layers; returns the output of each. bn_batch_stats collects the
    (mean, variance) of each BatchNormalization in training."""
    acts = []
    for spec, p in zip(layers, params):
        typ = spec["type"]
        if typ == "Dense":
            y = x @ p[0]
            if spec["use_bias"]:
                y = y + p[1]
            y = ACTS[spec["activation"]](y)
        elif typ == "Conv2D":
            y = ACTS[spec["activation"]](conv2d(x, p[0], p[1] if spec["use_bias"] else None, spec))
        elif typ == "MaxPooling2D":
            y = maxpool(x, spec)
        elif typ == "Flatten":
            y = x.reshape(x.shape[0], -1)
        elif typ == "Activation":
            y = ACTS[spec["activation"]](x)
        elif typ == "BatchNormalization":
            gamma, beta, mm, mv = p
            if training:
                axes = tuple(range(x.dim() - 1))
                mean = x.mean(dim=axes)
                var = ((x - mean) ** 2).mean(dim=axes)  # biased, as Keras's ops.moments
                bn_batch_stats.append((mean.detach().numpy(), var.detach().numpy()))
            else:
                mean, var = mm, mv
            y = gamma * (x - mean) / torch.sqrt(var + BN_EPS) + beta
        else:
            raise ValueError(typ)
        acts.append(y)
        x = y
    return acts


EPS = 1e-7  # keras.backend.epsilon()


def loss_fn(kind, p, y):
    """Mean over the batch of the per-sample loss, as Keras computes it."""
    if kind == "mse":
        return ((p - y) ** 2).mean(dim=1).mean()
    if kind == "mae":
        return (p - y).abs().mean(dim=1).mean()
    if kind in ("sparse_cce_logits", "cce_logits"):
        logq = torch.log_softmax(p, dim=1)
    else:
        q = p / p.sum(dim=1, keepdim=True)
        logq = torch.log(q.clamp(EPS, 1 - EPS))
    if kind.startswith("sparse"):
        lab = y.long()
        return -logq[torch.arange(p.shape[0]), lab].mean()
    return -(y * logq).sum(dim=1).mean()


def correct(kind, p, y):
    if kind in ("mse", "mae"):
        return None
    pred = p.argmax(dim=1)
    lab = y.long() if kind.startswith("sparse") else y.argmax(dim=1)
    return int((pred == lab).sum())


# ---- optimizers: Keras's update_step formulas (see the module comment) ----

def keras_update(opt, w, g, state, step):
    kind = opt["name"]
    lr = opt["lr"]
    if kind == "sgd":
        mom = opt.get("momentum", 0.0)
        if mom == 0:
            return w - lr * g
        v = state.setdefault("v", np.zeros_like(w))
        v[...] = mom * v - lr * g
        if opt.get("nesterov"):
            return w + mom * v - lr * g
        return w + v
    if kind == "adam":
        b1, b2, eps = opt["beta_1"], opt["beta_2"], opt["epsilon"]
        m = state.setdefault("m", np.zeros_like(w))
        v = state.setdefault("v", np.zeros_like(w))
        alpha = lr * np.sqrt(1 - b2 ** step) / (1 - b1 ** step)
        m += (g - m) * (1 - b1)
        v += (g * g - v) * (1 - b2)
        return w - alpha * m / (np.sqrt(v) + eps)
    if kind == "rmsprop":
        rho, eps, mom = opt["rho"], opt["epsilon"], opt.get("momentum", 0.0)
        s = state.setdefault("s", np.zeros_like(w))
        s[...] = rho * s + (1 - rho) * g * g
        inc = lr * g / np.sqrt(s + eps)
        if mom > 0:
            mm = state.setdefault("mom", np.zeros_like(w))
            mm[...] = mom * mm + inc
            inc = mm
        return w - inc
    raise ValueError(kind)


def torch_sgd_check(opt, w0, grads):
    """torch.optim.SGD on the same gradients: equal to Keras's SGD."""
    p = torch.nn.Parameter(torch.tensor(w0))
    o = torch.optim.SGD([p], lr=opt["lr"], momentum=opt.get("momentum", 0.0), nesterov=opt.get("nesterov", False))
    for g in grads:
        o.zero_grad()
        p.grad = torch.tensor(g)
        o.step()
    return p.detach().numpy()


# ---- model specs ----

def dense(units, act="linear", use_bias=True):
    return {"type": "Dense", "units": units, "activation": act, "use_bias": use_bias}


def conv(filters, k, s=1, padding="valid", act="tanh", use_bias=True):
    k = list(k) if isinstance(k, (tuple, list)) else [k, k]
    return {"type": "Conv2D", "filters": filters, "kernel": k, "strides": [s, s], "padding": padding,
            "activation": act, "use_bias": use_bias}


def pool(k, s=None, padding="valid"):
    s = s or k
    return {"type": "MaxPooling2D", "pool": [k, k], "strides": [s, s], "padding": padding}


def flatten():
    return {"type": "Flatten"}


def bn():
    return {"type": "BatchNormalization", "momentum": BN_MOMENTUM, "epsilon": BN_EPS}
SGD01 = {"name": "sgd", "lr": f32(0.1)}


def out_shape(in_shape, layers):
    shape = list(in_shape)
    for spec in layers:
        t = spec["type"]
        if t == "Dense":
            shape[-1] = spec["units"]
        elif t in ("Conv2D", "MaxPooling2D"):
            k = spec.get("kernel") or spec["pool"]
            s = spec["strides"]
            if spec["padding"] == "same":
                h, w = -(-shape[0] // s[0]), -(-shape[1] // s[1])
            else:
                h, w = (shape[0] - k[0]) // s[0] + 1, (shape[1] - k[1]) // s[1] + 1
            shape = [h, w, spec["filters"] if t == "Conv2D" else shape[2]]
        elif t == "Flatten":
            shape = [int(np.prod(shape))]
        spec_out = list(shape)
        spec["_out"] = spec_out
    return shape


def init_params(rng, in_shape, layers):
    params = []
    shape = list(in_shape)
    for spec in layers:
        t = spec["type"]
        if t == "Dense":
            p = [rnd(rng, shape[-1], spec["units"], scale=0.6)]
            if spec["use_bias"]:
                p.append(rnd(rng, spec["units"], scale=0.3))
        elif t == "Conv2D":
            k = spec["kernel"]
            p = [rnd(rng, k[0], k[1], shape[-1], spec["filters"], scale=0.5)]
            if spec["use_bias"]:
                p.append(rnd(rng, spec["filters"], scale=0.3))
        elif t == "BatchNormalization":
            c = shape[-1]
            # gamma, beta near Keras's ones/zeros but not equal, so that
            # their gradients and roles are told apart; moving stats start
            # at Keras's zeros and ones.
            p = [np.float32(1 + rnd(rng, c, scale=0.2)).astype(np.float64), rnd(rng, c, scale=0.2), np.zeros(c), np.ones(c)]
        else:
            p = []
        params.append(p)
        shape = spec["_out"]
    return params


def targets(rng, kind, n, cols):
    if kind in ("mse", "mae"):
        return rnd(rng, n, cols)
    if kind.startswith("sparse"):
        return rng.integers(0, cols, n).astype(np.float64)
    t = np.abs(rnd(rng, n, cols)) + 0.1  # soft targets summing to one
    return np.asarray(t / t.sum(axis=1, keepdims=True), dtype=np.float32).astype(np.float64)


def flat(a):
    """Results, to 12 significant digits (the tests' tolerance is 1e-10 relative)."""
    return [float("%.12g" % v) for v in np.asarray(a, dtype=np.float64).ravel()]


def flat32(a):
    """Inputs and initial weights, float32 values in their shortest decimal form:
    the tests round what they read to float32, which gives back these values."""
    return [float(str(np.float32(v))) for v in np.asarray(a, dtype=np.float64).ravel()]


def make_case(name, in_shape, layers, loss, n, steps=1, opt=None, infer=False, seed=0, x_scale=1.0):
    rng = np.random.default_rng(seed)
    opt = opt or SGD01
    out = out_shape(in_shape, layers)
    params = init_params(rng, in_shape, layers)
    params0 = params
    case = {"name": name, "input": list(in_shape),
            "layers": [{k: v for k, v in s.items() if not k.startswith("_")} for s in layers],
            "loss": loss, "optimizer": opt, "weights": [[flat32(p) for p in ps] for ps in params], "steps": []}
    trainable = {"Dense": None, "Conv2D": None, "BatchNormalization": 2}
    states = {}
    grads_seen = []
    for step in range(1, steps + 1):
        x = rnd(rng, n, *in_shape, scale=x_scale)
        y = targets(rng, loss, n, out[-1])
        tp = [[torch.tensor(p, requires_grad=True) for p in ps] for ps in params]
        stats = []
        acts = forward(layers, tp, torch.tensor(x), True, stats)
        l = loss_fn(loss, acts[-1], torch.tensor(y))
        l.backward()
        grads, raw, new = [], [], []
        bn_i = 0
        for li, (spec, ps) in enumerate(zip(layers, tp)):
            nt = trainable.get(spec["type"], 0)
            nt = len(ps) if nt is None else nt
            gl = [p.grad.numpy().copy() for p in ps[:nt]]
            grads.append([flat(g) for g in gl])
            raw.append(gl)
            upd = []
            for pi, (p, g) in enumerate(zip(params[li][:nt], gl)):
                upd.append(keras_update(opt, p.copy(), g, states.setdefault((li, pi), {}), step))
            if spec["type"] == "BatchNormalization":
                mean, var = stats[bn_i]
                bn_i += 1
                mm, mv = params[li][2], params[li][3]
                upd += [mm * BN_MOMENTUM + mean * (1 - BN_MOMENTUM), mv * BN_MOMENTUM + var * (1 - BN_MOMENTUM)]
            new.append(upd)
        grads_seen.append(raw)
        params = new
        case["steps"].append({
            "x": flat32(x), "y": flat32(y), "n": n,
            "acts": [flat(a.detach().numpy()) for a in acts],
            "loss": float(l), "correct": correct(loss, acts[-1], torch.tensor(y)),
            "grads": grads, "after": [[flat(p) for p in ps] for ps in params],
        })
    if opt["name"] == "sgd":
        # Keras's SGD is torch.optim.SGD with a constant learning rate.
        w0 = [[np.ravel(p) for p in ps] for ps in params0]
        for li, ps in enumerate(params):
            for pi in range(len(grads_seen[0][li])):
                gs = [g[li][pi].ravel() for g in grads_seen]
                want = torch_sgd_check(opt, w0[li][pi], gs)
                assert np.allclose(want, np.ravel(ps[pi]), rtol=1e-13, atol=1e-15), (name, li, pi, np.abs(want - np.ravel(ps[pi])).max(), want[:3], np.ravel(ps[pi])[:3])
    if infer:
        x = rnd(rng, n, *in_shape, scale=x_scale)
        tp = [[torch.tensor(p) for p in ps] for ps in params]
        acts = forward(layers, tp, torch.tensor(x), False, [])
        case["infer"] = {"x": flat32(x), "n": n, "out": flat(acts[-1].numpy())}
    return case


def cases():
    cs = []
    # Dense with each activation nnlab has, followed by a Dense (whose input
    # gradient folds in the activation's derivative), and without a bias.
    for i, act in enumerate(["linear", "relu", "sigmoid", "tanh", "softmax"]):
        cs.append(make_case("dense " + act, [5], [dense(6, act), dense(3)], "mse", 4, seed=10 + i))
    cs.append(make_case("dense without bias", [5], [dense(4, "tanh", use_bias=False), dense(2, use_bias=False)], "mse", 4, seed=16))
    # Conv2D: valid and same, stride 1 and 2, odd and even padding totals,
    # non-square inputs. A valid 2x2 convolution comes first so that the
    # tested one's input gradient (col2im) reaches a kernel gradient.
    convs = [
        ("conv valid s1 k3 on 7x9", [8, 10, 2], conv(3, 3)),
        ("conv same s1 k3 (pad 1+1) on 6x7", [7, 8, 2], conv(3, 3, padding="same")),
        ("conv same s1 k4 (pad 1+2) on 6x5", [7, 6, 2], conv(2, 4, padding="same")),
        ("conv same s1 k2x3 (pad 0+1, 1+1) on 5x6", [6, 7, 2], conv(3, (2, 3), padding="same")),
        ("conv same s2 k3 on 7x8 (pad 1+1, 0+1)", [8, 9, 2], conv(3, 3, s=2, padding="same")),
        ("conv same s2 k2 on 5x6 (pad 0+1, 0+0)", [6, 7, 1], conv(2, 2, s=2, padding="same")),
        ("conv same s2 k3 on 6x6 (pad 0+1)", [7, 7, 2], conv(2, 3, s=2, padding="same")),
        ("conv valid s2 k3 on 9x8", [10, 9, 1], conv(3, 3, s=2)),
        ("conv relu, no bias", [6, 6, 2], conv(3, 3, act="relu", use_bias=False)),
    ]
    for i, (name, shape, c) in enumerate(convs):
        cs.append(make_case(name, shape, [conv(2, 2), c, flatten(), dense(2)], "mse", 2, seed=30 + i))
    # MaxPooling2D valid, same and overlapping (3/2), after a convolution
    # (tanh: no ties among the maxima) whose kernel gradient goes through
    # the pool's backward.
    pools = [
        ("pool valid 2 on 6x8", [7, 9, 2], pool(2)),
        ("pool valid 2 on 7x7 (odd: last row and column dropped)", [8, 8, 2], pool(2)),
        ("pool same 2 on 5x7", [6, 8, 2], pool(2, padding="same")),
        ("pool overlapping 3/2 valid on 7x8", [8, 9, 2], pool(3, 2)),
        ("pool overlapping 3/2 same on 6x7", [7, 8, 2], pool(3, 2, padding="same")),
    ]
    for i, (name, shape, p) in enumerate(pools):
        cs.append(make_case(name, shape, [conv(3, 2), p, flatten(), dense(2)], "mse", 2, seed=50 + i))
    # BatchNormalization: several training steps (the moving statistics and
    # the weights after each), then inference with the moving statistics.
    # Inputs far from mean 0, variance 1 so that the moving statistics move.
    cs.append(make_case("batchnorm first and after dense, 4 steps, inference", [4],
                        [bn(), dense(5, "relu"), bn(), dense(2)], "mse", 8, steps=4, infer=True, seed=70, x_scale=3.0))
    cs.append(make_case("batchnorm after conv (per channel), 3 steps, inference", [5, 5, 2],
                        [conv(3, 2), bn(), flatten(), dense(2)], "mse", 4, steps=3, infer=True, seed=71))
    # Softmax and every loss, with and without logits.
    losses = [
        ("loss mse", dense(3), "mse"),
        ("loss mae", dense(3), "mae"),
        ("loss sparse CE on softmax", dense(4, "softmax"), "sparse_cce"),
        ("loss sparse CE from logits", dense(4), "sparse_cce_logits"),
        ("loss categorical CE on softmax", dense(4, "softmax"), "cce"),
        ("loss categorical CE from logits", dense(4), "cce_logits"),
        ("loss categorical CE on sigmoid (rows rescaled to sum one)", dense(4, "sigmoid"), "cce"),
    ]
    for i, (name, last, loss) in enumerate(losses):
        cs.append(make_case(name, [5], [dense(6, "tanh"), last], loss, 8, seed=80 + i))
    # Activation layers (keras.layers.Activation), softmax among them.
    cs.append(make_case("activation layers tanh and softmax, categorical CE", [5],
                        [dense(6), {"type": "Activation", "activation": "tanh"}, dense(4),
                         {"type": "Activation", "activation": "softmax"}], "cce", 8, seed=88))
    # Optimizers: several steps of Keras's update on a small network.
    opts = [
        ("adam (Keras defaults)", {"name": "adam", "lr": f32(1e-3), "beta_1": f32(0.9), "beta_2": f32(0.999), "epsilon": f32(1e-7)}),
        ("adam lr 0.05, epsilon 0.1 (epsilon's placement shows)", {"name": "adam", "lr": f32(0.05), "beta_1": f32(0.9), "beta_2": f32(0.999), "epsilon": f32(0.1)}),
        ("rmsprop (Keras defaults)", {"name": "rmsprop", "lr": f32(1e-3), "rho": f32(0.9), "epsilon": f32(1e-7)}),
        ("rmsprop momentum 0.5, epsilon 0.01", {"name": "rmsprop", "lr": f32(0.01), "rho": f32(0.9), "epsilon": f32(0.01), "momentum": f32(0.5)}),
        ("sgd", {"name": "sgd", "lr": f32(0.05)}),
        ("sgd momentum 0.9", {"name": "sgd", "lr": f32(0.05), "momentum": f32(0.9)}),
        ("sgd nesterov momentum 0.9", {"name": "sgd", "lr": f32(0.05), "momentum": f32(0.9), "nesterov": True}),
    ]
    for i, (name, o) in enumerate(opts):
        cs.append(make_case("optimizer " + name + ", 4 steps", [4], [dense(5, "tanh"), dense(2)], "mse", 4, steps=4, opt=o, seed=90 + i))
    return cs


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.json")
    doc = {"generator": "nn/testdata/gen_fixtures.py", "torch": torch.__version__, "numpy": np.__version__,
           "cases": cases()}
    with open(out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(out, os.path.getsize(out), "bytes,", len(doc["cases"]), "cases")


if __name__ == "__main__":
    main()
