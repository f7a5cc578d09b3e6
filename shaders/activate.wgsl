// Activate: y[i] = f(x[i]) for act a gpu.Act (not softmax). In place (y is x): main_in_place.
struct Params {
    n: u32,
    act: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wid, nwg, lid);
    if (i < p.n) {
        y[i] = activation(p.act, x[i]);
    }
}

// main_in_place is main with x the very range of y, left unbound.
@compute @workgroup_size(256)
fn main_in_place(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wid, nwg, lid);
    if (i < p.n) {
        y[i] = activation(p.act, y[i]);
    }
}
