"""The trained weights of a real `tiersim train` run, recomputed from the definitions in
docs/training.md alone (no tiersim code): fp32 arithmetic emulated with Python floats rounded
to fp32 after every operation (double rounding is harmless for +, -, *, / and sqrt, since
double has more than twice fp32's precision plus two bits)."""
import math
import struct

MASK = (1 << 64) - 1


def mix64(x):
    z = (x + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def h(a, b, c):
    return mix64(mix64(mix64(a) ^ b) ^ c)


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def u(x):
    return f32(f32((x >> 40) * 2.0 ** -23) - 1.0)


def bf16_bits(x):
    bits = struct.unpack("<I", struct.pack("<f", x))[0]
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFFFFFF
    return bits >> 16


def from_bf16(b):
    return struct.unpack("<f", struct.pack("<I", b << 16))[0]


def expert_bytes(seed, key, params, steps, lr, optimizer="none", dtype="fp32", master=None, object_bytes=None):
    """The bytes of expert `key` after updates at `steps` (in order)."""
    if master is None:
        master = dtype == "bf16"
    states = {"none": 0, "momentum": 1, "adam": 2}[optimizer]
    w = [f32(u(h(seed, key, i)) * 2.0 ** -4) for i in range(params)]
    if dtype == "bf16":
        w_store = [from_bf16(bf16_bits(x)) for x in w]
    else:
        w_store = list(w)
    m = [0.0] * params
    v = [0.0] * params
    lr32 = f32(lr)
    for t, step in enumerate(steps, start=1):
        gs = seed ^ (((step + 1) * 0x9E3779B97F4A7C15) & MASK)
        c1 = f32(1.0 - 0.9 ** t)
        c2 = f32(1.0 - 0.999 ** t)
        for i in range(params):
            g = u(h(gs, key, i))
            x = w[i] if master else w_store[i]
            if optimizer == "none":
                x = f32(x - f32(lr32 * g))
            elif optimizer == "momentum":
                m[i] = f32(f32(f32(0.9) * m[i]) + g)
                x = f32(x - f32(lr32 * m[i]))
            else:
                m[i] = f32(f32(f32(0.9) * m[i]) + f32(f32(0.1) * g))
                v[i] = f32(f32(f32(0.999) * v[i]) + f32(f32(0.001) * f32(g * g)))
                step_size = f32(f32(m[i] / c1) / f32(f32(math.sqrt(f32(v[i] / c2))) + f32(1e-8)))
                x = f32(x - f32(lr32 * step_size))
            w[i] = x
            w_store[i] = from_bf16(bf16_bits(x)) if dtype == "bf16" else x
    out = bytearray()
    for x in w_store:
        out += struct.pack("<H", bf16_bits(x)) if dtype == "bf16" else struct.pack("<f", x)
    if master:
        for x in w:
            out += struct.pack("<f", x)
    for s in range(states):
        for x in (m if s == 0 else v):
            out += struct.pack("<f", x)
    if object_bytes is not None:
        out += bytes(object_bytes - len(out))
    return bytes(out)
