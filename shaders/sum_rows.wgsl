// SumRows: for j < cols: db[j] += Σ_r dy[r*cols+j].
//
// A workgroup of 256 sums cpw columns with lanes = 256/cpw invocations per
// column, each taking every lanes-th row of its chunk, then adds its lanes in
// a fixed tree: the result does not depend on timing. Long columns (a conv
// bias gradient sums 28,800 rows) are cut into p.chunks chunks of
// p.chunk_rows rows so that more workgroups share them; with more than one,
// chunk q writes its sums to db + q*cols (db is then a scratch buffer) and
// sum_split.wgsl adds them.
struct Params {
    rows: u32,
    cols: u32,
    cpw: u32,
    lanes: u32,
    chunk_rows: u32,
    chunks: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> db: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;

var<workgroup> part: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
    let blocks = (p.cols + p.cpw - 1u) / p.cpw;
    let g = flat_group(wid, nwg);
    let chunk = g / blocks;
    if (chunk >= p.chunks) {
        return;
    }
    let c = (g % blocks) * p.cpw + t % p.cpw;
    let lane = t / p.cpw;
    let end = min(p.rows, (chunk + 1u) * p.chunk_rows);
    var s = 0.0;
    if (c < p.cols) {
        for (var r = chunk * p.chunk_rows + lane; r < end; r += p.lanes) {
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
        if (p.chunks > 1u) {
            db[chunk * p.cols + c] = part[t];
        } else {
            db[c] += part[t];
        }
    }
}
