// SoftmaxGrad: dx[r,j] = y[r,j] * (dy[r,j] - Σ_k dy[r,k]*y[r,k]). dx may be dy.
// One workgroup of 64 per row.
struct Params {
    rows: u32,
    cols: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> y: array<f32>;

var<workgroup> red: array<f32, 64>;

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
    red[t] = s;
    workgroupBarrier();
    for (var h = 32u; h > 0u; h /= 2u) {
        if (t < h) {
            red[t] += red[t + h];
        }
        workgroupBarrier();
    }
    let dot = red[0];
    for (var j = t; j < p.cols; j += 64u) {
        dx[base + j] = y[base + j] * (dy[base + j] - dot);
    }
}
