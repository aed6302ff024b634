// A Rust program for tests/e2e/languages_test.cc: `rust_names SECONDS` of
// CPU time (not wall time: the test machine may be busy).
// Built by the test with rustc -O -g, once with legacy symbol mangling and
// once with v0, so both schemes reach the demangler from a real binary: a
// trait method through `dyn` (<rust_names::Square as rust_names::Shape>::area),
// a generic function (rust_names::sum_generic, ::<u32> in v0) and HashMap's
// Extend impl from the standard library.
use std::collections::HashMap;

#[repr(C)]
struct Timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

extern "C" {
    fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
}

const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;

fn cpu_seconds() -> f64 {
    let mut ts = Timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes one Timespec, which `ts` is.
    unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

trait Shape {
    fn area(&self) -> f64;
}

struct Square(f64);

impl Shape for Square {
    #[inline(never)]
    fn area(&self) -> f64 {
        let mut a = 0.0;
        for i in 0..20000 {
            a += self.0 * (i as f64).sqrt();
        }
        a
    }
}

#[inline(never)]
fn build_map(n: u64) -> HashMap<u64, u64> {
    let mut m = HashMap::new();
    m.extend((0..n).map(|i| (i.wrapping_mul(0x9e3779b97f4a7c15), i)));
    m
}

#[inline(never)]
fn sum_generic<T: Copy + Into<f64>>(v: &[T]) -> f64 {
    v.iter().map(|&x| x.into()).map(f64::sqrt).sum()
}

fn main() {
    let secs: f64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let end = cpu_seconds() + secs;
    let shapes: Vec<Box<dyn Shape>> = vec![Box::new(Square(2.0))];
    let v: Vec<u32> = (0..20000).collect();
    let mut total = 0.0;
    while cpu_seconds() < end {
        total += build_map(5000).len() as f64;
        for s in &shapes {
            total += s.area();
        }
        total += sum_generic(&v);
    }
    println!("{}", total);
}
