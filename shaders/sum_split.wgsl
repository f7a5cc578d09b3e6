// SumSplit: the second half of a split-k MatMul (see matmul.wgsl): for
// i < total, s = (acc ? c[i] : 0) + Σ_{q < split} part[q*total + i], adding
// the chunks in k order, then
//   c[i] = act(s + (has_bias ? bias[i % n] : 0))   (MatMul, MatMulBiasAct), or
//   c[i] = s * act'(bias[i]) with act_grad, bias holding the activation's
//          output                                (MatMulActGrad) Entries from c_len on (WeightGrads' row of ones, the
// bias gradient) go to db[i - c_len] instead.
struct Params {
    total: u32,
    split: u32,
    acc: u32,
    n: u32,
    has_bias: u32,
    act: u32,
    c_len: u32,
    act_grad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> c: array<f32>;
@group(0) @binding(2) var<storage, read> part: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> db: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wid, nwg, lid);
    if (i >= p.total) {
        return;
    }
    var s = 0.0;
    for (var q = 0u; q < p.split; q++) {
        s += part[q * p.total + i];
    }
    if (i >= p.c_len) {
        let j = i - p.c_len;
        if (p.acc != 0u) {
            s += db[j];
        }
        db[j] = s;
        return;
    }
    if (p.acc != 0u) {
        s += c[i];
    }
    if (p.act_grad != 0u) {
        c[i] = activation_grad(p.act, s, bias[i]);
        return;
    }
    if (p.has_bias != 0u) {
        s += bias[i % p.n];
    }
    c[i] = activation(p.act, s);
}
