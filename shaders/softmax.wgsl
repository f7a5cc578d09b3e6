// Softmax, row-wise over cols, max-subtracted:
//   y[r,j] = exp(x[r,j] - max_k x[r,k]) / Σ_k exp(x[r,k] - max)
// One workgroup of 64 per row; y may be x (each invocation reads x[j] before
// writing y[j], and the max is known before any write).
struct Params {
    rows: u32,
    cols: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;

var<workgroup> red: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
    let row = flat_group(wid, nwg);
    if (row >= p.rows) {
        return;
    }
    let base = row * p.cols;
    var m = x[base];
    for (var j = t; j < p.cols; j += 64u) {
        m = max(m, x[base + j]);
    }
    red[t] = m;
    workgroupBarrier();
    for (var h = 32u; h > 0u; h /= 2u) {
        if (t < h) {
            red[t] = max(red[t], red[t + h]);
        }
        workgroupBarrier();
    }
    m = red[0];
    workgroupBarrier();
    var s = 0.0;
    for (var j = t; j < p.cols; j += 64u) {
        let e = exp(x[base + j] - m);
        y[base + j] = e;
        s += e;
    }
    red[t] = s;
    workgroupBarrier();
    for (var h = 32u; h > 0u; h /= 2u) {
        if (t < h) {
            red[t] += red[t + h];
        }
        workgroupBarrier();
    }
    s = red[0];
    for (var j = t; j < p.cols; j += 64u) {
        y[base + j] = y[base + j] / s;
    }
}
