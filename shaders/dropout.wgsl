// Dropout and DropoutGrad: y[i] = keep(seed, i) ? x[i]*scale : 0 with
// scale = 1/(1-rate), the mask drawn from the same counter-based generator as
// gpu.DropoutKeep, so every device draws the same mask. In place (y is x):
// main_in_place. For
// DropoutGrad, y is then multiplied by the derivative of activation act at
// z, the previous layer's output (its activation folded in; linear: none).
struct Params {
    n: u32,
    seed: u32,
    rate: f32,
    scale: f32,
    act: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> z: array<f32>;

// hash32 is Chris Wellons' "lowbias32", in wrapping u32 arithmetic (gpu.hash32).
fn hash32(v: u32) -> u32 {
    var h = v;
    h ^= h >> 16u;
    h *= 0x7feb352du;
    h ^= h >> 15u;
    h *= 0x846ca68bu;
    h ^= h >> 16u;
    return h;
}

// dropped returns element i of the result for input xi.
fn dropped(i: u32, xi: f32) -> f32 {
    let h = hash32(i ^ hash32(p.seed));
    // 24 bits make a float32 in [0, 1) exactly.
    let keep = f32(h >> 8u) * (1.0 / 16777216.0) >= p.rate;
    var v = 0.0;
    if (keep) {
        v = xi * p.scale;
        if (p.act != ACT_LINEAR) {
            v = activation_grad(p.act, v, z[i]);
        }
    }
    return v;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wid, nwg, lid);
    if (i < p.n) {
        y[i] = dropped(i, x[i]);
    }
}

// main_in_place is main with x the very range of y, left unbound.
@compute @workgroup_size(256)
fn main_in_place(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wid, nwg, lid);
    if (i < p.n) {
        y[i] = dropped(i, y[i]);
    }
}
