// Gather from a byte source (stored packed, four bytes per u32, little end
// first): as gather.wgsl, with element indices counting bytes.
//   for r < rows, j < rowLen: dst[r*rowLen+j] = scale * f32(src[idx[idxOff+r]*rowLen+j])
@group(0) @binding(0) var<uniform> p: GatherParams;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<f32>;
@group(0) @binding(3) var<storage, read> s0: array<u32>;
@group(0) @binding(4) var<storage, read> s1: array<u32>;
@group(0) @binding(5) var<storage, read> s2: array<u32>;
@group(0) @binding(6) var<storage, read> s3: array<u32>;

fn load_word(w: u32, i: u32) -> u32 {
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
    let b = src.y;
    let word = load_word(src.x, b >> 2u);
    dst[e] = p.scale * f32((word >> ((b & 3u) * 8u)) & 0xffu);
}
