// Gather from a float source:
//   for r < rows, j < rowLen: dst[r*rowLen+j] = scale * src[idx[idxOff+r]*rowLen+j]
//
// src may be larger than one storage binding may be (128 MiB by default), so
// it is bound as up to four overlapping windows s0..s3 that start every
// `stride` elements; element e of src (counted from `base`, the view's start
// within window 0) lies in window (base+row start)/stride, and the windows
// overlap by at least a row, so a row never straddles two.
@group(0) @binding(0) var<uniform> p: GatherParams;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<f32>;
@group(0) @binding(3) var<storage, read> s0: array<f32>;
@group(0) @binding(4) var<storage, read> s1: array<f32>;
@group(0) @binding(5) var<storage, read> s2: array<f32>;
@group(0) @binding(6) var<storage, read> s3: array<f32>;

fn load(w: u32, i: u32) -> f32 {
    switch w {
        case 0u: { return s0[i]; }
        case 1u: { return s1[i]; }
        case 2u: { return s2[i]; }
        default: { return s3[i]; }
    }
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
    let e = flat_index(wid, nwg, lid);
    if (e >= p.total) {
        return;
    }
    let src = gather_src(e, p, idx[p.idx_off + e / p.row_len]);
    dst[e] = p.scale * load(src.x, src.y);
}
