// SoftmaxGrad: dx[r,j] = y[r,j] * (dy[r,j] - Σ_k dy[r,k]*y[r,k]).
// One workgroup of 64 per row. In place (dx is dy): main_in_place.
struct Params {
    rows: u32,
    cols: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> y: array<f32>;

var<workgroup> red: array<f32, 64>;

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
    var s = 0.0;
    for (var j = t; j < p.cols; j += 64u) {
        s += dy[base + j] * y[base + j];
    }
    let dot = row_sum(t, s);
    for (var j = t; j < p.cols; j += 64u) {
        dx[base + j] = y[base + j] * (dy[base + j] - dot);
    }
}

// main_in_place is main with dy the very range of dx, left unbound.
@compute @workgroup_size(64)
fn main_in_place(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
    let row = flat_group(wid, nwg);
    if (row >= p.rows) {
        return;
    }
    let base = row * p.cols;
    var s = 0.0;
    for (var j = t; j < p.cols; j += 64u) {
        s += dx[base + j] * y[base + j];
    }
    let dot = row_sum(t, s);
    for (var j = t; j < p.cols; j += 64u) {
        dx[base + j] = y[base + j] * (dx[base + j] - dot);
    }
}
