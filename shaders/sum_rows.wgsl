// SumRows: for j < cols: db[j] += Σ_r dy[r*cols+j].
//
// A workgroup of 256 sums cpw columns with lanes = 256/cpw invocations per
// column, each taking every lanes-th row, then adds its lanes in a fixed tree:
// the result does not depend on timing.
struct Params {
    rows: u32,
    cols: u32,
    cpw: u32,
    lanes: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> db: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;

var<workgroup> part: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
    let c = flat_group(wid, nwg) * p.cpw + t % p.cpw;
    let lane = t / p.cpw;
    var s = 0.0;
    if (c < p.cols) {
        for (var r = lane; r < p.rows; r += p.lanes) {
            s += dy[r * p.cols + c];
        }
    }
    part[t] = s;
    workgroupBarrier();
    for (var h = p.lanes / 2u; h > 0u; h /= 2u) {
        if (lane < h) {
            part[t] += part[t + h * p.cpw];
        }
        workgroupBarrier();
    }
    if (lane == 0u && c < p.cols) {
        db[c] += part[t];
    }
}
