// common.wgsl is prepended to every kernel.

// Elementwise kernels run 256 invocations per workgroup. Dispatches of more
// than 65535 workgroups fold into a 2-D grid (WebGPU's per-dimension limit).
const WG: u32 = 256u;

fn flat_index(wid: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>) -> u32 {
    return (wid.y * nwg.x + wid.x) * WG + lid.x;
}

// flat_group numbers workgroups of a folded 2-D grid.
fn flat_group(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return wid.y * nwg.x + wid.x;
}

// ConvParams are the sizes of a convolution or pooling window kernel
// (gpu.ConvGeom): im2col, col2im, maxpool and maxpool_grad.
struct ConvParams {
    total: u32, // invocations: the elements the kernel writes
    h: i32,
    w: i32,
    c: i32,
    kh: i32,
    kw: i32,
    sh: i32,
    sw: i32,
    pad_t: i32,
    pad_l: i32,
    oh: i32,
    ow: i32,
}
