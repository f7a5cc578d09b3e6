"""Checks a .keras file against Keras 3's layout with h5py and numpy alone.

    python3 keras_layout.py MODEL.keras INPUTS.json [OUT.keras]

It reads the zip as keras.saving.saving_lib does, derives from config.json
alone (its own shape rules, not nnlab's) the variables every layer must
have at layers/<path>/vars/<i> in model.weights.h5 and their shapes (the
path is the layer's class in snake case, counted per class in the order of
model.layers, as saving_lib's _save_container_state names it), checks
the file holds exactly those (plus the model's own empty "vars"), then runs
the model forward in numpy over INPUTS.json ({"shape": [...], "data":
[...]}) and prints {"shape": [...], "data": [...]} for the caller
(modelfile's TestH5pyReadsKeras) to compare with nnlab's predictions.
Exit status 1 with a message on stderr when anything is off.

With OUT.keras it also writes the same model as Keras's saving_lib would
(h5py's default format: symbol-table groups, version 1 object headers), so
that nnlab's reader is tested on a file libhdf5 wrote.
"""
import io
import json
import re
import sys
import zipfile

import h5py
import numpy as np


def fail(msg):
    print("keras_layout.py: " + msg, file=sys.stderr)
    sys.exit(1)


def snake(name):
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def layer_paths(layers):
    """saving_lib's names for model.layers: dense, dense_1, ... by class."""
    used, paths = {}, {}
    for l in layers:
        name = snake(l["class_name"])
        if name in used:
            used[name] += 1
            name = "%s_%d" % (name, used[name])
        else:
            used[name] = 0
        paths[l["name"]] = "layers/" + name
    return paths


def pair(v):
    return tuple(v) if isinstance(v, (list, tuple)) else (v, v)


def out_size(n, k, s, padding):
    if padding == "same":
        return -(-n // s)
    return (n - k) // s + 1


def main(path, inputs_path, out_path=None):
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        for need in ("config.json", "metadata.json", "model.weights.h5"):
            if need not in names:
                fail("the zip lacks %s (it has %s)" % (need, sorted(names)))
        config = json.loads(z.read("config.json"))
        json.loads(z.read("metadata.json"))["keras_version"]
        h5 = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")

    if config["class_name"] != "Functional" or config.get("module") != "keras.src.models.functional":
        fail("config.json: a Functional model is expected, got %s" % config["class_name"])
    layers = config["config"]["layers"]
    if layers[0]["class_name"] != "InputLayer":
        fail("the first layer is not an InputLayer")
    shape = tuple(layers[0]["config"]["batch_shape"][1:])
    paths = layer_paths(layers)

    # The variables each layer must have, from its config and input shape.
    expected = {}
    prev = layers[0]["name"]
    for l in layers[1:]:
        cls, c = l["class_name"], l["config"]
        hist = l["inbound_nodes"][0]["args"][0]["config"]["keras_history"]
        if hist[0] != prev:
            fail("layer %s is called on %s, not %s" % (l["name"], hist[0], prev))
        prev = l["name"]
        if cls == "Dense":
            v = [(shape[-1], c["units"])] + ([(c["units"],)] if c["use_bias"] else [])
            shape = shape[:-1] + (c["units"],)
        elif cls == "Conv2D":
            kh, kw = pair(c["kernel_size"])
            sh, sw = pair(c["strides"])
            v = [(kh, kw, shape[2], c["filters"])] + ([(c["filters"],)] if c["use_bias"] else [])
            shape = (out_size(shape[0], kh, sh, c["padding"]), out_size(shape[1], kw, sw, c["padding"]), c["filters"])
        elif cls == "MaxPooling2D":
            ph, pw = pair(c["pool_size"])
            sh, sw = pair(c["strides"] or c["pool_size"])
            v = []
            shape = (out_size(shape[0], ph, sh, c["padding"]), out_size(shape[1], pw, sw, c["padding"]), shape[2])
        elif cls == "BatchNormalization":
            v = [(shape[-1],)] * 4  # gamma, beta, moving_mean, moving_variance
        elif cls == "Flatten":
            v = []
            shape = (int(np.prod(shape)),)
        elif cls in ("Dropout", "Activation"):
            v = []
        else:
            fail("layer class %s is not checked here" % cls)
        expected[paths[l["name"]] + "/vars"] = v
    expected[paths[layers[0]["name"]] + "/vars"] = []
    expected["vars"] = []

    found = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            grp, idx = name.rsplit("/", 1)
            found.setdefault(grp, {})[idx] = obj
        elif name.endswith("vars") or name == "vars":
            found.setdefault(name, {})

    h5.visititems(visit)
    for grp, shapes in expected.items():
        got = found.pop(grp, None)
        if got is None:
            fail("model.weights.h5 has no group %s" % grp)
        if sorted(got) != [str(i) for i in range(len(shapes))]:
            fail("%s holds %s, Keras expects %d variables named 0..%d" % (grp, sorted(got), len(shapes), len(shapes) - 1))
        for i, s in enumerate(shapes):
            d = got[str(i)]
            if d.shape != tuple(s) or d.dtype != np.float32:
                fail("%s/%d is %s %s, Keras expects float32 %s" % (grp, i, d.dtype, d.shape, tuple(s)))
    if found:
        fail("model.weights.h5 has groups Keras would not read: %s" % sorted(found))

    # The forward pass (inference: Dropout passes through, batch
    # normalization uses the moving statistics).
    inp = json.load(open(inputs_path))
    x = np.asarray(inp["data"], dtype=np.float32).reshape(inp["shape"]).astype(np.float64)
    acts = {"linear": lambda a: a, "relu": lambda a: np.maximum(a, 0), "sigmoid": lambda a: 1 / (1 + np.exp(-a)),
            "tanh": np.tanh, "softmax": lambda a: np.exp(a - a.max(-1, keepdims=True)) / np.exp(a - a.max(-1, keepdims=True)).sum(-1, keepdims=True)}
    for l in layers[1:]:
        cls, c = l["class_name"], l["config"]
        w = [np.asarray(found_w, dtype=np.float64) for found_w in weights(h5, paths[l["name"]])]
        if cls == "Dense":
            x = x @ w[0] + (w[1] if c["use_bias"] else 0)
            x = acts[c["activation"]](x)
        elif cls == "Conv2D":
            x = conv2d(x, w[0], pair(c["strides"]), c["padding"]) + (w[1] if c["use_bias"] else 0)
            x = acts[c["activation"]](x)
        elif cls == "MaxPooling2D":
            x = maxpool(x, pair(c["pool_size"]), pair(c["strides"] or c["pool_size"]))
        elif cls == "BatchNormalization":
            gamma, beta, mean, var = w
            x = (x - mean) / np.sqrt(var + c["epsilon"]) * gamma + beta
        elif cls == "Flatten":
            x = x.reshape(x.shape[0], -1)
        elif cls == "Activation":
            x = acts[c["activation"]](x)
    print(json.dumps({"shape": list(x.shape), "data": [float(v) for v in x.reshape(-1)]}))
    if out_path:
        rewrite(h5, config, out_path)


def rewrite(h5, config, out_path):
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        # saving_lib's H5IOStore: create_group(path).create_group("vars"),
        # then one dataset per variable, in the order Keras visits them.
        f.create_group("vars")
        paths = layer_paths(config["config"]["layers"])
        for l in config["config"]["layers"]:
            g = f.create_group(paths[l["name"]]).create_group("vars")
            for i, v in enumerate(weights(h5, paths[l["name"]])):
                g.create_dataset(str(i), data=v)
        # What a compiled, trained Keras model adds: the optimizer's
        # variables (an int64 iteration count, the learning rate, Adam's
        # moments) and an attribute, none of which nnlab reads.
        opt = f.create_group("optimizer").create_group("vars")
        opt.create_dataset("0", data=np.int64(42))
        opt.create_dataset("1", data=np.float32(0.001))
        all_w = [w for l in config["config"]["layers"] for w in weights(h5, paths[l["name"]])]
        for i, w in enumerate(all_w + all_w):
            opt.create_dataset(str(i + 2), data=np.zeros_like(w))
        opt["0"].attrs["note"] = "iterations"
    with zipfile.ZipFile(out_path, "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.6.0", "date_saved": "2024-01-01@00:00:00"}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", buf.getvalue())


def weights(h5, path):
    g = h5[path + "/vars"]
    return [g[str(i)][()] for i in range(len(g))]


def conv2d(x, k, strides, padding):
    n, h, w, c = x.shape
    kh, kw, _, f = k.shape
    sh, sw = strides
    if padding == "same":
        oh, ow = -(-h // sh), -(-w // sw)
        ph, pw = max((oh - 1) * sh + kh - h, 0), max((ow - 1) * sw + kw - w, 0)
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    else:
        oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    out = np.zeros((n, oh, ow, f))
    for i in range(kh):
        for j in range(kw):
            patch = x[:, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw, :]
            out += patch @ k[i, j]
    return out


def maxpool(x, pool, strides):
    n, h, w, c = x.shape
    (ph, pw), (sh, sw) = pool, strides
    oh, ow = (h - ph) // sh + 1, (w - pw) // sw + 1
    out = np.full((n, oh, ow, c), -np.inf)
    for i in range(ph):
        for j in range(pw):
            out = np.maximum(out, x[:, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw, :])
    return out


if __name__ == "__main__":
    main(*sys.argv[1:4])
