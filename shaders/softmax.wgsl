// Softmax, row-wise over cols, max-subtracted:
//   y[r,j] = exp(x[r,j] - max_k x[r,k]) / Σ_k exp(x[r,k] - max)
// One workgroup of 64 per row. In place (y is x): main_in_place, which can
// run over y alone because each invocation reads x[j] before writing y[j],
// and the max is known before any write.
struct Params {
    rows: u32,
    cols: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;

var<workgroup> red: array<f32, 64>;

// row_max returns the maximum of the 64 invocations' v.
fn row_max(t: u32, v: f32) -> f32 {
    red[t] = v;
    workgroupBarrier();
    for (var h = 32u; h > 0u; h /= 2u) {
        if (t < h) {
            red[t] = max(red[t], red[t + h]);
        }
        workgroupBarrier();
    }
    let m = red[0];
    workgroupBarrier();
    return m;
}

// row_sum returns the sum of the 64 invocations' v.
fn row_sum(t: u32, v: f32) -> f32 {
    red[t] = v;
    workgroupBarrier();
    for (var h = 32u; h > 0u; h /= 2u) {
        if (t < h) {
            red[t] += red[t + h];
        }
        workgroupBarrier();
    }
    return red[0];
}

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
    m = row_max(t, m);
    var s = 0.0;
    for (var j = t; j < p.cols; j += 64u) {
        let e = exp(x[base + j] - m);
        y[base + j] = e;
        s += e;
    }
    s = row_sum(t, s);
    for (var j = t; j < p.cols; j += 64u) {
        y[base + j] = y[base + j] / s;
    }
}

// main_in_place is main with x the very range of y, left unbound.
@compute @workgroup_size(64)
fn main_in_place(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
    let row = flat_group(wid, nwg);
    if (row >= p.rows) {
        return;
    }
    let base = row * p.cols;
    var m = y[base];
    for (var j = t; j < p.cols; j += 64u) {
        m = max(m, y[base + j]);
    }
    m = row_max(t, m);
    var s = 0.0;
    for (var j = t; j < p.cols; j += 64u) {
        let e = exp(y[base + j] - m);
        y[base + j] = e;
        s += e;
    }
    s = row_sum(t, s);
    for (var j = t; j < p.cols; j += 64u) {
        y[base + j] = y[base + j] / s;
    }
}
