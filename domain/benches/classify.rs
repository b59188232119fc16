//! Readiness classification throughput on 1,000,000 mixed barcodes.
//!
//! Run: `cargo bench -p domain --bench classify -- --warm-up-time 1 --measurement-time 3`.
//! The input is generated from a fixed seed: valid GTIN-13s (half of them Kazakh 487),
//! GTIN-8/12/14, NTINs, XTINs, bad check digits, restricted prefixes and junk, with some repeats.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use domain::barcode::gs1_check_digit;
use domain::readiness::{classify, classify_all};

const LINES: usize = 1_000_000;

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn digits(&mut self, out: &mut String, count: usize) {
        for _ in 0..count {
            out.push(char::from(b'0' + self.below(10) as u8));
        }
    }
}

fn push_check(code: &mut String) {
    let check = gs1_check_digit(code.as_bytes());
    code.push(char::from(b'0' + check));
}

fn valid(prefix: &str, len: usize, rng: &mut Rng) -> String {
    let mut code = String::with_capacity(len);
    code.push_str(prefix);
    rng.digits(&mut code, len - 1 - prefix.len());
    push_check(&mut code);
    code
}

fn barcodes() -> Vec<String> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out: Vec<String> = Vec::with_capacity(LINES);
    while out.len() < LINES {
        let roll = rng.below(100);
        let line = match roll {
            0..=19 => valid("487", 13, &mut rng),
            20..=39 => valid("46", 13, &mut rng),
            40..=49 => valid("0200", 13, &mut rng), // NTIN
            50..=56 => {
                let mut x = String::from("004");
                rng.digits(&mut x, 10);
                x // XTIN, check digit not required
            }
            57..=60 => valid("4", 8, &mut rng),
            61..=64 => valid("0", 12, &mut rng),
            65..=67 => valid("1", 14, &mut rng),
            68..=72 => {
                let mut bad = valid("590", 13, &mut rng);
                let last = if bad.ends_with('0') { '1' } else { '0' };
                bad.pop();
                bad.push(last);
                bad
            }
            73..=76 => valid("2", 13, &mut rng),  // RCN 200-299
            77..=79 => valid("99", 13, &mut rng), // coupon
            80..=83 => {
                let mut short = String::new();
                rng.digits(&mut short, 11); // UPC-A with its leading zero dropped
                short
            }
            84..=86 => format!(" {}\r", valid("487", 13, &mut rng)),
            87..=88 => String::from("4.87002E+12"),
            89 => String::from("4870 0204 39151"),
            90 => String::new(),
            91..=92 => String::from("нет штрихкода"),
            _ => match out.len() {
                0 => valid("487", 13, &mut rng),
                n => out[rng.below(n as u64) as usize].clone(), // repeat an earlier line
            },
        };
        out.push(line);
    }
    out
}

fn bench_classify(c: &mut Criterion) {
    let lines = barcodes();

    let mut group = c.benchmark_group("readiness_1m");
    group.sample_size(10);
    group.throughput(Throughput::Elements(LINES as u64));
    group.bench_function("classify_loop", |b| {
        b.iter(|| {
            let mut ready = 0usize;
            for line in &lines {
                if classify(black_box(line)).gtin14.is_some() {
                    ready += 1;
                }
            }
            ready
        });
    });
    group.bench_function("classify_all", |b| {
        b.iter(|| classify_all(black_box(&lines)).summary.total);
    });
    group.finish();

    let mut single = c.benchmark_group("check_digit");
    single.throughput(Throughput::Elements(1));
    single.bench_function("gs1_check_digit_gtin13_body", |b| {
        b.iter(|| gs1_check_digit(black_box(b"487020439151")));
    });
    single.finish();
}

criterion_group!(benches, bench_classify);
criterion_main!(benches);
