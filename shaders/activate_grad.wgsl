// ActivateGrad: dx[i] = dy[i] * f'(y[i]), the derivative written through the
// activation's output: relu y > 0 ? 1 : 0; sigmoid y(1-y); tanh 1-y²; linear 1.
// In place (dx is dy): main_in_place.
struct Params {
    n: u32,
    act: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> y: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wid, nwg, lid);
    if (i >= p.n) {
        return;
    }
    dx[i] = activation_grad(p.act, dy[i], y[i]);
}

// main_in_place is main with dy the very range of dx, left unbound.
@compute @workgroup_size(256)
fn main_in_place(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wid, nwg, lid);
    if (i >= p.n) {
        return;
    }
    dx[i] = activation_grad(p.act, dx[i], y[i]);
}
