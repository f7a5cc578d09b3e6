// BatchNormStats: per-column batch mean and biased variance of x (rows, cols),
// and Keras's update of the moving statistics:
//   moving = moving*momentum + batch*(1-momentum)
// A workgroup of 256 reduces cpw columns with lanes = 256/cpw invocations
// per column, each taking every lanes-th row, then adding its lanes in a fixed
// tree (the result does not depend on timing): mean first, then Σ (x-mean)².
struct Params {
    rows: u32,
    cols: u32,
    cpw: u32,
    lanes: u32,
    momentum: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> mean: array<f32>;
@group(0) @binding(2) var<storage, read_write> variance: array<f32>;
@group(0) @binding(3) var<storage, read_write> mov_mean: array<f32>;
@group(0) @binding(4) var<storage, read_write> mov_var: array<f32>;
@group(0) @binding(5) var<storage, read> x: array<f32>;

var<workgroup> part: array<f32, 256>;

// reduce adds the lanes of each column; every invocation gets its column's sum.
fn reduce(t: u32, lane: u32, v: f32) -> f32 {
    part[t] = v;
    workgroupBarrier();
    for (var h = p.lanes / 2u; h > 0u; h /= 2u) {
        if (lane < h) {
            part[t] += part[t + h * p.cpw];
        }
        workgroupBarrier();
    }
    let s = part[t % p.cpw];
    workgroupBarrier();
    return s;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
    let c = flat_group(wid, nwg) * p.cpw + t % p.cpw;
    let lane = t / p.cpw;
    let ok = c < p.cols;
    var s = 0.0;
    if (ok) {
        for (var r = lane; r < p.rows; r += p.lanes) {
            s += x[r * p.cols + c];
        }
    }
    let mu = reduce(t, lane, s) / f32(p.rows);
    s = 0.0;
    if (ok) {
        for (var r = lane; r < p.rows; r += p.lanes) {
            let d = x[r * p.cols + c] - mu;
            s += d * d;
        }
    }
    let va = reduce(t, lane, s) / f32(p.rows);
    if (lane == 0u && ok) {
        mean[c] = mu;
        variance[c] = va;
        mov_mean[c] = mov_mean[c] * p.momentum + mu * (1.0 - p.momentum);
        mov_var[c] = mov_var[c] * p.momentum + va * (1.0 - p.momentum);
    }
}
